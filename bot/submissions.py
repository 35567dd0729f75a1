"""Exactly once per modal: the first submission of a view claims it in the bot's database and does the work;
a double submit, a retry from Slack or a second replica finds the claim and shows its outcome instead.

A claim is one row per (workspace, view id) won by an INSERT on that primary key, so one caller wins on
SQLite and on PostgreSQL alike. A failed submission releases its claim: fixing the form and submitting the
same view again is a new attempt. A claim left `working` by a process that died is taken over after
STALE_AFTER (the writes behind it carry idempotency keys or fail plainly when repeated). Work that has a
point of no return (a charge) records how far it got as the claim's `stage` first, so the caller that takes
over an abandoned claim finishes that job instead of starting another one.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.store import BotBase, BotStore
from kilo_db.types import UTCDateTime

STALE_AFTER = timedelta(minutes=2)


class SubmissionStatus(enum.StrEnum):
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


class ViewSubmission(BotBase):
    __tablename__ = "view_submissions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    view_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    callback_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    # the view the person was shown at the end (the result, or the form with the problem): what a
    # duplicate of this submission is answered with
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    # how far the work got (JSON, set by the work itself): what a takeover of an abandoned claim resumes from
    stage: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Claim:
    won: bool
    status: SubmissionStatus
    outcome: dict[str, Any] | None = None
    # the stage an earlier attempt at this view recorded (None: none did); the winner resumes from it
    stage: dict[str, Any] | None = None


class Submissions:
    """The claims, on the bot's store (blocking calls: run them in a thread from async code)."""

    def __init__(self, store: BotStore) -> None:
        self.store = store

    def claim(self, team_id: str, view_id: str, *, callback_id: str, user_id: str, now: datetime) -> Claim:
        try:
            with self.store.sessions.begin() as session:
                session.add(
                    ViewSubmission(
                        team_id=team_id,
                        view_id=view_id,
                        callback_id=callback_id,
                        user_id=user_id,
                        status=SubmissionStatus.WORKING,
                        created_at=now,
                        updated_at=now,
                    )
                )
            return Claim(won=True, status=SubmissionStatus.WORKING)
        except IntegrityError:
            pass
        taken = self._take_over(team_id, view_id, user_id, now)
        if taken is not None:
            return taken
        return self.state(team_id, view_id)

    def _take_over(self, team_id: str, view_id: str, user_id: str, now: datetime) -> Claim | None:
        """A failed claim, or one abandoned while working: the conditional update only one caller wins.
        The stage the earlier attempt recorded is kept and handed to the winner."""
        released = (ViewSubmission.status == SubmissionStatus.FAILED) | (
            (ViewSubmission.status == SubmissionStatus.WORKING) & (ViewSubmission.updated_at < now - STALE_AFTER)
        )
        with self.store.sessions.begin() as session:
            taken = session.execute(
                update(ViewSubmission)
                .where(ViewSubmission.team_id == team_id, ViewSubmission.view_id == view_id, released)
                .values(status=SubmissionStatus.WORKING, user_id=user_id, outcome=None, updated_at=now)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None
            stage = session.scalar(
                select(ViewSubmission.stage).where(ViewSubmission.team_id == team_id, ViewSubmission.view_id == view_id)
            )
        return Claim(won=True, status=SubmissionStatus.WORKING, stage=json.loads(stage) if stage else None)

    def record_stage(self, team_id: str, view_id: str, stage: dict[str, Any], *, now: datetime) -> None:
        """Note how far the work got, before a step that must not be done twice differently (a charge)."""
        with self.store.sessions.begin() as session:
            session.execute(
                update(ViewSubmission)
                .where(
                    ViewSubmission.team_id == team_id,
                    ViewSubmission.view_id == view_id,
                    ViewSubmission.status == SubmissionStatus.WORKING,
                )
                .values(stage=json.dumps(stage), updated_at=now)
            )

    def state(self, team_id: str, view_id: str) -> Claim:
        with self.store.sessions() as session:
            row = session.get(ViewSubmission, (team_id, view_id))
        if row is None:  # rows are never deleted; a free claim is what a missing one would mean
            return Claim(won=False, status=SubmissionStatus.FAILED)
        outcome = json.loads(row.outcome) if row.outcome else None
        stage = json.loads(row.stage) if row.stage else None
        return Claim(won=False, status=SubmissionStatus(row.status), outcome=outcome, stage=stage)

    def settle(self, team_id: str, view_id: str, *, done: bool, outcome: dict[str, Any], now: datetime) -> None:
        status = SubmissionStatus.DONE if done else SubmissionStatus.FAILED
        with self.store.sessions.begin() as session:
            session.execute(
                update(ViewSubmission)
                .where(ViewSubmission.team_id == team_id, ViewSubmission.view_id == view_id)
                .values(status=status, outcome=json.dumps(outcome), updated_at=now)
            )
