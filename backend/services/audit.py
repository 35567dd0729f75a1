"""The audit trail: every change to an organization, with actor, time, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditAction, AuditLog, Member


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
