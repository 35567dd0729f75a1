"""No chart has two labels on top of each other, a label cut off at the edge, or a line through a label.

Each chart's Figure is drawn with the Agg renderer and the boxes of its Text artists (titles, tick labels,
direct labels, day totals, notes) are compared in pixels, for the demo's data and for the hard cases the
digest must read well in: an empty week, one model, a hundred models, huge numbers, a brand-new organization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import combinations, pairwise
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from reports.charts import (
    Drawn,
    draw_credit_chart,
    draw_daily_spend_chart,
    draw_model_share_chart,
    spread_labels,
)
from reports.digest_data import BalancePoint, CreditFigures, DigestData
from tests.reports.digest_factory import NOW, generate_digest_data, hand_built, microdollars, scaled

SONNET = "anthropic/claude-sonnet-4.5"
TOUCH_PX = 1.0  # antialiased edges may share a pixel; anything more is an overlap


def _one_model() -> DigestData:
    return hand_built({SONNET: ["100", "200", "300", "0", "0", "0", "50"]}, {SONNET: ["90"] * 7})


def _huge() -> DigestData:
    every_day = ["1,234,567.89"] * 7
    return hand_built(
        {SONNET: every_day, "openai/gpt-5": ["0.01"] * 7, "google/gemini-2.5-pro": ["987,654.32"] * 7},
        {SONNET: ["2,345,678.90"] * 7},
        credits=CreditFigures(
            balance_microdollars=microdollars("98,765,432.10"),
            as_of=NOW,
            burn_last_7_days_microdollars=microdollars("15,555,555.55"),
            history=tuple(
                BalancePoint(NOW - timedelta(days=back), microdollars("98,765,432.10") + back * 2_222_222_220_000)
                for back in range(14, 0, -1)
            ),
        ),
    )


def _brand_new() -> DigestData:
    """First week: no week before, a first purchase three days ago, spend on only the last days."""
    data = hand_built(
        {SONNET: ["0", "0", "0", "0", "12.50", "40", "3.05"], "openai/gpt-5": ["0", "0", "0", "0", "0", "7", "1"]},
        None,
        credits=CreditFigures(
            balance_microdollars=microdollars("436.45"),
            as_of=NOW,
            burn_last_7_days_microdollars=microdollars("63.55"),
            history=(BalancePoint(NOW - timedelta(days=3), microdollars("500")),),
        ),
    )
    return data


def _runs_out_tomorrow() -> DigestData:
    data = generate_digest_data(13)
    assert data.credits is not None
    return replace(data, credits=replace(data.credits, balance_microdollars=microdollars("180")))


def _no_credits_left() -> DigestData:
    data = generate_digest_data(14)
    assert data.credits is not None
    return replace(data, credits=replace(data.credits, balance_microdollars=microdollars("-12.40")))


def _no_recent_spend() -> DigestData:
    data = generate_digest_data(15)
    assert data.credits is not None
    return replace(data, credits=replace(data.credits, burn_last_7_days_microdollars=0))


CASES: dict[str, Callable[[], DigestData]] = {
    "demo week": lambda: generate_digest_data(11),
    "another demo week": lambda: generate_digest_data(12),
    "a week with a low last day": lambda: generate_digest_data(3, start=date(2026, 3, 1)),
    "an empty week": lambda: hand_built({}, {SONNET: ["160"] * 7}),
    "an empty week of a new organization": lambda: hand_built({}, None),
    "one model": _one_model,
    "a hundred models": lambda: generate_digest_data(5, model_count=100),
    "huge numbers": _huge,
    "the demo scaled 6,800×": lambda: scaled(generate_digest_data(61), 6_800),
    "a brand-new organization": _brand_new,
    "a generated new organization": lambda: generate_digest_data(16, history_periods=0),
    "a month": lambda: generate_digest_data(71, start=date(2026, 3, 1), days=31, history_periods=2),
    "30 days": lambda: generate_digest_data(73, start=date(2026, 3, 5), days=30),
    "a single day": lambda: generate_digest_data(72, start=date(2026, 3, 4), days=1),
    "credits run out tomorrow": _runs_out_tomorrow,
    "no credits left": _no_credits_left,
    "no spend in the last 7 days": _no_recent_spend,
}


def drawings(data: DigestData) -> Iterator[tuple[str, Drawn[Any]]]:
    yield "daily-spend", draw_daily_spend_chart(data)
    if data.models:
        yield "model-share", draw_model_share_chart(data)
    if data.credits is not None:
        yield "credit-balance", draw_credit_chart(data)


@dataclass(frozen=True)
class Label:
    text: str
    box: Bbox


def _tick_labels(axis: Axis, low: float, high: float) -> list[Text]:
    """The tick labels Matplotlib draws: its locator may place ticks beyond the view, which are not drawn."""
    span = abs(high - low) * 1e-9
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if min(low, high) - span <= tick.get_loc() <= max(low, high) + span
    ]


def drawn_labels(figure: Figure) -> list[Label]:
    """Every piece of visible text on the figure, with its box in pixels after an Agg draw."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    texts: list[Text] = list(figure.texts)
    for axes in figure.axes:
        texts += axes.texts
        if axes.xaxis.get_visible():
            texts += _tick_labels(axes.xaxis, *axes.get_xlim())
        if axes.yaxis.get_visible():
            texts += _tick_labels(axes.yaxis, *axes.get_ylim())
    labels = [
        Label(text.get_text(), text.get_window_extent(renderer))
        for text in texts
        if text.get_visible() and text.get_text().strip()
    ]
    assert labels, "a chart without any text"
    return labels


def overlap(first: Bbox, second: Bbox) -> bool:
    across = float(min(first.x1, second.x1) - max(first.x0, second.x0))
    up = float(min(first.y1, second.y1) - max(first.y0, second.y0))
    return across > TOUCH_PX and up > TOUCH_PX


def _lines(figure: Figure) -> list[Line2D]:
    """Data lines and leader lines (not grid, tick or spine lines)."""
    lines = [artist for artist in figure.artists if isinstance(artist, Line2D)]
    for axes in figure.axes:
        lines += axes.lines
    return [line for line in lines if line.get_visible() and len(line.get_xdata()) > 1]  # type: ignore[arg-type]


def _bars(axes: Axes) -> list[Rectangle]:
    return [patch for patch in axes.patches if isinstance(patch, Rectangle) and patch.get_height() > 0]


@pytest.mark.parametrize("case", list(CASES))
def test_no_label_overlaps_another_or_leaves_the_figure(case: str) -> None:
    for name, drawn in drawings(CASES[case]()):
        figure = drawn.figure
        labels = drawn_labels(figure)
        width, height = figure.canvas.get_width_height()
        assert width >= 1200
        outside = [
            label.text
            for label in labels
            if label.box.x0 < 0 or label.box.y0 < 0 or label.box.x1 > width or label.box.y1 > height
        ]
        assert not outside, f"{case}, {name}: cut off at the edge: {outside}"
        clashes = [(a.text, b.text) for a, b in combinations(labels, 2) if overlap(a.box, b.box)]
        assert not clashes, f"{case}, {name}: overlapping labels: {clashes}"


@pytest.mark.parametrize("case", list(CASES))
def test_no_line_or_bar_runs_through_a_label(case: str) -> None:
    """The week-before line, leader lines, projections and bars pass beside the labels, never through them."""
    for name, drawn in drawings(CASES[case]()):
        figure = drawn.figure
        labels = drawn_labels(figure)
        crossed = []
        for line in _lines(figure):
            path = line.get_transform().transform_path(line.get_path())
            crossed += [
                (label.text, "a line")
                for label in labels
                if path.intersects_bbox(label.box.padded(-TOUCH_PX), filled=False)
            ]
        for axes in figure.axes:
            for bar in _bars(axes):
                box = bar.get_window_extent()
                crossed += [(label.text, "a bar") for label in labels if overlap(label.box, box)]
        assert not crossed, f"{case}, {name}: {crossed}"


def test_the_demo_week_is_labelled_directly_without_a_legend() -> None:
    data = generate_digest_data(11)
    drawn = draw_daily_spend_chart(data)
    texts = {label.text for label in drawn_labels(drawn.figure)}

    assert not drawn.figure.legends and not any(axes.get_legend() for axes in drawn.figure.axes)
    assert {"claude-sonnet-4.5", "claude-opus-4.1", "gpt-5", "Other (8 models)", "the week before"} <= texts
    chart = drawn.render()
    totals = {f"${round(sum(heights[day] for _, heights in chart.stacks))}" for day in range(7)}
    assert totals <= texts  # every day's total above its bar ($342, …: three figures, whole dollars)


def test_a_total_sits_above_the_reference_line_where_the_line_passes_over_its_bar() -> None:
    """The old chart put Saturday's total where last week's line crossed it."""
    data = hand_built(
        {SONNET: ["30", "30", "6.59", "4.88", "30", "30", "30"]},
        {SONNET: ["32", "28", "7", "7", "31", "35", "39"]},
    )
    figure = draw_daily_spend_chart(data).figure
    labels = {label.text: label.box for label in drawn_labels(figure)}
    (line,) = figure.axes[0].lines
    path = line.get_transform().transform_path(line.get_path())
    saturday = labels["$6.59"]

    assert not path.intersects_bbox(saturday, filled=False)
    reference_at_saturday = figure.axes[0].transData.transform((2, 7.0))[1]
    assert saturday.y0 > reference_at_saturday


def test_spread_labels_keeps_order_and_gap_and_stays_in_bounds() -> None:
    wanted = [10.0, 11.0, 11.5, 12.0, 300.0, 299.0]
    heights = [20.0] * 6
    centres = spread_labels(wanted, heights, low=0.0, high=310.0, gap=4.0)

    by_wish = sorted(range(6), key=lambda i: wanted[i])
    for lower, upper in pairwise(by_wish):
        assert centres[upper] - centres[lower] >= 24.0 - 1e-9
    assert all(10.0 <= c <= 300.0 for c in centres)
    assert centres[0] == 10.0  # the lowest run is pushed only as far as the bottom allows
