"""Usage questions answered from the daily rollups: summaries, per-member figures, trends, and the Period."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    CreditKind,
    CreditTransaction,
    Member,
    MemberStatus,
    UsageDailyLatency,
    UsageDailyMember,
    UsageDailyModel,
)
from backend.services import subscriptions
from backend.services.errors import Invalid
from backend.services.usage_ingest import bucket_center
from kilo_api.money import divide_round_half_up
from kilo_api.schemas import (
    BalanceDayOut,
    CreditHistoryOut,
    DailyModelUsageOut,
    DayModelUsageOut,
    DayUsageOut,
    MemberUsageOut,
    MemberUsagePageOut,
    ModelUsageOut,
    MonthUsageOut,
    MyUsageOut,
    PeriodComparisonOut,
    ProviderUsageOut,
    SeatActivityOut,
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


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


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
        average_cost_per_request_microdollars=divide_round_half_up(cost, successful) if successful else 0,
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
                error_rate=_ratio(r.errors, r.requests),
                cost_microdollars=r.cost_microdollars,
                cost_share=_ratio(r.cost_microdollars, cost),
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
        (
            ProviderUsageOut(provider=p, requests=n, cost_microdollars=c, request_share=_ratio(n, requests))
            for p, (n, c) in provider_totals.items()
        ),
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
    return {model: bucket_center(lower_median(histogram)) for model, histogram in histograms.items()}


def lower_median(histogram: Iterable[tuple[int, int]]) -> int:
    """The lower median of a (value, count) histogram: the value at position ⌈n/2⌉."""
    ordered = sorted(histogram)
    total = sum(count for _, count in ordered)
    position = (total + 1) // 2
    running = 0
    for value, count in ordered:
        running += count
        if running >= position:
            return value
    raise ValueError("empty histogram")


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
            median_cost_microdollars=lower_median((c, 1) for c in costs) if costs else 0,
            p90_cost_microdollars=costs[min(len(costs) - 1, (len(costs) * 9) // 10)] if costs else 0,
            top5_share=_ratio(sum(costs[-5:]), total),
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


# --- digests and alerts ------------------------------------------------------------------------

BURN_WINDOW_DAYS = 7
MAX_BALANCE_HISTORY_DAYS = 120


def daily_model_usage(session: Session, organization_id: str, period: Period) -> DailyModelUsageOut:
    """Spend, requests and tokens per UTC day, model and provider (the digest's stacked chart and totals)."""
    rows = session.execute(
        select(
            UsageDailyModel.day,
            UsageDailyModel.model,
            UsageDailyModel.provider,
            UsageDailyModel.requests,
            UsageDailyModel.errors,
            UsageDailyModel.input_tokens,
            UsageDailyModel.output_tokens,
            UsageDailyModel.cost_microdollars,
        )
        .where(UsageDailyModel.organization_id == organization_id, _in_period(UsageDailyModel.day, period))
        .order_by(UsageDailyModel.day, UsageDailyModel.model, UsageDailyModel.provider)
    ).all()
    active = session.scalar(
        select(func.count(func.distinct(UsageDailyMember.member_id))).where(
            UsageDailyMember.organization_id == organization_id,
            _in_period(UsageDailyMember.day, period),
            UsageDailyMember.requests > 0,
        )
    )
    return DailyModelUsageOut(
        start=period.start,
        end=period.end,
        active_members=int(active or 0),
        days=[
            DayModelUsageOut(
                date=day,
                model=model,
                provider=provider,
                requests=int(requests),
                successful_requests=int(requests) - int(errors),
                input_tokens=int(tokens_in),
                output_tokens=int(tokens_out),
                cost_microdollars=int(cost),
            )
            for day, model, provider, requests, errors, tokens_in, tokens_out, cost in rows
        ],
    )


def seat_activity(session: Session, organization_id: str, now: datetime, idle_after_days: int) -> SeatActivityOut:
    """Seat holders, and how many of them made no request in the last `idle_after_days` days.

    A member who never made one counts from the day they joined; a pending invitation from when it was sent."""
    cutoff = now - timedelta(days=idle_after_days)
    holders = (Member.organization_id == organization_id) & or_(
        Member.status == MemberStatus.ACTIVE,
        (Member.status == MemberStatus.INVITED) & (Member.invite_expires_at > now),
    )
    last_sign_of_life = func.coalesce(Member.last_activity_at, Member.joined_at, Member.invited_at)
    is_idle = or_(last_sign_of_life.is_(None), last_sign_of_life < cutoff)
    total, idle = session.execute(
        select(func.count(), func.coalesce(func.sum(case((is_idle, 1), else_=0)), 0)).where(holders)
    ).one()
    return SeatActivityOut(as_of=now, idle_after_days=idle_after_days, seat_holders=int(total), idle_seats=int(idle))


def credit_history(session: Session, organization_id: str, now: datetime, days: int) -> CreditHistoryOut:
    """The balance now, at the end of each of the `days` UTC days before today, and the last 7 days' usage."""
    today = now.date()
    boundaries = [
        datetime.combine(today - timedelta(days=back), datetime.min.time(), tzinfo=now.tzinfo)
        for back in range(days - 1, -1, -1)
    ]
    entries = (CreditTransaction.organization_id == organization_id) & (CreditTransaction.created_at < now)
    amount = CreditTransaction.amount_microdollars
    week_ago = now - timedelta(days=BURN_WINDOW_DAYS)
    is_recent_usage = (CreditTransaction.kind == CreditKind.USAGE) & (CreditTransaction.created_at >= week_ago)

    def total_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)

    sums = session.execute(
        select(
            func.coalesce(func.sum(amount), 0),
            total_where(is_recent_usage),
            *(total_where(CreditTransaction.created_at < end) for end in boundaries),
        ).where(entries)
    ).one()
    balance, recent_usage, *ends_of_days = (int(value) for value in sums)
    return CreditHistoryOut(
        as_of=now,
        balance_microdollars=balance,
        usage_last_7_days_microdollars=-recent_usage,
        days=[
            BalanceDayOut(date=(boundary - timedelta(days=1)).date(), balance_microdollars=end_of_day)
            for boundary, end_of_day in zip(boundaries, ends_of_days, strict=True)
        ],
    )
