"""Admin actions from Slack: the commands, buttons and member menus that open the admin modals (a loading
view first, inside the trigger's 3 s), and what each modal's submission changes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import commands as cmd
from bot import kilo_client
from bot.admin_actions import AdminActions, NameMismatch, SeatsFull
from bot.admin_shapes import PolicyChoice
from bot.explain import explain
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import AdminForm, MemberMenu, OrganizationButton, decode
from bot.views import manage as views
from handlers.listener import Turn, after_ack
from handlers.submission import Outcome, Submitted, view_submission
from kilo_api.enums import BillingCycle, Role

logger = logging.getLogger(__name__)
Build = Callable[[AdminActions], Awaitable[dict[str, Any]]]
MEMBER_MODAL_TITLES = {"role": "Change role", "limit": "Daily spend limit", "remove": "Remove member"}


async def admin_of(turn: Turn) -> AdminActions:
    caller, client = await turn.caller()
    return AdminActions(client, caller, await client.organization_id())


def form_of(turn: Turn, admin: AdminActions, member_id: str | None = None) -> AdminForm:
    return AdminForm(team_id=turn.asker.team_id, organization_id=admin.organization_id, member_id=member_id)


async def open_modal(turn: Turn, title: str, build: Build) -> None:
    """Open a loading view at once (the trigger lasts 3 s), then show the form, or why there is none."""
    opened = (await turn.slack.views_open(trigger_id=turn.body["trigger_id"], view=views.loading_modal(title)))["view"]
    try:
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
        return views.invite_modal(await admin.invite_terms(), form_of(turn, admin), email, role)

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


@after_ack
async def seat_step_clicked(turn: Turn) -> None:
    # The seat modals belong to `/kilo seats`; from the invite form this says how to get a seat.
    for_manager = turn.body["actions"][0]["action_id"] == ActionId.ADD_SEAT_AND_INVITE
    email = views.typed_email(turn.body.get("view") or {})
    await turn.slack.views_push(
        trigger_id=turn.body["trigger_id"], view=views.seat_next_step_modal(for_manager=for_manager, email=email)
    )


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
        return Outcome(views.seats_full_form(job.view, explain(full)), done=False)
    return Outcome(views.invited_modal(invited))


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


def register(app: AsyncApp) -> None:
    for action_id in BUTTON_COMMANDS:
        app.action(action_id)(button_clicked)
    app.action(ActionId.MEMBER_MENU)(member_menu_chosen)
    app.action(ActionId.RESUME)(resume_clicked)
    app.action(ActionId.SEAT_REQUEST_OPEN)(seat_step_clicked)
    app.action(ActionId.ADD_SEAT_AND_INVITE)(seat_step_clicked)
    app.view(ViewId.INVITE)(view_submission(views.read_invite, invite))
    app.view(ViewId.MEMBER_ROLE)(view_submission(views.read_role, change_role))
    app.view(ViewId.DAILY_LIMIT)(view_submission(views.read_daily_limit, set_daily_limit))
    app.view(ViewId.REMOVE_MEMBER)(view_submission(nothing_typed, remove_member))
    app.view(ViewId.POLICIES)(view_submission(views.read_policies, change_policies))
    app.view(ViewId.BILLING_CYCLE)(view_submission(views.read_cycle, change_cycle))
    app.view(ViewId.CANCEL)(view_submission(nothing_typed, confirm_cancel, once=False))
    app.view(ViewId.CANCEL_CONFIRM)(view_submission(views.read_cancel_name, cancel))
    app.view(ViewId.BUY_CREDITS)(view_submission(views.read_credit_amount, buy_credits))
