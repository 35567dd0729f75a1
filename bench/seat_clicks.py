"""Benchmark: seat clicks. (1) "Add seats" clicked by 20 Admins at once → views.open reaching Slack,
p50/p99; (2) a seat request approved → seats changed in Kilo → every copy of the request updated.

The reference backend (SQLite file), the bot and the fake Slack Web API each run in their own uvicorn
server on loopback, in this process (threads), so the figures include their sharing of the CPU.

    .venv/bin/python bench/seat_clicks.py [--admins 20] [--rounds 5] [--approvals 10]
"""

# ruff: noqa: B023 — each wait() runs to its end inside the iteration whose variables it reads

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.migrate import upgrade as upgrade_backend
from backend.models import Member, MemberStatus, Role
from bench._common import machine, percentile
from bot.app import create_bolt_app, create_web_app
from bot.ids import ActionId
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from kilo_db.types import utcnow
from local_slack import FakeSlack, SlackUser
from tests.factories import OrganizationFactory

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "TBENCHSEATS"


def signed_post(client: httpx.Client, bot_url: str, payload: dict[str, Any]) -> float:
    """POST a signed interaction; the monotonic time it was sent."""
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)),
    }
    sent = time.monotonic()
    response = client.post(f"{bot_url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return sent


def envelope(user: SlackUser, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user.id, "username": user.id.lower(), "team_id": TEAM},
        "api_app_id": "A0KILO",
        "trigger_id": f"{secrets.randbelow(10**10)}.{secrets.token_hex(12)}",
    }


def home_click(user: SlackUser) -> dict[str, Any]:
    return {
        **envelope(user, "block_actions"),
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "team_id": TEAM, "hash": "1.1", "blocks": [], "state": {"values": {}}},
        "actions": [{"type": "button", "action_id": ActionId.SEATS_ADD, "block_id": "kilo_quick_actions"}],
    }


def message_click(
    fake: FakeSlack, user: SlackUser, channel: str, message: dict[str, Any], action_id: str, value: str
) -> dict[str, Any]:
    return {
        **envelope(user, "block_actions"),
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
        "channel": {"id": channel},
        "message": message,
        "response_url": fake.response_url(secrets.token_hex(6)),
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "kilo_seat_request_actions", "value": value}
        ],
    }


def wait(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not answer in time")
        time.sleep(0.002)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--admins", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--approvals", type=int, default=10)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="seat-bench-"))
    backend_url_db = f"sqlite:///{workdir / 'backend.sqlite3'}"
    bot_db = f"sqlite:///{workdir / 'bot.sqlite3'}"
    upgrade_backend(backend_url_db)
    upgrade_bot(bot_db)
    sessions = make_session_factory(make_engine(backend_url_db))
    fake = FakeSlack(token=TOKEN)
    fake.state.tokens[TOKEN] = TEAM
    org = OrganizationFactory(sessions, utcnow).create(seats=9_000, members=3, name="Bench Org")
    admins: list[SlackUser] = []
    with sessions.begin() as session:
        for index in range(options.admins):
            email = f"bench-admin{index}-{secrets.token_hex(3)}@example.com"
            session.add(
                Member(
                    organization_id=org.id,
                    name=f"Admin {index}",
                    email=email,
                    role=Role.ADMIN,
                    status=MemberStatus.ACTIVE,
                    joined_at=datetime.now(UTC),
                )
            )
            admins.append(fake.add_user(SlackUser(f"UADM{index:03d}", email, f"Admin {index}", "UTC", TEAM)))
    requester = fake.add_user(SlackUser("UREQUESTER", org.member.email, "Mia Member", "UTC", TEAM))
    fake.add_user(SlackUser("UOWNER", org.owner.email, "Olivia Owner", "UTC", TEAM))
    with BackgroundServer(fake.app) as slack_server, BackgroundServer(create_app(sessions)) as backend:
        fake.bind(slack_server.url)
        store = BotStore(bot_db)
        store.save_connection(Connection(TEAM, org.id, backend.url, org.api_key), connected_by=None, now=utcnow())
        settings = Settings(
            _env_file=None,
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_url=fake.api_url,
            database_url=bot_db,
        )
        with (
            BackgroundServer(create_web_app(create_bolt_app(settings, store))) as bot,
            httpx.Client(timeout=30, limits=httpx.Limits(max_connections=options.admins)) as client,
        ):
            click_to_open = clicks(fake, client, bot.url, admins, options.rounds)
            approval = approvals(fake, client, bot.url, admins, requester, options.approvals)
    print(f"Machine: {machine()}")
    print(f"1. 'Add seats' clicked by {options.admins} Admins at once, {options.rounds} rounds (first round cold):")
    print_figures("click → views.open reaching Slack", click_to_open)
    print(f"2. a seat request DM'd to {options.admins + 1} approvers, approved {options.approvals} times:")
    for label, samples in approval.items():
        print_figures(label, samples)


def print_figures(label: str, samples: list[float]) -> None:
    print(
        f"   {label}: p50 {statistics.median(samples) * 1000:.1f} ms, p99 {percentile(samples, 0.99) * 1000:.1f} ms, "
        f"max {max(samples) * 1000:.1f} ms ({len(samples)} samples)"
    )


def clicks(fake: FakeSlack, client: httpx.Client, bot_url: str, admins: list[SlackUser], rounds: int) -> list[float]:
    samples: list[float] = []
    for _ in range(rounds):
        payloads = [home_click(admin) for admin in admins]
        start = threading.Barrier(len(payloads))

        def send(payload: dict[str, Any]) -> tuple[str, float]:
            start.wait()
            return payload["trigger_id"], signed_post(client, bot_url, payload)

        with ThreadPoolExecutor(len(payloads)) as pool:
            sent = dict(pool.map(send, payloads))
        for trigger_id, at in sent.items():
            call = wait(
                lambda t=trigger_id: next((c for c in fake.calls_to("views.open") if c.args["trigger_id"] == t), None)
            )
            samples.append(call.at - at)
        wait(lambda: len(fake.calls_to("views.update")) >= len(samples))  # let the previews finish
    return samples


def approvals(
    fake: FakeSlack, client: httpx.Client, bot_url: str, admins: list[SlackUser], requester: SlackUser, count: int
) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {
        "approve click → views.open": [],
        "confirm → seats changed and every copy updated": [],
    }
    approver = admins[0]
    for round_number in range(count):
        posted_before = len(fake.calls_to("chat.postMessage"))
        command = urlencode(
            {
                "team_id": TEAM,
                "user_id": requester.id,
                "command": "/kilo",
                "text": f"seats request 1 bench round {round_number}",
                "response_url": fake.response_url(secrets.token_hex(6)),
                "trigger_id": "1.2",
                "channel_id": "C1",
            }
        )
        stamp = str(int(time.time()))
        client.post(
            f"{bot_url}/slack/events",
            content=command,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=command)),
            },
        )
        dm = fake.dm_channel(approver.id)
        copy_call = wait(
            lambda: next(
                (c for c in fake.calls_to("chat.postMessage")[posted_before:] if c.args["channel"] == dm), None
            )
        )
        wait(
            lambda: (
                fake.dm_channel(requester.id)
                in {c.args["channel"] for c in fake.calls_to("chat.postMessage")[posted_before:]}
            )
        )
        copies = len(fake.calls_to("chat.postMessage")) - posted_before
        message = fake.message(dm, copy_call.answer["ts"])
        request_id = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
        click = message_click(fake, approver, dm, message, ActionId.SEAT_REQUEST_APPROVE, request_id)
        sent = signed_post(client, bot_url, click)
        opened = wait(
            lambda: next((c for c in fake.calls_to("views.open") if c.args["trigger_id"] == click["trigger_id"]), None)
        )
        figures["approve click → views.open"].append(opened.at - sent)
        view_id = opened.answer["view"]["id"]
        confirmation = wait(lambda: "Approve and charge" in json.dumps(fake.view(view_id)) and fake.view(view_id))
        updates_before = len(fake.calls_to("chat.update"))
        submission = {**envelope(approver, "view_submission"), "view": {**confirmation, "state": {"values": {}}}}
        sent = signed_post(client, bot_url, submission)
        wait(lambda: len(fake.calls_to("chat.update")) - updates_before >= copies)
        figures["confirm → seats changed and every copy updated"].append(fake.calls_to("chat.update")[-1].at - sent)
    return figures


if __name__ == "__main__":
    main()
