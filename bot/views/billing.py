"""Billing (credits, invoices, payment method, purchase history) and the subscription with seats."""

from __future__ import annotations

from datetime import timedelta

from bot import formatting as fmt
from bot.ids import ActionId, BlockId
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


def billing(overview: BillingOverview) -> Message:
    method = overview.payment_method
    card = (
        f"{method.brand.title()} •••• {method.last4}, expires {method.exp_month:02d}/{method.exp_year}"
        if method
        else "No payment method on file"
    )
    blocks = [
        header(f"Credits left: {fmt.usd(overview.credits.balance_microdollars)}"),
        section(f"*Payment method*\n{card}"),
        actions(
            button("Buy credits", ActionId.BUY_CREDITS, url=overview.purchase_url, style="primary"),
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


def subscription(sub: schemas.SubscriptionOut, *, seats_first: bool) -> Message:
    cycle = "month" if sub.billing_cycle == "monthly" else "year"
    seats = f"{sub.seats_used} of {sub.seat_count} seats used"
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
    if not seats_first:
        fields.insert(0, fields.pop(2))
    history = [
        f"{fmt.billing_day(change.created_at)} · {'+' if change.delta > 0 else ''}{change.delta} seats → "
        f"{change.seats_after} · {fmt.usd(change.prorated_amount_microdollars)} pro-rated"
        for change in sub.seat_history[:10]
    ]
    blocks = [
        header(seats if seats_first else "Kilo for Teams subscription"),
        section(fields=fields),
        divider(),
        section("*Seat history*"),
        *text_sections(history or ["No seat changes yet."]),
        context(
            "Seat changes mid-cycle are pro-rated by the days left in the cycle, to the cent. "
            "Dates are billing days (UTC)."
        ),
    ]
    return Message(text=f"Kilo for Teams: {seats}, next charge {next_charge}", blocks=blocks)
