"""The tick: an APScheduler 3.x AsyncIOScheduler in the bot process runs one in-memory interval job that
calls `send_due(now)` every minute; `kilo-bot digests send-due` calls the same function once. It sends the
digests due, evaluates the alerts and expires seat requests left 72 hours without a decision.

Schedules and deliveries live in the bot's database, never in an APScheduler job store (its docs forbid
sharing one between processes): every replica ticks, and the delivery and episode claims decide who posts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.alert_store import AlertStore
from bot.alerts import Alerts
from bot.digest_store import DigestStore
from bot.digests import Digests, Pause, RenderCharts, TickReport, no_pause
from bot.identity import ClientPool, IdentityResolver
from bot.seat_expiry import SeatRequestExpiry
from bot.seat_requests import SeatRequestStore
from bot.settings import Settings
from bot.slack_clients import NoInstallation, SlackClients
from bot.store import BotStore

logger = logging.getLogger(__name__)
TICK_SECONDS = 60.0
TICK_JOB_ID = "kilo-send-due"


@dataclass
class DueWork:
    """Everything one tick does: the digests due, the alerts, then the seat requests that expired."""

    digests: Digests
    alerts: Alerts
    seat_requests: SeatRequestExpiry

    async def send_due(self, now: datetime) -> TickReport:
        if now.tzinfo is None:
            raise ValueError("send_due needs an aware datetime")
        report = TickReport()
        await self.digests.send_due(now.astimezone(UTC), report)
        await self.alerts.evaluate(now.astimezone(UTC), report)
        try:
            report.requests_expired += len(await self.seat_requests.expire_due(now.astimezone(UTC)))
        except Exception as error:  # the database away: the next tick expires them; digests went out already
            logger.warning("seat requests not expired this tick: %s", error)
            report.errors.append(f"seat request expiry: {error}")
        return report


def build_due_work(
    settings: Settings,
    store: BotStore,
    identity: IdentityResolver,
    installations: AsyncInstallationStore | None,
    render: RenderCharts,
    yield_to_requests: Pause = no_pause,
) -> DueWork:
    slack = SlackClients(settings, installations)
    grace = timedelta(hours=settings.kilo_digest_grace_hours)

    async def installed(team_id: str) -> AsyncWebClient | None:
        try:
            return await slack.client(team_id)
        except NoInstallation:  # uninstalled since: the request still expires, nobody can be told
            return None

    return DueWork(
        Digests(DigestStore(store), identity, slack.client, render, grace, yield_to_requests),
        Alerts(AlertStore(store), identity, slack.client, yield_to_requests),
        SeatRequestExpiry(SeatRequestStore(store.sessions), identity, installed),
    )


class Ticker:
    """The bot process's scheduler: one interval job, in memory, never two ticks of one process at once."""

    def __init__(self, work: DueWork, clock: Callable[[], datetime], seconds: float = TICK_SECONDS) -> None:
        self.work = work
        self.clock = clock
        self.seconds = seconds
        self.ticks = 0
        self.last_report: TickReport | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    async def tick(self) -> TickReport:
        report = await self.work.send_due(self.clock())
        self.ticks += 1
        self.last_report = report
        if (
            report.sent
            or report.skipped
            or report.failed
            or report.paused
            or report.alerts_fired
            or report.alerts_resolved
            or report.alerts_paused
            or report.requests_expired
        ):
            logger.info("tick: %s", report.summary())
        return report

    async def _tick(self) -> None:
        try:
            await self.tick()
        except Exception:  # a tick that failed is retried by the next one; the scheduler must keep going
            logger.exception("the digest and alert tick failed")

    def start(self) -> None:
        """Start ticking (call inside the running event loop)."""
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.seconds, timezone=UTC),
            id=TICK_JOB_ID,
            max_instances=1,  # a slow tick (a big fan-out) is not overlapped by the next
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


@asynccontextmanager
async def standalone_due_work(settings: Settings, store: BotStore) -> AsyncIterator[DueWork]:
    """The tick's services outside the Slack app (`kilo-bot digests send-due`, another process), wired as the
    app wires them: the workspaces' own tokens with OAuth, no default connection for them, the same
    address policy for backends."""
    from bot.app import env_connection
    from bot.oauth import oauth_settings
    from bot.outbound import AddressPolicy
    from reports.render_pool import render_digest_charts

    oauth = oauth_settings(settings, store.secrets)
    policy = AddressPolicy(settings.kilo_connect_allow_local, settings.trusted_backend_urls)
    pool = ClientPool(settings.kilo_api_timeout_seconds, 0, policy)
    identity = IdentityResolver(store, pool, env_connection(settings), multi_workspace=oauth is not None)
    installations = oauth[0].installation_store if oauth else None
    try:
        yield build_due_work(settings, store, identity, installations, render_digest_charts)
    finally:
        await identity.pool.aclose()
        if oauth is not None:
            await oauth[1].dispose()


async def send_due_once(settings: Settings, at: datetime) -> TickReport:
    """`kilo-bot digests send-due`: the tick's work at `at`, once, without the Slack app."""
    from reports.render_pool import close_shared_renderer

    store = BotStore(settings.database_url)
    try:
        async with standalone_due_work(settings, store) as work:
            return await work.send_due(at)
    finally:
        close_shared_renderer()
        await asyncio.to_thread(store.engine.dispose)
