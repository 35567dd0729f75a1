"""Digest charts drawn with matplotlib's object API (Figure + Agg, never pyplot), sized for a phone.

Each chart comes back as PNG bytes, a sentence of alt text with its headline numbers, and the numbers
read back from the drawn artists, so tests can check the picture says what the data says.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import matplotlib
import numpy
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator
from matplotlib.typing import RcKeyType

from bot.formatting import day_range, local_date, usd
from kilo_api.money import MICRODOLLARS_PER_DOLLAR
from reports.digest_data import BURN_WINDOW_DAYS, DigestData, spend_by_day, spend_by_model
from reports.figures import OTHER, period_noun, run_out_at, share_percent, top_spenders, usd_short

DPI = 200  # 6.4 in × 200 dpi = 1280 px: sharp on a phone, and 13 pt text stays readable when scaled down
WIDTH_IN = 6.4
FONT_PT = 14
TITLE_PT = 16
SMALL_PT = 13
TOP_MODELS = 6
INK = "#222222"
MUTED = "#555555"
# Petroff's 10-colour sequence (colour-blind safe, matplotlib ≥ 3.10) without its two greys: grey means "Other".
_PETROFF = [to_hex(colour) for colour in matplotlib.color_sequences["petroff10"]]
PALETTE = tuple(colour for colour in _PETROFF if colour not in ("#94a4a2", "#717581"))
OTHER_COLOUR = "#bdbdbd"
PROJECTION_DAYS = 91  # the credit chart looks up to 13 weeks ahead
NAME_CHARS = 20
LONG_RUNWAY_DAYS = 365  # beyond a year a run-out date is noise

STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_PT,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "text.color": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.edgecolor": "#999999",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 1.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


class ChartKind(StrEnum):
    """One chart of a digest, by the file name it is uploaded under."""

    DAILY_SPEND = "daily-spend"
    MODEL_SHARE = "model-share"
    CREDIT_BALANCE = "credit-balance"


@dataclass(frozen=True)
class RenderedChart:
    name: str  # a file name stem: daily-spend, model-share, credit-balance
    title: str
    png: bytes
    alt_text: str


@dataclass(frozen=True)
class DailySpendChart(RenderedChart):
    days: tuple[date, ...]
    stacks: tuple[tuple[str, tuple[float, ...]], ...]  # (label, dollars per day as drawn), bottom to top
    colours: Mapping[str, str]  # label → colour as drawn
    reference: tuple[float, ...]  # the period before, dollars per day as drawn (empty for a first period)


@dataclass(frozen=True)
class ShareChart(RenderedChart):
    labels: tuple[str, ...]  # top to bottom
    shares: tuple[float, ...]  # fractions of spend as drawn
    colours: Mapping[str, str]


@dataclass(frozen=True)
class CreditChart(RenderedChart):
    history: tuple[tuple[datetime, float], ...]  # balance in dollars as drawn
    projection: tuple[tuple[datetime, float], ...]  # now → run-out (or the chart's horizon)
    run_out: datetime | None


# --- colours -----------------------------------------------------------------------------------


def home_colour_index(model: str) -> int:
    """A model's own place in the palette, the same in every process and every week (not Python's hash)."""
    digest = hashlib.blake2b(model.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % len(PALETTE)


def model_colours(models: Iterable[str]) -> dict[str, str]:
    """Each model its home colour; when two share one, the later by (home, name) takes the next free colour.

    The result depends only on which models are shown, not on their order or spend, so a model keeps
    its colour week after week while the same models lead."""
    colours: dict[str, str] = {}
    taken: set[int] = set()
    named = sorted({model for model in models if model != OTHER}, key=lambda m: (home_colour_index(m), m))
    for model in named:
        index = home_colour_index(model)
        for step in range(len(PALETTE)):
            if (index + step) % len(PALETTE) not in taken or len(taken) >= len(PALETTE):
                index = (index + step) % len(PALETTE)
                break
        taken.add(index)
        colours[model] = PALETTE[index]
    colours[OTHER] = OTHER_COLOUR
    return colours


def short_names(models: Sequence[str]) -> dict[str, str]:
    """anthropic/claude-sonnet-4.5 → claude-sonnet-4.5 unless that is ambiguous; clipped to fit the chart."""
    tails = [model.rsplit("/", 1)[-1] for model in models]
    names = tails if len(set(tails)) == len(tails) else list(models)
    return {model: _clip(name) for model, name in zip(models, names, strict=True)}


def _clip(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


# --- layout ------------------------------------------------------------------------------------


def _figure(height_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _axes(figure: Figure, *, left: float, right: float, top: float, bottom: float) -> Axes:
    """Axes at fixed margins in inches (a fixed template: nothing moves with the data, no tight bbox)."""
    width, height = figure.get_size_inches()
    return figure.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height))


def _titles(figure: Figure, title: str, subtitle: str) -> None:
    height = figure.get_size_inches()[1]
    figure.text(0.25 / WIDTH_IN, 1 - 0.18 / height, title, fontsize=TITLE_PT, weight="bold", va="top")
    figure.text(0.25 / WIDTH_IN, 1 - 0.54 / height, subtitle, fontsize=SMALL_PT, color=MUTED, va="top")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # zlib level 3 instead of 6: a third less encoding time for 5 % larger files (flat colours compress well)
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def _period_words(data: DigestData) -> str:
    return f"{day_range(data.period.start, data.period.end)} · UTC day{'s' if data.period.days > 1 else ''}"


def _dollars(amount_microdollars: int) -> float:
    return amount_microdollars / MICRODOLLARS_PER_DOLLAR


def _axis_money(value: float) -> str:
    amount = round(value * MICRODOLLARS_PER_DOLLAR)
    return "$0" if amount == 0 else usd_short(amount)


def _money_axis(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _position: _axis_money(value)))


# --- (a) daily spend by model ------------------------------------------------------------------


def render_daily_spend_chart(data: DigestData, *, top: int = TOP_MODELS) -> DailySpendChart:
    """Stacked bars of each UTC day's spend by model (top N + Other), the period before as a dashed line."""
    with matplotlib.rc_context(STYLE):
        return _daily_spend_chart(data, top)


def _daily_spend_chart(data: DigestData, top: int) -> DailySpendChart:
    noun = period_noun(data.period)
    days = data.period.each_day()
    leaders = top_spenders(spend_by_model(data.model_days), top)
    shown = [name for name, _ in leaders.top]
    per_day: dict[str, list[int]] = {name: [0] * len(days) for name in [*shown, OTHER]}
    for spend in data.model_days:
        label = spend.model if spend.model in per_day else OTHER
        per_day[label][(spend.day - data.period.start).days] += spend.cost_microdollars
    stack_order = [*shown, OTHER] if leaders.other_count else shown
    colours = model_colours(stack_order)
    names = {**short_names(shown), OTHER: f"{OTHER} ({leaders.other_count} models)"}
    previous_by_day = spend_by_day(data.previous_model_days)
    previous = data.previous_period
    reference = (
        [previous_by_day.get(previous.start + timedelta(days=offset), 0) for offset in range(len(days))]
        if previous is not None
        else []
    )

    legend_rows = (len(stack_order) + (1 if reference else 0) + 1) // 2
    legend_in = 0.3 * max(legend_rows, 1)
    figure = _figure(3.9 + legend_in)
    total = sum(sum(values) for values in per_day.values())
    _titles(
        figure,
        "Daily AI spend by model",
        f"{_period_words(data)} · {usd(total)}",
    )
    axes = _axes(figure, left=0.85, right=0.25, top=0.95 + legend_in, bottom=0.8)
    positions = list(range(len(days)))
    bottoms = [0.0] * len(days)
    drawn: list[tuple[str, tuple[float, ...]]] = []
    drawn_colours: dict[str, str] = {}
    handles: list[tuple[Artist, str]] = []
    for label in stack_order:
        heights = [_dollars(value) for value in per_day[label]]
        bars = axes.bar(
            positions, heights, 0.72, bottom=bottoms, color=colours[label], edgecolor="white", linewidth=0.8
        )
        patches: list[Rectangle] = list(bars.patches)
        drawn.append((label, tuple(patch.get_height() for patch in patches)))
        drawn_colours[label] = to_hex(patches[0].get_facecolor())
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
        handles.append((patches[0], names[label]))
    drawn_reference: tuple[float, ...] = ()
    if reference:
        (line,) = axes.plot(
            positions,
            [_dollars(value) for value in reference],
            color=INK,
            linewidth=1.8 if len(days) <= 10 else 1.4,
            linestyle=(0, (4, 2.5)),
            marker="o" if len(days) <= 10 else "",
            markersize=5,
            zorder=4,
        )
        drawn_reference = tuple(_floats(line.get_ydata()))
        handles.append((line, f"the {noun} before"))
    tops = [sum(values[i] for values in per_day.values()) for i in range(len(days))]
    highest = max([*tops, *reference, 0])
    axes.set_ylim(0, _dollars(highest) * 1.25 if highest else 1.0)
    axes.set_xlim(-0.6, len(days) - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    _money_axis(axes.yaxis)
    axes.grid(axis="y")
    axes.tick_params(axis="x", length=0)
    if len(days) <= 10:
        axes.set_xticks(positions, [f"{day:%a}\n{day.day}" for day in days])
        # A total's label sits on its bar, or above the reference marker when that would cover it.
        axes_height_in = figure.get_size_inches()[1] - (0.95 + legend_in) - 0.8
        label_band = (SMALL_PT * 1.3 + 8) / 72 / axes_height_in * axes.get_ylim()[1]
        for position, value in zip(positions, tops, strict=True):
            anchor = _dollars(value)
            if reference and anchor <= _dollars(reference[position]) <= anchor + label_band:
                anchor = _dollars(reference[position]) + label_band * 0.12
            if value:
                axes.annotate(
                    usd_short(value),
                    (position, anchor),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=SMALL_PT,
                    color=INK,
                    zorder=5,
                    # the reference line passes behind the total instead of through it
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.9},
                )
    else:
        # Long periods: Mondays only, and not the first bar (its label would run into the "$0").
        ticks = [i for i in positions if days[i].weekday() == 0 and i > 0]
        axes.set_xticks(ticks, [f"{days[i]:%b} {days[i].day}" for i in ticks])
    if not highest:
        axes.set_yticks([0])
    if not total:
        axes.text(
            0.5, 0.55, f"No spend this {noun}", transform=axes.transAxes, ha="center", fontsize=FONT_PT, color=MUTED
        )
    figure.legend(
        [handle for handle, _ in handles],
        [label for _, label in handles],
        loc="upper left",
        bbox_to_anchor=(0.15 / WIDTH_IN, 1 - 0.85 / figure.get_size_inches()[1]),
        ncols=2,
        frameon=False,
        handlelength=1.4,
        columnspacing=1.2,
        borderaxespad=0,
    )
    busiest = max(range(len(days)), key=lambda i: (tops[i], -i))
    sentence = [f"Bar chart of daily AI spend by model, {day_range(data.period.start, data.period.end)}: {usd(total)}"]
    if total:
        sentence.append(f", most on {days[busiest]:%a %b} {days[busiest].day} ({usd(tops[busiest])})")
    if previous is not None:
        sentence.append(f"; the {noun} before: {usd(sum(reference))}")
    if shown:
        sentence.append(f". Largest model: {shown[0]}, {usd(leaders.top[0][1])}")
    return DailySpendChart(
        name="daily-spend",
        title="Daily AI spend by model",
        png=_png(figure),
        alt_text="".join(sentence) + ".",
        days=tuple(days),
        stacks=tuple(drawn),
        colours=drawn_colours,
        reference=drawn_reference,
    )


# --- (b) share of spend ------------------------------------------------------------------------


def render_model_share_chart(data: DigestData, *, top: int = TOP_MODELS) -> ShareChart:
    """Horizontal bars of each model's share of spend (top N + Other), labelled at the bar's end."""
    with matplotlib.rc_context(STYLE):
        return _share_chart(data, top)


def _share_chart(data: DigestData, top: int) -> ShareChart:
    leaders = top_spenders({model.model: model.cost_microdollars for model in data.models}, top)
    rows = leaders.with_other()
    shown = [name for name, _ in leaders.top]
    colours = model_colours(name for name, _ in rows)
    names = {**short_names(shown), OTHER: f"{OTHER} ({leaders.other_count})"}
    figure = _figure(1.25 + 0.46 * max(len(rows), 1))
    _titles(figure, "Share of AI spend by model", _period_words(data))
    axes = _axes(figure, left=2.55, right=0.2, top=1.0, bottom=0.2)
    positions = list(range(len(rows)))[::-1]  # the biggest on top
    shares = [cost / leaders.total if leaders.total else 0.0 for _, cost in rows]
    bars = axes.barh(positions, shares, 0.68, color=[colours[name] for name, _ in rows])
    patches: list[Rectangle] = list(bars.patches)
    for patch, (_name, cost) in zip(patches, rows, strict=True):
        axes.annotate(
            f"{share_percent(cost, leaders.total)} · {usd_short(cost)}",
            (patch.get_width(), patch.get_y() + patch.get_height() / 2),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_PT,
        )
    axes.set_yticks(positions, [names[name] for name, _ in rows])
    axes.set_xlim(0, max(shares, default=0) * 1.85 or 1.0)  # room for "100% · $999k" after the longest bar
    axes.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    axes.xaxis.set_visible(False)
    axes.spines[["bottom", "top", "right"]].set_visible(False)
    axes.tick_params(axis="y", length=0)
    if not rows:
        axes.text(0.5, 0.5, f"No spend this {period_noun(data.period)}", transform=axes.transAxes, ha="center")
    parts = ", ".join(f"{name} {share_percent(cost, leaders.total)}" for name, cost in leaders.top[:3])
    more = f", and {len(rows) - 3} more" if len(rows) > 3 else ""
    alt_text = f"Bar chart of each model's share of AI spend, {day_range(data.period.start, data.period.end)}: " + (
        f"{usd(leaders.total)} in all; {parts}{more}." if rows else "no spend."
    )
    return ShareChart(
        name="model-share",
        title="Share of AI spend by model",
        png=_png(figure),
        alt_text=alt_text,
        labels=tuple(name for name, _ in rows),
        shares=tuple(patch.get_width() for patch in patches),
        colours={name: to_hex(patch.get_facecolor()) for patch, (name, _) in zip(patches, rows, strict=True)},
    )


# --- (c) credit balance ------------------------------------------------------------------------


def render_credit_chart(data: DigestData) -> CreditChart:
    """The balance at the end of each recent day, and a dashed projection to its run-out at the 7-day rate."""
    if data.credits is None:
        raise ValueError("this digest has no credit figures")
    with matplotlib.rc_context(STYLE):
        return _credit_chart(data)


def _credit_chart(data: DigestData) -> CreditChart:
    credits = data.credits
    assert credits is not None
    zone = data.period.zone
    history = [(point.at, point.balance_microdollars) for point in credits.history if point.at < credits.as_of]
    history.append((credits.as_of, credits.balance_microdollars))
    run_out = run_out_at(credits)
    horizon = credits.as_of + timedelta(days=PROJECTION_DAYS)
    if run_out is not None and run_out < horizon:
        horizon = max(run_out, credits.as_of + timedelta(days=14))
    projection: list[tuple[datetime, int]] = [(credits.as_of, credits.balance_microdollars)]
    if credits.balance_microdollars > 0 and run_out is not None and run_out <= horizon:
        projection.append((run_out, 0))
    elif credits.balance_microdollars > 0:
        burn_per_day = credits.burn_last_7_days_microdollars / BURN_WINDOW_DAYS
        projection.append((horizon, round(credits.balance_microdollars - burn_per_day * PROJECTION_DAYS)))

    def days_from_now(moment: datetime) -> float:  # x is days from the balance's "now"
        return (moment - credits.as_of).total_seconds() / 86_400

    def moment(x: float) -> datetime:
        return credits.as_of + timedelta(days=x)

    figure = _figure(4.4)
    left = usd(credits.balance_microdollars)
    if credits.balance_microdollars <= 0:
        outlook = "no credits left"
    elif run_out is None:
        outlook = f"no spend in the last {BURN_WINDOW_DAYS} days"
    elif run_out - credits.as_of > timedelta(days=LONG_RUNWAY_DAYS):
        outlook = "lasts more than a year"
    else:
        outlook = f"runs out around {local_date(run_out, zone)}"
    _titles(figure, "Credit balance", f"{left} left · {outlook}")
    axes = _axes(figure, left=0.95, right=0.35, top=1.0, bottom=0.55)
    (history_line,) = axes.plot(
        [days_from_now(at) for at, _ in history],
        [_dollars(balance) for _, balance in history],
        color=PALETTE[0],
        linewidth=2.6,
        solid_capstyle="round",
    )
    (projection_line,) = axes.plot(
        [days_from_now(at) for at, _ in projection],
        [_dollars(balance) for _, balance in projection],
        color=PALETTE[0],
        linewidth=2.2,
        linestyle=(0, (4, 2.5)),
    )
    axes.plot([0], [_dollars(credits.balance_microdollars)], "o", color=PALETTE[0])
    axes.annotate(
        f"{usd_short(credits.balance_microdollars)} now",
        (0, _dollars(credits.balance_microdollars)),
        xytext=(6, 8),
        textcoords="offset points",
        fontsize=SMALL_PT,
        weight="bold",
    )
    if len(projection) > 1 and projection[-1][1] == 0 and run_out is not None:
        # A dotted line at the run-out date, labelled at the top where the falling projection is not.
        axes.axvline(days_from_now(run_out), color=PALETTE[2], linewidth=1.4, linestyle=":")
        axes.plot([days_from_now(run_out)], [0], "X", color=PALETTE[2], markersize=9, zorder=5, clip_on=False)
        axes.annotate(
            f"runs out ~{_day_label(run_out.astimezone(zone))}",
            (days_from_now(run_out), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-5, -2),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=SMALL_PT,
            color=PALETTE[2],
            weight="bold",
        )
    elif len(projection) > 1:
        end, projected = projection[-1]
        axes.annotate(
            f"≈{usd_short(projected)}\n{_day_label(end.astimezone(zone))}",
            (days_from_now(end), _dollars(projected)),
            xytext=(0, 10),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=SMALL_PT,
            color=MUTED,
        )
    balances = [balance for _, balance in history + projection]
    low, high = min([0, *balances]), max([0, *balances])
    axes.set_ylim(_dollars(low) * 1.1, _dollars(high) * 1.18 if high else 1.0)
    first, last = days_from_now(history[0][0]), max(days_from_now(at) for at, _ in projection)
    axes.set_xlim(first - 0.5, last + max(1.0, (last - first) * 0.04))  # room for the run-out marker
    axes.axhline(0, color="#999999", linewidth=1)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    _money_axis(axes.yaxis)
    span = axes.get_xlim()[1] - axes.get_xlim()[0]
    axes.xaxis.set_major_locator(MultipleLocator(7 * max(1, round(span / 4 / 7))))  # whole weeks from now
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _position: _day_label(moment(x).astimezone(zone))))
    axes.grid(axis="y")
    on = local_date(credits.as_of, zone)
    if credits.balance_microdollars <= 0:
        alt_text = f"Line chart of the credit balance: {left} on {on}, no credits left."
    elif run_out is None:
        alt_text = f"Line chart of the credit balance: {left} left on {on}; {outlook}."
    else:
        spent = usd(credits.burn_last_7_days_microdollars)
        alt_text = (
            f"Line chart of the credit balance: {left} left on {on}; "
            f"at the last {BURN_WINDOW_DAYS} days' spend ({spent}) it {outlook}."
        )
    return CreditChart(
        name="credit-balance",
        title="Credit balance",
        png=_png(figure),
        alt_text=alt_text,
        history=_points(history_line.get_xdata(), history_line.get_ydata(), moment),
        projection=_points(projection_line.get_xdata(), projection_line.get_ydata(), moment),
        run_out=run_out,
    )


def _floats(values: Any) -> list[float]:
    return [float(value) for value in numpy.asarray(values, dtype=float)]


def _points(xs: Any, ys: Any, moment: Callable[[float], datetime]) -> tuple[tuple[datetime, float], ...]:
    return tuple((moment(x), y) for x, y in zip(_floats(xs), _floats(ys), strict=True))


def _day_label(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"


def render_digest_charts_now(data: DigestData) -> list[RenderedChart]:
    """Every chart this digest has data for, rendered in this process (the pool calls this)."""
    charts: list[RenderedChart] = [render_daily_spend_chart(data)]
    if data.totals.cost_microdollars > 0 and len(data.models) > 1:  # one model is always 100 %: nothing to show
        charts.append(render_model_share_chart(data))
    if data.credits is not None:
        charts.append(render_credit_chart(data))
    return charts


def render_chart_now(kind: ChartKind, data: DigestData) -> RenderedChart:
    """One chart of `data`, rendered in this process (the pool calls this for a single chart)."""
    match kind:
        case ChartKind.DAILY_SPEND:
            return render_daily_spend_chart(data)
        case ChartKind.MODEL_SHARE:
            return render_model_share_chart(data)
        case ChartKind.CREDIT_BALANCE:
            return render_credit_chart(data)
    raise ValueError(f"not a chart: {kind!r}")


def warm_up() -> None:
    """Load the fonts and the Agg renderer once (a process pool's workers call this at start)."""
    with matplotlib.rc_context(STYLE):
        figure = _figure(1.0)
        figure.text(0.5, 0.5, "$1.2k", fontsize=FONT_PT, weight="bold")
        _png(figure)
