"""Spend digests: what /kilo digest does, and `send_due`, which every scheduler tick (and
`kilo-bot digests send-due`) runs to post each due digest exactly once.

A delivery is claimed in the bot's database before anything is posted (bot/digest_store). Its message
ts is kept as soon as Slack returns it, so a retry after a crash edits that message instead of posting
another, and the charts follow in its thread (files_upload_v2 with channel_id and thread_ts).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import ensure_member, find_channel
from bot.commands import ChannelRef, DigestSubscribe
from bot.deliveries import retry_at
from bot.digest_shapes import (
    Claim,
    Delivery,
    DeliveryStatus,
    Listed,
    PersonalChanged,
    SendOutcome,
    Subscribed,
    Subscription,
    SubscriptionKind,
    SubscriptionRequest,
    SubscriptionStatus,
)
from bot.digest_store import DigestStore
from bot.identity import IdentityResolver
from bot.kilo_client import KiloClient
from bot.schedule import DEFAULT_TIME, Frequency, Occurrence, Schedule, covered_days, latest_due, next_due
from bot.shapes import Caller
from bot.views import digests as views
from bot.views.blocks import Message
from reports.charts import RenderedChart
from reports.collect import DigestRequest, collect_digest
from reports.digest import compose_digest
from reports.personal import collect_personal, compose_personal_digest

logger = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=6)
DELIVERY_CONCURRENCY = 32  # deliveries in flight per tick; Slack's limits are waited out per call
BUILD_CONCURRENCY = 4  # digests gathered and rendered at once (the render pool has two workers)
PAUSING_ERRORS = {"channel_not_found", "is_archived", "not_in_channel"}

RenderCharts = Callable[[Any], Awaitable[list[RenderedChart]]]
Pause = Callable[[], Awaitable[None]]


async def no_pause() -> None:
    return None


class DigestRefused(Exception):
    """A digest command that cannot be done as asked; the message says why and what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class DigestContent:
    message: Message
    charts: list[RenderedChart]


@dataclass
class TickReport:
    """What one send_due did (the CLI prints it; tests and logs read it)."""

    sent: int = 0
    edited: int = 0
    skipped: int = 0
    failed: int = 0
    paused: int = 0
    already_claimed: int = 0
    alerts_fired: int = 0
    alerts_resolved: int = 0
    alerts_paused: int = 0  # workspaces' alert channels paused this tick (their setter told once)
    requests_expired: int = 0  # seat requests that expired this tick (72 h without a decision)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"digests sent {self.sent} (edited {self.edited}), skipped {self.skipped}, failed {self.failed}, "
            f"paused {self.paused}, claimed elsewhere {self.already_claimed}; "
            f"alerts fired {self.alerts_fired}, resolved {self.alerts_resolved}, paused {self.alerts_paused}; "
            f"seat requests expired {self.requests_expired}"
        )


@dataclass
class Digests:
    """The digest service: subscriptions, previews, manual sends and the scheduled tick."""

    store: DigestStore
    identity: IdentityResolver
    slack_for: Callable[[str], Awaitable[AsyncWebClient]]
    render: RenderCharts
    grace: timedelta = DEFAULT_GRACE
    # Scheduled work is background work: in the Slack app it waits while requests wait for their ack.
    yield_to_requests: Pause = no_pause

    # --- commands --------------------------------------------------------------------------------

    async def subscribe(
        self, slack: AsyncWebClient, caller: Caller, request: DigestSubscribe, here: str, now: datetime
    ) -> Subscribed:
        channel = await find_channel(slack, request.channel or ChannelRef(here))
        joined = await ensure_member(slack, channel)
        schedule = Schedule(
            request.frequency,
            request.at,
            ZoneInfo(request.zone) if request.zone else caller.zone,
            request.weekday,
            request.day_of_month,
        )
        subscription, created = await asyncio.to_thread(
            self.store.save_subscription,
            SubscriptionRequest(
                caller.team_id,
                SubscriptionKind.CHANNEL,
                channel.id,
                channel.name,
                caller.user_id,
                caller.actor,
                schedule,
                request.show_people,
            ),
            now,
        )
        return Subscribed(subscription, created, joined, next_due(schedule, now))

    async def personal(self, caller: Caller, on: bool, now: datetime) -> PersonalChanged:
        if not on:
            found = await asyncio.to_thread(
                self.store.find_subscription, caller.team_id, SubscriptionKind.PERSONAL, caller.user_id
            )
            if found is not None:
                await asyncio.to_thread(self.store.delete_subscription, found.id)
            return PersonalChanged(None, None, was_on=found is not None)
        schedule = Schedule(Frequency.WEEKLY, DEFAULT_TIME, caller.zone)
        subscription, _created = await asyncio.to_thread(
            self.store.save_subscription,
            SubscriptionRequest(
                caller.team_id,
                SubscriptionKind.PERSONAL,
                caller.user_id,
                None,
                caller.user_id,
                caller.actor,
                schedule,
                False,
            ),
            now,
        )
        return PersonalChanged(subscription, next_due(schedule, now), was_on=True)

    async def unsubscribe(self, slack: AsyncWebClient, caller: Caller, ref: ChannelRef | None, here: str) -> str:
        """The channel's subscription is removed; its id (for the reply)."""
        channel_id = await self._channel_id(slack, ref, here)
        found = await asyncio.to_thread(
            self.store.find_subscription, caller.team_id, SubscriptionKind.CHANNEL, channel_id
        )
        if found is None:
            raise DigestRefused(f"No digest goes to <#{channel_id}>.", "See them all with `/kilo digest list`.")
        await asyncio.to_thread(self.store.delete_subscription, found.id)
        return channel_id

    async def listing(self, slack: AsyncWebClient, caller: Caller, now: datetime) -> list[Listed]:
        subscriptions = await asyncio.to_thread(self.store.subscriptions, caller.team_id)
        visible = [
            s
            for s in subscriptions
            if (s.kind is SubscriptionKind.CHANNEL and caller.is_manager)
            or (s.kind is SubscriptionKind.PERSONAL and s.subscriber_id == caller.user_id)
        ]
        last = await asyncio.to_thread(self.store.last_deliveries, [s.id for s in visible])
        links = await asyncio.gather(*(_permalink(slack, last.get(s.id)) for s in visible))
        return [
            Listed(
                s, last.get(s.id), link, next_due(s.schedule, now) if s.status is SubscriptionStatus.ACTIVE else None
            )
            for s, link in zip(visible, links, strict=True)
        ]

    async def preview(self, client: KiloClient, caller: Caller, here: str, now: datetime) -> DigestContent:
        """The digest of the channel the caller is in (its settings), or a weekly one, as of now."""
        found = await asyncio.to_thread(self.store.find_subscription, caller.team_id, SubscriptionKind.CHANNEL, here)
        schedule = found.schedule if found else Schedule(Frequency.WEEKLY, DEFAULT_TIME, caller.zone)
        show_people = bool(found and found.show_people and caller.is_manager)
        local_date = now.astimezone(schedule.zone).date()
        request = _request(schedule, local_date, now, now, caller.actor if show_people else None)
        return await team_digest(client, request, show_people, self.render)

    async def send_now(
        self, slack: AsyncWebClient, caller: Caller, ref: ChannelRef | None, here: str, now: datetime
    ) -> SendOutcome:
        """Send a channel's digest now, as that day's delivery: it never goes out twice for one day,
        whether the scheduler or another `send` got there first."""
        channel_id = await self._channel_id(slack, ref, here)
        subscription = await asyncio.to_thread(
            self.store.find_subscription, caller.team_id, SubscriptionKind.CHANNEL, channel_id
        )
        if subscription is None:
            raise DigestRefused(
                f"<#{channel_id}> has no digest subscription.",
                f"Subscribe it first: `/kilo digest subscribe <#{channel_id}>`.",
            )
        today = now.astimezone(subscription.schedule.zone).date()
        occurrence = Occurrence(today, now)
        claim = await asyncio.to_thread(
            self.store.claim, subscription.id, occurrence.period_key, due_at=now, now=now, manual=True
        )
        if claim is None:
            existing = await asyncio.to_thread(self.store.delivery, subscription.id, occurrence.period_key)
            link = await _permalink(slack, existing)
            return SendOutcome(subscription, existing, link, sent=False)
        report = TickReport()
        client = self.identity.pool.client(await self.identity.connection(subscription.team_id))
        content = await self._build(client, subscription, occurrence, now, report, [claim])
        if content is not None:
            await self._deliver(slack, subscription, claim, content, now, report)
        delivery = await asyncio.to_thread(self.store.delivery, subscription.id, occurrence.period_key)
        if delivery is None or delivery.status is not DeliveryStatus.SENT:
            reason = (delivery and delivery.error) or "unknown error"
            raise DigestRefused(
                f"The digest for <#{channel_id}> could not be posted ({reason}).",
                "It will be retried in a few minutes; `/kilo digest list` shows how it went.",
            )
        return SendOutcome(subscription, delivery, await _permalink(slack, delivery), sent=True)

    async def _channel_id(self, slack: AsyncWebClient, ref: ChannelRef | None, here: str) -> str:
        if ref is None:
            return here
        if ref.id:
            return ref.id
        return (await find_channel(slack, ref)).id

    # --- the tick --------------------------------------------------------------------------------

    async def send_due(self, now: datetime, report: TickReport | None = None) -> TickReport:
        """Claim and post every digest due at `now`: the latest run of each active subscription that is
        not delivered yet (late ones within the grace window, older ones recorded as skipped), and the
        retries that are due. Safe to run in several processes at once."""
        report = report or TickReport()
        jobs = await asyncio.to_thread(self._claim_due, now, report)
        groups: dict[tuple[Any, ...], list[tuple[Subscription, Occurrence, Claim]]] = defaultdict(list)
        for subscription, occurrence, claim in jobs:
            groups[_content_key(subscription, occurrence)].append((subscription, occurrence, claim))
        builds = asyncio.Semaphore(BUILD_CONCURRENCY)
        sends = asyncio.Semaphore(DELIVERY_CONCURRENCY)

        async def deliver_group(members: list[tuple[Subscription, Occurrence, Claim]]) -> None:
            subscription, occurrence, _claim = members[0]
            claims = [claim for _s, _o, claim in members]
            async with builds:
                try:
                    client = self.identity.pool.client(await self.identity.connection(subscription.team_id))
                except Exception as error:
                    await self._fail_all(claims, f"no Kilo connection: {error}", now, report)
                    return
                content = await self._build(client, subscription, occurrence, now, report, claims)
            if content is None:
                return

            async def deliver_one(member: tuple[Subscription, Occurrence, Claim]) -> None:
                async with sends:
                    try:
                        slack = await self.slack_for(member[0].team_id)
                    except Exception as error:
                        await self._fail_all([member[2]], f"no Slack token: {error}", now, report)
                        return
                    await self._deliver(slack, member[0], member[2], content, now, report)

            await asyncio.gather(*(deliver_one(member) for member in members))

        await asyncio.gather(*(deliver_group(members) for members in groups.values()))
        return report

    def _claim_due(self, now: datetime, report: TickReport) -> list[tuple[Subscription, Occurrence, Claim]]:
        subscriptions = self.store.subscriptions(active_only=True)
        due: list[tuple[Subscription, Occurrence]] = []
        for subscription in subscriptions:
            occurrence = latest_due(subscription.schedule, now)
            # A run due before the subscription existed (or changed) is not its to send.
            if occurrence is not None and occurrence.due_at >= subscription.effective_from:
                due.append((subscription, occurrence))
        known = self.store.known_periods([s.id for s, _ in due], [o.period_key for _, o in due])
        jobs = []
        for subscription, occurrence in due:
            if (subscription.id, occurrence.period_key) in known:
                continue
            if now - occurrence.due_at > self.grace:
                if self.store.record_skipped(subscription.id, occurrence.period_key, due_at=occurrence.due_at, now=now):
                    report.skipped += 1
                    logger.warning(
                        "digest %s for %s skipped: missed by more than %s",
                        subscription.id,
                        occurrence.period_key,
                        self.grace,
                    )
                continue
            claim = self.store.claim(subscription.id, occurrence.period_key, due_at=occurrence.due_at, now=now)
            if claim is None:
                report.already_claimed += 1
            else:
                jobs.append((subscription, occurrence, claim))
        by_id = {s.id: s for s in subscriptions}
        for delivery in self.store.retry_candidates(now):
            retried = by_id.get(delivery.subscription_id)
            if retried is None:  # paused or removed since
                continue
            claim = self.store.claim(retried.id, delivery.period_key, due_at=delivery.due_at, now=now)
            if claim is None:
                continue
            if now - delivery.due_at > self.grace:
                self.store.mark_failed(
                    claim, f"gave up: not delivered within {self.grace} ({delivery.error})", retry_at=None
                )
                report.failed += 1
                continue
            occurrence = Occurrence(date.fromisoformat(delivery.period_key), delivery.due_at)
            jobs.append((retried, occurrence, claim))
        return jobs

    async def _build(
        self,
        client: KiloClient,
        subscription: Subscription,
        occurrence: Occurrence,
        now: datetime,
        report: TickReport,
        claims: Sequence[Claim],
    ) -> DigestContent | None:
        await self.yield_to_requests()
        try:
            if subscription.kind is SubscriptionKind.PERSONAL:
                return await personal_digest(client, subscription, occurrence, now)
            request = _request(
                subscription.schedule,
                occurrence.local_date,
                occurrence.due_at,
                now,
                subscription.subscriber_email if subscription.show_people else None,
            )
            return await team_digest(client, request, subscription.show_people, self.render)
        except Exception as error:
            logger.exception("could not build the digest of %s", subscription.id)
            await self._fail_all(claims, f"could not build the digest: {error}", now, report)
            return None

    async def _fail_all(self, claims: Sequence[Claim], reason: str, now: datetime, report: TickReport) -> None:
        for claim in claims:
            await asyncio.to_thread(self.store.mark_failed, claim, reason, retry_at=retry_at(claim.attempts, now))
            report.failed += 1
            report.errors.append(reason)

    async def _deliver(
        self,
        slack: AsyncWebClient,
        subscription: Subscription,
        claim: Claim,
        content: DigestContent,
        now: datetime,
        report: TickReport,
    ) -> None:
        await self.yield_to_requests()
        try:
            await post_digest(self.store, slack, subscription, claim, content, now)
        except SlackApiError as error:
            reason = str(error.response.get("error") or error)
            if reason in PAUSING_ERRORS:
                await asyncio.to_thread(self.store.mark_failed, claim, f"Slack: {reason}", retry_at=None)
                await self._pause(slack, subscription, reason, now, report)
            else:
                await self._failed(claim, subscription, f"Slack: {reason}", now, report)
        except Exception as error:
            await self._failed(claim, subscription, f"{type(error).__name__}: {error}", now, report)
        else:
            report.sent += 1
            report.edited += claim.message_ts is not None

    async def _failed(
        self, claim: Claim, subscription: Subscription, reason: str, now: datetime, report: TickReport
    ) -> None:
        when = retry_at(claim.attempts, now)
        logger.warning(
            "digest %s to %s failed (attempt %d): %s; %s",
            subscription.id,
            subscription.channel_id,
            claim.attempts,
            reason,
            f"retrying at {when:%H:%M} UTC" if when else "giving up",
        )
        await asyncio.to_thread(self.store.mark_failed, claim, reason, retry_at=when)
        report.failed += 1
        report.errors.append(reason)

    async def _pause(
        self, slack: AsyncWebClient, subscription: Subscription, reason: str, now: datetime, report: TickReport
    ) -> None:
        """Pause a subscription whose channel is gone, archived or closed to the bot; its subscriber is told once."""
        if await pause_and_tell_once(
            slack,
            partial(self.store.pause, subscription.id, views.pause_reason(reason), now),
            tell=subscription.subscriber_id,
            notice=lambda _paused: views.paused_notice(subscription, reason),
            what=f"digest {subscription.id} to {subscription.channel_id} ({reason})",
        ):
            report.paused += 1


Paused = TypeVar("Paused")


async def pause_and_tell_once(
    slack: AsyncWebClient, pause: Callable[[], Paused], *, tell: str, notice: Callable[[Paused], Message], what: str
) -> bool:
    """Pause what posts to an unusable channel, through `pause`: one conditional UPDATE whose result is
    empty for every caller but the one that changed the rows. That one caller tells `tell` by direct
    message (once across ticks and replicas) and gets True."""
    paused = await asyncio.to_thread(pause)
    if not paused:
        return False
    logger.warning("%s paused", what)
    try:
        await slack.chat_postMessage(channel=tell, **notice(paused).payload())
    except SlackApiError as error:
        logger.warning("could not tell %s that %s was paused: %s", tell, what, error)
    return True


async def post_digest(
    store: DigestStore,
    slack: AsyncWebClient,
    subscription: Subscription,
    claim: Claim,
    content: DigestContent,
    now: datetime,
) -> None:
    """Post (or, after a crash, edit) the digest, then its charts in the thread; each step recorded at once."""
    payload = content.message.payload()
    if claim.message_ts and claim.channel_id:
        await slack.chat_update(channel=claim.channel_id, ts=claim.message_ts, **payload)
        channel, ts = claim.channel_id, claim.message_ts
    else:
        if not await asyncio.to_thread(store.still_held, claim, now):
            return  # another process took this delivery over meanwhile
        posted = await _post_joining(slack, subscription, payload)
        channel, ts = str(posted["channel"]), str(posted["ts"])
        await asyncio.to_thread(store.record_post, claim, channel, ts)
    if content.charts and claim.charts_posted < len(content.charts):
        await slack.files_upload_v2(
            file_uploads=[
                {"content": chart.png, "filename": f"{chart.name}.png", "title": chart.title, "alt_txt": chart.alt_text}
                for chart in content.charts
            ],
            channel=channel,
            thread_ts=ts,
        )
        await asyncio.to_thread(store.record_charts, claim, len(content.charts))
    await asyncio.to_thread(store.mark_sent, claim, now)


async def _post_joining(slack: AsyncWebClient, subscription: Subscription, payload: dict[str, Any]) -> Any:
    """chat.postMessage; a public channel the bot was removed from is joined again first."""
    try:
        return await slack.chat_postMessage(channel=subscription.channel_id, unfurl_links=False, **payload)
    except SlackApiError as error:
        if error.response.get("error") != "not_in_channel" or subscription.kind is SubscriptionKind.PERSONAL:
            raise
        try:
            await slack.conversations_join(channel=subscription.channel_id)
        except SlackApiError:
            raise error from None  # private: the subscriber is asked to invite the bot
        return await slack.chat_postMessage(channel=subscription.channel_id, unfurl_links=False, **payload)


async def team_digest(
    client: KiloClient, request: DigestRequest, show_people: bool, render: RenderCharts
) -> DigestContent:
    data = await collect_digest(client, request)
    return DigestContent(compose_digest(data, show_people=show_people), await render(data))


async def personal_digest(
    client: KiloClient, subscription: Subscription, occurrence: Occurrence, now: datetime
) -> DigestContent:
    member = await client.member_by_email(subscription.subscriber_email)
    if member is None:
        raise DigestRefused(f"{subscription.subscriber_email} is no longer a member of the organization.")
    covered = covered_days(subscription.schedule.frequency, occurrence.local_date, occurrence.due_at)
    digest = await collect_personal(
        client,
        subscription.subscriber_email,
        member.id,
        covered.start,
        covered.end,
        covered.earlier[0] if covered.earlier else None,
        subscription.schedule.zone,
    )
    return DigestContent(compose_personal_digest(digest), [])


def _request(
    schedule: Schedule, local_date: Any, due_at: datetime, now: datetime, people_actor: str | None
) -> DigestRequest:
    covered = covered_days(schedule.frequency, local_date, due_at)
    return DigestRequest(covered.start, covered.end, covered.earlier, schedule.zone, now, people_actor)


def _content_key(subscription: Subscription, occurrence: Occurrence) -> tuple[Any, ...]:
    """Subscriptions whose digests read the same: one gather and one render serves them all."""
    if subscription.kind is SubscriptionKind.PERSONAL:
        return ("personal", subscription.id)
    covered = covered_days(subscription.schedule.frequency, occurrence.local_date, occurrence.due_at)
    return (
        subscription.team_id,
        covered,
        subscription.schedule.zone.key,
        subscription.subscriber_email if subscription.show_people else None,
    )


async def _permalink(slack: AsyncWebClient, delivery: Delivery | None) -> str | None:
    if delivery is None or not (delivery.channel_id and delivery.message_ts):
        return None
    try:
        return str(
            (await slack.chat_getPermalink(channel=delivery.channel_id, message_ts=delivery.message_ts))["permalink"]
        )
    except SlackApiError:
        return None
