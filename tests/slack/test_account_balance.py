"""/kilo billing and /kilo subscription show the account balance and the credit paid back at the end."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.conftest import Clock
from tests.slack.conftest import SQLITE_ONLY, Workspace, texts
from tests.support import ok

pytestmark = SQLITE_ONLY


def test_credit_beyond_the_renewal_shows_as_account_balance_and_lowers_the_next_charge(
    workspace: Workspace, http: httpx.Client, clock: Clock
):
    org, admin = workspace.org, workspace.org.headers(workspace.org.admin)
    ok(http.patch(org.path("/subscription"), json={"billing_cycle": "yearly"}, headers=admin))
    clock.now = datetime(2026, 4, 1, 12, tzinfo=UTC)  # renewed yearly, 10 seats
    ok(http.post(org.path("/subscription/seats"), json={"seats": 7}, headers=admin))  # −3 × $290, whole year
    ok(http.patch(org.path("/subscription"), json={"billing_cycle": "monthly"}, headers=admin))
    clock.now = datetime(2027, 4, 1, 12, tzinfo=UTC)  # renewed monthly: $203.00 − $870.00

    subscription = texts(workspace.ask(workspace.owner, "subscription"))
    assert "*Account balance*\n$667.00 seat credit, paid toward your next invoices" in subscription
    assert "*Next charge*\n$0.00 on May 1, 2027" in subscription
    billing = texts(workspace.ask(workspace.admin, "billing"))
    assert "*Account balance*\n$667.00 seat credit, paid toward your next invoices" in billing


def test_the_subscription_says_the_unused_seat_credit_is_refunded_when_it_ends(
    workspace: Workspace, http: httpx.Client, clock: Clock
):
    org = workspace.org
    ok(http.post(org.path("/subscription/seats"), json={"seats": 9}, headers=org.headers(org.admin)))  # Mar 15
    ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    shown = texts(workspace.ask(workspace.owner, "subscription"))
    assert "*Unused seat credit*\n$15.90 refunded to your card when the subscription ends" in shown  # $29 × 17/31
    clock.now = datetime(2026, 4, 2, tzinfo=UTC)
    shown = texts(workspace.ask(workspace.owner, "subscription"))
    assert "*Unused seat credit*\n$15.90 refunded to your card on Apr 1, 2026" in shown
