"""Usage: event ingest, the team summary, per-member figures (Owners and Admins) and a member's own."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import ORGANIZATION_PATH, ORGANIZATION_REFUSALS, Ctx
from backend.api.errors import refusals
from backend.services import access, members, usage_ingest, usage_queries
from backend.services.errors import Forbidden
from backend.services.usage_queries import PeriodName
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)
_RANGE = f"between {usage_queries.EARLIEST_DATE} and {usage_queries.LATEST_DATE}; give both start and end, or neither"
Start = Annotated[date | None, Query(description=f"First day of an explicit period, {_RANGE}.")]
End = Annotated[date | None, Query(description=f"Day after the last one (exclusive), {_RANGE}.")]


@router.post("/usage/events", response_model=schemas.IngestOut, responses=refusals(409))
def ingest_usage(ctx: Ctx, body: schemas.UsageBatchIn) -> schemas.IngestOut:
    # Concurrent batches with the same event ids are safe: ON CONFLICT DO NOTHING counts them as resent.
    with ctx.transaction() as session:
        result = usage_ingest.ingest(session, ctx.organization_id, body.events, ctx.now)
    return schemas.IngestOut(accepted=result.accepted, duplicates=result.duplicates)


@router.get("/usage/summary", response_model=schemas.UsageSummaryOut)
def usage_summary(
    ctx: Ctx, period: PeriodName | None = None, start: Start = None, end: End = None
) -> schemas.UsageSummaryOut:
    with ctx.transaction(write=False) as session:
        chosen = usage_queries.choose_period(session, ctx.organization_id, ctx.now, name=period, start=start, end=end)
        return usage_queries.summary(session, ctx.organization_id, chosen, ctx.now)


@router.get("/usage/members", response_model=schemas.MemberUsagePageOut, responses=refusals(403))
def usage_by_member(
    ctx: Ctx, period: PeriodName | None = None, start: Start = None, end: End = None
) -> schemas.MemberUsagePageOut:
    with ctx.transaction(write=False) as session:
        access.require_manager(ctx.actor(session))
        chosen = usage_queries.choose_period(session, ctx.organization_id, ctx.now, name=period, start=start, end=end)
        return usage_queries.member_usage(session, ctx.organization_id, chosen, ctx.now)


@router.get("/usage/members/{member_id}", response_model=schemas.MyUsageOut, responses=refusals(403))
def usage_of_member(
    ctx: Ctx,
    member_id: str,
    period: PeriodName | None = None,
    start: Start = None,
    end: End = None,
) -> schemas.MyUsageOut:
    with ctx.transaction(write=False) as session:
        actor = access.require_actor(ctx.actor(session))
        member = members.get_member(session, ctx.organization_id, member_id)
        if member.id != actor.id and actor.role not in access.MANAGER_ROLES:
            raise Forbidden("Members can see their own usage only; Owners and Admins can see everyone's.")
        chosen = usage_queries.choose_period(session, ctx.organization_id, ctx.now, name=period, start=start, end=end)
        return usage_queries.my_usage(session, ctx.organization_id, member.id, chosen, ctx.now)


@router.get("/usage/daily-models", response_model=schemas.DailyModelUsageOut)
def daily_model_usage(ctx: Ctx, start: date, end: date) -> schemas.DailyModelUsageOut:
    """Team totals per UTC day and model (what digests chart); no per-person data, so for every member."""
    with ctx.transaction(write=False) as session:
        period = usage_queries.check_period(usage_queries.Period(start, end))
        return usage_queries.daily_model_usage(session, ctx.organization_id, period)


@router.get("/usage/seat-activity", response_model=schemas.SeatActivityOut)
def seat_activity(ctx: Ctx, idle_days: Annotated[int, Query(ge=1, le=365)] = 14) -> schemas.SeatActivityOut:
    """How many seats are held, and how many of them saw no request in `idle_days` (counts, no names)."""
    with ctx.transaction(write=False) as session:
        return usage_queries.seat_activity(session, ctx.organization_id, ctx.now, idle_days)
