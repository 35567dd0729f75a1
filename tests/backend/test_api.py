"""The backend's HTTP API, served by uvicorn, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest

from backend.services.usage_ingest import bucket_center, latency_bucket
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg, usage_events
from tests.support import ok


def ingest(http: httpx.Client, org: TestOrg, events: list[dict[str, Any]]) -> Any:
    return ok(http.post(org.path("/usage/events"), json={"events": events}, headers=org.headers()))


# --- authentication and tenancy ----------------------------------------------------------------


def test_missing_or_wrong_api_key_is_401(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    assert http.get(org.path()).status_code == 401
    wrong = http.get(org.path(), headers={"Authorization": "Bearer kilo_sk_wrong"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"


def test_another_organizations_ids_are_404(http: httpx.Client, orgs: OrganizationFactory):
    mine, theirs = orgs.create(), orgs.create()
    assert http.get(theirs.path(), headers=mine.headers()).status_code == 404
    assert http.get(mine.path(f"/members/{theirs.member.id}"), headers=mine.headers()).status_code == 404
    invoice = ok(http.get(theirs.path("/invoices"), headers=theirs.headers()))[0]
    assert http.get(mine.path(f"/invoices/{invoice['id']}"), headers=mine.headers()).status_code == 404


def test_whoami_names_the_keys_organization(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(name="Whoami Inc")
    assert ok(http.get("/api/v1/whoami", headers=org.headers())) == {
        "organization_id": org.id,
        "organization_name": "Whoami Inc",
    }


def test_openapi_document_describes_the_contract(http: httpx.Client):
    paths = ok(http.get("/openapi.json"))["paths"]
    assert "/api/v1/organizations/{organization_id}/usage/summary" in paths
    assert "/api/v1/organizations/{organization_id}/subscription/seats/preview" in paths


# --- organization and members --------------------------------------------------------------------


def test_organization_shows_seats_used_of_total(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(seats=10, members=6)
    body = ok(http.get(org.path(), headers=org.headers()))
    assert body["seats"] == {"used": 8, "total": 10, "available": 2}
    assert body["members_by_role"] == {"owner": 1, "admin": 1, "member": 6}
    assert body["policies"] == {"code_training_opt_out": True, "usage_analytics_enabled": True}


def test_invite_counts_against_seats_and_refuses_past_the_limit(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(seats=6, members=3)
    invited = ok(
        http.post(
            org.path("/members"), json={"email": "New@Example.com", "role": "member"}, headers=org.headers(org.admin)
        ),
        201,
    )
    assert (invited["email"], invited["status"]) == ("new@example.com", "invited")
    assert invited["invite_expires_at"] == "2026-03-22T12:00:00Z"
    refused = http.post(org.path("/members"), json={"email": "x@example.com"}, headers=org.headers(org.admin))
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "seat_limit_reached",
        "message": "All 6 seats are in use (6 of 6). Add seats before inviting more members.",
    }
    assert ok(http.get(org.path(), headers=org.headers()))["seats"]["used"] == 6


def test_members_cannot_invite_or_remove(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    assert (
        http.post(org.path("/members"), json={"email": "a@example.com"}, headers=org.headers(org.member)).status_code
        == 403
    )
    assert http.delete(org.path(f"/members/{org.admin.id}"), headers=org.headers(org.member)).status_code == 403
    assert http.post(org.path("/members"), json={"email": "a@example.com"}, headers=org.headers()).status_code == 403


def test_members_list_filters_by_role_and_pages(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(members=7)
    page = ok(http.get(org.path("/members"), params={"role": "member", "limit": 5}, headers=org.headers()))
    assert (page["total"], len(page["members"])) == (7, 5)
    rest = ok(http.get(org.path("/members"), params={"role": "member", "limit": 5, "offset": 5}, headers=org.headers()))
    assert len(rest["members"]) == 2
    assert {m["email"] for m in page["members"]}.isdisjoint({m["email"] for m in rest["members"]})
    found = ok(http.get(org.path("/members"), params={"email": org.admin.email.upper()}, headers=org.headers()))
    assert [m["role"] for m in found["members"]] == ["admin"]


def test_directory_lists_owners_then_admins_then_members_then_by_name(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(members=4)
    promotions = {org.people[5].id: "owner", org.people[2].id: "admin"}  # Member4 to Owner, Member1 to Admin
    for member_id, role in promotions.items():
        ok(http.patch(org.path(f"/members/{member_id}"), json={"role": role}, headers=org.headers(org.owner)))
    first_page = ok(http.get(org.path("/members"), params={"limit": 3}, headers=org.headers()))
    rest = ok(http.get(org.path("/members"), params={"limit": 3, "offset": 3}, headers=org.headers()))
    listed = [(m["role"], m["name"]) for m in first_page["members"] + rest["members"]]
    assert listed == [
        ("owner", "Member4 Person"),
        ("owner", "Olivia Owner"),
        ("admin", "Admin Person"),
        ("admin", "Member1 Person"),
        ("member", "Member2 Person"),
        ("member", "Member3 Person"),
    ]


def test_removing_the_last_owner_is_refused(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    response = http.delete(org.path(f"/members/{org.owner.id}"), headers=org.headers(org.owner))
    assert response.status_code == 409
    assert "at least one Owner" in response.json()["error"]["message"]


def test_policy_change_is_audited_with_before_and_after(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    body = ok(http.patch(org.path("/policies"), json={"code_training_opt_out": False}, headers=org.headers(org.admin)))
    assert body == {"code_training_opt_out": False, "usage_analytics_enabled": True}
    entry = ok(http.get(org.path("/audit-log"), headers=org.headers(org.owner)))[0]
    assert entry["action"] == "organization.policy.change"
    assert entry["actor_member_id"] == org.admin.id
    assert entry["before"]["code_training_opt_out"] is True
    assert entry["after"]["code_training_opt_out"] is False
    assert entry["created_at"] == "2026-03-15T12:00:00Z"


# --- usage -------------------------------------------------------------------------------------


def expected_figures(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's figures computed independently from the raw events in the test."""
    ok_events = [e for e in events if not e["has_error"]]
    cost = sum(e["cost_microdollars"] for e in events)
    by_model: dict[str, Counter[str]] = defaultdict(Counter)
    latencies: dict[str, Counter[int]] = defaultdict(Counter)
    for e in events:
        by_model[e["model"]]["requests"] += 1
        by_model[e["model"]]["errors"] += e["has_error"]
        by_model[e["model"]]["cost"] += e["cost_microdollars"]
        latencies[e["model"]][latency_bucket(e["latency_ms"])] += 1
    return {
        "cost": cost,
        "requests": len(events),
        "successful": len(ok_events),
        "input_tokens": sum(e["input_tokens"] for e in events),
        "output_tokens": sum(e["output_tokens"] for e in events),
        "models": {m: (c["requests"], c["errors"], c["cost"]) for m, c in by_model.items()},
        "medians": {m: half_up(statistics.median(centers_of(h))) for m, h in latencies.items()},
    }


def centers_of(histogram: Counter[int]) -> list[Fraction]:
    """Every request's latency as the centre of its bucket, one entry per request."""
    return [Fraction(bucket_center(bucket)) for bucket, count in histogram.items() for _ in range(count)]


def half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def test_usage_summary_matches_the_events_ingested(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    events = usage_events(org, 300, start=datetime(2026, 3, 1, tzinfo=UTC), span=timedelta(days=14))
    assert ingest(http, org, events) == {"accepted": 300, "duplicates": 0}
    body = ok(
        http.get(org.path("/usage/summary"), params={"start": "2026-03-01", "end": "2026-03-15"}, headers=org.headers())
    )
    want = expected_figures(events)
    totals = body["totals"]
    assert totals["cost_microdollars"] == want["cost"]
    assert (totals["requests"], totals["successful_requests"]) == (want["requests"], want["successful"])
    assert (totals["input_tokens"], totals["output_tokens"]) == (want["input_tokens"], want["output_tokens"])
    assert {m["model"]: (m["requests"], m["errors"], m["cost_microdollars"]) for m in body["models"]} == want["models"]
    assert {m["model"]: m["median_latency_ms"] for m in body["models"]} == want["medians"]
    assert sum(d["requests"] for d in body["daily"]) == 300 and len(body["daily"]) == 14
    assert sum(w["requests"] for w in body["weekdays"]) == 300
    assert {p["provider"] for p in body["providers"]} == {"anthropic", "openai", "google"}


def floats_in(body: Any, path: str = "") -> list[str]:
    """Where a JSON answer holds a float (a ratio rounded on the way, which a reader would round again)."""
    if isinstance(body, float):
        return [path]
    if isinstance(body, dict):
        return [found for key, value in body.items() for found in floats_in(value, f"{path}.{key}")]
    if isinstance(body, list):
        return [found for index, value in enumerate(body) for found in floats_in(value, f"{path}[{index}]")]
    return []


def test_usage_answers_send_exact_integers_not_rounded_ratios(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    ingest(http, org, usage_events(org, 60, start=datetime(2026, 3, 2, tzinfo=UTC), span=timedelta(days=10)))
    for path, actor in (
        ("/usage/summary", None),
        ("/usage/members", org.admin),
        (f"/usage/members/{org.member.id}", org.member),
    ):
        body = ok(http.get(org.path(path), headers=org.headers(actor)))
        assert floats_in(body) == [], path
    distribution = ok(http.get(org.path("/usage/members"), headers=org.headers(org.admin)))["distribution"]
    costs = sorted(
        (
            m["cost_microdollars"]
            for m in ok(http.get(org.path("/usage/members"), headers=org.headers(org.admin)))["members"]
        ),
        reverse=True,
    )
    assert (distribution["top5_cost_microdollars"], distribution["total_cost_microdollars"]) == (
        sum(costs[:5]),
        sum(costs),
    )


def test_resending_a_batch_is_idempotent(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    events = usage_events(org, 50, start=datetime(2026, 3, 10, tzinfo=UTC))
    ingest(http, org, events)
    before = ok(http.get(org.path("/usage/summary"), params={"period": "30d"}, headers=org.headers()))
    assert before["totals"]["requests"] == 50
    credits_before = ok(http.get(org.path("/credits"), headers=org.headers()))["balance_microdollars"]
    assert ingest(http, org, events) == {"accepted": 0, "duplicates": 50}
    assert ingest(http, org, events[:10] + usage_events(org, 5, start=datetime(2026, 3, 11, tzinfo=UTC), seed=9)) == {
        "accepted": 5,
        "duplicates": 10,
    }
    after = ok(http.get(org.path("/usage/summary"), params={"period": "30d"}, headers=org.headers()))
    assert after["totals"]["requests"] == 55
    credits_after = ok(http.get(org.path("/credits"), headers=org.headers()))["balance_microdollars"]
    new_cost = sum(
        e["cost_microdollars"] for e in usage_events(org, 5, start=datetime(2026, 3, 11, tzinfo=UTC), seed=9)
    )
    assert credits_after == credits_before - new_cost


def test_the_same_instant_in_another_time_zone_is_the_same_event(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    (event,) = usage_events(org, 1, start=datetime(2026, 3, 10, 12, tzinfo=UTC), span=timedelta(0))
    ingest(http, org, [event])
    berlin = dict(event, occurred_at="2026-03-10T13:00:00+01:00")
    assert ingest(http, org, [berlin]) == {"accepted": 0, "duplicates": 1}
    an_hour_later = dict(event, occurred_at="2026-03-10T13:00:00+00:00")
    assert (
        http.post(org.path("/usage/events"), json={"events": [an_hour_later]}, headers=org.headers()).status_code == 409
    )


def test_same_event_id_with_other_content_is_a_conflict(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    events = usage_events(org, 3, start=datetime(2026, 3, 10, tzinfo=UTC))
    ingest(http, org, events)
    changed = dict(events[0], cost_microdollars=events[0]["cost_microdollars"] + 1)
    response = http.post(org.path("/usage/events"), json={"events": [changed]}, headers=org.headers())
    assert response.status_code == 409


def test_active_users_counts_members_with_usage_in_the_last_7_days(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(members=4)
    old = usage_events(org, 6, start=datetime(2026, 3, 1, tzinfo=UTC), prefix="old")
    recent = usage_events(org, 2, start=datetime(2026, 3, 13, tzinfo=UTC), prefix="new")
    ingest(http, org, old + recent)
    body = ok(http.get(org.path("/usage/summary"), headers=org.headers()))
    assert body["active_users_7d"] == len({e["member_id"] for e in recent})


def test_billing_period_boundaries_are_utc_midnight(http: httpx.Client, orgs: OrganizationFactory, clock: Clock):
    clock.now = datetime(2026, 4, 2, 8, tzinfo=UTC)
    org = orgs.create(start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    last_second = usage_events(
        org, 1, start=datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC), span=timedelta(0), prefix="march"
    )
    first_second = usage_events(
        org, 1, start=datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC), span=timedelta(0), prefix="april", seed=2
    )
    ingest(http, org, last_second + first_second)
    current = ok(http.get(org.path("/usage/summary"), headers=org.headers()))
    assert (current["start"], current["end"]) == ("2026-04-01", "2026-05-01")
    assert current["totals"]["requests"] == 1
    assert current["totals"]["cost_microdollars"] == first_second[0]["cost_microdollars"]
    # compared like with like: April's one whole day so far against the first day of the 30 days before
    previous = current["previous_period"]
    assert (previous["start"], previous["end"], previous["requests"]) == ("2026-03-02", "2026-03-03", 0)
    march = ok(http.get(org.path("/usage/summary"), params={"period": "last-month"}, headers=org.headers()))
    assert march["totals"]["cost_microdollars"] == last_second[0]["cost_microdollars"]


def test_per_member_usage_is_admin_only(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    ingest(http, org, usage_events(org, 40, start=datetime(2026, 3, 10, tzinfo=UTC)))
    refused = http.get(org.path("/usage/members"), headers=org.headers(org.member))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Only organization Owners and Admins can do this."
    assert http.get(org.path("/usage/members"), headers=org.headers()).status_code == 403
    body = ok(http.get(org.path("/usage/members"), headers=org.headers(org.admin)))
    assert body["admin_only"] is True
    assert sum(m["requests"] for m in body["members"]) == 40
    assert body["top_members"][0]["cost_microdollars"] == max(m["cost_microdollars"] for m in body["members"])


@pytest.mark.parametrize(
    ("costs", "median", "p90"),
    [
        # ten members: the 90th percentile lies between the 9th and 10th (not the maximum)
        ([100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000], "550", "910"),
        ([2, 1], "1.5", "1.9"),  # an even count: the mean of the two middle values, exactly
        ([7], "7", "7"),
        ([30, 10, 20], "20", "28"),
        ([5, 5, 5, 5, 1_000_000], "5", "600002"),
    ],
)
def test_spend_distribution_uses_the_standard_median_and_an_interpolated_90th_percentile(
    http: httpx.Client, orgs: OrganizationFactory, costs: list[int], median: str, p90: str
):
    org = orgs.create(members=8)
    events = [
        {**event, "member_id": person.id, "cost_microdollars": cost, "has_error": False}
        for person, cost, event in zip(
            org.people, costs, usage_events(org, len(costs), start=datetime(2026, 3, 3, tzinfo=UTC)), strict=False
        )
    ]
    ingest(http, org, events)
    distribution = ok(http.get(org.path("/usage/members"), headers=org.headers(org.admin)))["distribution"]
    assert distribution["active_members"] == len(costs)
    assert Decimal(distribution["median_cost_microdollars"]) == Decimal(median) == exact_median(costs)
    assert Decimal(distribution["p90_cost_microdollars"]) == Decimal(p90)


def exact_median(values: list[int]) -> Decimal:
    middle = statistics.median(Fraction(v) for v in values)
    return Decimal(middle.numerator) / Decimal(middle.denominator)


def test_member_sees_own_usage_but_not_anothers(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    events = usage_events(org, 40, start=datetime(2026, 3, 10, tzinfo=UTC))
    ingest(http, org, events)
    mine = ok(http.get(org.path(f"/usage/members/{org.member.id}"), headers=org.headers(org.member)))
    assert mine["member"]["requests"] == sum(1 for e in events if e["member_id"] == org.member.id)
    assert mine["member"]["cost_microdollars"] == sum(
        e["cost_microdollars"] for e in events if e["member_id"] == org.member.id
    )
    assert mine["team_requests"] == 40
    other = http.get(org.path(f"/usage/members/{org.admin.id}"), headers=org.headers(org.member))
    assert other.status_code == 403


# --- subscription, billing ---------------------------------------------------------------------


def test_seat_preview_then_change_then_history(http: httpx.Client, orgs: OrganizationFactory, clock: Clock):
    org = orgs.create(seats=10, start=datetime(2026, 4, 1, 9, tzinfo=UTC))
    clock.now = datetime(2026, 4, 15, 10, tzinfo=UTC)
    preview = ok(http.post(org.path("/subscription/seats/preview"), json={"seats": 12}, headers=org.headers(org.admin)))
    assert preview["prorated_amount_microdollars"] == 30_930_000
    assert ok(http.get(org.path("/subscription"), headers=org.headers()))["seat_count"] == 10
    change = ok(
        http.post(
            org.path("/subscription/seats"),
            json={"seats": 12, "idempotency_key": "click-1"},
            headers=org.headers(org.admin),
        )
    )
    assert (change["delta"], change["prorated_amount_microdollars"]) == (2, 30_930_000)
    subscription = ok(http.get(org.path("/subscription"), headers=org.headers()))
    assert subscription["seat_count"] == 12
    assert subscription["next_charge_at"] == "2026-05-01T00:00:00Z"
    assert subscription["next_charge_microdollars"] == 12 * 29_000_000
    assert subscription["seat_history"][0]["actor_member_id"] == org.admin.id
    history = ok(http.get(org.path("/billing/history"), headers=org.headers()))
    assert history[0]["kind"] == "seats_added" and history[0]["amount_microdollars"] == 30_930_000


def test_only_owners_cancel_and_resume(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert http.post(org.path("/subscription/cancel"), headers=org.headers(org.admin)).status_code == 403
    cancelled = ok(http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)))
    assert (cancelled["status"], cancelled["cancel_effective_at"]) == ("pending_cancel", "2026-04-01T00:00:00Z")
    assert cancelled["next_charge_at"] is None
    assert http.post(org.path("/subscription/cancel"), headers=org.headers(org.owner)).status_code == 409
    resumed = ok(http.post(org.path("/subscription/resume"), headers=org.headers(org.owner)))
    assert resumed["status"] == "active" and resumed["next_charge_microdollars"] == 10 * 29_000_000


def test_invoice_pdf_downloads_with_key_or_signed_link(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    invoice = ok(http.get(org.path("/invoices"), headers=org.headers()))[0]
    assert invoice["total_microdollars"] == 290_000_000 and invoice["status"] == "paid"
    with_key = http.get(org.path(f"/invoices/{invoice['id']}/pdf"), headers=org.headers())
    assert with_key.status_code == 200 and with_key.headers["content-type"] == "application/pdf"
    assert with_key.content.startswith(b"%PDF-")
    signed = httpx.get(invoice["download_url"])
    assert signed.status_code == 200 and signed.content.startswith(b"%PDF-")
    tampered = httpx.get(invoice["download_url"].replace("signature=", "signature=0"))
    assert tampered.status_code == 403


def test_credit_purchase_adds_to_balance_and_history(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    body = {"amount_microdollars": 250_000_000, "idempotency_key": "buy-1"}
    entry = ok(http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.owner)), 201)
    again = ok(http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.owner)), 201)
    assert entry["id"] == again["id"]
    credits = ok(http.get(org.path("/credits"), headers=org.headers()))
    assert credits["balance_microdollars"] == 250_000_000
    payments = ok(http.get(org.path("/payments"), headers=org.headers()))
    assert [p["amount_microdollars"] for p in payments] == [250_000_000, 290_000_000]
    assert ok(http.get(org.path("/payment-method"), headers=org.headers())) == {
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2030,
    }


def test_concurrent_reads_at_a_cycle_end_renew_once(backend_server, orgs: OrganizationFactory, clock: Clock):
    from concurrent.futures import ThreadPoolExecutor

    org = orgs.create(start=datetime(2026, 2, 1, 9, tzinfo=UTC))
    clock.now = datetime(2026, 3, 1, 0, 0, 5, tzinfo=UTC)

    def read(_: int) -> int:
        with httpx.Client(base_url=backend_server.url, timeout=30) as client:
            return client.get(org.path("/subscription"), headers=org.headers()).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(read, range(6)))
    # SQLite may answer 503 "busy" to a reader that lost the race (the bot's client retries reads on 5xx)
    assert set(statuses) <= {200, 503} and 200 in statuses
    with httpx.Client(base_url=backend_server.url) as client:
        subscription = ok(client.get(org.path("/subscription"), headers=org.headers()))
        invoices = ok(client.get(org.path("/invoices"), headers=org.headers()))
    assert subscription["current_period_start"] == "2026-03-01T00:00:00Z"
    assert [i["period_start"] for i in invoices].count("2026-03-01T00:00:00Z") == 1


def test_concurrent_invites_for_the_last_seat_let_exactly_one_in(backend_server, orgs: OrganizationFactory):
    from concurrent.futures import ThreadPoolExecutor

    org = orgs.create(seats=6, members=3)  # 5 used, 1 free

    def invite(index: int) -> int:
        with httpx.Client(base_url=backend_server.url, timeout=60) as client:
            body = {"email": f"racer{index}@example.com"}
            return client.post(org.path("/members"), json=body, headers=org.headers(org.admin)).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(invite, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]
    with httpx.Client(base_url=backend_server.url) as client:
        assert ok(client.get(org.path(), headers=org.headers()))["seats"] == {"used": 6, "total": 6, "available": 0}
