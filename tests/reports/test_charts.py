"""The charts are valid PNGs a phone can read, and what they draw is exactly the digest's numbers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import matplotlib
import pytest
from PIL import Image

from reports.charts import (
    OTHER_COLOUR,
    PALETTE,
    CreditChart,
    DailySpendChart,
    RenderedChart,
    ShareChart,
    home_colour_index,
    model_colours,
    render_credit_chart,
    render_daily_spend_chart,
    render_digest_charts_now,
    render_model_share_chart,
)
from reports.digest_data import CreditFigures, DigestData
from tests.reports.digest_factory import NOW, generate_digest_data, hand_built, microdollars, scaled

SONNET = "anthropic/claude-sonnet-4.5"
GPT5 = "openai/gpt-5"
CENT = 0.005  # dollars: the drawn floats must match the integer microdollars to well under a cent


def image(chart: RenderedChart) -> Image.Image:
    picture = Image.open(io.BytesIO(chart.png))
    picture.verify()  # a truncated or corrupt PNG raises here
    return Image.open(io.BytesIO(chart.png))


def credits_of(data: DigestData) -> CreditFigures:
    assert data.credits is not None
    return data.credits


def spend_per_day(data: DigestData) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for row in data.model_days:
        totals[(row.day - data.period.start).days] += row.cost_microdollars
    return totals


@pytest.mark.parametrize("seed", [11, 12])
def test_every_chart_is_a_png_at_least_1200_px_wide_with_alt_text(seed: int) -> None:
    charts = render_digest_charts_now(generate_digest_data(seed))

    assert [chart.name for chart in charts] == ["daily-spend", "model-share", "credit-balance"]
    for chart in charts:
        picture = image(chart)
        assert picture.format == "PNG"
        assert picture.width >= 1200
        assert 600 <= picture.height <= 1400
        assert chart.alt_text.endswith(".") and "$" in chart.alt_text


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_stacked_bars_of_each_day_add_up_to_that_days_spend(seed: int) -> None:
    data = generate_digest_data(seed, model_count=40)
    chart = render_daily_spend_chart(data)
    expected = spend_per_day(data)

    assert chart.days == tuple(data.period.each_day())
    for day_index in range(7):
        drawn = sum(heights[day_index] for _, heights in chart.stacks)
        assert drawn == pytest.approx(expected[day_index] / 1e6, abs=CENT)
    assert [label for label, _ in chart.stacks][-1] == "Other"
    assert len(chart.stacks) == 7  # the six biggest models, then the 34 others as one


def test_other_holds_exactly_the_models_not_shown() -> None:
    data = generate_digest_data(5, model_count=100)
    chart = render_daily_spend_chart(data)
    shown = {label for label, _ in chart.stacks} - {"Other"}
    other = dict(chart.stacks)["Other"]

    for day_index, day in enumerate(chart.days):
        rest = sum(r.cost_microdollars for r in data.model_days if r.day == day and r.model not in shown)
        assert other[day_index] == pytest.approx(rest / 1e6, abs=CENT)


def test_the_reference_line_is_the_previous_weeks_daily_spend() -> None:
    data = hand_built(
        {SONNET: ["100", "200", "300", "0", "0", "0", "50"]},
        {SONNET: ["10", "20", "30", "40", "50", "60", "70.50"]},
    )
    chart = render_daily_spend_chart(data)

    assert chart.reference == (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.5)
    assert chart.stacks == ((SONNET, (100.0, 200.0, 300.0, 0.0, 0.0, 0.0, 50.0)),)
    assert chart.alt_text == (
        "Bar chart of daily AI spend by model, Mar 2 – Mar 8, 2026: $650.00, most on Wed Mar 4 ($300.00); "
        "the week before: $280.50. Largest model: anthropic/claude-sonnet-4.5, $650.00."
    )


def test_a_brand_new_organization_has_no_reference_line() -> None:
    chart = render_daily_spend_chart(hand_built({SONNET: ["100"] * 7}, None))

    assert chart.reference == ()
    assert "before" not in chart.alt_text


def test_an_empty_week_draws_zero_bars_and_skips_the_share_chart() -> None:
    data = hand_built({}, {SONNET: ["160"] * 7})
    charts = render_digest_charts_now(data)

    assert [chart.name for chart in charts] == ["daily-spend"]
    daily = charts[0]
    assert isinstance(daily, DailySpendChart)
    assert daily.stacks == ()
    assert daily.reference == (160.0,) * 7
    assert daily.alt_text == (
        "Bar chart of daily AI spend by model, Mar 2 – Mar 8, 2026: $0.00; the week before: $1,120.00."
    )
    assert image(daily).width >= 1200


@pytest.mark.parametrize("seed", [31, 32])
def test_model_shares_add_up_to_100_percent_and_match_spend(seed: int) -> None:
    data = generate_digest_data(seed, model_count=60)
    chart = render_model_share_chart(data)
    spend = {model.model: model.cost_microdollars for model in data.models}
    total = sum(spend.values())

    assert sum(chart.shares) == pytest.approx(1.0, abs=1e-9)
    assert len(chart.labels) == 7 and chart.labels[-1] == "Other"
    for label, share in zip(chart.labels[:-1], chart.shares, strict=False):
        assert share == pytest.approx(spend[label] / total, abs=1e-9)
    assert list(chart.shares[:-1]) == sorted(chart.shares[:-1], reverse=True)


def test_one_model_is_one_full_bar_and_the_digest_leaves_it_out() -> None:
    data = hand_built({SONNET: ["100"] * 7}, None)
    chart = render_model_share_chart(data)

    assert chart.labels == (SONNET,)
    assert chart.shares == (1.0,)
    assert chart.alt_text == (
        "Bar chart of each model's share of AI spend, Mar 2 – Mar 8, 2026: $700.00 in all; "
        "anthropic/claude-sonnet-4.5 100%."
    )
    assert [chart.name for chart in render_digest_charts_now(data)] == ["daily-spend"]  # and no credits given


def test_a_model_keeps_its_colour_in_two_different_weeks() -> None:
    # Different spend, different order of the top models: the colours are those of the models, not of ranks.
    first = generate_digest_data(41)
    second = replace(
        generate_digest_data(42),
        model_days=tuple(
            replace(row, cost_microdollars=row.cost_microdollars * (5 if row.model == GPT5 else 1))
            for row in generate_digest_data(42).model_days
        ),
    )
    week_one, week_two = render_daily_spend_chart(first), render_daily_spend_chart(second)
    order_one = [label for label, _ in week_one.stacks]
    order_two = [label for label, _ in week_two.stacks]

    assert order_one != order_two and set(order_one) == set(order_two)
    assert week_one.colours == week_two.colours
    shares = render_model_share_chart(first)
    assert all(shares.colours[label] == week_one.colours[label] for label in shares.labels)
    assert week_one.colours["Other"] == OTHER_COLOUR


def test_colours_come_from_a_stable_hash_of_the_name() -> None:
    # blake2b of the name, not Python's per-process salted hash(): the same in every process, every week.
    assert home_colour_index(SONNET) == 3 and PALETTE[3] == "#832db6"
    assert model_colours([GPT5, SONNET, "Other"]) == {SONNET: "#832db6", GPT5: "#a96b59", "Other": "#bdbdbd"}
    assert model_colours([SONNET]) == {SONNET: "#832db6", "Other": "#bdbdbd"}
    assert OTHER_COLOUR not in PALETTE and len(set(PALETTE)) == len(PALETTE) == 8


def test_the_palette_is_petroffs_colour_blind_safe_sequence() -> None:
    petroff = [matplotlib.colors.to_hex(c) for c in matplotlib.color_sequences["petroff10"]]
    assert set(PALETTE) < set(petroff)


def test_credit_chart_draws_the_balance_history_and_the_run_out_at_the_7_day_burn() -> None:
    data = generate_digest_data(51)
    credits = replace(
        credits_of(data),
        balance_microdollars=microdollars("4,000"),
        burn_last_7_days_microdollars=microdollars("1,400"),
    )
    chart = render_credit_chart(replace(data, credits=credits))

    assert isinstance(chart, CreditChart)
    expected = [(p.at, p.balance_microdollars / 1e6) for p in credits.history if p.at < NOW] + [(NOW, 4000.0)]
    assert len(chart.history) == len(expected)
    for (moment, balance), (at, dollars) in zip(chart.history, expected, strict=True):
        assert abs(moment - at) < timedelta(seconds=1)
        assert balance == pytest.approx(dollars, abs=CENT)
    # $4,000 at $200 a day: 20 days.
    assert chart.run_out == NOW + timedelta(days=20)
    assert chart.projection[-1][1] == 0.0
    assert abs(chart.projection[-1][0] - (NOW + timedelta(days=20))) < timedelta(seconds=1)
    assert chart.alt_text == (
        "Line chart of the credit balance: $4,000.00 left on Mar 9, 2026; "
        "at the last 7 days' spend ($1,400.00) it runs out around Mar 29, 2026."
    )


def test_credit_chart_without_recent_spend_projects_a_flat_line() -> None:
    data = generate_digest_data(52)
    credits = replace(credits_of(data), burn_last_7_days_microdollars=0)
    chart = render_credit_chart(replace(data, credits=credits))

    assert chart.run_out is None
    assert {balance for _, balance in chart.projection} == {credits.balance_microdollars / 1e6}
    assert chart.alt_text.endswith("; no spend in the last 7 days.")


def test_huge_numbers_chart_as_money() -> None:
    data = hand_built({SONNET: ["12,345,678.90"] + ["0"] * 6}, {SONNET: ["1"] * 7})
    daily = render_daily_spend_chart(data)

    assert daily.stacks == ((SONNET, (12_345_678.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),)
    assert daily.alt_text.startswith(
        "Bar chart of daily AI spend by model, Mar 2 – Mar 8, 2026: $12,345,678.90, most on Mon Mar 2 ($12,345,678.90)"
    )
    assert image(daily).width >= 1200
    scaled_up = scaled(generate_digest_data(61), 6_800)
    drawn = sum(sum(heights) for _, heights in render_daily_spend_chart(scaled_up).stacks)
    assert drawn == pytest.approx(scaled_up.totals.cost_microdollars / 1e6, rel=1e-12)


def test_a_month_and_a_single_day_render() -> None:
    month = generate_digest_data(71, start=date(2026, 3, 1), days=31, history_periods=2)
    day = generate_digest_data(72, start=date(2026, 3, 4), days=1)

    for data in (month, day):
        chart = render_daily_spend_chart(data)
        assert len(chart.days) == data.period.days
        assert sum(sum(h) for _, h in chart.stacks) == pytest.approx(data.totals.cost_microdollars / 1e6, abs=CENT)


def test_charts_never_touch_pyplot() -> None:
    render_digest_charts_now(generate_digest_data(81))
    assert "matplotlib.pyplot" not in sys.modules


def test_matplotlib_keeps_its_font_cache_in_a_writable_directory(tmp_path: Path) -> None:
    """Two starts with a read-only home: the font cache is built once under var/matplotlib and then reused."""
    home = tmp_path / "home"
    home.mkdir(mode=0o500)
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"} | {"HOME": str(home)}
    script = "import reports.charts, matplotlib; print(matplotlib.get_cachedir())"

    first = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    cache = tmp_path / "var" / "matplotlib"
    fonts = list(cache.glob("fontlist-*.json"))
    built_at = fonts[0].stat().st_mtime_ns if fonts else None
    second = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() == str(cache.resolve())
    assert len(fonts) == 1 and fonts[0].stat().st_mtime_ns == built_at
    assert "building the font cache" not in second.stderr.lower()


def test_charts_refuse_a_digest_without_credits() -> None:
    data = replace(generate_digest_data(91), credits=None)
    with pytest.raises(ValueError, match="no credit figures"):
        render_credit_chart(data)
    assert [chart.name for chart in render_digest_charts_now(data)] == ["daily-spend", "model-share"]


def test_share_chart_colours_are_drawn_colours() -> None:
    chart = render_model_share_chart(generate_digest_data(92))
    assert isinstance(chart, ShareChart)
    assert set(chart.colours.values()) <= {*PALETTE, OTHER_COLOUR}
