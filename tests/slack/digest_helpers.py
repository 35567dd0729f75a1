"""What the digest and alert tests share: a bot on the tests' clock, ticks at a chosen instant (the same
send_due the scheduler calls), and reading back what reached the fake Slack."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.app import create_bolt_app, create_web_app, services_of
from bot.digests import TickReport
from bot.scheduler import standalone_due_work
from bot.services import BotServices
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore
from local_slack import FakeSlack
from local_slack.web_api import PostedMessage
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg, usage_events
from tests.slack.conftest import Workspace, WorkspaceFactory, texts


@dataclass
class DigestBot:
    url: str
    services: BotServices
    settings: Settings
    store: BotStore


@pytest.fixture(scope="module")
def digest_bot(bot_settings: Settings, bot_store: BotStore, clock: Clock) -> Iterator[DigestBot]:
    """The Slack app on the tests' clock (the backend's too), so "now" is whatever a test says."""
    bolt = create_bolt_app(bot_settings, bot_store, clock=clock)
    with BackgroundServer(create_web_app(bolt)) as server:
        yield DigestBot(server.url, services_of(bolt), bot_settings, bot_store)


@pytest.fixture(autouse=True)
def no_leftover_schedules(digest_bot: DigestBot) -> Iterator[None]:
    """Every tick sees every workspace's subscriptions: each test's are removed after it."""
    yield
    with digest_bot.store.sessions.begin() as session:
        for table in ("alert_episodes", "alert_rules", "digest_deliveries", "digest_subscriptions"):
            session.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def digest_workspaces(
    orgs: OrganizationFactory, backend_server: BackgroundServer, fake_slack: FakeSlack, digest_bot: DigestBot
) -> WorkspaceFactory:
    return WorkspaceFactory(orgs, backend_server.url, digest_bot.store, fake_slack, digest_bot.url)


async def tick_async(settings: Settings, store: BotStore, at: datetime) -> TickReport:
    """One tick's work in a process of its own (as another replica or `kilo-bot digests send-due`)."""
    async with standalone_due_work(settings, store) as work:
        return await work.send_due(at)


def tick(bot: DigestBot, clock: Clock, at: datetime) -> TickReport:
    """One scheduler tick at `at` (the backend's clock moves there too)."""
    clock.now = at
    return asyncio.run(tick_async(bot.settings, bot.store, at))


FIRST_USAGE_DAY = datetime(2026, 3, 2, tzinfo=UTC)


def funded_workspace(
    factory: WorkspaceFactory, http: httpx.Client, clock: Clock, *, members: int, credits: int, now: datetime
) -> Workspace:
    """An organization created Mar 1 with 10 seats, `credits` microdollars bought on Mar 2 and 14 days of usage
    from then on (to Mar 15 evening), connected to Slack; the clock is left at `now`."""
    ws = factory.create(seats=10, members=members)
    clock.now = FIRST_USAGE_DAY + timedelta(hours=8)
    bought = http.post(
        ws.org.path("/credits/purchases"),
        json={"amount_microdollars": credits, "idempotency_key": f"credits-{ws.team_id}"},
        headers=ws.org.headers(ws.org.owner),
    )
    assert bought.status_code == 201, bought.text
    clock.now = FIRST_USAGE_DAY + timedelta(days=13, hours=23)  # after the last usage ingested below
    ingest(http, ws.org, FIRST_USAGE_DAY, 14)
    clock.now = now
    return ws


def ingest(
    http: httpx.Client, org: TestOrg, start: datetime, days: int, *, per_day: int = 40, seed: int = 3
) -> list[dict[str, Any]]:
    """`per_day` usage events on each of `days` UTC days from `start` (reproducible by seed)."""
    events: list[dict[str, Any]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        events += usage_events(
            org, per_day, start=day, span=timedelta(hours=20), seed=seed + offset, prefix=f"d{offset}"
        )
    for chunk in range(0, len(events), 2000):
        response = http.post(
            org.path("/usage/events"), json={"events": events[chunk : chunk + 2000]}, headers=org.headers()
        )
        assert response.status_code == 200, response.text
    return events


def backend_json(http: httpx.Client, org: TestOrg, path: str, actor: Any = None, **params: Any) -> Any:
    response = http.get(org.path(path), params=params, headers=org.headers(actor))
    assert response.status_code == 200, response.text
    return response.json()


def digests_in(fake: FakeSlack, channel: str) -> list[PostedMessage]:
    """The digests posted in a channel (top-level messages with blocks, not the charts' file shares)."""
    return [m for m in fake.messages_in(channel) if m.blocks and m.thread_ts is None]


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def message_text(message: PostedMessage) -> str:
    return texts({"blocks": message.blocks})
