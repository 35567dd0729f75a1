"""The plain data of digests and alerts: subscriptions, deliveries, alert rules and episodes, and what
each /kilo digest or /kilo alerts answer shows (no I/O here: views render these)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.schedule import Occurrence, Schedule


class SubscriptionKind(enum.StrEnum):
    CHANNEL = "channel"  # the team digest, posted in a channel
    PERSONAL = "personal"  # a member's own usage, by direct message


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class DeliveryStatus(enum.StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # missed by more than the grace window (the bot was down)


@dataclass(frozen=True)
class Subscription:
    id: str
    team_id: str
    kind: SubscriptionKind
    channel_id: str
    channel_name: str | None
    subscriber_id: str
    subscriber_email: str
    schedule: Schedule
    show_people: bool
    status: SubscriptionStatus
    paused_reason: str | None
    effective_from: datetime

    @property
    def where(self) -> str:
        """How Slack shows the target: <#C123> for a channel, "your DMs" for a personal digest."""
        return "your direct messages" if self.kind is SubscriptionKind.PERSONAL else f"<#{self.channel_id}>"


@dataclass(frozen=True)
class SubscriptionRequest:
    """What /kilo digest subscribe (or its modal, or /kilo digest me) asks for."""

    team_id: str
    kind: SubscriptionKind
    channel_id: str
    channel_name: str | None
    subscriber_id: str
    subscriber_email: str
    schedule: Schedule
    show_people: bool


@dataclass(frozen=True)
class Delivery:
    id: int
    subscription_id: str
    period_key: str
    status: DeliveryStatus
    manual: bool
    attempts: int
    due_at: datetime
    channel_id: str | None
    message_ts: str | None
    charts_posted: int
    sent_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class Claim:
    """The right to post one delivery: held while `token` is the row's claim token."""

    delivery_id: int
    token: str
    attempts: int
    due_at: datetime
    message_ts: str | None  # posted by an earlier attempt that did not finish: edit, do not repost
    channel_id: str | None
    charts_posted: int


class AlertKind(enum.StrEnum):
    CREDITS_BELOW = "credits_below"  # threshold: microdollars
    RUNWAY_BELOW = "runway_below"  # threshold: days of credits left at the last 7 days' rate
    SPEND_ABOVE = "spend_above"  # threshold: microdollars spent today (UTC day)
    SPEND_SPIKE = "spend_spike"  # threshold: percent of the 4-week average for this weekday (200 = 2×)
    SEAT_POOL_FULL = "seat_pool_full"  # no threshold
    MEMBER_LIMIT = "member_limit"  # no threshold: a member reached their daily spend limit


class EpisodeStatus(enum.StrEnum):
    CLAIMED = "claimed"
    OPEN = "open"  # posted, condition still holds
    FAILED = "failed"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertRule:
    id: int
    team_id: str
    kind: AlertKind
    threshold: int | None
    channel_id: str
    created_by: str
    actor_email: str
    snoozed_until: datetime | None
    snoozed_by: str | None
    paused_at: datetime | None = None  # set when its channel became unusable; saving the alerts resumes it
    paused_reason: str | None = None  # Slack's error: is_archived, channel_not_found, not_in_channel

    def snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


@dataclass(frozen=True)
class RuleRequest:
    kind: AlertKind
    threshold: int | None


@dataclass(frozen=True)
class Episode:
    id: int
    rule_id: int
    subject: str
    sequence: int
    status: EpisodeStatus
    attempts: int
    opened_at: datetime
    resolved_at: datetime | None
    resolution_posted: bool
    channel_id: str | None
    message_ts: str | None
    figures: dict[str, Any]


@dataclass(frozen=True)
class EpisodeClaim:
    episode_id: int
    token: str
    attempts: int
    message_ts: str | None
    channel_id: str | None


# --- what the answers show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    created: bool  # False: an existing subscription of the channel was changed (and resumed)
    joined: bool  # the bot joined the public channel to post there
    next_run: Occurrence


@dataclass(frozen=True)
class PersonalChanged:
    subscription: Subscription | None  # None: turned off
    next_run: Occurrence | None
    was_on: bool


@dataclass(frozen=True)
class Listed:
    subscription: Subscription
    last: Delivery | None  # the newest delivery that was sent
    last_link: str | None
    next_run: Occurrence | None  # None while paused


@dataclass(frozen=True)
class SendOutcome:
    subscription: Subscription
    delivery: Delivery | None
    link: str | None
    sent: bool  # False: that day's digest had gone out (or was going out) already


@dataclass(frozen=True)
class Breach:
    """A rule's condition holding for one subject now, with the numbers the alert shows."""

    subject: str  # "credits", "seats", a UTC day, or member:day
    figures: dict[str, Any]
