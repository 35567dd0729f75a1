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
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


SQLITE_BEGIN = "sqlite_begin"


def writing(engine: Engine) -> Engine:
    """The same engine, but on SQLite each transaction takes the write lock when it begins.

    A read-then-write transaction (count the seats, then invite; see a cycle ended, then invoice the
    renewal) must not decide on data another writer is changing. PostgreSQL uses row locks instead."""
    return engine.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})


def _sqlite_begin(connection: Any) -> None:
    # pysqlite would only BEGIN before the first write, so earlier reads saw no transaction at all.
    connection.exec_driver_sql(connection.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin
    # WAL lets API readers run while an ingest batch writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
