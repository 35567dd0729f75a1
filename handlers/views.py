"""Modal submissions: /kilo connect."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.connect import ConnectRefused, connect
from bot.explain import explain
from bot.ids import BlockId, ViewId
from bot.interaction import ConnectForm, decode
from bot.payloads import slack_ids
from bot.services import BotServices
from bot.views.connect import connected_modal, submitted_values

FIELD_BLOCKS = {"url": BlockId.CONNECT_URL, "key": BlockId.CONNECT_KEY}


async def connect_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    # The checks take well under Slack's 3 s, so errors can be shown next to the fields (response_action).
    try:
        url, key = submitted_values(body["view"])
        form = decode(body["view"].get("private_metadata"), ConnectForm)
        organization = await connect(
            kilo.identity, client, slack_ids(body), form, api_url=url, api_key=key, now=kilo.clock()
        )
    except ConnectRefused as refused:
        await ack(response_action="errors", errors={FIELD_BLOCKS[refused.field]: refused.message})
        return
    except Exception as error:
        await ack(response_action="errors", errors={BlockId.CONNECT_KEY: explain(error).text[:150]})
        return
    await ack(response_action="update", view=connected_modal(organization))


def register(app: AsyncApp) -> None:
    app.view(ViewId.CONNECT)(connect_submitted)
