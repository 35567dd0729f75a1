"""Spend digests end to end: /kilo digest through signed requests, a scheduler tick at a chosen instant,
and what reached the strict fake Slack (the message, its charts in the thread) against the backend's figures.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from slack_sdk.web.async_client import AsyncWebClient

from bot import formatting as fmt
from bot.chart_images import reply_once_files_ready, with_charts
from bot.digest_shapes import DeliveryStatus, SubscriptionKind, SubscriptionStatus
from bot.digest_store import DigestStore
from bot.ids import ActionId, BlockId, ViewId
from bot.kilo_client import KiloClient
from bot.oauth import BOT_SCOPES
from bot.replies import Replies, ReplyFailed
from bot.scheduler import Ticker, standalone_due_work
from bot.serving import BackgroundServer
from bot.trend_chart import trend_chart
from bot.views.blocks import Message
from local_slack import FakeSlack
from reports.charts import DailySpendChart, RenderedChart, render_daily_spend_chart
from tests.conftest import Clock
from tests.reports.digest_factory import generate_digest_data
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SQLITE_ONLY, Workspace, WorkspaceFactory, texts
from tests.slack.digest_helpers import (
    DigestBot,
    backend_json,
    digest_bot,
    digest_workspaces,
    digests_in,
    funded_workspace,
    message_text,
    no_leftover_schedules,
    png_size,
    tick,
    tick_async,
)
from tests.support import process_environment

pytestmark = SQLITE_ONLY
__all__ = ["digest_bot", "digest_workspaces", "no_leftover_schedules"]  # fixtures

SUNDAY_NOON = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
MONDAY_9_NEW_YORK = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # 09:00 EDT


@pytest.fixture
def team(digest_workspaces: WorkspaceFactory, http: httpx.Client, clock: Clock) -> Workspace:
    """An organization (created Mar 1) with two weeks of usage and $500 of credits, connected to Slack."""
    return funded_workspace(digest_workspaces, http, clock, members=5, credits=500_000_000, now=SUNDAY_NOON)


def channel(fake: FakeSlack, *, private: bool = False, member: bool = False, name: str | None = None) -> str:
    channel_id = ("G" if private else "C") + secrets.token_hex(4).upper()
    fake.add_channel(channel_id, name or f"ai-{channel_id.lower()}", private=private, bot_member=member)
    return channel_id


def subscribe(ws: Workspace, channel_id: str, extra: str = "", who: str = "owner") -> str:
    return texts(ws.ask(getattr(ws, who), f"digest subscribe <#{channel_id}|{channel_id.lower()}> {extra}".strip()))


# --- subscribe → tick → digest and charts ------------------------------------------------------------


def test_subscribe_then_the_monday_tick_posts_the_digest_with_its_charts_in_the_thread(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    reply = subscribe(team, target)
    assert f"<#{target}> will get the AI spend digest *weekly on Monday at 09:00 (America/New_York)*" in reply
    assert "Next one: Mar 16, 2026 09:00 EDT" in reply and f"I joined <#{target}>" in reply
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK - timedelta(minutes=1)).sent == 0
    assert digests_in(fake_slack, target) == []

    report = tick(digest_bot, clock, MONDAY_9_NEW_YORK)

    assert report.sent == 1
    (digest,) = digests_in(fake_slack, target)
    assert f"AI spend · {team.org_name}" in message_text(digest)
    charts = fake_slack.files_in_thread(target, digest.ts)
    assert [c.filename for c in charts] == ["daily-spend.png", "model-share.png", "credit-balance.png"]
    for chart in charts:
        width, height = png_size(fake_slack.file_bytes(chart.id))
        assert width >= 1200 and height > 400
        assert chart.alt_txt and len(chart.alt_txt) > 40 and chart.title
    complete = fake_slack.calls_to("files.completeUploadExternal")[-1].args
    assert (complete["channel_id"], complete["thread_ts"]) == (target, digest.ts)
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=5)).sent == 0
    assert len(digests_in(fake_slack, target)) == 1


def test_the_posted_digest_shows_the_backends_numbers(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    target = channel(fake_slack)
    subscribe(team, target)
    tick(digest_bot, clock, MONDAY_9_NEW_YORK)
    shown = message_text(digests_in(fake_slack, target)[0])

    week = backend_json(http, team.org, "/usage/summary", start="2026-03-09", end="2026-03-16")["totals"]
    before = backend_json(http, team.org, "/usage/summary", start="2026-03-02", end="2026-03-09")["totals"]
    people = backend_json(http, team.org, "/usage/members", team.org.owner, start="2026-03-09", end="2026-03-16")
    organization = backend_json(http, team.org, "")
    credits = backend_json(http, team.org, "/credits")
    assert f"*{fmt.usd(week['cost_microdollars'])}* this week" in shown
    assert f"vs the week before ({fmt.usd(before['cost_microdollars'])})" in shown
    assert f"*Successful requests*\n{week['successful_requests']:,}" in shown
    assert f"*Tokens in / out*\n{fmt.compact(week['input_tokens'])} / {fmt.compact(week['output_tokens'])}" in shown
    assert f"*Active users*\n{len([m for m in people['members'] if m['requests']])}" in shown
    assert f"*Seats*\n{organization['seats']['used']} of {organization['seats']['total']} used" in shown
    assert f"*Credits*\n{fmt.usd(credits['balance_microdollars'])} left" in shown
    assert "Top people" not in shown  # per-person figures are off by default


def test_per_person_figures_appear_only_when_the_subscription_allows_them(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    target = channel(fake_slack)
    subscribe(team, target, "people")
    tick(digest_bot, clock, MONDAY_9_NEW_YORK)
    shown = message_text(digests_in(fake_slack, target)[0])
    top = backend_json(http, team.org, "/usage/members", team.org.owner, start="2026-03-09", end="2026-03-16")
    first = top["members"][0]
    assert "*Top people*" in shown and f"1. {first['name']} {fmt.usd(first['cost_microdollars'])}" in shown


# --- time zones and DST ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first_day", "change_day", "utc_hour_before", "utc_hour_after"),
    [
        ("America/New_York", datetime(2026, 3, 5, tzinfo=UTC), date(2026, 3, 8), 14, 13),  # clocks go forward Mar 8
        ("Europe/Berlin", datetime(2026, 3, 26, tzinfo=UTC), date(2026, 3, 29), 8, 7),  # … and Mar 29
    ],
)
def test_a_daily_digest_stays_at_nine_local_through_the_dst_week(
    team: Workspace,
    digest_bot: DigestBot,
    clock: Clock,
    fake_slack: FakeSlack,
    zone: str,
    first_day: datetime,
    change_day: date,
    utc_hour_before: int,
    utc_hour_after: int,
):
    target = channel(fake_slack)
    clock.now = first_day - timedelta(hours=12)
    subscribe(team, target, f"daily 09:00 {zone}")
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        due = day.replace(hour=utc_hour_before if day.date() < change_day else utc_hour_after)
        before = len(digests_in(fake_slack, target))
        assert tick(digest_bot, clock, due - timedelta(minutes=1)).sent == 0
        assert tick(digest_bot, clock, due).sent == 1
        assert len(digests_in(fake_slack, target)) == before + 1
    assert len(digests_in(fake_slack, target)) == 7


# --- downtime, races, crashes ------------------------------------------------------------------------------


def test_after_downtime_a_missed_digest_is_sent_late_once_within_the_grace_window(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    late = MONDAY_9_NEW_YORK + timedelta(hours=5, minutes=59)
    assert tick(digest_bot, clock, late).sent == 1
    assert tick(digest_bot, clock, late + timedelta(minutes=1)).sent == 0
    assert len(digests_in(fake_slack, target)) == 1


def test_past_the_grace_window_it_is_skipped_and_recorded_and_next_week_is_normal(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    report = tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(hours=6, minutes=1))
    assert (report.sent, report.skipped) == (0, 1)
    assert digests_in(fake_slack, target) == []
    store = DigestStore(digest_bot.store)
    (subscription,) = [s for s in store.subscriptions(team.team_id) if s.channel_id == target]
    (skipped,) = store.deliveries(subscription.id)
    assert (skipped.status, skipped.period_key) == (DeliveryStatus.SKIPPED, "2026-03-16")
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(hours=7)).skipped == 0  # recorded once
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(days=7)).sent == 1


def test_two_ticks_at_once_post_the_digest_once(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    clock.now = MONDAY_9_NEW_YORK

    async def both() -> list[int]:
        reports = await asyncio.gather(
            *(tick_async(digest_bot.settings, digest_bot.store, MONDAY_9_NEW_YORK) for _ in range(2))
        )
        return [r.sent for r in reports]

    assert sorted(asyncio.run(both())) == [0, 1]
    assert len(digests_in(fake_slack, target)) == 1


def test_send_racing_the_scheduler_posts_once(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    clock.now = MONDAY_9_NEW_YORK
    reports = []
    ticking = threading.Thread(
        target=lambda: reports.append(asyncio.run(tick_async(digest_bot.settings, digest_bot.store, MONDAY_9_NEW_YORK)))
    )
    ticking.start()
    answer = texts(team.ask(team.admin, f"digest send <#{target}>"))
    ticking.join(timeout=60)
    assert len(digests_in(fake_slack, target)) == 1
    assert reports[0].sent + ("Sent today's digest" in answer) == 1
    again = texts(team.ask(team.admin, f"digest send <#{target}>"))
    assert "Today's digest already went to" in again and "nothing was posted" in again
    assert len(digests_in(fake_slack, target)) == 1


def test_send_now_counts_as_the_days_delivery(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    clock.now = MONDAY_9_NEW_YORK - timedelta(hours=3)  # 06:00 in New York, before the scheduled 09:00
    answer = texts(team.ask(team.owner, f"digest send <#{target}>"))
    assert f"Sent today's digest to <#{target}>" in answer and "/archives/" in answer
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK).sent == 0
    assert len(digests_in(fake_slack, target)) == 1


def test_a_claim_left_by_a_crash_after_posting_is_edited_not_reposted(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    from slack_sdk import WebClient

    target = channel(fake_slack, member=True)
    subscribe(team, target)
    store = DigestStore(digest_bot.store)
    (subscription,) = [s for s in store.subscriptions(team.team_id) if s.channel_id == target]
    # A process claimed Monday's digest, posted a first version, and died before its charts.
    claim = store.claim(subscription.id, "2026-03-16", due_at=MONDAY_9_NEW_YORK, now=MONDAY_9_NEW_YORK)
    assert claim is not None
    posted = WebClient(token="xoxb-test-token", base_url=fake_slack.api_url).chat_postMessage(channel=target, text="…")
    store.record_post(claim, target, posted["ts"])
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=5)).sent == 0  # still claimed

    report = tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=11))

    assert (report.sent, report.edited) == (1, 1)
    (message,) = fake_slack.messages_in(target)[:1]
    assert message.ts == posted["ts"] and message.edits and "AI spend" in message_text(message)
    assert len(digests_in(fake_slack, target)) == 1
    assert len(fake_slack.files_in_thread(target, message.ts)) == 3
    delivery = store.delivery(subscription.id, "2026-03-16")
    assert delivery is not None and (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_claim_left_before_posting_is_posted_once_after_the_timeout(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack, member=True)
    subscribe(team, target)
    store = DigestStore(digest_bot.store)
    (subscription,) = [s for s in store.subscriptions(team.team_id) if s.channel_id == target]
    assert store.claim(subscription.id, "2026-03-16", due_at=MONDAY_9_NEW_YORK, now=MONDAY_9_NEW_YORK) is not None
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=9)).sent == 0
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=10)).sent == 1
    assert len(digests_in(fake_slack, target)) == 1


# --- Slack's limits and failures --------------------------------------------------------------------------


def test_a_429_is_waited_out(team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack):
    target = channel(fake_slack)
    subscribe(team, target)
    before = len(fake_slack.calls_to("chat.postMessage"))
    fake_slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK).sent == 1
    assert len(fake_slack.calls_to("chat.postMessage")) - before == 3  # two 429s, then the post
    assert len(digests_in(fake_slack, target)) == 1


def test_a_failure_is_logged_with_its_reason_and_retried_with_backoff(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
):
    target = channel(fake_slack)
    subscribe(team, target)
    fake_slack.fail("chat.postMessage", "internal_error")
    with caplog.at_level(logging.WARNING, logger="bot.digests"):
        report = tick(digest_bot, clock, MONDAY_9_NEW_YORK)
    assert (report.sent, report.failed) == (0, 1)
    assert "Slack: internal_error" in caplog.text and "retrying at 13:01 UTC" in caplog.text
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(seconds=30)).sent == 0
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(minutes=1)).sent == 1
    assert len(digests_in(fake_slack, target)) == 1


def test_an_archived_channel_pauses_its_subscription_tells_the_subscriber_once_and_others_still_get_theirs(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    archived, fine = channel(fake_slack), channel(fake_slack)
    subscribe(team, archived)
    subscribe(team, fine, who="admin")
    fake_slack.archive(archived)

    report = tick(digest_bot, clock, MONDAY_9_NEW_YORK)

    assert (report.sent, report.paused) == (1, 1)
    assert len(digests_in(fake_slack, fine)) == 1 and digests_in(fake_slack, archived) == []
    notices = [m.text for m in fake_slack.messages_in(team.owner.id) if "paused" in m.text]
    assert notices == [f"I paused the spend digest for <#{archived}>: the channel was archived."]
    tick(digest_bot, clock, MONDAY_9_NEW_YORK + timedelta(days=7))
    assert len([m for m in fake_slack.messages_in(team.owner.id) if "paused" in m.text]) == 1
    listing = texts(team.ask(team.owner, "digest list"))
    assert f"<#{archived}>: weekly on Monday" in listing and "paused: the channel was archived" in listing


def test_a_deleted_channel_and_a_private_one_that_removed_the_bot_pause_with_an_invite_hint(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    gone, private = channel(fake_slack, member=True), channel(fake_slack, private=True, member=True)
    subscribe(team, gone)
    subscribe(team, private)
    fake_slack.delete_channel(gone)
    fake_slack.state.conversations[private].members.clear()  # the bot was removed; private channels need /invite
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK).paused == 2
    # Slack answers channel_not_found for both: a private channel is invisible to a bot outside it.
    notices = [m for m in fake_slack.messages_in(team.owner.id) if "paused" in m.text]
    assert {m.text for m in notices} == {
        f"I paused the spend digest for <#{target}>: I can't see the channel any more (deleted, or private and I was "
        "removed)."
        for target in (gone, private)
    }
    assert all("/invite @Kilo for Teams" in message_text(m) for m in notices)


# --- the commands -----------------------------------------------------------------------------------------


def test_a_private_channel_the_bot_is_not_in_gets_an_invite_hint_and_nothing_is_saved(
    team: Workspace, digest_bot: DigestBot, fake_slack: FakeSlack
):
    secret = channel(fake_slack, private=True)
    reply = subscribe(team, secret)
    assert f"I can't see <#{secret}>: it doesn't exist, or it is private." in reply and "/invite @Kilo" in reply
    assert not [s for s in DigestStore(digest_bot.store).subscriptions(team.team_id) if s.channel_id == secret]


def test_a_bare_channel_name_is_looked_up(team: Workspace, digest_bot: DigestBot, fake_slack: FakeSlack):
    name = f"spend-{secrets.token_hex(3)}"
    target = channel(fake_slack, name=name)
    reply = texts(team.ask(team.owner, f"digest subscribe #{name} daily 08:30 Europe/Berlin"))
    assert f"<#{target}> will get the AI spend digest *daily at 08:30 (Europe/Berlin)*" in reply
    assert "I can't find a channel called #nowhere-at-all" in texts(
        team.ask(team.owner, "digest subscribe #nowhere-at-all")
    )


def test_members_cannot_subscribe_send_or_unsubscribe(team: Workspace, fake_slack: FakeSlack):
    target = channel(fake_slack)
    for text in (
        f"digest subscribe <#{target}>",
        f"digest send <#{target}>",
        f"digest unsubscribe <#{target}>",
        "alerts",
    ):
        shown = texts(team.ask(team.member, text))
        assert "Only Owners and Admins can" in shown
    assert fake_slack.state.conversations[target].members == set()  # it did not even join


def test_list_shows_the_last_delivery_with_its_link_and_the_next_in_local_time(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target, "daily 07:00 Europe/Berlin")
    tick(digest_bot, clock, datetime(2026, 3, 16, 6, 0, tzinfo=UTC))
    clock.now = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    (digest,) = digests_in(fake_slack, target)
    shown = texts(team.ask(team.owner, "digest list"))
    assert f"<#{target}>: daily at 07:00 (Europe/Berlin)" in shown
    assert "next Mar 17, 2026 02:00 EDT" in shown  # the owner reads New York time
    assert (
        f"last <https://kilo-test.slack.com/archives/{target}/p{digest.ts.replace('.', '')}|Mar 16, 2026 02:00 EDT>"
        in shown
    )


def test_unsubscribe_stops_the_digest(team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack):
    target = channel(fake_slack)
    subscribe(team, target)
    assert f"<#{target}> no longer gets the spend digest." in texts(
        team.ask(team.admin, f"digest unsubscribe <#{target}>")
    )
    assert tick(digest_bot, clock, MONDAY_9_NEW_YORK).sent == 0
    assert "No digest goes to" in texts(team.ask(team.admin, f"digest unsubscribe <#{target}>"))


def test_preview_is_private_with_the_charts_as_images(team: Workspace, fake_slack: FakeSlack, clock: Clock):
    clock.now = MONDAY_9_NEW_YORK
    reply = team.command(team.member, "digest preview")
    first = fake_slack.wait_for_response(reply.response_key)
    assert first["response_type"] == "ephemeral" and "Preview: only you see this." in texts(first)
    with_images = fake_slack.wait_for_response(reply.response_key, count=2, timeout=30)
    images = [b for b in with_images["blocks"] if b["type"] == "image"]
    assert len(images) == 3 and with_images["replace_original"] is True
    for image in images:
        shared = fake_slack.state.files[image["slack_file"]["id"]]
        assert shared.completed and shared.channel is None and image["alt_text"] == shared.alt_txt


def test_a_member_gets_their_own_weekly_dm(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack, http: httpx.Client
):
    shown = texts(team.ask(team.member, "digest me"))
    assert "I'll DM you your own Kilo usage *weekly on Monday at 09:00 (Asia/Tokyo)*" in shown
    monday_9_tokyo = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    assert tick(digest_bot, clock, monday_9_tokyo).sent == 1
    (dm,) = [m for m in fake_slack.messages_in(team.member.id) if "on Kilo" in m.text]
    mine = backend_json(
        http, team.org, f"/usage/members/{team.org.member.id}", team.org.member, start="2026-03-09", end="2026-03-16"
    )
    text = message_text(dm)
    assert f"Your week on Kilo: {fmt.usd(mine['member']['cost_microdollars'])}" in text
    assert f"Team total this week: {fmt.usd(mine['team_cost_microdollars'])}" in text
    assert "Your weekly usage DM is off." in texts(team.ask(team.member, "digest me off"))


def test_the_modal_subscribes_with_what_was_picked_and_points_at_bad_fields(
    team: Workspace, digest_bot: DigestBot, fake_slack: FakeSlack
):
    opened = len(fake_slack.calls_to("views.open"))
    team.command(team.admin, "digest")
    calls = fake_slack.wait_for_call("views.open", opened + 1)
    view = json.loads(calls[-1].args["view"]) if isinstance(calls[-1].args["view"], str) else calls[-1].args["view"]
    assert view["callback_id"] == ViewId.DIGEST_SUBSCRIBE
    target = channel(fake_slack)
    values: dict[str, Any] = {
        BlockId.DIGEST_CHANNEL: {
            ActionId.DIGEST_CHANNEL: {"type": "conversations_select", "selected_conversation": target}
        },
        BlockId.DIGEST_FREQUENCY: {
            ActionId.DIGEST_FREQUENCY: {"type": "static_select", "selected_option": {"value": "monthly"}}
        },
        BlockId.DIGEST_DAY: {ActionId.DIGEST_DAY: {"type": "static_select", "selected_option": {"value": "m15"}}},
        BlockId.DIGEST_TIME: {ActionId.DIGEST_TIME: {"type": "timepicker", "selected_time": "08:15"}},
        BlockId.DIGEST_ZONE: {ActionId.DIGEST_ZONE: {"type": "plain_text_input", "value": "Mars/Base"}},
        BlockId.DIGEST_PEOPLE: {
            ActionId.DIGEST_PEOPLE: {"type": "checkboxes", "selected_options": [{"value": "people"}]}
        },
    }
    refused = team.submit_view_state(team.admin, view, values)
    assert refused.json()["response_action"] == "errors" and BlockId.DIGEST_ZONE in refused.json()["errors"]
    values[BlockId.DIGEST_ZONE] = {ActionId.DIGEST_ZONE: {"type": "plain_text_input", "value": "Asia/Kolkata"}}
    saved = team.submit_view_state(team.admin, view, values)
    assert saved.json()["response_action"] == "update"
    assert "monthly on the 15th at 08:15 (Asia/Kolkata)" in texts(saved.json()["view"])
    (subscription,) = [s for s in DigestStore(digest_bot.store).subscriptions(team.team_id) if s.channel_id == target]
    assert subscription.show_people and subscription.kind is SubscriptionKind.CHANNEL
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_usage_trend_keeps_its_text_and_gains_the_daily_chart(
    team: Workspace, fake_slack: FakeSlack, clock: Clock, http: httpx.Client
):
    clock.now = MONDAY_9_NEW_YORK
    reply = team.command(team.admin, "usage trend")
    text_first = fake_slack.wait_for_response(reply.response_key)
    with_chart = fake_slack.wait_for_response(reply.response_key, count=2, timeout=30)
    assert texts(text_first) in texts(with_chart)  # the text stays, for search and screen readers
    (image,) = [b for b in with_chart["blocks"] if b["type"] == "image"]
    shared = fake_slack.state.files[image["slack_file"]["id"]]
    total = backend_json(http, team.org, "/usage/summary", period="30d")["totals"]["cost_microdollars"]
    assert shared.filename == "daily-spend.png"
    assert image["alt_text"].startswith(
        f"Bar chart of daily AI spend by model, Feb 15 – Mar 16, 2026: {fmt.usd(total)}"
    )
    assert png_size(fake_slack.file_bytes(shared.id))[0] >= 1200


def test_usage_trend_asks_the_pool_for_the_daily_chart_only_and_its_bars_are_the_backends_days(
    team: Workspace, fake_slack: FakeSlack, clock: Clock, http: httpx.Client, backend_server: BackgroundServer
):
    clock.now = MONDAY_9_NEW_YORK
    reply = team.command(team.admin, "usage trend")
    with_chart = fake_slack.wait_for_response(reply.response_key, count=2, timeout=30)
    (image,) = [b for b in with_chart["blocks"] if b["type"] == "image"]
    assert set(image["slack_file"]) == {"id"}  # Slack's documented shape: an id or a url, never both
    png = fake_slack.file_bytes(image["slack_file"]["id"])
    Image.open(io.BytesIO(png)).verify()  # a truncated or corrupt PNG raises
    width, height = png_size(png)
    assert width >= 1200 and 600 <= height <= width

    async def drawn() -> RenderedChart:
        # The handler's own path: the same backend answers, rendered by the same pool (one chart asked for).
        async with KiloClient(backend_server.url, team.org.api_key, read_cache_seconds=0) as client:
            summary = await client.usage_summary(period="30d")
            return await trend_chart(client, summary, ZoneInfo(team.admin.tz), MONDAY_9_NEW_YORK)

    chart = asyncio.run(drawn())
    assert isinstance(chart, DailySpendChart) and chart.name == "daily-spend"
    assert chart.png == png  # the uploaded picture is this drawing, pixel for pixel

    start, end = chart.days[0], chart.days[-1] + timedelta(days=1)
    usage = backend_json(http, team.org, "/usage/daily-models", start=start.isoformat(), end=end.isoformat())
    spent: dict[str, int] = {}
    for row in usage["days"]:
        spent[row["date"]] = spent.get(row["date"], 0) + row["cost_microdollars"]
    assert sum(spent.values()) > 0
    for index, day in enumerate(chart.days):
        drawn_dollars = sum(values[index] for _label, values in chart.stacks)
        assert drawn_dollars == pytest.approx(spent.get(day.isoformat(), 0) / 1_000_000, abs=0.005), day


def test_a_chart_reply_is_sent_again_while_slack_still_processes_the_upload(team: Workspace, fake_slack: FakeSlack):
    token = next(token for token, owner in fake_slack.state.tokens.items() if owner == team.team_id)
    chart = render_daily_spend_chart(generate_digest_data(7))

    async def upload() -> Message:
        return await with_charts(AsyncWebClient(token=token, base_url=fake_slack.api_url), Message("Spend"), [chart])

    message = asyncio.run(upload())
    (file_id,) = [b["slack_file"]["id"] for b in message.payload()["blocks"] if b["type"] == "image"]
    fake_slack.state.files[file_id].completed = False  # Slack has the bytes but is still processing them

    async def reply(key: str, pauses: tuple[float, ...]) -> None:
        replies = Replies()
        try:
            send = partial(replies.send, fake_slack.response_url(key), message, replace_original=True)
            await reply_once_files_ready(send, pauses)
        finally:
            await replies.aclose()

    with pytest.raises(ReplyFailed, match="invalid_blocks"):
        asyncio.run(reply("chart-at-once", ()))
    threading.Timer(0.8, lambda: setattr(fake_slack.state.files[file_id], "completed", True)).start()
    started = time.monotonic()
    asyncio.run(reply("chart-waited", (0.5, 0.5, 0.5)))
    assert time.monotonic() - started >= 0.8
    shown = fake_slack.wait_for_response("chart-waited")
    assert [b["slack_file"] for b in shown["blocks"] if b["type"] == "image"] == [{"id": file_id}]
    assert len(fake_slack.state.responses["chart-waited"]) == 1


# --- the scheduler itself ---------------------------------------------------------------------------------


def test_the_apscheduler_tick_runs_send_due_on_its_clock(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    clock.now = MONDAY_9_NEW_YORK

    async def run_for_a_while() -> Ticker:
        async with standalone_due_work(digest_bot.settings, digest_bot.store) as work:
            ticker = Ticker(work, clock, seconds=0.2)
            ticker.start()
            try:
                for _ in range(300):
                    await asyncio.sleep(0.1)
                    if ticker.ticks >= 3:
                        break
            finally:
                ticker.stop()
        return ticker

    ticker = asyncio.run(run_for_a_while())
    assert ticker.ticks >= 3
    assert len(digests_in(fake_slack, target)) == 1


# --- kilo-bot digests send-due --------------------------------------------------------------------------

KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))


def test_two_send_due_commands_started_at_once_post_the_digest_once(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    target = channel(fake_slack)
    subscribe(team, target)
    clock.now = MONDAY_9_NEW_YORK
    env = {  # the same distributed app as the suite's bot: the workspaces' tokens are in its database
        **process_environment(),
        "DATABASE_URL": str(digest_bot.store.engine.url),
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "KILO_CONNECT_ALLOW_LOCAL": "true",
    }
    command = [KILO_BOT, "digests", "send-due", "--at", "2026-03-16T09:00:00-04:00"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted(out.split(",")[0] for out, _err in outputs) == [
        "digests sent 0 (edited 0)",
        "digests sent 1 (edited 0)",
    ]
    assert len(digests_in(fake_slack, target)) == 1


def test_every_scope_in_the_manifest_is_used_and_no_other(
    team: Workspace, digest_bot: DigestBot, clock: Clock, fake_slack: FakeSlack
):
    # The bot token holds exactly the manifest's scopes (tests/slack/conftest.py): a call needing any
    # other would fail. Here each of them is seen doing its job.
    first_call = len(fake_slack.state.calls)
    name = f"scopes-{secrets.token_hex(3)}"
    by_name = channel(fake_slack, name=name)
    assert "will get the AI spend digest" in texts(team.ask(team.owner, f"digest subscribe #{name}"))
    inside = channel(fake_slack, private=True, member=True)
    assert "will get the AI spend digest" in subscribe(team, inside)
    tick(digest_bot, clock, MONDAY_9_NEW_YORK)
    assert len(digests_in(fake_slack, by_name)) == len(digests_in(fake_slack, inside)) == 1
    # a seat request reaches each Owner and Admin in a DM the bot opens (im:write)
    assert "by DM" in texts(team.ask(team.member, "seats request 1"))
    calls = fake_slack.state.calls[first_call:]
    token = next(token for token, team_id in fake_slack.state.tokens.items() if team_id == team.team_id)
    used = {scope for call in calls if call.token == token for scope in call.scopes}
    assert used | {"commands"} == set(BOT_SCOPES)  # `commands` is /kilo itself
    assert set(BOT_SCOPES) == {
        "commands",
        "chat:write",
        "users:read",
        "users:read.email",
        "files:write",
        "channels:read",
        "groups:read",
        "channels:join",
        "im:write",
    }
