"""The audit trail: every change to an organization, with actor, time, before and after, and the client it came
from (the API names the client of each request's unit of work with `made_by`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditAction, AuditLog, Member
from kilo_api.enums import KnownClient

# Where the request's client is kept on its Session: the origin belongs to the unit of work, not to each rule
# that records a change, so the services need not pass it along.
CLIENT_INFO_KEY = "kilo.audit.client"
API_CLIENT = KnownClient.API.value  # a request that named no client


def made_by(session: Session, client: str | None) -> None:
    """Every change recorded in this session came from `client` (the X-Kilo-Client header), else the plain API."""
    session.info[CLIENT_INFO_KEY] = client or API_CLIENT


def record(
    session: Session,
    *,
    organization_id: str,
    actor: Member | None,
    action: AuditAction,
    target: str,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            organization_id=organization_id,
            actor_member_id=actor.id if actor else None,
            action=action,
            target=target,
            before=before,
            after=after,
            created_at=now,
            # What Kilo does by itself (renewals) has no client, whichever request happened to trigger it.
            client=session.info.get(CLIENT_INFO_KEY) if actor is not None else None,
        )
    )


def list_entries(session: Session, organization_id: str, *, limit: int, offset: int) -> list[AuditLog]:
    statement = (
        select(AuditLog)
        .where(AuditLog.organization_id == organization_id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(statement))
