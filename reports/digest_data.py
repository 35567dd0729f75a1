"""The plain data one spend digest is made from: integer microdollars, UTC billing days, aware UTC datetimes.

No HTTP, Slack or database here: the scheduler gathers this from the backend, and the text, the Block Kit
and the charts are pure functions of it (so they can render in another process).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

IDLE_AFTER_DAYS = 14  # a seat whose holder made no request for this long counts as idle
BURN_WINDOW_DAYS = 7  # credits run out at the spend rate of this many last days
COMPARED_PERIODS = 4  # "the 4-week average"


def _require_utc(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise ValueError(f"{what} must be an aware UTC datetime, got {moment!r}")


@dataclass(frozen=True)
class DigestPeriod:
    """The UTC billing days [start, end) a digest covers, and the zone its reader's dates are shown in."""

    start: date
    end: date  # exclusive
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a digest period must end after it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]


@dataclass(frozen=True)
class UsageTotals:
    cost_microdollars: int
    requests: int
    successful_requests: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class PastPeriod:
    """An earlier period of the same length, for "vs the week before" and "vs the 4-week average"."""

    start: date
    end: date  # exclusive
    cost_microdollars: int


@dataclass(frozen=True)
class ModelDaySpend:
    """Spend on one model on one UTC billing day (the backend's usage_daily_model rollup, summed by model)."""

    day: date
    model: str
    cost_microdollars: int


@dataclass(frozen=True)
class ModelUsage:
    model: str
    provider: str
    cost_microdollars: int
    successful_requests: int


@dataclass(frozen=True)
class PersonSpend:
    member_id: str
    name: str
    cost_microdollars: int


@dataclass(frozen=True)
class SeatFigures:
    used: int
    total: int
    idle: int  # seat holders with no request in the last IDLE_AFTER_DAYS days
    price_per_seat_microdollars: int  # per billing cycle
    months_per_cycle: int  # 1 (monthly) or 12 (yearly)

    def __post_init__(self) -> None:
        if self.months_per_cycle not in (1, 12):
            raise ValueError("a billing cycle is 1 or 12 months")


@dataclass(frozen=True)
class BalancePoint:
    at: datetime  # aware UTC
    balance_microdollars: int

    def __post_init__(self) -> None:
        _require_utc(self.at, "BalancePoint.at")


@dataclass(frozen=True)
class CreditFigures:
    balance_microdollars: int
    as_of: datetime  # aware UTC
    burn_last_7_days_microdollars: int  # spend charged to credits in the BURN_WINDOW_DAYS before as_of
    history: tuple[BalancePoint, ...]  # the balance at the end of each recent UTC day, oldest first

    def __post_init__(self) -> None:
        _require_utc(self.as_of, "CreditFigures.as_of")


@dataclass(frozen=True)
class DigestData:
    organization_name: str
    period: DigestPeriod
    generated_at: datetime  # aware UTC
    totals: UsageTotals
    # Newest first, at most COMPARED_PERIODS, only periods the organization existed in: empty for a new one.
    previous_periods: tuple[PastPeriod, ...]
    active_users: int  # members with a request in the period
    seats: SeatFigures | None  # None: no subscription
    credits: CreditFigures | None
    model_days: tuple[ModelDaySpend, ...]  # this period
    previous_model_days: tuple[ModelDaySpend, ...]  # the period before (empty for a new organization)
    models: tuple[ModelUsage, ...]  # this period, one per model
    # Per-person figures are for Owners and Admins: None unless the subscription allows them.
    people: tuple[PersonSpend, ...] | None = None
    previous_people: tuple[PersonSpend, ...] | None = None

    def __post_init__(self) -> None:
        _require_utc(self.generated_at, "DigestData.generated_at")
        if len(self.previous_periods) > COMPARED_PERIODS:
            raise ValueError(f"at most {COMPARED_PERIODS} previous periods")
        for spend in self.model_days:
            if not self.period.start <= spend.day < self.period.end:
                raise ValueError(f"{spend.day} is outside the digest period")
        if self.previous_model_days and self.previous_periods:
            previous = self.previous_periods[0]
            if any(not previous.start <= spend.day < previous.end for spend in self.previous_model_days):
                raise ValueError("previous_model_days must fall in previous_periods[0]")

    @property
    def previous_period(self) -> PastPeriod | None:
        return self.previous_periods[0] if self.previous_periods else None


def spend_by_model(days: Iterable[ModelDaySpend]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for spend in days:
        totals[spend.model] += spend.cost_microdollars
    return dict(totals)


def spend_by_day(days: Iterable[ModelDaySpend]) -> dict[date, int]:
    totals: dict[date, int] = defaultdict(int)
    for spend in days:
        totals[spend.day] += spend.cost_microdollars
    return dict(totals)


def spend_by_provider(models: Iterable[ModelUsage]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for model in models:
        totals[model.provider] += model.cost_microdollars
    return dict(totals)


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
