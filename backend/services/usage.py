"""Usage: idempotent batch ingest that keeps daily rollups current, and the dashboard's figures.

Every query here reads the rollups (per day × model, per day × member, per day × model × latency
bucket), never the raw events, so a 90-day question costs the same with 5 or 5 million events.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.models import (
    CreditKind,
    Member,
    UsageDailyLatency,
    UsageDailyMember,
    UsageDailyModel,
    UsageEvent,
)
from backend.services import billing
from backend.services.errors import Conflict, Invalid
from backend.timeutil import as_utc
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
    UsageEventIn,
    UsageSummaryOut,
    UsageTotalsOut,
    WeekdayUsageOut,
)

ACTIVE_USER_WINDOW_DAYS = 7
EVENTS = cast(Table, UsageEvent.__table__)
MEMBERS = cast(Table, Member.__table__)
MONTHS_IN_TREND = 6
TOP_MEMBERS = 10
MAX_RANGE_DAYS = 400
EARLIEST_EVENT_AGE = timedelta(days=400)
LATEST_EVENT_SKEW = timedelta(minutes=5)


# Latency histogram: 96 log-spaced buckets from 10 ms to 10 minutes (each ~12 % wide), so a
# model-day holds at most 96 rows however many events it has, and a median is within ~6 %.
LATENCY_FLOOR_MS = 10
LATENCY_CEILING_MS = 600_000
LATENCY_BUCKETS = 96
_RATIO = (LATENCY_CEILING_MS / LATENCY_FLOOR_MS) ** (1 / LATENCY_BUCKETS)
LATENCY_BOUNDS = [round(LATENCY_FLOOR_MS * _RATIO**k) for k in range(LATENCY_BUCKETS + 1)]


def latency_bucket(latency_ms: int) -> int:
    """The lower bound (ms) of the histogram bucket a latency falls in; 0 for under 10 ms."""
    if latency_ms < LATENCY_FLOOR_MS:
        return 0
    index = min(bisect_right(LATENCY_BOUNDS, latency_ms) - 1, LATENCY_BUCKETS - 1)
    return int(LATENCY_BOUNDS[index])


def bucket_center(lower_bound_ms: int) -> int:
    """The geometric middle of a bucket: what a median that falls in it is reported as."""
    if lower_bound_ms == 0:
        return LATENCY_FLOOR_MS // 2
    index = LATENCY_BOUNDS.index(lower_bound_ms)
    return round(math.sqrt(lower_bound_ms * LATENCY_BOUNDS[index + 1]))


# --- ingest ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def _fingerprint(member_id: str, model: str, cost: int, occurred_at: datetime, tokens: int) -> tuple[Any, ...]:
    """What must match for a resent event id to count as the same event (the instant, in any zone)."""
    return (member_id, model, cost, as_utc(occurred_at), tokens)


def ingest(session: Session, organization_id: str, events: Sequence[UsageEventIn], now: datetime) -> IngestResult:
    """Store new events and fold them into the rollups; resent event ids are skipped, not doubled."""
    ids = [event.event_id for event in events]
    repeated = [event_id for event_id, count in Counter(ids).items() if count > 1]
    if repeated:
        raise Invalid(f"event_id {repeated[0]!r} appears more than once in this batch.")
    for event in events:
        if not now - EARLIEST_EVENT_AGE <= event.occurred_at <= now + LATEST_EVENT_SKEW:
            raise Invalid(f"event {event.event_id!r}: occurred_at must be within the last 400 days.")

    member_ids = {event.member_id for event in events}
    known = set(
        session.scalars(select(Member.id).where(Member.organization_id == organization_id, Member.id.in_(member_ids)))
    )
    if unknown := sorted(member_ids - known):
        raise Invalid(f"Unknown member id(s) in this organization: {', '.join(unknown[:5])}.")

    inserted = _insert_new_events(session, organization_id, events)
    resent = [event for event in events if event.event_id not in inserted]
    if resent:
        _check_resent_events_match(session, organization_id, resent)
    fresh = [event for event in events if event.event_id in inserted]
    if fresh:
        _fold_into_rollups(session, organization_id, fresh)
    return IngestResult(accepted=len(fresh), duplicates=len(resent))


EVENT_COLUMNS = (
    "organization_id",
    "event_id",
    "member_id",
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_hit_tokens",
    "cost_microdollars",
    "has_error",
    "latency_ms",
    "occurred_at",
)


def _insert_new_events(session: Session, organization_id: str, events: Sequence[UsageEventIn]) -> set[str]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the unique index itself tells which ids are new, whatever
    the planner's statistics say (a separate lookup of 5,000 ids went to a full scan on PostgreSQL)."""
    ordered = sorted(events, key=lambda e: e.event_id)  # one lock order for concurrent batches
    rows = [
        {
            "organization_id": organization_id,
            "event_id": e.event_id,
            "member_id": e.member_id,
            "model": e.model,
            "provider": e.provider,
            "input_tokens": e.input_tokens,
            "output_tokens": e.output_tokens,
            "cache_write_tokens": e.cache_write_tokens,
            "cache_hit_tokens": e.cache_hit_tokens,
            "cost_microdollars": e.cost_microdollars,
            "has_error": e.has_error,
            "latency_ms": e.latency_ms,
            "occurred_at": as_utc(e.occurred_at),
        }
        for e in ordered
    ]
    if session.get_bind().dialect.name == "sqlite":
        statement = (
            sqlite_insert(EVENTS)
            .on_conflict_do_nothing(index_elements=["organization_id", "event_id"])
            .returning(EVENTS.c.event_id)
        )
        return set(session.scalars(statement, rows))
    # PostgreSQL: one statement over arrays (unnest) instead of a many-VALUES text with 13 parameters a row,
    # which the driver re-parsed for every batch (half the ingest time).
    arrays = [
        bindparam(column, [row[column] for row in rows], type_=postgresql.ARRAY(EVENTS.c[column].type))
        for column in EVENT_COLUMNS
    ]
    source = select(*(func.unnest(array) for array in arrays))
    statement = (
        postgresql_insert(EVENTS)
        .from_select(list(EVENT_COLUMNS), source)
        .on_conflict_do_nothing(index_elements=["organization_id", "event_id"])
        .returning(EVENTS.c.event_id)
    )
    return set(session.scalars(statement))


def _check_resent_events_match(session: Session, organization_id: str, resent: Sequence[UsageEventIn]) -> None:
    stored = {
        row.event_id: _fingerprint(
            row.member_id, row.model, row.cost_microdollars, row.occurred_at, row.input_tokens + row.output_tokens
        )
        for row in session.execute(
            select(
                UsageEvent.event_id,
                UsageEvent.member_id,
                UsageEvent.model,
                UsageEvent.cost_microdollars,
                UsageEvent.occurred_at,
                UsageEvent.input_tokens,
                UsageEvent.output_tokens,
            ).where(
                UsageEvent.organization_id == organization_id, UsageEvent.event_id.in_([e.event_id for e in resent])
            )
        )
    }
    for event in resent:
        incoming = _fingerprint(
            event.member_id,
            event.model,
            event.cost_microdollars,
            event.occurred_at,
            event.input_tokens + event.output_tokens,
        )
        if stored.get(event.event_id) != incoming:
            raise Conflict(f"event_id {event.event_id!r} was already stored with different content.")


def _fold_into_rollups(session: Session, organization_id: str, events: Sequence[UsageEventIn]) -> None:
    by_model: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0] * 7)
    by_member: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0] * 5)
    by_latency: dict[tuple[date, str, int], int] = defaultdict(int)
    last_seen: dict[str, datetime] = {}
    total_cost = 0
    for e in events:
        day_utc = as_utc(e.occurred_at).date()
        errors = 1 if e.has_error else 0
        m = by_model[(day_utc, e.model, e.provider)]
        m[0] += 1
        m[1] += errors
        m[2] += e.input_tokens
        m[3] += e.output_tokens
        m[4] += e.cache_write_tokens
        m[5] += e.cache_hit_tokens
        m[6] += e.cost_microdollars
        u = by_member[(day_utc, e.member_id)]
        u[0] += 1
        u[1] += errors
        u[2] += e.input_tokens
        u[3] += e.output_tokens
        u[4] += e.cost_microdollars
        by_latency[(day_utc, e.model, latency_bucket(e.latency_ms))] += 1
        if e.member_id not in last_seen or e.occurred_at > last_seen[e.member_id]:
            last_seen[e.member_id] = e.occurred_at
        total_cost += e.cost_microdollars

    model_columns = (
        "requests",
        "errors",
        "input_tokens",
        "output_tokens",
        "cache_write_tokens",
        "cache_hit_tokens",
        "cost_microdollars",
    )
    _upsert_add(
        session,
        cast(Table, UsageDailyModel.__table__),
        [
            {
                "organization_id": organization_id,
                "day": day,
                "model": model,
                "provider": provider,
                **dict(zip(model_columns, sums, strict=True)),
            }
            for (day, model, provider), sums in by_model.items()
        ],
        keys=("organization_id", "day", "model", "provider"),
        summed=model_columns,
    )
    member_columns = ("requests", "errors", "input_tokens", "output_tokens", "cost_microdollars")
    _upsert_add(
        session,
        cast(Table, UsageDailyMember.__table__),
        [
            {
                "organization_id": organization_id,
                "day": day,
                "member_id": member_id,
                **dict(zip(member_columns, sums, strict=True)),
            }
            for (day, member_id), sums in by_member.items()
        ],
        keys=("organization_id", "day", "member_id"),
        summed=member_columns,
    )
    _upsert_add(
        session,
        cast(Table, UsageDailyLatency.__table__),
        [
            {"organization_id": organization_id, "day": day, "model": model, "bucket_ms": bucket, "requests": n}
            for (day, model, bucket), n in by_latency.items()
        ],
        keys=("organization_id", "day", "model", "bucket_ms"),
        summed=("requests",),
    )
    members = MEMBERS
    session.execute(
        update(members)
        .where(
            members.c.id == bindparam("member"),
            or_(members.c.last_activity_at.is_(None), members.c.last_activity_at < bindparam("seen")),
        )
        .values(last_activity_at=bindparam("seen")),
        [{"member": member_id, "seen": seen} for member_id, seen in sorted(last_seen.items())],
    )
    if total_cost:
        # One ledger debit per batch keeps the balance a plain sum without a row per request.
        billing.add_credit_entry(
            session,
            organization_id=organization_id,
            kind=CreditKind.USAGE,
            amount_microdollars=-total_cost,
            description=f"Usage, {len(events):,} requests",
            now=max(e.occurred_at for e in events),
        )


def _upsert_add(
    session: Session, table: Table, rows: list[dict[str, Any]], *, keys: Sequence[str], summed: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding the new sums to the stored ones (SQLite and PostgreSQL)."""
    if not rows:
        return
    # Every writer locks rollup rows in the same (key) order, so concurrent batches cannot deadlock.
    rows = sorted(rows, key=lambda row: tuple(str(row[k]) for k in keys))
    dialect = session.get_bind().dialect.name
    upsert = sqlite_insert(table) if dialect == "sqlite" else postgresql_insert(table)
    statement = upsert.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: table.c[column] + upsert.excluded[column] for column in summed},
    )
    session.execute(statement, rows)


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
