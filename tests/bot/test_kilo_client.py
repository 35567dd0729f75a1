"""The typed backend client against the real backend: typed errors, retries, coalesced cached reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.kilo_client import BackendUnavailable, Conflict, Forbidden, KiloClient, NotFound, ValidationFailed
from bot.serving import BackgroundServer
from kilo_api.enums import Role
from tests.factories import SQLITE_ONLY, OrganizationFactory


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real network transport, counting what goes over the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        return await super().handle_async_request(request)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


def client(
    server: BackgroundServer | FailingBackend,
    key: str,
    transport: httpx.AsyncBaseTransport | None = None,
    **options: float,
) -> KiloClient:
    return KiloClient(server.url, key, transport=transport, backoff_seconds=0.01, **options)  # type: ignore[arg-type]


@SQLITE_ONLY
def test_typed_errors(backend_server: BackgroundServer, orgs: OrganizationFactory):
    org = orgs.create(seats=6, members=3)

    async def scenario() -> None:
        async with client(backend_server, org.api_key) as kilo:
            with pytest.raises(Forbidden):
                await kilo.usage_by_member(org.member.email)
            with pytest.raises(ValidationFailed):
                await kilo.preview_seats(org.owner.email, 0)
            with pytest.raises(Conflict, match="5 seats are in use"):
                await kilo.preview_seats(org.owner.email, 4)
            with pytest.raises(NotFound):
                await kilo.remove_member(org.owner.email, "mem_missing")
        async with client(backend_server, "kilo_sk_wrong") as wrong:
            with pytest.raises(Forbidden):
                await wrong.organization()

    asyncio.run(scenario())


def test_connection_refused_is_unavailable_after_retries(transport: CountingTransport):
    async def scenario() -> None:
        async with KiloClient("http://127.0.0.1:9", "k", transport=transport, backoff_seconds=0.01) as kilo:
            with pytest.raises(BackendUnavailable, match="cannot be reached"):
                await kilo.organization()

    asyncio.run(scenario())
    assert transport.requests == ["GET /api/v1/whoami"] * 3


@dataclass
class FailingBackend:
    url: str
    seen: list[str]


@pytest.fixture
def failing_backend() -> Iterator[FailingBackend]:
    """A backend answering 503, the edge we retry on: `whoami` twice then properly, every other request always."""
    seen: list[str] = []
    busy = JSONResponse({"error": {"code": "unavailable", "message": "busy"}}, status_code=503)

    async def whoami(request: Request) -> JSONResponse:
        seen.append(f"{request.method} {request.url.path}")
        if seen.count("GET /api/v1/whoami") <= 2:
            return busy
        return JSONResponse({"organization_id": "org_x", "organization_name": "X"})

    async def anything_else(request: Request) -> JSONResponse:
        seen.append(f"{request.method} {request.url.path}")
        return busy

    routes = [
        Route("/api/v1/whoami", whoami),
        Route("/{path:path}", anything_else, methods=["GET", "POST", "PATCH", "DELETE"]),
    ]
    with BackgroundServer(Starlette(routes=routes)) as server:
        yield FailingBackend(server.url, seen)


def test_reads_are_retried_on_5xx(failing_backend: FailingBackend):
    async def scenario() -> str:
        async with client(failing_backend, "k") as kilo:
            return await kilo.organization_id()

    assert asyncio.run(scenario()) == "org_x"
    assert failing_backend.seen == ["GET /api/v1/whoami"] * 3


def test_writes_without_idempotency_are_not_retried_on_5xx(failing_backend: FailingBackend):
    async def scenario() -> None:
        async with client(failing_backend, "k") as kilo:
            with pytest.raises(BackendUnavailable, match=r"failed \(503\)"):
                await kilo.invite_member("owner@example.com", "x@example.com", Role.MEMBER)

    asyncio.run(scenario())
    # the server may have acted on it: a second POST could invite twice
    assert failing_backend.seen.count("POST /api/v1/organizations/org_x/members") == 1


def test_writes_with_an_idempotency_key_are_retried_on_5xx(failing_backend: FailingBackend):
    async def scenario() -> None:
        async with client(failing_backend, "k") as kilo:
            with pytest.raises(BackendUnavailable, match=r"failed \(503\)"):
                await kilo.change_seats("owner@example.com", 12, idempotency_key="click-1")

    asyncio.run(scenario())
    assert failing_backend.seen.count("POST /api/v1/organizations/org_x/subscription/seats") == 3


@SQLITE_ONLY
def test_a_refused_connection_is_retried_even_for_a_write(backend_server: BackgroundServer, orgs, transport):
    org = orgs.create()

    async def scenario() -> None:
        async with client(backend_server, org.api_key, transport) as kilo:
            await kilo.organization_id()
            kilo._http.base_url = httpx.URL("http://127.0.0.1:9")  # the backend goes away mid-session
            with pytest.raises(BackendUnavailable):
                await kilo.invite_member(org.owner.email, "x@example.com", Role.MEMBER)

    asyncio.run(scenario())
    # a refused connection never reached the server, so it is retried even for a write
    assert transport.requests.count(f"POST /api/v1/organizations/{org.id}/members") == 3


@SQLITE_ONLY
def test_concurrent_identical_reads_share_one_request(backend_server: BackgroundServer, orgs, transport):
    org = orgs.create()

    async def scenario() -> list[int]:
        async with client(backend_server, org.api_key, transport, read_cache_seconds=30) as kilo:
            results = await asyncio.gather(*(kilo.organization() for _ in range(20)))
            again = await kilo.organization()
            return [r.seats.used for r in [*results, again]]

    assert set(asyncio.run(scenario())) == {5}  # owner, admin, 3 members
    assert transport.requests.count(f"GET /api/v1/organizations/{org.id}") == 1


@SQLITE_ONLY
def test_a_write_empties_the_read_cache(backend_server: BackgroundServer, orgs, transport):
    org = orgs.create(seats=10, members=3)

    async def scenario() -> tuple[int, int]:
        async with client(backend_server, org.api_key, transport, read_cache_seconds=30) as kilo:
            before = (await kilo.organization()).seats.used
            await kilo.invite_member(org.admin.email, "new@example.com", Role.MEMBER)
            after = (await kilo.organization()).seats.used
            return before, after

    assert asyncio.run(scenario()) == (5, 6)
