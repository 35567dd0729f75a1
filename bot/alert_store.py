"""Spend, credit and seat alert rules and their episodes in the bot's database.

An episode is one stretch of time a rule's condition holds for one subject (the organization's credits,
a day's spend, a member's day). Its row, unique on (rule, subject, sequence), is claimed before the alert
is posted, so every replica's tick fires it once; it is edited to "resolved" once the condition clears.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.deliveries import ClaimColumns, Claims, new_token, retry_at, rows_changed
from bot.digest_shapes import AlertKind, AlertRule, Episode, EpisodeClaim, EpisodeStatus, RuleRequest
from bot.store import BotBase, BotStore
from kilo_db.engine import writing
from kilo_db.types import UTCDateTime


class AlertRuleRow(BotBase):
    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("team_id", "kind", name="uq_alert_rules_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))  # a channel, or a user id for a direct message
    created_by: Mapped[str] = mapped_column(String(32))
    actor_email: Mapped[str] = mapped_column(String(320))  # per-member limits are read as this manager
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    snoozed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Paused while its channel is archived, gone or closed to the bot; saving the alerts again resumes it.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertEpisodeRow(ClaimColumns, BotBase):
    __tablename__ = "alert_episodes"
    __table_args__ = (UniqueConstraint("rule_id", "subject", "sequence", name="uq_alert_episodes_sequence"),)

    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution_posted: Mapped[bool] = mapped_column(Boolean, default=False)
    figures: Mapped[str] = mapped_column(Text)  # JSON: the numbers the alert showed


def _rule(row: AlertRuleRow) -> AlertRule:
    return AlertRule(
        row.id,
        row.team_id,
        AlertKind(row.kind),
        row.threshold,
        row.channel_id,
        row.created_by,
        row.actor_email,
        row.snoozed_until,
        row.snoozed_by,
        row.paused_at,
        row.paused_reason,
    )


def _episode(row: AlertEpisodeRow) -> Episode:
    return Episode(
        row.id,
        row.rule_id,
        row.subject,
        row.sequence,
        EpisodeStatus(row.status),
        row.attempts,
        row.opened_at,
        row.resolved_at,
        row.resolution_posted,
        row.channel_id,
        row.message_ts,
        json.loads(row.figures),
    )


UNRESOLVED = (EpisodeStatus.CLAIMED.value, EpisodeStatus.OPEN.value, EpisodeStatus.FAILED.value)


class AlertStore:
    def __init__(self, store: BotStore) -> None:
        self.sessions = store.sessions
        self.writers: sessionmaker[Session] = sessionmaker(writing(store.engine), expire_on_commit=False)
        self.claims = Claims(self.writers, AlertEpisodeRow)

    # --- rules -----------------------------------------------------------------------------------

    def rules(self, team_id: str | None = None) -> list[AlertRule]:
        statement = select(AlertRuleRow).order_by(AlertRuleRow.team_id, AlertRuleRow.id)
        if team_id is not None:
            statement = statement.where(AlertRuleRow.team_id == team_id)
        with self.sessions() as session:
            return [_rule(row) for row in session.scalars(statement)]

    def rule(self, rule_id: int) -> AlertRule | None:
        with self.sessions() as session:
            row = session.get(AlertRuleRow, rule_id)
            return None if row is None else _rule(row)

    def replace_rules(
        self,
        team_id: str,
        requests: list[RuleRequest],
        *,
        channel_id: str,
        created_by: str,
        actor_email: str,
        now: datetime,
    ) -> list[AlertRule]:
        """The workspace's rules become exactly `requests` (kinds left out are removed with their episodes);
        a kept rule keeps its snooze and its open episodes. Saving resumes paused rules: an alert whose post
        was given up when the channel became unusable is tried again at the next tick."""
        wanted = {request.kind.value: request for request in requests}
        with self.writers.begin() as session:
            existing = {
                row.kind: row for row in session.scalars(select(AlertRuleRow).where(AlertRuleRow.team_id == team_id))
            }
            for kind, row in existing.items():
                if kind not in wanted:
                    session.execute(delete(AlertEpisodeRow).where(AlertEpisodeRow.rule_id == row.id))
                    session.delete(row)
            for kind, request in wanted.items():
                row = existing.get(kind) or AlertRuleRow(team_id=team_id, kind=kind)
                row.threshold = request.threshold
                row.channel_id = channel_id
                row.created_by = created_by
                row.actor_email = actor_email
                row.updated_at = now
                if row.paused_at is not None:
                    row.paused_at, row.paused_reason = None, None
                    if row.id is not None:
                        session.execute(
                            update(AlertEpisodeRow)
                            .where(
                                AlertEpisodeRow.rule_id == row.id,
                                AlertEpisodeRow.status == EpisodeStatus.FAILED.value,
                                AlertEpisodeRow.next_attempt_at.is_(None),
                            )
                            .values(next_attempt_at=now, attempts=0)
                        )
                session.add(row)
        return self.rules(team_id)

    def pause(self, team_id: str, channel_id: str, reason: str, now: datetime) -> list[AlertRule]:
        """Pause the workspace's rules that post to `channel_id`, in one conditional UPDATE: the caller that
        changed them gets them back (and tells the setter), every concurrent caller gets an empty list."""
        with self.writers.begin() as session:
            result = session.execute(
                update(AlertRuleRow)
                .where(
                    AlertRuleRow.team_id == team_id,
                    AlertRuleRow.channel_id == channel_id,
                    AlertRuleRow.paused_at.is_(None),
                )
                .values(paused_at=now, paused_reason=reason[:64])
            )
            if rows_changed(result) == 0:
                return []
        return [rule for rule in self.rules(team_id) if rule.channel_id == channel_id and rule.paused]

    def snooze(self, rule_id: int, until: datetime, by: str) -> AlertRule | None:
        with self.writers.begin() as session:
            session.execute(
                update(AlertRuleRow).where(AlertRuleRow.id == rule_id).values(snoozed_until=until, snoozed_by=by)
            )
        return self.rule(rule_id)

    # --- episodes --------------------------------------------------------------------------------

    def episodes(self, rule_id: int | None = None) -> list[Episode]:
        statement = select(AlertEpisodeRow).order_by(AlertEpisodeRow.id)
        if rule_id is not None:
            statement = statement.where(AlertEpisodeRow.rule_id == rule_id)
        with self.sessions() as session:
            return [_episode(row) for row in session.scalars(statement)]

    def episode(self, episode_id: int) -> Episode | None:
        with self.sessions() as session:
            row = session.get(AlertEpisodeRow, episode_id)
            return None if row is None else _episode(row)

    def unresolved(self, rule_ids: list[int]) -> list[Episode]:
        if not rule_ids:
            return []
        with self.sessions() as session:
            rows = session.scalars(
                select(AlertEpisodeRow).where(
                    AlertEpisodeRow.rule_id.in_(rule_ids), AlertEpisodeRow.status.in_(UNRESOLVED)
                )
            )
            return [_episode(row) for row in rows]

    def open_episode(self, rule_id: int, subject: str, figures: dict[str, Any], now: datetime) -> EpisodeClaim | None:
        """Claim a new episode for a condition that holds, unless one is already under way for it.

        The rule's row is locked (PostgreSQL; SQLite writers hold the database), then the next sequence number is
        read and inserted; the unique key is the last guard: a second insert gets None."""
        token = new_token()
        try:
            with self.writers.begin() as session:
                # On PostgreSQL each statement sees the latest commits: without this lock a replica could count
                # no episode under way, then read the sequence another just committed, and open a second one.
                session.execute(select(AlertRuleRow.id).where(AlertRuleRow.id == rule_id).with_for_update())
                conditions = (AlertEpisodeRow.rule_id == rule_id, AlertEpisodeRow.subject == subject)
                under_way = session.scalar(
                    select(func.count()).where(*conditions, AlertEpisodeRow.status.in_(UNRESOLVED))
                )
                if under_way:
                    return None
                last = session.scalar(select(func.max(AlertEpisodeRow.sequence)).where(*conditions)) or 0
                row = AlertEpisodeRow(
                    rule_id=rule_id,
                    subject=subject,
                    sequence=last + 1,
                    status=EpisodeStatus.CLAIMED.value,
                    attempts=1,
                    claim_token=token,
                    claimed_at=now,
                    opened_at=now,
                    resolution_posted=False,
                    figures=json.dumps(figures, sort_keys=True),
                )
                session.add(row)
                session.flush()
                return EpisodeClaim(row.id, token, 1, None, None)
        except IntegrityError:
            return None

    def retake(self, episode_id: int, now: datetime) -> EpisodeClaim | None:
        """Claim an episode whose post failed (retry due) or whose claimer died."""
        token = new_token()
        with self.writers.begin() as session:
            row = session.get(AlertEpisodeRow, episode_id)
            if row is None:
                return None
            attempts = self.claims.take_over(session, row, token, now)
            if attempts is None:
                return None
            return EpisodeClaim(row.id, token, attempts, row.message_ts, row.channel_id)

    def still_held(self, claim: EpisodeClaim, now: datetime) -> bool:
        return self.claims.still_held(claim.episode_id, claim.token, now)

    def record_post(self, claim: EpisodeClaim, channel_id: str, message_ts: str) -> bool:
        return self.claims.update(
            claim.episode_id,
            claim.token,
            channel_id=channel_id,
            message_ts=message_ts,
            status=EpisodeStatus.OPEN.value,
        )

    def mark_failed(self, claim: EpisodeClaim, reason: str, now: datetime, *, retry: bool = True) -> bool:
        """The post failed: retried with backoff, or (retry=False, its channel is unusable) not until the
        rules are saved again."""
        next_attempt = retry_at(claim.attempts, now) if retry else None
        return self.claims.mark_failed(claim.episode_id, claim.token, reason, next_attempt)

    def resolve(self, episode_id: int, now: datetime) -> Episode | None:
        """Close an episode whose condition cleared; the one caller that closed it gets it back."""
        with self.writers.begin() as session:
            result = session.execute(
                update(AlertEpisodeRow)
                .where(AlertEpisodeRow.id == episode_id, AlertEpisodeRow.status.in_(UNRESOLVED))
                .values(status=EpisodeStatus.RESOLVED.value, resolved_at=now)
            )
            if rows_changed(result) != 1:
                return None
        return self.episode(episode_id)

    def resolution_pending(self, rule_ids: list[int]) -> list[Episode]:
        """Resolved episodes whose message still says the alert is open (the edit failed before)."""
        if not rule_ids:
            return []
        with self.sessions() as session:
            rows = session.scalars(
                select(AlertEpisodeRow).where(
                    AlertEpisodeRow.rule_id.in_(rule_ids),
                    AlertEpisodeRow.status == EpisodeStatus.RESOLVED.value,
                    AlertEpisodeRow.resolution_posted.is_(False),
                    AlertEpisodeRow.message_ts.is_not(None),
                )
            )
            return [_episode(row) for row in rows]

    def mark_resolution_posted(self, episode_id: int) -> None:
        with self.writers.begin() as session:
            session.execute(
                update(AlertEpisodeRow).where(AlertEpisodeRow.id == episode_id).values(resolution_posted=True)
            )


SNOOZE_CHOICES = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}
