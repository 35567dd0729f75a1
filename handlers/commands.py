"""/kilo: ack at once, then resolve the caller, answer, and reply (ephemeral unless asked otherwise)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answers import answer
from bot.commands import Change, Connect, SeatCommand, parse
from bot.connect import check_may_connect
from bot.views.connect import connect_modal
from handlers import manage
from handlers.listener import Turn, after_ack
from handlers.seats import seat_command


@after_ack
async def kilo_command(turn: Turn) -> None:
    request = parse(turn.body.get("text", ""))
    if isinstance(request, Connect):
        current = await check_may_connect(turn.kilo.identity, turn.slack, turn.asker, turn.now)
        await turn.slack.views_open(trigger_id=turn.body["trigger_id"], view=connect_modal(turn.asker.team_id, current))
        return
    if isinstance(request, Change):
        await manage.command(turn, request)
    if isinstance(request, SeatCommand):
        await seat_command(turn, request)
        return
    reply = await answer(request, await turn.dashboard(), turn.now)
    await turn.reply(reply.message, public=reply.public)


def register(app: AsyncApp) -> None:
    app.command("/kilo")(kilo_command)
