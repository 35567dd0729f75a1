"""The real backend behind a proxy that can hold or refuse chosen writes: Kilo slow or down at one exact step
of a flow (the reads before it, and the steps before it, go through untouched)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.serving import BackgroundServer


@dataclass
class BackendProxy:
    url: str = ""
    delay: float = 0.0  # seconds before every request is forwarded (a slow Kilo)
    # (method, path suffix) → seconds before forwarding (each under the bot's 2 s backend timeout in tests)
    hold: dict[tuple[str, str], float] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)  # path suffixes of POSTs answered 503 without forwarding
    refused: int = 0
    requests: int = 0

    def held_for(self, request: Request) -> float:
        path = request.url.path
        held = (s for (m, suffix), s in self.hold.items() if m == request.method and path.endswith(suffix))
        return next(held, self.delay)

    def refuses(self, request: Request) -> bool:
        return request.method == "POST" and any(request.url.path.endswith(s) for s in self.refuse)


@pytest.fixture
def backend_proxy(backend_server: BackgroundServer) -> Iterator[BackendProxy]:
    proxy = BackendProxy()

    async def forward(request: Request) -> Response:
        proxy.requests += 1
        if proxy.refuses(request):
            proxy.refused += 1
            return JSONResponse({"error": {"code": "unavailable", "message": "down"}}, status_code=503)
        await asyncio.sleep(proxy.held_for(request))
        headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length")}
        async with httpx.AsyncClient(base_url=backend_server.url) as real:
            answer = await real.request(
                request.method,
                request.url.path,
                params=request.query_params,
                headers=headers,
                content=await request.body(),
            )
        return Response(answer.content, answer.status_code, media_type=answer.headers.get("content-type"))

    app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PATCH", "DELETE"])])
    with BackgroundServer(app) as server:
        proxy.url = server.url
        yield proxy
