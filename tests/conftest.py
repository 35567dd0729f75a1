"""Shared fixtures: real databases (a SQLite file, PostgreSQL), the real backend app over HTTP, a clock.

One of each: the session's SQLite file and PostgreSQL database hold the backend's and the bot's tables
(each schema has its own Alembic version table), and the clock starts at TEST_NOW in every test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.migrate import upgrade as upgrade_backend
from bot.serving import BackgroundServer
from kilo_db.secrets import SECRET_KEY_VARIABLE, generate_key
from tests.factories import OrganizationFactory

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
# Each database test runs on a SQLite file and on PostgreSQL (marked, so `-m "not postgres"` skips it).
DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# One key for secrets at rest for the whole run (and the processes it starts), so no test writes var/.
os.environ.setdefault(SECRET_KEY_VARIABLE, generate_key())


@dataclass
class Clock:
    """The backend's notion of now; tests move it."""

    now: datetime = TEST_NOW

    def __call__(self) -> datetime:
        return self.now


def _postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # the server is not there
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and did not answer at {admin_url}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}")
    name = f"kilo_test_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite file of this test session."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kilo.sqlite3'}"


def migrated(request: pytest.FixtureRequest, upgrade: Callable[[str], None]) -> str:
    """The session's database of the kind request.param names (DATABASE_KINDS), migrated by `upgrade`."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def backend_db_url(request: pytest.FixtureRequest) -> str:
    """Each API test runs once on a SQLite file and once on PostgreSQL, both migrated by Alembic."""
    return migrated(request, upgrade_backend)


@pytest.fixture
def fresh_backend_url(backend_db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as backend_db_url (not migrated), dropped afterwards."""
    if backend_db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"kilo_fresh_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(_postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend_sessions(backend_db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(backend_db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _reset_clock(clock: Clock) -> None:
    clock.now = TEST_NOW


@pytest.fixture(scope="session")
def backend_app(backend_sessions: sessionmaker[Session], clock: Clock) -> FastAPI:
    """The real backend app (ASGI), on backend_db_url's database."""
    return create_app(backend_sessions, clock=clock)


@pytest.fixture(scope="session")
def backend_server(backend_app: FastAPI) -> Iterator[BackgroundServer]:
    """The real backend app, served by uvicorn on loopback."""
    with BackgroundServer(backend_app) as server:
        yield server


@pytest.fixture
def orgs(backend_sessions: sessionmaker[Session], clock: Clock) -> OrganizationFactory:
    return OrganizationFactory(backend_sessions, clock)


@pytest.fixture
def http(backend_server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_server.url, timeout=10) as client:
        yield client
