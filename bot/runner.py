"""Process entry points: the Slack app (Socket Mode or HTTP) and the backend API server."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import textwrap
from typing import Protocol

import uvicorn
from starlette.applications import Starlette

from bot import playground as local_playground
from bot.migrate import upgrade as upgrade_bot
from bot.settings import EMBEDDED_BACKEND_HOST, Settings
from bot.store import DEFAULT_TEAM, BotStore, Connection
from kilo_db.types import utcnow

logger = logging.getLogger(__name__)


class DemoLogin(Protocol):
    @property
    def organization_id(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def owner_email(self) -> str: ...
    @property
    def admin_email(self) -> str: ...
    @property
    def member_email(self) -> str: ...


class RunningBackend(Protocol):
    """The embedded reference backend as backend/embedded.py hands it over."""

    @property
    def demo(self) -> DemoLogin | None: ...
    def stop(self) -> None: ...


class StartBackend(Protocol):
    def __call__(self, database_url: str, *, host: str, port: int, seed_demo_organization: bool) -> RunningBackend: ...


def connect_default(settings: Settings, organization_id: str, api_key: str) -> None:
    """Make an organization the one every workspace without its own connection talks to."""
    upgrade_bot(settings.database_url)
    store = BotStore(settings.database_url)
    store.save_connection(
        Connection(DEFAULT_TEAM, organization_id, settings.backend_url, api_key), connected_by=None, now=utcnow()
    )
    store.engine.dispose()


def start_embedded_backend(settings: Settings, store: BotStore, start_backend: StartBackend) -> RunningBackend:
    """The reference backend on loopback, seeded with the demo organization on first run."""
    first_run = store.connection(None) is None
    if first_run:
        logger.info("First run: seeding the demo organization (a few seconds)…")
    server = start_backend(
        settings.backend_database_url,
        host=EMBEDDED_BACKEND_HOST,
        port=settings.embedded_backend_port,
        seed_demo_organization=first_run,
    )
    if (demo := server.demo) is not None:
        store.save_connection(
            Connection(DEFAULT_TEAM, demo.organization_id, settings.backend_url, demo.api_key),
            connected_by=None,
            now=utcnow(),
        )
        logger.info("Demo organization %s ready; try it as %s (Owner).", demo.organization_id, demo.owner_email)
    return server


class SlackTokenRefused(Exception):
    """Slack refused the configured bot token at start-up; the message says what to set."""


REFUSED_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


def check_bot_token(settings: Settings) -> None:
    """Ask Slack (auth.test) once whether SLACK_BOT_TOKEN is good, so a bad token is one clear message at
    start-up rather than a traceback on every request. Slack being unreachable is only a warning."""
    if settings.slack_bot_token is None:
        return
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_base, timeout=10)
    try:
        client.auth_test()
    except SlackApiError as refused:
        error = str(refused.response.get("error", ""))
        if error in REFUSED_TOKEN_ERRORS:
            raise SlackTokenRefused(
                f"Slack refused SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token (xoxb-…) again from "
                "your app's OAuth & Permissions page (reinstall the app if it was revoked), set SLACK_BOT_TOKEN, "
                "and start again."
            ) from refused
        logger.warning("auth.test answered %s; going on", error)
    except OSError as unreachable:
        logger.warning("Could not reach Slack to check the bot token (%s); going on", unreachable)


def run_app(
    settings: Settings,
    *,
    http: bool,
    port: int,
    host: str = "127.0.0.1",
    workers: int = 1,
    start_backend: StartBackend | None = None,
) -> None:
    """Serve the Slack app; with `start_backend` (no KILO_API_URL), the reference backend runs alongside."""
    check_bot_token(settings)
    upgrade_bot(settings.database_url)
    store = BotStore(settings.database_url)
    backend_server = start_embedded_backend(settings, store, start_backend) if start_backend else None
    playground = None
    try:
        if settings.socket_mode and not http:
            _run_socket_mode(settings, store)
            return
        if not settings.socket_mode and not http:
            print(_missing_slack_settings(host, port))
        if settings.slack_signing_secret is None:
            generated = "local-" + secrets.token_hex(16)
            print(f"SLACK_SIGNING_SECRET is not set; this run checks requests against {generated}\n")
            os.environ["SLACK_SIGNING_SECRET"] = generated  # worker processes read their settings again
        if local_playground.wanted(settings):
            playground = local_playground.start(
                settings,
                store,
                signing_secret=os.environ.get("SLACK_SIGNING_SECRET") or _secret(settings),
                bot_url=f"http://127.0.0.1:{port}",
                preferred_port=port + 1,
                people_emails=_demo_people(backend_server),
            )
            os.environ.update(playground.environment())  # the app's Slack is the playground's stand-in
            print(playground.banner())
        # Each worker process builds its own app (http_app_from_environment); state lives in the databases.
        uvicorn.run(
            "bot.runner:http_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
    finally:
        if playground is not None:
            playground.stop()
        if backend_server is not None:
            backend_server.stop()


def _demo_people(backend: RunningBackend | None) -> list[str]:
    """The demo organization's Owner, Admin and Member, when this run seeded it."""
    demo = backend.demo if backend is not None else None
    return [demo.owner_email, demo.admin_email, demo.member_email] if demo is not None else []


def _secret(settings: Settings) -> str:
    return settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""


def http_app_from_environment() -> Starlette:
    """The ASGI app of one HTTP worker, from the environment (uvicorn's factory)."""
    from bot.app import create_bolt_app, create_web_app

    settings = Settings()
    app = create_web_app(create_bolt_app(settings, BotStore(settings.database_url)))
    # Everything loaded so far lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise stall every request in flight for ~100 ms now and then.
    gc.freeze()
    return app


def _run_socket_mode(settings: Settings, store: BotStore) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.app import create_bolt_app, services_of, start_ticker

    assert settings.slack_app_token is not None
    app_token = settings.slack_app_token.get_secret_value()

    async def connect() -> None:
        # The handler's aiohttp session needs the running loop, so it is made inside it.
        bolt = create_bolt_app(settings, store)
        handler = AsyncSocketModeHandler(bolt, app_token)
        start_ticker(services_of(bolt))  # digests, alerts and seat request expiry
        gc.freeze()
        logger.info("Connecting to Slack in Socket Mode…")
        await handler.start_async()  # type: ignore[no-untyped-call]

    asyncio.run(connect())


def _missing_slack_settings(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return textwrap.dedent(
        f"""
        ┌ Slack is not configured, so kilo-bot runs in HTTP mode for local testing.
        │ To connect a real workspace, create the app from manifest.yml (see README) and set:
        │   SLACK_BOT_TOKEN=xoxb-…       (OAuth & Permissions → Bot User OAuth Token)
        │   SLACK_APP_TOKEN=xapp-…       (Basic Information → App-Level Tokens, scope connections:write)
        │   SLACK_SIGNING_SECRET=…       (Basic Information → App Credentials; needed for HTTP mode)
        │ then run `make run` again: with both tokens it connects in Socket Mode.
        └ Now serving POST http://{shown}:{port}/slack/events and GET http://{shown}:{port}/healthz
        """
    )
