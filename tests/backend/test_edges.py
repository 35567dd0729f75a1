"""The backend's edges: dates at the ends of the calendar, NUL characters, bodies without a length, the
Authorization scheme, and an OpenAPI document that says what the API really answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.api.middleware import MAX_BODY_BYTES
from tests.factories import OrganizationFactory, TestOrg, usage_events
from tests.support import ok

EVENT_START = datetime(2026, 3, 10, tzinfo=UTC)
USAGE_ROUTES = ("/usage/summary", "/usage/members", "/usage/members/{member}")


def asgi_request(app: FastAPI, method: str, path: str, **options: Any) -> httpx.Response:
    """A request handed to the app directly, as an ASGI server would: what h11 would refuse to send, and a
    body whose reading can be watched."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
            return await client.request(method, path, **options)

    return asyncio.run(send())


# --- dates at the ends of the calendar ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-01-05"), ("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")],
)
@pytest.mark.parametrize("route", USAGE_ROUTES)
def test_a_period_at_the_end_of_the_calendar_is_refused_with_a_reason(
    http: httpx.Client, orgs: OrganizationFactory, route: str, start: str, end: str
):
    org = orgs.create()
    path = org.path(route.format(member=org.admin.id))
    response = http.get(path, params={"start": start, "end": end}, headers=org.headers(org.admin))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "Dates must be between 2000-01-01 and 2999-12-31."


def test_a_period_at_the_edges_of_the_allowed_range_is_answered(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    for start, end in (("2000-01-01", "2000-01-31"), ("2999-12-01", "2999-12-31")):
        summary = ok(http.get(org.path("/usage/summary"), params={"start": start, "end": end}, headers=org.headers()))
        assert (summary["start"], summary["end"], summary["totals"]["requests"]) == (start, end, 0)


# --- NUL characters ----------------------------------------------------------------------------


def _event(org: TestOrg, **changes: Any) -> dict[str, Any]:
    return {"events": [{**usage_events(org, 1, start=EVENT_START, prefix="nul")[0], **changes}]}


NUL_REQUESTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "member search": ("GET", "/members", {"params": {"q": "ad\x00min"}}),
    "member email": ("GET", "/members", {"params": {"email": "a\x00@example.com"}}),
    "member id in the path": ("GET", "/members/mem_%00x", {}),
    "invoice id in the path": ("GET", "/invoices/inv_%00x", {}),
    "event model": ("POST", "/usage/events", {"event": {"model": "gpt\x00-5"}}),
    "event provider": ("POST", "/usage/events", {"event": {"provider": "open\x00ai"}}),
    "event id": ("POST", "/usage/events", {"event": {"event_id": "ev\x00-1"}}),
    "invited name": ("POST", "/members", {"json": {"email": "new@example.com", "name": "N\x00ew"}}),
    "invited email": ("POST", "/members", {"json": {"email": "n\x00ew@example.com"}}),
    "idempotency key": (
        "POST",
        "/credits/purchases",
        {"json": {"amount_microdollars": 10_000_000, "idempotency_key": "k\x00"}},
    ),
}


@pytest.mark.parametrize("name", list(NUL_REQUESTS))
def test_a_nul_character_anywhere_is_refused_with_a_reason(http: httpx.Client, orgs: OrganizationFactory, name: str):
    org = orgs.create()
    method, path, options = NUL_REQUESTS[name]
    if "event" in options:
        options = {"json": _event(org, **options["event"])}
    response = http.request(method, org.path(path), headers=org.headers(org.owner), **options)
    assert response.status_code in (400, 422), response.text
    assert "U+0000" in response.json()["error"]["message"]


def test_a_nul_character_in_a_header_is_refused(orgs: OrganizationFactory, backend_app):
    # A real HTTP client cannot send it (h11 refuses), an ASGI server in front of the app might.
    org = orgs.create()
    headers = {**org.headers(), "X-Kilo-Actor": "o\x00wner"}
    response = asgi_request(backend_app, "GET", org.path("/audit-log"), headers=headers)
    assert response.status_code == 400, response.text
    assert "U+0000" in response.json()["error"]["message"]


# --- bodies over the limit -----------------------------------------------------------------------


class CountedBody:
    """A request body sent in chunks without Content-Length; counts what the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    def __iter__(self) -> Iterator[bytes]:
        yield b"["
        self.sent = 1
        while self.sent < self.total - 1:
            piece = min(self.chunk, self.total - 1 - self.sent)
            self.sent += piece
            yield b" " * piece
        self.sent += 1
        yield b"]"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def test_a_chunked_body_over_the_limit_is_refused_with_413(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    body = CountedBody(9 * 1024 * 1024)
    response = http.post(
        org.path("/usage/events"),
        content=iter(body),
        headers={**org.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "too_large"


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_all_read(orgs: OrganizationFactory, backend_app):
    org = orgs.create()
    body = CountedBody(64 * 1024 * 1024)
    headers = {**org.headers(), "Content-Type": "application/json"}
    response = asgi_request(backend_app, "POST", org.path("/usage/events"), content=body.__aiter__(), headers=headers)
    assert response.status_code == 413, response.text
    assert body.sent <= MAX_BODY_BYTES + 2 * body.chunk


def test_a_chunked_body_under_the_limit_is_read(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    payload = httpx.Request("POST", "/", json=_event(org)).content
    response = http.post(
        org.path("/usage/events"),
        content=iter([payload[:10], payload[10:]]),
        headers={**org.headers(), "Content-Type": "application/json"},
    )
    assert ok(response) == {"accepted": 1, "duplicates": 0}


# --- the Authorization scheme ------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(http: httpx.Client, orgs: OrganizationFactory, scheme: str):
    org = orgs.create(name="Case Inc")
    whoami = ok(http.get("/api/v1/whoami", headers={"Authorization": f"{scheme} {org.api_key}"}))
    assert whoami["organization_name"] == "Case Inc"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer  {key}",
        "Bearer\t{key}",
        "Bearer{key}",
        "Bearer {key} extra",
        "Bearer {key},",
        "Token {key}",
        "Basic {key}",
        "{key}",
        "Bearer",
    ],
)
def test_other_authorization_forms_are_all_refused_the_same_way(
    http: httpx.Client, orgs: OrganizationFactory, header: str
):
    org = orgs.create()
    response = http.get("/api/v1/whoami", headers={"Authorization": header.format(key=org.api_key)})
    assert response.status_code == 401, response.text
    assert response.json()["error"] == {
        "code": "unauthorized",
        "message": "Send the organization's API key as 'Authorization: Bearer <key>'.",
    }
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- the OpenAPI document --------------------------------------------------------------------------


@pytest.fixture
def openapi(http: httpx.Client) -> dict[str, Any]:
    return ok(http.get("/openapi.json"))  # type: ignore[no-any-return]


def operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_openapi_declares_the_bearer_key_and_the_actor_and_client_headers(openapi: dict[str, Any]):
    assert openapi["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": openapi["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    for method, path, operation in operations(openapi):
        if not path.startswith("/api/v1/"):
            continue
        assert {"ApiKey": []} in operation["security"], (method, path)
        if path.startswith("/api/v1/organizations/") and not path.endswith("/pdf"):
            headers = [p for p in operation["parameters"] if p["in"] == "header"]
            assert [p["name"] for p in headers] == ["X-Kilo-Actor", "X-Kilo-Client"], (method, path)
            assert all(p["description"] for p in headers)


def test_openapi_documents_every_refusal_with_the_error_body(openapi: dict[str, Any]):
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for method, path, operation in operations(openapi):
        responses = operation["responses"]
        if not path.startswith("/api/v1/"):
            continue
        expected = {"401", "503"} | ({"404"} if "{" in path else set())
        if operation.get("parameters") or operation.get("requestBody"):
            expected |= {"422"}
        if method in ("POST", "PATCH", "PUT"):
            expected |= {"413"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == error, (method, path, status)


@pytest.mark.parametrize(
    ("method", "route", "statuses"),
    [
        ("GET", "/usage/members", {"403"}),
        ("POST", "/credits/purchases", {"402", "403", "409"}),
        ("POST", "/members", {"403", "409"}),
        ("PATCH", "/members/{member_id}", {"403", "409"}),
        ("DELETE", "/members/{member_id}", {"403", "409"}),
        ("POST", "/subscription/seats", {"402", "403", "409"}),
        ("POST", "/subscription/cancel", {"403", "409"}),
        ("GET", "/audit-log", {"403"}),
    ],
)
def test_openapi_documents_declined_forbidden_and_conflict_where_they_happen(
    openapi: dict[str, Any], method: str, route: str, statuses: set[str]
):
    responses = openapi["paths"][f"/api/v1/organizations/{{organization_id}}{route}"][method.lower()]["responses"]
    assert statuses <= set(responses)


def test_the_credit_purchase_schema_states_the_purchase_rule(openapi: dict[str, Any]):
    amount = openapi["components"]["schemas"]["CreditPurchaseIn"]["properties"]["amount_microdollars"]
    assert (amount["minimum"], amount["maximum"], amount["multipleOf"]) == (10_000_000, 100_000_000_000, 10_000)


@pytest.mark.parametrize("amount", [9_990_000, 100_000_010_000, 20_000_001])
def test_a_credit_purchase_outside_the_rule_is_refused_in_words(
    http: httpx.Client, orgs: OrganizationFactory, amount: int
):
    org = orgs.create()
    response = http.post(
        org.path("/credits/purchases"), json={"amount_microdollars": amount}, headers=org.headers(org.owner)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == (
        "body.amount_microdollars: A credit purchase must be a whole number of cents between $10.00 and $100,000.00."
    )


def test_a_wrong_method_is_405_with_the_allowed_ones(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    response = http.put(org.path("/members"), headers=org.headers())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
    seats = http.get(org.path("/subscription/seats"), headers=org.headers())
    assert (seats.status_code, seats.headers["Allow"]) == (405, "POST")


# --- events in the future ---------------------------------------------------------------------------


def test_a_future_event_is_refused_saying_it_is_in_the_future(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    response = http.post(
        org.path("/usage/events"), json=_event(org, occurred_at="2026-03-15T12:30:00Z"), headers=org.headers()
    )
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message == (
        "event 'nul-1-0': occurred_at is in the future "
        "(2026-03-15T12:30:00Z; the backend's time is 2026-03-15T12:00:00Z)."
    )


def test_an_old_event_is_refused_saying_it_is_too_old(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    response = http.post(
        org.path("/usage/events"), json=_event(org, occurred_at="2025-01-01T00:00:00Z"), headers=org.headers()
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "event 'nul-1-0': occurred_at is more than 400 days ago."


# --- integers as JSON Schema counts them --------------------------------------------------------------


def test_a_whole_number_written_with_a_decimal_point_is_an_integer(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(seats=10)
    quote = ok(http.post(org.path("/subscription/seats/preview"), json={"seats": 12.0}, headers=org.headers(org.owner)))
    assert (quote["current_seats"], quote["new_seats"]) == (10, 12)
    refused = http.post(org.path("/subscription/seats/preview"), json={"seats": 12.5}, headers=org.headers(org.owner))
    assert refused.status_code == 422


# --- found by the fuzz run ------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["é", "\U0010b3c8", "0" * 64])
def test_a_download_link_with_a_foreign_signature_is_refused_not_a_crash(
    http: httpx.Client, orgs: OrganizationFactory, signature: str
):
    org = orgs.create()
    invoice = ok(http.get(org.path("/invoices"), headers=org.headers()))[0]
    response = http.get(org.path(f"/invoices/{invoice['id']}/pdf"), params={"expires": 2**40, "signature": signature})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "link_expired"
