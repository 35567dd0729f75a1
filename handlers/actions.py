"""Buttons: member-directory paging; link buttons (invoices, buy credits) only need an ack."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answers import answer
from bot.commands import Members
from bot.ids import ActionId
from bot.interaction import MembersPage, decode
from handlers.listener import Turn, after_ack


@after_ack
async def members_page(turn: Turn) -> None:
    # The value carries only the filter and offset; everything shown is re-read from the backend.
    page = decode(turn.body["actions"][0].get("value"), MembersPage)
    request = Members(role=page.role, query=page.query, offset=page.offset)
    reply = await answer(request, await turn.dashboard(), turn.now)
    await turn.reply(reply.message, replace_original=True)


async def link_opened(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    app.action(re.compile(f"^{ActionId.MEMBERS_PAGE}:"))(members_page)
    app.action(ActionId.BUY_CREDITS)(link_opened)
    app.action(re.compile(f"^{ActionId.INVOICE_DOWNLOAD}:"))(link_opened)
