"""The backend's command-line entry points (`kilo-bot backend`, `seed`, the backend half of `db upgrade`).

`bot/cli.py` parses the flags and reaches this module through one lazy import."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.demo import DemoAlreadySeeded, DemoOrganization, DemoSpec, seed_demo
from backend.embedded import EmbeddedBackend, start_embedded
from backend.migrate import upgrade
from kilo_db.types import utcnow

__all__ = ["DemoOrganization", "EmbeddedBackend", "SeedRefused", "seed", "serve", "start_embedded", "upgrade"]

MIN_DEMO_MEMBERS = 8  # the demo needs an Owner, Admins and Members with usage of their own


class SeedRefused(ValueError):
    """Sizes the demo cannot be built with; the message says which."""


def serve(database_url: str, *, host: str, port: int) -> None:
    """Migrate, then serve the API in the foreground until interrupted."""
    upgrade(database_url)
    sessions = make_session_factory(make_engine(database_url))
    uvicorn.run(create_app(sessions), host=host, port=port, log_level="info")


def seed(
    database_url: str,
    *,
    members: int,
    days: int,
    events: int,
    random_seed: int,
    name: str,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DemoOrganization:
    """Migrate, then create a demo organization of the given size (same seed, same data); one that is
    already there is refused, or with `replace` deleted and made anew."""
    if min(members, days, events) < 1 or members < MIN_DEMO_MEMBERS:
        raise SeedRefused(f"--members must be at least {MIN_DEMO_MEMBERS}, --days and --events at least 1.")
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        spec = DemoSpec(members=members, days=days, events=events, seed=random_seed, name=name)
        return seed_demo(make_session_factory(engine), spec, utcnow(), progress=progress, replace=replace)
    except DemoAlreadySeeded as seeded:
        raise SeedRefused(f"{seeded} Seed it anew with --replace, or use another --seed.") from seeded
    finally:
        engine.dispose()
