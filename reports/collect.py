"""DigestData gathered from the backend over HTTP (bot/kilo_client): one round of concurrent reads per digest.

Figures come straight from the backend's rollups, so the digest's numbers are the dashboard's numbers;
nothing is estimated here beyond what reports/ derives (changes, run-out) from them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.kilo_client import Forbidden, KiloClient, NotFound
from kilo_api import schemas
from kilo_api.enums import BillingCycle
from reports.digest_data import (
    IDLE_AFTER_DAYS,
    BalancePoint,
    CreditFigures,
    DigestData,
    DigestPeriod,
    ModelDaySpend,
    ModelUsage,
    PastPeriod,
    PersonSpend,
    SeatFigures,
    UsageTotals,
    utc_midnight,
)

CREDIT_HISTORY_DAYS = 28


@dataclass(frozen=True)
class DigestRequest:
    """Which digest to gather: UTC billing days [start, end), the equal earlier periods (newest first),
    the reader's zone, when it is made, and the manager to ask as for per-person figures (None: none)."""

    start: date
    end: date
    earlier: tuple[tuple[date, date], ...]
    zone: ZoneInfo
    generated_at: datetime
    people_actor: str | None = None


async def _subscription(client: KiloClient) -> schemas.SubscriptionOut | None:
    try:
        return await client.subscription()
    except NotFound:
        return None


async def _people(client: KiloClient, actor: str | None, start: date, end: date) -> tuple[PersonSpend, ...] | None:
    if actor is None:
        return None
    try:
        page = await client.usage_by_member(actor, start=start, end=end)
    except Forbidden:  # the subscriber is no longer an Owner or Admin: the digest goes out without people
        return None
    return tuple(PersonSpend(m.member_id, m.name, m.cost_microdollars) for m in page.members if m.cost_microdollars)


async def _daily(client: KiloClient, start: date, end: date) -> schemas.DailyModelUsageOut | None:
    return await client.daily_model_usage(start=start, end=end) if start < end else None


def model_days(rows: list[schemas.DayModelUsageOut]) -> tuple[ModelDaySpend, ...]:
    """Spend per (day, model), the providers of one model added together."""
    spend: dict[tuple[date, str], int] = defaultdict(int)
    for row in rows:
        spend[(row.date, row.model)] += row.cost_microdollars
    return tuple(ModelDaySpend(day, model, cost) for (day, model), cost in sorted(spend.items()) if cost)


def models(rows: list[schemas.DayModelUsageOut]) -> tuple[ModelUsage, ...]:
    """One entry per model: its spend and successful requests, and the provider that served most of it."""
    cost: dict[str, int] = defaultdict(int)
    successful: dict[str, int] = defaultdict(int)
    served: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)  # model → provider → (cost, requests)
    for row in rows:
        cost[row.model] += row.cost_microdollars
        successful[row.model] += row.successful_requests
        spent, requests = served[row.model].get(row.provider, (0, 0))
        served[row.model][row.provider] = (spent + row.cost_microdollars, requests + row.requests)
    return tuple(
        ModelUsage(model, _main_provider(served[model]), cost[model], successful[model]) for model in sorted(cost)
    )


def _main_provider(served: dict[str, tuple[int, int]]) -> str:
    return min(served, key=lambda provider: (-served[provider][0], -served[provider][1], provider))


def totals(rows: list[schemas.DayModelUsageOut]) -> UsageTotals:
    return UsageTotals(
        cost_microdollars=sum(r.cost_microdollars for r in rows),
        requests=sum(r.requests for r in rows),
        successful_requests=sum(r.successful_requests for r in rows),
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
    )


def seat_figures(subscription: schemas.SubscriptionOut | None, activity: schemas.SeatActivityOut) -> SeatFigures | None:
    if subscription is None:
        return None
    return SeatFigures(
        used=activity.seat_holders,
        total=subscription.seat_count,
        idle=activity.idle_seats,
        price_per_seat_microdollars=subscription.price_per_seat_microdollars,
        months_per_cycle=12 if subscription.billing_cycle is BillingCycle.YEARLY else 1,
    )


def credit_figures(history: schemas.CreditHistoryOut) -> CreditFigures | None:
    """None for an organization that has had no credits lately (usage is billed without them)."""
    if history.balance_microdollars <= 0 and all(day.balance_microdollars <= 0 for day in history.days):
        return None
    return CreditFigures(
        balance_microdollars=history.balance_microdollars,
        as_of=history.as_of,
        burn_last_7_days_microdollars=max(0, history.usage_last_7_days_microdollars),
        history=tuple(
            BalancePoint(utc_midnight(day.date + timedelta(days=1)), day.balance_microdollars)
            for day in history.days
            if utc_midnight(day.date + timedelta(days=1)) < history.as_of
        ),
    )


async def collect_digest(client: KiloClient, request: DigestRequest) -> DigestData:
    organization = await client.organization()
    # Only earlier periods the organization existed for are compared with.
    founded = organization.created_at.date()
    earlier = [(start, end) for start, end in request.earlier if start >= founded]
    oldest = min((start for start, _ in earlier), default=request.start)
    previous_start, previous_end = earlier[0] if earlier else (oldest, oldest)
    figures = asyncio.gather(
        client.daily_model_usage(start=request.start, end=request.end),
        _daily(client, oldest, request.start),
        _subscription(client),
        client.seat_activity(idle_days=IDLE_AFTER_DAYS),
        client.credit_history(days=CREDIT_HISTORY_DAYS),
    )
    persons = asyncio.gather(
        _people(client, request.people_actor, request.start, request.end),
        _people(client, request.people_actor if earlier else None, previous_start, previous_end),
    )
    (current, before, subscription, activity, history), (people, previous_people) = await asyncio.gather(
        figures, persons
    )
    earlier_rows = before.days if before else []
    previous_periods = tuple(
        PastPeriod(start, end, sum(r.cost_microdollars for r in earlier_rows if start <= r.date < end))
        for start, end in earlier
    )
    previous_rows = [r for r in earlier_rows if earlier and earlier[0][0] <= r.date < earlier[0][1]]
    return DigestData(
        organization_name=organization.name,
        period=DigestPeriod(request.start, request.end, request.zone),
        generated_at=request.generated_at,
        totals=totals(current.days),
        previous_periods=previous_periods,
        active_users=current.active_members,
        seats=seat_figures(subscription, activity),
        credits=credit_figures(history),
        model_days=model_days(current.days),
        previous_model_days=model_days(previous_rows),
        models=models(current.days),
        people=people,
        previous_people=previous_people if people is not None else None,
    )
