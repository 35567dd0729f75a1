"""A deterministic demo organization: members across roles, many models, months of usage, billing history."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import (
    BillingCycle,
    CreditKind,
    Member,
    MemberStatus,
    Organization,
    PaymentMethod,
    Role,
    UsageEvent,
)
from backend.services import credits, invoices, members, organizations, subscriptions, usage_ingest
from backend.timeutil import start_of_day
from kilo_api.money import dollars
from kilo_api.schemas import UsageEventIn


@dataclass(frozen=True)
class ModelProfile:
    model: str
    provider: str
    input_price: int  # microdollars per million tokens
    output_price: int
    median_latency_ms: int
    popularity: float


MODELS = (
    ModelProfile("anthropic/claude-sonnet-4.5", "anthropic", dollars(3), dollars(15), 4200, 30),
    ModelProfile("anthropic/claude-opus-4.1", "anthropic", dollars(15), dollars(75), 7800, 4),
    ModelProfile("anthropic/claude-haiku-4.5", "anthropic", dollars(1), dollars(5), 1500, 8),
    ModelProfile("openai/gpt-5", "openai", 1_250_000, dollars(10), 6100, 12),
    ModelProfile("openai/gpt-5-mini", "openai", 250_000, dollars(2), 2300, 6),
    ModelProfile("openai/gpt-4.1", "openai", dollars(2), dollars(8), 3100, 3),
    ModelProfile("google/gemini-2.5-pro", "google", 1_250_000, dollars(10), 5200, 9),
    ModelProfile("google/gemini-2.5-flash", "google", 300_000, 2_500_000, 1400, 6),
    ModelProfile("x-ai/grok-code-fast-1", "xai", 200_000, 1_500_000, 1100, 10),
    ModelProfile("mistralai/codestral-2508", "mistral", 300_000, 900_000, 900, 3),
    ModelProfile("qwen/qwen3-coder", "qwen", 220_000, 950_000, 2600, 4),
    ModelProfile("deepseek/deepseek-v3.1", "deepseek", 270_000, 1_100_000, 3400, 3),
    ModelProfile("moonshotai/kimi-k2", "moonshotai", 600_000, 2_500_000, 3000, 2),
    ModelProfile("z-ai/glm-4.6", "z-ai", 600_000, 2_200_000, 2900, 2),
)

FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Guido",
    "Radia",
    "Tim",
    "Katherine",
    "Edsger",
    "Donald",
    "Hedy",
    "Sophie",
    "Vint",
    "Shafi",
    "John",
    "Leslie",
    "Anita",
    "Bjarne",
    "Joan",
    "Niklaus",
    "Jean",
    "Yukihiro",
    "Rasmus",
    "Brian",
    "Annie",
    "Carol",
    "Rich",
    "Evelyn",
    "Sandi",
    "Martin",
    "Fran",
    "Jim",
    "Lynn",
    "Mary",
    "Ivan",
    "Dana",
    "Rosa",
    "Omar",
    "Priya",
    "Chen",
    "Lars",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Rossum",
    "Perlman",
    "Berners",
    "Johnson",
    "Dijkstra",
    "Knuth",
    "Lamarr",
    "Wilson",
    "Cerf",
    "Goldwasser",
    "McCarthy",
    "Lamport",
    "Borg",
    "Stroustrup",
    "Clarke",
    "Wirth",
    "Sammet",
    "Matsumoto",
    "Lerdorf",
    "Kernighan",
    "Easley",
    "Shaw",
    "Hickey",
    "Boyd",
    "Metz",
    "Fowler",
    "Bilas",
    "Gray",
    "Conway",
    "Shaw",
    "Sutherland",
]
WEEKDAY_WEIGHT = (1.0, 1.05, 1.1, 1.0, 0.85, 0.22, 0.15)


@dataclass(frozen=True)
class DemoSpec:
    members: int = 40
    days: int = 90
    events: int = 60_000
    seed: int = 7
    name: str = "Acme Robotics"
    domain: str = "acme.dev"
    batch_size: int = 5_000


@dataclass(frozen=True)
class DemoOrganization:
    organization_id: str
    api_key: str
    owner_email: str
    admin_email: str
    member_email: str
    events: int


def seed_demo(
    sessions: sessionmaker[Session],
    spec: DemoSpec,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    *,
    replace: bool = False,
) -> DemoOrganization:
    """Create the demo organization in its own transactions; same spec and `now` give the same data.

    The organization's id follows from the seed, so seeding the same spec twice is refused with
    DemoAlreadySeeded, unless `replace` deletes the earlier one (and everything it owns) first."""
    rng = random.Random(spec.seed)
    created = start_of_day((now - timedelta(days=spec.days + 3)).date()) + timedelta(hours=9)
    with sessions.begin() as session:
        roster = _people(rng, spec)
        organization_id = demo_organization_id(rng)
        existing = session.get(Organization, organization_id)
        if existing is not None and not replace:
            raise DemoAlreadySeeded(organization_id, existing.name)
        if existing is not None:
            session.execute(delete(Organization).where(Organization.id == organization_id))
        org, owner, api_key = organizations.create_organization(
            session,
            name=spec.name,
            owner_name=roster[0][0],
            owner_email=roster[0][1],
            now=created,
            organization_id=organization_id,
        )
        org.purchase_url = f"https://app.kilo.ai/organizations/{org.id}/payment-details"
        session.add(
            PaymentMethod(
                organization_id=org.id,
                brand="visa",
                last4="4242",
                exp_month=8,
                exp_year=now.year + 2,
                created_at=created,
            )
        )
        session.flush()
        active = _add_members(session, org.id, owner, roster, created, rng, spec)
        subscriptions.create_subscription(
            session, organization_id=org.id, seats=len(roster) + 2, cycle=BillingCycle.MONTHLY, start=created
        )
        organization_id = org.id
        owner_email = owner.email
    member_ids = [m.id for m in active]
    weights = [_member_weight(rng, index) for index in range(len(member_ids))]
    favourites = [rng.randrange(len(MODELS)) for _ in member_ids]
    ingested = 0
    for batch in _event_batches(rng, spec, created, now, member_ids, weights, favourites):
        with sessions.begin() as session:
            ingested += usage_ingest.ingest(session, organization_id, batch, now).accepted
        if progress:
            progress(ingested)
    with sessions.begin() as session:
        _billing_history(session, organization_id, created, now, owner_email)
        admin = next(m for m in active if m.role is Role.ADMIN)
        member = next(m for m in active if m.role is Role.MEMBER)
        return DemoOrganization(organization_id, api_key, owner_email, admin.email, member.email, ingested)


class DemoAlreadySeeded(Exception):
    def __init__(self, organization_id: str, name: str) -> None:
        super().__init__(f"{name} ({organization_id}) is already in this database.")
        self.organization_id = organization_id


def demo_organization_id(rng: random.Random) -> str:
    """The id the demo organization gets; drawn after the roster, so it follows from the seed alone."""
    return f"org_{rng.getrandbits(64):016x}"


def existing_demo(sessions: sessionmaker[Session], spec: DemoSpec, now: datetime) -> DemoOrganization | None:
    """The demo organization an earlier `seed --demo` made, with a new API key (only hashes of the old
    ones are kept), or None when there is none."""
    rng = random.Random(spec.seed)
    _people(rng, spec)
    organization_id = demo_organization_id(rng)
    with sessions.begin() as session:
        if session.get(Organization, organization_id) is None:
            return None
        active = session.scalars(
            select(Member)
            .where(Member.organization_id == organization_id, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.joined_at, Member.email)
        ).all()
        first = {role: next((m.email for m in active if m.role is role), "") for role in Role}
        events = session.scalar(select(func.count()).where(UsageEvent.organization_id == organization_id)) or 0
        api_key = organizations.issue_api_key(session, organization_id, now)
        return DemoOrganization(
            organization_id, api_key, first[Role.OWNER], first[Role.ADMIN], first[Role.MEMBER], events
        )


def _people(rng: random.Random, spec: DemoSpec) -> list[tuple[str, str]]:
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(people) < spec.members:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{spec.domain}".lower()
        if email not in seen:
            seen.add(email)
            people.append((f"{first} {last}", email))
    return people


def _add_members(
    session: Session,
    organization_id: str,
    owner: Member,
    roster: list[tuple[str, str]],
    created: datetime,
    rng: random.Random,
    spec: DemoSpec,
) -> list[Member]:
    """Owner already exists; one more Owner, a few Admins, Members, two pending invites, one removed."""
    active = [owner]
    invited_from = len(roster) - 2
    # Two Owners, up to four Admins, and as many active Members as Admins at least (8 people: 2 and 2).
    last_admin = 1 + min(4, (len(roster) - 4) // 2)
    for index, (name, email) in enumerate(roster[1:], start=1):
        role = Role.OWNER if index == 1 else Role.ADMIN if index <= last_admin else Role.MEMBER
        joined = created + timedelta(days=rng.randint(0, spec.days // 3), hours=rng.randint(0, 8))
        member = Member(organization_id=organization_id, name=name, email=email, role=role)
        if index >= invited_from:
            member.status = MemberStatus.INVITED
            member.invited_at = created + timedelta(days=spec.days)
            member.invite_expires_at = member.invited_at + members.INVITE_VALIDITY
        else:
            member.status = MemberStatus.ACTIVE
            member.joined_at = joined
            member.invited_at = joined - timedelta(days=1)
            if index % 9 == 0:
                member.daily_limit_microdollars = dollars(25)
            active.append(member)
        session.add(member)
    session.add(
        Member(
            organization_id=organization_id,
            name="Former Contractor",
            email=f"contractor@{spec.domain}",
            role=Role.MEMBER,
            status=MemberStatus.REMOVED,
            joined_at=created,
            removed_at=created + timedelta(days=spec.days // 2),
        )
    )
    session.flush()
    return active


def _member_weight(rng: random.Random, index: int) -> float:
    # A few heavy users (the 3rd, 8th and 13th active member) carry a large share of the spend.
    return 7.0 if index in (2, 7, 12) else rng.lognormvariate(0, 0.6)


def _event_batches(
    rng: random.Random,
    spec: DemoSpec,
    created: datetime,
    now: datetime,
    member_ids: list[str],
    weights: list[float],
    favourites: list[int],
) -> Iterator[list[UsageEventIn]]:
    first_day = max(created.date() + timedelta(days=1), (now - timedelta(days=spec.days - 1)).date())
    days = [first_day + timedelta(days=i) for i in range((now.date() - first_day).days + 1)]
    day_weights = [WEEKDAY_WEIGHT[d.weekday()] * (0.8 + 0.4 * i / max(1, len(days))) for i, d in enumerate(days)]
    total_weight = sum(day_weights)
    popularity = [m.popularity for m in MODELS]
    cumulative_members = _cumulative(weights)
    batch: list[UsageEventIn] = []
    sequence = 0
    for day, weight in zip(days, day_weights, strict=True):
        count = round(spec.events * weight / total_weight)
        day_start = start_of_day(day)
        latest = now if day == now.date() else day_start + timedelta(days=1) - timedelta(seconds=1)
        for member_index in rng.choices(range(len(member_ids)), cum_weights=cumulative_members, k=count):
            if rng.random() < 0.45:
                profile = MODELS[favourites[member_index]]
            else:
                profile = rng.choices(MODELS, weights=popularity)[0]
            moment = day_start + timedelta(seconds=int(rng.triangular(6, 22, 14) * 3600))
            if moment > latest:
                moment = latest - timedelta(seconds=rng.randint(0, 3600))
                if moment < day_start:
                    continue
            sequence += 1
            batch.append(_event(rng, profile, member_ids[member_index], moment, spec.seed, sequence))
            if len(batch) >= spec.batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _event(
    rng: random.Random, profile: ModelProfile, member_id: str, moment: datetime, seed: int, sequence: int
) -> UsageEventIn:
    input_tokens = int(rng.lognormvariate(math.log(9_000), 0.9))
    output_tokens = int(rng.lognormvariate(math.log(700), 0.8))
    cache_hit = int(input_tokens * rng.uniform(0.2, 0.7)) if rng.random() < 0.6 else 0
    cache_write = int(input_tokens * 0.1) if cache_hit == 0 and rng.random() < 0.3 else 0
    has_error = rng.random() < 0.03
    cost = (
        0
        if has_error
        else (
            (input_tokens - cache_hit) * profile.input_price
            + cache_hit * profile.input_price // 10
            + output_tokens * profile.output_price
        )
        // 1_000_000
    )
    latency = max(120, int(rng.lognormvariate(math.log(profile.median_latency_ms), 0.45)))
    # model_construct: generated data is valid by construction and validation would dominate seeding time.
    return UsageEventIn.model_construct(
        event_id=f"demo-{seed}-{sequence:09d}",
        member_id=member_id,
        model=profile.model,
        provider=profile.provider,
        input_tokens=input_tokens,
        output_tokens=0 if has_error else output_tokens,
        cache_write_tokens=cache_write,
        cache_hit_tokens=cache_hit,
        cost_microdollars=cost,
        has_error=has_error,
        latency_ms=latency,
        occurred_at=moment,
    )


def _billing_history(
    session: Session,
    organization_id: str,
    created: datetime,
    now: datetime,
    owner_email: str,
) -> None:
    """Seat changes, credit purchases (one declined), a promotion and a refund, in time order."""
    subscription = subscriptions.get_subscription(session, organization_id)
    owner = _active_member(session, organization_id, owner_email, now)
    spent = -credits.credit_balance(session, organization_id)
    span = now - created
    unit = max(dollars(50), spent // 4 // dollars(50) * dollars(50))  # whole $50 steps, like the UI offers

    def at(fraction: float) -> datetime:
        return created + timedelta(seconds=int(span.total_seconds() * fraction))

    steps: list[tuple[datetime, Callable[[datetime], object]]] = [
        (at(0.01), lambda t: _purchase(session, organization_id, owner, unit * 2, t, "demo-credit-1")),
        (at(0.02), lambda t: _promotion(session, organization_id, t)),
        (
            at(0.30),
            lambda t: subscriptions.change_seats(
                session,
                subscription,
                new_seats=subscription.seat_count + 6,
                actor=owner,
                now=t,
                idempotency_key="demo-seats-1",
            ),
        ),
        (at(0.45), lambda t: _declined(session, organization_id, unit, t)),
        (at(0.46), lambda t: _purchase(session, organization_id, owner, unit * 2, t, "demo-credit-2")),
        (
            at(0.62),
            lambda t: subscriptions.change_seats(
                session,
                subscription,
                new_seats=subscription.seat_count - 2,
                actor=owner,
                now=t,
                idempotency_key="demo-seats-2",
            ),
        ),
        (at(0.70), lambda t: _refund(session, organization_id, t)),
        (at(0.80), lambda t: _purchase(session, organization_id, owner, unit, t, "demo-credit-3")),
    ]
    for moment, step in steps:
        subscriptions.roll_forward(session, subscription, moment)
        step(moment)
    subscriptions.roll_forward(session, subscription, now)


def _active_member(session: Session, organization_id: str, email: str, now: datetime) -> Member:
    page = members.list_members(session, organization_id, now=now, email=email, status=MemberStatus.ACTIVE)
    return page.members[0]


def _purchase(session: Session, organization_id: str, actor: Member, amount: int, now: datetime, key: str) -> None:
    credits.purchase_credits(
        session, organization_id=organization_id, amount_microdollars=amount, actor=actor, now=now, idempotency_key=key
    )


def _promotion(session: Session, organization_id: str, now: datetime) -> None:
    credits.add_credit_entry(
        session,
        organization_id=organization_id,
        kind=CreditKind.PROMOTIONAL,
        amount_microdollars=dollars(100),
        description="Kilo for Teams welcome credit",
        now=now,
    )


def _refund(session: Session, organization_id: str, now: datetime) -> None:
    credits.add_credit_entry(
        session,
        organization_id=organization_id,
        kind=CreditKind.REFUND,
        amount_microdollars=-dollars(50),
        description="Refund of unused credits to card",
        now=now,
    )


def _declined(session: Session, organization_id: str, amount: int, now: datetime) -> None:
    invoices.bill(
        session,
        organization_id=organization_id,
        period_start=now,
        period_end=now,
        lines=[("Kilo credits", 1, amount)],
        now=now,
        description="Credit purchase (card declined)",
        fail_payment=True,
    )
