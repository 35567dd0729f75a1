"""The billing history: credit purchases, promotions, refunds and seat changes, newest first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.models import CreditKind
from backend.services.credits import ledger
from backend.services.subscriptions import seat_history
from kilo_api.schemas import HistoryEntryOut


def purchase_history(session: Session, organization_id: str, *, limit: int) -> list[HistoryEntryOut]:
    entries = [
        HistoryEntryOut(
            kind=tx.kind.value,
            amount_microdollars=tx.amount_microdollars,
            description=tx.description,
            created_at=tx.created_at,
            reference=tx.id,
        )
        for tx in ledger(
            session,
            organization_id,
            kinds=[CreditKind.PURCHASE, CreditKind.PROMOTIONAL, CreditKind.REFUND, CreditKind.ADJUSTMENT],
            limit=limit,
            offset=0,
        )
    ]
    entries += [
        HistoryEntryOut(
            kind="seats_added" if change.delta > 0 else "seats_removed",
            amount_microdollars=change.prorated_amount_microdollars,
            description=f"{abs(change.delta)} seat(s) {'added' if change.delta > 0 else 'removed'}, "
            f"{change.seats_after} in total",
            created_at=change.created_at,
            reference=change.id,
        )
        for change in seat_history(session, organization_id, limit=limit)
    ]
    entries.sort(key=lambda entry: entry.created_at, reverse=True)
    return entries[:limit]
