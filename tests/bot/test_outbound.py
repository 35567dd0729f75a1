"""Backend addresses from /kilo connect: only public ones, checked at each connection, no redirects, bounded answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.kilo_client import BackendUnavailable, KiloClient
from bot.outbound import AddressPolicy, PublicAddressesOnly, UnsafeAddress, is_public
from bot.serving import BackgroundServer

PUBLIC_IP = "93.184.216.34"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("fc00::1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool):
    assert is_public(address) is public


@pytest.fixture
def counting_backend() -> Iterator[tuple[BackgroundServer, list[str]]]:
    hits: list[str] = []

    async def anything(request: Request) -> JSONResponse:
        hits.append(request.url.path)
        return JSONResponse({"id": "org_1"})

    with BackgroundServer(Starlette(routes=[Route("/{path:path}", anything)])) as server:
        yield server, hits


def test_a_name_resolving_to_loopback_is_never_connected_to(counting_backend: tuple[BackgroundServer, list[str]]):
    server, hits = counting_backend

    async def ask() -> None:
        async with KiloClient(
            f"http://localhost:{server.port}", "k", max_attempts=1, transport=PublicAddressesOnly()
        ) as client:
            await client.organization()

    with pytest.raises(BackendUnavailable):
        asyncio.run(ask())
    assert hits == []


def remote(handler: Callable[[httpx.Request], httpx.Response]) -> PublicAddressesOnly:
    """The guard in front of a stand-in for a server on the internet (a public address, no DNS)."""
    return PublicAddressesOnly(max_response_bytes=1000, inner=httpx.MockTransport(handler))


async def fetch(transport: PublicAddressesOnly) -> httpx.Response:
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"https://{PUBLIC_IP}/api/v1/organization")
        await response.aread()
        return response


def test_a_public_answer_passes_and_keeps_the_name_for_tls():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    assert asyncio.run(fetch(remote(answer))).json() == {"ok": True}
    assert seen[0].extensions["sni_hostname"] == PUBLIC_IP


def test_redirects_are_refused():
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    with pytest.raises(UnsafeAddress):
        asyncio.run(fetch(remote(redirect)))


@pytest.mark.parametrize("declared", [True, False])
def test_answers_over_the_size_cap_are_refused(declared: bool):
    def huge(request: httpx.Request) -> httpx.Response:
        chunks = [b"x" * 600, b"x" * 600]
        if declared:
            return httpx.Response(200, content=b"".join(chunks))

        async def stream() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return httpx.Response(200, content=stream())

    with pytest.raises((UnsafeAddress, httpx.ReadError)):
        asyncio.run(fetch(remote(huge)))


def test_the_local_setting_and_the_operators_own_backend_are_not_guarded():
    policy = AddressPolicy(allow_local=False, trusted_urls=frozenset({"http://127.0.0.1:8765"}))
    assert not policy.guards("http://127.0.0.1:8765/")
    assert policy.guards("http://127.0.0.1:9999")
    assert not AddressPolicy(allow_local=True).guards("http://127.0.0.1:9999")
    assert asyncio.run(policy.check("http://127.0.0.1:9999")) == "Give the backend's address, starting with https://"
