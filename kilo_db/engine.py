"""Engines for a SQLite file (the embedded default) or PostgreSQL (by URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


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
