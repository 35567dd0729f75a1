"""ASGI guards in front of every route: the request body size limit (counted as it arrives, chunked too)
and the NUL character, which PostgreSQL cannot store, in the path, the query or a header."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.errors import error_response
from kilo_api.schemas import NUL_MESSAGE

MAX_BODY_BYTES = 8 * 1024 * 1024
TOO_LARGE_MESSAGE = f"Request bodies are limited to {MAX_BODY_BYTES:,} bytes."


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. An HTTPException, so FastAPI's body reading
    lets it through (it turns other errors into a 400) and the error handlers answer 413."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE_MESSAGE)


class BodySizeLimit:
    """Refuses request bodies over MAX_BODY_BYTES with 413: at once when Content-Length says so, otherwise
    (chunked, or a length that lies) as soon as the bytes received pass the limit, never reading the rest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await error_response(413, "too_large", TOO_LARGE_MESSAGE)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Read outside FastAPI's routing (no handler saw it): answer here unless a response began.
            if started:
                raise
            await error_response(413, "too_large", TOO_LARGE_MESSAGE)(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    if "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
        return True
    return any(b"\x00" in name or b"\x00" in value for name, value in scope.get("headers") or [])


class RefuseNulCharacter:
    """400 for a NUL character in the path, the query or a header, before any route reads it: every text
    parameter is covered at once (request bodies are checked by kilo_api.schemas.Strict)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            message = f"The path, query and headers {NUL_MESSAGE}."
            await error_response(400, "invalid", message)(scope, receive, send)
            return
        await self.app(scope, receive, send)
