"""Members: the directory (filtered, paged), invitations against the seat count, roles, limits, removal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import ORGANIZATION_PATH, ORGANIZATION_REFUSALS, Ctx, Limit, Offset
from backend.api.errors import refusals
from backend.models import MemberStatus, Role
from backend.services import members
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)


@router.get("/members", response_model=schemas.MemberPageOut)
def list_members(
    ctx: Ctx,
    role: Role | None = None,
    status: MemberStatus | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.MemberPageOut:
    with ctx.transaction(write=False) as session:
        page = members.list_members(
            session,
            ctx.organization_id,
            now=ctx.now,
            role=role,
            status=status,
            query=q,
            email=email,
            limit=limit,
            offset=offset,
        )
        return schemas.MemberPageOut(
            members=[schemas.MemberOut.model_validate(m) for m in page.members],
            total=page.total,
            limit=limit,
            offset=offset,
        )


@router.post("/members", response_model=schemas.MemberOut, status_code=201, responses=refusals(403, 409))
def invite_member(ctx: Ctx, body: schemas.InviteIn) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.invite_member(
            session,
            organization_id=ctx.organization_id,
            subscription=ctx.required_subscription(session),
            email=str(body.email),
            name=body.name,
            role=body.role,
            actor=ctx.actor(session),
            now=ctx.now,
        )
        return schemas.MemberOut.model_validate(member)


@router.get("/members/{member_id}", response_model=schemas.MemberOut)
def get_member(ctx: Ctx, member_id: str) -> schemas.MemberOut:
    with ctx.transaction(write=False) as session:
        return schemas.MemberOut.model_validate(members.get_member(session, ctx.organization_id, member_id))


@router.patch("/members/{member_id}", response_model=schemas.MemberOut, responses=refusals(403, 409))
def change_member(ctx: Ctx, member_id: str, body: schemas.MemberPatchIn) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.get_member(session, ctx.organization_id, member_id)
        actor = ctx.actor(session)
        if body.role is not None:
            members.change_role(session, member, body.role, actor, ctx.now)
        if body.clear_daily_limit or body.daily_limit_microdollars is not None:
            limit = None if body.clear_daily_limit else body.daily_limit_microdollars
            members.change_daily_limit(session, member, limit, actor, ctx.now)
        return schemas.MemberOut.model_validate(member)


@router.delete("/members/{member_id}", response_model=schemas.MemberOut, responses=refusals(403, 409))
def remove_member(ctx: Ctx, member_id: str) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.get_member(session, ctx.organization_id, member_id)
        members.remove_member(session, member, ctx.actor(session), ctx.now)
        return schemas.MemberOut.model_validate(member)
