"""Admin actions from Slack: the commands, buttons and member menus that open the admin modals (a loading
view first, inside the trigger's 3 s), and what each modal's submission changes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot import commands as cmd
from bot import kilo_client
from bot.admin_actions import AdminActions, InviteRefused, NameMismatch, PriceChanged, SeatInviteTerms, SeatsFull
from bot.admin_shapes import PolicyChoice
from bot.explain import explain
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import AdminForm, MemberMenu, OrganizationButton, SeatOffer, StaleInteraction, decode
from bot.seat_flows import SeatDesk
from bot.seats import form_idempotency_key
from bot.views import invite as invite_views
from bot.views import manage as views
from bot.views import seats as seat_views
from handlers.listener import Turn, after_ack
from handlers.submission import Outcome, Submitted, view_submission
from kilo_api.enums import BillingCycle, Role

logger = logging.getLogger(__name__)
Build = Callable[[AdminActions], Awaitable[dict[str, Any]]]
MEMBER_MODAL_TITLES = {"role": "Change role", "limit": "Daily spend limit", "remove": "Remove member"}
INVITE_FIELDS = {"email": BlockId.INVITE_EMAIL, "role": BlockId.INVITE_ROLE}
# Every admin form asks Slack for view_closed (notify_on_close), and so does the "working…" view.
CLOSABLE_VIEWS = (
    ViewId.INVITE,
    ViewId.SEAT_INVITE,
    ViewId.SEAT_REQUEST,
    ViewId.MEMBER_ROLE,
    ViewId.DAILY_LIMIT,
    ViewId.REMOVE_MEMBER,
    ViewId.POLICIES,
    ViewId.BILLING_CYCLE,
    ViewId.CANCEL,
    ViewId.CANCEL_CONFIRM,
    ViewId.BUY_CREDITS,
    ViewId.WORKING,
)


async def admin_of(turn: Turn) -> AdminActions:
    caller, client = await turn.caller()
    return AdminActions(client, caller, await client.organization_id())


def form_of(turn: Turn, admin: AdminActions, member_id: str | None = None) -> AdminForm:
    return AdminForm(team_id=turn.asker.team_id, organization_id=admin.organization_id, member_id=member_id)


async def open_modal(
    turn: Turn, title: str, build: Build, *, push: bool = False, check: Callable[[], object] | None = None
) -> None:
    """Open (or push onto the modal clicked in) a loading view at once, the trigger lasts 3 s; then show the
    form, or why there is none. `check`: what to refuse before asking anyone who the person is."""
    show = turn.slack.views_push if push else turn.slack.views_open
    opened = (await show(trigger_id=turn.body["trigger_id"], view=views.loading_modal(title)))["view"]
    try:
        if check is not None:
            check()
        view = await build(await admin_of(turn))
    except Exception as error:
        view = views.problem_modal(title, explain(error))
    try:
        await turn.slack.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
    except SlackApiError as error:
        if error.response.get("error") not in ("not_found", "hash_conflict"):
            raise
        logger.info("the modal was closed or changed before it was filled in")  # nothing to show it to


# --- opening: commands, buttons, member menus ------------------------------------------------------


async def command(turn: Turn, request: cmd.Change) -> None:
    match request:
        case cmd.Audit(limit=limit):
            admin = await admin_of(turn)
            await turn.reply(views.audit_message(await admin.audit(limit), admin.caller.zone, limit))
        case cmd.ResumeSubscription():
            await turn.reply(views.resumed_message(await (await admin_of(turn)).resume()))
        case _:
            title, build = _modal_for(turn, request)
            await open_modal(turn, title, build)


def _modal_for(turn: Turn, request: cmd.Change) -> tuple[str, Build]:
    async def invite(admin: AdminActions) -> dict[str, Any]:
        email, role = (request.email, request.role) if isinstance(request, cmd.Invite) else (None, Role.MEMBER)
        return invite_views.invite_modal(await admin.invite_terms(), form_of(turn, admin), email, role)

    async def policies(admin: AdminActions) -> dict[str, Any]:
        return views.policies_modal(await admin.policies(), admin.caller.organization_name, form_of(turn, admin))

    async def cycle(admin: AdminActions) -> dict[str, Any]:
        return views.billing_cycle_modal(await admin.cycle_terms(), form_of(turn, admin))

    async def cancel(admin: AdminActions) -> dict[str, Any]:
        return views.cancel_modal(await admin.cancel_terms(), form_of(turn, admin))

    async def buy_credits(admin: AdminActions) -> dict[str, Any]:
        amount = request.amount_microdollars if isinstance(request, cmd.BuyCredits) else None
        return views.buy_credits_modal(await admin.credit_terms(), form_of(turn, admin), amount)

    match request:
        case cmd.Invite():
            return "Invite to Kilo", invite
        case cmd.Policies():
            return "Data policies", policies
        case cmd.ChangeBillingCycle():
            return "Billing frequency", cycle
        case cmd.CancelSubscription():
            return "Cancel subscription", cancel
        case cmd.BuyCredits():
            return "Buy credits", buy_credits
    raise AssertionError(f"no modal for {request!r}")


BUTTON_COMMANDS: dict[str, cmd.Change] = {
    ActionId.INVITE_OPEN: cmd.Invite(),
    ActionId.POLICIES_OPEN: cmd.Policies(),
    ActionId.BILLING_CYCLE_OPEN: cmd.ChangeBillingCycle(),
    ActionId.CANCEL_OPEN: cmd.CancelSubscription(),
    ActionId.BUY_CREDITS_OPEN: cmd.BuyCredits(),
}


@after_ack
async def button_clicked(turn: Turn) -> None:
    action = turn.body["actions"][0]
    title, build = _modal_for(turn, BUTTON_COMMANDS[action["action_id"]])

    async def checked(admin: AdminActions) -> dict[str, Any]:
        shown_for = decode(action.get("value"), OrganizationButton)  # made for this organization?
        admin.check_organization(shown_for.organization_id, noun=shown_for.noun, rerun=shown_for.rerun)
        return await build(admin)

    await open_modal(turn, title, checked)


@after_ack
async def member_menu_chosen(turn: Turn) -> None:
    menu = decode((turn.body["actions"][0].get("selected_option") or {}).get("value"), MemberMenu)

    async def build(admin: AdminActions) -> dict[str, Any]:
        admin.check_organization(menu.organization_id, noun=menu.noun, rerun=menu.rerun)
        target = await admin.member_target(menu.member_id)
        form = form_of(turn, admin, target.member.id)
        modal = {"role": views.member_role_modal, "limit": views.daily_limit_modal, "remove": views.remove_member_modal}
        return modal[menu.change](target, form)

    await open_modal(turn, MEMBER_MODAL_TITLES[menu.change], build)


@after_ack
async def resume_clicked(turn: Turn) -> None:
    shown_for = decode(turn.body["actions"][0].get("value"), OrganizationButton)
    admin = await admin_of(turn)
    admin.check_organization(shown_for.organization_id, noun=shown_for.noun, rerun="/kilo subscription")
    await turn.reply(views.resumed_message(await admin.resume()))


def _invite_form(turn: Turn) -> AdminForm:
    """The invite modal a seat button was clicked in (made in this workspace)."""
    form = decode((turn.body.get("view") or {}).get("private_metadata"), AdminForm)
    if form.team_id != turn.asker.team_id:
        raise StaleInteraction(form.noun, "/kilo invite")
    return form


@after_ack
async def add_seat_clicked(turn: Turn) -> None:
    # The email and role as typed so far go along into the pushed modal; its price is Kilo's, read after
    # the loading view is up.
    invite_form = turn.body.get("view") or {}
    email, role = invite_views.typed_email(invite_form), invite_views.typed_role(invite_form)

    async def build(admin: AdminActions) -> dict[str, Any]:
        form = _invite_form(turn)
        admin.check_organization(form.organization_id, noun=form.noun, rerun="/kilo invite")
        return invite_views.seat_invite_modal(await admin.seat_invite_terms(), form, email, role)

    await open_modal(turn, invite_views.SEAT_INVITE_TITLE, build, push=True, check=lambda: _invite_form(turn))


@after_ack
async def request_seat_clicked(turn: Turn) -> None:
    # The request form needs nothing from Kilo, so it is pushed at once; who asks is checked on submit.
    invite_form = turn.body.get("view") or {}
    value = turn.body["actions"][0].get("value")
    try:
        form = _invite_form(turn)
        offer = decode(value, SeatOffer) if value else SeatOffer()
        reason = invite_views.seat_request_reason(invite_views.typed_email(invite_form) or offer.email)
        view = seat_views.seat_request_modal(form, 1, reason)
    except StaleInteraction as stale:
        view = views.problem_modal(seat_views.REQUEST_TITLE, explain(stale))
    await turn.slack.views_push(trigger_id=turn.body["trigger_id"], view=view)


# --- submissions -----------------------------------------------------------------------------------


async def admin_for(job: Submitted[Any], rerun: str) -> AdminActions:
    """Who submits, re-read from the backend now, for the organization the form was made for."""
    admin = await admin_of(job.turn)
    admin.check_organization(job.form.organization_id, noun=job.form.noun, rerun=rerun)
    return admin


def member_id(job: Submitted[Any]) -> str:
    if job.form.member_id is None:
        raise AssertionError("a member form without a member")
    return job.form.member_id


async def invite(job: Submitted[tuple[str, Role]]) -> Outcome:
    admin = await admin_for(job, "/kilo invite")
    try:
        invited = await admin.invite(*job.typed)
    except SeatsFull as full:
        return Outcome(invite_views.seats_full_form(job.view, explain(full)), done=False)
    return Outcome(invite_views.invited_modal(invited))


# the claim's stage an add-a-seat-and-invite records before charging: the seat count it charges for
SEATS_TARGET = "seats_target"


async def add_seat_and_invite(job: Submitted[tuple[str, Role]]) -> Outcome:
    admin = await admin_for(job, "/kilo invite")
    view_id = str(job.view["id"])
    email, role = job.typed
    try:
        result = await admin.add_seat_and_invite(
            email,
            role,
            job.form.fingerprint,
            lambda seats: form_idempotency_key(job.form.team_id, view_id, seats),
            job.turn.now,
            resumed_target=(job.resumed or {}).get(SEATS_TARGET),
            before_charge=lambda seats: job.record_stage({SEATS_TARGET: seats}),
        )
    except InviteRefused as refused:
        raise views.FormProblems({INVITE_FIELDS[refused.field]: refused.message}) from refused
    except PriceChanged as changed:
        terms = SeatInviteTerms(admin.caller.organization_name, changed.plan, admin.caller.member.role is Role.OWNER)
        notice = invite_views.PRICE_CHANGED
        return Outcome(invite_views.seat_invite_modal(terms, job.form, email, role, notice), done=False)
    problem = explain(result.invite_error).text if result.invite_error else None
    return Outcome(invite_views.seat_invited_modal(result, problem))


async def request_seats(job: Submitted[tuple[int, str | None]]) -> Outcome:
    await admin_for(job, "/kilo seats request")  # made for this workspace's organization
    turn = job.turn
    sent = await SeatDesk(turn.kilo, turn.slack, turn.asker, turn.now).create_request(*job.typed)
    return Outcome(invite_views.request_sent_modal(sent))


async def change_role(job: Submitted[Role]) -> Outcome:
    admin = await admin_for(job, "/kilo members")
    try:
        changed = await admin.change_role(member_id(job), job.typed)
    except (kilo_client.Forbidden, kilo_client.Conflict) as refused:  # an Owner's role, or the last Owner
        raise views.FormProblems({BlockId.MEMBER_ROLE: explain(refused).text}) from refused
    return Outcome(views.role_changed_modal(changed))


async def set_daily_limit(job: Submitted[int | None]) -> Outcome:
    admin = await admin_for(job, "/kilo members")
    return Outcome(views.limit_changed_modal(await admin.set_daily_limit(member_id(job), job.typed)))


async def remove_member(job: Submitted[None]) -> Outcome:
    admin = await admin_for(job, "/kilo members")
    return Outcome(views.removed_modal(await admin.remove(member_id(job))))


async def change_policies(job: Submitted[tuple[PolicyChoice, PolicyChoice]]) -> Outcome:
    admin = await admin_for(job, "/kilo policies")
    return Outcome(views.policies_changed_modal(await admin.change_policies(*job.typed)))


async def change_cycle(job: Submitted[BillingCycle]) -> Outcome:
    admin = await admin_for(job, "/kilo subscription cycle")
    return Outcome(views.cycle_changed_modal(await admin.change_cycle(job.typed)))


async def confirm_cancel(job: Submitted[None]) -> Outcome:
    admin = await admin_for(job, "/kilo subscription cancel")
    terms = await admin.cancel_terms()  # still an Owner, still active
    return Outcome(views.cancel_confirm_modal(terms.organization_name, job.form), done=False)


async def cancel(job: Submitted[str]) -> Outcome:
    admin = await admin_for(job, "/kilo subscription cancel")
    try:
        subscription = await admin.cancel(job.typed)
    except NameMismatch as mismatch:
        raise views.FormProblems({BlockId.CANCEL_NAME: str(mismatch)}) from mismatch
    return Outcome(views.cancelled_modal(subscription, admin.caller.organization_name))


async def buy_credits(job: Submitted[int]) -> Outcome:
    admin = await admin_for(job, "/kilo credits buy")
    try:
        bought = await admin.buy_credits(job.typed, job.idempotency_key)
    except kilo_client.PaymentDeclined as declined:  # said next to the amount, the form stays open
        raise views.FormProblems({BlockId.CREDIT_AMOUNT: explain(declined).text}) from declined
    return Outcome(views.credits_bought_modal(bought))


def nothing_typed(_view: dict[str, Any]) -> None:
    return None


async def modal_closed(ack: AsyncAck, body: dict[str, Any]) -> None:
    # Closing a form before submitting changes nothing: nothing is held while a form is open (no claim,
    # no reservation, no charge). Closing the "working…" view does not stop the work; its outcome then goes
    # by DM, because views.update answers not_found for a closed view (handlers/submission.py).
    await ack()
    view = body.get("view") or {}
    logger.info("%s closed by %s", view.get("callback_id"), (body.get("user") or {}).get("id"))


def register(app: AsyncApp) -> None:
    for action_id in BUTTON_COMMANDS:
        app.action(action_id)(button_clicked)
    app.action(ActionId.MEMBER_MENU)(member_menu_chosen)
    app.action(ActionId.RESUME)(resume_clicked)
    app.action(ActionId.SEAT_REQUEST_OPEN)(request_seat_clicked)
    app.action(ActionId.ADD_SEAT_AND_INVITE)(add_seat_clicked)
    app.view(ViewId.INVITE)(view_submission(invite_views.read_invite, invite))
    app.view(ViewId.SEAT_INVITE)(view_submission(invite_views.read_invite, add_seat_and_invite))
    app.view(ViewId.SEAT_REQUEST)(view_submission(invite_views.read_seat_request, request_seats))
    app.view(ViewId.MEMBER_ROLE)(view_submission(views.read_role, change_role))
    app.view(ViewId.DAILY_LIMIT)(view_submission(views.read_daily_limit, set_daily_limit))
    app.view(ViewId.REMOVE_MEMBER)(view_submission(nothing_typed, remove_member))
    app.view(ViewId.POLICIES)(view_submission(views.read_policies, change_policies))
    app.view(ViewId.BILLING_CYCLE)(view_submission(views.read_cycle, change_cycle))
    app.view(ViewId.CANCEL)(view_submission(nothing_typed, confirm_cancel, once=False))
    app.view(ViewId.CANCEL_CONFIRM)(view_submission(views.read_cancel_name, cancel))
    app.view(ViewId.BUY_CREDITS)(view_submission(views.read_credit_amount, buy_credits))
    for callback_id in CLOSABLE_VIEWS:
        app.view_closed(callback_id)(modal_closed)
