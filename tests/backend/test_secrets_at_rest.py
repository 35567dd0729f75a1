"""Secrets at rest: the shared Fernet helper (kilo_db.secrets), private SQLite files (kilo_db.engine), and the
backend's encrypted invoice-link signing secret (migration 0002, key rotation)."""

from __future__ import annotations

import logging
import stat
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from backend.api import create_app
from backend.db import make_session_factory
from backend.migrate import MIGRATIONS, upgrade
from bot.serving import BackgroundServer
from kilo_db import migrations
from kilo_db.engine import make_engine
from kilo_db.secrets import SecretKeyError, generate_key, load_secret_box, secret_box
from tests.conftest import Clock
from tests.factories import OrganizationFactory


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_encrypted_with_the_old_key_opens_after_rotation_and_is_re_encrypted_with_the_new():
    old, new = generate_key(), generate_key()
    stored = secret_box(old).encrypt("invoice-link-secret")
    assert "invoice-link-secret" not in stored
    rotated_box = secret_box(f"{new},{old}")
    assert rotated_box.decrypt(stored) == "invoice-link-secret"
    assert not rotated_box.is_current(stored)
    rotated = rotated_box.rotate(stored)
    assert rotated_box.is_current(rotated)
    assert secret_box(new).decrypt(rotated) == "invoice-link-secret"


def test_a_secret_without_its_key_is_refused_not_returned():
    stored = secret_box(generate_key()).encrypt("s3cret")
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        secret_box(generate_key()).decrypt(stored)


@pytest.mark.parametrize("configured", ["not-a-key", " , ", "c2hvcnQ="])
def test_a_malformed_key_is_refused_with_how_to_make_one(configured: str):
    with pytest.raises(SecretKeyError, match="KILO_SECRET_KEY"):
        load_secret_box({"KILO_SECRET_KEY": configured}, Path("/nonexistent/never-written"))


def test_without_the_variable_a_local_key_is_generated_once_0600_and_the_log_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    key_path = tmp_path / "var" / "kilo-secret.key"
    with caplog.at_level(logging.INFO, logger="kilo_db.secrets"):
        first = load_secret_box({}, key_path)
    assert mode(key_path) == 0o600
    assert any("KILO_SECRET_KEY is not set: generated a key" in r.message for r in caplog.records)
    stored = first.encrypt("kept across restarts")
    assert load_secret_box({}, key_path).decrypt(stored) == "kept across restarts"
    assert list(key_path.parent.iterdir()) == [key_path]  # no draft left behind


def test_the_variable_wins_over_the_local_key_file(tmp_path: Path):
    key = generate_key()
    box = load_secret_box({"KILO_SECRET_KEY": key}, tmp_path / "kilo-secret.key")
    assert not (tmp_path / "kilo-secret.key").exists()
    assert secret_box(key).decrypt(box.encrypt("x")) == "x"


def test_sqlite_database_files_are_created_readable_by_their_owner_only(tmp_path: Path):
    path = tmp_path / "new" / "kilo.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("create table t (x integer)"))
        connection.execute(text("insert into t values (1)"))
        assert mode(path) == 0o600
        assert mode(path.with_name("kilo.sqlite3-wal")) == 0o600
    engine.dispose()


def test_an_existing_world_readable_sqlite_file_is_made_private(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


# --- the backend's invoice-link signing secret -----------------------------------------------------


def stored_link_secret(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT value FROM instance_secrets WHERE name = 'invoice_link_secret'")
        ).scalar()
    engine.dispose()
    assert isinstance(value, str)
    return value


def test_the_link_signing_secret_is_stored_encrypted_and_re_encrypted_after_a_key_rotation(
    fresh_backend_url: str, clock: Clock
):
    upgrade(fresh_backend_url)
    old_key, new_key = generate_key(), generate_key()
    engine = make_engine(fresh_backend_url)
    sessions = make_session_factory(engine)
    org = OrganizationFactory(sessions, clock).create()
    with BackgroundServer(create_app(sessions, clock=clock, secret_box=secret_box(old_key))) as server:
        link = httpx.get(f"{server.url}{org.path('/invoices')}", headers=org.headers()).json()[0]["download_url"]
    stored = stored_link_secret(fresh_backend_url)
    secret = secret_box(old_key).decrypt(stored)
    assert len(secret) == 64 and secret not in stored

    with BackgroundServer(create_app(sessions, clock=clock, secret_box=secret_box(f"{new_key},{old_key}"))) as server:
        signed = urlsplit(link)
        assert httpx.get(f"{server.url}{signed.path}?{signed.query}").status_code == 200
    rotated = stored_link_secret(fresh_backend_url)
    assert rotated != stored and secret_box(new_key).decrypt(rotated) == secret
    engine.dispose()


def test_migration_0002_encrypts_an_existing_secret_and_keeps_numbers_and_order(fresh_backend_url: str):
    migrations.upgrade(fresh_backend_url, MIGRATIONS, "0001")
    engine = make_engine(fresh_backend_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO instance_secrets (name, value) VALUES ('invoice_link_secret', 'abc123')"))
        connection.execute(
            text(
                "INSERT INTO organizations (id, name, plan, created_at, code_training_opt_out, "
                "usage_analytics_enabled, purchase_url) VALUES ('org_1', 'Old', 'teams', :t, true, true, 'u')"
            ),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO subscriptions (id, organization_id, plan, billing_cycle, status, seat_count, "
                "price_per_seat_microdollars, current_period_start, current_period_end, auto_renew, created_at) "
                "VALUES ('sub_1', 'org_1', 'teams', 'monthly', 'active', 5, 29000000, :t, :t, true, :t)"
            ),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        for number in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO invoices (id, organization_id, number, period_start, period_end, status, "
                    "total_microdollars, created_at) VALUES (:id, 'org_1', :n, :t, :t, 'paid', 0, :t)"
                ),
                {"id": f"inv_{number}", "n": f"KILO-202601-{number:05d}", "t": datetime(2026, 1, number, tzinfo=UTC)},
            )
        for index, day in (("b", 3), ("a", 2)):
            connection.execute(
                text(
                    "INSERT INTO seat_changes (id, organization_id, subscription_id, delta, seats_after, "
                    "billing_cycle, status, prorated_amount_microdollars, created_at) "
                    "VALUES (:id, 'org_1', 'sub_1', 1, 5, 'monthly', 'active', 0, :t)"
                ),
                {"id": f"seat_{index}", "t": datetime(2026, 1, day, tzinfo=UTC)},
            )
    engine.dispose()

    upgrade(fresh_backend_url)
    stored = stored_link_secret(fresh_backend_url)
    assert stored != "abc123" and load_secret_box().decrypt(stored) == "abc123"
    engine = make_engine(fresh_backend_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT last_number FROM invoice_counters")).scalar() == 2
        order = connection.execute(text("SELECT id FROM seat_changes ORDER BY applied_order")).scalars().all()
        assert order == ["seat_a", "seat_b"]
    engine.dispose()

    migrations.downgrade(fresh_backend_url, MIGRATIONS, "0001")
    assert stored_link_secret(fresh_backend_url) == "abc123"
