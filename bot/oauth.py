"""Multi-workspace installs: Slack OAuth with installations and OAuth states in the bot's database.

Enabled when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set; each workspace that installs the app is
then connected to its own Kilo organization with /kilo connect.
"""

from __future__ import annotations

import logging

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.secrets_at_rest import SealedString, SecretBox
from bot.settings import Settings
from bot.store import SLACK_TOKEN_COLUMNS

logger = logging.getLogger(__name__)

# The bot scopes of manifest.yml (a test keeps the two lists equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "files:write",
    "channels:read",
    "groups:read",
    "channels:join",
    "im:write",
)
OAUTH_STATE_SECONDS = 600


def async_database_url(url: str) -> str:
    """The same database through an asyncio driver: aiosqlite for SQLite, psycopg (async) for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


class SealedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, with Slack's tokens sealed in its tables (bot/secrets_at_rest.py)."""

    def __init__(self, client_id: str, engine: AsyncEngine, secrets: SecretBox) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        # The store's own copies of the tables (not the bot's metadata): their token columns seal and open.
        for table in (self.installations, self.bots):
            for name in SLACK_TOKEN_COLUMNS:
                if name in table.c:
                    table.c[name].type = SealedString(secrets)


def installation_store(client_id: str, engine: AsyncEngine, secrets: SecretBox) -> SealedInstallationStore:
    """Each workspace's installation (bot token) in the bot's database."""
    return SealedInstallationStore(client_id, engine, secrets)


def oauth_settings(settings: Settings, secrets: SecretBox) -> tuple[AsyncOAuthSettings, AsyncEngine] | None:
    if not (settings.slack_client_id and settings.slack_client_secret):
        return None
    engine = create_async_engine(async_database_url(settings.database_url))
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret.get_secret_value()
    installations = installation_store(client_id, engine, secrets)
    oauth = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, logger=logger
        ),
    )
    # Without the cache every request would pay a database lookup and an auth.test inside Slack's 3 s.
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=logger,
        client_id=client_id,
        client_secret=client_secret,
        installation_store=installations,
        cache_enabled=True,
    )
    return oauth, engine
