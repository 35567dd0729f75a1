"""The typed backend client against the real backend: typed errors, retries, coalesced cached reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

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
    server: BackgroundServer, key: str, transport: httpx.AsyncBaseTransport | None = None, **options: float
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


def test_connection_refused_is_unavailable_after_retries():
    transport = CountingTransport()

    async def scenario() -> None:
        async with KiloClient("http://127.0.0.1:9", "k", transport=transport, backoff_seconds=0.01) as kilo:
            with pytest.raises(BackendUnavailable, match="cannot be reached"):
                await kilo.organization()

    asyncio.run(scenario())
    assert transport.requests == ["GET /api/v1/whoami"] * 3


@pytest.fixture
def flaky_backend() -> Iterator[tuple[BackgroundServer, list[str]]]:
    """A backend that fails with 503 twice, then answers: the edge we retry on."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen: list[str] = []

    async def endpoint(request: Request) -> JSONResponse:
        seen.append(request.method)
        if len(seen) <= 2:
            return JSONResponse({"error": {"code": "unavailable", "message": "busy"}}, status_code=503)
        return JSONResponse({"organization_id": "org_x", "organization_name": "X"})

    with BackgroundServer(Starlette(routes=[Route("/api/v1/whoami", endpoint, methods=["GET", "POST"])])) as server:
        yield server, seen


def test_reads_are_retried_on_5xx(flaky_backend):
    server, seen = flaky_backend

    async def scenario() -> str:
        async with client(server, "k") as kilo:
            return await kilo.organization_id()

    assert asyncio.run(scenario()) == "org_x"
    assert seen == ["GET", "GET", "GET"]


@SQLITE_ONLY
def test_writes_without_idempotency_are_not_retried_on_5xx(backend_server: BackgroundServer, orgs, transport):
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
