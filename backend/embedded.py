"""The reference backend inside another process: migrated, served on loopback in a thread, seeded once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.demo import DemoOrganization, DemoSpec, existing_demo, seed_demo
from backend.migrate import upgrade
from kilo_db.types import utcnow


@dataclass
class EmbeddedBackend:
    """A running backend: where it answers and, when it was seeded now, the demo organization's login."""

    url: str
    demo: DemoOrganization | None
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_embedded(database_url: str, *, host: str, port: int, seed_demo_organization: bool) -> EmbeddedBackend:
    """Migrate the database, serve the API on host:port in a daemon thread, and (when asked: the caller's
    first run) create the demo organization, or use the one already there with a new API key."""
    upgrade(database_url)
    sessions = make_session_factory(make_engine(database_url))
    config = uvicorn.Config(create_app(sessions), host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"kilo-backend-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the embedded backend did not start on {host}:{port} (is the port taken?)")
        time.sleep(0.01)
    demo = None
    if seed_demo_organization:  # an earlier `kilo-bot seed --demo` may have made it already
        demo = existing_demo(sessions, DemoSpec(), utcnow()) or seed_demo(sessions, DemoSpec(), utcnow())
    return EmbeddedBackend(f"http://{host}:{port}", demo, server, thread)
