"""Usage questions answered from the daily rollups: summaries, per-member figures, trends, and the Period."""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    CreditKind,
    CreditTransaction,
    Member,
    MemberStatus,
    Organization,
    UsageDailyLatency,
    UsageDailyMember,
    UsageDailyModel,
)
from backend.services import subscriptions
from backend.services.errors import Invalid, NotFound
from backend.services.usage_ingest import bucket_center
from backend.timeutil import as_utc, days_between, start_of_day
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
# Explicit periods stay inside these dates, so the previous period and the month trend never leave the calendar.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def as_of(self, now: datetime) -> datetime:
        """The moment the period's figures run to: now, or its end once over (its start before it begins)."""
        return min(max(now, start_of_day(self.start)), start_of_day(self.end))

    def lived(self, since: date, now: datetime) -> Period:
        """The days of the period the organization has lived through by `now` (today's included): series are
        drawn over these, never over days before it existed or not yet begun."""
        first = max(self.start, since)
        return Period(first, max(first, min(self.end, days_begun_by(now))))


def days_begun_by(now: datetime) -> date:
    """The exclusive end of the UTC days that have begun by `now`: today is one of them."""
    return now.astimezone(UTC).date() + timedelta(days=1)


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
    if not (period.start >= EARLIEST_DATE and period.end <= LATEST_DATE):
        raise Invalid(f"Dates must be between {EARLIEST_DATE} and {LATEST_DATE}.")
    if period.days <= 0:
        raise Invalid("The period must end after it starts.")
    if period.days > MAX_RANGE_DAYS:
        raise Invalid(f"A period can be at most {MAX_RANGE_DAYS} days long.")
    return period


def shift_month(first_of_month: date, months: int) -> date:
    index = first_of_month.month - 1 + months
    return date(first_of_month.year + index // 12, index % 12 + 1, 1)


# --- where the figures come from: the rollups (the API) or a scan of raw events (their reference) --------


@dataclass(frozen=True)
class Counts:
    requests: int = 0
    errors: int = 0
    cost_microdollars: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.requests + other.requests,
            self.errors + other.errors,
            self.cost_microdollars + other.cost_microdollars,
        )


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


class UsageSource(Protocol):
    def since(self) -> date:
        """The organization's first day: its creation, or its earliest usage if that is earlier."""

    def model_totals(self, period: Period) -> list[ModelTotals]: ...

    def latency_histograms(self, period: Period) -> dict[str, list[tuple[int, int]]]:
        """Per model, (bucket lower bound in ms, requests)."""

    def daily(self, days: Period) -> dict[date, Counts]: ...

    def active_members(self, days: Period) -> int: ...


def _in_period(day_column: Any, period: Period) -> ColumnElement[bool]:
    return and_(day_column >= period.start, day_column < period.end)


def organization_created_day(session: Session, organization_id: str) -> date:
    created = session.scalar(select(Organization.created_at).where(Organization.id == organization_id))
    if created is None:
        raise NotFound("No such organization.")
    return as_utc(created).date()


@dataclass(frozen=True)
class Rollups:
    """Every figure from the daily rollups, never the raw events."""

    session: Session
    organization_id: str

    def since(self) -> date:
        created = organization_created_day(self.session, self.organization_id)
        first_usage = self.session.scalar(
            select(func.min(UsageDailyModel.day)).where(UsageDailyModel.organization_id == self.organization_id)
        )
        return min(created, first_usage) if first_usage else created

    def model_totals(self, period: Period) -> list[ModelTotals]:
        rows = self.session.execute(
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
            .where(UsageDailyModel.organization_id == self.organization_id, _in_period(UsageDailyModel.day, period))
            .group_by(UsageDailyModel.model, UsageDailyModel.provider)
        ).all()
        return [ModelTotals(model, provider, *(int(v or 0) for v in sums)) for model, provider, *sums in rows]

    def latency_histograms(self, period: Period) -> dict[str, list[tuple[int, int]]]:
        rows = self.session.execute(
            select(UsageDailyLatency.model, UsageDailyLatency.bucket_ms, func.sum(UsageDailyLatency.requests))
            .where(UsageDailyLatency.organization_id == self.organization_id, _in_period(UsageDailyLatency.day, period))
            .group_by(UsageDailyLatency.model, UsageDailyLatency.bucket_ms)
        ).all()
        histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for model, bucket, count in rows:
            histograms[model].append((int(bucket), int(count)))
        return histograms

    def daily(self, days: Period) -> dict[date, Counts]:
        if days.days <= 0:
            return {}
        rows = self.session.execute(
            select(
                UsageDailyModel.day,
                func.sum(UsageDailyModel.requests),
                func.sum(UsageDailyModel.errors),
                func.sum(UsageDailyModel.cost_microdollars),
            )
            .where(UsageDailyModel.organization_id == self.organization_id, _in_period(UsageDailyModel.day, days))
            .group_by(UsageDailyModel.day)
        ).all()
        return {day: Counts(int(n), int(err), int(cost)) for day, n, err, cost in rows}

    def active_members(self, days: Period) -> int:
        return (
            self.session.scalar(
                select(func.count(func.distinct(UsageDailyMember.member_id))).where(
                    UsageDailyMember.organization_id == self.organization_id,
                    _in_period(UsageDailyMember.day, days),
                )
            )
            or 0
        )


# --- the summary ---------------------------------------------------------------------------------


def summary(session: Session, organization_id: str, period: Period, now: datetime) -> UsageSummaryOut:
    """The dashboard's figures for a period, from the rollups."""
    return compose_summary(Rollups(session, organization_id), period, now)


def compose_summary(source: UsageSource, period: Period, now: datetime) -> UsageSummaryOut:
    """Every figure of the summary from a source (shared by the rollup and raw-scan paths)."""
    since = source.since()
    as_of = period.as_of(now)
    lived = period.lived(since, now)
    rows = source.model_totals(period)
    medians = {model: median_latency_ms(histogram) for model, histogram in source.latency_histograms(period).items()}
    requests = sum(r.requests for r in rows)
    errors = sum(r.errors for r in rows)
    totals = UsageTotalsOut(
        cost_microdollars=sum(r.cost_microdollars for r in rows),
        requests=requests,
        successful_requests=requests - errors,
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
    daily = zero_filled_days(lived, source.daily(lived))
    today = now.astimezone(UTC).date()
    compared = comparison(source, period, since, today, daily)
    last_day = lived.end - timedelta(days=1)
    active_window = Period(last_day - timedelta(days=ACTIVE_USER_WINDOW_DAYS - 1), lived.end)
    return UsageSummaryOut(
        start=period.start,
        end=period.end,
        as_of=as_of,
        organization_since=since,
        totals=totals,
        active_users_7d=source.active_members(active_window) if lived.days else 0,
        models=models,
        providers=providers,
        daily=daily,
        weekdays=weekday_pattern(daily, today),
        months=month_over_month(source, since, lived, today),
        compared=compared[0] if compared else None,
        previous_period=compared[1] if compared else None,
    )


def _span(days: Period, by_day: dict[date, Counts]) -> PeriodComparisonOut:
    counts = sum((by_day.get(day, Counts()) for day in days_between(days.start, days.end)), Counts())
    return PeriodComparisonOut(
        start=days.start,
        end=days.end,
        cost_microdollars=counts.cost_microdollars,
        requests=counts.requests,
        successful_requests=counts.requests - counts.errors,
    )


def like_with_like(period: Period, since: date, today: date) -> tuple[Period, Period] | None:
    """The whole days of the period so far (all of it once over; today aside while under way) and as many days
    from the start of the equal span just before. None before a whole day has passed, or when the
    organization did not exist for all of the days before."""
    compared = Period(period.start, max(period.start, min(period.end, today)))
    if not compared.days or period.start.toordinal() <= period.days:  # nothing before the calendar's first day
        return None
    before = period.start - timedelta(days=period.days)
    if before < since:
        return None
    return compared, Period(before, before + timedelta(days=compared.days))


def comparison(
    source: UsageSource, period: Period, since: date, today: date, daily: list[DayUsageOut]
) -> tuple[PeriodComparisonOut, PeriodComparisonOut] | None:
    """The period's whole days so far against the same days before (from the daily series and one query)."""
    spans = like_with_like(period, since, today)
    if spans is None:
        return None
    compared, previous = spans
    lived = {d.date: Counts(d.requests, d.requests - d.successful_requests, d.cost_microdollars) for d in daily}
    return _span(compared, lived), _span(previous, source.daily(previous))


def month_over_month(source: UsageSource, since: date, lived: Period, today: date) -> list[MonthUsageOut]:
    """Calendar months up to the one of the period's last lived day (at most MONTHS_IN_TREND), from the
    organization's first. A month that is over is compared with all of the month before; one under way, by its
    whole days so far, with as many days from the start of the month before. No comparison when the
    organization did not exist for all of the month before."""
    if not lived.days:
        return []
    this_month = (lived.end - timedelta(days=1)).replace(day=1)
    first_month = max(shift_month(this_month, -(MONTHS_IN_TREND - 1)), since.replace(day=1))
    begun = today + timedelta(days=1)
    by_day = source.daily(Period(max(shift_month(first_month, -1), since), min(shift_month(this_month, 1), begun)))
    months = []
    month = first_month
    while month <= this_month:
        following, before = shift_month(month, 1), shift_month(month, -1)
        counted = Period(max(month, since), max(month, since, min(following, begun)))
        so_far = today < following
        compared = previous = None
        if before >= since:
            whole_days = min((today - month).days, (month - before).days) if so_far else (following - month).days
            if whole_days > 0:
                compared = _span(Period(month, month + timedelta(days=whole_days)), by_day)
                previous = _span(Period(before, month if not so_far else before + timedelta(days=whole_days)), by_day)
        total = _span(counted, by_day)
        months.append(
            MonthUsageOut(
                month=f"{month:%Y-%m}",
                first_day=counted.start,
                last_day=max(counted.start, counted.end - timedelta(days=1)),
                so_far=so_far,
                requests=total.requests,
                cost_microdollars=total.cost_microdollars,
                compared=compared,
                previous=previous,
            )
        )
        month = following
    return months


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


def zero_filled_days(days: Period, by_day: dict[date, Counts]) -> list[DayUsageOut]:
    """One entry per day; days without usage are zeros."""
    series = []
    for day in days_between(days.start, days.end):
        counts = by_day.get(day, Counts())
        series.append(
            DayUsageOut(
                date=day,
                requests=counts.requests,
                successful_requests=counts.requests - counts.errors,
                cost_microdollars=counts.cost_microdollars,
            )
        )
    return series


def weekday_pattern(daily: Sequence[DayUsageOut], today: date) -> list[WeekdayUsageOut]:
    """Sums per weekday over the whole days (not today's partial one), with how many days each sum covers."""
    sums = [[0, 0, 0] for _ in range(7)]
    for day in daily:
        if day.date >= today:
            continue
        sums[day.date.weekday()][0] += 1
        sums[day.date.weekday()][1] += day.requests
        sums[day.date.weekday()][2] += day.cost_microdollars
    return [
        WeekdayUsageOut(weekday=i, name=calendar.day_abbr[i], days=d, requests=n, cost_microdollars=c)
        for i, (d, n, c) in enumerate(sums)
    ]


# --- per member ----------------------------------------------------------------------------------


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


def member_usage(session: Session, organization_id: str, period: Period, now: datetime) -> MemberUsagePageOut:
    """Per-member figures: admin-only data, the API refuses it to Members."""
    members = _member_rows(session, organization_id, period, now.date())
    costs = sorted(m.cost_microdollars for m in members)
    return MemberUsagePageOut(
        start=period.start,
        end=period.end,
        as_of=period.as_of(now),
        members=members,
        top_members=members[:TOP_MEMBERS],
        distribution=SpendDistributionOut(
            active_members=len(costs),
            median_cost_microdollars=exact_decimal(statistics.median(map(Fraction, costs))) if costs else Decimal(0),
            p90_cost_microdollars=exact_decimal(percentile_inclusive(costs, 90)) if costs else Decimal(0),
            top5_cost_microdollars=sum(costs[-5:]),
            total_cost_microdollars=sum(costs),
        ),
    )


def my_usage(session: Session, organization_id: str, member_id: str, period: Period, now: datetime) -> MyUsageOut:
    """A member's own figures, their days so far, and the team's totals for the same period."""
    (me,) = _member_rows(session, organization_id, period, now.date(), member_id=member_id)
    team = Rollups(session, organization_id)
    since = team.since()
    as_of = period.as_of(now)
    lived = period.lived(since, now)
    by_day = {
        day: Counts(int(n), int(err), int(cost))
        for day, n, err, cost in session.execute(
            select(
                UsageDailyMember.day,
                UsageDailyMember.requests,
                UsageDailyMember.errors,
                UsageDailyMember.cost_microdollars,
            ).where(
                UsageDailyMember.organization_id == organization_id,
                UsageDailyMember.member_id == member_id,
                _in_period(UsageDailyMember.day, lived),
            )
        )
    }
    team_counts = sum(team.daily(period).values(), Counts())
    return MyUsageOut(
        start=period.start,
        end=period.end,
        as_of=as_of,
        organization_since=since,
        member=me,
        daily=zero_filled_days(lived, by_day),
        team_cost_microdollars=team_counts.cost_microdollars,
        team_requests=team_counts.requests,
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
