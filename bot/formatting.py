"""Text for people: money from microdollars, token counts, percentages, dates in the reader's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from kilo_api.billing_days import billing_day as billing_day
from kilo_api.billing_days import billing_days as billing_days
from kilo_api.billing_days import day_range as day_range
from kilo_api.billing_days import day_text as day_text
from kilo_api.money import MICRODOLLARS_PER_CENT, divide_round_half_up

SPARK_BARS = "▁▂▃▄▅▆▇█"

# Every figure is computed exactly (integers, or a Fraction of them) and rounded once, half away from
# zero, where it is shown: the rule invoices use for money, so a percentage and a price never disagree.
Exact = int | Fraction | Decimal


def exact(value: Exact | float) -> Fraction:
    """The value as a Fraction; a float is read as the decimal it prints as (0.0125 is 1/80, not 0.01250000…07)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(value: Exact | float) -> int:
    """The nearest integer, halves away from zero (2.5 → 3, -2.5 → -3)."""
    fraction = exact(value)
    return divide_round_half_up(fraction.numerator, fraction.denominator)


def share(part: int, whole: int) -> Fraction:
    """part / whole exactly; nothing of nothing is 0."""
    return Fraction(part, whole) if whole else Fraction(0)


def average(total: int, count: int) -> Fraction:
    """total / count exactly (an average cost per request keeps its fraction of a microdollar); 0 of none."""
    return share(total, count)


def usd(amount_microdollars: Exact) -> str:
    """$1,234.56, rounded half-up to the cent (once, from the exact amount)."""
    cents = round_half_up(exact(amount_microdollars) / MICRODOLLARS_PER_CENT)
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}${whole:,}.{fraction:02d}"


def usd_fine(amount_microdollars: Exact) -> str:
    """Amounts under a dollar keep four decimals ($0.0333): averages per request are that small."""
    amount = exact(amount_microdollars)
    if abs(amount) >= 1_000_000:
        return usd(amount)
    hundredths_of_cent = round_half_up(amount / 100)
    sign = "-" if hundredths_of_cent < 0 else ""
    return f"{sign}${abs(hundredths_of_cent) // 10_000}.{abs(hundredths_of_cent) % 10_000:04d}"


def _decimal_text(value: Fraction, digits: int) -> str:
    """The value rounded half-up to `digits` decimals, written out (no float on the way)."""
    scaled = round_half_up(value * 10**digits)
    return f"{Decimal(scaled).scaleb(-digits):.{digits}f}"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 request`, `2,345 requests`: the noun agrees with the number."""
    return f"{number:,} {noun if abs(number) == 1 else plural or noun + 's'}"


def compact(number: int) -> str:
    """1,234 → 1.2K, 5,300,000 → 5.3M (one decimal, half-up)."""
    if abs(number) < 1_000:
        return f"{number:,}"
    for threshold, suffix in ((1_000, "K"), (1_000_000, "M"), (1_000_000_000, "B")):
        tenths = round_half_up(Fraction(number, threshold) * 10)
        # 999,950 rounds to 1000.0K: that is 1.0M
        if abs(tenths) < 10_000 or suffix == "B":
            return f"{_decimal_text(Fraction(tenths, 10), 1)}{suffix}"
    raise AssertionError("unreachable")


def percent(ratio: Fraction | float, digits: int = 1) -> str:
    """A share as a percentage, rounded once half-up: pass the exact share (`share(part, whole)`)."""
    return f"{_decimal_text(exact(ratio) * 100, digits)}%"


def change(current: int, previous: int) -> str:
    """▲ 12% / ▼ 3% against a previous figure, half-up; 'new' when there was nothing before."""
    if previous == 0:
        return "new" if current else "no change"
    points = round_half_up(Fraction(current - previous, previous) * 100)
    if points == 0:
        return "no change"
    return f"{'▲' if points > 0 else '▼'} {abs(points)}%"


def local_datetime(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}, {local:%Y %H:%M} {local.tzname()}"


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    """A moment's calendar day where the reader is (when someone joined); billing dates use billing_day."""
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}, {local:%Y}"


def utc_midnight(day: date) -> datetime:
    """Where a UTC day begins: periods of usage run from one to another."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_moment(moment: datetime) -> str:
    """Mar 15 12:00 UTC: where a span of usage (counted in UTC days) stops within a day."""
    utc = moment.astimezone(UTC)
    return f"{utc:%b} {utc.day} {utc:%H:%M} UTC"


def utc_span(start: datetime, end: datetime) -> str:
    """Jan 20 00:00 – Feb 14 12:00 UTC: a span to the minute."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    return f"{first:%b} {first.day} {first:%H:%M} – {utc_moment(last)}"


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    if seconds < 3600:
        return "just now" if seconds < 120 else f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "yesterday" if days == 1 else f"{days} days ago"


def sparkline(values: Sequence[int]) -> str:
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARK_BARS[0] * len(values)
    return "".join(SPARK_BARS[min(len(SPARK_BARS) - 1, value * len(SPARK_BARS) // (top + 1))] for value in values)


def bar(ratio: Fraction | float, width: int = 12) -> str:
    """A share of a fixed width, half a cell rounding up."""
    filled = round_half_up(max(Fraction(0), min(Fraction(1), exact(ratio))) * width)
    return "█" * filled + "░" * (width - filled)
