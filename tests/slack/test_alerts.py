"""Spend, credit and seat alerts end to end: /kilo alerts' modal, a tick firing each episode once with its
numbers and buttons, Snooze, and the message edited to "resolved" when the condition clears."""

from __future__ import annotations

import asyncio
import json
import math
import secrets
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot import formatting as fmt
from bot.alert_store import AlertStore
from bot.digest_shapes import AlertKind, EpisodeStatus
from bot.ids import ActionId, BlockId, ViewId
from local_slack import FakeSlack, SlackUser, interactivity
from local_slack.web_api import PostedMessage
from reports.figures import round_half_up
from tests.conftest import Clock
from tests.factories import TestOrg, usage_events
from tests.slack.conftest import SQLITE_ONLY, Workspace, WorkspaceFactory, buttons, texts
from tests.slack.digest_helpers import (
    DigestBot,
    backend_json,
    digest_bot,
    digest_workspaces,
    funded_workspace,
    ingest,
    message_text,
    no_leftover_schedules,
    tick,
    tick_async,
)
from tests.slack.modals import modal_from_message

pytestmark = SQLITE_ONLY
__all__ = ["digest_bot", "digest_workspaces", "no_leftover_schedules"]  # fixtures

NOON = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 15, 21, 0, tzinfo=UTC)  # after the last usage the fixture ingests


@pytest.fixture
def team(digest_workspaces: WorkspaceFactory, http: httpx.Client, clock: Clock) -> Workspace:
    """Created Mar 1, $40 of credits bought Mar 2, two weeks of usage since (about $25)."""
    return funded_workspace(digest_workspaces, http, clock, members=4, credits=40_000_000, now=NOON)


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


def limit_just_below_todays_spend(http: httpx.Client, ws: Workspace) -> int:
    """Give the Member a daily limit a cent below what they spent today (Mar 15, UTC); what they spent."""
    person = ws.org.member
    mine = backend_json(http, ws.org, f"/usage/members/{person.id}", person, start="2026-03-15", end="2026-03-16")
    spent: int = mine["member"]["spend_today_microdollars"]
    assert spent > 10_000
    patched = http.patch(
        ws.org.path(f"/members/{person.id}"),
        json={"daily_limit_microdollars": spent - 10_000},
        headers=ws.org.headers(ws.org.owner),
    )
    assert patched.status_code == 200, patched.text
    return spent


def test_a_member_reaching_their_daily_limit_is_named_once_that_day(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, toggles=("member_limit",))
    clock.now = NOON
    spent = limit_just_below_todays_spend(http, team)
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


# --- runway and spend spike, end to end -------------------------------------------------------------------


def two_ticks_at_once(bot: DigestBot, clock: Clock, at: datetime) -> list[Any]:
    """Two replicas' ticks at the same instant (each its own wiring, as two `send-due` would be)."""
    clock.now = at

    async def both() -> list[Any]:
        return list(await asyncio.gather(*(tick_async(bot.settings, bot.store, at) for _ in range(2))))

    return asyncio.run(both())


def fired_over_four_ticks(bot: DigestBot, clock: Clock, start: datetime) -> list[int]:
    """Alerts fired by a tick a minute after `start`, another a minute later, then two replicas' at once."""
    reports = [tick(bot, clock, start + timedelta(minutes=1)), tick(bot, clock, start + timedelta(minutes=2))]
    reports += two_ticks_at_once(bot, clock, start + timedelta(minutes=3))
    return [report.alerts_fired for report in reports]


def click_snooze(ws: Workspace, fake: FakeSlack, alert: PostedMessage, label: str, key: str) -> None:
    snooze = next(b for b in buttons({"blocks": alert.blocks}) if b["text"]["text"] == label)
    updates = len(fake.calls_to("chat.update"))
    assert ws.click(ws.admin, snooze, key).status_code == 200
    fake.wait_for_call("chat.update", updates + 1)


def test_runway_alert_fires_once_with_the_run_out_day_snoozes_from_its_button_and_resolves_when_credits_are_bought(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    clock.now = EVENING
    history = backend_json(http, team.org, "/credits/history", days=7)
    balance, burn = history["balance_microdollars"], history["usage_last_7_days_microdollars"]
    runway = Fraction(balance * 7, burn)  # days left at the last 7 days' rate
    assert 1 < runway < 30, runway
    run_out = EVENING + timedelta(seconds=int(runway * 86_400))

    # Set just below the runway, the alert does not hold; one day above it, it does.
    configure(team, fake_slack, channel_id, runway_below=str(math.floor(runway)))
    assert tick(digest_bot, clock, EVENING).alerts_fired == 0 and alerts_in(fake_slack, channel_id) == []
    saved = configure(team, fake_slack, channel_id, runway_below=str(math.floor(runway) + 1))
    assert saved.json()["response_action"] == "update"

    assert fired_over_four_ticks(digest_bot, clock, EVENING) == [1, 0, 0, 0]

    (alert,) = alerts_in(fake_slack, channel_id)
    shown = message_text(alert)
    assert f"Credits run out within {math.floor(runway) + 1} days" in shown
    assert f"*{fmt.usd(balance)}* left · {fmt.usd(burn)} used in the last 7 days" in shown
    assert f"they run out around *{run_out:%a %b} {run_out.day}*" in shown
    labels = {b["text"]["text"]: b for b in buttons({"blocks": alert.blocks})}
    assert labels["Buy credits"]["url"] == backend_json(http, team.org, "")["purchase_url"]
    assert {"Snooze 24 h", "Snooze 7 days"} <= set(labels)

    clock.now = EVENING + timedelta(minutes=10)
    click_snooze(team, fake_slack, alert, "Snooze 7 days", "runway-snooze")
    (snoozed,) = alerts_in(fake_slack, channel_id)
    assert snoozed.ts == alert.ts and f"Snoozed by <@{team.admin.id}> until Mar 22, 21:10 UTC" in message_text(snoozed)
    assert buttons({"blocks": snoozed.blocks}) == []
    (rule,) = AlertStore(digest_bot.store).rules(team.team_id)
    assert rule.snoozed_until == EVENING + timedelta(minutes=10, days=7) and rule.snoozed_by == team.admin.id

    clock.now = EVENING + timedelta(minutes=20)
    bought = http.post(
        team.org.path("/credits/purchases"),
        json={"amount_microdollars": 200_000_000, "idempotency_key": f"runway-{team.team_id}"},
        headers=team.org.headers(team.org.owner),
    )
    assert bought.status_code == 201, bought.text
    cleared = [tick(digest_bot, clock, EVENING + timedelta(minutes=21))]
    cleared += two_ticks_at_once(digest_bot, clock, EVENING + timedelta(minutes=22))
    assert [r.alerts_resolved for r in cleared] == [1, 0, 0]
    (resolved,) = alerts_in(fake_slack, channel_id)
    assert resolved.ts == alert.ts
    assert f"✅ Resolved: Credits run out within {math.floor(runway) + 1} days" in message_text(resolved)
    assert "Cleared Mar 15, 21:21 UTC." in message_text(resolved) and buttons({"blocks": resolved.blocks}) == []
    (episode,) = AlertStore(digest_bot.store).episodes()
    assert episode.status is EpisodeStatus.RESOLVED and episode.sequence == 1


SPIKE_DAY = datetime(2026, 3, 12, tzinfo=UTC)  # a Thursday
STEADY_PER_DAY = 20


@pytest.fixture
def spiky(digest_workspaces: WorkspaceFactory, http: httpx.Client, clock: Clock) -> Workspace:
    """Created Feb 1; steady usage every day of the four weeks before SPIKE_DAY, then a day of six times as
    many requests by noon."""
    ws = digest_workspaces.create(seats=10, members=4, start=datetime(2026, 2, 1, 9, tzinfo=UTC))
    clock.now = SPIKE_DAY + timedelta(hours=12)
    ingest(http, ws.org, SPIKE_DAY - timedelta(weeks=4), 28, per_day=STEADY_PER_DAY, seed=11)
    spike = usage_events(ws.org, STEADY_PER_DAY * 6, start=SPIKE_DAY, span=timedelta(hours=11), seed=99, prefix="spike")
    response = http.post(ws.org.path("/usage/events"), json={"events": spike}, headers=ws.org.headers())
    assert response.status_code == 200, response.text
    return ws


def spend_by_day(http: httpx.Client, org: TestOrg, start: datetime, end: datetime) -> dict[str, int]:
    usage = backend_json(http, org, "/usage/daily-models", start=start.date().isoformat(), end=end.date().isoformat())
    by_day: dict[str, int] = {}
    for row in usage["days"]:
        by_day[row["date"]] = by_day.get(row["date"], 0) + row["cost_microdollars"]
    return by_day


def test_spend_spike_alert_compares_the_day_with_its_weekday_fires_once_and_resolves_the_next_day(
    spiky: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    noon = SPIKE_DAY + timedelta(hours=12)
    by_day = spend_by_day(http, spiky.org, SPIKE_DAY - timedelta(weeks=4), SPIKE_DAY + timedelta(days=1))
    spent = by_day[SPIKE_DAY.date().isoformat()]
    thursdays = [by_day.get((SPIKE_DAY - timedelta(weeks=n)).date().isoformat(), 0) for n in range(1, 5)]
    assert all(thursdays)
    average = Fraction(sum(thursdays), 4)
    ratio = spent / average
    assert ratio > 3, ratio
    channel_id = new_channel(fake_slack)

    # Above the day's ratio the alert does not hold; at 2× it does.
    configure(spiky, fake_slack, channel_id, spend_spike=f"{math.ceil(ratio * 10) / 10 + 0.1:.1f}")
    assert tick(digest_bot, clock, noon).alerts_fired == 0 and alerts_in(fake_slack, channel_id) == []
    configure(spiky, fake_slack, channel_id, spend_spike="2")

    assert fired_over_four_ticks(digest_bot, clock, noon) == [1, 0, 0, 0]

    (alert,) = alerts_in(fake_slack, channel_id)
    shown = message_text(alert)
    assert "Today's AI spend is over 2× a usual Thursday" in shown
    assert (
        f"*{fmt.usd(spent)}* spent on Thu Mar 12 (UTC day) so far, against "
        f"{fmt.usd(round_half_up(average))} on average over the last 4 Thursdays." in shown
    )
    labels = [b["text"]["text"] for b in buttons({"blocks": alert.blocks})]
    assert labels == ["Who spent it", "Set daily limits", "Snooze 24 h", "Snooze 7 days"]

    clock.now = noon + timedelta(minutes=5)
    click_snooze(spiky, fake_slack, alert, "Snooze 24 h", "spike-snooze")
    assert f"Snoozed by <@{spiky.admin.id}> until Mar 13, 12:05 UTC" in message_text(
        alerts_in(fake_slack, channel_id)[0]
    )

    # The next UTC day the spike is over (nothing spent yet): the message says it cleared, nothing new posts.
    next_day = SPIKE_DAY + timedelta(days=1, minutes=5)
    cleared = [tick(digest_bot, clock, next_day)]
    cleared += two_ticks_at_once(digest_bot, clock, next_day + timedelta(minutes=1))
    assert [r.alerts_resolved for r in cleared] == [1, 0, 0] and sum(r.alerts_fired for r in cleared) == 0
    (resolved,) = alerts_in(fake_slack, channel_id)
    assert resolved.ts == alert.ts
    assert "✅ Resolved: Today's AI spend is over 2× a usual Thursday" in message_text(resolved)
    assert f"*{fmt.usd(spent)}* spent on Thu Mar 12" in message_text(resolved)


# --- the act buttons: who spent it, set daily limits ----------------------------------------------------


def click_in_alert(ws: Workspace, who: SlackUser, channel_id: str, alert: PostedMessage, label: str) -> str:
    """Click the button labelled `label` in the posted alert, as Slack sends it; the response_url key."""
    (action_id,) = [b["action_id"] for b in buttons({"blocks": alert.blocks}) if b["text"]["text"] == label]
    key = secrets.token_hex(6)
    payload = interactivity.message_action(
        {"blocks": alert.blocks},
        action_id,
        user_id=who.id,
        team_id=ws.team_id,
        trigger_id=ws.slack.trigger(),
        response_url=ws.slack.response_url(key),
        channel_id=channel_id,
        message_ts=alert.ts,
    )
    response = ws.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3
    return key


SATURDAY_NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def test_who_spent_it_answers_an_admin_privately_with_that_days_spend_per_person_and_refuses_a_member(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, spend_above="0.10")
    tick(digest_bot, clock, SATURDAY_NOON)
    (alert,) = alerts_in(fake_slack, channel_id)
    labels = [b["text"]["text"] for b in buttons({"blocks": alert.blocks})]
    assert labels == ["Who spent it", "Set daily limits", "Snooze 24 h", "Snooze 7 days"]
    (episode,) = AlertStore(digest_bot.store).episodes()
    spent = episode.figures["spent"]

    clock.now = SATURDAY_NOON + timedelta(minutes=5)
    refused = fake_slack.wait_for_response(click_in_alert(team, team.member, channel_id, alert, "Who spent it"))
    assert "Only Owners and Admins can see who spent it." in texts(refused)
    assert refused.get("response_type", "ephemeral") == "ephemeral"
    assert "Top users" not in texts(refused)

    shown = fake_slack.wait_for_response(click_in_alert(team, team.admin, channel_id, alert, "Who spent it"))
    assert shown.get("response_type", "ephemeral") == "ephemeral" and not shown.get("replace_original")
    people = backend_json(http, team.org, "/usage/members", team.org.owner, start="2026-03-14", end="2026-03-15")
    assert people["top_members"], "the fixture spends every day"
    answer = texts(shown)
    assert "Top users by spend" in answer and "Mar 14" in answer
    for index, person in enumerate(people["top_members"], start=1):
        assert f"*{index}. {person['name']}* ({person['role']}) — {fmt.usd(person['cost_microdollars'])}" in answer
    assert f"*Team spend*\n{fmt.usd(spent)}" in answer  # the alert's figure, split by person
    assert sum(p["cost_microdollars"] for p in people["members"]) == spent
    # The alert itself is untouched: still open, with its buttons.
    (still,) = alerts_in(fake_slack, channel_id)
    assert still.blocks == alert.blocks and AlertStore(digest_bot.store).episodes()[0].status is EpisodeStatus.OPEN


def test_set_daily_limits_lists_the_members_with_their_limit_menus_for_an_admin_only(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, spend_above="0.10")
    tick(digest_bot, clock, SATURDAY_NOON)
    (alert,) = alerts_in(fake_slack, channel_id)

    refused = fake_slack.wait_for_response(click_in_alert(team, team.member, channel_id, alert, "Set daily limits"))
    assert "Only Owners and Admins can set daily spend limits." in texts(refused)

    listed = fake_slack.wait_for_response(click_in_alert(team, team.owner, channel_id, alert, "Set daily limits"))
    members = backend_json(http, team.org, "/members", limit=50)["members"]
    menus = [b["accessory"] for b in listed["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert len(menus) == len(members)
    assert all(
        [o["text"]["text"] for o in menu["options"]] == ["Change role", "Set daily limit", "Remove"] for menu in menus
    )
    for person in members:
        assert person["email"] in texts(listed)


def test_a_member_at_their_limit_gets_change_their_limit_which_leads_to_the_limit_form_and_clears_the_alert(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    channel_id = new_channel(fake_slack)
    configure(team, fake_slack, channel_id, toggles=("member_limit",))
    clock.now = NOON
    person = team.org.member
    spent = limit_just_below_todays_spend(http, team)
    tick(digest_bot, clock, NOON)
    (alert,) = alerts_in(fake_slack, channel_id)
    labels = [b["text"]["text"] for b in buttons({"blocks": alert.blocks})]
    assert labels == ["Change their limit", "Snooze 24 h", "Snooze 7 days"]

    refused = fake_slack.wait_for_response(click_in_alert(team, team.member, channel_id, alert, "Change their limit"))
    assert "Only Owners and Admins can set daily spend limits." in texts(refused)

    key = click_in_alert(team, team.admin, channel_id, alert, "Change their limit")
    listed = fake_slack.wait_for_response(key)
    rows = [b for b in listed["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert len(rows) == 1 and person.email in rows[0]["text"]["text"]  # narrowed to the member who hit it
    assert f"limit {fmt.usd(spent - 10_000)}/day" in rows[0]["text"]["text"]

    modal = modal_from_message(
        team, team.admin, listed, key, ActionId.MEMBER_MENU, option="Set daily limit", in_block_with=person.email
    )
    answered = modal.submit(team.admin, {BlockId.DAILY_LIMIT: "500"})
    assert answered["response_action"] == "update"
    member = backend_json(http, team.org, f"/members/{person.id}")
    assert member["daily_limit_microdollars"] == 500_000_000

    assert tick(digest_bot, clock, NOON + timedelta(minutes=5)).alerts_resolved == 1
    (resolved,) = alerts_in(fake_slack, channel_id)
    assert resolved.ts == alert.ts and "✅ Resolved" in message_text(resolved)
