"""Usage questions answered from the daily rollups: summaries, per-member figures, trends, and the Period."""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from backend.models import (
    Member,
    UsageDailyLatency,
    UsageDailyMember,
    UsageDailyModel,
)
from backend.services import subscriptions
from backend.services.errors import Invalid
from backend.services.usage_ingest import bucket_center
from kilo_api.money import divide_round_half_up
from kilo_api.schemas import (
    DayUsageOut,
    MemberUsageOut,
    MemberUsagePageOut,
    ModelUsageOut,
    MonthUsageOut,
    MyUsageOut,
    PeriodComparisonOut,
    ProviderUsageOut,
    SpendDistributionOut,
    UsageSummaryOut,
    UsageTotalsOut,
    WeekdayUsageOut,
)

ACTIVE_USER_WINDOW_DAYS = 7
MONTHS_IN_TREND = 6
TOP_MEMBERS = 10
MAX_RANGE_DAYS = 400


# --- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start)

    def elapsed(self, today: date) -> Period:
        """The part of the period up to and including today: series and comparisons stop there."""
        return Period(self.start, max(self.start, min(self.end, today + timedelta(days=1))))


PeriodName = Literal["current", "7d", "30d", "90d", "this-month", "last-month"]


def choose_period(
    session: Session,
    organization_id: str,
    now: datetime,
    *,
    name: PeriodName | None,
    start: date | None,
    end: date | None,
) -> Period:
    """An explicit [start, end) wins; otherwise a named period; by default the current billing period."""
    today = now.date()
    if start or end:
        if not (start and end):
            raise Invalid("Give both start and end (end is exclusive), or neither.")
        return check_period(Period(start, end))
    tomorrow = today + timedelta(days=1)
    if name in ("7d", "30d", "90d"):
        return Period(tomorrow - timedelta(days=int(name[:-1])), tomorrow)
    if name == "this-month":
        first = today.replace(day=1)
        return Period(first, shift_month(first, 1))
    if name == "last-month":
        first = today.replace(day=1)
        return Period(shift_month(first, -1), first)
    subscription = subscriptions.find_subscription(session, organization_id)
    period_start, period_end = subscriptions.billing_period(subscription, now)
    return Period(period_start.date(), period_end.date())


def check_period(period: Period) -> Period:
    if period.days <= 0:
        raise Invalid("The period must end after it starts.")
    if period.days > MAX_RANGE_DAYS:
        raise Invalid(f"A period can be at most {MAX_RANGE_DAYS} days long.")
    return period


def _in_period(day_column: Any, period: Period) -> ColumnElement[bool]:
    return and_(day_column >= period.start, day_column < period.end)


@dataclass(frozen=True)
class ModelTotals:
    model: str
    provider: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_hit_tokens: int
    cost_microdollars: int


def summary(session: Session, organization_id: str, period: Period, today: date) -> UsageSummaryOut:
    """The dashboard's figures for a period, from the rollups."""
    rows = session.execute(
        select(
            UsageDailyModel.model,
            UsageDailyModel.provider,
            func.sum(UsageDailyModel.requests),
            func.sum(UsageDailyModel.errors),
            func.sum(UsageDailyModel.input_tokens),
            func.sum(UsageDailyModel.output_tokens),
            func.sum(UsageDailyModel.cache_write_tokens),
            func.sum(UsageDailyModel.cache_hit_tokens),
            func.sum(UsageDailyModel.cost_microdollars),
        )
        .where(UsageDailyModel.organization_id == organization_id, _in_period(UsageDailyModel.day, period))
        .group_by(UsageDailyModel.model, UsageDailyModel.provider)
    ).all()
    elapsed = period.elapsed(today)
    return compose_summary(
        period,
        elapsed,
        [ModelTotals(model, provider, *(int(v or 0) for v in sums)) for model, provider, *sums in rows],
        medians=median_latencies(session, organization_id, period),
        daily=daily_series(session, organization_id, elapsed),
        previous_daily=daily_series(session, organization_id, elapsed.previous()),
        active_users_7d=active_users(session, organization_id, elapsed.end - timedelta(days=1)),
        months=monthly_series(session, organization_id, elapsed.end - timedelta(days=1)),
    )


def compose_summary(
    period: Period,
    elapsed: Period,
    rows: Sequence[ModelTotals],
    *,
    medians: dict[str, int],
    daily: list[DayUsageOut],
    previous_daily: list[DayUsageOut],
    active_users_7d: int,
    months: list[MonthUsageOut],
) -> UsageSummaryOut:
    """Derive every figure from per-model totals and series (shared by the rollup and raw-scan paths)."""
    requests = sum(r.requests for r in rows)
    errors = sum(r.errors for r in rows)
    cost = sum(r.cost_microdollars for r in rows)
    successful = requests - errors
    totals = UsageTotalsOut(
        cost_microdollars=cost,
        requests=requests,
        successful_requests=successful,
        errors=errors,
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        cache_write_tokens=sum(r.cache_write_tokens for r in rows),
        cache_hit_tokens=sum(r.cache_hit_tokens for r in rows),
    )
    models = sorted(
        (
            ModelUsageOut(
                model=r.model,
                provider=r.provider,
                requests=r.requests,
                successful_requests=r.requests - r.errors,
                errors=r.errors,
                cost_microdollars=r.cost_microdollars,
                input_tokens=r.input_tokens,
                output_tokens=r.output_tokens,
                median_latency_ms=medians.get(r.model),
            )
            for r in rows
        ),
        key=lambda m: (-m.requests, -m.cost_microdollars, m.model),
    )
    provider_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for model in models:
        provider_totals[model.provider][0] += model.requests
        provider_totals[model.provider][1] += model.cost_microdollars
    providers = sorted(
        (ProviderUsageOut(provider=p, requests=n, cost_microdollars=c) for p, (n, c) in provider_totals.items()),
        key=lambda p: (-p.requests, p.provider),
    )
    previous = elapsed.previous()
    return UsageSummaryOut(
        start=period.start,
        end=period.end,
        elapsed_end=elapsed.end,
        totals=totals,
        active_users_7d=active_users_7d,
        models=models,
        providers=providers,
        daily=daily,
        weekdays=weekday_pattern(daily),
        months=months,
        previous_period=PeriodComparisonOut(
            start=previous.start,
            end=previous.end,
            cost_microdollars=sum(d.cost_microdollars for d in previous_daily),
            requests=sum(d.requests for d in previous_daily),
            successful_requests=sum(d.successful_requests for d in previous_daily),
        ),
    )


def _totals_between(session: Session, organization_id: str, period: Period) -> tuple[int, int, int]:
    row = session.execute(
        select(
            func.coalesce(func.sum(UsageDailyModel.requests), 0),
            func.coalesce(func.sum(UsageDailyModel.errors), 0),
            func.coalesce(func.sum(UsageDailyModel.cost_microdollars), 0),
        ).where(UsageDailyModel.organization_id == organization_id, _in_period(UsageDailyModel.day, period))
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def median_latencies(session: Session, organization_id: str, period: Period) -> dict[str, int]:
    rows = session.execute(
        select(UsageDailyLatency.model, UsageDailyLatency.bucket_ms, func.sum(UsageDailyLatency.requests))
        .where(UsageDailyLatency.organization_id == organization_id, _in_period(UsageDailyLatency.day, period))
        .group_by(UsageDailyLatency.model, UsageDailyLatency.bucket_ms)
    ).all()
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for model, bucket, count in rows:
        histograms[model].append((int(bucket), int(count)))
    return {model: median_latency_ms(histogram) for model, histogram in histograms.items()}


def median_latency_ms(histogram: Iterable[tuple[int, int]]) -> int:
    """The median of a latency histogram (bucket lower bound, count), each bucket at its centre, to the ms."""
    median = histogram_median((bucket_center(bucket), count) for bucket, count in histogram)
    return divide_round_half_up(median.numerator, median.denominator)


def histogram_median(histogram: Iterable[tuple[int, int]]) -> Fraction:
    """The standard median of a (value, count) histogram: the middle value, or the mean of the two middle
    values for an even count (as statistics.median, without expanding the counts)."""
    ordered = sorted(histogram)
    total = sum(count for _, count in ordered)
    if total <= 0:
        raise ValueError("empty histogram")
    lower_rank, upper_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    lower = upper = None
    seen = 0
    for value, count in ordered:
        if lower is None and lower_rank < seen + count:
            lower = value
        if upper_rank < seen + count:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return Fraction(lower + upper, 2)


def percentile_inclusive(values: Sequence[int], percent: int) -> Fraction:
    """The linear-interpolation percentile (statistics.quantiles(method="inclusive"), NumPy's default,
    Excel's PERCENTILE.INC), exact."""
    ordered = sorted(Fraction(v) for v in values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[percent - 1]


def exact_decimal(value: Fraction) -> Decimal:
    """A median or percentile of integers (a multiple of 1/100) as the exact Decimal the API sends."""
    for places in range(3):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return Decimal(scaled.numerator).scaleb(-places)
    raise ValueError(f"{value} is not a whole number of hundredths")


def daily_series(session: Session, organization_id: str, period: Period) -> list[DayUsageOut]:
    rows = session.execute(
        select(
            UsageDailyModel.day,
            func.sum(UsageDailyModel.requests),
            func.sum(UsageDailyModel.errors),
            func.sum(UsageDailyModel.cost_microdollars),
        )
        .where(UsageDailyModel.organization_id == organization_id, _in_period(UsageDailyModel.day, period))
        .group_by(UsageDailyModel.day)
    ).all()
    return zero_filled_days(period, {day: (int(n), int(err), int(c)) for day, n, err, c in rows})


def zero_filled_days(period: Period, by_day: dict[date, tuple[int, int, int]]) -> list[DayUsageOut]:
    """One entry per day of the period from (requests, errors, cost) sums; days without usage are zeros."""
    series = []
    for offset in range(period.days):
        day = period.start + timedelta(days=offset)
        n, err, cost = by_day.get(day, (0, 0, 0))
        series.append(DayUsageOut(date=day, requests=n, successful_requests=n - err, cost_microdollars=cost))
    return series


def weekday_pattern(daily: Sequence[DayUsageOut]) -> list[WeekdayUsageOut]:
    sums = [[0, 0] for _ in range(7)]
    for day in daily:
        sums[day.date.weekday()][0] += day.requests
        sums[day.date.weekday()][1] += day.cost_microdollars
    return [
        WeekdayUsageOut(weekday=i, name=calendar.day_abbr[i], requests=n, cost_microdollars=c)
        for i, (n, c) in enumerate(sums)
    ]


def trend_months(last_day: date) -> Period:
    """The calendar months of the month-over-month trend, ending with the month of `last_day`."""
    this_month = last_day.replace(day=1)
    return Period(shift_month(this_month, -(MONTHS_IN_TREND - 1)), shift_month(this_month, 1))


def fold_months(months: Period, daily: Iterable[DayUsageOut]) -> list[MonthUsageOut]:
    totals: dict[str, list[int]] = {}
    month = months.start
    while month < months.end:
        totals[month.strftime("%Y-%m")] = [0, 0]
        month = shift_month(month, 1)
    for day in daily:
        bucket = totals[day.date.strftime("%Y-%m")]
        bucket[0] += day.requests
        bucket[1] += day.cost_microdollars
    return [MonthUsageOut(month=m, requests=n, cost_microdollars=c) for m, (n, c) in totals.items()]


def monthly_series(session: Session, organization_id: str, last_day: date) -> list[MonthUsageOut]:
    """Calendar-month totals, oldest first (month over month)."""
    months = trend_months(last_day)
    return fold_months(months, daily_series(session, organization_id, months))


def shift_month(first_of_month: date, months: int) -> date:
    index = first_of_month.month - 1 + months
    return date(first_of_month.year + index // 12, index % 12 + 1, 1)


def active_users(session: Session, organization_id: str, last_day: date) -> int:
    """Members with any request in the 7 UTC days ending with `last_day`."""
    window = Period(last_day - timedelta(days=ACTIVE_USER_WINDOW_DAYS - 1), last_day + timedelta(days=1))
    return (
        session.scalar(
            select(func.count(func.distinct(UsageDailyMember.member_id))).where(
                UsageDailyMember.organization_id == organization_id, _in_period(UsageDailyMember.day, window)
            )
        )
        or 0
    )


def _member_rows(
    session: Session, organization_id: str, period: Period, today: date, member_id: str | None = None
) -> list[MemberUsageOut]:
    conditions = [UsageDailyMember.organization_id == organization_id, _in_period(UsageDailyMember.day, period)]
    if member_id:
        conditions.append(UsageDailyMember.member_id == member_id)
    sums = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                UsageDailyMember.member_id,
                func.sum(UsageDailyMember.requests),
                func.sum(UsageDailyMember.errors),
                func.sum(UsageDailyMember.cost_microdollars),
                func.sum(UsageDailyMember.input_tokens),
                func.sum(UsageDailyMember.output_tokens),
                func.count(),
            )
            .where(*conditions)
            .group_by(UsageDailyMember.member_id)
        )
    }
    today_spend: dict[str, int] = {
        member: int(cost)
        for member, cost in session.execute(
            select(UsageDailyMember.member_id, UsageDailyMember.cost_microdollars).where(
                UsageDailyMember.organization_id == organization_id,
                UsageDailyMember.day == today,
                *([UsageDailyMember.member_id == member_id] if member_id else []),
            )
        )
    }
    member_filter = [Member.organization_id == organization_id]
    if member_id:
        member_filter.append(Member.id == member_id)
    else:
        member_filter.append(Member.id.in_(list(sums)))
    result = []
    for member in session.scalars(select(Member).where(*member_filter)):
        n, err, cost, tin, tout, days = (int(v) for v in sums.get(member.id, (0, 0, 0, 0, 0, 0)))
        result.append(
            MemberUsageOut(
                member_id=member.id,
                name=member.name,
                email=member.email,
                role=member.role,
                requests=n,
                errors=err,
                cost_microdollars=cost,
                input_tokens=tin,
                output_tokens=tout,
                active_days=days,
                spend_today_microdollars=today_spend.get(member.id, 0),
                daily_limit_microdollars=member.daily_limit_microdollars,
            )
        )
    result.sort(key=lambda m: (-m.cost_microdollars, -m.requests, m.email))
    return result


def member_usage(session: Session, organization_id: str, period: Period, today: date) -> MemberUsagePageOut:
    """Per-member figures: admin-only data, the API refuses it to Members."""
    members = _member_rows(session, organization_id, period, today)
    costs = sorted(m.cost_microdollars for m in members)
    total = sum(costs)
    return MemberUsagePageOut(
        start=period.start,
        end=period.end,
        members=members,
        top_members=members[:TOP_MEMBERS],
        distribution=SpendDistributionOut(
            active_members=len(costs),
            median_cost_microdollars=exact_decimal(statistics.median(map(Fraction, costs))) if costs else Decimal(0),
            p90_cost_microdollars=exact_decimal(percentile_inclusive(costs, 90)) if costs else Decimal(0),
            top5_cost_microdollars=sum(costs[-5:]),
            total_cost_microdollars=total,
        ),
    )


def my_usage(session: Session, organization_id: str, member_id: str, period: Period, today: date) -> MyUsageOut:
    (me,) = _member_rows(session, organization_id, period, today, member_id=member_id)
    by_day = {
        day: (int(n), int(err), int(cost))
        for day, n, err, cost in session.execute(
            select(
                UsageDailyMember.day,
                UsageDailyMember.requests,
                UsageDailyMember.errors,
                UsageDailyMember.cost_microdollars,
            ).where(
                UsageDailyMember.organization_id == organization_id,
                UsageDailyMember.member_id == member_id,
                _in_period(UsageDailyMember.day, period),
            )
        )
    }
    daily = zero_filled_days(period, by_day)
    team_requests, _errors, team_cost = _totals_between(session, organization_id, period)
    return MyUsageOut(
        start=period.start,
        end=period.end,
        member=me,
        daily=daily,
        team_cost_microdollars=team_cost,
        team_requests=team_requests,
    )
