"""Benchmark: admin modals under 20 concurrent clicks — click → views.open (the loading view) reaching Slack,
→ the form shown (views.update), and a buy-credits submission → its answer; plus 20 concurrent submits of
one view charging once. The backend, the bot and the fake Slack run in this process (threads), on SQLite.

    .venv/bin/python bench/admin_modals.py [--rounds 5] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.api import create_app as create_backend_app
from backend.db import make_engine, make_session_factory
from backend.demo import DemoSpec, seed_demo
from backend.migrate import upgrade as upgrade_backend
from bench._common import machine, percentile
from bot.app import create_bolt_app, create_web_app
from bot.ids import BlockId
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack, SlackUser, interactivity

SECRET, TOKEN, TEAM = "bench-secret", "xoxb-bench", "TBENCH"
# One client made before the clock starts: a new httpx client per request costs tens of ms (its SSL
# context), which in this one process would be measured as the bot's time.
CLIENT = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100))


def post(bot_url: str, body: str) -> httpx.Response:
    stamp = str(int(time.time()))
    signature = str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    return CLIENT.post(f"{bot_url}/slack/events", content=body, headers=headers)


def command(bot_url: str, fake: FakeSlack, user: SlackUser, text: str, trigger: str) -> httpx.Response:
    body = {"team_id": TEAM, "user_id": user.id, "command": "/kilo", "text": text, "channel_id": "C1"}
    body |= {"response_url": fake.response_url(trigger), "trigger_id": trigger, "api_app_id": "A1"}
    return post(bot_url, urlencode(body))


def call_for(fake: FakeSlack, method: str, key: str, value: str) -> float:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [c for c in fake.calls_to(method) if c.args.get(key) == value]
        if found:
            return found[0].at
        time.sleep(0.005)
    raise RuntimeError(f"no {method} for {value}")


def open_round(bot_url: str, fake: FakeSlack, owner: SlackUser, text: str, concurrency: int) -> list[tuple[float, ...]]:
    """`concurrency` commands at once: (ack, views.open reached, form shown) seconds, and the view ids."""
    triggers = [fake.trigger() for _ in range(concurrency)]
    start = threading.Barrier(concurrency)

    def one(trigger: str) -> tuple[float, float]:
        start.wait()
        sent = time.monotonic()
        assert command(bot_url, fake, owner, text, trigger).status_code == 200
        return sent, time.monotonic() - sent

    with ThreadPoolExecutor(concurrency) as pool:
        sent = list(pool.map(one, triggers))
    timings: list[tuple[float, ...]] = []
    for (started, acked), trigger in zip(sent, triggers, strict=True):
        opened_at = call_for(fake, "views.open", "trigger_id", trigger)
        [opened] = [c for c in fake.calls_to("views.open") if c.args.get("trigger_id") == trigger]
        assert opened.answer is not None
        shown_at = call_for(fake, "views.update", "view_id", opened.answer["view"]["id"])
        timings.append((acked, opened_at - started, shown_at - started, opened.answer["view"]["id"]))
    return timings


def submit_all(bot_url: str, fake: FakeSlack, owner: SlackUser, bodies: list[str]) -> list[httpx.Response]:
    start = threading.Barrier(len(bodies))

    def one(body: str) -> httpx.Response:
        start.wait()
        return post(bot_url, body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def submission(fake: FakeSlack, owner: SlackUser, view_id: str, amount: str) -> str:
    payload = interactivity.view_submission(
        fake.view(view_id), user_id=owner.id, team_id=TEAM, typed={BlockId.CREDIT_AMOUNT: amount}
    )
    return urlencode({"payload": json.dumps(payload)})


def ms(samples: list[float]) -> str:
    return f"p50 {percentile(samples, 0.5) * 1000:.0f} ms, p99 {percentile(samples, 0.99) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        backend_url = f"sqlite:///{directory}/backend.sqlite3"
        upgrade_backend(backend_url)
        sessions = make_session_factory(make_engine(backend_url))
        demo = seed_demo(sessions, DemoSpec(events=5_000), datetime.now(UTC))
        bot_db = f"sqlite:///{directory}/bot.sqlite3"
        upgrade_bot(bot_db)
        store = BotStore(bot_db)
        fake = FakeSlack(token=TOKEN)
        with BackgroundServer(create_backend_app(sessions)) as backend, BackgroundServer(fake.app) as slack:
            fake.bind(slack.url)
            store.save_connection(
                Connection(TEAM, demo.organization_id, backend.url, demo.api_key),
                connected_by=None,
                now=datetime.now(UTC),
            )
            owner = fake.add_user(SlackUser("UOWNER", demo.owner_email, "Owner", "UTC", TEAM))
            settings = Settings(
                _env_file=None,
                slack_bot_token=TOKEN,
                slack_signing_secret=SECRET,
                slack_api_url=fake.api_url,
                database_url=bot_db,
            )
            with BackgroundServer(create_web_app(create_bolt_app(settings, store))) as bot:
                open_round(bot.url, fake, owner, "invite", 1)  # warm: the owner's profile, the client
                opens = [
                    t for _ in range(args.rounds) for t in open_round(bot.url, fake, owner, "invite", args.concurrency)
                ]
                forms = open_round(bot.url, fake, owner, "credits buy", args.concurrency)
                bodies = [submission(fake, owner, str(view_id), "10") for *_t, view_id in forms]
                answers = submit_all(bot.url, fake, owner, bodies)
                before = httpx.get(
                    f"{backend.url}/api/v1/organizations/{demo.organization_id}/credits",
                    params={"kind": "purchase", "limit": 200},
                    headers={"Authorization": f"Bearer {demo.api_key}"},
                ).json()["entries"]
                [race] = open_round(bot.url, fake, owner, "credits buy", 1)
                raced = submit_all(
                    bot.url, fake, owner, [submission(fake, owner, str(race[3]), "11")] * args.concurrency
                )
                after = httpx.get(
                    f"{backend.url}/api/v1/organizations/{demo.organization_id}/credits",
                    params={"kind": "purchase", "limit": 200},
                    headers={"Authorization": f"Bearer {demo.api_key}"},
                ).json()["entries"]
        store.engine.dispose()
    print(f"machine: {machine()}")
    print(f"{len(opens)} `/kilo invite`, {args.concurrency} at a time:")
    print(f"  ack: {ms([t[0] for t in opens])}")
    print(f"  click → views.open (loading view) reaching Slack: {ms([t[1] for t in opens])}")
    print(f"  click → the form shown (views.update): {ms([t[2] for t in opens])}")
    print(f"{len(answers)} buy-credits submissions of different modals at once:")
    print(f"  submit → answer (the result, or working…): {ms([r.elapsed.total_seconds() for r in answers])}")
    results = sum("Bought" in json.dumps(r.json()) for r in answers)
    print(f"  answered with the result inside the window: {results}/{len(answers)}")
    charged = len(after) - len(before)
    raced_ms = ms([r.elapsed.total_seconds() for r in raced])
    print(f"{args.concurrency} concurrent submits of one view: {charged} charge(s), answers {raced_ms}")


if __name__ == "__main__":
    main()
