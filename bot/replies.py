"""Replies to a slash command or click through its response_url, over one kept-alive HTTP session.

Bolt's `respond` opens a new aiohttp session and connection for every reply, which was a third of the
bot's CPU under a burst of commands; slack_sdk's webhook client takes a shared session instead.
It waits out 429s itself; 5xx answers, which it returns as they are, are tried again here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.views.blocks import Message

SERVER_ERROR_PAUSES = (0.5, 1.5)  # seconds before the second and third try; an answer is worth the wait


class Replies:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def send(
        self, response_url: str, message: Message, *, public: bool = False, replace_original: bool = False
    ) -> None:
        body: dict[str, Any] = {
            **message.payload(),
            "response_type": "in_channel" if public else "ephemeral",
            "replace_original": replace_original,
        }
        webhook = AsyncWebhookClient(
            url=response_url,
            session=self._shared_session(),
            retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        response = await webhook.send_dict(body)
        for pause in SERVER_ERROR_PAUSES:
            if response.status_code < 500:
                break
            await asyncio.sleep(pause)
            response = await webhook.send_dict(body)
        if response.status_code >= 400:
            raise ReplyFailed(response.status_code, response.body)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class ReplyFailed(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"response_url answered {status}: {body[:200]}")
