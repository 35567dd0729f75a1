"""Process entry points: the Slack app (Socket Mode or HTTP) and the backend API server."""

from __future__ import annotations

import asyncio
import logging
import secrets
import textwrap

import uvicorn
from pydantic import SecretStr

from backend.api import create_app as create_backend_app
from backend.db import make_engine, make_session_factory
from backend.migrate import upgrade as upgrade_backend
from backend.timeutil import utcnow
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import EMBEDDED_BACKEND_HOST, Settings
from bot.store import DEFAULT_TEAM, BotStore, Connection

logger = logging.getLogger(__name__)


def serve_backend(settings: Settings, *, host: str, port: int) -> None:
    upgrade_backend(settings.backend_database_url)
    sessions = make_session_factory(make_engine(settings.backend_database_url))
    uvicorn.run(create_backend_app(sessions), host=host, port=port, log_level="info")


def connect_default(settings: Settings, organization_id: str, api_key: str) -> None:
    """Make an organization the one every workspace without its own connection talks to."""
    upgrade_bot(settings.database_url)
    store = BotStore(settings.database_url)
    store.save_connection(
        Connection(DEFAULT_TEAM, organization_id, settings.backend_url, api_key), connected_by=None, now=utcnow()
    )
    store.engine.dispose()


def start_embedded_backend(settings: Settings, store: BotStore) -> BackgroundServer:
    """The reference backend on loopback, seeded with the demo organization on first run."""
    from backend.demo import DemoSpec, seed_demo

    upgrade_backend(settings.backend_database_url)
    sessions = make_session_factory(make_engine(settings.backend_database_url))
    server = BackgroundServer(
        create_backend_app(sessions), host=EMBEDDED_BACKEND_HOST, port=settings.embedded_backend_port
    ).start()
    if store.connection(None) is None:
        logger.info("First run: seeding the demo organization (a few seconds)…")
        demo = seed_demo(sessions, DemoSpec(), utcnow())
        store.save_connection(
            Connection(DEFAULT_TEAM, demo.organization_id, settings.backend_url, demo.api_key),
            connected_by=None,
            now=utcnow(),
        )
        logger.info("Demo organization %s ready; try it as %s (Owner).", demo.organization_id, demo.owner_email)
    return server


def run_app(settings: Settings, *, http: bool, port: int) -> None:
    from bot.app import create_bolt_app, create_web_app

    upgrade_bot(settings.database_url)
    store = BotStore(settings.database_url)
    backend_server = start_embedded_backend(settings, store) if settings.uses_embedded_backend else None
    try:
        if settings.socket_mode and not http:
            _run_socket_mode(settings, store)
            return
        if not settings.socket_mode and not http:
            print(_missing_slack_settings(port))
        signing_secret = settings.slack_signing_secret
        if signing_secret is None:
            generated = "local-" + secrets.token_hex(16)
            print(f"SLACK_SIGNING_SECRET is not set; this run checks requests against {generated}\n")
            settings = settings.model_copy(update={"slack_signing_secret": SecretStr(generated)})
        bolt = create_bolt_app(settings, store)
        uvicorn.run(create_web_app(bolt), host="0.0.0.0", port=port, log_level="info")
    finally:
        if backend_server is not None:
            backend_server.stop()


def _run_socket_mode(settings: Settings, store: BotStore) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.app import create_bolt_app

    assert settings.slack_app_token is not None
    bolt = create_bolt_app(settings, store)
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    logger.info("Connecting to Slack in Socket Mode…")
    asyncio.run(handler.start_async())  # type: ignore[no-untyped-call]


def _missing_slack_settings(port: int) -> str:
    return textwrap.dedent(
        f"""
        ┌ Slack is not configured, so kilo-bot runs in HTTP mode for local testing.
        │ To connect a real workspace, create the app from manifest.yml (see README) and set:
        │   SLACK_BOT_TOKEN=xoxb-…       (OAuth & Permissions → Bot User OAuth Token)
        │   SLACK_APP_TOKEN=xapp-…       (Basic Information → App-Level Tokens, scope connections:write)
        │   SLACK_SIGNING_SECRET=…       (Basic Information → App Credentials; needed for HTTP mode)
        │ then run `make run` again: with both tokens it connects in Socket Mode.
        └ Now serving POST http://localhost:{port}/slack/events and GET http://localhost:{port}/healthz
        """
    )
