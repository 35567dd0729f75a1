"""Every kind of bad request gets a 4xx JSON error, and nothing stored changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.factories import OrganizationFactory, TestOrg, usage_events
from tests.support import ok

EVENT_START = datetime(2026, 3, 10, tzinfo=UTC)


def snapshot(http: httpx.Client, org: TestOrg) -> dict[str, Any]:
    """Everything a bad request could have changed, read through the API as the Owner."""
    headers = org.headers(org.owner)

    def get(path: str, **params: Any) -> Any:
        return ok(http.get(org.path(path), params=params, headers=headers))

    return {
        "organization": get(""),
        "members": get("/members", status="active", limit=200),
        "invited": get("/members", status="invited", limit=200),
        "usage": get("/usage/summary", period="90d")["totals"],
        "credits": get("/credits", limit=200),
        "subscription": get("/subscription"),
        "invoices": get("/invoices", limit=200),
        "audit": get("/audit-log", limit=200),
    }


def one_event(org: TestOrg, **changes: Any) -> dict[str, Any]:
    return {**usage_events(org, 1, start=EVENT_START, prefix="bad")[0], **changes}


def events_body(org: TestOrg, **changes: Any) -> dict[str, Any]:
    return {"events": [one_event(org, **changes)]}


Request = Callable[[TestOrg], tuple[str, str, dict[str, Any]]]


def post(path: str, body: Callable[[TestOrg], Any] | Any, *, actor: str = "owner") -> Request:
    def build(org: TestOrg) -> tuple[str, str, dict[str, Any]]:
        payload = body(org) if callable(body) else body
        return "POST", path, {"json": payload, "headers": org.headers(getattr(org, actor))}

    return build


def raw(method: str, path: str, content: bytes, content_type: str = "application/json") -> Request:
    def build(org: TestOrg) -> tuple[str, str, dict[str, Any]]:
        headers = {**org.headers(org.owner), "Content-Type": content_type}
        return method, path, {"content": content, "headers": headers}

    return build


def call(method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None) -> Request:
    def build(org: TestOrg) -> tuple[str, str, dict[str, Any]]:
        options: dict[str, Any] = {"headers": org.headers(org.owner), "params": params}
        if json_body is not None:
            options["json"] = json_body
        return method, path, options

    return build


def oversized_batch(org: TestOrg) -> dict[str, Any]:
    return {"events": usage_events(org, 5_001, start=EVENT_START, prefix="big")}


def duplicate_ids(org: TestOrg) -> dict[str, Any]:
    event = one_event(org)
    return {"events": [event, dict(event)]}


BAD_REQUESTS: dict[str, tuple[Request, int]] = {
    "malformed json": (raw("POST", "/usage/events", b'{"events": [}'), 422),
    "not json at all": (raw("POST", "/usage/events", b"events=1", "text/plain"), 422),
    "events not a list": (post("/usage/events", {"events": "many"}), 422),
    "empty batch": (post("/usage/events", {"events": []}), 422),
    "tokens as a string": (post("/usage/events", lambda o: events_body(o, input_tokens="12")), 422),
    "cost as a float": (post("/usage/events", lambda o: events_body(o, cost_microdollars=1.5)), 422),
    "negative cost": (post("/usage/events", lambda o: events_body(o, cost_microdollars=-1)), 422),
    "huge token count": (post("/usage/events", lambda o: events_body(o, output_tokens=10**20)), 422),
    "time without zone": (post("/usage/events", lambda o: events_body(o, occurred_at="2026-03-10T10:00:00")), 422),
    "time in the future": (
        post("/usage/events", lambda o: events_body(o, occurred_at="2027-01-01T00:00:00Z")),
        422,
    ),
    "unknown member": (post("/usage/events", lambda o: events_body(o, member_id="mem_nobody")), 422),
    "unknown field": (post("/usage/events", lambda o: events_body(o, surprise=True)), 422),
    "duplicate ids in one batch": (post("/usage/events", duplicate_ids), 422),
    "oversized batch": (post("/usage/events", oversized_batch), 422),
    "body over 8 MB": (raw("POST", "/usage/events", b"[" + b" " * (9 * 1024 * 1024) + b"]"), 413),
    "invite bad email": (post("/members", {"email": "not-an-email"}), 422),
    "invite unknown role": (post("/members", {"email": "a@example.com", "role": "superuser"}), 422),
    "patch unknown member": (call("PATCH", "/members/mem_unknown", json_body={"role": "admin"}), 404),
    "remove unknown member": (call("DELETE", "/members/mem_unknown"), 404),
    "negative seats": (post("/subscription/seats", {"seats": -1}), 422),
    "huge seats": (post("/subscription/seats", {"seats": 10**9}), 422),
    "seats as a string": (post("/subscription/seats", {"seats": "12"}), 422),
    "seats below used": (post("/subscription/seats", {"seats": 2}), 409),
    "seats unchanged": (post("/subscription/seats", {"seats": 10}), 422),
    "preview zero seats": (post("/subscription/seats/preview", {"seats": 0}), 422),
    "negative credit purchase": (post("/credits/purchases", {"amount_microdollars": -5}), 422),
    "huge credit purchase": (post("/credits/purchases", {"amount_microdollars": 10**13}), 422),
    "credit purchase below minimum": (post("/credits/purchases", {"amount_microdollars": 1_000_000}), 422),
    "credit purchase fraction of a cent": (post("/credits/purchases", {"amount_microdollars": 20_000_001}), 422),
    "policy not a boolean": (call("PATCH", "/policies", json_body={"code_training_opt_out": "yes"}), 422),
    "billing cycle unknown": (call("PATCH", "/subscription", json_body={"billing_cycle": "weekly"}), 422),
    "period reversed": (call("GET", "/usage/summary", params={"start": "2026-03-10", "end": "2026-03-01"}), 422),
    "period unknown": (call("GET", "/usage/summary", params={"period": "1y"}), 422),
    "period start only": (call("GET", "/usage/summary", params={"start": "2026-03-10"}), 422),
    "period too long": (call("GET", "/usage/summary", params={"start": "2024-01-01", "end": "2026-01-01"}), 422),
    "date malformed": (call("GET", "/usage/summary", params={"start": "10/03/2026", "end": "2026-03-11"}), 422),
    "limit zero": (call("GET", "/members", params={"limit": 0}), 422),
    "limit huge": (call("GET", "/members", params={"limit": 100_000}), 422),
    "unknown invoice": (call("GET", "/invoices/inv_unknown"), 404),
    "member acts as admin": (post("/subscription/seats", {"seats": 11}, actor="member"), 403),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_bad_request_is_refused_with_json_and_changes_nothing(
    name: str, http: httpx.Client, orgs: OrganizationFactory
) -> None:
    org = orgs.create(seats=10, members=3)
    http.post(
        org.path("/usage/events"), json={"events": usage_events(org, 20, start=EVENT_START)}, headers=org.headers()
    )
    before = snapshot(http, org)
    build, status = BAD_REQUESTS[name]
    method, path, options = build(org)
    response = http.request(method, org.path(path), **options)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert snapshot(http, org) == before


def test_a_resent_event_batch_changes_nothing(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    events = usage_events(org, 30, start=EVENT_START)
    http.post(org.path("/usage/events"), json={"events": events}, headers=org.headers())
    before = snapshot(http, org)
    again = http.post(
        org.path("/usage/events"),
        content=json.dumps({"events": events}),
        headers={**org.headers(), "Content-Type": "application/json"},
    )
    assert again.json() == {"accepted": 0, "duplicates": 30}
    assert snapshot(http, org) == before


def test_expired_invoice_link_is_refused(http: httpx.Client, orgs: OrganizationFactory, clock):
    org = orgs.create()
    url = http.get(org.path("/invoices"), headers=org.headers()).json()[0]["download_url"]
    clock.now += timedelta(days=8)
    response = httpx.get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_expired"
