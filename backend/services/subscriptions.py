"""Subscriptions and seats: cycles and renewals, pro-rated seat changes, cancel and resume, next charge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import (
    AuditAction,
    BalanceEntryKind,
    BillingCycle,
    CreditKind,
    Invoice,
    InvoiceStatus,
    Member,
    PlanPrice,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionStatus,
)
from backend.services import account_balance, audit, credits, invoices
from backend.services.errors import Conflict, Invalid, NotFound, PaymentDeclined
from backend.services.invoices import bill, lock_billing
from backend.services.organizations import seats_used
from backend.timeutil import add_months, start_of_day
from kilo_api.enums import CreditSettlement
from kilo_api.money import prorate_to_cent
from kilo_api.schemas import BillingCycleQuoteOut, SeatQuoteOut

MAX_SEATS = 10_000


def price_per_seat(session: Session, plan: str, cycle: BillingCycle) -> int:
    price = session.get(PlanPrice, (plan, cycle))
    if price is None:
        raise Invalid(f"The {plan} plan is not offered with {cycle.value} billing.")
    return price.price_per_seat_microdollars


def cycle_end(start: datetime, cycle: BillingCycle, anchor_day: int | None = None) -> datetime:
    """Cycles keep the subscription's day of month: Jan 31 → Feb 28 → Mar 31, never drifting to the 28th."""
    return add_months(start, 12 if cycle is BillingCycle.YEARLY else 1, anchor_day=anchor_day)


def find_subscription(session: Session, organization_id: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.organization_id == organization_id))


def get_subscription(session: Session, organization_id: str) -> Subscription:
    subscription = find_subscription(session, organization_id)
    if subscription is None:
        raise NotFound("This organization has no subscription.")
    return subscription


def create_subscription(
    session: Session,
    *,
    organization_id: str,
    seats: int,
    cycle: BillingCycle,
    start: datetime,
    plan: str = "teams",
) -> Subscription:
    _check_seat_count(seats)
    period_start = start_of_day(start.date())
    subscription = Subscription(
        organization_id=organization_id,
        plan=plan,
        billing_cycle=cycle,
        status=SubscriptionStatus.ACTIVE,
        seat_count=seats,
        price_per_seat_microdollars=price_per_seat(session, plan, cycle),
        current_period_start=period_start,
        current_period_end=cycle_end(period_start, cycle),
        auto_renew=True,
        created_at=start,
    )
    session.add(subscription)
    session.flush()
    _charge_period(session, subscription, credits=[], now=start)
    return subscription


def roll_forward(session: Session, subscription: Subscription, now: datetime) -> Subscription:
    """Renew (or end) every cycle that has finished by `now`; renewals invoice and charge the card."""
    if not _cycle_finished(subscription, now):
        return subscription
    lock(session, subscription)  # a concurrent request may have renewed it meanwhile
    while _cycle_finished(subscription, now):
        if subscription.status is SubscriptionStatus.PENDING_CANCEL or not subscription.auto_renew:
            subscription.status = SubscriptionStatus.ENDED
            subscription.cancel_effective_at = subscription.current_period_end
            _pay_out_credit_at_end(session, subscription, subscription.current_period_end)
            break
        credits = _unbilled_removal_credits(session, subscription)
        if subscription.next_billing_cycle and subscription.next_billing_cycle != subscription.billing_cycle:
            subscription.billing_cycle = subscription.next_billing_cycle
            subscription.price_per_seat_microdollars = price_per_seat(
                session, subscription.plan, subscription.billing_cycle
            )
        subscription.next_billing_cycle = None
        subscription.current_period_start = subscription.current_period_end
        subscription.current_period_end = cycle_end(
            subscription.current_period_start, subscription.billing_cycle, subscription.created_at.day
        )
        invoice = _charge_period(session, subscription, credits=credits, now=subscription.current_period_start)
        for change in credits:
            change.invoice_id = invoice.id
            change.status = SeatChangeStatus.ENDED
        audit.record(
            session,
            organization_id=subscription.organization_id,
            actor=None,
            action=AuditAction.SUBSCRIPTION_RENEW,
            target=subscription.id,
            now=subscription.current_period_start,
            after={"period_start": subscription.current_period_start.isoformat(), "invoice": invoice.number},
        )
    return subscription


def lock(session: Session, subscription: Subscription) -> Subscription:
    """Serialise changes that count seats (invites, seat changes) per organization (PostgreSQL row lock;
    SQLite writers already take the database write lock when their transaction begins)."""
    session.flush()
    session.refresh(subscription, with_for_update=True)
    return subscription


def _cycle_finished(subscription: Subscription, now: datetime) -> bool:
    return subscription.status is not SubscriptionStatus.ENDED and now >= subscription.current_period_end


def _unbilled_removal_credits(session: Session, subscription: Subscription) -> list[SeatChange]:
    """Removal credits waiting for the next renewal invoice (ended ones were paid out with the subscription)."""
    return list(
        session.scalars(
            select(SeatChange)
            .where(
                SeatChange.subscription_id == subscription.id,
                SeatChange.delta < 0,
                SeatChange.invoice_id.is_(None),
                SeatChange.status != SeatChangeStatus.ENDED,
            )
            .order_by(SeatChange.applied_order)
        )
    )


def _pay_out_credit_at_end(session: Session, subscription: Subscription, now: datetime) -> None:
    """What the organization is still owed when its subscription ends (pending removal credits and the
    account balance) is refunded to the card on file, or, without a card, becomes Kilo credits."""
    organization_id = subscription.organization_id
    lock_billing(session, organization_id)
    for change in _unbilled_removal_credits(session, subscription):
        change.status = SeatChangeStatus.ENDED
        account_balance.record(
            session,
            organization_id=organization_id,
            kind=BalanceEntryKind.CARRIED,
            amount_microdollars=-change.prorated_amount_microdollars,
            description=f"Unused time on {-change.delta} removed seat(s), not renewed",
            now=now,
        )
    session.flush()
    owed = account_balance.balance(session, organization_id)
    if owed <= 0:
        return
    description = "Unused seat time when the subscription ended"
    refund = invoices.refund_to_card(
        session, organization_id=organization_id, amount_microdollars=owed, description=description, now=now
    )
    if refund is None:
        credits.add_credit_entry(
            session,
            organization_id=organization_id,
            kind=CreditKind.ADJUSTMENT,
            amount_microdollars=owed,
            description=description,
            now=now,
        )
    account_balance.record(
        session,
        organization_id=organization_id,
        kind=BalanceEntryKind.REFUNDED if refund else BalanceEntryKind.MOVED_TO_CREDITS,
        amount_microdollars=-owed,
        description=description,
        now=now,
        payment_id=refund.id if refund else None,
    )


@dataclass(frozen=True)
class CreditAtEnd:
    """Credit owed when the subscription ends and how it is paid; settled_at is None until then."""

    amount_microdollars: int
    settlement: CreditSettlement
    settled_at: datetime | None


def credit_at_end(session: Session, subscription: Subscription) -> CreditAtEnd | None:
    """For a subscription set to cancel, what will be paid back at its end; once ended, what was."""
    if subscription.status is SubscriptionStatus.ENDED:
        payout = account_balance.last_payout(session, subscription.organization_id)
        if payout is None:
            return None
        settlement = (
            CreditSettlement.REFUND_TO_CARD
            if payout.kind is BalanceEntryKind.REFUNDED
            else CreditSettlement.KILO_CREDITS
        )
        return CreditAtEnd(-payout.amount_microdollars, settlement, payout.created_at)
    if subscription.status is not SubscriptionStatus.PENDING_CANCEL:
        return None
    pending = -sum(c.prorated_amount_microdollars for c in _unbilled_removal_credits(session, subscription))
    owed = pending + account_balance.balance(session, subscription.organization_id)
    if owed <= 0:
        return None
    has_card = invoices.primary_payment_method(session, subscription.organization_id) is not None
    return CreditAtEnd(
        owed, CreditSettlement.REFUND_TO_CARD if has_card else CreditSettlement.KILO_CREDITS, settled_at=None
    )


def _charge_period(
    session: Session, subscription: Subscription, *, credits: Sequence[SeatChange], now: datetime
) -> Invoice:
    lines = [
        (
            f"Kilo for Teams, {subscription.billing_cycle.value} seat",
            subscription.seat_count,
            subscription.price_per_seat_microdollars,
        )
    ]
    lines += [
        (f"Unused time on {-change.delta} removed seat(s)", 1, change.prorated_amount_microdollars)
        for change in credits
    ]
    return bill(
        session,
        organization_id=subscription.organization_id,
        period_start=subscription.current_period_start,
        period_end=subscription.current_period_end,
        lines=lines,
        now=now,
        description="Subscription renewal",
    )


@dataclass(frozen=True)
class NextCharge:
    date: datetime | None
    amount_microdollars: int


def next_charge(session: Session, subscription: Subscription) -> NextCharge:
    if subscription.status is not SubscriptionStatus.ACTIVE or not subscription.auto_renew:
        return NextCharge(date=None, amount_microdollars=0)
    cycle = subscription.next_billing_cycle or subscription.billing_cycle
    price = (
        subscription.price_per_seat_microdollars
        if cycle is subscription.billing_cycle
        else price_per_seat(session, subscription.plan, cycle)
    )
    credit = sum(c.prorated_amount_microdollars for c in _unbilled_removal_credits(session, subscription))
    carried = account_balance.balance(session, subscription.organization_id)
    return NextCharge(
        date=subscription.current_period_end,
        amount_microdollars=max(0, subscription.seat_count * price + credit - carried),
    )


def quote_seat_change(session: Session, subscription: Subscription, new_seats: int, now: datetime) -> SeatQuoteOut:
    """Pro-rate by the share of whole UTC days left in the cycle, the change day included, to the cent."""
    _check_seat_count(new_seats)
    if subscription.status is SubscriptionStatus.ENDED:
        raise Conflict("The subscription has ended; start a new one before changing seats.")
    delta = new_seats - subscription.seat_count
    if delta == 0:
        raise Invalid(f"The subscription already has {new_seats} seats.")
    used = seats_used(session, subscription.organization_id, now)
    if new_seats < used:
        raise Conflict(
            f"{used} seats are in use; remove members or revoke invitations before going down to {new_seats}."
        )
    start = subscription.current_period_start.date()
    cycle_days = (subscription.current_period_end.date() - start).days
    elapsed_days = (now.date() - start).days
    remaining_days = min(cycle_days, max(0, cycle_days - elapsed_days))
    amount = prorate_to_cent(delta * subscription.price_per_seat_microdollars, remaining_days, cycle_days)
    return SeatQuoteOut(
        current_seats=subscription.seat_count,
        new_seats=new_seats,
        delta=delta,
        price_per_seat_microdollars=subscription.price_per_seat_microdollars,
        cycle_days=cycle_days,
        remaining_days=remaining_days,
        prorated_amount_microdollars=amount,
        seats_used=used,
    )


def change_seats(
    session: Session,
    subscription: Subscription,
    *,
    new_seats: int,
    actor: Member,
    now: datetime,
    idempotency_key: str | None,
) -> SeatChange:
    """Apply a seat change once per idempotency key. An addition's pro-rated charge goes on an invoice paid
    at once (account balance first, then the card); a declined card refuses the whole change (402). Removals
    and additions the balance pays in full charge no card."""
    lock(session, subscription)
    if idempotency_key:
        earlier = session.scalar(
            select(SeatChange).where(
                SeatChange.organization_id == subscription.organization_id,
                SeatChange.idempotency_key == idempotency_key,
            )
        )
        if earlier is not None:
            if earlier.seats_after != new_seats:
                raise Conflict("This idempotency key was already used for a different seat change.")
            return earlier
    quote = quote_seat_change(session, subscription, new_seats, now)
    change = SeatChange(
        organization_id=subscription.organization_id,
        subscription_id=subscription.id,
        delta=quote.delta,
        seats_after=new_seats,
        billing_cycle=subscription.billing_cycle,
        status=SeatChangeStatus.ACTIVE,
        prorated_amount_microdollars=quote.prorated_amount_microdollars,
        actor_member_id=actor.id,
        idempotency_key=idempotency_key,
        applied_order=_next_applied_order(session, subscription.organization_id),
        created_at=now,
    )
    if quote.delta > 0 and quote.prorated_amount_microdollars > 0:
        invoice = bill(
            session,
            organization_id=subscription.organization_id,
            period_start=now,
            period_end=subscription.current_period_end,
            lines=[
                (
                    f"{quote.delta} added seat(s), {quote.remaining_days} of {quote.cycle_days} days",
                    1,
                    quote.prorated_amount_microdollars,
                )
            ],
            now=now,
            description="Seat addition",
        )
        if invoice.status is InvoiceStatus.FAILED:
            # Raising rolls back the invoice, its number and the balance it used with everything else, so the
            # idempotency key stays unused: the same request goes through once the card is fixed.
            card = invoices.primary_payment_method(session, subscription.organization_id)
            named = f"{card.brand.title()} •••• {card.last4}" if card else "on file"
            raise PaymentDeclined(
                f"The card {named} was declined, so nothing was charged and no seats were added "
                f"(still {subscription.seat_count})."
            )
        change.invoice_id = invoice.id
    before = {"seats": subscription.seat_count}
    subscription.seat_count = new_seats
    session.add(change)
    audit.record(
        session,
        organization_id=subscription.organization_id,
        actor=actor,
        action=AuditAction.SEATS_ADD if quote.delta > 0 else AuditAction.SEATS_REMOVE,
        target=subscription.id,
        now=now,
        before=before,
        after={"seats": new_seats, "prorated_amount_microdollars": quote.prorated_amount_microdollars},
    )
    session.flush()
    return change


def _next_applied_order(session: Session, organization_id: str) -> int:
    """Called under the subscription's lock, so concurrent changes get 1, 2, 3… in the order they apply."""
    last = session.scalar(
        select(func.max(SeatChange.applied_order)).where(SeatChange.organization_id == organization_id)
    )
    return int(last or 0) + 1


def seat_history(session: Session, organization_id: str, *, limit: int) -> list[SeatChange]:
    """Newest first, in the order the changes were applied."""
    return list(
        session.scalars(
            select(SeatChange)
            .where(SeatChange.organization_id == organization_id)
            .order_by(SeatChange.applied_order.desc())
            .limit(limit)
        )
    )


def cancel(session: Session, subscription: Subscription, actor: Member, now: datetime) -> Subscription:
    if subscription.status is not SubscriptionStatus.ACTIVE:
        raise Conflict(f"The subscription is {subscription.status.value.replace('_', ' ')}; nothing to cancel.")
    subscription.status = SubscriptionStatus.PENDING_CANCEL
    subscription.auto_renew = False
    subscription.cancel_effective_at = subscription.current_period_end
    audit.record(
        session,
        organization_id=subscription.organization_id,
        actor=actor,
        action=AuditAction.SUBSCRIPTION_CANCEL,
        target=subscription.id,
        now=now,
        before={"status": SubscriptionStatus.ACTIVE.value},
        after={"status": subscription.status.value, "effective_at": subscription.current_period_end.isoformat()},
    )
    return subscription


def resume(session: Session, subscription: Subscription, actor: Member, now: datetime) -> Subscription:
    if subscription.status is not SubscriptionStatus.PENDING_CANCEL:
        raise Conflict("Only a subscription that is set to cancel can be resumed.")
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.auto_renew = True
    subscription.cancel_effective_at = None
    audit.record(
        session,
        organization_id=subscription.organization_id,
        actor=actor,
        action=AuditAction.SUBSCRIPTION_RESUME,
        target=subscription.id,
        now=now,
        before={"status": SubscriptionStatus.PENDING_CANCEL.value},
        after={"status": SubscriptionStatus.ACTIVE.value},
    )
    return subscription


def change_billing_cycle(
    session: Session, subscription: Subscription, cycle: BillingCycle, actor: Member, now: datetime
) -> Subscription:
    """A new billing frequency starts with the next cycle; the current one is already paid."""
    price_per_seat(session, subscription.plan, cycle)  # refuses a cycle the plan does not offer
    if subscription.status is SubscriptionStatus.ENDED:
        raise Conflict("The subscription has ended.")
    before = (subscription.next_billing_cycle or subscription.billing_cycle).value
    subscription.next_billing_cycle = None if cycle is subscription.billing_cycle else cycle
    audit.record(
        session,
        organization_id=subscription.organization_id,
        actor=actor,
        action=AuditAction.SUBSCRIPTION_CHANGE_CYCLE,
        target=subscription.id,
        now=now,
        before={"billing_cycle": before},
        after={"billing_cycle": cycle.value, "effective_at": subscription.current_period_end.isoformat()},
    )
    return subscription


def quote_billing_cycle(session: Session, subscription: Subscription, cycle: BillingCycle) -> BillingCycleQuoteOut:
    """What billing `cycle` from the next renewal on would cost: the current cycle is paid and unchanged."""
    if subscription.status is SubscriptionStatus.ENDED:
        raise Conflict("The subscription has ended.")
    price = price_per_seat(session, subscription.plan, cycle)
    renews = subscription.status is SubscriptionStatus.ACTIVE and subscription.auto_renew
    credit = sum(c.prorated_amount_microdollars for c in _unbilled_removal_credits(session, subscription))
    return BillingCycleQuoteOut(
        current_cycle=subscription.billing_cycle,
        next_cycle=subscription.next_billing_cycle or subscription.billing_cycle,
        new_cycle=cycle,
        effective_at=subscription.current_period_end,
        seat_count=subscription.seat_count,
        price_per_seat_microdollars=price,
        renews=renews,
        next_charge_at=subscription.current_period_end if renews else None,
        next_charge_microdollars=max(0, subscription.seat_count * price + credit) if renews else 0,
    )


def _check_seat_count(seats: int) -> None:
    if not 1 <= seats <= MAX_SEATS:
        raise Invalid(f"Seat count must be between 1 and {MAX_SEATS:,}.")


def billing_period(subscription: Subscription | None, now: datetime) -> tuple[datetime, datetime]:
    """The current billing period (as renewal will make it, without writing), or the last 30 UTC days
    for an organization without one."""
    if subscription is not None and subscription.current_period_start <= now:
        start, end = subscription.current_period_start, subscription.current_period_end
        renews = subscription.status is SubscriptionStatus.ACTIVE and subscription.auto_renew
        cycle = subscription.next_billing_cycle or subscription.billing_cycle
        while renews and now >= end:
            start, end = end, cycle_end(end, cycle, subscription.created_at.day)
        return start, end
    end = start_of_day(now.date()) + timedelta(days=1)
    return end - timedelta(days=30), end
