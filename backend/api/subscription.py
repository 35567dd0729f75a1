"""The subscription and its seats: the plan and next charge, cycle changes, seat quotes and changes,
cancel and resume."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from backend.api.deps import ORGANIZATION_PATH, ORGANIZATION_REFUSALS, Context, Ctx
from backend.api.errors import refusals
from backend.models import Subscription
from backend.services import access, account_balance, organizations, subscriptions
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)


def _subscription_out(session: Session, ctx: Context, subscription: Subscription) -> schemas.SubscriptionOut:
    charge = subscriptions.next_charge(session, subscription)
    credit_at_end = subscriptions.credit_at_end(session, subscription)
    return schemas.SubscriptionOut(
        id=subscription.id,
        plan=subscription.plan,
        status=subscription.status.value,
        billing_cycle=subscription.billing_cycle,
        next_billing_cycle=subscription.next_billing_cycle,
        seat_count=subscription.seat_count,
        seats_used=organizations.seats_used(session, ctx.organization_id, ctx.now),
        price_per_seat_microdollars=subscription.price_per_seat_microdollars,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        auto_renew=subscription.auto_renew,
        cancel_effective_at=subscription.cancel_effective_at,
        next_charge_at=charge.date,
        next_charge_microdollars=charge.amount_microdollars,
        seat_history=[
            schemas.SeatChangeOut.model_validate(change)
            for change in subscriptions.seat_history(session, ctx.organization_id, limit=20)
        ],
        account_balance_microdollars=account_balance.balance(session, ctx.organization_id),
        credit_at_end=schemas.CreditAtEndOut.model_validate(credit_at_end) if credit_at_end else None,
    )


@router.get("/subscription", response_model=schemas.SubscriptionOut, responses=refusals(409))
def get_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        return _subscription_out(session, ctx, ctx.required_subscription(session))


@router.patch("/subscription", response_model=schemas.SubscriptionOut, responses=refusals(403, 409))
def change_subscription(ctx: Ctx, body: schemas.SubscriptionPatchIn) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_manager(ctx.actor(session))
        subscription = ctx.required_subscription(session)
        if body.billing_cycle is not None:
            subscriptions.change_billing_cycle(session, subscription, body.billing_cycle, actor, ctx.now)
        return _subscription_out(session, ctx, subscription)


@router.post(
    "/subscription/billing-cycle/preview", response_model=schemas.BillingCycleQuoteOut, responses=refusals(403, 409)
)
def preview_billing_cycle(ctx: Ctx, body: schemas.BillingCyclePreviewIn) -> schemas.BillingCycleQuoteOut:
    with ctx.transaction() as session:
        access.require_manager(ctx.actor(session))
        return subscriptions.quote_billing_cycle(session, ctx.required_subscription(session), body.billing_cycle)


@router.post("/subscription/seats/preview", response_model=schemas.SeatQuoteOut, responses=refusals(403, 409))
def preview_seats(ctx: Ctx, body: schemas.SeatPreviewIn) -> schemas.SeatQuoteOut:
    with ctx.transaction() as session:
        access.require_manager(ctx.actor(session))
        return subscriptions.quote_seat_change(session, ctx.required_subscription(session), body.seats, ctx.now)


@router.post("/subscription/seats", response_model=schemas.SeatChangeOut, responses=refusals(402, 403, 409))
def change_seats(ctx: Ctx, body: schemas.SeatChangeIn) -> schemas.SeatChangeOut:
    with ctx.transaction() as session:
        change = subscriptions.change_seats(
            session,
            ctx.required_subscription(session),
            new_seats=body.seats,
            actor=access.require_manager(ctx.actor(session)),
            now=ctx.now,
            idempotency_key=body.idempotency_key,
        )
        return schemas.SeatChangeOut.model_validate(change)


@router.post("/subscription/cancel", response_model=schemas.SubscriptionOut, responses=refusals(403, 409))
def cancel_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_owner(ctx.actor(session))
        subscription = subscriptions.cancel(session, ctx.required_subscription(session), actor, ctx.now)
        return _subscription_out(session, ctx, subscription)


@router.post("/subscription/resume", response_model=schemas.SubscriptionOut, responses=refusals(403, 409))
def resume_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_owner(ctx.actor(session))
        subscription = subscriptions.resume(session, ctx.required_subscription(session), actor, ctx.now)
        return _subscription_out(session, ctx, subscription)
