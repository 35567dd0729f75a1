"""The usage summary computed by scanning raw events: the reference the rollups are checked against.

Never used to answer the API (it reads every event of the period); tests and the benchmark use it to
prove the rollups give the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session

from backend.models import UsageEvent
from backend.services.usage_ingest import latency_bucket
from backend.services.usage_queries import (
    Counts,
    ModelTotals,
    Period,
    compose_summary,
    organization_created_day,
)
from backend.timeutil import as_utc, start_of_day
from kilo_api.schemas import UsageSummaryOut

ERRORS = func.sum(case((UsageEvent.has_error, 1), else_=0))


@dataclass(frozen=True)
class RawEvents:
    """The same questions as usage_queries.Rollups, answered from the raw events."""

    session: Session
    organization_id: str

    def _in(self, period: Period) -> Any:
        return (
            (UsageEvent.organization_id == self.organization_id)
            & (UsageEvent.occurred_at >= start_of_day(period.start))
            & (UsageEvent.occurred_at < start_of_day(period.end))
        )

    def _utc_date(self) -> Any:
        if self.session.get_bind().dialect.name == "sqlite":
            return func.date(UsageEvent.occurred_at)
        return cast(func.timezone("UTC", UsageEvent.occurred_at), Date)

    def since(self) -> date:
        created = organization_created_day(self.session, self.organization_id)
        first = self.session.scalar(
            select(func.min(UsageEvent.occurred_at)).where(UsageEvent.organization_id == self.organization_id)
        )
        return min(created, as_utc(first).date()) if first else created

    def model_totals(self, period: Period) -> list[ModelTotals]:
        rows = self.session.execute(
            select(
                UsageEvent.model,
                UsageEvent.provider,
                func.count(),
                ERRORS,
                func.sum(UsageEvent.input_tokens),
                func.sum(UsageEvent.output_tokens),
                func.sum(UsageEvent.cache_write_tokens),
                func.sum(UsageEvent.cache_hit_tokens),
                func.sum(UsageEvent.cost_microdollars),
            )
            .where(self._in(period))
            .group_by(UsageEvent.model, UsageEvent.provider)
        ).all()
        return [ModelTotals(model, provider, *(int(v or 0) for v in sums)) for model, provider, *sums in rows]

    def latency_histograms(self, period: Period) -> dict[str, list[tuple[int, int]]]:
        histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for model, latency, count in self.session.execute(
            select(UsageEvent.model, UsageEvent.latency_ms, func.count())
            .where(self._in(period))
            .group_by(UsageEvent.model, UsageEvent.latency_ms)
        ):
            histograms[model][latency_bucket(latency)] += count
        return {model: list(histogram.items()) for model, histogram in histograms.items()}

    def daily(self, days: Period) -> dict[date, Counts]:
        if days.days <= 0:
            return {}
        day = self._utc_date()
        rows = self.session.execute(
            select(day, func.count(), ERRORS, func.sum(UsageEvent.cost_microdollars))
            .where(self._in(days))
            .group_by(day)
        )
        return {
            (date.fromisoformat(d) if isinstance(d, str) else d): Counts(int(n), int(e), int(c)) for d, n, e, c in rows
        }

    def active_members(self, days: Period) -> int:
        return int(
            self.session.scalar(select(func.count(func.distinct(UsageEvent.member_id))).where(self._in(days))) or 0
        )


def summary_by_scan(session: Session, organization_id: str, period: Period, now: datetime) -> UsageSummaryOut:
    return compose_summary(RawEvents(session, organization_id), period, now)
