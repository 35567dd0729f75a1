"""Benchmark: ack latency of /kilo usage under concurrent signed requests, and time until the answer.

Runs the backend (`kilo-bot backend`) and the bot (`kilo-bot run --http`) as separate processes on
loopback, against the organization seeded by bench/usage_summary.py (5 million events by default),
with the fake Slack Web API in this process receiving the answers at response_url.

    .venv/bin/python bench/slack_ack.py [--events 5000000] [--concurrency 50] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine, percentile
from bench.usage_summary import seeded_database
from bot.serving import BackgroundServer
from tests.fakes.slack_api import FakeSlack, SlackUser

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def command_body(fake: FakeSlack, user: SlackUser, key: str) -> str:
    return urlencode(
        {
            "team_id": user.team_id,
            "team_domain": "bench",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": user.id,
            "user_name": "bench",
            "command": "/kilo",
            "text": "usage",
            "api_app_id": "A1",
            "response_url": fake.response_url(key),
            "trigger_id": "1.2",
        }
    )


async def fire(bot_url: str, fake: FakeSlack, users: list[SlackUser], concurrency: int) -> list[tuple[float, float]]:
    """`concurrency` simultaneous /kilo usage requests: (ack seconds, answer seconds) for each."""
    verifier = SignatureVerifier(SECRET)

    async def one(client: httpx.AsyncClient, user: SlackUser) -> tuple[float, float]:
        key = secrets.token_hex(8)
        body = command_body(fake, user, key)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(verifier.generate_signature(timestamp=stamp, body=body)),
        }
        started = time.monotonic()
        response = await client.post(f"{bot_url}/slack/events", content=body, headers=headers)
        acked = time.monotonic() - started
        response.raise_for_status()
        while (arrived := fake.first_response_time(key)) is None:
            if time.monotonic() - started > 30:
                raise RuntimeError("no answer within 30 s")
            await asyncio.sleep(0.002)
        return acked, arrived - started

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return await asyncio.gather(*(one(client, users[i % len(users)]) for i in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    database_url, facts = seeded_database(args.events, args.members, args.dir)
    fake = FakeSlack(token=TOKEN)
    users = [
        fake.add_user(SlackUser(f"UBENCH{i}", facts["admin"], "Bench Admin", "Europe/Paris", "TBENCH"))
        for i in range(args.concurrency)
    ]
    backend_port, bot_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as directory, BackgroundServer(fake.app) as slack_server:
        fake.bind(slack_server.url)
        env = {
            **os.environ,
            "BACKEND_DATABASE_URL": database_url,
            "DATABASE_URL": f"sqlite:///{directory}/bot.sqlite3",
            "KILO_API_URL": f"http://127.0.0.1:{backend_port}",
            "KILO_API_KEY": facts["api_key"],
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
        }
        env.pop("SLACK_APP_TOKEN", None)
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
            wait_until_up(f"http://127.0.0.1:{bot_port}/healthz")
            bot_url = f"http://127.0.0.1:{bot_port}"
            asyncio.run(fire(bot_url, fake, users, 5))  # warm-up: caches, connections
            results: list[tuple[float, float]] = []
            for _ in range(args.rounds):
                results += asyncio.run(fire(bot_url, fake, users, args.concurrency))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)

    acks = [a for a, _ in results]
    answers = [b for _, b in results]
    print(f"machine: {machine()}")
    print(
        f"organization with {args.events:,} usage events; {args.rounds} rounds of {args.concurrency} concurrent "
        f"signed /kilo usage requests ({len(results)} in all)"
    )
    print(
        f"ack (HTTP 200 from POST /slack/events): p50 {statistics.median(acks) * 1000:.1f} ms, "
        f"p99 {percentile(acks, 0.99) * 1000:.1f} ms, max {max(acks) * 1000:.1f} ms"
    )
    print(
        f"answer at Slack's response_url:         p50 {statistics.median(answers) * 1000:.1f} ms, "
        f"p99 {percentile(answers, 0.99) * 1000:.1f} ms, max {max(answers) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
