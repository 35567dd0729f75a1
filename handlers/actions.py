"""Buttons: member-directory paging; link buttons (invoices, buy credits) only need an ack."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer
from bot.commands import CommandError, Members
from bot.dashboard import Dashboard
from bot.ids import ActionId
from handlers.errors import replies_on_failure
from kilo_api.enums import Role


def members_page_request(value: str) -> Members:
    """The button's value carries only the filter and offset; everything shown is re-read from the backend."""
    try:
        state = json.loads(value)
        role = Role(state["role"]) if state.get("role") else None
        query = state.get("q") or None
        offset = int(state["offset"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError("That button is out of date; run `/kilo members` again.") from exc
    if offset < 0 or (query is not None and not isinstance(query, str)):
        raise CommandError("That button is out of date; run `/kilo members` again.")
    return Members(role=role, query=query, offset=offset)


@replies_on_failure
async def members_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    services = context["kilo"]
    await services.acks_first.after_pending_acks()
    request = members_page_request(body["actions"][0].get("value", ""))
    caller, backend = await services.identity.resolve(client, body["team"]["id"], body["user"]["id"], services.clock())
    reply = await answer(request, Dashboard(backend, caller), services.clock())
    await services.replies.send(body["response_url"], reply.message, replace_original=True)


async def link_opened(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    app.action(re.compile(f"^{ActionId.MEMBERS_PAGE}:"))(members_page)
    app.action(ActionId.BUY_CREDITS)(link_opened)
    app.action(re.compile(f"^{ActionId.INVOICE_DOWNLOAD}:"))(link_opened)
