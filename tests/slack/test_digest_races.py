"""Three schedulers on one PostgreSQL bot database, each with its own engine, clients and event loop (as
three replicas would be), ticking at the same instant: every channel gets one digest per period and an
alert fires once. DIGEST_RACE_ROUNDS=100 runs a hundred periods in a row (by hand; the suite runs three).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from bot.alert_store import AlertStore
from bot.digest_shapes import AlertKind, RuleRequest, SubscriptionKind, SubscriptionRequest
from bot.digest_store import DigestStore
from bot.digests import TickReport
from bot.migrate import upgrade
from bot.schedule import Frequency, Schedule
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack
from tests.conftest import Clock
from tests.factories import OrganizationFactory
from tests.slack.conftest import SQLITE_ONLY, install
from tests.slack.digest_helpers import digests_in, ingest, tick_async

pytestmark = [SQLITE_ONLY, pytest.mark.postgres]
ROUNDS = int(os.environ.get("DIGEST_RACE_ROUNDS", "3"))
SCHEDULERS = 3
CHANNELS = 5
FIRST_DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def forget_schedules(url: str) -> None:
    store = BotStore(url)
    with store.sessions.begin() as session:
        for table in ("alert_episodes", "alert_rules", "digest_deliveries", "digest_subscriptions"):
            session.execute(text(f"DELETE FROM {table}"))
    store.engine.dispose()


@pytest.fixture
def postgres_bot(postgres_url: str) -> Iterator[str]:
    """The bot's tables on the session's PostgreSQL database, with no schedules but this test's."""
    upgrade(postgres_url)
    forget_schedules(postgres_url)
    yield postgres_url
    forget_schedules(postgres_url)


def race(settings: Settings, at: datetime) -> list[TickReport]:
    """SCHEDULERS ticks released together, each in its own thread, event loop and database engine."""
    barrier = threading.Barrier(SCHEDULERS)
    reports: list[TickReport] = []

    def scheduler() -> None:
        store = BotStore(settings.database_url)

        async def tick() -> TickReport:
            barrier.wait()
            return await tick_async(settings, store, at)

        try:
            reports.append(asyncio.run(tick()))
        finally:
            store.engine.dispose()

    threads = [threading.Thread(target=scheduler) for _ in range(SCHEDULERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(reports) == SCHEDULERS
    return reports


def test_three_schedulers_on_postgresql_post_each_digest_and_alert_once(
    postgres_bot: str,
    bot_settings: Settings,
    orgs: OrganizationFactory,
    backend_server: BackgroundServer,
    fake_slack: FakeSlack,
    http: httpx.Client,
    clock: Clock,
):
    settings = bot_settings.model_copy(update={"database_url": postgres_bot})
    org = orgs.create(seats=6, members=4)  # every seat taken: the seat alert holds throughout
    clock.now = FIRST_DAY + timedelta(days=ROUNDS + 1)
    ingest(http, org, FIRST_DAY - timedelta(days=14, hours=9), 14 + ROUNDS, per_day=10)
    team = f"T{secrets.token_hex(4).upper()}"
    store = BotStore(postgres_bot)
    install(fake_slack, store, team)
    store.save_connection(Connection(team, org.id, backend_server.url, org.api_key), connected_by=None, now=FIRST_DAY)
    channels = []
    for index in range(CHANNELS):
        channel_id = f"C{secrets.token_hex(4).upper()}"
        fake_slack.add_channel(channel_id, f"race-{index}")
        channels.append(channel_id)
        DigestStore(store).save_subscription(
            SubscriptionRequest(
                team,
                SubscriptionKind.CHANNEL,
                channel_id,
                f"race-{index}",
                "U0RACE",
                org.owner.email,
                Schedule(Frequency.DAILY, time(9), ZoneInfo("UTC")),
                False,
            ),
            FIRST_DAY - timedelta(hours=1),
        )
    alert_channel = f"C{secrets.token_hex(4).upper()}"
    fake_slack.add_channel(alert_channel, "race-alerts")
    AlertStore(store).replace_rules(
        team,
        [RuleRequest(AlertKind.SEAT_POOL_FULL, None)],
        channel_id=alert_channel,
        created_by="U0RACE",
        actor_email=org.owner.email,
        now=FIRST_DAY,
    )
    store.engine.dispose()

    for round_number in range(ROUNDS):
        at = FIRST_DAY + timedelta(days=round_number)
        clock.now = at
        reports = race(settings, at)
        assert sum(r.sent for r in reports) == CHANNELS, (round_number, reports)
        assert sum(r.failed for r in reports) == 0, reports
        for channel_id in channels:
            assert len(digests_in(fake_slack, channel_id)) == round_number + 1, (round_number, channel_id)
        assert len([m for m in fake_slack.messages_in(alert_channel) if m.blocks]) == 1
