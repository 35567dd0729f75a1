"""Seats from Slack: /kilo seats add|remove|request|requests, /kilo approvals, the Add/Remove seats buttons,
the live preview, the modals' submissions, and Approve / Deny / Withdraw on seat requests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Approvals, SeatCommand, SeatsChange, SeatsRequest, SeatsRequests
from bot.explain import explain
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import SeatForm, StaleInteraction, decode, seat_request_id
from bot.payloads import slack_ids
from bot.seat_flows import SeatDesk
from bot.seats import SeatMode, SeatNumberError, parse_seat_number
from bot.services import BotServices
from bot.views import seats as seat_views
from handlers.listener import Turn, after_ack

logger = logging.getLogger(__name__)


def desk(turn: Turn) -> SeatDesk:
    return SeatDesk(turn.kilo, turn.slack, turn.asker, turn.now)


async def seat_command(turn: Turn, request: SeatCommand) -> None:
    match request:
        case SeatsChange(mode=mode, seats=seats):
            await desk(turn).open_seat_form(turn.body["trigger_id"], mode, str(seats))
        case SeatsRequest(seats=seats, reason=reason):
            await turn.reply(await desk(turn).create_request(seats, reason))
        case SeatsRequests():
            await turn.reply(await desk(turn).list_requests())
        case Approvals(channel=None, direct_messages=False):
            await turn.reply(await desk(turn).show_approvals_channel())
        case Approvals(channel=channel):
            await turn.reply(await desk(turn).set_approvals_channel(channel))


@after_ack
async def add_seats_clicked(turn: Turn) -> None:
    await desk(turn).open_seat_form(turn.body["trigger_id"], SeatMode.ADD, None)


@after_ack
async def remove_seats_clicked(turn: Turn) -> None:
    await desk(turn).open_seat_form(turn.body["trigger_id"], SeatMode.REMOVE, None)


@after_ack
async def seat_number_changed(turn: Turn) -> None:
    await desk(turn).refresh_preview(turn.body["view"], turn.body["actions"][0].get("value"))


@after_ack
async def approve_clicked(turn: Turn) -> None:
    await desk(turn).approve_clicked(turn.body, seat_request_id(turn.body["actions"][0].get("value")))


@after_ack
async def deny_clicked(turn: Turn) -> None:
    await desk(turn).deny_clicked(turn.body, seat_request_id(turn.body["actions"][0].get("value")))


@after_ack
async def withdraw_clicked(turn: Turn) -> None:
    await desk(turn).withdraw_clicked(turn.body, seat_request_id(turn.body["actions"][0].get("value")))


def _typed(view: dict[str, Any], block_id: str, action_id: str) -> Any:
    return view.get("state", {}).get("values", {}).get(block_id, {}).get(action_id, {}).get("value")


async def seats_form_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    # Inline errors need no backend; the change itself takes longer than Slack's 3 s may allow, so the
    # modal shows "working…" at once and the outcome arrives with views.update.
    view = body["view"]
    try:
        form = decode(view.get("private_metadata"), SeatForm)
        seats = parse_seat_number(_typed(view, BlockId.SEATS_NUMBER, ActionId.SEATS_NUMBER))
    except (StaleInteraction, SeatNumberError) as problem:
        await ack(response_action="errors", errors={BlockId.SEATS_NUMBER: str(problem)})
        return
    await ack(response_action="update", view=seat_views.working_modal(seat_views.TITLES[SeatMode(form.mode)]))
    await _after_submission(kilo, client, body, lambda seat_desk: seat_desk.submit_seat_form(view, seats))


async def approve_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    await ack(response_action="update", view=seat_views.working_modal("Approve seats", ViewId.SEAT_APPROVE))
    await _after_submission(kilo, client, body, lambda seat_desk: seat_desk.approve_submitted(body["view"]))


async def deny_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
    reason = _typed(body["view"], BlockId.SEAT_DENY_REASON, ActionId.SEAT_DENY_REASON)
    await ack(response_action="update", view=seat_views.working_modal("Deny seats", ViewId.SEAT_DENY))
    reason_text = str(reason).strip() if reason else None
    await _after_submission(kilo, client, body, lambda seat_desk: seat_desk.deny_submitted(body["view"], reason_text))


async def _after_submission(
    kilo: BotServices, client: AsyncWebClient, body: dict[str, Any], work: Callable[[SeatDesk], Awaitable[None]]
) -> None:
    """Run a submission's work after its ack; whatever fails is shown in the modal itself."""
    await kilo.acks_first.after_pending_acks()
    try:
        await work(SeatDesk(kilo, client, slack_ids(body), kilo.clock()))
    except Exception as error:
        title = body["view"].get("title", {}).get("text", "Seats")
        callback_id = body["view"].get("callback_id", ViewId.SEATS_CHANGE)
        try:
            await client.views_update(
                view_id=body["view"]["id"],
                view=seat_views.notice_modal(title, explain(error).text, "Nothing was changed.", callback_id),
            )
        except Exception:
            logger.exception("could not show a seat submission's failure")


async def modal_closed(ack: AsyncAck) -> None:
    # Closing a seat modal changes nothing: the price was only shown, no claim was made.
    await ack()


def register(app: AsyncApp) -> None:
    app.action(ActionId.SEATS_ADD)(add_seats_clicked)
    app.action(ActionId.SEATS_REMOVE)(remove_seats_clicked)
    app.action(ActionId.SEATS_NUMBER)(seat_number_changed)
    app.action(ActionId.SEAT_REQUEST_APPROVE)(approve_clicked)
    app.action(ActionId.SEAT_REQUEST_DENY)(deny_clicked)
    app.action(ActionId.SEAT_REQUEST_WITHDRAW)(withdraw_clicked)
    app.view_submission(ViewId.SEATS_CHANGE)(seats_form_submitted)
    app.view_submission(ViewId.SEAT_APPROVE)(approve_submitted)
    app.view_submission(ViewId.SEAT_DENY)(deny_submitted)
    for callback_id in (ViewId.SEATS_CHANGE, ViewId.SEAT_APPROVE, ViewId.SEAT_DENY):
        app.view_closed(callback_id)(modal_closed)
