"""Organizations, their API keys, policies and seat usage."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    ApiKey,
    AuditAction,
    Member,
    MemberStatus,
    Organization,
    Role,
)
from backend.services import audit
from backend.services.errors import NotFound

API_KEY_PREFIX = "kilo_sk_"


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_api_key(session: Session, organization_id: str, now: datetime) -> str:
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            organization_id=organization_id,
            key_hash=hash_api_key(plaintext),
            prefix=plaintext[:12],
            created_at=now,
        )
    )
    return plaintext


def organization_for_key(session: Session, plaintext: str) -> str | None:
    """The organization id a bearer key belongs to, or None for a wrong or revoked key."""
    return session.scalar(
        select(ApiKey.organization_id).where(ApiKey.key_hash == hash_api_key(plaintext), ApiKey.revoked_at.is_(None))
    )


def create_organization(
    session: Session,
    *,
    name: str,
    owner_name: str,
    owner_email: str,
    now: datetime,
    organization_id: str | None = None,
) -> tuple[Organization, Member, str]:
    """A new organization with its first Owner and an API key (returned once, in plaintext)."""
    organization = Organization(name=name, created_at=now, code_training_opt_out=True)
    if organization_id:
        organization.id = organization_id
    session.add(organization)
    session.flush()
    owner = Member(
        organization_id=organization.id,
        name=owner_name,
        email=owner_email.lower(),
        role=Role.OWNER,
        status=MemberStatus.ACTIVE,
        joined_at=now,
    )
    session.add(owner)
    session.flush()
    audit.record(
        session,
        organization_id=organization.id,
        actor=owner,
        action=AuditAction.ORGANIZATION_CREATE,
        target=organization.id,
        now=now,
        after={"name": name},
    )
    key = issue_api_key(session, organization.id, now)
    audit.record(
        session,
        organization_id=organization.id,
        actor=owner,
        action=AuditAction.API_KEY_CREATE,
        target=key[:12],
        now=now,
    )
    return organization, owner, key


def get_organization(session: Session, organization_id: str) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def seat_holding_filter(now: datetime) -> object:
    """Members who hold a seat: active ones, and invited ones whose invitation has not expired."""
    return or_(
        Member.status == MemberStatus.ACTIVE,
        (Member.status == MemberStatus.INVITED) & (Member.invite_expires_at > now),
    )


def seats_used(session: Session, organization_id: str, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.organization_id == organization_id, seat_holding_filter(now))  # type: ignore[arg-type]
        )
        or 0
    )


def members_by_role(session: Session, organization_id: str, now: datetime) -> dict[str, int]:
    rows = session.execute(
        select(Member.role, func.count())
        .where(Member.organization_id == organization_id, seat_holding_filter(now))  # type: ignore[arg-type]
        .group_by(Member.role)
    ).all()
    counts = {role.value: 0 for role in Role}
    for role, count in rows:
        counts[Role(role).value] = count
    return counts


@dataclass(frozen=True)
class PolicyChange:
    code_training_opt_out: bool | None = None
    usage_analytics_enabled: bool | None = None


def change_policies(
    session: Session, organization: Organization, change: PolicyChange, actor: Member, now: datetime
) -> Organization:
    before = {
        "code_training_opt_out": organization.code_training_opt_out,
        "usage_analytics_enabled": organization.usage_analytics_enabled,
    }
    if change.code_training_opt_out is not None:
        organization.code_training_opt_out = change.code_training_opt_out
    if change.usage_analytics_enabled is not None:
        organization.usage_analytics_enabled = change.usage_analytics_enabled
    after = {
        "code_training_opt_out": organization.code_training_opt_out,
        "usage_analytics_enabled": organization.usage_analytics_enabled,
    }
    if after != before:
        audit.record(
            session,
            organization_id=organization.id,
            actor=actor,
            action=AuditAction.ORGANIZATION_POLICY_CHANGE,
            target=organization.id,
            now=now,
            before=before,
            after=after,
        )
    return organization
