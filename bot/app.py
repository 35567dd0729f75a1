"""The Slack app: a Bolt AsyncApp (Socket Mode or HTTP) and the ASGI app serving POST /slack/events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from weakref import WeakKeyDictionary

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler, to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.context.async_context import AsyncBoltContext as _Context
from slack_bolt.request.async_internals import build_async_context
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import handlers
from bot.acks_first import AcksFirst
from bot.door import Admitted, Refused, SlackDoor
from bot.identity import ClientPool, IdentityResolver
from bot.oauth import oauth_settings
from bot.outbound import AddressPolicy
from bot.replays import Replays
from bot.replies import Replies
from bot.scheduler import Ticker, build_due_work
from bot.services import BotServices
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
    store.reseal_secrets()  # values from before sealing, or under a key that is no longer the first
    oauth = oauth_settings(settings, store.secrets)
    app = AsyncApp(
        client=slack_web_client(settings, multi_workspace=oauth is not None),
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        oauth_settings=oauth[0] if oauth else None,
        process_before_response=False,
        # HTTP requests are verified over their raw bytes by bot/door.py before Bolt sees them (Bolt would
        # parse first and log refused bodies in full); Socket Mode needs no signature.
        request_verification_enabled=False,
        ignoring_self_events_enabled=True,
        user_facing_authorize_error_message=NOT_INSTALLED,
    )
    policy = AddressPolicy(settings.kilo_connect_allow_local, settings.trusted_backend_urls)
    pool = ClientPool(settings.kilo_api_timeout_seconds, settings.kilo_read_cache_seconds, policy)
    identity = IdentityResolver(store, pool, env_connection(settings), multi_workspace=oauth is not None)
    work = build_due_work(
        settings, store, identity, oauth[0].installation_store if oauth else None, render_digest_charts
    )
    services = BotServices(
        settings,
        store,
        identity,
        clock,
        AcksFirst(),
        Replies(),
        Replays(store, clock),
        oauth[1] if oauth else None,
        work,
    )
    _SERVICES[app] = services

    handlers.register(app, services, multi_workspace=oauth is not None)
    return app


def bolt_request(admitted: Admitted, request: Request) -> AsyncBoltRequest:
    """Bolt's request with the body the door parsed: Bolt's own parser takes any form body containing the
    text "payload" for an interaction, so `/kilo members payload` would arrive empty."""
    bolt = AsyncBoltRequest(body="", query=request.query_params, headers=request.headers)  # type: ignore[arg-type]
    bolt.raw_body, bolt.body = admitted.raw, admitted.body
    bolt.context = build_async_context(_Context({}), admitted.body)
    return bolt


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
    if services.settings.slack_signing_secret is None:
        raise ValueError("serving Slack over HTTP needs SLACK_SIGNING_SECRET")
    door = SlackDoor(services.settings.slack_signing_secret.get_secret_value())

    async def slack_events(request: Request) -> Response:
        with acks_first.request():
            try:
                admitted = await door.admit(request)
            except Refused as refused:
                return PlainTextResponse(refused.reason, status_code=refused.status)
            return to_starlette_response(await bolt.async_dispatch(bolt_request(admitted, request)))

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    oauth_pages = AsyncSlackRequestHandler(bolt)

    async def oauth_flow(request: Request) -> Response:
        """GET /slack/install and /slack/oauth_redirect, when SLACK_CLIENT_ID is set."""
        return await oauth_pages.handle(request)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        ticker = start_ticker(services)  # digests, alerts and seat request expiry
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
