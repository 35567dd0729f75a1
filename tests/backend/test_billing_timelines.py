"""Random billing timelines (seat additions and removals, cycle switches, cancellations, resumptions,
renewals, credit purchases) against an independent model: money is conserved to the cent and no credit
disappears. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import (
    AccountBalanceEntry,
    BillingCycle,
    Invoice,
    InvoiceLine,
    Member,
    Payment,
    PaymentStatus,
    SeatChange,
    SeatChangeStatus,
)
from backend.services import credits, subscriptions
from backend.services.errors import DomainError
from tests.conftest import Clock
from tests.factories import OrganizationFactory

PRICE = {"monthly": 29_000_000, "yearly": 290_000_000}
SEATS_IN_USE = 3  # the factory's Owner, Admin and one Member
BALANCE_LINES = ("Account balance applied", "Credit carried to your account balance")


def cents_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator microdollars, to the whole cent, halves away from zero (exact fractions)."""
    cents = Fraction(abs(numerator), denominator * 10_000)
    whole = int(cents) + (1 if cents - int(cents) >= Fraction(1, 2) else 0)
    return (whole if numerator >= 0 else -whole) * 10_000


def months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)  # days 1–28 exist in every month


@dataclass
class Model:
    """What a correct billing system owes and charges, computed from the timeline alone."""

    seats: int
    cycle: str
    period_start: date
    period_end: date
    status: str = "active"
    next_cycle: str | None = None
    balance: int = 0
    pending: list[int] = field(default_factory=list)  # removal credits not yet on an invoice (positive)
    value: list[int] = field(default_factory=list)  # every charge and credit when it arises: seat-days × price
    invoiced: list[int] = field(default_factory=list)  # the same amounts as invoice lines show them
    refunded: int = 0

    def invoice(self, subtotal: int) -> None:
        if subtotal < 0:
            self.balance -= subtotal
        else:
            self.balance -= min(self.balance, subtotal)

    def advance(self, now: datetime) -> None:
        while self.status != "ended" and now.date() >= self.period_end:
            if self.status == "pending_cancel":
                self.status = "ended"
                self.refunded += self.balance + sum(self.pending)
                self.balance, self.pending = 0, []
                return
            self.cycle, self.next_cycle = self.next_cycle or self.cycle, None
            self.period_start = self.period_end
            self.period_end = months_later(self.period_start, 12 if self.cycle == "yearly" else 1)
            charge = self.seats * PRICE[self.cycle]
            self.value.append(charge)
            self.invoiced += [charge, *(-credit for credit in self.pending)]
            self.invoice(charge - sum(self.pending))
            self.pending = []

    def change_seats(self, seats: int, now: datetime) -> bool:
        if self.status == "ended" or seats == self.seats or seats < SEATS_IN_USE:
            return False
        total = (self.period_end - self.period_start).days
        remaining = min(total, total - (now.date() - self.period_start).days)
        amount = cents_half_up((seats - self.seats) * PRICE[self.cycle] * remaining, total)
        self.value.append(amount)
        if amount > 0:
            self.invoiced.append(amount)
            self.invoice(amount)
        elif amount < 0:
            self.pending.append(-amount)
        self.seats = seats
        return True

    def buy(self, amount: int) -> None:
        self.value.append(amount)
        self.invoiced.append(amount)
        self.invoice(amount)


operations = st.lists(
    st.tuples(
        st.integers(0, 75),  # days after the previous operation
        st.one_of(
            st.tuples(st.just("seats"), st.integers(2, 25)),
            st.tuples(st.just("cycle"), st.sampled_from(["monthly", "yearly"])),
            st.tuples(st.just("cancel"), st.just(0)),
            st.tuples(st.just("resume"), st.just(0)),
            st.tuples(st.just("buy"), st.integers(10, 400)),
        ),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(date(2026, 1, 1), date(2027, 12, 28)).filter(lambda d: d.day <= 28),
    seats=st.integers(SEATS_IN_USE, 25),
    cycle=st.sampled_from(["monthly", "yearly"]),
    timeline=operations,
    end_days=st.integers(0, 400),
    end_it=st.booleans(),
)
def test_money_is_conserved_on_random_billing_timelines(
    backend_sessions: sessionmaker[Session], start, seats, cycle, timeline, end_days, end_it
):
    created = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)
    org = OrganizationFactory(backend_sessions, Clock(created)).create(
        seats=seats, members=1, cycle=BillingCycle(cycle), start=created
    )
    model = Model(seats, cycle, start, months_later(start, 12 if cycle == "yearly" else 1))
    model.value.append(seats * PRICE[cycle])
    model.invoiced.append(seats * PRICE[cycle])
    now = created.replace(hour=12)
    for gap, (operation, value) in timeline:
        now += timedelta(days=gap)
        model.advance(now)
        with backend_sessions.begin() as session:
            subscription = subscriptions.roll_forward(session, subscriptions.get_subscription(session, org.id), now)
            owner = session.get(Member, org.owner.id)
            assert owner is not None
            expected = _expected(model, operation, value, now)
            try:
                _apply(session, subscription, owner, operation, value, now)
                done = True
            except DomainError:
                done = False
            assert done == expected, (operation, value, now)
    now += timedelta(days=end_days)
    if end_it:
        model.advance(now)
        with backend_sessions.begin() as session:
            subscription = subscriptions.roll_forward(session, subscriptions.get_subscription(session, org.id), now)
            if model.status == "active":
                model.status = "pending_cancel"
                subscriptions.cancel(session, subscription, session.get(Member, org.owner.id), now)  # type: ignore[arg-type]
        now = datetime.combine(model.period_end, datetime.min.time(), tzinfo=UTC)
    model.advance(now)
    with backend_sessions.begin() as session:
        subscriptions.roll_forward(session, subscriptions.get_subscription(session, org.id), now)

    with backend_sessions() as session:
        facts = _stored_money(session, org.id)
    assert Counter(facts.service_lines) == Counter(model.invoiced)
    assert facts.balance == model.balance >= 0
    assert facts.pending == sum(model.pending) >= 0
    assert facts.refunded == model.refunded
    # charged − credited (carried, pending) − refunded = seat-days × price, line by line, to the cent
    assert facts.charged - facts.balance - facts.pending - facts.refunded == sum(model.value)
    if model.status == "ended":
        assert facts.balance == facts.pending == 0


def _expected(model: Model, operation: str, value: Any, now: datetime) -> bool:
    if operation == "seats":
        return model.change_seats(value, now)
    if operation == "cycle":
        if model.status == "ended":
            return False
        model.next_cycle = None if value == model.cycle else value
        return True
    if operation == "cancel":
        if model.status != "active":
            return False
        model.status = "pending_cancel"
        return True
    if operation == "resume":
        if model.status != "pending_cancel":
            return False
        model.status = "active"
        return True
    model.buy(value * 1_000_000)
    return True


def _apply(session: Session, subscription, owner: Member, operation: str, value, now: datetime) -> None:
    if operation == "seats":
        subscriptions.change_seats(session, subscription, new_seats=value, actor=owner, now=now, idempotency_key=None)
    elif operation == "cycle":
        subscriptions.change_billing_cycle(session, subscription, BillingCycle(value), owner, now)
    elif operation == "cancel":
        subscriptions.cancel(session, subscription, owner, now)
    elif operation == "resume":
        subscriptions.resume(session, subscription, owner, now)
    else:
        credits.purchase_credits(
            session,
            organization_id=subscription.organization_id,
            amount_microdollars=value * 1_000_000,
            actor=owner,
            now=now,
            idempotency_key=None,
        )


@dataclass
class StoredMoney:
    service_lines: list[int]
    charged: int
    refunded: int
    balance: int
    pending: int


def _stored_money(session: Session, organization_id: str) -> StoredMoney:
    """Read straight from the tables: every invoice adds up, and what was charged, refunded and owed."""
    invoices = session.scalars(select(Invoice).where(Invoice.organization_id == organization_id)).all()
    for invoice in invoices:
        assert invoice.total_microdollars == sum(line.amount_microdollars for line in invoice.lines) >= 0
    service_lines = list(
        session.scalars(
            select(InvoiceLine.amount_microdollars)
            .join(Invoice)
            .where(Invoice.organization_id == organization_id, InvoiceLine.description.not_in(BALANCE_LINES))
        )
    )
    payments = session.scalars(select(Payment).where(Payment.organization_id == organization_id)).all()
    assert {p.status for p in payments} <= {PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED}
    pending = session.scalar(
        select(func.coalesce(func.sum(SeatChange.prorated_amount_microdollars), 0)).where(
            SeatChange.organization_id == organization_id,
            SeatChange.delta < 0,
            SeatChange.invoice_id.is_(None),
            SeatChange.status != SeatChangeStatus.ENDED,
        )
    )
    balance = session.scalar(
        select(func.coalesce(func.sum(AccountBalanceEntry.amount_microdollars), 0)).where(
            AccountBalanceEntry.organization_id == organization_id
        )
    )
    return StoredMoney(
        service_lines=service_lines,
        charged=sum(p.amount_microdollars for p in payments if p.status is PaymentStatus.SUCCEEDED),
        refunded=-sum(p.amount_microdollars for p in payments if p.status is PaymentStatus.REFUNDED),
        balance=int(balance or 0),
        pending=-int(pending or 0),
    )
