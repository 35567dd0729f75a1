"""What every listener does first, written once: ack, let requests still waiting for their ack go
first, read who is asking, and explain any failure to the person.

Failures are caught here rather than by Bolt's app.error alone: with process_before_response=False Bolt
resets the ack after an error handler runs, and a fast error reply can make Bolt answer Slack 404
"unhandled request" although ack() was called (slack-bolt 1.30).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.dashboard import Dashboard
from bot.explain import explain
from bot.kilo_client import KiloClient
from bot.payloads import SlackIds, slack_ids
from bot.services import BotServices
from bot.shapes import Caller
from bot.views.blocks import Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """One Slack request after its ack: the bot's services, Slack's client, the payload and who sent it."""

    kilo: BotServices
    slack: AsyncWebClient
    body: dict[str, Any]
    asker: SlackIds
    now: datetime

    async def caller(self) -> tuple[Caller, KiloClient]:
        return await self.kilo.identity.resolve(self.slack, self.asker.team_id, self.asker.user_id, self.now)

    async def dashboard(self) -> Dashboard:
        caller, backend = await self.caller()
        return Dashboard(backend, caller)

    async def reply(self, message: Message, *, public: bool = False, replace_original: bool = False) -> None:
        await self.kilo.replies.send(
            self.body["response_url"], message, public=public, replace_original=replace_original
        )


BoltListener = Callable[..., Awaitable[None]]


def after_ack(listener: Callable[[Turn], Awaitable[None]]) -> BoltListener:
    """A Bolt listener that acks at once and then runs `listener`; what it raises is explained privately."""

    # Bolt passes arguments by the names in this signature (`kilo` is a context key set by the app).
    async def acked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
        await ack()
        try:
            await kilo.acks_first.after_pending_acks()
            await listener(Turn(kilo, client, body, slack_ids(body), kilo.clock()))
        except Exception as error:
            await tell(kilo, body, error)

    # Not functools.wraps: Bolt reads the argument names through __wrapped__.
    acked.__name__ = acked.__qualname__ = listener.__name__
    acked.__doc__ = listener.__doc__
    return acked


async def tell(kilo: BotServices, body: dict[str, Any], error: Exception) -> None:
    """Explain `error` through the request's response_url; without one there is nobody to tell."""
    response_url = body.get("response_url")
    if not isinstance(response_url, str):
        logger.warning("could not tell the user about %r", error)
        return
    try:
        await kilo.replies.send(response_url, explain(error))
    except Exception:  # Slack itself is unreachable: nothing more can be shown
        logger.exception("could not deliver an error message")
