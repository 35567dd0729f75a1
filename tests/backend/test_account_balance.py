"""Credits larger than a charge are carried as the organization's balance; none is lost when a
subscription ends (issue 10, Money). Over HTTP, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from backend.models import BillingCycle
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg
from tests.support import ok


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def lines(invoice: dict[str, Any]) -> list[tuple[str, int]]:
    return [(line["description"], line["amount_microdollars"]) for line in invoice["lines"]]


def subscription(http: httpx.Client, org: TestOrg) -> Any:
    return ok(http.get(org.path("/subscription"), headers=org.headers()))


def newest_invoice(http: httpx.Client, org: TestOrg) -> Any:
    return ok(http.get(org.path("/invoices"), params={"limit": 1}, headers=org.headers()))[0]


def test_a_removal_credit_larger_than_the_renewal_is_carried_and_used_on_later_invoices(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    # The audit's case: a yearly team of 14 removes 9 seats on day 2, then switches to monthly.
    org = orgs.create(seats=14, members=3, cycle=BillingCycle.YEARLY, start=at("2026-01-01", 9))
    clock.now = at("2026-01-02")
    removal = ok(http.post(org.path("/subscription/seats"), json={"seats": 5}, headers=org.headers(org.owner)))
    assert removal["prorated_amount_microdollars"] == -2_602_850_000  # 9 × $290 × 364/365
    ok(http.patch(org.path("/subscription"), json={"billing_cycle": "monthly"}, headers=org.headers(org.owner)))

    clock.now = at("2027-01-01", 0)
    renewed = subscription(http, org)
    assert lines(newest_invoice(http, org)) == [
        ("Kilo for Teams, monthly seat", 145_000_000),
        ("Unused time on 9 removed seat(s)", -2_602_850_000),
        ("Credit carried to your account balance", 2_457_850_000),
    ]
    assert newest_invoice(http, org)["total_microdollars"] == 0
    assert renewed["account_balance_microdollars"] == 2_457_850_000
    assert renewed["next_charge_microdollars"] == 0  # $145.00 − the balance
    credits = ok(http.get(org.path("/credits"), headers=org.headers()))
    assert credits["account_balance_microdollars"] == 2_457_850_000

    clock.now = at("2027-02-01", 0)
    assert subscription(http, org)["account_balance_microdollars"] == 2_312_850_000
    assert lines(newest_invoice(http, org)) == [
        ("Kilo for Teams, monthly seat", 145_000_000),
        ("Account balance applied", -145_000_000),
    ]
    payments = ok(http.get(org.path("/payments"), headers=org.headers()))
    assert [p["amount_microdollars"] for p in payments] == [14 * 290_000_000]  # nothing charged since


def test_the_balance_pays_part_of_a_seat_addition_and_the_card_the_rest(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(seats=14, members=3, cycle=BillingCycle.YEARLY, start=at("2026-01-01", 9))
    clock.now = at("2026-01-02")
    ok(http.post(org.path("/subscription/seats"), json={"seats": 5}, headers=org.headers(org.owner)))
    clock.now = at("2027-01-01", 0)
    assert subscription(http, org)["account_balance_microdollars"] == 1_152_850_000  # $2,602.85 − $1,450.00
    clock.now = at("2027-01-01", 10)
    addition = ok(http.post(org.path("/subscription/seats"), json={"seats": 10}, headers=org.headers(org.owner)))
    assert addition["prorated_amount_microdollars"] == 1_450_000_000  # 5 × $290, whole year left
    assert lines(newest_invoice(http, org)) == [
        ("5 added seat(s), 365 of 365 days", 1_450_000_000),
        ("Account balance applied", -1_152_850_000),
    ]
    assert newest_invoice(http, org)["total_microdollars"] == 297_150_000
    payments = ok(http.get(org.path("/payments"), headers=org.headers()))
    assert payments[0]["amount_microdollars"] == 297_150_000
    assert subscription(http, org)["account_balance_microdollars"] == 0


def test_a_pending_removal_credit_is_refunded_to_the_card_when_the_subscription_ends(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(seats=10, members=3, start=at("2026-04-01", 9))
    clock.now = at("2026-04-15")
    ok(http.post(org.path("/subscription/seats"), json={"seats": 9}, headers=org.headers(org.owner)))  # −$15.47
    cancelled = ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    assert cancelled["credit_at_end"] == {
        "amount_microdollars": 15_470_000,
        "settlement": "refund_to_card",
        "settled_at": None,
    }
    clock.now = at("2026-05-01", 0)
    ended = subscription(http, org)
    assert ended["status"] == "ended"
    assert ended["credit_at_end"] == {
        "amount_microdollars": 15_470_000,
        "settlement": "refund_to_card",
        "settled_at": "2026-05-01T00:00:00Z",
    }
    assert ended["account_balance_microdollars"] == 0
    refund = ok(http.get(org.path("/payments"), headers=org.headers()))[0]
    assert (refund["amount_microdollars"], refund["status"], refund["card_last4"]) == (-15_470_000, "refunded", "4242")
    assert ok(http.get(org.path("/invoices"), headers=org.headers()))[0]["period_start"] == "2026-04-01T00:00:00Z"
    clock.now = at("2026-06-01", 0)
    assert len(ok(http.get(org.path("/payments"), headers=org.headers()))) == 2  # refunded once


def test_without_a_card_the_credit_left_at_the_end_becomes_kilo_credits(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(seats=10, members=3, start=at("2026-04-01", 9), card=False)
    clock.now = at("2026-04-15")
    ok(http.post(org.path("/subscription/seats"), json={"seats": 8}, headers=org.headers(org.owner)))  # −$30.93
    cancelled = ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    assert cancelled["credit_at_end"]["settlement"] == "kilo_credits"
    clock.now = at("2026-05-01", 0)
    assert subscription(http, org)["credit_at_end"]["settled_at"] == "2026-05-01T00:00:00Z"
    credits = ok(http.get(org.path("/credits"), headers=org.headers()))
    assert credits["balance_microdollars"] == 30_930_000
    assert (credits["entries"][0]["kind"], credits["entries"][0]["amount_microdollars"]) == ("adjustment", 30_930_000)


def test_resuming_before_the_end_keeps_the_credit_for_the_renewal(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(seats=10, members=3, start=at("2026-04-01", 9))
    clock.now = at("2026-04-15")
    ok(http.post(org.path("/subscription/seats"), json={"seats": 9}, headers=org.headers(org.owner)))
    ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    resumed = ok(http.post(org.path("/subscription/resume"), headers=org.headers(org.owner)))
    assert resumed["credit_at_end"] is None
    assert resumed["next_charge_microdollars"] == 9 * 29_000_000 - 15_470_000
