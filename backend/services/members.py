"""Members of an organization: invitations against the seat count, roles, removal, daily limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from backend.models import AuditAction, Member, MemberStatus, Organization, Role, Subscription
from backend.services import audit, subscriptions
from backend.services.access import require_manager
from backend.services.errors import Conflict, Forbidden, Invalid, NotFound, SeatLimitReached
from backend.services.organizations import seat_holding_filter, seats_used
from kilo_api.limits import MAX_DAILY_LIMIT_MICRODOLLARS

INVITE_VALIDITY = timedelta(days=7)
MAX_DAILY_LIMIT = MAX_DAILY_LIMIT_MICRODOLLARS  # $1,000,000 a day


@dataclass(frozen=True)
class MemberPage:
    members: list[Member]
    total: int


# Owners, then Admins, then Members: roles are stored as text, whose alphabetical order would put Owners last.
ROLE_RANK = case((Member.role == Role.OWNER, 0), (Member.role == Role.ADMIN, 1), else_=2)


def list_members(
    session: Session,
    organization_id: str,
    *,
    now: datetime,
    role: Role | None = None,
    status: MemberStatus | None = None,
    query: str | None = None,
    email: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> MemberPage:
    conditions = [Member.organization_id == organization_id]
    if role is not None:
        conditions.append(Member.role == role)
    if status is not None:
        conditions.append(Member.status == status)
    else:
        conditions.append(seat_holding_filter(now))  # type: ignore[arg-type]
    if email:
        conditions.append(Member.email == email.strip().lower())
    if query:
        pattern = f"%{query.strip().lower()}%"
        conditions.append(or_(func.lower(Member.name).like(pattern), Member.email.like(pattern)))
    total = session.scalar(select(func.count()).select_from(Member).where(*conditions)) or 0
    members = session.scalars(
        select(Member)
        .where(*conditions)
        .order_by(ROLE_RANK, func.lower(Member.name), Member.email)
        .limit(limit)
        .offset(offset)
    )
    return MemberPage(members=list(members), total=total)


def get_member(session: Session, organization_id: str, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.organization_id != organization_id:
        raise NotFound("No such member.")
    return member


def invite_member(
    session: Session,
    *,
    organization_id: str,
    subscription: Subscription,
    email: str,
    name: str | None,
    role: Role,
    actor: Member | None,
    now: datetime,
) -> Member:
    inviter = require_manager(actor)
    if role is Role.OWNER and inviter.role is not Role.OWNER:
        raise Forbidden("Only Owners can invite another Owner.")
    subscriptions.lock(session, subscription)  # two invites for the last seat: one of them waits, then is refused
    email = email.strip().lower()
    existing = session.scalar(select(Member).where(Member.organization_id == organization_id, Member.email == email))
    holds_seat = existing is not None and (
        existing.status is MemberStatus.ACTIVE
        or (existing.status is MemberStatus.INVITED and _invite_valid(existing, now))
    )
    if existing is not None and holds_seat:
        state = "already a member" if existing.status is MemberStatus.ACTIVE else "already invited"
        raise Conflict(f"{email} is {state}.")
    used = seats_used(session, organization_id, now)
    if used >= subscription.seat_count:
        raise SeatLimitReached(
            f"All {subscription.seat_count} seats are in use ({used} of {subscription.seat_count}). "
            "Add seats before inviting more members."
        )
    member = existing or Member(organization_id=organization_id, email=email)
    member.name = (name or "").strip() or email.split("@", 1)[0]
    member.role = role
    member.status = MemberStatus.INVITED
    member.invited_at = now
    member.invite_expires_at = now + INVITE_VALIDITY
    member.removed_at = None
    member.joined_at = None
    session.add(member)
    session.flush()
    audit.record(
        session,
        organization_id=organization_id,
        actor=inviter,
        action=AuditAction.MEMBER_INVITE,
        target=member.id,
        now=now,
        after={"email": email, "role": role.value, "expires_at": member.invite_expires_at.isoformat()},
    )
    return member


def _invite_valid(member: Member, now: datetime) -> bool:
    return member.invite_expires_at is not None and member.invite_expires_at > now


def accept_invite(session: Session, member: Member, now: datetime) -> Member:
    if member.status is not MemberStatus.INVITED or not _invite_valid(member, now):
        raise Conflict("This invitation is no longer valid.")
    member.status = MemberStatus.ACTIVE
    member.joined_at = now
    member.invite_expires_at = None
    audit.record(
        session,
        organization_id=member.organization_id,
        actor=member,
        action=AuditAction.MEMBER_ACCEPT_INVITE,
        target=member.id,
        now=now,
    )
    return member


def _owner_count(session: Session, organization_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Member.organization_id == organization_id,
                Member.role == Role.OWNER,
                Member.status == MemberStatus.ACTIVE,
            )
        )
        or 0
    )


def _keep_an_owner(session: Session, member: Member) -> None:
    """Refuse to take away the organization's last active Owner."""
    if member.role is Role.OWNER and _owner_count(session, member.organization_id) <= 1:
        raise Conflict("An organization needs at least one Owner; make someone else Owner first.")


def _lock_membership(session: Session, member: Member, actor: Member | None) -> Member:
    """Take the organization's row lock, then re-read the member and the actor: two Owners removing or
    demoting each other at the same instant are decided one after the other, so one Owner always stays.
    (SQLite writers hold the database lock already; PostgreSQL needs the row lock.)"""
    # FOR NO KEY UPDATE: rows that merely reference the organization (usage, invoices) can still be inserted.
    organization = select(Organization.id).where(Organization.id == member.organization_id)
    session.execute(organization.with_for_update(key_share=True))
    session.refresh(member)
    if actor is not None:
        session.refresh(actor)
        if actor.status is not MemberStatus.ACTIVE:
            raise Forbidden(f"{actor.email} is no longer an active member of this organization.")
    return require_manager(actor)


def remove_member(session: Session, member: Member, actor: Member | None, now: datetime) -> Member:
    require_manager(actor)
    remover = _lock_membership(session, member, actor)
    if member.status is MemberStatus.REMOVED:
        raise Conflict(f"{member.email} was already removed.")
    if member.role is Role.OWNER and remover.role is not Role.OWNER:
        raise Forbidden("Only Owners can remove an Owner.")
    if member.status is MemberStatus.ACTIVE:
        _keep_an_owner(session, member)
    before = {"status": member.status.value}
    member.status = MemberStatus.REMOVED
    member.removed_at = now
    member.invite_expires_at = None
    audit.record(
        session,
        organization_id=member.organization_id,
        actor=remover,
        action=AuditAction.MEMBER_REMOVE,
        target=member.id,
        now=now,
        before=before,
        after={"status": member.status.value},
    )
    return member


def change_role(session: Session, member: Member, role: Role, actor: Member | None, now: datetime) -> Member:
    require_manager(actor)
    changer = _lock_membership(session, member, actor)
    if member.status is MemberStatus.REMOVED:
        raise Conflict(f"{member.email} was removed from the organization.")
    if Role.OWNER in (role, member.role) and changer.role is not Role.OWNER:
        raise Forbidden("Only Owners can grant or take away the Owner role.")
    if member.role is role:
        return member
    _keep_an_owner(session, member)
    before = {"role": member.role.value}
    member.role = role
    audit.record(
        session,
        organization_id=member.organization_id,
        actor=changer,
        action=AuditAction.MEMBER_CHANGE_ROLE,
        target=member.id,
        now=now,
        before=before,
        after={"role": role.value},
    )
    return member


def change_daily_limit(
    session: Session, member: Member, limit_microdollars: int | None, actor: Member | None, now: datetime
) -> Member:
    changer = require_manager(actor)
    if limit_microdollars is not None and not 0 <= limit_microdollars <= MAX_DAILY_LIMIT:
        raise Invalid("A daily limit must be between $0 and $1,000,000.")
    before = {"daily_limit_microdollars": member.daily_limit_microdollars}
    member.daily_limit_microdollars = limit_microdollars
    audit.record(
        session,
        organization_id=member.organization_id,
        actor=changer,
        action=AuditAction.MEMBER_CHANGE_LIMIT,
        target=member.id,
        now=now,
        before=before,
        after={"daily_limit_microdollars": limit_microdollars},
    )
    return member
