"""Slack Web API clients for work no request started (scheduled digests, alerts): one per workspace, with
its bot token from SLACK_BOT_TOKEN or from the workspace's OAuth installation."""

from __future__ import annotations

import logging

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

logger = logging.getLogger(__name__)
# Scheduled posts can wait: a 429's Retry-After is waited out many times before the delivery is
# counted as failed (and retried with backoff by a later tick).
RATE_LIMIT_RETRIES = 40


class NoInstallation(Exception):
    """The bot has no token for this workspace (uninstalled, or never installed)."""


def delivery_client(token: str, base_url: str) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


class SlackClients:
    def __init__(self, settings: Settings, installations: AsyncInstallationStore | None = None) -> None:
        self._settings = settings
        self._installations = installations
        self._clients: dict[str, AsyncWebClient] = {}

    async def client(self, team_id: str) -> AsyncWebClient:
        if team_id in self._clients:
            return self._clients[team_id]
        token: str | None = None
        if self._installations is not None:
            bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team_id)
            token = bot.bot_token if bot is not None else None
        elif self._settings.slack_bot_token is not None:
            token = self._settings.slack_bot_token.get_secret_value()
        if not token:
            raise NoInstallation(f"no bot token for workspace {team_id}")
        self._clients[team_id] = delivery_client(token, self._settings.slack_api_base)
        return self._clients[team_id]
