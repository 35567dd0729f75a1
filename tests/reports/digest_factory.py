"""Realistic DigestData from a seeded generator: a team's week of spend by model, day and person."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kilo_api.money import dollars
from reports.digest_data import (
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
    spend_by_day,
    spend_by_model,
)

# The demo organization's catalogue (backend/demo.py): model, provider, relative popularity × price.
CATALOGUE = (
    ("anthropic/claude-sonnet-4.5", "anthropic", 30 * 9),
    ("openai/gpt-5", "openai", 12 * 6),
    ("anthropic/claude-opus-4.1", "anthropic", 4 * 45),
    ("google/gemini-2.5-pro", "google", 9 * 6),
    ("anthropic/claude-haiku-4.5", "anthropic", 8 * 3),
    ("x-ai/grok-code-fast-1", "xai", 10 * 1),
    ("openai/gpt-5-mini", "openai", 6 * 1),
    ("google/gemini-2.5-flash", "google", 6 * 1),
    ("openai/gpt-4.1", "openai", 3 * 5),
    ("qwen/qwen3-coder", "qwen", 4 * 1),
    ("mistralai/codestral-2508", "mistral", 3 * 1),
    ("deepseek/deepseek-v3.1", "deepseek", 3 * 1),
    ("moonshotai/kimi-k2", "moonshotai", 2 * 2),
    ("z-ai/glm-4.6", "z-ai", 2 * 2),
)
FIRST_NAMES = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Guido")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen")
WEEK_START = date(2026, 3, 2)  # a Monday
BERLIN = ZoneInfo("Europe/Berlin")


def catalogue(model_count: int) -> tuple[tuple[str, str, int], ...]:
    """The demo's 14 models, then long-tail ones (vendorN/model-N) for organizations that try everything."""
    extra = tuple((f"vendor{i % 23}/model-{i}", f"vendor{i % 23}", 1) for i in range(model_count - len(CATALOGUE)))
    return (CATALOGUE + extra)[:model_count]


def _split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """total split by weights into integers that add up to exactly total."""
    if total == 0:
        return [0] * len(weights)
    scale = sum(weights)
    parts = [int(total * w / scale) for w in weights]
    for index in rng.sample(range(len(parts)), k=len(parts)):
        if sum(parts) >= total:
            break
        parts[index] += 1
    parts[0] += total - sum(parts)
    return parts


def _model_days(
    rng: random.Random, start: date, days: int, models: tuple[tuple[str, str, int], ...], day_total: int
) -> tuple[ModelDaySpend, ...]:
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        weekend = day.weekday() >= 5
        total = int(day_total * rng.uniform(0.75, 1.25) * (0.25 if weekend else 1.0))
        weights = [weight * rng.uniform(0.5, 1.5) for _, _, weight in models]
        for (model, _, _), cost in zip(models, _split(rng, total, weights), strict=True):
            if cost:
                rows.append(ModelDaySpend(day, model, cost))
    return tuple(rows)


def _people(rng: random.Random, count: int, total: int, ids: list[str]) -> tuple[PersonSpend, ...]:
    weights = [1 / (rank + 1) ** 1.1 * rng.uniform(0.6, 1.4) for rank in range(count)]
    return tuple(
        PersonSpend(member_id, _name(member_id), cost)
        for member_id, cost in zip(ids[:count], _split(rng, total, weights), strict=True)
        if cost
    )


def _name(member_id: str) -> str:
    index = int(member_id.removeprefix("mem_"))
    return f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index * 7 % len(LAST_NAMES)]}"


def generate_digest_data(
    seed: int = 7,
    *,
    model_count: int = 14,
    history_periods: int = 4,
    people_count: int = 40,
    day_spend: int = dollars(350),
    start: date = WEEK_START,
    days: int = 7,
    zone: ZoneInfo = BERLIN,
    with_people: bool = True,
    organization_name: str = "Acme Robotics",
) -> DigestData:
    """A team's digest data; history_periods=0 is a brand-new organization, day_spend=0 an empty period."""
    rng = random.Random(seed)
    models = catalogue(model_count)
    period = DigestPeriod(start, start + timedelta(days=days), zone)
    generated_at = datetime(period.end.year, period.end.month, period.end.day, 8, 0, tzinfo=UTC)
    model_days = _model_days(rng, start, days, models, day_spend)
    previous_start = start - timedelta(days=days)
    previous_model_days = (
        _model_days(rng, previous_start, days, models, int(day_spend * rng.uniform(0.7, 1.1)))
        if history_periods
        else ()
    )
    cost = sum(row.cost_microdollars for row in model_days)
    by_model = spend_by_model(model_days)
    model_usage = tuple(
        ModelUsage(name, provider, by_model[name], by_model[name] // rng.randint(20_000, 90_000))
        for name, provider, _ in models
        if by_model.get(name)
    )
    successful = sum(m.successful_requests for m in model_usage)
    previous_periods = tuple(
        PastPeriod(
            start - timedelta(days=days * back),
            start - timedelta(days=days * (back - 1)),
            sum(row.cost_microdollars for row in previous_model_days)
            if back == 1
            else int(day_spend * days * rng.uniform(0.5, 0.9)),
        )
        for back in range(1, history_periods + 1)
    )
    member_ids = [f"mem_{i:03d}" for i in range(people_count)]
    people = _people(rng, people_count, cost, member_ids) if with_people else None
    previous_people = (
        _people(rng, people_count, previous_periods[0].cost_microdollars, member_ids)
        if with_people and previous_periods
        else (() if with_people else None)
    )
    daily = spend_by_day((*previous_model_days, *model_days))
    balance = dollars(20_000)
    history = []
    for offset in range(-days * 3, days):
        day = start + timedelta(days=offset)
        spent = daily.get(day, int(day_spend * rng.uniform(0.6, 1.0)))
        balance -= spent
        if offset == -days:
            balance += dollars(5_000)  # a credit purchase
        history.append(BalancePoint(datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1), balance))
    burn = sum(daily.get(period.end - timedelta(days=back), 0) for back in range(1, 8))
    return DigestData(
        organization_name=organization_name,
        period=period,
        generated_at=generated_at,
        totals=UsageTotals(
            cost_microdollars=cost,
            requests=successful + successful // 40,
            successful_requests=successful,
            input_tokens=successful * rng.randint(9_000, 14_000),
            output_tokens=successful * rng.randint(600, 1_400),
        ),
        previous_periods=previous_periods,
        active_users=sum(1 for p in people or ()) or min(people_count, 34),
        seats=SeatFigures(used=40, total=45, idle=3, price_per_seat_microdollars=dollars(29), months_per_cycle=1),
        credits=CreditFigures(
            balance_microdollars=balance,
            as_of=generated_at,
            burn_last_7_days_microdollars=burn,
            history=tuple(history),
        ),
        model_days=model_days,
        previous_model_days=previous_model_days,
        models=model_usage,
        people=people,
        previous_people=previous_people,
    )


def scaled(data: DigestData, factor: int) -> DigestData:
    """The same digest with every amount multiplied (huge organizations)."""
    return replace(
        data,
        totals=replace(data.totals, cost_microdollars=data.totals.cost_microdollars * factor),
        previous_periods=tuple(
            replace(p, cost_microdollars=p.cost_microdollars * factor) for p in data.previous_periods
        ),
        model_days=tuple(replace(r, cost_microdollars=r.cost_microdollars * factor) for r in data.model_days),
        previous_model_days=tuple(
            replace(r, cost_microdollars=r.cost_microdollars * factor) for r in data.previous_model_days
        ),
        models=tuple(replace(m, cost_microdollars=m.cost_microdollars * factor) for m in data.models),
    )


NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin, the week of WEEK_START just ended
PROVIDERS = {model: provider for model, provider, _ in CATALOGUE}


def microdollars(amount: str) -> int:
    """'1,240.005' dollars → microdollars, exactly (no float on the way)."""
    sign = -1 if amount.startswith("-") else 1
    whole, _, fraction = amount.lstrip("-").replace(",", "").partition(".")
    return sign * (int(whole) * 1_000_000 + int((fraction + "000000")[:6]))


def hand_built(
    week: dict[str, list[str]],
    previous: dict[str, list[str]] | None,
    *,
    earlier: tuple[str, ...] = (),
    successful_requests: int = 12_345,
    input_tokens: int = 123_456_789,
    output_tokens: int = 9_876_543,
    active_users: int = 17,
    seats: SeatFigures | None = None,
    credits: CreditFigures | None = None,
    people: dict[str, str] | None = None,
    previous_people: dict[str, str] | None = None,
    zone: ZoneInfo = BERLIN,
    providers: dict[str, str] | None = None,
) -> DigestData:
    """A week written out by hand: model → seven daily amounts in dollars ('200.005'); previous=None is a new org."""
    providers = providers or PROVIDERS
    period = DigestPeriod(WEEK_START, WEEK_START + timedelta(days=7), zone)

    def rows(spend: dict[str, list[str]], start: date) -> tuple[ModelDaySpend, ...]:
        return tuple(
            ModelDaySpend(start + timedelta(days=offset), model, microdollars(amount))
            for model, amounts in spend.items()
            for offset, amount in enumerate(amounts)
            if microdollars(amount)
        )

    model_days = rows(week, WEEK_START)
    previous_start = WEEK_START - timedelta(days=7)
    previous_days = rows(previous or {}, previous_start)
    past = []
    if previous is not None:
        past.append(PastPeriod(previous_start, WEEK_START, sum(r.cost_microdollars for r in previous_days)))
        for back, amount in enumerate(earlier, start=2):
            start = WEEK_START - timedelta(days=7 * back)
            past.append(PastPeriod(start, start + timedelta(days=7), microdollars(amount)))
    by_model = spend_by_model(model_days)
    cost = sum(by_model.values())
    models = tuple(
        ModelUsage(model, providers.get(model, model.split("/")[0]), spent, successful_requests * spent // cost)
        for model, spent in by_model.items()
    )

    def person_rows(spend: dict[str, str] | None) -> tuple[PersonSpend, ...] | None:
        if spend is None:
            return None
        return tuple(
            PersonSpend(f"mem_{name.split()[0].lower()}", name, microdollars(amount)) for name, amount in spend.items()
        )

    return DigestData(
        organization_name="Acme Robotics",
        period=period,
        generated_at=NOW,
        totals=UsageTotals(
            cost_microdollars=cost,
            requests=successful_requests + successful_requests // 50,
            successful_requests=successful_requests if cost else 0,
            input_tokens=input_tokens if cost else 0,
            output_tokens=output_tokens if cost else 0,
        ),
        previous_periods=tuple(past),
        active_users=active_users if cost else 0,
        seats=seats,
        credits=credits,
        model_days=model_days,
        previous_model_days=previous_days,
        models=models,
        people=person_rows(people),
        previous_people=person_rows(previous_people),
    )
