"""Spend, credit and seat alerts end to end: /kilo alerts' modal, a tick firing each episode once with its
numbers and buttons, Snooze, and the message edited to "resolved" when the condition clears."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot import formatting as fmt
from bot.alert_store import AlertStore
from bot.digest_shapes import AlertKind, EpisodeStatus
from bot.ids import ActionId, BlockId, ViewId
from local_slack import FakeSlack
from local_slack.web_api import PostedMessage
from tests.conftest import Clock
from tests.slack.conftest import SQLITE_ONLY, Workspace, WorkspaceFactory, buttons, texts
from tests.slack.digest_helpers import (
    DigestBot,
    backend_json,
    digest_bot,
    digest_workspaces,
    ingest,
    message_text,
    no_leftover_schedules,
    tick,
    tick_async,
)

pytestmark = SQLITE_ONLY
__all__ = ["digest_bot", "digest_workspaces", "no_leftover_schedules"]  # fixtures

NOON = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 15, 21, 0, tzinfo=UTC)  # after the last usage the fixture ingests


@pytest.fixture
def team(digest_workspaces: WorkspaceFactory, http: httpx.Client, clock: Clock) -> Workspace:
    """Created Mar 1, $40 of credits bought Mar 2, two weeks of usage since (about $25)."""
    ws = digest_workspaces.create(seats=10, members=4)
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    bought = http.post(
        ws.org.path("/credits/purchases"),
        json={"amount_microdollars": 40_000_000, "idempotency_key": f"alerts-{ws.team_id}"},
        headers=ws.org.headers(ws.org.owner),
    )
    assert bought.status_code == 201, bought.text
    clock.now = NOON + timedelta(hours=11)
    ingest(http, ws.org, datetime(2026, 3, 2, tzinfo=UTC), 14)
    clock.now = NOON
    return ws


def open_alerts_modal(ws: Workspace, fake: FakeSlack) -> dict[str, Any]:
    opened = len(fake.calls_to("views.open"))
    ws.command(ws.owner, "alerts")
    raw = fake.wait_for_call("views.open", opened + 1)[-1].args["view"]
    view: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    assert view["callback_id"] == ViewId.ALERTS
    return view


def alert_state(channel_id: str | None = None, toggles: tuple[str, ...] = (), **fields: str) -> dict[str, Any]:
    def typed(block: str, action: str) -> dict[str, Any]:
        return {action: {"type": "plain_text_input", "value": fields.get(action.removeprefix("kilo_alert_"), "")}}

    state: dict[str, Any] = {
        block: typed(block, action)
        for block, action in (
            (BlockId.ALERT_CREDITS_BELOW, ActionId.ALERT_CREDITS_BELOW),
            (BlockId.ALERT_RUNWAY_BELOW, ActionId.ALERT_RUNWAY_BELOW),
            (BlockId.ALERT_SPEND_ABOVE, ActionId.ALERT_SPEND_ABOVE),
            (BlockId.ALERT_SPEND_SPIKE, ActionId.ALERT_SPEND_SPIKE),
        )
    }
    state[BlockId.ALERT_CHANNEL] = {
        ActionId.ALERT_CHANNEL: {"type": "conversations_select", "selected_conversation": channel_id}
    }
    state[BlockId.ALERT_TOGGLES] = {
        ActionId.ALERT_TOGGLES: {"type": "checkboxes", "selected_options": [{"value": t} for t in toggles]}
    }
    return state


def configure(ws: Workspace, fake: FakeSlack, channel_id: str | None = None, **fields: Any) -> httpx.Response:
    view = open_alerts_modal(ws, fake)
    return ws.submit_view_state(ws.owner, view, alert_state(channel_id, **fields))


def new_channel(fake: FakeSlack, *, member: bool = False) -> str:
    channel_id = "C" + secrets.token_hex(4).upper()
    fake.add_channel(channel_id, f"alerts-{channel_id.lower()}", bot_member=member)
    return channel_id


def alerts_in(fake: FakeSlack, channel_id: str) -> list[PostedMessage]:
    return [m for m in fake.messages_in(channel_id) if m.blocks]


def test_the_modal_saves_every_kind_and_points_at_what_does_not_parse(
    team: Workspace, digest_bot: DigestBot, fake_slack: FakeSlack
):
    channel_id = new_channel(fake_slack)
    refused = configure(team, fake_slack, channel_id, credits_below="lots", spend_spike="1.01")
    errors = refused.json()["errors"]
    assert refused.json()["response_action"] == "errors"
    assert errors[BlockId.ALERT_CREDITS_BELOW].startswith("Give an amount in dollars")
    assert errors[BlockId.ALERT_SPEND_SPIKE] == "Give a factor from 1.1 to 100."
    assert AlertStore(digest_bot.store).rules(team.team_id) == []

    saved = configure(
        team,
        fake_slack,
        channel_id,
        credits_below="$1,250.50",
        runway_below="14",
        spend_above="250",
        spend_spike="2x",
        toggles=("seat_pool_full", "member_limit"),
    )

    assert saved.json()["response_action"] == "update"
    assert f"6 alerts on, posted to <#{channel_id}>." in texts(saved.json()["view"])
    rules = {rule.kind: rule.threshold for rule in AlertStore(digest_bot.store).rules(team.team_id)}
    assert rules == {
        AlertKind.CREDITS_BELOW: 1_250_500_000,
        AlertKind.RUNWAY_BELOW: 14,
        AlertKind.SPEND_ABOVE: 250_000_000,
        AlertKind.SPEND_SPIKE: 200,
        AlertKind.SEAT_POOL_FULL: None,
        AlertKind.MEMBER_LIMIT: None,
    }
    assert fake_slack.state.conversations[channel_id].bot_is_member  # joined the public channel
    reopened = open_alerts_modal(team, fake_slack)
    field = next(b for b in reopened["blocks"] if b.get("block_id") == BlockId.ALERT_CREDITS_BELOW)
    assert field["element"]["initial_value"] == "1,250.50"


def test_credits_below_fires_once_and_is_edited_to_resolved_when_credits_are_bought(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, credits_below="30")
    balance = backend_json(http, team.org, "/credits")["balance_microdollars"]
    assert balance < 30_000_000

    tick(digest_bot, clock, EVENING)
    tick(digest_bot, clock, EVENING + timedelta(minutes=1))

    (alert,) = alerts_in(fake_slack, channel_id)
    shown = message_text(alert)
    assert "Credits are below $30.00" in shown and f"*{fmt.usd(balance)}* left" in shown
    labels = {b["text"]["text"]: b for b in buttons({"blocks": alert.blocks})}
    organization = backend_json(http, team.org, "")
    assert labels["Buy credits"]["url"] == organization["purchase_url"]
    assert {"Snooze 24 h", "Snooze 7 days"} <= set(labels)

    bought = http.post(
        team.org.path("/credits/purchases"),
        json={"amount_microdollars": 100_000_000, "idempotency_key": f"refill-{team.team_id}"},
        headers=team.org.headers(team.org.owner),
    )
    assert bought.status_code == 201
    assert tick(digest_bot, clock, EVENING + timedelta(minutes=2)).alerts_resolved == 1

    (resolved,) = alerts_in(fake_slack, channel_id)
    assert resolved.ts == alert.ts and "✅ Resolved: Credits are below $30.00" in message_text(resolved)
    assert buttons({"blocks": resolved.blocks}) == []
    assert tick(digest_bot, clock, EVENING + timedelta(minutes=3)).alerts_resolved == 0
    assert len(alerts_in(fake_slack, channel_id)) == 1


def test_three_ticks_at_once_fire_an_episode_once(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, credits_below="30", toggles=("seat_pool_full",))
    clock.now = EVENING

    async def three() -> None:
        await asyncio.gather(*(tick_async(digest_bot.settings, digest_bot.store, EVENING) for _ in range(3)))

    asyncio.run(three())
    assert len(alerts_in(fake_slack, channel_id)) == 1  # credits; the seat pool is not full
    (episode,) = AlertStore(digest_bot.store).episodes()
    assert episode.status is EpisodeStatus.OPEN and episode.sequence == 1


def test_snooze_holds_back_new_episodes_of_that_kind_until_it_ends(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, spend_above="0.10")
    tick(digest_bot, clock, datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    (alert,) = alerts_in(fake_slack, channel_id)
    assert "Today's AI spend passed $0.10" in message_text(alert) and "on Sat Mar 14 (UTC day)" in message_text(alert)
    snooze = next(b for b in buttons({"blocks": alert.blocks}) if b["text"]["text"] == "Snooze 24 h")

    clock.now = datetime(2026, 3, 14, 12, 5, tzinfo=UTC)
    refused = team.click(team.member, snooze, "snooze-member")
    assert refused.status_code == 200
    assert "Only Owners and Admins can snooze alerts." in texts(fake_slack.wait_for_response("snooze-member"))
    updates = len(fake_slack.calls_to("chat.update"))
    team.click(team.admin, snooze, "snooze-admin")
    fake_slack.wait_for_call("chat.update", updates + 1)
    (snoozed,) = alerts_in(fake_slack, channel_id)
    assert f"Snoozed by <@{team.admin.id}> until Mar 15, 12:05 UTC" in message_text(snoozed)

    tick(digest_bot, clock, datetime(2026, 3, 15, 6, 0, tzinfo=UTC))  # a new UTC day, still snoozed
    assert len(alerts_in(fake_slack, channel_id)) == 1
    tick(digest_bot, clock, datetime(2026, 3, 15, 12, 6, tzinfo=UTC))  # the snooze is over
    assert len(alerts_in(fake_slack, channel_id)) == 2
    assert "on Sun Mar 15 (UTC day)" in message_text(alerts_in(fake_slack, channel_id)[-1])


def test_a_full_seat_pool_offers_add_seats_and_alerts_go_by_dm_without_a_channel(
    digest_workspaces: WorkspaceFactory, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    full = digest_workspaces.create(seats=6, members=4)  # Owner, Admin and 4 Members
    configure(full, fake_slack, None, toggles=("seat_pool_full",))
    tick(digest_bot, clock, NOON)
    (alert,) = [m for m in fake_slack.messages_in(full.owner.id) if m.blocks]
    assert "Every seat is taken" in message_text(alert) and "*6 of 6* seats used" in message_text(alert)
    labels = {b["text"]["text"]: b for b in buttons({"blocks": alert.blocks})}
    assert labels["Add seats"]["url"] == backend_json(http, full.org, "")["purchase_url"]


def test_a_member_reaching_their_daily_limit_is_named_once_that_day(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, toggles=("member_limit",))
    clock.now = NOON
    mine = backend_json(
        http, team.org, f"/usage/members/{team.org.member.id}", team.org.member, start="2026-03-15", end="2026-03-16"
    )
    spent = mine["member"]["spend_today_microdollars"]
    assert spent > 10_000
    patched = http.patch(
        team.org.path(f"/members/{team.org.member.id}"),
        json={"daily_limit_microdollars": spent - 10_000},
        headers=team.org.headers(team.org.owner),
    )
    assert patched.status_code == 200, patched.text
    tick(digest_bot, clock, NOON)
    tick(digest_bot, clock, NOON + timedelta(minutes=30))
    (alert,) = alerts_in(fake_slack, channel_id)
    shown = message_text(alert)
    assert f"{team.org.member.name} reached their daily spend limit" in shown
    assert f"*{fmt.usd(spent)}* of {fmt.usd(spent - 10_000)} spent on Sun Mar 15 (UTC day)." in shown
    # The next UTC day the episode is over: the message says so.
    tick(digest_bot, clock, datetime(2026, 3, 16, 0, 5, tzinfo=UTC))
    assert "✅ Resolved" in message_text(alerts_in(fake_slack, channel_id)[0])


def test_an_archived_alert_channel_pauses_the_alerts_tells_the_setter_once_and_saving_resumes_them(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    archived = new_channel(fake_slack)
    configure(team, fake_slack, archived, credits_below="30", toggles=("seat_pool_full",))
    fake_slack.archive(archived)

    def notices() -> list[PostedMessage]:
        return [m for m in fake_slack.messages_in(team.owner.id) if "paused" in m.text]

    first = tick(digest_bot, clock, EVENING)
    clock.now = EVENING + timedelta(minutes=1)

    async def three() -> list[Any]:
        at = EVENING + timedelta(minutes=1)
        return list(await asyncio.gather(*(tick_async(digest_bot.settings, digest_bot.store, at) for _ in range(3))))

    later = asyncio.run(three())
    tick(digest_bot, clock, EVENING + timedelta(days=1))

    assert first.alerts_paused == 1 and sum(r.alerts_paused for r in later) == 0
    (notice,) = notices()
    assert notice.text == f"I paused your spend alerts for <#{archived}>: the channel was archived."
    assert "Paused: credits below an amount, every seat taken." in message_text(notice)
    assert "Saving resumes them." in message_text(notice)
    assert alerts_in(fake_slack, archived) == []
    attempts = [c for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == archived]
    assert len(attempts) == 1  # tried once, not again every tick
    rules = AlertStore(digest_bot.store).rules(team.team_id)
    assert all(rule.paused and rule.paused_reason == "is_archived" for rule in rules)
    (failed,) = AlertStore(digest_bot.store).episodes()
    assert failed.status is EpisodeStatus.FAILED

    modal = open_alerts_modal(team, fake_slack)
    assert "*Paused* since Mar 15, 21:00 UTC: the channel was archived" in texts(modal)
    assert "Save to resume" in texts(modal)

    fresh = new_channel(fake_slack)
    saved = configure(team, fake_slack, fresh, credits_below="30", toggles=("seat_pool_full",))
    assert saved.json()["response_action"] == "update"
    assert not any(rule.paused for rule in AlertStore(digest_bot.store).rules(team.team_id))
    assert "Paused" not in texts(open_alerts_modal(team, fake_slack))
    tick(digest_bot, clock, EVENING + timedelta(days=1, minutes=5))
    (alert,) = alerts_in(fake_slack, fresh)
    assert "Credits are below $30.00" in message_text(alert)
    (episode,) = AlertStore(digest_bot.store).episodes()
    assert episode.id == failed.id and episode.status is EpisodeStatus.OPEN and episode.channel_id == fresh
    assert len(notices()) == 1
