"""Secrets at rest: the shared Fernet helper (kilo_db.secrets) and private SQLite files (kilo_db.engine)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from kilo_db.engine import make_engine
from kilo_db.secrets import SecretKeyError, generate_key, load_secret_box, secret_box


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
