"""Claims on the rows that stand for one post (a digest delivery, an alert episode): the columns both tables
share and the conditional UPDATEs through which exactly one process holds, refreshes, finishes or takes
over a claim, on SQLite and PostgreSQL alike.

A claim is held while the row's `claim_token` is the holder's: every change is an UPDATE conditional on
the token and the "claimed" status, so a process whose claim was taken over changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Integer, String, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kilo_db.types import UTCDateTime

CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this was left by a process that died
MAX_ATTEMPTS = 5
RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=45))
# The words DeliveryStatus and EpisodeStatus share for a claim under way and a post that failed.
CLAIMED, FAILED = "claimed", "failed"


def rows_changed(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed ones (None: give up)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1]


def new_token() -> str:
    return secrets.token_hex(8)


class ClaimColumns:
    """The columns of a claimable row, mixed into digest_deliveries and alert_episodes."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    claim_token: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)


Row = TypeVar("Row", bound=ClaimColumns)


class Claims(Generic[Row]):
    """The claim logic of one table of claimable rows. Writes go through `writers` (on SQLite each of their
    transactions takes the write lock when it begins, so a read-then-update cannot interleave)."""

    def __init__(self, writers: sessionmaker[Session], table: type[Row]) -> None:
        self.writers = writers
        self.table = table

    def takeable(self, now: datetime) -> ColumnElement[bool]:
        """Rows another process may claim now: a failed post due for its retry, or a claim whose process died."""
        table = self.table
        return ((table.status == FAILED) & (table.next_attempt_at <= now)) | (
            (table.status == CLAIMED) & (table.claimed_at <= now - CLAIM_TIMEOUT)
        )

    def take_over(self, session: Session, row: Row, token: str, now: datetime) -> int | None:
        """Claim `row`, read in `session`'s transaction, if it is takeable: the new claim's attempt number,
        or None. Conditional on the token read: of two processes taking over at once, one changes the row."""
        attempts = row.attempts + 1  # read before the UPDATE, which refreshes `row` in the session
        result = session.execute(
            update(self.table)
            .where(self.table.id == row.id, self.table.claim_token == row.claim_token, self.takeable(now))
            .values(status=CLAIMED, claim_token=token, claimed_at=now, attempts=attempts, next_attempt_at=None)
        )
        return attempts if rows_changed(result) == 1 else None

    def update(self, row_id: int, token: str, **values: object) -> bool:
        """Change a row this claim still holds; False (and nothing changed) if another process took it over."""
        with self.writers.begin() as session:
            result = session.execute(
                update(self.table)
                .where(self.table.id == row_id, self.table.claim_token == token, self.table.status == CLAIMED)
                .values(**values)
            )
            return rows_changed(result) == 1

    def still_held(self, row_id: int, token: str, now: datetime) -> bool:
        """Refresh the claim right before posting; False if another process took it over meanwhile."""
        return self.update(row_id, token, claimed_at=now)

    def mark_failed(self, row_id: int, token: str, reason: str, next_attempt_at: datetime | None) -> bool:
        """The post failed: tried again at `next_attempt_at` by whichever process claims it then (None: not
        again by itself)."""
        return self.update(row_id, token, status=FAILED, error=reason[:500], next_attempt_at=next_attempt_at)
