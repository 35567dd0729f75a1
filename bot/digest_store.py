"""Digest subscriptions and deliveries in the bot's database: each (subscription, period) is claimed by
inserting its delivery row before anything is posted, so replicas, restarts and retries post it once.

Not an APScheduler job store: schedules are rows here, and every process's tick reads them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.deliveries import ClaimColumns, Claims, new_token, rows_changed
from bot.digest_shapes import (
    Claim,
    Delivery,
    DeliveryStatus,
    Subscription,
    SubscriptionKind,
    SubscriptionRequest,
    SubscriptionStatus,
)
from bot.schedule import Frequency, Schedule
from bot.store import BotBase, BotStore
from kilo_db.engine import writing
from kilo_db.types import UTCDateTime


def new_subscription_id() -> str:
    return f"dsub_{secrets.token_hex(8)}"


class DigestSubscriptionRow(BotBase):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "kind", "channel_id", name="uq_digest_subscriptions_target"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(32))  # a channel, or the member's user id (personal)
    channel_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    subscriber_id: Mapped[str] = mapped_column(String(32))
    # Who the backend is asked as (X-Kilo-Actor): per-person figures, or a member's own usage.
    subscriber_email: Mapped[str] = mapped_column(String(320))
    frequency: Mapped[str] = mapped_column(String(16))
    weekday: Mapped[int] = mapped_column(Integer)
    day_of_month: Mapped[int] = mapped_column(Integer)
    local_time: Mapped[str] = mapped_column(String(5))
    time_zone: Mapped[str] = mapped_column(String(64))
    show_people: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    paused_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Runs due before this instant are not this subscription's (created, changed or resumed since).
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestDeliveryRow(ClaimColumns, BotBase):
    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "period_key", name="uq_digest_deliveries_period"),)

    subscription_id: Mapped[str] = mapped_column(ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(32))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    charts_posted: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def _subscription(row: DigestSubscriptionRow) -> Subscription:
    hour, minute = (int(part) for part in row.local_time.split(":"))
    return Subscription(
        id=row.id,
        team_id=row.team_id,
        kind=SubscriptionKind(row.kind),
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        subscriber_id=row.subscriber_id,
        subscriber_email=row.subscriber_email,
        schedule=Schedule(
            Frequency(row.frequency), time(hour, minute), ZoneInfo(row.time_zone), row.weekday, row.day_of_month
        ),
        show_people=row.show_people,
        status=SubscriptionStatus(row.status),
        paused_reason=row.paused_reason,
        effective_from=row.effective_from,
    )


def _delivery(row: DigestDeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        period_key=row.period_key,
        status=DeliveryStatus(row.status),
        manual=row.manual,
        attempts=row.attempts,
        due_at=row.due_at,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        charts_posted=row.charts_posted,
        sent_at=row.sent_at,
        error=row.error,
    )


class DigestStore:
    """Sync SQLAlchemy (callers use asyncio.to_thread). Claims go through a writer engine: on SQLite each
    of those transactions takes the write lock when it begins, so a read-then-update cannot interleave."""

    def __init__(self, store: BotStore) -> None:
        self.sessions = store.sessions
        self.writers: sessionmaker[Session] = sessionmaker(writing(store.engine), expire_on_commit=False)
        self.claims = Claims(self.writers, DigestDeliveryRow)

    # --- subscriptions ---------------------------------------------------------------------------

    def save_subscription(self, request: SubscriptionRequest, now: datetime) -> tuple[Subscription, bool]:
        """Create the subscription for this target, or replace its schedule (and resume it): (it, created)."""
        schedule = request.schedule
        values = {
            "channel_name": request.channel_name,
            "subscriber_id": request.subscriber_id,
            "subscriber_email": request.subscriber_email,
            "frequency": schedule.frequency.value,
            "weekday": schedule.weekday,
            "day_of_month": schedule.day_of_month,
            "local_time": f"{schedule.at:%H:%M}",
            "time_zone": schedule.zone.key,
            "show_people": request.show_people,
            "status": SubscriptionStatus.ACTIVE.value,
            "paused_reason": None,
            "effective_from": now,
            "updated_at": now,
        }
        target = (
            DigestSubscriptionRow.team_id == request.team_id,
            DigestSubscriptionRow.kind == request.kind.value,
            DigestSubscriptionRow.channel_id == request.channel_id,
        )
        for _ in range(2):  # a concurrent first subscribe to the same target makes one insert lose once
            try:
                with self.writers.begin() as session:
                    row = session.scalar(select(DigestSubscriptionRow).where(*target))
                    created = row is None
                    if row is None:
                        row = DigestSubscriptionRow(
                            id=new_subscription_id(),
                            team_id=request.team_id,
                            kind=request.kind.value,
                            channel_id=request.channel_id,
                            created_at=now,
                        )
                    for name, value in values.items():
                        setattr(row, name, value)
                    session.add(row)
                    session.flush()
                    return _subscription(row), created
            except IntegrityError:
                continue
        raise RuntimeError("could not save the subscription")

    def subscriptions(self, team_id: str | None = None, *, active_only: bool = False) -> list[Subscription]:
        statement = select(DigestSubscriptionRow).order_by(DigestSubscriptionRow.created_at, DigestSubscriptionRow.id)
        if team_id is not None:
            statement = statement.where(DigestSubscriptionRow.team_id == team_id)
        if active_only:
            statement = statement.where(DigestSubscriptionRow.status == SubscriptionStatus.ACTIVE.value)
        with self.sessions() as session:
            return [_subscription(row) for row in session.scalars(statement)]

    def subscription(self, subscription_id: str) -> Subscription | None:
        with self.sessions() as session:
            row = session.get(DigestSubscriptionRow, subscription_id)
            return None if row is None else _subscription(row)

    def find_subscription(self, team_id: str, kind: SubscriptionKind, channel_id: str) -> Subscription | None:
        with self.sessions() as session:
            row = session.scalar(
                select(DigestSubscriptionRow).where(
                    DigestSubscriptionRow.team_id == team_id,
                    DigestSubscriptionRow.kind == kind.value,
                    DigestSubscriptionRow.channel_id == channel_id,
                )
            )
            return None if row is None else _subscription(row)

    def delete_subscription(self, subscription_id: str) -> bool:
        with self.writers.begin() as session:
            session.execute(delete(DigestDeliveryRow).where(DigestDeliveryRow.subscription_id == subscription_id))
            result = session.execute(delete(DigestSubscriptionRow).where(DigestSubscriptionRow.id == subscription_id))
            return rows_changed(result) > 0

    def pause(self, subscription_id: str, reason: str, now: datetime) -> bool:
        """Pause an active subscription; True for the one caller that paused it (and tells the subscriber)."""
        with self.writers.begin() as session:
            result = session.execute(
                update(DigestSubscriptionRow)
                .where(
                    DigestSubscriptionRow.id == subscription_id,
                    DigestSubscriptionRow.status == SubscriptionStatus.ACTIVE.value,
                )
                .values(status=SubscriptionStatus.PAUSED.value, paused_reason=reason[:300], updated_at=now)
            )
            return rows_changed(result) == 1

    # --- deliveries ------------------------------------------------------------------------------

    def delivery(self, subscription_id: str, period_key: str) -> Delivery | None:
        with self.sessions() as session:
            row = session.scalar(
                select(DigestDeliveryRow).where(
                    DigestDeliveryRow.subscription_id == subscription_id, DigestDeliveryRow.period_key == period_key
                )
            )
            return None if row is None else _delivery(row)

    def deliveries(self, subscription_id: str | None = None) -> list[Delivery]:
        statement = select(DigestDeliveryRow).order_by(DigestDeliveryRow.id)
        if subscription_id is not None:
            statement = statement.where(DigestDeliveryRow.subscription_id == subscription_id)
        with self.sessions() as session:
            return [_delivery(row) for row in session.scalars(statement)]

    def last_deliveries(self, subscription_ids: Sequence[str]) -> dict[str, Delivery]:
        """Each subscription's newest delivery that was sent."""
        if not subscription_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(
                select(DigestDeliveryRow)
                .where(
                    DigestDeliveryRow.subscription_id.in_(list(subscription_ids)),
                    DigestDeliveryRow.status == DeliveryStatus.SENT.value,
                )
                .order_by(DigestDeliveryRow.sent_at)
            )
            return {row.subscription_id: _delivery(row) for row in rows}

    def known_periods(self, subscription_ids: Sequence[str], period_keys: Sequence[str]) -> set[tuple[str, str]]:
        """Which (subscription, period) pairs already have a delivery row (one query for a whole tick)."""
        if not subscription_ids:
            return set()
        with self.sessions() as session:
            rows = session.execute(
                select(DigestDeliveryRow.subscription_id, DigestDeliveryRow.period_key).where(
                    DigestDeliveryRow.subscription_id.in_(list(subscription_ids)),
                    DigestDeliveryRow.period_key.in_(sorted(set(period_keys))),
                )
            )
            return {(subscription_id, key) for subscription_id, key in rows}

    def retry_candidates(self, now: datetime) -> list[Delivery]:
        """Failed deliveries whose next attempt is due, and claims left behind by a process that died."""
        with self.sessions() as session:
            rows = session.scalars(select(DigestDeliveryRow).where(self.claims.takeable(now)))
            return [_delivery(row) for row in rows]

    def claim(
        self, subscription_id: str, period_key: str, *, due_at: datetime, now: datetime, manual: bool = False
    ) -> Claim | None:
        """Claim a delivery before posting it: the first claim inserts the row; later callers get None,
        unless the row is a failed delivery due for its retry or a claim abandoned CLAIM_TIMEOUT ago."""
        token = new_token()
        row = DigestDeliveryRow(
            subscription_id=subscription_id,
            period_key=period_key,
            status=DeliveryStatus.CLAIMED.value,
            manual=manual,
            attempts=1,
            due_at=due_at,
            claim_token=token,
            claimed_at=now,
            charts_posted=0,
        )
        try:
            with self.writers.begin() as session:
                session.add(row)
                session.flush()
                return Claim(row.id, token, 1, due_at, None, None, 0)
        except IntegrityError:
            pass
        return self._take_over(subscription_id, period_key, token, now)

    def _take_over(self, subscription_id: str, period_key: str, token: str, now: datetime) -> Claim | None:
        with self.writers.begin() as session:
            row = session.scalar(
                select(DigestDeliveryRow).where(
                    DigestDeliveryRow.subscription_id == subscription_id, DigestDeliveryRow.period_key == period_key
                )
            )
            if row is None:
                return None
            attempts = self.claims.take_over(session, row, token, now)
            if attempts is None:
                return None
            return Claim(row.id, token, attempts, row.due_at, row.message_ts, row.channel_id, row.charts_posted)

    def record_skipped(self, subscription_id: str, period_key: str, *, due_at: datetime, now: datetime) -> bool:
        """Record a run missed by more than the grace window (once; False if another process did)."""
        try:
            with self.writers.begin() as session:
                session.add(
                    DigestDeliveryRow(
                        subscription_id=subscription_id,
                        period_key=period_key,
                        status=DeliveryStatus.SKIPPED.value,
                        attempts=0,
                        due_at=due_at,
                        claim_token=new_token(),
                        claimed_at=now,
                        charts_posted=0,
                        error=f"missed: not sent within the grace window after {due_at:%Y-%m-%d %H:%M} UTC",
                    )
                )
            return True
        except IntegrityError:
            return False

    def still_held(self, claim: Claim, now: datetime) -> bool:
        """Refresh the claim right before posting; False if another process took it over meanwhile."""
        return self.claims.still_held(claim.delivery_id, claim.token, now)

    def record_post(self, claim: Claim, channel_id: str, message_ts: str) -> bool:
        """Keep the message's ts as soon as it exists, so a retry edits it instead of posting again."""
        return self.claims.update(claim.delivery_id, claim.token, channel_id=channel_id, message_ts=message_ts)

    def record_charts(self, claim: Claim, charts_posted: int) -> bool:
        return self.claims.update(claim.delivery_id, claim.token, charts_posted=charts_posted)

    def mark_sent(self, claim: Claim, now: datetime) -> bool:
        return self.claims.update(
            claim.delivery_id, claim.token, status=DeliveryStatus.SENT.value, sent_at=now, error=None
        )

    def mark_failed(self, claim: Claim, reason: str, *, retry_at: datetime | None) -> bool:
        return self.claims.mark_failed(claim.delivery_id, claim.token, reason, retry_at)
