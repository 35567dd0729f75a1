"""Invoices and payments: numbered invoices of (description, quantity, unit amount) lines, paid by the account
balance first and the card for the rest; refunds to the card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from backend.models import (
    BalanceEntryKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from backend.services import account_balance
from backend.services.errors import NotFound

APPLIED_LINE = "Account balance applied"
CARRIED_LINE = "Credit carried to your account balance"

# Like the payment processors' test cards (Stripe's 4000 0000 0000 0002), a card ending 0002 declines
# every charge: how the reference backend shows what a declined card does.
DECLINING_CARD_LAST4 = "0002"


def primary_payment_method(session: Session, organization_id: str) -> PaymentMethod | None:
    return session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.organization_id == organization_id, PaymentMethod.is_primary.is_(True)
        )
    )


def lock_billing(session: Session, organization_id: str) -> None:
    """Wait for, then hold until commit, the organization's billing lock: its invoice counter row, created
    if absent (insert-if-absent, so concurrent first invoices cannot collide). Idempotent purchases take
    it before looking up their key, so a retry waits for the original and then replays it."""
    _bump_counter(session, organization_id, by=0)


def _next_invoice_number(session: Session, organization_id: str, now: datetime) -> str:
    return f"KILO-{now:%Y%m}-{_bump_counter(session, organization_id, by=1):05d}"


def _bump_counter(session: Session, organization_id: str, *, by: int) -> int:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING: one statement that creates or locks (PostgreSQL row lock;
    SQLite writers hold the database lock) and advances the counter."""
    upsert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        upsert(InvoiceCounter)
        .values(organization_id=organization_id, last_number=by)
        .on_conflict_do_update(
            index_elements=["organization_id"], set_={"last_number": InvoiceCounter.last_number + by}
        )
        .returning(InvoiceCounter.last_number)
    )
    return int(session.execute(statement).scalar_one())


def bill(
    session: Session,
    *,
    organization_id: str,
    period_start: datetime,
    period_end: datetime,
    lines: Sequence[tuple[str, int, int]],
    now: datetime,
    description: str,
    fail_payment: bool = False,
) -> Invoice:
    """Invoice (description, quantity, unit amount) lines and charge the primary card at once.

    The account balance pays first; credits beyond the charges are carried to it, never dropped. Each such
    move is a line of its own, so an invoice's total is always the sum of its lines, and never negative."""
    number = _next_invoice_number(session, organization_id, now)  # takes the billing lock first
    subtotal = sum(quantity * unit_amount for _, quantity, unit_amount in lines)
    available = account_balance.balance(session, organization_id)
    balance_move: tuple[BalanceEntryKind, int] | None = None
    if subtotal < 0:
        balance_move = (BalanceEntryKind.CARRIED, -subtotal)
        lines = [*lines, (CARRIED_LINE, 1, -subtotal)]
    elif subtotal > 0 and available > 0:
        applied = min(available, subtotal)
        balance_move = (BalanceEntryKind.APPLIED, -applied)
        lines = [*lines, (APPLIED_LINE, 1, -applied)]
    invoice = Invoice(
        organization_id=organization_id,
        number=number,
        period_start=period_start,
        period_end=period_end,
        status=InvoiceStatus.OPEN,
        total_microdollars=0,
        created_at=now,
    )
    for position, (text, quantity, unit_amount) in enumerate(lines):
        invoice.lines.append(
            InvoiceLine(
                position=position,
                description=text,
                quantity=quantity,
                unit_amount_microdollars=unit_amount,
                amount_microdollars=quantity * unit_amount,
            )
        )
    invoice.total_microdollars = sum(line.amount_microdollars for line in invoice.lines)
    session.add(invoice)
    session.flush()
    if balance_move is not None:
        kind, amount = balance_move
        account_balance.record(
            session,
            organization_id=organization_id,
            kind=kind,
            amount_microdollars=amount,
            description=f"{'Carried from' if amount > 0 else 'Applied to'} invoice {invoice.number}",
            now=now,
            invoice_id=invoice.id,
        )
    card = primary_payment_method(session, organization_id)
    if card is not None and invoice.total_microdollars > 0:
        succeeded = not fail_payment and card.last4 != DECLINING_CARD_LAST4
        session.add(
            Payment(
                organization_id=organization_id,
                invoice_id=invoice.id,
                amount_microdollars=invoice.total_microdollars,
                status=PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED,
                description=f"{description}, invoice {invoice.number}",
                card_brand=card.brand,
                card_last4=card.last4,
                created_at=now,
            )
        )
        invoice.status = InvoiceStatus.PAID if succeeded else InvoiceStatus.FAILED
        invoice.paid_at = now if succeeded else None
    elif invoice.total_microdollars == 0:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
    return invoice


def refund_to_card(
    session: Session, *, organization_id: str, amount_microdollars: int, description: str, now: datetime
) -> Payment | None:
    """Pay money back to the card on file (a payment of a negative amount, status refunded); None without
    a card."""
    card = primary_payment_method(session, organization_id)
    if card is None:
        return None
    refund = Payment(
        organization_id=organization_id,
        invoice_id=None,
        amount_microdollars=-amount_microdollars,
        status=PaymentStatus.REFUNDED,
        description=description,
        card_brand=card.brand,
        card_last4=card.last4,
        created_at=now,
    )
    session.add(refund)
    session.flush()
    return refund


def list_invoices(session: Session, organization_id: str, *, limit: int, offset: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.organization_id == organization_id)
            .options(selectinload(Invoice.lines))
            .order_by(Invoice.created_at.desc(), Invoice.number.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def get_invoice(session: Session, organization_id: str, invoice_id: str) -> Invoice:
    invoice = session.get(Invoice, invoice_id, options=[selectinload(Invoice.lines)])
    if invoice is None or invoice.organization_id != organization_id:
        raise NotFound("No such invoice.")
    return invoice


def list_payments(session: Session, organization_id: str, *, limit: int, offset: int) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.organization_id == organization_id)
            .order_by(Payment.created_at.desc(), Payment.id)
            .limit(limit)
            .offset(offset)
        )
    )
