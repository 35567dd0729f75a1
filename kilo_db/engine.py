"""Engines for a SQLite file (the embedded default) or PostgreSQL (by URL)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file 0600 (or tighten an existing one) before anything opens it."""
    path = sqlite_path(url)
    if path is not None:
        _private_database_file(path)


def _private_database_file(path: Path) -> None:
    """The database file readable by its owner only (0600): it holds members' emails, usage and encrypted
    secrets. SQLite gives its -wal and -shm files the same mode as the database file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            # files an earlier version created 0644
            if existing.exists() and existing.stat().st_uid == os.getuid() and existing.stat().st_mode & 0o077:
                existing.chmod(0o600)


def writing(engine: Engine) -> Engine:
    """An engine for read-then-write transactions (count the seats, then invite; see a cycle ended, then
    invoice the renewal): on SQLite each transaction takes the write lock when it begins, so it cannot
    decide on data another writer is changing. PostgreSQL needs no second engine: it uses row locks.

    pysqlite on its own only BEGINs before the first write, so the reads before it saw no transaction."""
    if engine.dialect.name != "sqlite":
        return engine
    writer = make_engine(engine.url.render_as_string(hide_password=False))
    event.listen(writer, "connect", _sqlite_autocommit_driver)
    event.listen(writer, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return writer


def _sqlite_autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly (BEGIN IMMEDIATE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets API readers run while an ingest batch writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
