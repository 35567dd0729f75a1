"""Backend writes the Slack admin flows rely on: a declined card buys nothing and adds no seats, a billing-cycle
preview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from backend.models import BalanceEntryKind
from backend.services import account_balance, invoices
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg


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


def stored(http: httpx.Client, org: TestOrg) -> dict[str, Any]:
    """Everything a seat addition may change, as the API shows it."""
    subscription = ok(http.get(org.path("/subscription"), headers=org.headers(org.owner)))
    return {
        "seats": subscription["seat_count"],
        "seat_history": subscription["seat_history"],
        "account_balance": subscription["account_balance_microdollars"],
        "invoices": ok(http.get(org.path("/invoices"), headers=org.headers())),
        "payments": ok(http.get(org.path("/payments"), headers=org.headers())),
        "audit": ok(http.get(org.path("/audit-log"), headers=org.headers(org.owner))),
    }


def test_a_declined_card_adds_no_seats_and_the_same_key_works_once_it_is_fixed(
    http: httpx.Client, orgs: OrganizationFactory
):
    org = orgs.create(seats=10, card_last4=invoices.DECLINING_CARD_LAST4)
    before = stored(http, org)
    body = {"seats": 12, "idempotency_key": "slack-seats-declined"}
    refused = http.post(org.path("/subscription/seats"), json=body, headers=org.headers(org.admin))
    assert refused.status_code == 402
    assert refused.json()["error"] == {
        "code": "card_declined",
        "message": "The card Visa •••• 0002 was declined, so nothing was charged and no seats were added (still 10).",
    }
    assert stored(http, org) == before  # no seats, invoice, invoice number, payment, seat change or audit entry
    orgs.replace_card(org, "4242")
    change = ok(http.post(org.path("/subscription/seats"), json=body, headers=org.headers(org.admin)))
    again = ok(http.post(org.path("/subscription/seats"), json=body, headers=org.headers(org.admin)))
    assert again == change and change["seats_after"] == 12 and change["invoice_id"]
    after = stored(http, org)
    assert after["seats"] == 12 and len(after["seat_history"]) == 1
    added = [i for i in after["invoices"] if i not in before["invoices"]]
    assert [(i["id"], i["status"], i["total_microdollars"]) for i in added] == [
        (change["invoice_id"], "paid", change["prorated_amount_microdollars"])
    ]
    # the declined attempt used no invoice number: the paid one follows the last one before it
    numbers = sorted(int(i["number"].rsplit("-", 1)[1]) for i in after["invoices"])
    assert numbers == list(range(1, len(numbers) + 1))
    assert [e["action"] for e in after["audit"][: len(after["audit"]) - len(before["audit"])]] == [
        "organization.seats.add"
    ]


def test_removing_seats_with_a_declining_card_is_not_a_charge(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(seats=10, members=3, card_last4=invoices.DECLINING_CARD_LAST4)
    change = ok(http.post(org.path("/subscription/seats"), json={"seats": 8}, headers=org.headers(org.owner)))
    assert (change["delta"], change["invoice_id"]) == (-2, None) and change["prorated_amount_microdollars"] < 0
    assert stored(http, org)["seats"] == 8


def test_an_addition_the_account_balance_pays_in_full_charges_no_card(
    http: httpx.Client, orgs: OrganizationFactory, backend_sessions: sessionmaker[Session], clock: Clock
):
    org = orgs.create(seats=10, card_last4=invoices.DECLINING_CARD_LAST4)
    with backend_sessions.begin() as session:
        account_balance.record(
            session,
            organization_id=org.id,
            kind=BalanceEntryKind.CARRIED,
            amount_microdollars=1_000_000_000,
            description="Unused time on removed seats",
            now=clock(),
        )
    payments_before = stored(http, org)["payments"]
    change = ok(http.post(org.path("/subscription/seats"), json={"seats": 11}, headers=org.headers(org.owner)))
    after = stored(http, org)
    assert after["seats"] == 11 and after["payments"] == payments_before
    invoice = next(i for i in after["invoices"] if i["id"] == change["invoice_id"])
    assert (invoice["status"], invoice["total_microdollars"]) == ("paid", 0)
    assert after["account_balance"] == 1_000_000_000 - change["prorated_amount_microdollars"]


def test_a_renewal_with_a_declining_card_renews_with_a_failed_invoice(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    """Pinned as it is today: a renewal is not refused (no dunning yet); its invoice and payment say failed."""
    org = orgs.create(seats=4, start=datetime(2026, 3, 1, 9, tzinfo=UTC), card_last4=invoices.DECLINING_CARD_LAST4)
    clock.now = datetime(2026, 4, 1, 10, tzinfo=UTC)
    subscription = ok(http.get(org.path("/subscription"), headers=org.headers()))
    assert (subscription["status"], subscription["seat_count"]) == ("active", 4)
    assert subscription["current_period_start"] == "2026-04-01T00:00:00Z"
    renewal = ok(http.get(org.path("/invoices"), headers=org.headers()))[0]
    assert (renewal["status"], renewal["paid_at"]) == ("failed", None)
    payment = next(
        p for p in ok(http.get(org.path("/payments"), headers=org.headers())) if p["invoice_id"] == renewal["id"]
    )
    assert (payment["status"], payment["card_last4"]) == ("failed", "0002")
