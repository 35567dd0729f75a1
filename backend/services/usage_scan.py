"""The usage summary computed by scanning raw events: the reference the rollups are checked against.

Never used to answer the API (it reads every event of the period); tests and the benchmark use it to
prove the rollups give the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session

from backend.models import UsageEvent
from backend.services.usage_ingest import latency_bucket
from backend.services.usage_queries import (
    ModelTotals,
    Period,
    compose_summary,
    fold_months,
    median_latency_ms,
    trend_months,
    zero_filled_days,
)
from backend.timeutil import start_of_day
from kilo_api.schemas import DayUsageOut, MonthUsageOut, UsageSummaryOut


def _in_period(period: Period) -> Any:
    return (UsageEvent.occurred_at >= start_of_day(period.start)) & (UsageEvent.occurred_at < start_of_day(period.end))


def _utc_date(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(UsageEvent.occurred_at)
    return cast(func.timezone("UTC", UsageEvent.occurred_at), Date)


def summary_by_scan(session: Session, organization_id: str, period: Period, today: date) -> UsageSummaryOut:
    mine = UsageEvent.organization_id == organization_id
    error = func.sum(case((UsageEvent.has_error, 1), else_=0))
    rows = session.execute(
        select(
            UsageEvent.model,
            UsageEvent.provider,
            func.count(),
            error,
            func.sum(UsageEvent.input_tokens),
            func.sum(UsageEvent.output_tokens),
            func.sum(UsageEvent.cache_write_tokens),
            func.sum(UsageEvent.cache_hit_tokens),
            func.sum(UsageEvent.cost_microdollars),
        )
        .where(mine, _in_period(period))
        .group_by(UsageEvent.model, UsageEvent.provider)
    ).all()
    histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for model, latency, count in session.execute(
        select(UsageEvent.model, UsageEvent.latency_ms, func.count())
        .where(mine, _in_period(period))
        .group_by(UsageEvent.model, UsageEvent.latency_ms)
    ):
        histograms[model][latency_bucket(latency)] += count
    elapsed = period.elapsed(today)
    last_day = elapsed.end - timedelta(days=1)
    active = (
        session.scalar(
            select(func.count(func.distinct(UsageEvent.member_id))).where(
                mine, _in_period(Period(last_day - timedelta(days=6), last_day + timedelta(days=1)))
            )
        )
        or 0
    )
    return compose_summary(
        period,
        elapsed,
        [ModelTotals(model, provider, *(int(v or 0) for v in sums)) for model, provider, *sums in rows],
        medians={model: median_latency_ms(h.items()) for model, h in histograms.items()},
        daily=_daily(session, organization_id, elapsed),
        previous_daily=_daily(session, organization_id, elapsed.previous()),
        active_users_7d=int(active),
        months=_months(session, organization_id, last_day),
    )


def _daily_sums(session: Session, organization_id: str, period: Period) -> dict[date, tuple[int, int, int]]:
    day = _utc_date(session)
    rows = session.execute(
        select(
            day,
            func.count(),
            func.sum(case((UsageEvent.has_error, 1), else_=0)),
            func.sum(UsageEvent.cost_microdollars),
        )
        .where(UsageEvent.organization_id == organization_id, _in_period(period))
        .group_by(day)
    )
    return {(date.fromisoformat(d) if isinstance(d, str) else d): (int(n), int(e), int(c)) for d, n, e, c in rows}


def _daily(session: Session, organization_id: str, period: Period) -> list[DayUsageOut]:
    return zero_filled_days(period, _daily_sums(session, organization_id, period))


def _months(session: Session, organization_id: str, last_day: date) -> list[MonthUsageOut]:
    months = trend_months(last_day)
    return fold_months(months, _daily(session, organization_id, months))
