"""Backend writes the Slack admin flows rely on: a declined card buys nothing, a billing-cycle preview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import OrganizationFactory


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_declined_card_buys_nothing_and_leaves_no_invoice(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(card_last4="0002")
    invoices_before = ok(http.get(org.path("/invoices"), headers=org.headers()))
    audit_before = ok(http.get(org.path("/audit-log"), headers=org.headers(org.owner)))
    body = {"amount_microdollars": 50_000_000, "idempotency_key": "declined-1"}
    refused = http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.owner))
    assert refused.status_code == 402
    assert refused.json()["error"] == {
        "code": "card_declined",
        "message": "The card Visa •••• 0002 was declined; no credits were bought.",
    }
    assert ok(http.get(org.path("/credits"), headers=org.headers()))["balance_microdollars"] == 0
    assert ok(http.get(org.path("/invoices"), headers=org.headers())) == invoices_before
    assert ok(http.get(org.path("/audit-log"), headers=org.headers(org.owner))) == audit_before


def test_billing_cycle_preview_prices_the_next_renewal(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(seats=8, start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    quote = ok(
        http.post(
            org.path("/subscription/billing-cycle/preview"),
            json={"billing_cycle": "yearly"},
            headers=org.headers(org.admin),
        )
    )
    assert quote == {
        "current_cycle": "monthly",
        "next_cycle": "monthly",
        "new_cycle": "yearly",
        "effective_at": "2026-04-01T00:00:00Z",
        "seat_count": 8,
        "price_per_seat_microdollars": 290_000_000,
        "renews": True,
        "next_charge_at": "2026-04-01T00:00:00Z",
        "next_charge_microdollars": 8 * 290_000_000,
    }
    # a preview changes nothing; only Owners and Admins may ask
    assert ok(http.get(org.path("/subscription"), headers=org.headers()))["next_billing_cycle"] is None
    member = http.post(
        org.path("/subscription/billing-cycle/preview"),
        json={"billing_cycle": "yearly"},
        headers=org.headers(org.member),
    )
    assert member.status_code == 403


def test_billing_cycle_preview_of_a_cancelled_subscription_has_no_next_charge(
    http: httpx.Client, orgs: OrganizationFactory
):
    org = orgs.create(start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    quote = ok(
        http.post(
            org.path("/subscription/billing-cycle/preview"),
            json={"billing_cycle": "yearly"},
            headers=org.headers(org.owner),
        )
    )
    assert (quote["renews"], quote["next_charge_at"], quote["next_charge_microdollars"]) == (False, None, 0)
