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
from functools import partial
from typing import Any, Generic, Literal, TypeVar

import matplotlib
import numpy
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
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
REFERENCE_DASHES = (0, (4, 2.5))
HorizontalAlign = Literal["left", "center", "right"]
VerticalAlign = Literal["bottom", "center", "top"]

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


ChartT = TypeVar("ChartT", bound=RenderedChart)


@dataclass(frozen=True)
class Drawn(Generic[ChartT]):
    """A chart's Figure before it is encoded (tests measure its artists), and how to make the chart of it."""

    figure: Figure
    chart: Callable[..., ChartT]  # takes png=

    def render(self) -> ChartT:
        with matplotlib.rc_context(STYLE):
            return self.chart(png=_png(self.figure))


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


def _figure(height_in: float, *, width_in: float = WIDTH_IN) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _axes(figure: Figure, *, left: float, right: float, top: float, bottom: float) -> Axes:
    """Axes at fixed margins in inches (a fixed template: nothing moves with the data, no tight bbox)."""
    width, height = figure.get_size_inches()
    return figure.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height))


def _titles(figure: Figure, title: str, subtitle: str) -> None:
    width, height = figure.get_size_inches()
    figure.text(0.25 / width, 1 - 0.18 / height, title, fontsize=TITLE_PT, weight="bold", va="top")
    figure.text(0.25 / width, 1 - 0.54 / height, subtitle, fontsize=SMALL_PT, color=MUTED, va="top")


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

DAILY_WIDTH_IN = 8.0  # 1600 px: seven day totals side by side, and a column of direct labels at the right
DAILY_LEFT_IN = 0.85
DAILY_TOP_IN = 1.0
DAILY_BOTTOM_IN = 0.8
LEADER_IN = 0.45  # the gap the leader lines cross between the last bar and its labels
LABEL_COLUMN_IN = 1.85
LABEL_GAP_PT = 3.0  # between two labels in the column
TOTAL_PAD_PT = 5.0  # a total's bottom stays this far above its bar and the reference line (marker radius + air)
BAR_WIDTH = 0.72


@dataclass(frozen=True)
class _SideLabel:
    """A direct label in the column right of the plot, and the point its leader line starts from (display px)."""

    text: str
    colour: str  # of the leader line (the text stays dark: light series colours are unreadable as text)
    start: tuple[float, float]
    dashed: bool = False


def draw_daily_spend_chart(data: DigestData, *, top: int = TOP_MODELS) -> Drawn[DailySpendChart]:
    """Stacked bars of each UTC day's spend by model (top N + Other), the period before as a dashed line."""
    with matplotlib.rc_context(STYLE):
        return _daily_spend_chart(data, top)


def render_daily_spend_chart(data: DigestData, *, top: int = TOP_MODELS) -> DailySpendChart:
    return draw_daily_spend_chart(data, top=top).render()


def _daily_spend_chart(data: DigestData, top: int) -> Drawn[DailySpendChart]:
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
    previous_by_day = spend_by_day(data.previous_model_days)
    previous = data.previous_period
    reference = (
        [previous_by_day.get(previous.start + timedelta(days=offset), 0) for offset in range(len(days))]
        if previous is not None
        else []
    )
    column_rows = len(stack_order) + (1 if reference else 0)
    # The axes grow only when a long top N would not fit its labels beside them.
    axes_in = max(2.5, column_rows * (SMALL_PT * 1.25 + LABEL_GAP_PT) / 72 + 0.1)
    figure = _figure(DAILY_TOP_IN + axes_in + DAILY_BOTTOM_IN, width_in=DAILY_WIDTH_IN)
    total = sum(sum(values) for values in per_day.values())
    _titles(figure, "Daily AI spend by model", f"{_period_words(data)} · {usd(total)}")
    axes = _axes(
        figure,
        left=DAILY_LEFT_IN,
        right=LEADER_IN + LABEL_COLUMN_IN + 0.1,
        top=DAILY_TOP_IN,
        bottom=DAILY_BOTTOM_IN,
    )
    positions = list(range(len(days)))
    axes.set_xlim(-0.5, len(days) - 0.5)
    bottoms = [0.0] * len(days)
    drawn: list[tuple[str, tuple[float, ...]]] = []
    drawn_colours: dict[str, str] = {}
    for label in stack_order:
        heights = [_dollars(value) for value in per_day[label]]
        bars = axes.bar(
            positions, heights, BAR_WIDTH, bottom=bottoms, color=colours[label], edgecolor="white", linewidth=0.8
        )
        patches: list[Rectangle] = list(bars.patches)
        drawn.append((label, tuple(patch.get_height() for patch in patches)))
        drawn_colours[label] = to_hex(patches[0].get_facecolor())
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    drawn_reference: tuple[float, ...] = ()
    reference_dollars = [_dollars(value) for value in reference]
    if reference:
        (line,) = axes.plot(
            positions,
            reference_dollars,
            color=INK,
            linewidth=1.8 if len(days) <= 10 else 1.4,
            linestyle=REFERENCE_DASHES,
            marker="o" if len(days) <= 10 else "",
            markersize=5,
            zorder=4,
        )
        drawn_reference = tuple(_floats(line.get_ydata()))
    tops = [sum(values[i] for values in per_day.values()) for i in range(len(days))]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    totals = _day_totals(axes, renderer, tops, reference_dollars) if total else []
    highest = max([_dollars(value) for value in tops] + reference_dollars + [0.0])
    axes.set_ylim(0, _headroom(axes_in * 72, highest, totals) if highest else 1.0)
    for text, anchor in totals:
        text.set_y(anchor + _points_to_data(axes, axes_in * 72, TOTAL_PAD_PT))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    _money_axis(axes.yaxis)
    axes.grid(axis="y")
    axes.tick_params(axis="x", length=0)
    if len(days) <= 10:
        axes.set_xticks(positions, [f"{day:%a}\n{day.day}" for day in days])
    else:
        # Long periods: Mondays only, and not the first bar (its label would run into the "$0").
        ticks = [i for i in positions if days[i].weekday() == 0 and i > 0]
        axes.set_xticks(ticks, [f"{days[i]:%b} {days[i].day}" for i in ticks])
    if not highest:
        axes.set_yticks([0])
    if not total:
        axes.text(
            0.5,
            0.5,
            f"No spend this {noun}",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=FONT_PT,
            color=MUTED,
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 2.0},  # the reference line passes behind
        )
    # Direct labels instead of a legend: each series named at the right of the last bar, level with its
    # segment, and the reference line named at its end.
    last = len(days) - 1
    side: list[_SideLabel] = []
    names = _fitted_names(renderer, figure, stack_order, leaders.other_count)
    for (label, drawn_heights), bottom in zip(drawn, _stack_bottoms(drawn, last), strict=True):
        middle = bottom + drawn_heights[last] / 2
        start = axes.transData.transform((last + BAR_WIDTH / 2, middle))
        side.append(_SideLabel(names[label], drawn_colours[label], (float(start[0]), float(start[1]))))
    if reference:
        start = axes.transData.transform((last, reference_dollars[last]))
        words = _two_lines_if_wide(renderer, figure, f"the {noun} before")
        side.append(_SideLabel(words, INK, (float(start[0]), float(start[1])), dashed=True))
    _label_column(figure, axes, renderer, side)
    busiest = max(range(len(days)), key=lambda i: (tops[i], -i))
    sentence = [f"Bar chart of daily AI spend by model, {day_range(data.period.start, data.period.end)}: {usd(total)}"]
    if total:
        sentence.append(f", most on {days[busiest]:%a %b} {days[busiest].day} ({usd(tops[busiest])})")
    if previous is not None:
        sentence.append(f"; the {noun} before: {usd(sum(reference))}")
    if shown:
        sentence.append(f". Largest model: {shown[0]}, {usd(leaders.top[0][1])}")
    return Drawn(
        figure,
        partial(
            DailySpendChart,
            name="daily-spend",
            title="Daily AI spend by model",
            alt_text="".join(sentence) + ".",
            days=tuple(days),
            stacks=tuple(drawn),
            colours=drawn_colours,
            reference=drawn_reference,
        ),
    )


def _stack_bottoms(drawn: Sequence[tuple[str, tuple[float, ...]]], day: int) -> list[float]:
    bottoms, level = [], 0.0
    for _label, heights in drawn:
        bottoms.append(level)
        level += heights[day]
    return bottoms


def _day_totals(axes: Axes, renderer: Any, tops: Sequence[int], reference: Sequence[float]) -> list[tuple[Text, float]]:
    """Each day's total above its bar, if all of them fit side by side; with the height each must clear.

    A total clears its bar and every point of the reference line under its whole width (the line between
    two days can be higher at the label's edge than at its centre)."""
    labels = [
        axes.text(position, 0, usd_short(value), ha="center", va="bottom", fontsize=SMALL_PT, color=INK, zorder=5)
        for position, value in enumerate(tops)
        if value
    ]
    if not labels:
        return []
    day_px = axes.transData.transform((1, 0))[0] - axes.transData.transform((0, 0))[0]
    widest = max(label.get_window_extent(renderer).width for label in labels)
    if widest + 0.08 * DPI > day_px:  # a month of bars: the subtitle and the alt text carry the totals
        for label in labels:
            label.remove()
        return []
    half = widest / 2 / day_px + 0.05  # in days
    xs = list(range(len(tops)))
    placed = []
    for label in labels:
        x = float(label.get_position()[0])
        clear = _dollars(tops[round(x)])
        if reference:
            edges = numpy.interp([x - half, x, x + half], xs, reference)
            clear = max(clear, *(float(value) for value in edges))
        placed.append((label, clear))
    return placed


def _points_to_data(axes: Axes, height_pt: float, points: float) -> float:
    """A vertical distance in points as data units of the axes' y (its limits already set)."""
    low, high = axes.get_ylim()
    return points * (high - low) / height_pt


def _headroom(height_pt: float, highest: float, totals: Sequence[tuple[Text, float]]) -> float:
    """The y limit that leaves 12 % air above the highest value and room for every total above what it clears."""
    limit = highest * 1.12
    for _text, clear in totals:
        # clear + (pad + text height + air) × limit / height_pt ≤ limit
        needed_pt = TOTAL_PAD_PT + SMALL_PT * 1.3 + 4
        limit = max(limit, clear / (1 - needed_pt / height_pt))
    return limit


def _fitted_names(renderer: Any, figure: Figure, stack_order: Sequence[str], other_count: int) -> dict[str, str]:
    """Short model names, clipped with … until each fits the label column."""
    shown = [name for name in stack_order if name != OTHER]
    names = {**short_names(shown), OTHER: f"{OTHER} ({other_count} models)"}
    width_px = (LABEL_COLUMN_IN - 0.12) * figure.dpi
    probe = figure.text(0, 0, "", fontsize=SMALL_PT)
    for model, name in names.items():
        probe.set_text(name)
        while len(name) > 4 and probe.get_window_extent(renderer).width > width_px:
            name = name[:-2] + "…"
            probe.set_text(name)
        names[model] = name
    probe.remove()
    return names


def _two_lines_if_wide(renderer: Any, figure: Figure, words: str) -> str:
    """A label such as "the 30-day period before" on two lines, split at its middlemost space, if one is too wide."""
    probe = figure.text(0, 0, words, fontsize=SMALL_PT)
    wide = probe.get_window_extent(renderer).width > (LABEL_COLUMN_IN - 0.12) * figure.dpi
    probe.remove()
    if not wide or " " not in words:
        return words
    spaces = [i for i, char in enumerate(words) if char == " "]
    middle = min(spaces, key=lambda i: abs(i - len(words) / 2))
    return words[:middle] + "\n" + words[middle + 1 :]


def _label_column(figure: Figure, axes: Axes, renderer: Any, labels: Sequence[_SideLabel]) -> None:
    """Labels right of the plot at their series' height, pushed apart only as far as needed to not overlap,
    each tied to its point by a leader line."""
    if not labels:
        return
    box = axes.get_window_extent(renderer)
    x_text = box.x1 + LEADER_IN * figure.dpi
    texts = [
        figure.text(0, 0, label.text, fontsize=SMALL_PT, color=INK, va="center", ha="left", linespacing=1.1)
        for label in labels
    ]
    heights = [text.get_window_extent(renderer).height for text in texts]
    centres = spread_labels(
        [label.start[1] for label in labels],
        heights,
        low=box.y0,
        high=box.y1,
        gap=LABEL_GAP_PT * figure.dpi / 72,
    )
    to_figure = figure.transFigure.inverted()
    for label, text, centre in zip(labels, texts, centres, strict=True):
        x, y = to_figure.transform((x_text, centre))
        text.set_position((float(x), float(y)))
        elbow = box.x1 + 0.04 * figure.dpi
        points = [label.start, (elbow, label.start[1]), (x_text - 0.07 * figure.dpi, centre)]
        xs, ys = zip(*(to_figure.transform(point) for point in points), strict=True)
        figure.add_artist(
            Line2D(
                xs,
                ys,
                transform=figure.transFigure,
                color=label.colour,
                linewidth=1.6 if label.dashed else 2.0,
                linestyle=REFERENCE_DASHES if label.dashed else "-",
                solid_capstyle="butt",
                zorder=3,
            )
        )


def spread_labels(
    wanted: Sequence[float], heights: Sequence[float], *, low: float, high: float, gap: float
) -> list[float]:
    """Centres for labels wanted at `wanted`, none overlapping (≥ gap apart) and all within [low, high].

    Labels keep their order; a run that collides is moved as one block, centred on where its labels want
    to be, so a crowd of thin segments spreads around them instead of drifting to one side."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])

    def place(members: list[int]) -> tuple[float, list[float], float]:
        offsets, extent = [], 0.0
        for i in members:
            offsets.append(extent + heights[i] / 2)
            extent += heights[i] + gap
        extent -= gap
        start = sum(wanted[i] - offset for i, offset in zip(members, offsets, strict=True)) / len(members)
        return min(max(start, low), high - extent), offsets, extent

    blocks: list[list[int]] = []
    for index in order:
        blocks.append([index])
        while len(blocks) > 1:
            below, _, below_extent = place(blocks[-2])
            above, _, _ = place(blocks[-1])
            if below + below_extent + gap <= above:
                break
            blocks[-2:] = [blocks[-2] + blocks[-1]]
    centres = [0.0] * len(wanted)
    for block in blocks:
        start, offsets, _ = place(block)
        for i, offset in zip(block, offsets, strict=True):
            centres[i] = start + offset
    return centres


# --- (b) share of spend ------------------------------------------------------------------------


def draw_model_share_chart(data: DigestData, *, top: int = TOP_MODELS) -> Drawn[ShareChart]:
    """Horizontal bars of each model's share of spend (top N + Other), labelled at the bar's end."""
    with matplotlib.rc_context(STYLE):
        return _share_chart(data, top)


def render_model_share_chart(data: DigestData, *, top: int = TOP_MODELS) -> ShareChart:
    return draw_model_share_chart(data, top=top).render()


def _share_chart(data: DigestData, top: int) -> Drawn[ShareChart]:
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
    return Drawn(
        figure,
        partial(
            ShareChart,
            name="model-share",
            title="Share of AI spend by model",
            alt_text=alt_text,
            labels=tuple(name for name, _ in rows),
            shares=tuple(patch.get_width() for patch in patches),
            colours={name: to_hex(patch.get_facecolor()) for patch, (name, _) in zip(patches, rows, strict=True)},
        ),
    )


# --- (c) credit balance ------------------------------------------------------------------------


def draw_credit_chart(data: DigestData) -> Drawn[CreditChart]:
    """The balance at the end of each recent day, and a dashed projection to its run-out at the 7-day rate."""
    if data.credits is None:
        raise ValueError("this digest has no credit figures")
    with matplotlib.rc_context(STYLE):
        return _credit_chart(data)


def render_credit_chart(data: DigestData) -> CreditChart:
    return draw_credit_chart(data).render()


def _credit_chart(data: DigestData) -> Drawn[CreditChart]:
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
    balances = [balance for _, balance in history + projection]
    low, high = min([0, *balances]), max([0, *balances])
    # below a negative balance, room for its label under the point
    bottom = _dollars(low) - 0.15 * _dollars(high - low) if low < 0 else 0.0
    axes.set_ylim(bottom, _dollars(high) * 1.18 if high else 1.0)
    first, last = days_from_now(history[0][0]), max(days_from_now(at) for at, _ in projection)
    axes.set_xlim(first - 0.5, last + max(1.0, (last - first) * 0.04))  # room for the run-out marker
    axes.axhline(0, color="#999999", linewidth=1)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    _money_axis(axes.yaxis)
    axes.xaxis.set_major_locator(FixedLocator(_week_ticks(axes, figure)))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _position: _day_label(moment(x).astimezone(zone))))
    axes.plot([0], [_dollars(credits.balance_microdollars)], "o", color=PALETTE[0])
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list[Text] = []
    if len(projection) > 1 and projection[-1][1] == 0 and run_out is not None:
        # A dotted line at the run-out date, labelled at the top where the falling projection is not.
        axes.axvline(days_from_now(run_out), color=PALETTE[2], linewidth=1.4, linestyle=":")
        axes.plot([days_from_now(run_out)], [0], "X", color=PALETTE[2], markersize=9, zorder=5, clip_on=False)
        run_out_label = axes.annotate(
            f"runs out ~{_day_label(run_out.astimezone(zone))}",
            (days_from_now(run_out), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 0),  # placed below
            textcoords="offset points",
            fontsize=SMALL_PT,
            color=PALETTE[2],
            weight="bold",
        )
        # left of the dotted line if there is room, else right of it
        _place(run_out_label, [((-5, -2), "right", "top"), ((5, -2), "left", "top")], axes, renderer, placed)
    elif len(projection) > 1:
        end, projected = projection[-1]
        end_label = axes.annotate(
            f"≈{usd_short(projected)}\n{_day_label(end.astimezone(zone))}",
            (days_from_now(end), _dollars(projected)),
            xytext=(0, 0),  # placed below
            textcoords="offset points",
            fontsize=SMALL_PT,
            color=MUTED,
        )
        _place(end_label, [((0, 10), "right", "bottom"), ((0, -10), "right", "top")], axes, renderer, placed)
    now_label = axes.annotate(
        f"{usd_short(credits.balance_microdollars)} now",
        (0, _dollars(credits.balance_microdollars)),
        xytext=(0, 0),
        textcoords="offset points",
        fontsize=SMALL_PT,
        weight="bold",
    )
    _place(
        now_label,
        [
            ((6, 8), "left", "bottom"),
            ((-6, 8), "right", "bottom"),
            ((6, -8), "left", "top"),
            ((-6, -8), "right", "top"),
            ((-10, 0), "right", "center"),
            ((0, 28), "center", "bottom"),
        ],
        axes,
        renderer,
        placed,
    )
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
    return Drawn(
        figure,
        partial(
            CreditChart,
            name="credit-balance",
            title="Credit balance",
            alt_text=alt_text,
            history=_points(history_line.get_xdata(), history_line.get_ydata(), moment),
            projection=_points(projection_line.get_xdata(), projection_line.get_ydata(), moment),
            run_out=run_out,
        ),
    )


def _week_ticks(axes: Axes, figure: Figure) -> list[float]:
    """Whole weeks from now (x = 0), none so near the left end that its date would run into the "$0"."""
    start, end = axes.get_xlim()
    step = 7 * max(1, round((end - start) / 4 / 7))
    day_px = axes.transData.transform((1, 0))[0] - axes.transData.transform((0, 0))[0]
    clear_days = 0.45 * figure.dpi / day_px
    first = -step * int((0 - start) // step)
    return [float(x) for x in numpy.arange(first, end, step) if x >= start + clear_days]


def _place(
    label: Annotation,
    candidates: Sequence[tuple[tuple[float, float], HorizontalAlign, VerticalAlign]],
    axes: Axes,
    renderer: Any,
    placed: list[Text],
) -> None:
    """Puts a label at the first (offset in points, ha, va) where it stays inside the axes, clear of the
    labels placed before it and of every line; at the first candidate if none is clear."""
    inside = axes.get_window_extent(renderer)
    lines = [line.get_transform().transform_path(line.get_path()) for line in axes.lines]
    for offset, ha, va in [*candidates, candidates[0]]:
        label.xyann = offset
        label.set_horizontalalignment(ha)
        label.set_verticalalignment(va)
        box = label.get_window_extent(renderer)
        if (
            inside.x0 <= box.x0
            and box.x1 <= inside.x1
            and inside.y0 <= box.y0
            and box.y1 <= inside.y1
            and not any(box.overlaps(other.get_window_extent(renderer)) for other in placed)
            and not any(path.intersects_bbox(box, filled=False) for path in lines)
        ):
            break
    placed.append(label)


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
