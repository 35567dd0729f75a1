"""The bot's own database on SQLite and PostgreSQL: migrations, connections, profiles, Slack installations."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade
from bot.oauth import async_database_url
from bot.store import DEFAULT_TEAM, BotStore, Connection, Profile
from tests.conftest import DATABASE_KINDS, migrated

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


@pytest.fixture(params=DATABASE_KINDS)
def bot_db_url(request: pytest.FixtureRequest) -> str:
    url = migrated(request, upgrade)
    upgrade(url)  # migrating twice is harmless
    return url


def test_connections_fall_back_to_the_default(bot_db_url: str):
    store = BotStore(bot_db_url)
    team = f"T{secrets.token_hex(3).upper()}"
    store.save_connection(Connection(DEFAULT_TEAM, "org_default", "http://a", "k1"), connected_by=None, now=NOW)
    found = store.connection(team)
    assert found is not None and found.organization_id == "org_default"
    store.save_connection(Connection(team, "org_mine", "http://b", "k2"), connected_by="U1", now=NOW)
    mine = store.connection(team)
    assert mine is not None and (mine.organization_id, mine.api_key) == ("org_mine", "k2")
    store.engine.dispose()


def test_profiles_expire(bot_db_url: str):
    store = BotStore(bot_db_url)
    store.save_profile("T1", "U1", Profile("a@example.com", "Asia/Tokyo", "A"), NOW)
    assert store.cached_profile("T1", "U1", NOW - timedelta(hours=1)) == Profile("a@example.com", "Asia/Tokyo", "A")
    assert store.cached_profile("T1", "U1", NOW + timedelta(seconds=1)) is None
    store.engine.dispose()


def test_slack_installations_are_kept_through_the_async_driver(bot_db_url: str):
    async def scenario() -> str | None:
        engine = create_async_engine(async_database_url(bot_db_url))
        installations = AsyncSQLAlchemyInstallationStore(client_id="1.2", engine=engine)
        await installations.async_save(
            Installation(
                app_id="A1",
                team_id="TINSTALL",
                user_id="U1",
                bot_token="xoxb-installed",
                bot_id="B1",
                bot_user_id="UB1",
                installed_at=NOW.timestamp(),
            )
        )
        bot = await installations.async_find_bot(enterprise_id=None, team_id="TINSTALL")
        await engine.dispose()
        return bot.bot_token if bot else None

    assert asyncio.run(scenario()) == "xoxb-installed"


def test_bot_and_backend_can_share_one_database(tmp_path):
    from sqlalchemy import inspect

    from backend.migrate import upgrade as upgrade_backend
    from kilo_db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    upgrade_backend(url)
    upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"organizations", "usage_events", "workspace_connections", "slack_installations"} <= tables
    assert {"backend_alembic_version", "bot_alembic_version"} <= tables
