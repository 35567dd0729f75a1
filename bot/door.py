"""POST /slack/events is Slack's door: a bounded body, Slack's signature checked over the raw bytes
before anything else, then the payload's shape. Nothing unverified is parsed, answered or logged
beyond a short summary (no body: a connect form carries an API key)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from bot.payloads import MalformedPayload, parse_body

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a full modal's state) are far below this
SLACK_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # whole seconds since the epoch, nothing else
MAX_CLOCK_SKEW_SECONDS = 60 * 5  # Slack's replay window
SUMMARY_FIELD = 40


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Admitted:
    raw: str
    body: dict[str, Any]


class SlackDoor:
    def __init__(self, signing_secret: str, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self._secret = signing_secret.encode()
        self._max_body_bytes = max_body_bytes

    async def admit(self, request: Request) -> Admitted:
        """The verified, well-formed request; Refused (413, 401, 400) otherwise."""
        raw = await self._read_bounded(request)
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not self._signed(raw, timestamp, signature):
            logger.info("refused a Slack request with an invalid signature: %s", summary(request, len(raw)))
            raise Refused(401, "invalid request signature")
        try:
            body = parse_body(raw, request.headers.get("content-type", ""))
        except MalformedPayload as malformed:
            logger.info("refused a malformed Slack request (%s): %s", malformed, summary(request, len(raw)))
            raise Refused(400, "malformed request") from None
        return Admitted(raw.decode("utf-8"), body)

    def _signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over the exact bytes received (slack_sdk's verifier decodes them as UTF-8
        first, which raises on bytes that are not), within Slack's five-minute replay window."""
        if not SLACK_TIMESTAMP.fullmatch(timestamp) or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + raw
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))

    async def _read_bounded(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isascii() or not declared.isdigit()):
            raise Refused(400, "invalid Content-Length")
        if declared is not None and int(declared) > self._max_body_bytes:
            raise self._too_large(request)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():  # chunked bodies have no length to check up front
            size += len(chunk)
            if size > self._max_body_bytes:
                raise self._too_large(request)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, request: Request) -> Refused:
        logger.info("refused a Slack request over %d bytes: %s", self._max_body_bytes, summary(request, None))
        return Refused(413, "request body too large")


def summary(request: Request, size: int | None) -> str:
    """Bounded and free of the body: where it came from, its size and its headers' shape."""
    peer = request.client.host if request.client else "?"

    def field(name: str) -> str:
        return repr(request.headers.get(name, "")[:SUMMARY_FIELD])

    return (
        f"from {peer}, {size if size is not None else 'unread'} bytes, content-type {field('content-type')}, "
        f"timestamp {field('x-slack-request-timestamp')}, retry {field('x-slack-retry-num')}"
    )
