"""Seat requests left 72 hours without a decision expire in the tick (bot/scheduler `DueWork.send_due`), so
every replica and `kilo-bot digests send-due` do it; each request expires once whoever gets there first
(bot/seat_requests `expire` is a conditional update), then every copy is edited and the requester told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.identity import IdentityResolver
from bot.interaction import SeatRequestForm, StaleInteraction
from bot.seat_requests import CopyKind, SeatRequest, SeatRequestStore
from bot.views import seats as seat_views
from bot.views.blocks import Message

logger = logging.getLogger(__name__)
WorkspaceClient = Callable[[str], Awaitable[AsyncWebClient | None]]  # Slack's client for a team, if installed


async def update_request_copies(
    requests: SeatRequestStore, slack: AsyncWebClient, request_id: str, organization: str
) -> SeatRequest:
    """chat.update every copy of a request; a copy that can no longer be edited is logged and skipped."""
    request = await asyncio.to_thread(requests.get, request_id)
    if request is None:
        raise StaleInteraction("button", SeatRequestForm.rerun)
    channel_note = "the approvers"

    async def edit(channel: str, ts: str, message: Message) -> None:
        try:
            await slack.chat_update(channel=channel, ts=ts, **message.payload())
        except SlackApiError as error:
            logger.warning("could not update a seat request copy in %s: %s", channel, error.response.get("error"))

    await asyncio.gather(
        *(
            edit(
                ref.channel_id,
                ref.ts,
                seat_views.approvers_message(request, organization)
                if ref.kind is CopyKind.APPROVERS
                else seat_views.requester_copy(request, channel_note),
            )
            for ref in request.messages
        )
    )
    return request


@dataclass
class SeatRequestExpiry:
    requests: SeatRequestStore
    identity: IdentityResolver
    slack_for: WorkspaceClient

    async def expire_due(self, now: datetime) -> list[str]:
        """Requests open for 72 hours expire: every copy is updated and the requester told. Safe to run from
        several processes at once (each request expires once). Returns the ids that expired now."""
        expired = await asyncio.to_thread(self.requests.expire, now)
        for request_id in expired:
            request = await asyncio.to_thread(self.requests.get, request_id)
            slack = await self.slack_for(request.team_id) if request else None
            if request is None or slack is None:
                continue
            try:
                connection = await self.identity.connection(request.team_id)
                organization = (await self.identity.pool.client(connection).organization()).name
            except Exception:  # the copies still say "expired"; only the organization's name is missing
                organization = "Kilo"
            try:
                await update_request_copies(self.requests, slack, request_id, organization)
                opened = await slack.conversations_open(users=request.requester_user_id)
                await slack.chat_postMessage(
                    channel=opened["channel"]["id"], **seat_views.outcome_for_requester(request).payload()
                )
            except SlackApiError as error:
                logger.warning(
                    "could not tell about expired seat request %s: %s", request_id, error.response.get("error")
                )
        return expired
