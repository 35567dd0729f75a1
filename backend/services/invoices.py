"""Invoices and payments: numbered invoices of (description, quantity, unit amount) lines, charged to the card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from backend.services.errors import NotFound

# Like the payment processors' test cards (Stripe's 4000 0000 0000 0002), a card ending 0002 declines
# every charge: how the reference backend shows what a declined card does.
DECLINING_CARD_LAST4 = "0002"


def primary_payment_method(session: Session, organization_id: str) -> PaymentMethod | None:
    return session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.organization_id == organization_id, PaymentMethod.is_primary.is_(True)
        )
    )


def _next_invoice_number(session: Session, organization_id: str, now: datetime) -> str:
    count = session.scalar(select(func.count()).where(Invoice.organization_id == organization_id)) or 0
    return f"KILO-{now:%Y%m}-{count + 1:05d}"


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
    """Invoice (description, quantity, unit amount) lines and charge the primary card at once."""
    invoice = Invoice(
        organization_id=organization_id,
        number=_next_invoice_number(session, organization_id, now),
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
    invoice.total_microdollars = max(0, sum(line.amount_microdollars for line in invoice.lines))
    session.add(invoice)
    session.flush()
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
