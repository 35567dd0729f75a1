"""Who may do what: Owners and Admins manage; Members see their own usage and team totals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Member, MemberStatus, Role
from backend.services.errors import Forbidden

MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def find_actor(session: Session, organization_id: str, actor: str | None) -> Member | None:
    """The acting member, named by member id or email; None when no actor was given."""
    if not actor:
        return None
    column = Member.id if actor.startswith("mem_") else Member.email
    value = actor if actor.startswith("mem_") else actor.strip().lower()
    member = session.scalar(select(Member).where(Member.organization_id == organization_id, column == value))
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise Forbidden(f"{actor} is not an active member of this organization.")
    return member


def require_actor(actor: Member | None) -> Member:
    if actor is None:
        raise Forbidden("This action needs an acting member (X-Kilo-Actor header).")
    return actor


def require_manager(actor: Member | None) -> Member:
    member = require_actor(actor)
    if member.role not in MANAGER_ROLES:
        raise Forbidden("Only organization Owners and Admins can do this.")
    return member


def require_owner(actor: Member | None) -> Member:
    member = require_actor(actor)
    if member.role is not Role.OWNER:
        raise Forbidden("Only organization Owners can do this.")
    return member
