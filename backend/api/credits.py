"""Credits: the balance and ledger, credit purchases, and the billing history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import ORGANIZATION_PATH, ORGANIZATION_REFUSALS, Ctx, Limit, Offset
from backend.api.errors import refusals
from backend.models import CreditKind
from backend.services import access, account_balance, billing_history, usage_queries
from backend.services import credits as credit_ledger
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)


@router.get("/credits", response_model=schemas.CreditsOut)
def credits(ctx: Ctx, kind: CreditKind | None = None, limit: Limit = 50, offset: Offset = 0) -> schemas.CreditsOut:
    with ctx.transaction(write=False) as session:
        entries = credit_ledger.ledger(
            session, ctx.organization_id, kinds=[kind] if kind else None, limit=limit, offset=offset
        )
        return schemas.CreditsOut(
            balance_microdollars=credit_ledger.credit_balance(session, ctx.organization_id),
            entries=[schemas.CreditEntryOut.model_validate(e) for e in entries],
            account_balance_microdollars=account_balance.balance(session, ctx.organization_id),
        )


@router.post(
    "/credits/purchases",
    response_model=schemas.CreditEntryOut,
    status_code=201,
    responses=refusals(402, 403, 409),
)
def purchase_credits(ctx: Ctx, body: schemas.CreditPurchaseIn) -> schemas.CreditEntryOut:
    with ctx.transaction() as session:
        entry = credit_ledger.purchase_credits(
            session,
            organization_id=ctx.organization_id,
            amount_microdollars=body.amount_microdollars,
            actor=access.require_manager(ctx.actor(session)),
            now=ctx.now,
            idempotency_key=body.idempotency_key,
        )
        return schemas.CreditEntryOut.model_validate(entry)


@router.get("/billing/history", response_model=list[schemas.HistoryEntryOut])
def purchase_history(ctx: Ctx, limit: Limit = 20) -> list[schemas.HistoryEntryOut]:
    with ctx.transaction(write=False) as session:
        return billing_history.purchase_history(session, ctx.organization_id, limit=limit)


@router.get("/credits/history", response_model=schemas.CreditHistoryOut)
def credit_history(
    ctx: Ctx, days: Annotated[int, Query(ge=1, le=usage_queries.MAX_BALANCE_HISTORY_DAYS)] = 28
) -> schemas.CreditHistoryOut:
    """The balance at the end of each recent UTC day and the last 7 days' usage (the run-out projection)."""
    with ctx.transaction(write=False) as session:
        return usage_queries.credit_history(session, ctx.organization_id, ctx.now, days)
