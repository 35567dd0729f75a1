"""Benchmark: acks stay fast while digests render, and a fan-out to many channels under Slack's limits.

1. Ack p99 of `/kilo usage` (issue: < 100 ms) while the bot's own tick gathers and renders 50 digests
   (50 subscriptions in 50 time zones, so none share a render): the backend and the bot
   (`kilo-bot run --http`, its minute tick at KILO_TICK_SECONDS=2) run as processes; 50 members send
   signed /kilo usage at once, round after round, from the digests' due minute until the 50th is posted.
2. Fan-out: 500 channels subscribed to one digest, sent by `kilo-bot digests send-due` against the fake
   Slack enforcing ~1 message/s per channel and per-method workspace tiers: every channel gets its digest
   and charts once, and the time from the first post to the last chart is compared with the least time
   the limits allow (issue: within 1.2×).

    .venv/bin/python bench/digest_fanout.py [--events 300000] [--digests 50] [--channels 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine, percentile
from bench.slack_ack import KILO_BOT, distinct_members, fire, free_port, wait_until_up
from bench.usage_summary import seeded_database
from bot.digest_shapes import SubscriptionKind, SubscriptionRequest
from bot.digest_store import DigestStore
from bot.migrate import upgrade
from bot.schedule import Frequency, Schedule
from bot.serving import BackgroundServer
from bot.store import BotStore
from local_slack import FakeSlack
from local_slack.rate_limits import RateLimits

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
# Workspace tiers for the fan-out, per minute. chat.postMessage's is the binding one (Slack documents
# "several hundred per minute" for a workspace); the file methods are set above it, so the floor is
# the message limit (their real Tier 4 is 100+/min: with three charts each, uploads would bind first).
TIERS = {"chat.postMessage": 600, "files.getUploadURLExternal": 3000, "files.completeUploadExternal": 1200}


def subscribe(
    database_url: str, team: str, owner_email: str, targets: list[tuple[str, ZoneInfo]], at: datetime
) -> None:
    """A daily subscription per (channel, zone), due at `at` in each zone's local time."""
    upgrade(database_url)
    store = BotStore(database_url)
    digests = DigestStore(store)
    for channel_id, zone in targets:
        local = at.astimezone(zone)
        request = SubscriptionRequest(
            team,
            SubscriptionKind.CHANNEL,
            channel_id,
            channel_id.lower(),
            "UBENCH0",
            owner_email,
            Schedule(Frequency.DAILY, local.time().replace(second=0, microsecond=0), zone),
            False,
        )
        digests.save_subscription(request, at - timedelta(minutes=5))
    store.engine.dispose()


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def acks_while_rendering(args: argparse.Namespace, database_url: str, facts: dict[str, str]) -> None:
    fake = FakeSlack(token=TOKEN)
    zones = [ZoneInfo(name) for name in sorted(available_timezones()) if "/" in name][::7][: args.digests]
    channels = [f"CREND{index:03d}" for index in range(len(zones))]
    for channel_id in channels:
        fake.add_channel(channel_id, channel_id.lower())
    backend_port, bot_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as directory, BackgroundServer(fake.app) as slack_server:
        fake.bind(slack_server.url)
        bot_database = f"sqlite:///{directory}/bot.sqlite3"
        env = {
            **os.environ,
            "BACKEND_DATABASE_URL": database_url,
            "DATABASE_URL": bot_database,
            "KILO_API_URL": f"http://127.0.0.1:{backend_port}",
            "KILO_API_KEY": facts["api_key"],
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "KILO_TICK_SECONDS": "2",
        }
        env.pop("SLACK_APP_TOKEN", None)
        upgrade(bot_database)
        processes = [
            subprocess.Popen(
                [KILO_BOT, "backend", "--port", str(backend_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [KILO_BOT, "run", "--http", "--port", str(bot_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            wait_until_up(f"http://127.0.0.1:{backend_port}/healthz")
            users = distinct_members(fake, f"http://127.0.0.1:{backend_port}", facts, args.concurrency)
            wait_until_up(f"http://127.0.0.1:{bot_port}/healthz")
            owner = facts["admin"]
            due = next_minute(datetime.now(UTC) + timedelta(seconds=20))
            subscribe(bot_database, "TBENCH", owner, list(zip(channels, zones, strict=True)), due)
            asyncio.run(fire(bot_port, fake, users, args.concurrency))  # warm: users.info, profiles
            quiet: list[tuple[float, float]] = []
            while datetime.now(UTC) < due - timedelta(seconds=3):
                quiet += asyncio.run(fire(bot_port, fake, users, args.concurrency))
                time.sleep(0.5)
            while datetime.now(UTC) < due:
                time.sleep(0.1)
            loaded: list[tuple[float, float]] = []
            started = time.monotonic()
            while sum(1 for c in channels if any(m.blocks for m in fake.messages_in(c))) < len(channels):
                if time.monotonic() - started > 600:
                    raise RuntimeError("the digests did not all arrive within 10 minutes")
                loaded += asyncio.run(fire(bot_port, fake, users, args.concurrency))
                time.sleep(0.05)
            rendering = time.monotonic() - started
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    charts = sum(len(fake.files_in_thread(c, m.ts)) for c in channels for m in fake.messages_in(c) if m.blocks)
    print(f"1. /kilo usage acks while {len(channels)} digests are gathered and rendered ({charts} charts)")
    print(f"   digests took {rendering:.1f} s from their due minute to the last one posted")
    for label, samples in (("quiet (before they were due)", quiet), ("while rendering", loaded)):
        acks = [ack for ack, _answer in samples]
        answers = [answer for _ack, answer in samples]
        print(
            f"   {label}: {len(acks)} requests, ack p50 {percentile(acks, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(acks, 0.99) * 1000:.1f} ms, max {max(acks) * 1000:.1f} ms; "
            f"answer p99 {percentile(answers, 0.99) * 1000:.1f} ms"
        )


def fan_out(args: argparse.Namespace, database_url: str, facts: dict[str, str]) -> None:
    fake = FakeSlack(token=TOKEN)
    limits = RateLimits(per_minute=TIERS, per_channel_per_second=1.0)
    channels = [f"CFAN{index:04d}" for index in range(args.channels)]
    for channel_id in channels:
        fake.add_channel(channel_id, channel_id.lower())
    backend_port = free_port()
    with tempfile.TemporaryDirectory() as directory, BackgroundServer(fake.app) as slack_server:
        fake.bind(slack_server.url)
        fake.enforce_rate_limits(limits)
        bot_database = f"sqlite:///{directory}/bot.sqlite3"
        env = {
            **os.environ,
            "BACKEND_DATABASE_URL": database_url,
            "DATABASE_URL": bot_database,
            "KILO_API_URL": f"http://127.0.0.1:{backend_port}",
            "KILO_API_KEY": facts["api_key"],
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
        }
        backend = subprocess.Popen(
            [KILO_BOT, "backend", "--port", str(backend_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{backend_port}/healthz")
            at = datetime.now(UTC).replace(second=0, microsecond=0)
            subscribe(bot_database, "TBENCH", facts["admin"], [(c, ZoneInfo("UTC")) for c in channels], at)
            started = time.monotonic()
            sent = subprocess.run(
                [KILO_BOT, "digests", "send-due", "--at", (at + timedelta(seconds=30)).isoformat()],
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
            )
            wall = time.monotonic() - started
        finally:
            backend.terminate()
            backend.wait(timeout=10)
    if sent.returncode != 0:
        raise RuntimeError(f"send-due failed: {sent.stdout}\n{sent.stderr}")
    calls = fake.state.calls
    posts = [c for c in calls if c.method == "chat.postMessage" and c.ok]
    completes = [c for c in calls if c.method == "files.completeUploadExternal" and c.ok]
    per_channel = Counter(c.args["channel"] for c in posts)
    charts_per_channel = Counter(c.args["channel_id"] for c in completes)
    assert set(per_channel) == set(channels) and set(per_channel.values()) == {1}, "a channel got 0 or 2+ digests"
    assert set(charts_per_channel.values()) == {1}, "a thread got its charts twice or not at all"
    assert all(len(fake.files_in_thread(c, fake.messages_in(c)[0].ts)) == 3 for c in channels)
    delivering = max(c.at for c in completes) - min(c.at for c in posts)
    counts = Counter(c.method for c in calls if c.ok)
    floor = limits.floor_seconds({method: counts[method] for method in TIERS}, messages_per_channel=2)
    print(f"2. fan-out to {len(channels)} channels with `kilo-bot digests send-due` ({sent.stdout.strip()})")
    print(f"   limits: 1 message/s per channel; per minute {', '.join(f'{m} {n}' for m, n in TIERS.items())}")
    print(f"   delivered: {len(posts)} digests, {len(completes)} chart uploads (3 charts each), none twice")
    print(f"   429s answered by the fake: {dict(limits.limited)}")
    print(
        f"   first post → last chart {delivering:.1f} s; rate-limit floor {floor:.1f} s; "
        f"ratio {delivering / floor:.2f} (issue: ≤ 1.2); whole command {wall:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--digests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--only", choices=["acks", "fanout"], default=None)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    database_url, facts = seeded_database(args.events, args.members, args.dir)
    print(f"machine: {machine()}")
    if args.only in (None, "acks"):
        acks_while_rendering(args, database_url, facts)
    if args.only in (None, "fanout"):
        fan_out(args, database_url, facts)


if __name__ == "__main__":
    main()
