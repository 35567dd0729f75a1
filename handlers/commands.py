"""/kilo: ack at once, then resolve the caller, answer, and reply (ephemeral unless asked otherwise)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.commands import Connect, parse
from bot.connect import check_may_connect
from bot.dashboard import Dashboard
from bot.views.connect import connect_modal
from handlers.errors import replies_on_failure


@replies_on_failure
async def kilo(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    services = context["kilo"]
    await services.acks_first.after_pending_acks()
    request = parse(body.get("text", ""))
    if isinstance(request, Connect):
        current = await check_may_connect(services.identity, client, body["team_id"], body["user_id"], services.clock())
        await client.views_open(
            trigger_id=body["trigger_id"], view=connect_modal(current.api_url, current.organization_name)
        )
        return
    caller, backend = await services.identity.resolve(client, body["team_id"], body["user_id"], services.clock())
    reply = await answer(request, Dashboard(backend, caller), services.clock())
    await services.replies.send(body["response_url"], reply.message, public=reply.public)


def register(app: AsyncApp) -> None:
    app.command("/kilo")(kilo)
