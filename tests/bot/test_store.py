"""The bot's own database on SQLite and PostgreSQL: migrations, connections, profiles, Slack installations."""

from __future__ import annotations

import asyncio
import os
import secrets
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade
from bot.oauth import async_database_url, installation_store
from bot.secrets_at_rest import SecretBox, SecretKeyMismatch
from bot.store import DEFAULT_TEAM, BotStore, Connection, Profile
from tests.conftest import DATABASE_KINDS, migrated

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
SESSION_KEY = os.environ["KILO_SECRET_KEY"]  # the key every bot in this test session seals with (shared databases)


@pytest.fixture(params=DATABASE_KINDS)
def bot_db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KILO_SECRET_KEY", SESSION_KEY)
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
    other = f"T{secrets.token_hex(3).upper()}"
    assert store.connection(other, default=False) is None  # multi-workspace installs have no default
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


def test_a_request_is_claimed_by_exactly_one_of_twenty_racing_processes(bot_db_url: str):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    stores = [BotStore(bot_db_url) for _ in range(20)]  # one engine each, as separate bot processes have
    key = f"event:Ev{secrets.token_hex(6)}"
    start = Barrier(len(stores))

    def claim(store: BotStore) -> bool:
        start.wait()
        return store.claim_request(key, NOW)

    with ThreadPoolExecutor(len(stores)) as pool:
        won = list(pool.map(claim, stores))
    for store in stores:
        store.engine.dispose()
    assert won.count(True) == 1


def test_forgotten_requests_can_be_claimed_again(bot_db_url: str):
    store = BotStore(bot_db_url)
    old, recent = f"body:{secrets.token_hex(8)}", f"body:{secrets.token_hex(8)}"
    assert store.claim_request(old, NOW - timedelta(hours=2))
    assert store.claim_request(recent, NOW)
    assert store.forget_requests(NOW - timedelta(hours=1)) >= 1
    assert store.claim_request(old, NOW)
    assert not store.claim_request(recent, NOW)
    store.engine.dispose()


def raw_values(store: BotStore, sql: str) -> list[str]:
    with store.engine.connect() as connection:
        return [str(value) for value in connection.execute(text(sql)).scalars()]


def test_api_keys_are_stored_sealed_and_rotate(bot_db_url: str):
    old, new = SESSION_KEY, Fernet.generate_key().decode()
    team = f"T{secrets.token_hex(3).upper()}"
    before = BotStore(bot_db_url, SecretBox([old]))
    before.save_connection(Connection(team, "org_1", "http://a", "kilo_sk_plain"), connected_by="U1", now=NOW)
    stored = raw_values(before, f"select api_key from workspace_connections where team_id = '{team}'")
    assert stored != ["kilo_sk_plain"] and "kilo_sk_plain" not in stored[0]
    rotating = BotStore(bot_db_url, SecretBox([new, old]))
    assert rotating.connection(team) == Connection(team, "org_1", "http://a", "kilo_sk_plain")
    assert rotating.reseal_secrets() >= 1
    after = BotStore(bot_db_url, SecretBox([new]))
    assert after.connection(team) == Connection(team, "org_1", "http://a", "kilo_sk_plain")
    with pytest.raises(SecretKeyMismatch):
        BotStore(bot_db_url, SecretBox([old])).connection(team)
    back = BotStore(bot_db_url, SecretBox([old, new]))  # rotate back: the other tests share the database
    back.reseal_secrets()
    for store in (before, rotating, after, back):
        store.engine.dispose()


def test_secrets_stored_before_sealing_are_sealed_at_start(bot_db_url: str):
    store = BotStore(bot_db_url)
    team = f"T{secrets.token_hex(3).upper()}"
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "insert into workspace_connections (team_id, organization_id, api_url, api_key, connected_at) "
                "values (:team, 'org_2', 'http://b', 'kilo_sk_legacy', :now)"
            ),
            {"team": team, "now": NOW},
        )
    assert store.connection(team) == Connection(team, "org_2", "http://b", "kilo_sk_legacy")
    store.reseal_secrets()
    assert (
        "kilo_sk_legacy"
        not in raw_values(store, f"select api_key from workspace_connections where team_id = '{team}'")[0]
    )
    assert store.connection(team) == Connection(team, "org_2", "http://b", "kilo_sk_legacy")
    store.engine.dispose()


def test_slack_tokens_are_stored_sealed(bot_db_url: str):
    async def scenario() -> str | None:
        engine = create_async_engine(async_database_url(bot_db_url))
        installations = installation_store("1.2", engine, BotStore(bot_db_url).secrets)
        await installations.async_save(
            Installation(
                app_id="A1",
                team_id="TSEALED",
                user_id="U1",
                bot_token="xoxb-sealed-secret",
                bot_refresh_token="xoxe-refresh-secret",
                user_token="xoxp-user-secret",
                bot_id="B1",
                bot_user_id="UB1",
                installed_at=NOW.timestamp(),
            )
        )
        bot = await installations.async_find_bot(enterprise_id=None, team_id="TSEALED")
        await engine.dispose()
        return bot.bot_token if bot else None

    assert asyncio.run(scenario()) == "xoxb-sealed-secret"
    store = BotStore(bot_db_url)
    stored = raw_values(store, "select bot_token from slack_bots where team_id = 'TSEALED'")
    stored += raw_values(store, "select bot_refresh_token from slack_bots where team_id = 'TSEALED'")
    stored += raw_values(store, "select user_token from slack_installations where team_id = 'TSEALED'")
    assert stored and not [value for value in stored if "secret" in value]
    store.engine.dispose()


def test_without_a_key_one_is_generated_next_to_the_database_for_its_owner_only(
    tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.delenv("KILO_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    url = f"sqlite:///{tmp_path / 'local' / 'bot.sqlite3'}"
    upgrade(url)
    first = BotStore(url)
    first.save_connection(Connection("T1", "org_1", "http://a", "kilo_sk_local"), connected_by=None, now=NOW)
    key_file = tmp_path / "local" / "kilo-secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert any("KILO_SECRET_KEY is not set" in record.getMessage() for record in caplog.records)
    second = BotStore(url)
    assert second.connection("T1") == Connection("T1", "org_1", "http://a", "kilo_sk_local")
    assert stat.S_IMODE((tmp_path / "local" / "bot.sqlite3").stat().st_mode) == 0o600
    for store in (first, second):
        store.engine.dispose()


def test_an_existing_sqlite_file_becomes_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    upgrade(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [
        p.name
        for p in tmp_path.iterdir()
        if p.name.startswith("old.sqlite3") and stat.S_IMODE(p.stat().st_mode) != 0o600
    ]
