"""Backend addresses typed into /kilo connect are fetched only when public: https, a name that resolves
to public addresses only (checked again at each connection, so a name cannot be rebound to an internal
one later), no redirects, and answers bounded in size.

Local development (and the test suite) connects to a backend on loopback over http: that needs
KILO_CONNECT_ALLOW_LOCAL=true. The embedded reference backend of this process is always allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import anyio
import httpx

MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # the largest page of members or invoices is far below this
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeAddress(httpx.ConnectError):
    """An address /kilo connect must not reach; raised before any byte is sent to it."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = (
            ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        )
        if embedded is not None:
            return is_public(str(embedded))
    return ip.is_global and not ip.is_multicast


async def public_address(host: str, port: int) -> str:
    """The first address `host` resolves to; UnsafeAddress unless every one of them is public."""
    try:
        resolved = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeAddress(f"{host} does not resolve") from exc
    addresses = [str(sockaddr[0]).split("%", 1)[0] for *_, sockaddr in resolved]
    if not addresses or not all(is_public(address) for address in addresses):
        raise UnsafeAddress(f"{host} is not a public address")
    return addresses[0]


@dataclass(frozen=True)
class AddressPolicy:
    """Which backend addresses a workspace may be connected to."""

    allow_local: bool = False
    trusted_urls: frozenset[str] = field(default_factory=frozenset)  # set by whoever runs the bot

    def guards(self, api_url: str) -> bool:
        return not self.allow_local and api_url.rstrip("/") not in self.trusted_urls

    def transport(self, api_url: str) -> httpx.AsyncBaseTransport | None:
        return PublicAddressesOnly() if self.guards(api_url) else None

    async def check(self, api_url: str) -> str | None:
        """Why `api_url` may not be connected to, in words for the person; None if it may."""
        if not self.guards(api_url):
            return None
        parts = urlsplit(api_url)
        if parts.scheme != "https" or not parts.hostname:
            return "Give the backend's address, starting with https://"
        try:
            await public_address(parts.hostname, parts.port or 443)
        except UnsafeAddress:
            return "That address is not public (loopback, link-local or private); give the backend's public address."
        return None


class PublicAddressesOnly(httpx.AsyncBaseTransport):
    """Connects to the checked address itself (TLS still verifies the name) and refuses redirects and
    oversized answers."""

    def __init__(
        self, max_response_bytes: int = MAX_RESPONSE_BYTES, inner: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._max_response_bytes = max_response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        address = await public_address(host, request.url.port or (443 if request.url.scheme == "https" else 80))
        request.url = request.url.copy_with(host=address)
        request.extensions = {**request.extensions, "sni_hostname": host}
        response = await self._inner.handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if response.is_redirect or (declared.isdigit() and int(declared) > self._max_response_bytes):
            await response.aclose()
            raise UnsafeAddress("the backend answered with a redirect or too much data", request=request)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Capped(response.stream, self._max_response_bytes, request),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Capped(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, limit: int, request: httpx.Request) -> None:
        assert isinstance(inner, httpx.AsyncByteStream)
        self._inner, self._limit, self._request = inner, limit, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self._inner:
            received += len(chunk)
            if received > self._limit:
                raise httpx.ReadError("the backend's answer is larger than allowed", request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
