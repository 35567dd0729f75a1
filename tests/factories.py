"""Builders of realistic test organizations and usage events, through the backend's own services."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.models import BillingCycle, Member, MemberStatus, PaymentMethod, Role
from backend.services import invoices, organizations, subscriptions

# For tests that need the backend on one database only (the backend's own suite covers PostgreSQL).
SQLITE_ONLY = pytest.mark.parametrize("backend_db_url", ["sqlite"], indirect=True)

MODELS = (
    ("anthropic/claude-sonnet-4.5", "anthropic"),
    ("openai/gpt-5", "openai"),
    ("google/gemini-2.5-flash", "google"),
)


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    name: str
    role: Role


@dataclass
class TestOrg:
    __test__ = False  # not a test class, despite the name

    id: str
    api_key: str
    owner: Person
    admin: Person
    member: Person
    people: list[Person] = field(default_factory=list)

    def headers(self, actor: Person | str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if actor is not None:
            headers["X-Kilo-Actor"] = actor.email if isinstance(actor, Person) else actor
        return headers

    def path(self, suffix: str = "") -> str:
        return f"/api/v1/organizations/{self.id}{suffix}"


class OrganizationFactory:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def create(
        self,
        *,
        seats: int = 10,
        members: int = 3,
        cycle: BillingCycle = BillingCycle.MONTHLY,
        start: datetime | None = None,
        card: bool = True,
        card_last4: str = "4242",
        name: str = "Test Org",
        owner_email: str | None = None,
    ) -> TestOrg:
        """An Owner, an Admin and `members` Members, all active, subscribed since `start` (default: the 1st)."""
        now = start or self.clock().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
        tag = secrets.token_hex(3)
        with self.sessions.begin() as session:
            org, owner, key = organizations.create_organization(
                session,
                name=name,
                owner_name="Olivia Owner",
                owner_email=owner_email or f"owner-{tag}@example.com",
                now=now,
            )
            if card:
                session.add(
                    PaymentMethod(
                        organization_id=org.id,
                        brand="visa",
                        last4=card_last4,
                        exp_month=12,
                        exp_year=2030,
                        created_at=now,
                    )
                )
            people = [Person(owner.id, owner.email, owner.name, Role.OWNER)]
            for index in range(members + 1):
                role = Role.ADMIN if index == 0 else Role.MEMBER
                label = "admin" if index == 0 else f"member{index}"
                person = Member(
                    organization_id=org.id,
                    name=f"{label.title()} Person",
                    email=f"{label}-{tag}@example.com",
                    role=role,
                    status=MemberStatus.ACTIVE,
                    joined_at=now,
                )
                session.add(person)
                session.flush()
                people.append(Person(person.id, person.email, person.name, role))
            subscriptions.create_subscription(session, organization_id=org.id, seats=seats, cycle=cycle, start=now)
            return TestOrg(org.id, key, people[0], people[1], people[2], people)

    def replace_card(self, org: TestOrg, last4: str) -> None:
        """The primary card now ends in `last4` (as if updated on the dashboard; 0002 declines every charge)."""
        with self.sessions.begin() as session:
            card = invoices.primary_payment_method(session, org.id)
            assert card is not None, "the organization was created without a card"
            card.last4 = last4


def usage_events(
    org: TestOrg,
    count: int,
    *,
    start: datetime,
    span: timedelta = timedelta(days=1),
    seed: int = 1,
    prefix: str = "ev",
) -> list[dict[str, Any]]:
    """`count` JSON usage events spread over [start, start + span), reproducible by seed."""
    rng = random.Random(seed)
    events = []
    for index in range(count):
        model, provider = MODELS[index % len(MODELS)]
        has_error = rng.random() < 0.1
        events.append(
            {
                "event_id": f"{prefix}-{seed}-{index}",
                "member_id": org.people[index % len(org.people)].id,
                "model": model,
                "provider": provider,
                "input_tokens": rng.randint(100, 20_000),
                "output_tokens": rng.randint(10, 2_000),
                "cache_write_tokens": rng.randint(0, 500),
                "cache_hit_tokens": rng.randint(0, 5_000),
                "cost_microdollars": 0 if has_error else rng.randint(100, 90_000),
                "has_error": has_error,
                "latency_ms": rng.randint(80, 9_000),
                "occurred_at": (start + span * rng.random()).isoformat(),
            }
        )
    return events
