"""Admin modals (invite, member role, daily limit, removal, policies, billing cycle, cancel, buy credits),
their results, the audit log, and reading what was typed into them back out of Slack's view state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import formatting as fmt
from bot.admin_shapes import (
    AuditLine,
    CancelTerms,
    CreditsBought,
    CreditTerms,
    CycleChanged,
    CycleTerms,
    MemberChanged,
    MemberTarget,
    PoliciesChanged,
    PolicyChoice,
    Removed,
)
from bot.ids import ActionId, BlockId, ViewId
from bot.inputs import InputRefused, dollars_to_microdollars
from bot.interaction import AdminForm, OrganizationButton, encode
from bot.views.audit import origin_words
from bot.views.blocks import Message, actions, button, clip, context, header, section, text_sections
from bot.views.problems import problem
from kilo_api import schemas
from kilo_api.enums import AuditAction, BillingCycle, MemberStatus, Role
from kilo_api.limits import (
    MAX_CREDIT_PURCHASE_MICRODOLLARS,
    MAX_DAILY_LIMIT_MICRODOLLARS,
    MIN_CREDIT_PURCHASE_MICRODOLLARS,
)
from kilo_api.money import MICRODOLLARS_PER_CENT

ONE_DAY = timedelta(days=1)
MAX_OPTION_DESCRIPTION = 75
ROLE_NAMES = {Role.OWNER: "Owner", Role.ADMIN: "Admin", Role.MEMBER: "Member"}
ROLE_DUTIES = (
    "Owners manage billing and can cancel; Admins manage members, seats, policies and credits; "
    "Members see their own usage and the team's totals."
)
CYCLE_UNIT = {BillingCycle.MONTHLY: "month", BillingCycle.YEARLY: "year"}
POLICY_LABELS = {
    "code_training_opt_out": "Keep our code out of model training",
    "usage_analytics_enabled": "Usage analytics",
}
POLICY_HELP = {
    "code_training_opt_out": "When ticked, Kilo never uses this team's code to train models.",
    "usage_analytics_enabled": "Kilo records which models and features are used (these reports).",
}
LIMIT_NONE, LIMIT_SET = "none", "set"
KEPT_VIEW_KEYS = (
    "type",
    "callback_id",
    "title",
    "submit",
    "close",
    "blocks",
    "private_metadata",
    "clear_on_close",
    "notify_on_close",
)


class FormProblems(Exception):
    """What is wrong with a submitted form, by input block: shown next to each field (response_action errors)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = {block: clip(message, 150) for block, message in errors.items()}


# --- the frame every admin modal shares ----------------------------------------------------------


def admin_modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    form: AdminForm | None = None,
    submit: str | None = None,
    close: str = "Cancel",
    clear_on_close: bool = False,
) -> dict[str, Any]:
    """A form (with `submit`) asks Slack for view_closed, so closing it is acknowledged and logged; a result
    shown on top of other views (`clear_on_close`) closes the whole stack when dismissed."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=clip(title, 24)),
        submit=PlainTextObject(text=submit) if submit else None,
        close=PlainTextObject(text=close),
        private_metadata=encode(form) if form else None,
        blocks=list(blocks),
        notify_on_close=True if submit else None,
        clear_on_close=True if clear_on_close else None,
    )
    return view.to_dict()


def loading_modal(title: str) -> dict[str, Any]:
    """Opened at once, inside the trigger's 3 s, before anything is read from the backend."""
    return admin_modal(ViewId.LOADING, title, [section("⏳ Loading…")], close="Close")


def problem_modal(title: str, message: Message) -> dict[str, Any]:
    return admin_modal(ViewId.DONE, title, message.blocks, close="Close")


def working_modal(submitted: dict[str, Any]) -> dict[str, Any]:
    """What a submission that needs longer than Slack waits shows until its result replaces it."""
    title = str(submitted.get("title", {}).get("text", "Kilo"))
    view = admin_modal(
        ViewId.WORKING,
        title,
        [section("⏳ Working on it… this takes a few seconds. You can close this; the outcome then comes by DM.")],
        close="Close",
        clear_on_close=bool(submitted.get("clear_on_close")),
    )
    view["notify_on_close"] = True  # closed while working: the outcome goes by DM instead
    return view


def with_problem(submitted: dict[str, Any], message: Message, extra: Sequence[Block] = ()) -> dict[str, Any]:
    """The submitted form again, as it was (Slack keeps what was typed in inputs with the same ids), with the
    problem at the top instead of any earlier one."""
    view = {key: submitted[key] for key in KEPT_VIEW_KEYS if key in submitted}
    kept = [b for b in submitted.get("blocks", []) if not str(b.get("block_id", "")).startswith(BlockId.PROBLEM)]
    shown = [block.to_dict() for block in [*message.blocks, *extra]]
    for index, block in enumerate(shown):
        block["block_id"] = f"{BlockId.PROBLEM}_{index}"
    view["blocks"] = [*shown, *kept][:100]
    return view


def problems_message(problems: FormProblems) -> Message:
    return problem(" ".join(problems.errors.values()), "Nothing was changed; correct the form and submit it again.")


def done_modal(title: str, blocks: Sequence[Block], *, clear_on_close: bool = False) -> dict[str, Any]:
    return admin_modal(ViewId.DONE, title, blocks, close="Done", clear_on_close=clear_on_close)


def outcome_message(view: dict[str, Any], *, done: bool) -> Message:
    """What a modal closed while it was working would have shown, as a DM: the result, or why nothing changed."""
    title = str(view.get("title", {}).get("text", "Kilo"))
    if done:
        shown = [b for b in view.get("blocks", []) if b.get("type") in ("section", "context", "header")]
        lines = [title] + [_block_text(b) for b in shown]
    else:
        problems = [b for b in view.get("blocks", []) if str(b.get("block_id", "")).startswith(BlockId.PROBLEM)]
        lines = [f"{title}: not done."] + [_block_text(b) for b in problems]
        lines.append("Open the form again to try once more.")
    text = clip("\n".join(line for line in lines if line), 3000)
    return Message(text=clip(text.replace("\n", " "), 300), blocks=[section(text)])


def _block_text(block: dict[str, Any]) -> str:
    if block.get("type") == "context":
        return " ".join(str(e.get("text", "")) for e in block.get("elements", []) if isinstance(e, dict))
    return str((block.get("text") or {}).get("text", ""))


def seats_line(seats: schemas.SeatUsageOut) -> str:
    return f"{seats.used} of {seats.total} seats used · {seats.available} free"


# --- reading a submitted form --------------------------------------------------------------------


def state_of(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    found = view.get("state", {}).get("values", {}).get(block, {}).get(action)
    return found if isinstance(found, dict) else {}


def typed_text(view: dict[str, Any], block: str, action: str) -> str | None:
    value = state_of(view, block, action).get("value")
    return value if isinstance(value, str) else None


def chosen(view: dict[str, Any], block: str, action: str) -> str | None:
    option = state_of(view, block, action).get("selected_option")
    return str(option.get("value")) if isinstance(option, dict) else None


def _ticked(view: dict[str, Any], block: str, action: str) -> set[str]:
    options = state_of(view, block, action).get("selected_options") or []
    return {str(o.get("value")) for o in options if isinstance(o, dict)}


def _initially_ticked(view: dict[str, Any], block: str) -> set[str]:
    """What the form showed ticked when it was opened (the view's own blocks, as Slack sends them back)."""
    for raw in view.get("blocks", []):
        if raw.get("block_id") == block:
            return {str(o.get("value")) for o in raw.get("element", {}).get("initial_options") or []}
    return set()


def _role(value: str | None, block: str) -> Role:
    try:
        return Role(value or "")
    except ValueError:
        raise FormProblems({block: "Choose a role."}) from None


def read_role(view: dict[str, Any]) -> Role:
    return _role(chosen(view, BlockId.MEMBER_ROLE, ActionId.MEMBER_ROLE), BlockId.MEMBER_ROLE)


def read_daily_limit(view: dict[str, Any]) -> int | None:
    """None clears the limit; a limit is a dollar amount above zero, to the cent."""
    if chosen(view, BlockId.NO_DAILY_LIMIT, ActionId.NO_DAILY_LIMIT) == LIMIT_NONE:
        return None
    try:
        return dollars_to_microdollars(
            typed_text(view, BlockId.DAILY_LIMIT, ActionId.DAILY_LIMIT),
            minimum=MICRODOLLARS_PER_CENT,
            maximum=MAX_DAILY_LIMIT_MICRODOLLARS,
            what="the daily limit",
        )
    except InputRefused as refused:
        raise FormProblems({BlockId.DAILY_LIMIT: str(refused)}) from None


def read_policies(view: dict[str, Any]) -> tuple[PolicyChoice, PolicyChoice]:
    """What the form showed and what was chosen."""
    shown = _initially_ticked(view, BlockId.POLICIES)
    chosen = _ticked(view, BlockId.POLICIES, ActionId.POLICIES)
    return _policy_choice(shown), _policy_choice(chosen)


def _policy_choice(ticked: set[str]) -> PolicyChoice:
    return PolicyChoice("code_training_opt_out" in ticked, "usage_analytics_enabled" in ticked)


def read_cycle(view: dict[str, Any]) -> BillingCycle:
    try:
        return BillingCycle(chosen(view, BlockId.BILLING_CYCLE, ActionId.BILLING_CYCLE) or "")
    except ValueError:
        raise FormProblems({BlockId.BILLING_CYCLE: "Choose monthly or yearly billing."}) from None


def read_cancel_name(view: dict[str, Any]) -> str:
    typed = (typed_text(view, BlockId.CANCEL_NAME, ActionId.CANCEL_NAME) or "").strip()
    if not typed:
        raise FormProblems({BlockId.CANCEL_NAME: "Type the organization's name to confirm."})
    return typed


def read_credit_amount(view: dict[str, Any]) -> int:
    try:
        return dollars_to_microdollars(
            typed_text(view, BlockId.CREDIT_AMOUNT, ActionId.CREDIT_AMOUNT),
            minimum=MIN_CREDIT_PURCHASE_MICRODOLLARS,
            maximum=MAX_CREDIT_PURCHASE_MICRODOLLARS,
            what="the amount",
        )
    except InputRefused as refused:
        raise FormProblems({BlockId.CREDIT_AMOUNT: str(refused)}) from None


# --- members ---------------------------------------------------------------------------------------


def _member_line(target: MemberTarget) -> str:
    member = target.member
    state = " (invited)" if member.status is MemberStatus.INVITED else ""
    return f"*{member.name}* · {member.email} · {ROLE_NAMES[member.role]}{state}"


def member_role_modal(target: MemberTarget, form: AdminForm) -> dict[str, Any]:
    member = target.member
    if target.is_owner and not target.caller_is_owner:
        return done_modal(
            "Change role",
            [section(f"{_member_line(target)}\nOnly Owners can change an Owner's role."), context("Nothing changed.")],
        )
    roles = [Role.MEMBER, Role.ADMIN, *([Role.OWNER] if target.caller_is_owner else [])]
    options = {r: Option(value=r.value, text=ROLE_NAMES[r]) for r in roles}
    blocks: list[Block] = [
        section(_member_line(target)),
        InputBlock(
            block_id=BlockId.MEMBER_ROLE,
            label=PlainTextObject(text="Role"),
            element=StaticSelectElement(
                action_id=ActionId.MEMBER_ROLE, options=list(options.values()), initial_option=options[member.role]
            ),
            hint=PlainTextObject(text=ROLE_DUTIES),
        ),
        context("An organization always keeps at least one Owner."),
    ]
    return admin_modal(ViewId.MEMBER_ROLE, "Change role", blocks, form=form, submit="Change role")


def role_changed_modal(changed: MemberChanged) -> dict[str, Any]:
    before, after = changed.before, changed.after
    if before.role is after.role:
        text = f"Nothing changed: *{after.name}* is already {ROLE_NAMES[after.role]}."
    else:
        text = f"✅ *{after.name}* is now {ROLE_NAMES[after.role]} (was {ROLE_NAMES[before.role]})."
    return done_modal("Change role", [section(text)])


def _dollars_text(amount_microdollars: int) -> str:
    """An amount as a number input shows it: 25.00."""
    cents = amount_microdollars // MICRODOLLARS_PER_CENT
    return f"{cents // 100}.{cents % 100:02d}"


def _limit_text(limit: int | None) -> str:
    return "no daily limit" if limit is None else f"{fmt.usd(limit)} a day"


def daily_limit_modal(target: MemberTarget, form: AdminForm) -> dict[str, Any]:
    member = target.member
    limit = member.daily_limit_microdollars
    choices = {
        LIMIT_NONE: Option(value=LIMIT_NONE, text="No daily limit"),
        LIMIT_SET: Option(value=LIMIT_SET, text="Limit spend per day to the amount below"),
    }
    blocks: list[Block] = [
        section(_member_line(target)),
        context(f"Now: {_limit_text(limit)} · spent today {fmt.usd(target.spend_today_microdollars)} (UTC day)"),
        InputBlock(
            block_id=BlockId.NO_DAILY_LIMIT,
            label=PlainTextObject(text="Daily spend limit"),
            element=RadioButtonsElement(
                action_id=ActionId.NO_DAILY_LIMIT,
                options=list(choices.values()),
                initial_option=choices[LIMIT_NONE if limit is None else LIMIT_SET],
            ),
        ),
        InputBlock(
            block_id=BlockId.DAILY_LIMIT,
            label=PlainTextObject(text="Dollars per day"),
            optional=True,
            element=NumberInputElement(
                action_id=ActionId.DAILY_LIMIT,
                is_decimal_allowed=True,
                initial_value=_dollars_text(limit) if limit is not None else None,
                min_value="0.01",
                max_value=str(MAX_DAILY_LIMIT_MICRODOLLARS // 1_000_000),
                placeholder=PlainTextObject(text="25.00"),
            ),
            hint=PlainTextObject(text=f"Up to {fmt.usd(MAX_DAILY_LIMIT_MICRODOLLARS)}, rounded to the cent."),
        ),
    ]
    return admin_modal(ViewId.DAILY_LIMIT, "Daily spend limit", blocks, form=form, submit="Save")


def limit_changed_modal(changed: MemberChanged) -> dict[str, Any]:
    before, after = changed.before.daily_limit_microdollars, changed.after.daily_limit_microdollars
    name = changed.after.name
    if before == after:
        text = f"Nothing changed: *{name}* has {_limit_text(after)}."
    elif after is None:
        text = f"✅ *{name}* has no daily limit now (was {_limit_text(before)})."
    else:
        text = f"✅ *{name}*'s daily limit is now {fmt.usd(after)} (was {_limit_text(before)})."
    return done_modal("Daily spend limit", [section(text)])


def remove_member_modal(target: MemberTarget, form: AdminForm) -> dict[str, Any]:
    member = target.member
    if target.is_owner and not target.caller_is_owner:
        return done_modal(
            "Remove member",
            [section(f"{_member_line(target)}\nOnly Owners can remove an Owner."), context("Nothing changed.")],
        )
    if member.status is MemberStatus.INVITED:
        text = f"Revoke the invitation of *{member.email}*? The seat it holds becomes free."
        submit = "Revoke invitation"
    else:
        text = (
            f"Remove *{member.name}* ({member.email}, {ROLE_NAMES[member.role]})? They lose access to Kilo "
            "for Teams at once and their seat becomes free."
        )
        submit = "Remove"
    blocks = [section(text), context("Their usage stays in the reports. The seat count stays as it is.")]
    return admin_modal(ViewId.REMOVE_MEMBER, "Remove member", blocks, form=form, submit=submit)


def removed_modal(removed: Removed) -> dict[str, Any]:
    member = removed.member
    what = (
        f"Revoked the invitation of *{member.email}*"
        if member.status is MemberStatus.INVITED
        else f"Removed *{member.name}*"
    )
    return done_modal("Remove member", [section(f"✅ {what}."), context(seats_line(removed.seats))])


# --- policies --------------------------------------------------------------------------------------


def _policy_option(name: str) -> Option:
    return Option(value=name, text=POLICY_LABELS[name], description=POLICY_HELP[name])


def policies_modal(policies: schemas.PoliciesOut, organization_name: str, form: AdminForm) -> dict[str, Any]:
    ticked = [_policy_option(name) for name in POLICY_LABELS if getattr(policies, name)]
    blocks: list[Block] = [
        section(f"Data collection for *{organization_name}*."),
        InputBlock(
            block_id=BlockId.POLICIES,
            label=PlainTextObject(text="Policies"),
            optional=True,
            element=CheckboxesElement(
                action_id=ActionId.POLICIES,
                options=[_policy_option(name) for name in POLICY_LABELS],
                initial_options=ticked or None,
            ),
        ),
        context("Only what you change is saved; every change is in the audit log (`/kilo audit`)."),
    ]
    return admin_modal(ViewId.POLICIES, "Data policies", blocks, form=form, submit="Save")


def _on(value: bool) -> str:
    return "on" if value else "off"


def policies_changed_modal(changed: PoliciesChanged) -> dict[str, Any]:
    if not changed.changed:
        lines = ["Nothing changed; the policies are as you left them."]
    else:
        lines = ["✅ Saved."] + [
            f"• {POLICY_LABELS[name]}: {_on(getattr(changed.before, name))} → {_on(getattr(changed.after, name))}"
            for name in changed.changed
        ]
    now = " · ".join(f"{POLICY_LABELS[name]}: {_on(getattr(changed.after, name))}" for name in POLICY_LABELS)
    return done_modal("Data policies", [section("\n".join(lines)), context(now)])


# --- billing cycle ---------------------------------------------------------------------------------


def _price(amount: int, cycle: BillingCycle) -> str:
    return f"{fmt.usd(amount)} per seat per {CYCLE_UNIT[cycle]}"


def _quote_line(quote: schemas.BillingCycleQuoteOut) -> str:
    charge = (
        f"next charge {fmt.usd(quote.next_charge_microdollars)} on {fmt.billing_day(quote.next_charge_at)}"
        if quote.next_charge_at
        else "no further charge"
    )
    return f"{_price(quote.price_per_seat_microdollars, quote.new_cycle)} · {charge}"


def billing_cycle_modal(terms: CycleTerms, form: AdminForm) -> dict[str, Any]:
    sub = terms.subscription
    upcoming = sub.next_billing_cycle or sub.billing_cycle
    other = BillingCycle.YEARLY if upcoming is BillingCycle.MONTHLY else BillingCycle.MONTHLY
    effective = fmt.billing_day(sub.current_period_end)
    options = {
        cycle: Option(
            value=cycle.value,
            text=f"Billed {cycle.value}",
            description=clip(_quote_line(quote), MAX_OPTION_DESCRIPTION),
        )
        for cycle, quote in terms.quotes.items()
    }
    now = f"Billed *{sub.billing_cycle.value}* now, {_price(sub.price_per_seat_microdollars, sub.billing_cycle)}."
    if upcoming is not sub.billing_cycle:
        now += f" It switches to *{upcoming.value}* at renewal on {effective}."
    blocks: list[Block] = [
        section(now),
        InputBlock(
            block_id=BlockId.BILLING_CYCLE,
            label=PlainTextObject(text="From the next renewal"),
            element=RadioButtonsElement(
                action_id=ActionId.BILLING_CYCLE, options=list(options.values()), initial_option=options[other]
            ),
        ),
        section(
            f"*If you switch to {other.value} billing:* from {effective}, {_quote_line(terms.quotes[other])} "
            f"({sub.seat_count} seats)."
        ),
        context(f"The cycle you are in is paid and stays as it is; a change starts at renewal on {effective} (UTC)."),
    ]
    return admin_modal(ViewId.BILLING_CYCLE, "Billing frequency", blocks, form=form, submit="Save")


def cycle_changed_modal(changed: CycleChanged) -> dict[str, Any]:
    sub = changed.subscription
    upcoming = sub.next_billing_cycle or sub.billing_cycle
    effective = fmt.billing_day(sub.current_period_end)
    if changed.before is upcoming:
        text = f"Nothing changed: billing is {upcoming.value} from {effective}."
    else:
        text = f"✅ Billing switches to *{upcoming.value}* at renewal on {effective}: {_quote_line(changed.quote)}."
    return done_modal("Billing frequency", [section(text)])


# --- cancel and resume -----------------------------------------------------------------------------


def cancel_modal(terms: CancelTerms, form: AdminForm) -> dict[str, Any]:
    sub = terms.subscription
    ends = fmt.billing_day(sub.current_period_end)
    last_day = fmt.billing_day(sub.current_period_end - ONE_DAY)
    blocks: list[Block] = [
        section(f"*Cancel Kilo for Teams for {terms.organization_name}?*"),
        *text_sections(
            [
                f"• *Effective {ends}*: the cycle you have paid for runs to the end of {last_day} (UTC); "
                "nothing more is charged.",
                f"• *Seats*: all {sub.seat_count} seats ({sub.seats_used} in use) keep working until then; after "
                "that, members lose access to Kilo for Teams.",
                f"• *Credits*: the balance of {fmt.usd(terms.credit_balance_microdollars)} stays with the "
                "organization; cancelling does not refund it.",
                f"• Changed your mind? `/kilo subscription resume` keeps the subscription, until {ends}.",
            ]
        ),
        context("Next you type the organization's name to confirm."),
    ]
    return admin_modal(ViewId.CANCEL, "Cancel subscription", blocks, form=form, submit="Continue", close="Keep it")


def cancel_confirm_modal(organization_name: str, form: AdminForm) -> dict[str, Any]:
    blocks: list[Block] = [
        section(f"To cancel, type the organization's name: *{organization_name}*"),
        InputBlock(
            block_id=BlockId.CANCEL_NAME,
            label=PlainTextObject(text="Organization name"),
            element=PlainTextInputElement(action_id=ActionId.CANCEL_NAME, max_length=200),
        ),
    ]
    return admin_modal(
        ViewId.CANCEL_CONFIRM, "Cancel subscription", blocks, form=form, submit="Cancel it", close="Keep it"
    )


def cancelled_modal(sub: schemas.SubscriptionOut, organization_name: str) -> dict[str, Any]:
    ends = fmt.billing_day(sub.cancel_effective_at or sub.current_period_end)
    return done_modal(
        "Cancel subscription",
        [
            section(
                f"Kilo for Teams for *{organization_name}* is cancelled: it ends on *{ends}*; until then everything "
                "keeps working and nothing more is charged."
            ),
            context(f"`/kilo subscription resume` keeps it, until {ends}."),
        ],
    )


def resumed_message(sub: schemas.SubscriptionOut) -> Message:
    charge = (
        f" Next charge {fmt.usd(sub.next_charge_microdollars)} on {fmt.billing_day(sub.next_charge_at)}."
        if sub.next_charge_at
        else ""
    )
    text = f"✅ The subscription continues and renews automatically.{charge}"
    return Message(text=text, blocks=[section(text)])


# --- credits ---------------------------------------------------------------------------------------


def _card(method: schemas.PaymentMethodOut | None) -> str:
    return f"{method.brand.title()} •••• {method.last4}" if method else "no card on file"


def buy_credits_modal(terms: CreditTerms, form: AdminForm, amount: int | None) -> dict[str, Any]:
    if terms.payment_method is None:
        return done_modal(
            "Buy credits",
            [
                section("There is no card on file to charge. Add one in the Kilo dashboard, or buy credits there."),
                actions(button("Open the Kilo dashboard", ActionId.BUY_CREDITS, url=terms.purchase_url)),
            ],
        )
    low, high = fmt.usd(MIN_CREDIT_PURCHASE_MICRODOLLARS), fmt.usd(MAX_CREDIT_PURCHASE_MICRODOLLARS)
    blocks: list[Block] = [
        section(
            f"Credits left: *{fmt.usd(terms.balance_microdollars)}*. The amount is charged at once to "
            f"{_card(terms.payment_method)}, with an invoice."
        ),
        InputBlock(
            block_id=BlockId.CREDIT_AMOUNT,
            label=PlainTextObject(text="Amount in dollars"),
            element=NumberInputElement(
                action_id=ActionId.CREDIT_AMOUNT,
                is_decimal_allowed=True,
                initial_value=_dollars_text(amount) if amount else None,
                min_value=str(MIN_CREDIT_PURCHASE_MICRODOLLARS // 1_000_000),
                max_value=str(MAX_CREDIT_PURCHASE_MICRODOLLARS // 1_000_000),
                placeholder=PlainTextObject(text="50.00"),
            ),
            hint=PlainTextObject(text=f"Between {low} and {high}, to the cent."),
        ),
    ]
    return admin_modal(ViewId.BUY_CREDITS, "Buy credits", blocks, form=form, submit="Buy credits")


def credits_bought_modal(bought: CreditsBought) -> dict[str, Any]:
    return done_modal(
        "Buy credits",
        [
            section(
                f"✅ Bought *{fmt.usd(bought.entry.amount_microdollars)}* of credits, charged to "
                f"{_card(bought.payment_method)}."
            ),
            section(f"*Credits left*\n{fmt.usd(bought.balance_microdollars)}"),
            context(bought.entry.description),
        ],
    )


# --- buttons on the answers and the Home tab ---------------------------------------------------------


def organization_button(text: str, action_id: str, organization_id: str, style: str | None = None) -> Any:
    return button(text, action_id, value=encode(OrganizationButton(organization_id=organization_id)), style=style)


# --- audit -----------------------------------------------------------------------------------------


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return _on(value)
    if key.endswith("_microdollars") and isinstance(value, int):
        return fmt.usd(value)
    return str(value)


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None, key: str) -> str:
    return f"{_shown(key, (before or {}).get(key))} → {_shown(key, (after or {}).get(key))}"


def describe(line: AuditLine) -> str:
    """What an audit entry says, in words: who did what to whom, before → after."""
    before, after, target = line.before or {}, line.after or {}, line.target
    match line.action:
        case AuditAction.ORGANIZATION_CREATE:
            return f"created the organization {after.get('name', '')}".rstrip()
        case AuditAction.ORGANIZATION_POLICY_CHANGE:
            changes = [
                f"{POLICY_LABELS.get(key, key)} {_change(before, after, key)}"
                for key in POLICY_LABELS
                if before.get(key) != after.get(key)
            ]
            return "changed data-collection policies: " + ("; ".join(changes) or "no change")
        case AuditAction.MEMBER_INVITE:
            return f"invited {after.get('email', target)} as {after.get('role', 'member')}"
        case AuditAction.MEMBER_ACCEPT_INVITE:
            return "joined (accepted the invitation)"
        case AuditAction.MEMBER_REMOVE:
            return f"removed {target} ({_change(before, after, 'status')})"
        case AuditAction.MEMBER_CHANGE_ROLE:
            return f"changed {target}'s role: {_change(before, after, 'role')}"
        case AuditAction.MEMBER_CHANGE_LIMIT:
            return f"changed {target}'s daily limit: {_change(before, after, 'daily_limit_microdollars')}"
        case AuditAction.SEATS_ADD | AuditAction.SEATS_REMOVE:
            verb = "added" if line.action == AuditAction.SEATS_ADD else "removed"
            amount = after.get("prorated_amount_microdollars")
            prorated = f" ({fmt.usd(amount)} pro-rated)" if isinstance(amount, int) else ""
            return f"{verb} seats: {_change(before, after, 'seats')}{prorated}"
        case AuditAction.SUBSCRIPTION_CANCEL:
            return f"cancelled the subscription ({_change(before, after, 'status')}), effective {_day(after)}"
        case AuditAction.SUBSCRIPTION_RESUME:
            return f"resumed the subscription ({_change(before, after, 'status')})"
        case AuditAction.SUBSCRIPTION_CHANGE_CYCLE:
            return f"changed billing {_change(before, after, 'billing_cycle')} from {_day(after)}"
        case AuditAction.SUBSCRIPTION_RENEW:
            return f"renewed the subscription (invoice {after.get('invoice', '?')})"
        case AuditAction.CREDITS_PURCHASE:
            return f"bought {_shown('amount_microdollars', after.get('amount_microdollars'))} of credits ({target})"
        case AuditAction.API_KEY_CREATE:
            return f"created an API key ({target}…)"
    return f"{line.action} {target}"


def _day(after: dict[str, Any]) -> str:
    raw = after.get("effective_at")
    return fmt.billing_day(datetime.fromisoformat(raw)) if isinstance(raw, str) else "the next renewal"


def _origin(line: AuditLine) -> str:
    words = origin_words(line.client, by_kilo=line.actor is None)
    return f" · _{words}_" if words else ""


def audit_message(lines: list[AuditLine], zone: ZoneInfo, limit: int) -> Message:
    shown = [
        f"`{fmt.local_datetime(line.at, zone)}` *{line.actor or 'Kilo'}* {describe(line)}{_origin(line)}"
        for line in lines
    ]
    blocks: list[Block] = [
        header(f"Audit log: the last {len(lines)} changes" if lines else "Audit log"),
        *text_sections(shown or ["Nothing has been changed yet."]),
        context(
            f"Every change, made in Slack or anywhere else, newest first; times in {zone.key}. "
            f"`/kilo audit {min(limit * 2, 100)}` shows more."
        ),
    ]
    return Message(text=f"Kilo audit log: {len(lines)} changes", blocks=blocks)
