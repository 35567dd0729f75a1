"""Text for people from bot/formatting: money, counts, percents, changes, ages, dates, sparklines and bars.

Expected strings are written out; properties compare with an independent computation (Decimal, Fraction).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot import formatting as fmt

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
SPARK_BARS = "▁▂▃▄▅▆▇█"

# --- money -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("microdollars", "shown"),
    [
        (0, "$0.00"),
        (1, "$0.00"),
        (4_999, "$0.00"),
        (5_000, "$0.01"),  # an exact half cent rounds up
        (9_999, "$0.01"),
        (10_000, "$0.01"),
        (14_999, "$0.01"),
        (15_000, "$0.02"),
        (990_000, "$0.99"),
        (1_000_000, "$1.00"),
        (1_234_560_000, "$1,234.56"),
        (1_234_564_999, "$1,234.56"),
        (1_234_565_000, "$1,234.57"),
        (999_994_999, "$999.99"),
        (999_995_000, "$1,000.00"),
        (290_000_000, "$290.00"),
        (10**18, "$1,000,000,000,000.00"),
        (123_456_789_012_345_678, "$123,456,789,012.35"),
        (-4_999, "$0.00"),  # no "-$0.00"
        (-5_000, "-$0.01"),  # halves round away from zero, as invoices do
        (-15_470_000, "-$15.47"),
        (-1_234_565_000, "-$1,234.57"),
        (-(10**18), "-$1,000,000,000,000.00"),
    ],
)
def test_usd_rounds_half_up_to_the_cent(microdollars: int, shown: str):
    assert fmt.usd(microdollars) == shown


def dollars_half_up(microdollars: int, places: int) -> Decimal:
    """The exact amount in dollars rounded half away from zero to `places` decimals."""
    return Decimal(microdollars).scaleb(-6).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def written(amount: Decimal, places: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.{places}f}"


@given(st.integers(-(10**21), 10**21))
def test_usd_is_the_exact_amount_rounded_once_half_up(microdollars: int):
    assert fmt.usd(microdollars) == written(dollars_half_up(microdollars, 2), 2)


@given(st.integers(-(10**15), 10**15), st.integers(0, 10**12))
def test_usd_never_shows_less_for_more(microdollars: int, more: int):
    def value(text: str) -> Decimal:
        return Decimal(text.replace("$", "").replace(",", ""))

    assert value(fmt.usd(microdollars)) <= value(fmt.usd(microdollars + more))


@pytest.mark.parametrize(
    ("microdollars", "shown"),
    [
        (0, "$0.0000"),
        (49, "$0.0000"),
        (50, "$0.0001"),  # half of a hundredth of a cent rounds up
        (33_333, "$0.0333"),
        (33_350, "$0.0334"),
        (999_949, "$0.9999"),
        (-49, "$0.0000"),
        (-50, "-$0.0001"),
        (-33_333, "-$0.0333"),
        (1_000_000, "$1.00"),  # a dollar or more: cents are enough
        (1_234_567, "$1.23"),
        (-1_000_000, "-$1.00"),
    ],
)
def test_usd_fine_keeps_four_decimals_under_a_dollar(microdollars: int, shown: str):
    assert fmt.usd_fine(microdollars) == shown


@given(st.integers(-(10**12), 10**12))
def test_usd_fine_is_the_exact_amount_rounded_once_half_up(microdollars: int):
    places = 2 if abs(microdollars) >= 1_000_000 else 4
    assert fmt.usd_fine(microdollars) == written(dollars_half_up(microdollars, places), places)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Fraction(9_999, 2), "$0.00"),  # 4,999.5 µ$ is under half a cent
        (Fraction(10_001, 2), "$0.01"),
        (Decimal("4999.5"), "$0.00"),  # a median of two members, sent exactly
        (Decimal("5000.0"), "$0.01"),
        (Fraction(-10_001, 2), "-$0.01"),
    ],
)
def test_usd_of_an_exact_fraction_is_rounded_once(amount: Fraction | Decimal, shown: str):
    assert fmt.usd(amount) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Fraction(299, 2), "$0.0001"),  # $0.0001495 a request: not rounded to 150 µ$ first, then up again
        (Fraction(301, 2), "$0.0002"),
        (Fraction(33_349, 1), "$0.0333"),
        (Fraction(66_699, 2), "$0.0333"),  # 33,349.5 µ$
        (Fraction(66_700, 2), "$0.0334"),
    ],
)
def test_usd_fine_of_an_exact_average_is_rounded_once(amount: Fraction, shown: str):
    assert fmt.usd_fine(amount) == shown


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**6))
def test_usd_and_usd_fine_of_a_fraction_are_the_exact_amount_rounded_once_half_up(numerator: int, denominator: int):
    amount = Fraction(numerator, denominator)
    assert fmt.usd(amount) == written(fraction_dollars_half_up(amount, 2), 2)
    places = 2 if abs(amount) >= 1_000_000 else 4
    assert fmt.usd_fine(amount) == written(fraction_dollars_half_up(amount, places), places)


def fraction_dollars_half_up(microdollars: Fraction, places: int) -> Decimal:
    """An exact amount of microdollars in dollars, rounded half away from zero to `places` decimals."""
    scaled = abs(microdollars) * 10**places / 1_000_000
    rounded = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    return (Decimal(rounded if microdollars >= 0 else -rounded)).scaleb(-places)


# --- counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (-999, "-999"),
        (1_000, "1.0K"),
        (1_234, "1.2K"),
        (-1_500, "-1.5K"),
        (999_949, "999.9K"),
        (999_999, "1.0M"),  # not "1000.0K"
        (-999_999, "-1.0M"),
        (1_000_000, "1.0M"),
        (5_300_000, "5.3M"),
        (999_999_999, "1.0B"),
        (2_500_000_001, "2.5B"),
    ],
)
def test_compact_counts(number: int, shown: str):
    assert fmt.compact(number) == shown


COMPACT = re.compile(r"^(-?\d{1,3}(?:,\d{3})*|-?\d+\.\d)([KMB]?)$")
UNITS = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


@given(st.integers(-(10**13), 10**13))
@example(999_999)  # where one unit rounds up into the next
@example(-999_950)
@example(999_999_999)
def test_compact_is_within_half_a_shown_digit_and_uses_the_largest_fitting_unit(number: int):
    shown = fmt.compact(number)
    match = COMPACT.match(shown)
    assert match, shown
    digits, suffix = match.groups()
    unit = UNITS[suffix]
    value = Fraction(digits.replace(",", ""))
    if suffix:
        # one decimal of the unit: at most half of 0.1 unit away (plus float noise in the division)
        assert abs(value * unit - number) <= Fraction(unit, 20) * (1 + Fraction(1, 10**9))
        assert abs(value) >= 1
        assert suffix == "B" or abs(value) < 1_000
    else:
        assert value == number and abs(number) < 1_000


def test_compact_ties_round_half_up():
    assert fmt.compact(1_250) == "1.3K"
    assert fmt.compact(2_250_000) == "2.3M"
    assert fmt.compact(-1_250) == "-1.3K"
    assert fmt.compact(999_950) == "1.0M"  # 999.95K rounds up into the next unit
    assert fmt.compact(999_949) == "999.9K"
    assert fmt.compact(1_050) == "1.1K"


@given(st.integers(-(10**13), 10**13))
@example(1_250)
@example(-2_250_000)
@example(999_950)
@example(999_950_000)
def test_compact_is_the_count_rounded_once_half_up_in_the_largest_fitting_unit(number: int):
    expected = f"{number:,}" if abs(number) < 1_000 else None
    for unit, suffix in ((1_000, "K"), (1_000_000, "M"), (1_000_000_000, "B")):
        if expected is not None:
            break
        tenths = half_up(Fraction(number, unit) * 10)
        if abs(tenths) < 10_000 or suffix == "B":
            expected = f"{Decimal(tenths).scaleb(-1):.1f}{suffix}"
    assert fmt.compact(number) == expected


# --- percents and changes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "digits", "shown"),
    [
        (0.0, 1, "0.0%"),
        (0.5, 1, "50.0%"),
        (1.0, 1, "100.0%"),
        (1 / 3, 1, "33.3%"),
        (2 / 3, 1, "66.7%"),
        (1 / 3, 0, "33%"),
        (0.0074895, 1, "0.7%"),  # rounded once from the ratio, not again from a rounded ratio
        (0.0001, 1, "0.0%"),
        (0.00051, 1, "0.1%"),
        (1.234, 1, "123.4%"),
    ],
)
def test_percent(ratio: float, digits: int, shown: str):
    assert fmt.percent(ratio, digits) == shown


@given(st.fractions(0, 10), st.integers(0, 3))
def test_percent_is_within_half_a_shown_digit(ratio: Fraction, digits: int):
    shown = fmt.percent(float(ratio), digits)
    assert shown.endswith("%")
    assert abs(Fraction(shown[:-1]) - ratio * 100) <= Fraction(1, 2 * 10**digits) + Fraction(1, 10**9)


def half_up(value: Fraction) -> int:
    """Round half away from zero, independently of the code under test."""
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    rounded = whole + (1 if magnitude - whole >= Fraction(1, 2) else 0)
    return rounded if value >= 0 else -rounded


def percent_text(ratio: Fraction, digits: int) -> str:
    tenths = half_up(ratio * 100 * 10**digits)
    return f"{Decimal(tenths).scaleb(-digits):.{digits}f}%"


@given(st.integers(0, 10**12), st.integers(1, 10**12), st.integers(0, 3))
@example(74_895, 10_000_000, 1)  # 0.74895 %: 0.7 %, not 0.8 % from a ratio rounded to 0.0075 first
@example(1, 80, 1)  # 1.25 %
@example(1, 8, 0)  # 12.5 %
@example(5, 1_000, 0)  # 0.5 %
def test_percent_of_an_exact_share_is_rounded_once_half_up(part: int, whole: int, digits: int):
    share = fmt.share(part, whole)
    assert share == Fraction(part, whole)
    assert fmt.percent(share, digits) == percent_text(Fraction(part, whole), digits)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (74_895, 10_000_000, "0.7%"),
        (74_999, 10_000_000, "0.7%"),
        (75_000, 10_000_000, "0.8%"),  # 0.75 %: the tie rounds up
        (1, 80, "1.3%"),
        (3, 80, "3.8%"),  # 3.75 %
        (1, 2_000, "0.1%"),  # 0.05 %
        (0, 0, "0.0%"),  # nothing of nothing
        (7, 0, "0.0%"),
    ],
)
def test_percent_of_a_share_at_and_around_ties(part: int, whole: int, shown: str):
    assert fmt.percent(fmt.share(part, whole)) == shown


def test_percent_ties_round_half_up():
    assert fmt.percent(1 / 80) == "1.3%"  # 1.25 %
    assert fmt.percent(1 / 8, 0) == "13%"  # 12.5 %


@pytest.mark.parametrize(
    ("current", "previous", "shown"),
    [
        (0, 0, "no change"),
        (5, 0, "new"),
        (0, 5, "▼ 100%"),
        (110, 100, "▲ 10%"),
        (90, 100, "▼ 10%"),
        (300, 100, "▲ 200%"),
        (1, 3, "▼ 67%"),
        (1_004, 1_000, "no change"),
        (996, 1_000, "no change"),
        (1_006, 1_000, "▲ 1%"),
        (1_014, 1_000, "▲ 1%"),
    ],
)
def test_change_against_the_previous_figure(current: int, previous: int, shown: str):
    assert fmt.change(current, previous) == shown


CHANGE = re.compile(r"^([▲▼]) (\d+)%$")


@given(st.integers(0, 10**12), st.integers(1, 10**12))
def test_change_points_the_right_way_within_half_a_point(current: int, previous: int):
    shown = fmt.change(current, previous)
    exact = Fraction(current - previous, previous) * 100
    if shown == "no change":
        assert abs(exact) < Fraction(1, 2)
        return
    match = CHANGE.match(shown)
    assert match, shown
    arrow, points = match.groups()
    assert arrow == ("▲" if current > previous else "▼")
    assert abs(int(points) - abs(exact)) <= Fraction(1, 2) + Fraction(1, 10**6)  # float noise at ties


@given(st.integers(0, 10**12), st.integers(1, 10**12))
@example(1_005, 1_000)
@example(995, 1_000)
@example(1_004_999, 1_000_000)
@example(2_005, 2_000)  # +0.25 %: no change
@example(3_000_015, 2_000_000)  # +50.00075 %
def test_change_is_the_exact_change_rounded_once_half_up(current: int, previous: int):
    points = half_up(Fraction(current - previous, previous) * 100)
    expected = "no change" if points == 0 else f"{'▲' if points > 0 else '▼'} {abs(points)}%"
    assert fmt.change(current, previous) == expected


def test_change_ties_round_half_up():
    assert fmt.change(1_005, 1_000) == "▲ 1%"
    assert fmt.change(995, 1_000) == "▼ 1%"
    assert fmt.change(1_025, 1_000) == "▲ 3%"
    assert fmt.change(1_004_999, 1_000_000) == "no change"  # +0.4999 %
    assert fmt.change(200_001, 2) == "▲ 9999950%"


# --- durations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds_ago", "shown"),
    [
        (0, "just now"),
        (119, "just now"),
        (120, "2 min ago"),
        (3_599, "59 min ago"),
        (3_600, "1 h ago"),
        (86_399, "23 h ago"),
        (86_400, "yesterday"),
        (172_799, "yesterday"),
        (172_800, "2 days ago"),
        (400 * 86_400, "400 days ago"),
        (-3_600, "just now"),  # a clock a little ahead is not "in the future"
    ],
)
def test_ago(seconds_ago: int, shown: str):
    assert fmt.ago(NOW - timedelta(seconds=seconds_ago), NOW) == shown


def test_ago_without_a_moment_is_never():
    assert fmt.ago(None, NOW) == "never"


AGO_WINDOWS = {
    # text → (unit in seconds, smallest and largest count the text may stand for)
    "min ago": (60, 2, 59),
    "h ago": (3_600, 1, 23),
    "days ago": (86_400, 2, 10**9),
}


@given(st.integers(0, 10**9))
def test_ago_names_the_window_the_moment_falls_in(seconds_ago: int):
    shown = fmt.ago(NOW - timedelta(seconds=seconds_ago), NOW)
    if shown == "just now":
        assert seconds_ago < 120
    elif shown == "yesterday":
        assert 86_400 <= seconds_ago < 2 * 86_400
    else:
        count, words = shown.split(" ", 1)
        unit, smallest, largest = AGO_WINDOWS[words]
        assert smallest <= int(count) <= largest
        assert int(count) * unit <= seconds_ago < (int(count) + 1) * unit


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "Mar 15, 2026 12:00 UTC"),
        ("Europe/Berlin", "Mar 15, 2026 13:00 CET"),
        ("America/New_York", "Mar 15, 2026 08:00 EDT"),
        ("Asia/Tokyo", "Mar 15, 2026 21:00 JST"),
        ("Pacific/Auckland", "Mar 16, 2026 01:00 NZDT"),
    ],
)
def test_local_datetime_is_in_the_readers_zone(zone: str, shown: str):
    assert fmt.local_datetime(NOW, ZoneInfo(zone)) == shown


def test_local_date_is_the_readers_calendar_day():
    early = datetime(2026, 3, 15, 3, tzinfo=UTC)
    assert fmt.local_date(early, ZoneInfo("America/Los_Angeles")) == "Mar 14, 2026"
    assert fmt.local_date(early, ZoneInfo("Asia/Tokyo")) == "Mar 15, 2026"


def test_billing_day_is_the_utc_day_whatever_the_moments_zone():
    renewal = datetime(2026, 4, 1, tzinfo=UTC)
    assert fmt.billing_day(renewal) == "Apr 1, 2026"
    assert fmt.billing_day(renewal.astimezone(ZoneInfo("America/New_York"))) == "Apr 1, 2026"
    assert fmt.billing_day(renewal.astimezone(ZoneInfo("Asia/Tokyo"))) == "Apr 1, 2026"


ZONES = st.sampled_from(["UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham"])
MOMENTS = st.datetimes(datetime(1970, 1, 2), datetime(2200, 1, 1), timezones=st.just(UTC))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


@given(MOMENTS, ZONES)
def test_local_date_and_billing_day_name_the_right_calendar_day(moment: datetime, zone: str):
    assert fmt.local_date(moment, ZoneInfo(zone)) == day_text(moment.astimezone(ZoneInfo(zone)).date())
    assert fmt.billing_day(moment.astimezone(ZoneInfo(zone))) == day_text(moment.date())


@pytest.mark.parametrize(
    ("start", "end_exclusive", "shown"),
    [
        (date(2026, 3, 1), date(2026, 4, 1), "Mar 1 – Mar 31, 2026"),
        (date(2026, 3, 4), date(2026, 3, 5), "Mar 4, 2026"),
        (date(2025, 12, 20), date(2026, 1, 6), "Dec 20, 2025 – Jan 5, 2026"),
        (date(2024, 2, 1), date(2024, 3, 1), "Feb 1 – Feb 29, 2024"),
    ],
)
def test_day_range_shows_the_inclusive_days(start: date, end_exclusive: date, shown: str):
    assert fmt.day_range(start, end_exclusive) == shown


# --- sparklines and bars -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([], ""),
        ([0, 0, 0], "▁▁▁"),
        ([0, 50, 100], "▁▄█"),
        ([100, 0, 100], "█▁█"),
        ([10, 20, 30, 40, 50, 60, 70, 80], "▁▂▃▄▅▆▇█"),
    ],
)
def test_sparkline(values: list[int], shown: str):
    assert fmt.sparkline(values) == shown


@given(st.lists(st.integers(0, 10**12), max_size=400))
def test_sparkline_has_one_bar_per_day_and_taller_means_more(values: list[int]):
    line = fmt.sparkline(values)
    assert len(line) == len(values) and set(line) <= set(SPARK_BARS)
    heights = [SPARK_BARS.index(bar) for bar in line]
    by_value = [height for _value, height in sorted(zip(values, heights, strict=True))]
    assert by_value == sorted(by_value)
    if values and max(values) >= len(SPARK_BARS) - 1:
        assert heights[values.index(max(values))] == len(SPARK_BARS) - 1
    for value, height in zip(values, heights, strict=True):
        assert value > 0 or height == 0


@pytest.mark.parametrize(
    ("ratio", "width", "shown"),
    [
        (0.0, 12, "░░░░░░░░░░░░"),
        (1.0, 12, "████████████"),
        (0.5, 12, "██████░░░░░░"),
        (0.25, 4, "█░░░"),
        (-1.0, 4, "░░░░"),
        (2.0, 4, "████"),
    ],
)
def test_bar(ratio: float, width: int, shown: str):
    assert fmt.bar(ratio, width) == shown


@pytest.mark.parametrize(
    ("ratio", "width", "filled"),
    [
        (Fraction(1, 24), 12, 1),  # half a cell rounds up, as money does
        (Fraction(1, 8), 4, 1),
        (Fraction(3, 8), 4, 2),
        (Fraction(23, 24), 12, 12),
        (Fraction(1, 25), 12, 0),
    ],
)
def test_bar_rounds_half_a_cell_up(ratio: Fraction, width: int, filled: int):
    assert fmt.bar(ratio, width) == "█" * filled + "░" * (width - filled)


@given(st.floats(-10, 10, allow_nan=False), st.integers(1, 60))
def test_bar_fills_its_share_of_a_fixed_width(ratio: float, width: int):
    shown = fmt.bar(ratio, width)
    filled = shown.count("█")
    assert len(shown) == width and shown == "█" * filled + "░" * (width - filled)
    assert abs(filled - min(1.0, max(0.0, ratio)) * width) <= 0.5


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), "Mar 1 – Mar 31, 2026"),
        (datetime(2026, 3, 16, 2, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), "Mar 16 – Mar 31, 2026"),
        (datetime(2026, 3, 15, 12, tzinfo=UTC), datetime(2026, 3, 15, 12, tzinfo=UTC), "Mar 15, 2026"),  # a purchase
        (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "Dec 1, 2025 – Nov 30, 2026"),
        # the same span written in New York's zone is still the same billing days
        (
            datetime(2026, 3, 15, 22, tzinfo=ZoneInfo("America/New_York")),
            datetime(2026, 3, 31, 20, tzinfo=ZoneInfo("America/New_York")),
            "Mar 16 – Mar 31, 2026",
        ),
    ],
)
def test_billing_days_name_the_utc_days_a_billed_span_covers(start: datetime, end: datetime, shown: str):
    assert fmt.billing_days(start, end) == shown
