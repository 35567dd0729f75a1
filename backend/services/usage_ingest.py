"""Usage ingest: idempotent batches of events, folded into the daily rollups in the same transaction.

The rollups (per day × model, per day × member, per day × model × latency bucket) are what every usage
question reads (usage_queries.py), so a 90-day question costs the same with 5 or 5 million events.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
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
from backend.services import credits
from backend.services.errors import Conflict, Invalid
from backend.timeutil import as_utc
from kilo_api.schemas import (
    UsageEventIn,
)

EVENTS = cast(Table, UsageEvent.__table__)
MEMBERS = cast(Table, Member.__table__)
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


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def ingest(session: Session, organization_id: str, events: Sequence[UsageEventIn], now: datetime) -> IngestResult:
    """Store new events and fold them into the rollups; resent event ids are skipped, not doubled."""
    ids = [event.event_id for event in events]
    repeated = [event_id for event_id, count in Counter(ids).items() if count > 1]
    if repeated:
        raise Invalid(f"event_id {repeated[0]!r} appears more than once in this batch.")
    for event in events:
        if event.occurred_at > now + LATEST_EVENT_SKEW:
            raise Invalid(
                f"event {event.event_id!r}: occurred_at is in the future ({_iso(event.occurred_at)}; "
                f"the backend's time is {_iso(now)})."
            )
        if event.occurred_at < now - EARLIEST_EVENT_AGE:
            raise Invalid(f"event {event.event_id!r}: occurred_at is more than {EARLIEST_EVENT_AGE.days} days ago.")

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
        credits.add_credit_entry(
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
