"""Domain rules of seats, pro-ration, cycles and the credit ledger, with exact numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from backend.models import BillingCycle, CreditKind, Member, MemberStatus, Role, SubscriptionStatus
from backend.services import billing_history, credits, invoices, members, subscriptions
from backend.services.errors import Conflict, Invalid, SeatLimitReached
from kilo_api.money import divide_round_half_up, dollars, format_usd, prorate_to_cent
from kilo_api.schemas import SeatQuoteOut
from tests.factories import TestOrg


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def quote(sessions: sessionmaker[Session], org: TestOrg, seats: int, now: datetime) -> SeatQuoteOut:
    with sessions() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        return subscriptions.quote_seat_change(session, subscription, seats, now)


def change(sessions: sessionmaker[Session], org: TestOrg, seats: int, now: datetime, key: str | None = None):
    with sessions.begin() as session:
        subscription = subscriptions.roll_forward(session, subscriptions.get_subscription(session, org.id), now)
        actor = session.get(Member, org.owner.id)
        assert actor is not None
        return subscriptions.change_seats(
            session, subscription, new_seats=seats, actor=actor, now=now, idempotency_key=key
        )


def test_prorated_charge_for_two_seats_on_day_15_of_30(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    result = quote(backend_sessions, org, 12, at("2026-04-15"))
    assert (result.cycle_days, result.remaining_days) == (30, 16)
    # 2 × $29 × 16/30 = $30.9333… → $30.93
    assert result.prorated_amount_microdollars == 30_930_000


def test_prorated_credit_for_removing_a_seat_on_day_15_of_30(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    # −$29 × 16/30 = −$15.4666… → −$15.47
    assert quote(backend_sessions, org, 9, at("2026-04-15")).prorated_amount_microdollars == -15_470_000


def test_adding_a_seat_on_the_first_day_costs_the_full_price(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    assert quote(backend_sessions, org, 11, at("2026-04-01", 23)).prorated_amount_microdollars == 29_000_000


def test_adding_a_seat_on_the_last_day_costs_one_day(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    # $29 × 1/30 = $0.9666… → $0.97
    assert quote(backend_sessions, org, 11, at("2026-04-30", 23)).prorated_amount_microdollars == 970_000


def test_february_cycle_has_28_days(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-02-01", 9))
    result = quote(backend_sessions, org, 13, at("2026-02-15"))
    assert (result.cycle_days, result.remaining_days) == (28, 14)
    assert result.prorated_amount_microdollars == 43_500_000  # 3 × $29 × 14/28


def test_yearly_cycle_prorates_over_365_days(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-01-01", 9), cycle=BillingCycle.YEARLY)
    result = quote(backend_sessions, org, 11, at("2026-07-02"))
    assert (result.price_per_seat_microdollars, result.cycle_days, result.remaining_days) == (290_000_000, 365, 183)
    assert result.prorated_amount_microdollars == 145_400_000  # $290 × 183/365 = $145.397… → $145.40


def test_seat_addition_is_invoiced_and_charged_once_per_idempotency_key(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    first = change(backend_sessions, org, 12, at("2026-04-15"), key="k-1")
    again = change(backend_sessions, org, 12, at("2026-04-15"), key="k-1")
    assert again.id == first.id
    with backend_sessions() as session:
        found = invoices.list_invoices(session, org.id, limit=10, offset=0)
        assert [i.total_microdollars for i in found] == [30_930_000, 290_000_000]
        assert subscriptions.get_subscription(session, org.id).seat_count == 12


def test_removal_credit_reduces_the_next_renewal(orgs, backend_sessions):
    org = orgs.create(seats=10, start=at("2026-04-01", 9))
    change(backend_sessions, org, 9, at("2026-04-15"))
    with backend_sessions() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        assert subscriptions.next_charge(session, subscription).amount_microdollars == 9 * 29_000_000 - 15_470_000
    with backend_sessions.begin() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        subscriptions.roll_forward(session, subscription, at("2026-05-01", 0))
        renewal = invoices.list_invoices(session, org.id, limit=1, offset=0)[0]
        assert renewal.period_start == at("2026-05-01", 0)
        assert renewal.total_microdollars == 245_530_000
        assert subscriptions.next_charge(session, subscription).amount_microdollars == 261_000_000


def test_monthly_cycles_keep_the_anchor_day_through_short_months(orgs, backend_sessions):
    org = orgs.create(seats=2, start=at("2026-01-31", 9))
    ends = []
    with backend_sessions.begin() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        for day in ("2026-02-27", "2026-03-01", "2026-04-01", "2026-05-01"):
            subscriptions.roll_forward(session, subscription, at(day))
            ends.append(subscription.current_period_end.date().isoformat())
    assert ends == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]


def test_removing_seats_below_the_used_count_is_refused(orgs, backend_sessions):
    org = orgs.create(seats=6, members=3)  # owner + admin + 3 members = 5 used
    with pytest.raises(Conflict, match="5 seats are in use"):
        quote(backend_sessions, org, 4, at("2026-03-20"))
    assert quote(backend_sessions, org, 5, at("2026-03-20")).delta == -1


def test_invite_beyond_the_seat_count_is_refused(orgs, backend_sessions):
    org = orgs.create(seats=6, members=3)
    now = at("2026-03-20")
    with backend_sessions.begin() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        admin = session.get(Member, org.admin.id)
        members.invite_member(
            session,
            organization_id=org.id,
            subscription=subscription,
            email="new@example.com",
            name=None,
            role=Role.MEMBER,
            actor=admin,
            now=now,
        )
    with backend_sessions.begin() as session, pytest.raises(SeatLimitReached, match="All 6 seats are in use"):
        members.invite_member(
            session,
            organization_id=org.id,
            subscription=subscriptions.get_subscription(session, org.id),
            email="one-more@example.com",
            name=None,
            role=Role.MEMBER,
            actor=session.get(Member, org.admin.id),
            now=now,
        )


def test_expired_invitation_frees_its_seat(orgs, backend_sessions):
    org = orgs.create(seats=6, members=3)
    now = at("2026-03-20")
    with backend_sessions.begin() as session:
        invited = members.invite_member(
            session,
            organization_id=org.id,
            subscription=subscriptions.get_subscription(session, org.id),
            email="late@example.com",
            name="Late",
            role=Role.MEMBER,
            actor=session.get(Member, org.owner.id),
            now=now,
        )
        assert invited.status is MemberStatus.INVITED
    later = now + members.INVITE_VALIDITY + timedelta(seconds=1)
    assert quote(backend_sessions, org, 5, later).seats_used == 5


def test_cancel_takes_effect_at_period_end(orgs, backend_sessions):
    org = orgs.create(seats=3, members=1, start=at("2026-04-01", 9))
    with backend_sessions.begin() as session:
        subscription = subscriptions.get_subscription(session, org.id)
        subscriptions.cancel(session, subscription, session.get(Member, org.owner.id), at("2026-04-10"))
        assert subscription.cancel_effective_at == at("2026-05-01", 0)
        assert subscriptions.next_charge(session, subscription).date is None
        subscriptions.roll_forward(session, subscription, at("2026-05-01", 0))
        assert subscription.status is SubscriptionStatus.ENDED
        assert len(invoices.list_invoices(session, org.id, limit=10, offset=0)) == 1


def test_credit_balance_is_the_sum_of_the_ledger(orgs, backend_sessions):
    org = orgs.create()
    now = at("2026-03-20")
    with backend_sessions.begin() as session:
        owner = session.get(Member, org.owner.id)
        assert owner is not None
        credits.purchase_credits(
            session,
            organization_id=org.id,
            amount_microdollars=dollars(100),
            actor=owner,
            now=now,
            idempotency_key="buy-1",
        )
        credits.purchase_credits(  # a retried click: same key, no second purchase
            session,
            organization_id=org.id,
            amount_microdollars=dollars(100),
            actor=owner,
            now=now,
            idempotency_key="buy-1",
        )
        for kind, amount in (
            (CreditKind.PROMOTIONAL, dollars(20)),
            (CreditKind.USAGE, -12_345_678),
            (CreditKind.REFUND, -dollars(5)),
        ):
            credits.add_credit_entry(
                session, organization_id=org.id, kind=kind, amount_microdollars=amount, description=kind.value, now=now
            )
    with backend_sessions() as session:
        assert credits.credit_balance(session, org.id) == 100_000_000 + 20_000_000 - 12_345_678 - 5_000_000
        history = billing_history.purchase_history(session, org.id, limit=10)
        assert sorted(h.kind for h in history) == ["promotional", "purchase", "refund"]


def test_credit_purchase_needs_a_whole_cent_amount_in_range(orgs, backend_sessions):
    org = orgs.create()
    with backend_sessions.begin() as session:
        owner = session.get(Member, org.owner.id)
        assert owner is not None
        for amount in (dollars(5), dollars(100) + 1, dollars(200_000)):
            with pytest.raises(Invalid):
                credits.purchase_credits(
                    session,
                    organization_id=org.id,
                    amount_microdollars=amount,
                    actor=owner,
                    now=at("2026-03-20"),
                    idempotency_key=None,
                )


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**9))
def test_round_half_up_matches_exact_rational_rounding(numerator: int, denominator: int) -> None:
    from fractions import Fraction

    exact = Fraction(abs(numerator), denominator)
    expected = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)
    assert divide_round_half_up(numerator, denominator) == (expected if numerator >= 0 else -expected)


@given(st.integers(-1000, 1000), st.integers(1, 366), st.integers(0, 366))
def test_prorated_amount_is_whole_cents_and_never_exceeds_the_full_price(delta: int, total: int, remaining: int):
    remaining = min(remaining, total)
    amount = prorate_to_cent(delta * 29_000_000, remaining, total)
    assert amount % 10_000 == 0
    assert abs(amount) <= abs(delta) * 29_000_000


def test_money_formats_to_the_cent():
    assert format_usd(1_234_567_890) == "$1,234.57"
    assert format_usd(-15_470_000) == "-$15.47"
    assert format_usd(4_999) == "$0.00"
