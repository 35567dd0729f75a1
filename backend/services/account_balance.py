"""The organization's account balance (like Stripe's customer balance): credit it is owed, kept until
invoices use it or the subscription's end pays it out. The balance is the sum of its entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import AccountBalanceEntry, BalanceEntryKind


def balance(session: Session, organization_id: str) -> int:
    """Credit available to the organization, in microdollars (never negative)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(AccountBalanceEntry.amount_microdollars), 0)).where(
                AccountBalanceEntry.organization_id == organization_id
            )
        )
        or 0
    )


def record(
    session: Session,
    *,
    organization_id: str,
    kind: BalanceEntryKind,
    amount_microdollars: int,
    description: str,
    now: datetime,
    invoice_id: str | None = None,
    payment_id: str | None = None,
) -> AccountBalanceEntry:
    entry = AccountBalanceEntry(
        organization_id=organization_id,
        kind=kind,
        amount_microdollars=amount_microdollars,
        description=description,
        invoice_id=invoice_id,
        payment_id=payment_id,
        created_at=now,
    )
    session.add(entry)
    return entry


def last_payout(session: Session, organization_id: str) -> AccountBalanceEntry | None:
    """The credit paid out when the subscription ended (refund or Kilo credits), if any was owed."""
    return session.scalar(
        select(AccountBalanceEntry)
        .where(
            AccountBalanceEntry.organization_id == organization_id,
            AccountBalanceEntry.kind.in_([BalanceEntryKind.REFUNDED, BalanceEntryKind.MOVED_TO_CREDITS]),
        )
        .order_by(AccountBalanceEntry.created_at.desc(), AccountBalanceEntry.id)
        .limit(1)
    )
