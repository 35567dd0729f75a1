"""/kilo: ack at once, then resolve the caller, answer, and reply (ephemeral unless asked otherwise)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answers import answer
from bot.commands import Change, Connect, SeatCommand, UsageTrend, parse
from bot.connect import check_may_connect
from bot.digest_answers import DIGEST_REQUESTS
from bot.views.connect import connect_modal
from handlers import manage
from handlers.digests import answer_digest, trend_chart
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
        return
    if isinstance(request, SeatCommand):
        await seat_command(turn, request)
        return
    if isinstance(request, DIGEST_REQUESTS):
        await answer_digest(turn, request)
        return
    dashboard = await turn.dashboard()
    reply = await answer(request, dashboard, turn.now)
    await turn.reply(reply.message, public=reply.public)
    if isinstance(request, UsageTrend):
        await trend_chart(turn, dashboard, request, reply)


def register(app: AsyncApp) -> None:
    app.command("/kilo")(kilo_command)
