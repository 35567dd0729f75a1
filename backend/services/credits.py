"""The credit ledger: the balance is the sum of its entries (purchases, usage debits, promotions, refunds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import AuditAction, CreditKind, CreditTransaction, InvoiceStatus, Member
from backend.services import audit
from backend.services.errors import Conflict, Invalid, PaymentDeclined
from backend.services.invoices import bill, lock_billing, primary_payment_method
from kilo_api.schemas import credit_purchase_problem


def credit_balance(session: Session, organization_id: str) -> int:
    """Balance is the sum of the ledger; nothing is stored twice."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CreditTransaction.amount_microdollars), 0)).where(
                CreditTransaction.organization_id == organization_id
            )
        )
        or 0
    )


def add_credit_entry(
    session: Session,
    *,
    organization_id: str,
    kind: CreditKind,
    amount_microdollars: int,
    description: str,
    now: datetime,
    actor: Member | None = None,
    idempotency_key: str | None = None,
) -> CreditTransaction:
    entry = CreditTransaction(
        organization_id=organization_id,
        kind=kind,
        amount_microdollars=amount_microdollars,
        description=description,
        actor_member_id=actor.id if actor else None,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    session.add(entry)
    return entry


def purchase_credits(
    session: Session,
    *,
    organization_id: str,
    amount_microdollars: int,
    actor: Member,
    now: datetime,
    idempotency_key: str | None,
) -> CreditTransaction:
    lock_billing(session, organization_id)  # a concurrent retry waits here, then finds this purchase
    if idempotency_key:
        earlier = session.scalar(
            select(CreditTransaction).where(
                CreditTransaction.organization_id == organization_id,
                CreditTransaction.idempotency_key == idempotency_key,
            )
        )
        if earlier is not None:
            if earlier.amount_microdollars != amount_microdollars:
                raise Conflict("This idempotency key was already used for a different purchase.")
            return earlier
    if problem := credit_purchase_problem(amount_microdollars):
        raise Invalid(problem)
    card = primary_payment_method(session, organization_id)
    if card is None:
        raise Conflict("Add a payment method before buying credits.")
    invoice = bill(
        session,
        organization_id=organization_id,
        period_start=now,
        period_end=now,
        lines=[("Kilo credits", 1, amount_microdollars)],
        now=now,
        description="Credit purchase",
    )
    if invoice.status is InvoiceStatus.FAILED:
        # raising rolls the invoice back with everything else: a declined purchase leaves no trace
        raise PaymentDeclined(f"The card {card.brand.title()} •••• {card.last4} was declined; no credits were bought.")
    entry = add_credit_entry(
        session,
        organization_id=organization_id,
        kind=CreditKind.PURCHASE,
        amount_microdollars=amount_microdollars,
        description=f"Credit purchase, invoice {invoice.number}",
        now=now,
        actor=actor,
        idempotency_key=idempotency_key,
    )
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action=AuditAction.CREDITS_PURCHASE,
        target=invoice.number,
        now=now,
        after={"amount_microdollars": amount_microdollars},
    )
    session.flush()
    return entry


def ledger(
    session: Session, organization_id: str, *, kinds: Sequence[CreditKind] | None, limit: int, offset: int
) -> list[CreditTransaction]:
    statement = select(CreditTransaction).where(CreditTransaction.organization_id == organization_id)
    if kinds:
        statement = statement.where(CreditTransaction.kind.in_(list(kinds)))
    return list(
        session.scalars(
            statement.order_by(CreditTransaction.created_at.desc(), CreditTransaction.id).limit(limit).offset(offset)
        )
    )
