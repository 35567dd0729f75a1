"""Text for people: money from microdollars, token counts, percentages, dates in the reader's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kilo_api.money import MICRODOLLARS_PER_CENT, divide_round_half_up

SPARK_BARS = "▁▂▃▄▅▆▇█"


def usd(amount_microdollars: int) -> str:
    """$1,234.56, rounded half-up to the cent."""
    cents = divide_round_half_up(amount_microdollars, MICRODOLLARS_PER_CENT)
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}${whole:,}.{fraction:02d}"


def usd_fine(amount_microdollars: int) -> str:
    """Amounts under a dollar keep four decimals ($0.0333): averages per request are that small."""
    if abs(amount_microdollars) >= 1_000_000:
        return usd(amount_microdollars)
    hundredths_of_cent = divide_round_half_up(amount_microdollars, 100)
    sign = "-" if hundredths_of_cent < 0 else ""
    return f"{sign}${abs(hundredths_of_cent) // 10_000}.{abs(hundredths_of_cent) % 10_000:04d}"


def compact(number: int) -> str:
    """1,234 → 1.2K, 5,300,000 → 5.3M."""
    if abs(number) < 1_000:
        return f"{number:,}"
    for threshold, suffix in ((1_000, "K"), (1_000_000, "M"), (1_000_000_000, "B")):
        shown = f"{number / threshold:.1f}"
        # 999,999 rounds to 1000.0K: that is 1.0M
        if abs(float(shown)) < 1_000 or suffix == "B":
            return f"{shown}{suffix}"
    raise AssertionError("unreachable")


def percent(ratio: float, digits: int = 1) -> str:
    return f"{ratio * 100:.{digits}f}%"


def change(current: int, previous: int) -> str:
    """▲ 12% / ▼ 3% against a previous figure; 'new' when there was nothing before."""
    if previous == 0:
        return "new" if current else "no change"
    delta = (current - previous) / previous
    if abs(delta) < 0.005:
        return "no change"
    return f"{'▲' if delta > 0 else '▼'} {abs(delta) * 100:.0f}%"


def local_datetime(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}, {local:%Y %H:%M} {local.tzname()}"


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}, {local:%Y}"


def billing_day(moment: datetime) -> str:
    """A cycle boundary as the UTC calendar day the billing system counts in (Dec 24, 2026).

    Cycles start and end at midnight UTC; shown in a reader's zone west of UTC they would look a day early."""
    return f"{moment.astimezone(UTC):%b} {moment.astimezone(UTC).day}, {moment.astimezone(UTC):%Y}"


def day_range(start: date, end_exclusive: date) -> str:
    last = end_exclusive - timedelta(days=1)
    if start == last:
        return f"{start:%b} {start.day}, {start:%Y}"
    if start.year == last.year:
        return f"{start:%b} {start.day} – {last:%b} {last.day}, {last:%Y}"
    return f"{start:%b} {start.day}, {start:%Y} – {last:%b} {last.day}, {last:%Y}"


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


def bar(ratio: float, width: int = 12) -> str:
    filled = round(max(0.0, min(1.0, ratio)) * width)
    return "█" * filled + "░" * (width - filled)
