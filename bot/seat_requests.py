"""Seat requests and their approval, kept in the bot's database: who asked for how many seats, what was
decided, and every Slack message that shows the request (so each copy can be edited after a decision).

Exactly once: every decision is a conditional UPDATE (… WHERE status IN (…)) that one caller wins, on
SQLite and PostgreSQL alike; the loser reads who won instead of acting.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.store import BotBase
from kilo_db.types import UTCDateTime

REQUEST_LIFETIME = timedelta(hours=72)
# An approval whose process died between the claim and the backend's answer is released after this long;
# approving again replays the same idempotency key, so the seats still change once.
INTERRUPTED_AFTER = timedelta(minutes=10)
MAX_REASON_LENGTH = 500
MAX_NOTE_LENGTH = 500
REQUEST_ID_PATTERN = r"^sr_[0-9a-f]{16}$"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVING = "approving"
    APPROVED = "approved"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    FAILED = "failed"


# A failed approval changed nothing, so it can still be approved, denied, withdrawn or expire.
OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.FAILED)


class CopyKind(enum.StrEnum):
    APPROVERS = "approvers"  # the channel post or a DM to an Owner or Admin
    REQUESTER = "requester"  # the requester's own DM, with Withdraw


class SeatRequestRow(BotBase):
    __tablename__ = "seat_requests"
    __table_args__ = (
        Index("ix_seat_requests_team_status", "team_id", "status"),
        Index("ix_seat_requests_status_expiry", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[str] = mapped_column(String(40))
    requester_user_id: Mapped[str] = mapped_column(String(32))
    requester_name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)  # how many seats to add
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the denial's reason, or why the charge failed
    seats_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seats_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    charged_microdollars: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class SeatRequestMessage(BotBase):
    __tablename__ = "seat_request_messages"
    __table_args__ = (UniqueConstraint("channel_id", "ts", name="uq_seat_request_messages_channel_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("seat_requests.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))


class ApprovalChannel(BotBase):
    """Where a workspace's seat requests are posted (`/kilo approvals #channel`); none: DMs to approvers."""

    __tablename__ = "approval_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class MessageRef:
    channel_id: str
    ts: str
    kind: CopyKind


@dataclass(frozen=True)
class SeatRequest:
    id: str
    team_id: str
    organization_id: str
    requester_user_id: str
    requester_name: str
    seats: int
    reason: str | None
    status: RequestStatus
    created_at: datetime
    expires_at: datetime
    decided_by_user_id: str | None
    decided_at: datetime | None
    note: str | None
    seats_before: int | None
    seats_after: int | None
    charged_microdollars: int | None
    messages: tuple[MessageRef, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def idempotency_key(self) -> str:
        """The backend's key for this request's seat change. The same for every attempt: a failed attempt
        changed nothing (the backend rolls back), and one whose answer was lost (a timeout) is replayed,
        or refused if the seats differ since, but never made twice."""
        return f"slack-seat-request-{self.id}"


def new_request_id() -> str:
    return f"sr_{secrets.token_hex(8)}"


class SeatRequestStore:
    """Seat requests, their Slack copies and approval channels (sync; call via to_thread)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # --- requests ------------------------------------------------------------------------------

    def create(
        self,
        *,
        team_id: str,
        organization_id: str,
        requester_user_id: str,
        requester_name: str,
        seats: int,
        reason: str | None,
        now: datetime,
    ) -> SeatRequest:
        row = SeatRequestRow(
            id=new_request_id(),
            team_id=team_id,
            organization_id=organization_id,
            requester_user_id=requester_user_id,
            requester_name=requester_name[:200],
            seats=seats,
            reason=reason[:MAX_REASON_LENGTH] if reason else None,
            status=RequestStatus.PENDING,
            created_at=now,
            expires_at=now + REQUEST_LIFETIME,
        )
        with self.sessions.begin() as session:
            session.add(row)
        return _snapshot(row, [])

    def discard(self, request_id: str) -> None:
        """A request that could not be delivered to anyone is forgotten (its copies' buttons go stale)."""
        with self.sessions.begin() as session:
            row = session.get(SeatRequestRow, request_id)
            if row is not None:
                session.execute(delete(SeatRequestMessage).where(SeatRequestMessage.request_id == request_id))
                session.delete(row)

    def add_message(self, request_id: str, channel_id: str, ts: str, kind: CopyKind) -> None:
        with self.sessions.begin() as session:
            session.add(SeatRequestMessage(request_id=request_id, channel_id=channel_id, ts=ts, kind=kind))

    def get(self, request_id: str) -> SeatRequest | None:
        with self.sessions() as session:
            row = session.get(SeatRequestRow, request_id)
            return None if row is None else _snapshot(row, self._messages(session, request_id))

    def recent(self, team_id: str, organization_id: str, *, limit: int = 10) -> list[SeatRequest]:
        """Open requests first, then the latest decided ones."""
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(SeatRequestRow)
                    .where(SeatRequestRow.team_id == team_id, SeatRequestRow.organization_id == organization_id)
                    .order_by(SeatRequestRow.created_at.desc())
                    .limit(200)
                )
            )
        rows.sort(key=lambda row: row.status not in OPEN_STATUSES)  # stable: newest first within each group
        return [_snapshot(row, []) for row in rows[:limit]]

    def claim(
        self,
        request_id: str,
        *,
        to: RequestStatus,
        by_user_id: str | None,
        now: datetime,
        note: str | None = None,
        only_requester: bool = False,
    ) -> bool:
        """Move an open request to `to` if nobody else has: True for the one caller that wins."""
        statement = (
            update(SeatRequestRow)
            .where(SeatRequestRow.id == request_id, SeatRequestRow.status.in_(list(OPEN_STATUSES)))
            .values(
                status=to, decided_by_user_id=by_user_id, decided_at=now, note=note[:MAX_NOTE_LENGTH] if note else None
            )
        )
        if only_requester:
            statement = statement.where(SeatRequestRow.requester_user_id == by_user_id)
        with self.sessions.begin() as session:
            return _rows_changed(session.execute(statement)) == 1

    def release(self, request_id: str, by_user_id: str) -> None:
        """An approval that stopped before charging (the price changed, Kilo could not quote): open again."""
        with self.sessions.begin() as session:
            session.execute(
                update(SeatRequestRow)
                .where(
                    SeatRequestRow.id == request_id,
                    SeatRequestRow.status == RequestStatus.APPROVING,
                    SeatRequestRow.decided_by_user_id == by_user_id,
                )
                .values(status=RequestStatus.PENDING, decided_by_user_id=None, decided_at=None)
            )

    def approved(self, request_id: str, *, seats_before: int, seats_after: int, charged: int, now: datetime) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(SeatRequestRow)
                .where(SeatRequestRow.id == request_id, SeatRequestRow.status == RequestStatus.APPROVING)
                .values(
                    status=RequestStatus.APPROVED,
                    decided_at=now,
                    seats_before=seats_before,
                    seats_after=seats_after,
                    charged_microdollars=charged,
                    note=None,
                )
            )

    def failed(self, request_id: str, *, reason: str, now: datetime) -> None:
        """The approval did not go through: the request can be approved again once the cause is fixed."""
        with self.sessions.begin() as session:
            session.execute(
                update(SeatRequestRow)
                .where(SeatRequestRow.id == request_id, SeatRequestRow.status == RequestStatus.APPROVING)
                .values(status=RequestStatus.FAILED, decided_at=now, note=reason[:MAX_NOTE_LENGTH])
            )

    def expire(self, now: datetime) -> list[str]:
        """Open requests past their 72 hours become expired; approvals interrupted long ago become failed.

        Returns the ids of the requests that expired now (each once, whoever runs this concurrently)."""
        expired: list[str] = []
        with self.sessions() as session:
            due = list(
                session.scalars(
                    select(SeatRequestRow.id).where(
                        SeatRequestRow.status.in_(list(OPEN_STATUSES)), SeatRequestRow.expires_at <= now
                    )
                )
            )
        for request_id in due:
            if self.claim(request_id, to=RequestStatus.EXPIRED, by_user_id=None, now=now):
                expired.append(request_id)
        with self.sessions.begin() as session:
            session.execute(
                update(SeatRequestRow)
                .where(
                    SeatRequestRow.status == RequestStatus.APPROVING,
                    SeatRequestRow.decided_at <= now - INTERRUPTED_AFTER,
                )
                .values(status=RequestStatus.FAILED, note="The approval was interrupted; approve again.")
            )
        return expired

    @staticmethod
    def _messages(session: Session, request_id: str) -> list[SeatRequestMessage]:
        return list(
            session.scalars(
                select(SeatRequestMessage)
                .where(SeatRequestMessage.request_id == request_id)
                .order_by(SeatRequestMessage.id)
            )
        )

    # --- where requests go ---------------------------------------------------------------------

    def approval_channel(self, team_id: str) -> str | None:
        with self.sessions() as session:
            row = session.get(ApprovalChannel, team_id)
            return None if row is None else row.channel_id

    def set_approval_channel(self, team_id: str, channel_id: str | None, *, set_by: str, now: datetime) -> None:
        with self.sessions.begin() as session:
            row = session.get(ApprovalChannel, team_id)
            if channel_id is None:
                if row is not None:
                    session.delete(row)
                return
            row = row or ApprovalChannel(team_id=team_id)
            row.channel_id, row.set_by, row.set_at = channel_id, set_by, now
            session.add(row)


def _rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed (what makes a conditional update's one winner)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _snapshot(row: SeatRequestRow, messages: list[SeatRequestMessage]) -> SeatRequest:
    return SeatRequest(
        id=row.id,
        team_id=row.team_id,
        organization_id=row.organization_id,
        requester_user_id=row.requester_user_id,
        requester_name=row.requester_name,
        seats=row.seats,
        reason=row.reason,
        status=RequestStatus(row.status),
        created_at=row.created_at,
        expires_at=row.expires_at,
        decided_by_user_id=row.decided_by_user_id,
        decided_at=row.decided_at,
        note=row.note,
        seats_before=row.seats_before,
        seats_after=row.seats_after,
        charged_microdollars=row.charged_microdollars,
        messages=tuple(MessageRef(m.channel_id, m.ts, CopyKind(m.kind)) for m in messages),
    )
