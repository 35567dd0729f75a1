"""The organization: its profile and seat usage, data policies, the audit log, and whoami."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session, sessionmaker

from backend.api.deps import ORGANIZATION_PATH, ORGANIZATION_REFUSALS, Context, Ctx, KeyOrganization, Limit, Offset
from backend.api.errors import refusals
from backend.services import access, audit, organizations
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)
whoami_router = APIRouter(responses=refusals(401, 503))


def _organization_out(session: Session, ctx: Context) -> schemas.OrganizationOut:
    organization = organizations.get_organization(session, ctx.organization_id)
    subscription = ctx.subscription(session, renew=False)  # a renewal keeps the seat count
    used = organizations.seats_used(session, ctx.organization_id, ctx.now)
    total = subscription.seat_count if subscription else 0
    return schemas.OrganizationOut(
        id=organization.id,
        name=organization.name,
        plan=organization.plan,
        created_at=organization.created_at,
        seats=schemas.SeatUsageOut(used=used, total=total, available=max(0, total - used)),
        members_by_role=organizations.members_by_role(session, ctx.organization_id, ctx.now),
        policies=schemas.PoliciesOut(
            code_training_opt_out=organization.code_training_opt_out,
            usage_analytics_enabled=organization.usage_analytics_enabled,
        ),
        purchase_url=organization.purchase_url,
    )


@router.get("", response_model=schemas.OrganizationOut)
def get_organization(ctx: Ctx) -> schemas.OrganizationOut:
    with ctx.transaction(write=False) as session:
        return _organization_out(session, ctx)


@router.patch("/policies", response_model=schemas.PoliciesOut, responses=refusals(403, 409))
def change_policies(ctx: Ctx, body: schemas.PolicyPatchIn) -> schemas.PoliciesOut:
    with ctx.transaction() as session:
        actor = access.require_manager(ctx.actor(session))
        organization = organizations.change_policies(
            session,
            organizations.get_organization(session, ctx.organization_id),
            organizations.PolicyChange(body.code_training_opt_out, body.usage_analytics_enabled),
            actor,
            ctx.now,
        )
        return schemas.PoliciesOut.model_validate(organization)


@router.get("/audit-log", response_model=list[schemas.AuditEntryOut], responses=refusals(403))
def audit_log(ctx: Ctx, limit: Limit = 50, offset: Offset = 0) -> list[schemas.AuditEntryOut]:
    with ctx.transaction(write=False) as session:
        access.require_manager(ctx.actor(session))
        entries = audit.list_entries(session, ctx.organization_id, limit=limit, offset=offset)
        return [schemas.AuditEntryOut.model_validate(entry) for entry in entries]


@whoami_router.get("/api/v1/whoami", response_model=schemas.WhoAmIOut)
def whoami(request: Request, organization_id: KeyOrganization) -> schemas.WhoAmIOut:
    """Which organization this API key belongs to: lets a client start from a URL and a key alone."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        organization = organizations.get_organization(session, organization_id)
        return schemas.WhoAmIOut(organization_id=organization.id, organization_name=organization.name)
