"""Seats in Block Kit: the add/remove modal with its live preview, seat requests as approvers and the
requester see them (pending, approved, denied, withdrawn, expired, failed), and their modals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.views import View

from bot import formatting as fmt
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import AdminForm, SeatForm, SeatRequestForm, encode
from bot.seat_requests import MAX_REASON_LENGTH, RequestStatus, SeatRequest
from bot.seats import MAX_SEATS, SeatMode, SeatPlan
from bot.views.blocks import Message, actions, button, clip, context, header, section

TITLES = {SeatMode.ADD: "Add seats", SeatMode.REMOVE: "Remove seats"}  # modal titles: 24 characters at most
REQUEST_TITLE = "Request seats"
CYCLE_WORD = {"monthly": "month", "yearly": "year"}
MAX_REASON_SHOWN = 500
STATUS_MARK = {
    RequestStatus.PENDING: "🕒 pending",
    RequestStatus.APPROVING: "⏳ being approved",
    RequestStatus.APPROVED: "✅ approved",
    RequestStatus.DENIED: "❌ denied",
    RequestStatus.WITHDRAWN: "↩️ withdrawn",
    RequestStatus.EXPIRED: "⌛ expired",
    RequestStatus.FAILED: "⚠️ approval failed",
}


def slack_time(moment: datetime) -> str:
    """A moment every reader sees in their own time zone (Slack's date token; UTC where it is not rendered)."""
    utc = moment.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{time}} {{date_short_pretty}}|{utc:%H:%M} UTC, {utc:%b} {utc.day}>"


def _modal(callback_id: str, title: str, blocks: Sequence[Block], **fields: Any) -> dict[str, Any]:
    return View(
        type="modal", callback_id=callback_id, title=PlainTextObject(text=title), blocks=list(blocks), **fields
    ).to_dict()


def _close(text: str = "Close") -> PlainTextObject:
    return PlainTextObject(text=text)


# --- the add/remove-seats modal -----------------------------------------------------------------


def loading_modal(title: str, callback_id: str = ViewId.SEATS_CHANGE) -> dict[str, Any]:
    """Opened at once on a click, inside the trigger's 3 seconds; replaced once Kilo has answered."""
    return _modal(
        callback_id, title, [section(":hourglass_flowing_sand: Asking Kilo for the current price…")], close=_close()
    )


def working_modal(title: str, callback_id: str = ViewId.SEATS_CHANGE) -> dict[str, Any]:
    """What a submitted modal shows while the change is being made."""
    return _modal(callback_id, title, [section(":hourglass_flowing_sand: Working on it…")], close=_close())


def notice_modal(
    title: str, text: str, hint: str | None = None, callback_id: str = ViewId.SEATS_CHANGE
) -> dict[str, Any]:
    """A refusal, a failure or a result: text, and nothing to submit."""
    blocks: list[Block] = [section(text)]
    if hint:
        blocks.append(context(hint))
    return _modal(callback_id, title, blocks, close=_close())


def plan_lines(plan: SeatPlan) -> list[str]:
    cycle = CYCLE_WORD.get(plan.billing_cycle, plan.billing_cycle)
    days = f"{plan.remaining_days} of {plan.cycle_days} days left in this cycle"
    next_day = fmt.billing_day(plan.next_charge_at) if plan.next_charge_at else "the next renewal"
    if plan.mode is SeatMode.ADD:
        money = f"*Charged today:* {fmt.usd(plan.prorated_microdollars)} ({plan.seats} × {days}), on an invoice"
    else:
        money = (
            f"*Credit:* {fmt.usd(-plan.prorated_microdollars)} for the unused {days}, taken off the next "
            f"invoice ({next_day}, UTC)"
        )
    return [
        money,
        f"*Seats:* {plan.current_seats} → {plan.new_seats} ({plan.seats_used} in use)",
        f"*New recurring amount:* {fmt.usd(plan.new_recurring_microdollars)} per {cycle} "
        f"({plan.new_seats} × {fmt.usd(plan.price_per_seat_microdollars)})",
        f"*Next charge:* {next_day} (UTC)",
    ]


def seat_form_modal(
    team_id: str,
    mode: SeatMode,
    seats: int,
    plan: SeatPlan | None,
    *,
    problem: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The number of seats (refreshing the preview as it changes) and what the change costs now."""
    number = InputBlock(
        block_id=BlockId.SEATS_NUMBER,
        label=PlainTextObject(text="Seats to add" if mode is SeatMode.ADD else "Seats to remove"),
        dispatch_action=True,
        element=NumberInputElement(
            action_id=ActionId.SEATS_NUMBER,
            is_decimal_allowed=False,
            initial_value=str(seats),
            min_value="1",
            max_value=str(MAX_SEATS),
            dispatch_action_config=DispatchActionConfig(
                trigger_actions_on=["on_enter_pressed", "on_character_entered"]
            ),
        ),
        hint=PlainTextObject(text="The price below follows the number as you type."),
    )
    blocks: list[Block] = []
    if notice:
        blocks.append(section(f":warning: {notice}"))
    blocks.append(number)
    if plan is not None and problem is None:
        blocks.append(section("\n".join(plan_lines(plan)), block_id=BlockId.SEATS_PREVIEW))
    else:
        blocks.append(section(f":no_entry_sign: {problem or 'No price yet.'}", block_id=BlockId.SEATS_PREVIEW))
    blocks.append(
        context("Pro-rated by whole UTC days left in the cycle, to the cent. Only Owners and Admins can change seats.")
    )
    fingerprint = plan.fingerprint if plan is not None and problem is None else None
    return _modal(
        ViewId.SEATS_CHANGE,
        TITLES[mode],
        blocks,
        private_metadata=encode(SeatForm(team_id=team_id, mode=mode.value, fingerprint=fingerprint)),
        submit=PlainTextObject(text=TITLES[mode]),
        close=_close("Cancel"),
    )


def seat_change_done(plan: SeatPlan, invoice_number: str | None) -> tuple[dict[str, Any], Message]:
    """The modal after the change, and the message the person gets with before/after and the amount."""
    if plan.mode is SeatMode.ADD:
        amount = f"{fmt.usd(plan.prorated_microdollars)} charged"
        where = f" on invoice {invoice_number}" if invoice_number else ""
    else:
        amount = f"{fmt.usd(-plan.prorated_microdollars)} credited"
        where = f" to the next invoice ({fmt.billing_day(plan.next_charge_at)}, UTC)" if plan.next_charge_at else ""
    cycle = CYCLE_WORD.get(plan.billing_cycle, plan.billing_cycle)
    text = (
        f"✅ Seats: {plan.current_seats} → {plan.new_seats}. {amount}{where}. "
        f"From now on {fmt.usd(plan.new_recurring_microdollars)} per {cycle}."
    )
    return notice_modal(TITLES[plan.mode], text), Message(text=text, blocks=[section(text)])


# --- seat requests ------------------------------------------------------------------------------


def _request_summary(request: SeatRequest) -> str:
    seats = f"{request.seats} more seat{'s' if request.seats != 1 else ''}"
    reason = f"\n>{clip(request.reason, MAX_REASON_SHOWN)}" if request.reason else ""
    return f"<@{request.requester_user_id}> asks for *{seats}*.{reason}"


def decision_line(request: SeatRequest) -> str:
    """What happened to a request, for every copy and for a stale click."""
    by = f"<@{request.decided_by_user_id}>" if request.decided_by_user_id else "someone"
    when = slack_time(request.decided_at) if request.decided_at else ""
    match request.status:
        case RequestStatus.APPROVED:
            charged = fmt.usd(request.charged_microdollars or 0)
            seats = f"{request.seats_before} → {request.seats_after} seats"
            return f"✅ Approved by {by} at {when} — {seats}, {charged} charged"
        case RequestStatus.DENIED:
            return f"❌ Denied by {by}: {request.note}" if request.note else f"❌ Denied by {by} at {when}"
        case RequestStatus.WITHDRAWN:
            return f"↩️ Withdrawn by <@{request.requester_user_id}> at {when}"
        case RequestStatus.EXPIRED:
            return f"⌛ Expired at {when}: nobody decided within 72 hours"
        case RequestStatus.APPROVING:
            return f"⏳ Being approved by {by} (started at {when})"
        case RequestStatus.FAILED:
            reason = (request.note or "no reason given").rstrip(". ")  # Kilo's reasons end with their own period
            return (
                f"⚠️ Approval by {by} failed at {when}: {reason}. Nothing was changed; it can be approved "
                "again once that is fixed."
            )
    return f"🕒 Pending since {slack_time(request.created_at)}, open until {slack_time(request.expires_at)}"


def approvers_message(request: SeatRequest, organization: str, estimate: SeatPlan | None = None) -> Message:
    """The request as approvers see it: Approve and Deny while it is open, the decision afterwards."""
    blocks: list[Block] = [header(f"Seat request · {organization}"), section(_request_summary(request))]
    if estimate is not None:
        cycle = CYCLE_WORD.get(estimate.billing_cycle, estimate.billing_cycle)
        blocks.append(
            section(
                fields=[
                    f"*Pro-rated cost now*\n{fmt.usd(estimate.prorated_microdollars)} "
                    f"({estimate.remaining_days} of {estimate.cycle_days} days)",
                    f"*New recurring amount*\n{fmt.usd(estimate.new_recurring_microdollars)} per {cycle}",
                    f"*Seats*\n{estimate.current_seats} → {estimate.new_seats} ({estimate.seats_used} in use)",
                    f"*Next charge*\n{fmt.billing_day(estimate.next_charge_at)} (UTC)"
                    if estimate.next_charge_at
                    else "*Next charge*\n—",
                ]
            )
        )
    footer: list[Block] = []
    if request.is_open:
        if request.status is RequestStatus.FAILED:
            blocks.append(section(decision_line(request)))
        footer.append(
            actions(
                button("Approve", ActionId.SEAT_REQUEST_APPROVE, value=request.id, style="primary"),
                button("Deny", ActionId.SEAT_REQUEST_DENY, value=request.id, style="danger"),
                block_id=BlockId.SEAT_REQUEST_ACTIONS,
            )
        )
        footer.append(
            context(
                f"Requested {slack_time(request.created_at)} · open for 72 hours · "
                "the price is recomputed when you approve"
            )
        )
    else:
        blocks.append(section(decision_line(request)))
    text = (
        f"Seat request: {request.requester_name} asks for {request.seats} more seat(s) — {STATUS_MARK[request.status]}"
    )
    return Message(text=text, blocks=blocks, footer=footer)


def requester_copy(request: SeatRequest, sent_to: str) -> Message:
    """The requester's own DM: where the request went, and Withdraw while it is open."""
    seats = f"{request.seats} more seat{'s' if request.seats != 1 else ''}"
    blocks: list[Block] = [section(f"You asked for *{seats}*. Sent to {sent_to}.")]
    footer: list[Block] = []
    if request.is_open:
        if request.status is RequestStatus.FAILED:  # still open, but the requester sees why it is not done yet
            blocks.append(section(decision_line(request)))
        footer.append(
            actions(
                button("Withdraw", ActionId.SEAT_REQUEST_WITHDRAW, value=request.id),
                block_id=BlockId.SEAT_REQUEST_ACTIONS,
            )
        )
    else:
        blocks.append(section(decision_line(request)))
    return Message(text=f"Your seat request: {STATUS_MARK[request.status]}", blocks=blocks, footer=footer)


def outcome_for_requester(request: SeatRequest) -> Message:
    seats = f"{request.seats} more seat{'s' if request.seats != 1 else ''}"
    text = f"Your request for {seats}: {decision_line(request)}"
    return Message(text=text, blocks=[section(text)])


def already_decided(request: SeatRequest) -> Message:
    """For a second or stale click: who decided, and when."""
    by = f"<@{request.decided_by_user_id}>" if request.decided_by_user_id else "someone"
    when = slack_time(request.decided_at) if request.decided_at else ""
    text = {
        RequestStatus.APPROVED: f"Already approved by {by} at {when}.",
        RequestStatus.DENIED: f"Already denied by {by} at {when}.",
        RequestStatus.WITHDRAWN: f"Already withdrawn by <@{request.requester_user_id}> at {when}.",
        RequestStatus.EXPIRED: f"This request already expired at {when}.",
        RequestStatus.APPROVING: f"{by} is approving this request right now.",
    }.get(request.status, decision_line(request))
    return Message(text=text, blocks=[section(text), context("Nothing was changed.")])


def approve_modal(team_id: str, request: SeatRequest, plan: SeatPlan, notice: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = []
    if notice:
        blocks.append(section(f":warning: {notice}"))
    blocks += [section(_request_summary(request)), section("\n".join(plan_lines(plan)), block_id=BlockId.SEATS_PREVIEW)]
    blocks.append(context("The price is Kilo's, as of now. Approving charges the card on file at once."))
    return _modal(
        ViewId.SEAT_APPROVE,
        "Approve seats",
        blocks,
        private_metadata=encode(SeatRequestForm(team_id=team_id, request_id=request.id, fingerprint=plan.fingerprint)),
        submit=PlainTextObject(text="Approve and charge"),
        close=_close("Cancel"),
    )


def deny_modal(team_id: str, request: SeatRequest) -> dict[str, Any]:
    reason = InputBlock(
        block_id=BlockId.SEAT_DENY_REASON,
        label=PlainTextObject(text="Reason (optional)"),
        optional=True,
        element=PlainTextInputElement(action_id=ActionId.SEAT_DENY_REASON, multiline=True, max_length=300),
        hint=PlainTextObject(text="Shown to the requester and on every copy of the request."),
    )
    return _modal(
        ViewId.SEAT_DENY,
        "Deny seats",
        [section(_request_summary(request)), reason],
        private_metadata=encode(SeatRequestForm(team_id=team_id, request_id=request.id)),
        submit=PlainTextObject(text="Deny"),
        close=_close("Cancel"),
    )


def request_list(requests: Sequence[SeatRequest]) -> Message:
    lines = [
        f"{STATUS_MARK[r.status]} · <@{r.requester_user_id}> · {r.seats} seat{'s' if r.seats != 1 else ''} · "
        f"{slack_time(r.created_at)}"
        + (f" · “{clip(r.reason, 80)}”" if r.reason else "")
        + ("" if r.is_open else f"\n      {decision_line(r)}")
        for r in requests
    ]
    blocks: list[Block] = [header("Seat requests")]
    blocks += [section(line) for line in lines] or [
        section("No seat requests yet. Anyone can ask with `/kilo seats request 2 why`.")
    ]
    return Message(text=f"Seat requests: {sum(r.is_open for r in requests)} open", blocks=blocks)


def request_sent(sent_to: str, seats: int) -> Message:
    plural = "s" if seats != 1 else ""
    text = f"📨 Your request for {seats} more seat{plural} was sent to {sent_to}. I'll DM you the outcome."
    return Message(text=text, blocks=[section(text)])


def info(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


def seat_request_modal(form: AdminForm, seats: int, reason: str | None) -> dict[str, Any]:
    """Ask the Owners and Admins for seats (as `/kilo seats request N reason` does), as a form."""
    number = InputBlock(
        block_id=BlockId.SEAT_REQUEST_SEATS,
        label=PlainTextObject(text="Seats to ask for"),
        element=NumberInputElement(
            action_id=ActionId.SEAT_REQUEST_SEATS,
            is_decimal_allowed=False,
            initial_value=str(seats),
            min_value="1",
            max_value=str(MAX_SEATS),
        ),
    )
    why = InputBlock(
        block_id=BlockId.SEAT_REQUEST_REASON,
        label=PlainTextObject(text="Reason"),
        optional=True,
        element=PlainTextInputElement(
            action_id=ActionId.SEAT_REQUEST_REASON, multiline=True, max_length=MAX_REASON_LENGTH, initial_value=reason
        ),
        hint=PlainTextObject(text="The Owners and Admins who approve it read this."),
    )
    return _modal(
        ViewId.SEAT_REQUEST,
        REQUEST_TITLE,
        [
            section("Only Owners and Admins can add seats. Ask them: they approve or deny it in Slack."),
            number,
            why,
            context("Nothing is charged until an Owner or Admin approves; I'll DM you the outcome."),
        ],
        private_metadata=encode(form),
        submit=PlainTextObject(text="Send request"),
        close=_close("Cancel"),
        notify_on_close=True,
    )
