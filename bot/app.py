"""The Slack app: a Bolt AsyncApp (Socket Mode or HTTP) and the ASGI app serving POST /slack/events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import parse_qsl
from weakref import WeakKeyDictionary

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler, to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.context.async_context import AsyncBoltContext as _Context
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import handlers
from bot.acks_first import AcksFirst
from bot.identity import ClientPool, IdentityResolver
from bot.oauth import oauth_settings
from bot.replies import Replies
from bot.scheduler import Ticker, build_due_work
from bot.services import CONTEXT_KEY, BotServices
from bot.settings import Settings
from bot.store import DEFAULT_TEAM, BotStore, Connection
from kilo_db.types import utcnow
from reports.render_pool import close_shared_renderer, render_digest_charts

logger = logging.getLogger(__name__)
NOT_INSTALLED = (
    ":warning: Kilo for Teams is not installed in this workspace (or its installation was removed). "
    "A workspace admin can install it from the app's /slack/install page, then run `/kilo connect`."
)


def slack_web_client(settings: Settings, *, multi_workspace: bool) -> AsyncWebClient:
    # OAuth installs give each request its workspace's token. Without any token (local HTTP testing)
    # Slack answers invalid_auth, which the user is told about.
    if multi_workspace:
        token = None
    elif settings.slack_bot_token:
        token = settings.slack_bot_token.get_secret_value()
    else:
        token = "xoxb-not-configured"
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_base,
        # Slack's 429s are waited out (Retry-After) twice before the user is told to try again.
        retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def env_connection(settings: Settings) -> Connection | None:
    if settings.kilo_api_url and settings.kilo_api_key:
        return Connection(DEFAULT_TEAM, "", settings.kilo_api_url, settings.kilo_api_key.get_secret_value())
    return None


_SERVICES: WeakKeyDictionary[AsyncApp, BotServices] = WeakKeyDictionary()


def services_of(app: AsyncApp) -> BotServices:
    return _SERVICES[app]


def create_bolt_app(settings: Settings, store: BotStore, *, clock: Callable[[], datetime] = utcnow) -> AsyncApp:
    oauth = oauth_settings(settings)
    app = AsyncApp(
        client=slack_web_client(settings, multi_workspace=oauth is not None),
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        oauth_settings=oauth[0] if oauth else None,
        process_before_response=False,
        ignoring_self_events_enabled=True,
        user_facing_authorize_error_message=NOT_INSTALLED,
    )
    pool = ClientPool(settings.kilo_api_timeout_seconds, settings.kilo_read_cache_seconds)
    identity = IdentityResolver(store, pool, env_connection(settings))
    work = build_due_work(
        settings, store, identity, oauth[0].installation_store if oauth else None, render_digest_charts
    )
    services = BotServices(settings, store, identity, clock, AcksFirst(), Replies(), oauth[1] if oauth else None, work)
    _SERVICES[app] = services

    @app.middleware
    async def provide_services(
        context: AsyncBoltContext, body: dict[str, object], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        context[CONTEXT_KEY] = services
        return await next()

    handlers.register(app)
    return app


def _with_form_body(request: AsyncBoltRequest) -> AsyncBoltRequest:
    """Bolt parses any form body containing the text "payload" as an interactive payload, so a slash
    command like `/kilo members payload` arrives empty; re-parse such bodies as the plain form they are."""
    if request.body or not request.raw_body or request.raw_body.startswith("{"):
        return request
    fields = dict(parse_qsl(request.raw_body, keep_blank_values=True))
    if "payload" in fields or "command" not in fields:
        return request
    request.body = fields
    request.context = build_async_context(_Context({}), fields)
    return request


def start_ticker(services: BotServices) -> Ticker | None:
    """The minute tick for digests and alerts (KILO_SCHEDULER_ENABLED=false leaves it to cron and
    `kilo-bot digests send-due`)."""
    if not services.settings.kilo_scheduler_enabled:
        return None
    ticker = Ticker(services.due, services.clock, services.settings.kilo_tick_seconds)
    ticker.start()
    return ticker


def create_web_app(bolt: AsyncApp) -> Starlette:
    """POST /slack/events and GET /healthz."""
    services = services_of(bolt)
    acks_first = services.acks_first

    async def slack_events(request: Request) -> Response:
        with acks_first.request():
            raw = (await request.body()).decode("utf-8")
            bolt_request = _with_form_body(
                AsyncBoltRequest(body=raw, query=request.query_params, headers=request.headers)  # type: ignore[arg-type]
            )
            return to_starlette_response(await bolt.async_dispatch(bolt_request))

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    oauth_pages = AsyncSlackRequestHandler(bolt)

    async def oauth_flow(request: Request) -> Response:
        """GET /slack/install and /slack/oauth_redirect, when SLACK_CLIENT_ID is set."""
        return await oauth_pages.handle(request)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        ticker = start_ticker(services)
        yield
        if ticker is not None:
            ticker.stop()
        close_shared_renderer()
        await services.replies.aclose()
        await services.identity.pool.aclose()
        if services.oauth_engine is not None:
            await services.oauth_engine.dispose()

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/slack/install", oauth_flow, methods=["GET"]),
            Route("/slack/oauth_redirect", oauth_flow, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
