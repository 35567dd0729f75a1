"""Billing (credits, invoices, payment method, purchase history) and the subscription with seats."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.models.blocks import ButtonElement

from bot import formatting as fmt
from bot.ids import ActionId, BlockId
from bot.interaction import OrganizationButton, encode
from bot.shapes import BillingOverview
from bot.views.blocks import Message, actions, button, context, divider, header, section, text_sections
from kilo_api import schemas

ONE_DAY = timedelta(days=1)
STATUS_MARK = {"paid": "✅ paid", "open": "🕒 open", "failed": "❌ failed", "void": "➖ void"}
HISTORY_LABEL = {
    "purchase": "Credit purchase",
    "promotional": "Promotional credit",
    "refund": "Refund",
    "adjustment": "Adjustment",
    "seats_added": "Seats added",
    "seats_removed": "Seats removed",
}


def billing(overview: BillingOverview, *, organization_id: str | None = None) -> Message:
    """`organization_id`: set for Owners and Admins, who can also buy credits here with the card on file."""
    method = overview.payment_method
    card = (
        f"{method.brand.title()} •••• {method.last4}, expires {method.exp_month:02d}/{method.exp_year}"
        if method
        else "No payment method on file"
    )
    blocks = [
        header(f"Credits left: {fmt.usd(overview.credits.balance_microdollars)}"),
        section(f"*Payment method*\n{card}"),
        *(
            [section(f"*Account balance*\n{_account_balance(overview.credits.account_balance_microdollars)}")]
            if overview.credits.account_balance_microdollars
            else []
        ),
        actions(
            button("Buy credits", ActionId.BUY_CREDITS, url=overview.purchase_url, style="primary"),
            *(
                [button("Buy with card on file", ActionId.BUY_CREDITS_OPEN, value=_shown_for(organization_id))]
                if organization_id and method
                else []
            ),
            block_id=BlockId.QUICK_ACTIONS,
        ),
        divider(),
        section("*Recent invoices*"),
    ]
    for invoice in overview.invoices:
        blocks.append(
            section(
                f"*{invoice.number}* · {fmt.usd(invoice.total_microdollars)} · "
                f"{STATUS_MARK.get(invoice.status, invoice.status)}\n"
                f"{fmt.billing_day(invoice.created_at)} · " + "; ".join(line.description for line in invoice.lines[:3]),
                accessory=button("Download PDF", f"{ActionId.INVOICE_DOWNLOAD}:{invoice.id}", url=invoice.download_url),
            )
        )
    if not overview.invoices:
        blocks.append(section("No invoices yet."))
    history = [
        f"{fmt.billing_day(entry.created_at)} · {HISTORY_LABEL.get(entry.kind, entry.kind)} · "
        f"{fmt.usd(entry.amount_microdollars)} · {entry.description}"
        for entry in overview.history
    ]
    blocks += [
        divider(),
        section("*Purchase history*"),
        *text_sections(history or ["Nothing purchased yet."]),
        context("Dates are billing days (UTC), as on the invoices."),
    ]
    return Message(text=f"Kilo credits left: {fmt.usd(overview.credits.balance_microdollars)}", blocks=blocks)


def _shown_for(organization_id: str) -> str:
    return encode(OrganizationButton(organization_id=organization_id))


def subscription_actions(sub: schemas.SubscriptionOut, organization_id: str, *, is_owner: bool) -> list[ButtonElement]:
    """Change the billing cycle (Owners, Admins); cancel or resume (Owners)."""
    value = _shown_for(organization_id)
    shown = [button("Change billing cycle", ActionId.BILLING_CYCLE_OPEN, value=value)] if sub.status != "ended" else []
    if is_owner and sub.status == "active":
        shown.append(button("Cancel subscription", ActionId.CANCEL_OPEN, value=value, style="danger"))
    if is_owner and sub.status == "pending_cancel":
        shown.append(button("Resume subscription", ActionId.RESUME, value=value, style="primary"))
    return shown


def subscription(
    sub: schemas.SubscriptionOut,
    *,
    seats_first: bool,
    organization_id: str | None = None,
    is_owner: bool = False,
) -> Message:
    cycle = "month" if sub.billing_cycle == "monthly" else "year"
    seats = f"{sub.seats_used:,} of {fmt.count(sub.seat_count, 'seat')} used"
    status = {
        "active": "Active, renews automatically" if sub.auto_renew else "Active, does not renew",
        "pending_cancel": f"Cancels at the end of {fmt.billing_day(sub.cancel_effective_at - ONE_DAY)}"
        if sub.cancel_effective_at
        else "Cancelling",
        "ended": "Ended",
    }.get(sub.status, sub.status)
    next_charge = (
        f"{fmt.usd(sub.next_charge_microdollars)} on {fmt.billing_day(sub.next_charge_at)}"
        if sub.next_charge_at
        else "None"
    )
    fields = [
        f"*Seats*\n{seats} ({max(0, sub.seat_count - sub.seats_used)} free)",
        f"*Price*\n{fmt.usd(sub.price_per_seat_microdollars)} per seat per {cycle}",
        f"*Plan*\nKilo for Teams, billed {sub.billing_cycle}",
        f"*Current cycle*\n{fmt.day_range(sub.current_period_start.date(), sub.current_period_end.date())} (UTC)",
        f"*Next charge*\n{next_charge}",
        f"*Status*\n{status}",
    ]
    if sub.next_billing_cycle:
        fields.append(f"*Billing frequency*\nSwitches to {sub.next_billing_cycle} at renewal")
    if sub.account_balance_microdollars:
        fields.append(f"*Account balance*\n{_account_balance(sub.account_balance_microdollars)}")
    if sub.credit_at_end:
        fields.append(f"*Unused seat credit*\n{_credit_at_end(sub.credit_at_end)}")
    if not seats_first:
        fields.insert(0, fields.pop(2))
    history = [
        f"{fmt.billing_day(change.created_at)} · {'+' if change.delta > 0 else ''}{fmt.count(change.delta, 'seat')} → "
        f"{change.seats_after} · {fmt.usd(change.prorated_amount_microdollars)} pro-rated"
        for change in sub.seat_history[:10]
    ]
    blocks = [
        header(seats if seats_first else "Kilo for Teams subscription"),
        section(fields=fields),
        actions(
            button("Add seats", ActionId.SEATS_ADD, style="primary"),
            button("Remove seats", ActionId.SEATS_REMOVE),
            block_id=BlockId.QUICK_ACTIONS,
        ),
        divider(),
        section("*Seat history*"),
        *text_sections(history or ["No seat changes yet."]),
        context(
            "Seat changes mid-cycle are pro-rated by the days left in the cycle, to the cent. "
            "Dates are billing days (UTC)."
        ),
    ]
    buttons = subscription_actions(sub, organization_id, is_owner=is_owner) if organization_id else []
    if buttons:
        blocks.insert(2, actions(*buttons, block_id=BlockId.SUBSCRIPTION_ACTIONS))
    return Message(text=f"Kilo for Teams: {seats}, next charge {next_charge}", blocks=blocks)


def _account_balance(amount_microdollars: int) -> str:
    return f"{fmt.usd(amount_microdollars)} seat credit, paid toward your next invoices"


def _credit_at_end(credit: schemas.CreditAtEndOut) -> str:
    how = "refunded to your card" if credit.settlement == "refund_to_card" else "added to your Kilo credits"
    when = f"on {fmt.billing_day(credit.settled_at)}" if credit.settled_at else "when the subscription ends"
    return f"{fmt.usd(credit.amount_microdollars)} {how} {when}"
