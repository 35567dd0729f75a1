"""Exact digest arithmetic shared by the text and the charts: changes, shares, top N + Other, run-out, seat cost.

Every figure is computed from integers with Fraction and rounded once, half-up, where it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from bot.formatting import usd, usd_fine
from kilo_api.money import MICRODOLLARS_PER_CENT, MICRODOLLARS_PER_DOLLAR
from reports.digest_data import BURN_WINDOW_DAYS, CreditFigures, DigestPeriod, SeatFigures

OTHER = "Other"
RUN_OUT_HORIZON = timedelta(days=3650)
HUNDREDTH_OF_CENT = 100  # microdollars: averages under a dollar are shown to $0.0001


def round_half_up(value: Fraction) -> int:
    """To the nearest integer, halves away from zero."""
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def percent_change(current: int, baseline: Fraction) -> int | None:
    """Whole percent from current to baseline, rounded once; None when there is no baseline to divide by."""
    if baseline == 0:
        return None
    return round_half_up((current - baseline) * 100 / baseline)


def change_words(current: int, baseline: Fraction) -> str:
    """▲ 12% / ▼ 3% / no change; "up from $0.00" when the baseline was nothing."""
    change = percent_change(current, baseline)
    if change is None:
        return "no change" if current == 0 else "up from $0.00"
    if change == 0:
        return "no change"
    return f"{'▲' if change > 0 else '▼'} {abs(change):,}%"


def share_percent(part: int, whole: int) -> str:
    """45%, or <1% for a small but real share."""
    if whole <= 0:
        return "0%"
    rounded = round_half_up(Fraction(part * 100, whole))
    return "<1%" if rounded == 0 and part > 0 else f"{rounded}%"


def usd_exact(amount_microdollars: Fraction) -> str:
    """An exact (fractional) amount of microdollars as money, rounded once to the cent."""
    return usd(round_half_up(amount_microdollars / MICRODOLLARS_PER_CENT) * MICRODOLLARS_PER_CENT)


def average_usd(total_microdollars: int, count: int) -> str:
    """An average amount rounded once at the precision it is shown with ($0.0333 under a dollar, else cents)."""
    exact = Fraction(total_microdollars, count)
    if abs(exact) >= MICRODOLLARS_PER_DOLLAR:
        return usd_exact(exact)
    hundredths = round_half_up(exact / HUNDREDTH_OF_CENT)
    if abs(hundredths) * HUNDREDTH_OF_CENT >= MICRODOLLARS_PER_DOLLAR:  # $0.99996 rounds up to a dollar
        return usd(hundredths * HUNDREDTH_OF_CENT)
    return usd_fine(hundredths * HUNDREDTH_OF_CENT)


def usd_short(amount_microdollars: int) -> str:
    """Money for chart axes and labels: $4.56, $456, $1.2k, $12k, $3.4M; rounded once, half-up."""
    sign = "-" if amount_microdollars < 0 else ""
    dollars = Fraction(abs(amount_microdollars), MICRODOLLARS_PER_DOLLAR)
    if dollars < 10:
        return sign + usd(abs(amount_microdollars))
    if (whole := round_half_up(dollars)) < 1000:
        return f"{sign}${whole}"
    for suffix, scale in (("k", 10**3), ("M", 10**6), ("B", 10**9), ("T", 10**12)):
        value = dollars / scale
        tenths = round_half_up(value * 10)
        if tenths < 100:
            whole_part, tenth = divmod(tenths, 10)
            return f"{sign}${whole_part}{f'.{tenth}' if tenth else ''}{suffix}"
        if (whole := round_half_up(value)) < 1000:
            return f"{sign}${whole}{suffix}"
    return f"{sign}${round_half_up(dollars / 10**12):,}T"


@dataclass(frozen=True)
class TopSpenders:
    """The biggest spenders by name, then everyone else folded into one "Other" amount."""

    top: tuple[tuple[str, int], ...]
    other_cost: int
    other_count: int
    total: int

    def with_other(self) -> list[tuple[str, int]]:
        return [*self.top, (OTHER, self.other_cost)] if self.other_count else list(self.top)


def top_spenders(spend: Mapping[str, int], limit: int) -> TopSpenders:
    """The `limit` largest (ties by name); one left over is shown rather than folded into "Other (1)"."""
    ranked = sorted(((name, cost) for name, cost in spend.items() if cost > 0), key=lambda item: (-item[1], item[0]))
    shown = ranked if len(ranked) <= limit + 1 else ranked[:limit]
    rest = ranked[len(shown) :]
    return TopSpenders(
        top=tuple(shown),
        other_cost=sum(cost for _, cost in rest),
        other_count=len(rest),
        total=sum(cost for _, cost in ranked),
    )


def period_noun(period: DigestPeriod) -> str:
    """What one period is called in sentences: day, week, month, or "14-day period"."""
    if period.days == 1:
        return "day"
    if period.days == 7:
        return "week"
    next_month = (period.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if period.start.day == 1 and period.end == next_month:
        return "month"
    return f"{period.days}-day period"


def run_out_at(credits: CreditFigures) -> datetime | None:
    """When the balance reaches zero at the last 7 days' average spend; None if nothing was spent."""
    if credits.balance_microdollars <= 0:
        return credits.as_of
    if credits.burn_last_7_days_microdollars <= 0:
        return None
    seconds = Fraction(credits.balance_microdollars * BURN_WINDOW_DAYS * 86_400, credits.burn_last_7_days_microdollars)
    # A trickle of spend against a large balance would overflow datetime: ten years is "more than a year" anyway.
    return credits.as_of + min(timedelta(seconds=int(seconds)), RUN_OUT_HORIZON)


def monthly_seat_cost(seats: SeatFigures, count: int) -> int:
    """What `count` seats cost a month, in microdollars rounded half-up to the cent (yearly prices / 12)."""
    cents = round_half_up(
        Fraction(count * seats.price_per_seat_microdollars, seats.months_per_cycle * MICRODOLLARS_PER_CENT)
    )
    return cents * MICRODOLLARS_PER_CENT
