"""/kilo digest and /kilo alerts: the subscription and alert modals' submissions, and the alerts' buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertsInvalid
from bot.answers import Answer, answer
from bot.channels import ChannelRefused
from bot.chart_images import reply_once_files_ready, with_charts
from bot.commands import Command, UsageTrend
from bot.dashboard import Dashboard
from bot.digest_answers import Asking, digest_answer
from bot.digest_forms import FormInvalid, subscribe_request
from bot.explain import explain
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import AlertAct, AlertsForm, AlertSnooze, DigestSubscribeForm, decode
from bot.payloads import slack_ids
from bot.services import BotServices
from bot.trend_chart import trend_chart as trend_chart_of
from bot.views import alerts as alert_views
from bot.views import digests as views
from handlers.listener import Turn, after_ack

logger = logging.getLogger(__name__)


async def answer_digest(turn: Turn, request: Command) -> None:
    """A /kilo digest or /kilo alerts command (handlers/commands.py hands it over)."""
    caller, backend = await turn.caller()
    asking = Asking(caller, backend, turn.slack, str(turn.body.get("channel_id", "")), turn.now)
    reply = await digest_answer(request, asking, turn.kilo.due)
    if reply.modal is not None:
        await turn.slack.views_open(trigger_id=turn.body["trigger_id"], view=reply.modal)
    if reply.message is not None:
        await turn.reply(reply.message)
        if reply.charts:
            charted = await with_charts(turn.slack, reply.message, reply.charts)
            await reply_once_files_ready(lambda: turn.reply(charted, replace_original=True))


async def trend_chart(turn: Turn, dashboard: Dashboard, request: UsageTrend, answered: Answer) -> None:
    """Replace the trend answer with the same text and its daily chart (drawn in the render pool)."""
    try:
        summary = await dashboard.usage(request.period)
        chart = await trend_chart_of(dashboard.client, summary, dashboard.caller.zone, turn.now)
        message = await with_charts(turn.slack, answered.message, [chart])
        await reply_once_files_ready(lambda: turn.reply(message, public=answered.public, replace_original=True))
    except Exception:  # the text answer is there already; a missing chart is not worth an error message
        logger.exception("could not add the chart to /kilo usage trend")


async def refuse_under(ack: AsyncAck, block_id: str, error: Exception) -> None:
    """A form's failure shown under its channel field: a channel Slack refused (what to do about it), or
    anything else worded by explain(); Slack shows 150 characters of it."""
    text = f"{error.message} {error.hint or ''}" if isinstance(error, ChannelRefused) else explain(error).text
    await ack(response_action="errors", errors={block_id: text[:150]})


async def digest_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    # Checked and saved within Slack's 3 s, so problems show next to their field (response_action=errors).
    asker = slack_ids(body)
    try:
        form = decode(body["view"].get("private_metadata"), DigestSubscribeForm)
        request = subscribe_request(views.submitted_schedule(body["view"]))
        caller, backend = await kilo.identity.resolve(client, asker.team_id, asker.user_id, kilo.clock())
        asking = Asking(caller, backend, client, form.channel_id, kilo.clock())
        reply = await digest_answer(request, asking, kilo.due)
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=invalid.errors)
        return
    except Exception as error:
        await refuse_under(ack, BlockId.DIGEST_CHANNEL, error)
        return
    assert reply.message is not None
    await ack(response_action="update", view=views.subscribed_modal(reply.message))


async def alerts_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    asker = slack_ids(body)
    try:
        decode(body["view"].get("private_metadata"), AlertsForm)
        caller, backend = await kilo.identity.resolve(client, asker.team_id, asker.user_id, kilo.clock())
        asking = Asking(caller, backend, client, "", kilo.clock())
        await asking.dashboard.require_manager("set spend and seat alerts")
        values = alert_views.submitted_alert_values(body["view"])
        rules = await kilo.due.alerts.configure(client, caller, values, kilo.clock())
    except AlertsInvalid as invalid:
        await ack(response_action="errors", errors=invalid.errors)
        return
    except Exception as error:
        await refuse_under(ack, BlockId.ALERT_CHANNEL, error)
        return
    await ack(response_action="update", view=alert_views.alerts_saved_modal(rules))


@after_ack
async def alert_snoozed(turn: Turn) -> None:
    # The button carries only the episode and the choice; the clicker must be an Owner or Admin now.
    snooze = decode(turn.body["actions"][0].get("value"), AlertSnooze)
    await (await turn.dashboard()).require_manager("snooze alerts")
    await turn.kilo.due.alerts.snooze(turn.slack, snooze.episode_id, snooze.choice, turn.asker.user_id, turn.now)


SHOWN_FOR = {"spenders": "see who spent it", "limits": "set daily spend limits"}


@after_ack
async def alert_act(turn: Turn) -> None:
    # Who spent it / Set daily limits: the answer of /kilo usage users (that day) or /kilo members, privately.
    act = decode(turn.body["actions"][0].get("value"), AlertAct)
    dashboard = await turn.dashboard()
    await dashboard.require_manager(SHOWN_FOR[act.show])
    request = await turn.kilo.due.alerts.shown(act.episode_id, act.show)
    reply = await answer(request, dashboard, turn.now)
    await turn.reply(reply.message)


async def link_opened(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    app.view(ViewId.DIGEST_SUBSCRIBE)(digest_submitted)
    app.view(ViewId.ALERTS)(alerts_submitted)
    app.action(re.compile(f"^{ActionId.ALERT_SNOOZE}:"))(alert_snoozed)
    app.action(re.compile(f"^{ActionId.ALERT_ACT}:"))(link_opened)
    app.action(re.compile(f"^{ActionId.ALERT_SHOW}:"))(alert_act)
