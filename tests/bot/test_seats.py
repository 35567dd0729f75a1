"""Seat numbers and plans as plain data: what a person may type, and a fingerprint that follows the price."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import Approvals, ChannelRef, CommandError, SeatsChange, SeatsRequest, parse
from bot.seats import MAX_SEATS, SeatMode, SeatNumberError, SeatPlan, parse_seat_number
from kilo_api.enums import BillingCycle

PLAN = SeatPlan(
    mode=SeatMode.ADD,
    seats=2,
    current_seats=48,
    new_seats=50,
    seats_used=46,
    price_per_seat_microdollars=29_000_000,
    billing_cycle=BillingCycle.MONTHLY,
    remaining_days=4,
    cycle_days=30,
    prorated_microdollars=3_870_000,
    next_charge_at=datetime(2026, 4, 1, tzinfo=UTC),
)


@given(st.one_of(st.none(), st.text(max_size=12), st.integers(-(10**6), 10**6).map(str)))
def test_any_input_is_a_seat_count_in_range_or_a_friendly_refusal(raw: str | None):
    try:
        seats = parse_seat_number(raw)
    except SeatNumberError as refused:
        assert str(refused).endswith(".") and "\n" not in str(refused)
        return
    assert 1 <= seats <= MAX_SEATS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("new_seats", 51),
        ("price_per_seat_microdollars", 30_000_000),
        ("remaining_days", 3),
        ("prorated_microdollars", 3_880_000),
        ("next_charge_at", datetime(2026, 4, 2, tzinfo=UTC)),
    ],
)
def test_the_fingerprint_changes_with_anything_shown(field: str, value: object):
    changed: dict[str, Any] = {field: value}
    assert replace(PLAN, **changed).fingerprint != PLAN.fingerprint
    assert replace(PLAN).fingerprint == PLAN.fingerprint


def test_the_new_recurring_amount_is_seats_times_price():
    assert PLAN.new_recurring_microdollars == 50 * 29_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seats add", SeatsChange(SeatMode.ADD, 1)),
        ("seats ADD 12", SeatsChange(SeatMode.ADD, 12)),
        ("seats remove 3", SeatsChange(SeatMode.REMOVE, 3)),
        ("seats request", SeatsRequest(1, None)),
        ("seats request 2 two new hires", SeatsRequest(2, "two new hires")),
        ("seats request we are growing", SeatsRequest(1, "we are growing")),
        ("approvals <#C0123ABCD|approvals>", Approvals(ChannelRef("C0123ABCD"))),
        ("approvals <#G0123ABCD>", Approvals(ChannelRef("G0123ABCD"))),
        ("approvals #seat-approvals", Approvals(ChannelRef(name="seat-approvals"))),
        ("approvals dm", Approvals(direct_messages=True)),
        ("approvals", Approvals()),
    ],
)
def test_seat_commands(text: str, expected: object):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seats add 0", "Enter 1 or more seats."),
        ("seats add -2", "Enter 1 or more seats."),
        ("seats add 1.5", "“1.5” is not a whole number of seats."),
        ("seats add 10001", "A subscription has at most 10,000 seats."),
        ("seats add 2 3", "`/kilo seats add` takes one number, like `/kilo seats add 2`."),
        ("seats request 0 why", "Enter 1 or more seats."),
        ("seats request 2 " + "x" * 501, "Keep the reason under 500 characters."),
        ("seats ad 2", "`/kilo seats` understands add, remove, request and requests. Did you mean `/kilo seats add`?"),
        ("approvals #general #random", "Name one channel"),
        ("approvals general", "Name one channel"),
    ],
)
def test_bad_seat_commands_say_what_would_work(text: str, message: str):
    with pytest.raises(CommandError) as refused:
        parse(text)
    assert str(refused.value).startswith(message)
