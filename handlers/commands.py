"""/kilo: ack at once, then resolve the caller, answer, and reply (ephemeral unless asked otherwise)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.commands import parse
from bot.dashboard import Dashboard
from handlers.errors import replies_on_failure


@replies_on_failure
async def kilo(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    services = context["kilo"]
    request = parse(command.get("text", ""))
    caller, backend = await services.identity.resolve(client, command["team_id"], command["user_id"], services.clock())
    reply = await answer(request, Dashboard(backend, caller), services.clock())
    await respond(response_type="in_channel" if reply.public else "ephemeral", **reply.message.payload())


def register(app: AsyncApp) -> None:
    app.command("/kilo")(kilo)
