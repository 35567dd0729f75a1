"""When each alert rule holds (pure: figures in, breaches out), and the alert modal's amounts and factors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts import AlertFigures, MemberAtLimit, breaches, parse_days, parse_factor, parse_money
from bot.digest_shapes import AlertKind, AlertRule

NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)  # a Wednesday
QUIET = AlertFigures(
    today=date(2026, 3, 18),
    as_of=NOW,
    balance_microdollars=700_000_000,
    burn_last_7_days_microdollars=70_000_000,  # $10 a day: 70 days left
    spend_today_microdollars=9_000_000,
    weekday_average_microdollars=Fraction(10_000_000),
    weeks_averaged=4,
    seats_used=8,
    seats_total=10,
    members_at_limit=(),
)


def rule(kind: AlertKind, threshold: int | None = None) -> AlertRule:
    return AlertRule(1, "T1", kind, threshold, "C1", "U1", "owner@example.com", None, None)


def test_nothing_fires_on_a_quiet_day():
    rules = [
        rule(AlertKind.CREDITS_BELOW, 500_000_000),
        rule(AlertKind.RUNWAY_BELOW, 30),
        rule(AlertKind.SPEND_ABOVE, 50_000_000),
        rule(AlertKind.SPEND_SPIKE, 200),
        rule(AlertKind.SEAT_POOL_FULL),
        rule(AlertKind.MEMBER_LIMIT),
    ]
    assert [breaches(r, QUIET) for r in rules] == [[]] * 6


def test_credits_below_and_runway_hold_for_the_organization():
    low = replace(QUIET, balance_microdollars=200_000_000)  # 20 days left
    (credits,) = breaches(rule(AlertKind.CREDITS_BELOW, 500_000_000), low)
    assert credits.subject == "credits" and credits.figures["balance"] == 200_000_000
    assert credits.figures["run_out"] == "2026-04-07T15:00:00+00:00"
    (runway,) = breaches(rule(AlertKind.RUNWAY_BELOW, 21), low)
    assert runway.subject == "runway"
    assert breaches(rule(AlertKind.RUNWAY_BELOW, 20), low) == []  # exactly 20 days is not fewer than 20
    assert breaches(rule(AlertKind.CREDITS_BELOW, 500_000_000), replace(QUIET, balance_microdollars=None)) == []


def test_daily_spend_rules_hold_per_utc_day():
    busy = replace(QUIET, spend_today_microdollars=25_000_000)
    (above,) = breaches(rule(AlertKind.SPEND_ABOVE, 20_000_000), busy)
    assert above.subject == "2026-03-18" and above.figures == {
        "spent": 25_000_000,
        "threshold": 20_000_000,
        "day": "2026-03-18",
    }
    (spike,) = breaches(rule(AlertKind.SPEND_SPIKE, 200), busy)
    assert spike.figures["average"] == 10_000_000 and spike.figures["weeks"] == 4
    assert breaches(rule(AlertKind.SPEND_SPIKE, 250), busy) == []  # 2.5 × $10 is not exceeded by $25
    assert breaches(rule(AlertKind.SPEND_SPIKE, 200), replace(busy, weekday_average_microdollars=None)) == []


def test_a_full_seat_pool_and_members_at_their_limit():
    full = replace(QUIET, seats_used=10)
    assert breaches(rule(AlertKind.SEAT_POOL_FULL), full)[0].figures == {"used": 10, "total": 10}
    limited = replace(QUIET, members_at_limit=(MemberAtLimit("mem_1", "Ada", "ada@example.com", 5_000_000, 5_000_000),))
    (member,) = breaches(rule(AlertKind.MEMBER_LIMIT), limited)
    assert member.subject == "mem_1:2026-03-18" and member.figures["name"] == "Ada"
    assert member.figures["email"] == "ada@example.com"  # the "Change their limit" button finds them by it


@pytest.mark.parametrize(
    ("typed", "microdollars"),
    [("500", 500_000_000), ("$1,250.50", 1_250_500_000), (" 0.01 ", 10_000), ("$ 12.5", 12_500_000)],
)
def test_amounts_in_dollars(typed: str, microdollars: int):
    assert parse_money(typed) == microdollars


@pytest.mark.parametrize("typed", ["", "lots", "0", "-5", "1.234", "NaN", "Infinity", "10000001", "1e400"])
def test_amounts_that_are_refused(typed: str):
    with pytest.raises(ValueError):
        parse_money(typed)


@pytest.mark.parametrize(("typed", "percent"), [("2", 200), ("1.5x", 150), ("3×", 300), ("1.1", 110), ("100", 10_000)])
def test_spike_factors(typed: str, percent: int):
    assert parse_factor(typed) == percent


@pytest.mark.parametrize("typed", ["1", "1.05", "101", "twice", "nan", ""])
def test_spike_factors_that_are_refused(typed: str):
    with pytest.raises(ValueError):
        parse_factor(typed)


@given(st.text(max_size=12))
def test_any_text_is_an_amount_or_a_friendly_refusal(typed: str):
    try:
        amount = parse_money(typed)
    except ValueError as refused:
        assert str(refused).endswith(".")
        return
    assert 0 < amount <= 10_000_000 * 1_000_000 and amount % 10_000 == 0


@given(st.text(max_size=6))
def test_any_text_is_a_day_count_or_a_refusal(typed: str):
    try:
        days = parse_days(typed)
    except ValueError:
        return
    assert 1 <= days <= 365
