"""One parsed /kilo digest or /kilo alerts request → what the person gets: a message (maybe with charts) or
a modal to open. Access rules here; data from bot/digests and bot/alerts; blocks from bot/views."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as cmd
from bot.dashboard import Dashboard
from bot.digests import DigestRefused
from bot.kilo_client import KiloClient
from bot.scheduler import DueWork
from bot.shapes import Caller
from bot.views import alerts as alert_views
from bot.views import digests as views
from bot.views.blocks import Message
from reports.charts import RenderedChart

DIGEST_REQUESTS = (
    cmd.DigestForm,
    cmd.DigestSubscribe,
    cmd.DigestList,
    cmd.DigestUnsubscribe,
    cmd.DigestPreview,
    cmd.DigestSend,
    cmd.DigestMe,
    cmd.Alerts,
)


@dataclass(frozen=True)
class DigestReply:
    message: Message | None = None
    modal: dict[str, Any] | None = None
    charts: list[RenderedChart] = field(default_factory=list)  # shown below the message


@dataclass(frozen=True)
class Asking:
    """Who asks, where: the command's channel, the Slack client of the request, the backend client."""

    caller: Caller
    backend: KiloClient
    slack: AsyncWebClient
    channel_id: str
    now: datetime

    @property
    def dashboard(self) -> Dashboard:
        return Dashboard(self.backend, self.caller)


async def digest_answer(request: cmd.Command, asking: Asking, due: DueWork) -> DigestReply:
    caller, now, zone = asking.caller, asking.now, asking.caller.zone
    digests = due.digests
    match request:
        case cmd.DigestForm():
            await asking.dashboard.require_manager("subscribe channels to spend digests")
            return DigestReply(modal=views.digest_modal(caller.team_id, asking.channel_id, zone))
        case cmd.DigestSubscribe():
            await asking.dashboard.require_manager("subscribe channels to spend digests")
            here = _channel_here(asking, request.channel)
            return DigestReply(
                views.subscribed(await digests.subscribe(asking.slack, caller, request, here, now), zone)
            )
        case cmd.DigestList():
            listed = await digests.listing(asking.slack, caller, now)
            return DigestReply(views.subscription_list(listed, zone, is_manager=caller.is_manager))
        case cmd.DigestUnsubscribe(channel=channel):
            await asking.dashboard.require_manager("unsubscribe channels from spend digests")
            here = _channel_here(asking, channel)
            return DigestReply(views.unsubscribed(await digests.unsubscribe(asking.slack, caller, channel, here)))
        case cmd.DigestPreview():
            content = await digests.preview(asking.backend, caller, asking.channel_id, now)
            return DigestReply(views.preview(content.message), charts=content.charts)
        case cmd.DigestSend(channel=channel):
            await asking.dashboard.require_manager("send spend digests")
            here = _channel_here(asking, channel)
            outcome = await digests.send_now(asking.slack, caller, channel, here, now)
            return DigestReply(views.send_outcome(outcome, zone))
        case cmd.DigestMe(on=on):
            return DigestReply(views.personal_changed(await digests.personal(caller, on, now), zone))
        case cmd.Alerts():
            await asking.dashboard.require_manager("set spend and seat alerts")
            rules = await asyncio.to_thread(due.alerts.store.rules, caller.team_id)
            return DigestReply(modal=alert_views.alerts_modal(caller.team_id, rules))
    raise AssertionError(f"not a digest request: {request!r}")


def _channel_here(asking: Asking, named: cmd.ChannelRef | None) -> str:
    """The command's own channel, when no other is named; a DM is not a channel a digest can go to."""
    if named is None and asking.channel_id[:1] not in ("C", "G"):
        raise DigestRefused(
            "Run this in the channel the digest is for, or name one.", "Like `/kilo digest subscribe #team-ai`."
        )
    return asking.channel_id
