"""The invite modal and the seat steps inside it: when no seat is free, "Add a seat and invite" (Owners and
Admins: one seat at Kilo's live pro-rated price, then the invitation) or "Request a seat" (Members)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, EmailInputElement, InputBlock, Option, PlainTextObject, StaticSelectElement

from bot import formatting as fmt
from bot.admin_actions import SeatAndInvite, SeatInviteTerms
from bot.admin_shapes import Invited, InviteTerms
from bot.ids import ActionId, BlockId, ViewId
from bot.inputs import InputRefused, email_address
from bot.interaction import AdminForm, SeatOffer, encode
from bot.seats import parse_seat_number
from bot.views import seats as seat_views
from bot.views.blocks import Message, actions, button, context, section
from bot.views.manage import (
    ROLE_DUTIES,
    ROLE_NAMES,
    FormProblems,
    admin_modal,
    chosen,
    done_modal,
    seats_line,
    typed_text,
    with_problem,
)
from bot.views.problems import names
from kilo_api.enums import Role

SEAT_INVITE_TITLE = "Add a seat and invite"  # 21 of the 24 characters a modal title may have
PRICE_CHANGED = "The price changed since it was shown; this is the price now. Submit again to add the seat."

# --- reading the forms -----------------------------------------------------------------------------


def read_invite(view: dict[str, Any]) -> tuple[str, Role]:
    errors: dict[str, str] = {}
    email = ""
    try:
        email = email_address(typed_text(view, BlockId.INVITE_EMAIL, ActionId.INVITE_EMAIL))
    except InputRefused as refused:
        errors[BlockId.INVITE_EMAIL] = str(refused)
    role_value = chosen(view, BlockId.INVITE_ROLE, ActionId.INVITE_ROLE)
    if role_value not in {r.value for r in Role}:
        errors[BlockId.INVITE_ROLE] = "Choose a role."
    if errors:
        raise FormProblems(errors)
    return email, Role(role_value or "")


def typed_email(view: dict[str, Any]) -> str | None:
    """The email typed into the invite form so far (for the seat buttons inside it), if it is one."""
    try:
        return email_address(typed_text(view, BlockId.INVITE_EMAIL, ActionId.INVITE_EMAIL))
    except InputRefused:
        return None


def typed_role(view: dict[str, Any]) -> Role:
    """The role chosen in the invite form so far (Member if none or a forged one)."""
    try:
        return Role(chosen(view, BlockId.INVITE_ROLE, ActionId.INVITE_ROLE) or "")
    except ValueError:
        return Role.MEMBER


def read_seat_request(view: dict[str, Any]) -> tuple[int, str | None]:
    """How many seats and why, from the seat request modal (errors next to the number)."""
    try:
        seats = parse_seat_number(typed_text(view, BlockId.SEAT_REQUEST_SEATS, ActionId.SEAT_REQUEST_SEATS))
    except ValueError as problem:
        raise FormProblems({BlockId.SEAT_REQUEST_SEATS: str(problem)}) from None
    reason = (typed_text(view, BlockId.SEAT_REQUEST_REASON, ActionId.SEAT_REQUEST_REASON) or "").strip()
    return seats, reason or None


# --- the invite modal ------------------------------------------------------------------------------


def _role_select(roles: list[Role], role: Role) -> InputBlock:
    options = {r: Option(value=r.value, text=ROLE_NAMES[r]) for r in roles}
    return InputBlock(
        block_id=BlockId.INVITE_ROLE,
        label=PlainTextObject(text="Role"),
        element=StaticSelectElement(
            action_id=ActionId.INVITE_ROLE,
            options=list(options.values()),
            initial_option=options.get(role, options[Role.MEMBER]),
        ),
        hint=PlainTextObject(text=ROLE_DUTIES),
    )


def _email_input(email: str | None) -> InputBlock:
    return InputBlock(
        block_id=BlockId.INVITE_EMAIL,
        label=PlainTextObject(text="Email address"),
        element=EmailInputElement(
            action_id=ActionId.INVITE_EMAIL,
            initial_value=email,
            placeholder=PlainTextObject(text="ana@example.com"),
        ),
    )


def _roles(may_invite_owner: bool) -> list[Role]:
    return [Role.MEMBER, Role.ADMIN, *([Role.OWNER] if may_invite_owner else [])]


def invite_modal(terms: InviteTerms, form: AdminForm, email: str | None, role: Role) -> dict[str, Any]:
    if not terms.may_invite:
        return _invite_refused(terms, form, email)
    blocks: list[Block] = [
        section(
            f"Invite someone to *{terms.organization_name}*. They get an email; the invitation holds a seat "
            "for 7 days or until they join."
        ),
        context(seats_line(terms.seats)),
    ]
    if not terms.seat_free:
        blocks += _seats_full_blocks(terms.seats.total, for_manager=True)
    blocks += [_email_input(email), _role_select(_roles(terms.may_invite_owner), role)]
    return admin_modal(ViewId.INVITE, "Invite to Kilo", blocks, form=form, submit="Invite")


def _seats_full_blocks(total: int, *, for_manager: bool, email: str | None = None) -> list[Block]:
    if for_manager:
        return [
            section(f"⚠️ All {total} seats are in use, so nobody more can be invited until a seat is added."),
            actions(button("Add a seat and invite", ActionId.ADD_SEAT_AND_INVITE), block_id=BlockId.SEATS_FULL),
        ]
    offer = encode(SeatOffer(email=email))
    return [
        section(f"⚠️ All {total} seats are in use. An Owner or Admin has to add one before anyone can be invited."),
        actions(button("Request a seat", ActionId.SEAT_REQUEST_OPEN, value=offer), block_id=BlockId.SEATS_FULL),
    ]


def _invite_refused(terms: InviteTerms, form: AdminForm, email: str | None) -> dict[str, Any]:
    blocks: list[Block] = [
        section(f"Only Owners and Admins can invite people to *{terms.organization_name}*."),
        context(f"Ask {names(terms.managers)} to invite them. {seats_line(terms.seats)}."),
    ]
    if not terms.seat_free:
        blocks += _seats_full_blocks(terms.seats.total, for_manager=False, email=email)
    return admin_modal(ViewId.DONE, "Invite to Kilo", blocks, form=form, close="Close")


def seats_full_form(submitted: dict[str, Any], message: Message) -> dict[str, Any]:
    """The invite form again when the seats filled up before it was submitted, offering to add one."""
    offered = any(block.get("block_id") == BlockId.SEATS_FULL for block in submitted.get("blocks", []))
    offer = [] if offered else [actions(button("Add a seat and invite", ActionId.ADD_SEAT_AND_INVITE))]
    return with_problem(submitted, message, offer)


def invited_modal(invited: Invited) -> dict[str, Any]:
    member = invited.member
    expires = fmt.billing_day(member.invite_expires_at) if member.invite_expires_at else "—"
    return done_modal(
        "Invite to Kilo",
        [
            section(f"✅ Invited *{member.email}* as {ROLE_NAMES[member.role]}."),
            context(f"The invitation is open until {expires} (UTC) and holds a seat: {seats_line(invited.seats)}."),
        ],
    )


# --- add a seat and invite (pushed on the invite form) ----------------------------------------------


def seat_invite_modal(
    terms: SeatInviteTerms, form: AdminForm, email: str | None, role: Role, notice: str | None = None
) -> dict[str, Any]:
    """One seat at Kilo's price now (the add-seats modal's own preview lines) and the invitation it is for.
    The form carries the price's fingerprint: submitting charges only that price."""
    blocks: list[Block] = []
    if notice:
        blocks.append(section(f":warning: {notice}"))
    blocks += [
        section(f"Add one seat to *{terms.organization_name}* and invite someone to it."),
        section("\n".join(seat_views.plan_lines(terms.plan)), block_id=BlockId.SEATS_PREVIEW),
        _email_input(email),
        _role_select(_roles(terms.may_invite_owner), role),
        context("The price is Kilo's, as of now; submitting charges the card on file at once, then invites."),
    ]
    shown = AdminForm(team_id=form.team_id, organization_id=form.organization_id, fingerprint=terms.plan.fingerprint)
    return admin_modal(ViewId.SEAT_INVITE, SEAT_INVITE_TITLE, blocks, form=shown, submit="Add seat and invite")


def seat_invited_modal(result: SeatAndInvite, invite_problem: str | None) -> dict[str, Any]:
    """Both outcomes in one view; dismissing it closes the invite form beneath too."""
    charged = fmt.usd(result.change.prorated_amount_microdollars)
    added = f"Added a seat: {result.seats_before} → {result.change.seats_after}, {charged} charged today."
    role = ROLE_NAMES[result.role]
    if result.member is not None and result.seats is not None:
        expires = fmt.billing_day(result.member.invite_expires_at) if result.member.invite_expires_at else "—"
        blocks: list[Block] = [
            section(f"✅ {added} Invited {result.member.email} as {role}."),
            context(f"The invitation is open until {expires} (UTC). {seats_line(result.seats)}."),
        ]
    else:
        blocks = [
            section(f"✅ {added}"),
            section(f"⚠️ But inviting {result.email} failed: {invite_problem or 'Kilo refused it.'}"),
            context(
                f"The seat stays (it is paid for) and is free. Invite them again with `/kilo invite {result.email} "
                f"{result.role.value}` once that is fixed, invite someone else, or give the seat back with "
                "`/kilo seats remove 1`."
            ),
        ]
    return done_modal(SEAT_INVITE_TITLE, blocks, clear_on_close=True)


# --- request a seat (pushed on a Member's invite modal) ---------------------------------------------


def seat_request_reason(email: str | None) -> str | None:
    return f"To invite {email}: every seat is in use." if email else None


def request_sent_modal(sent: Message) -> dict[str, Any]:
    """The request went to the approvers; dismissing this closes the invite modal beneath too."""
    return done_modal(seat_views.REQUEST_TITLE, sent.blocks, clear_on_close=True)
