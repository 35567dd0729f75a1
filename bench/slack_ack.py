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
from local_slack import FakeSlack, SlackUser

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "TBENCH"  # the one workspace the bench install serves
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


def distinct_members(fake: FakeSlack, backend_url: str, facts: dict[str, str], count: int) -> list[SlackUser]:
    """One Slack user per active member, so every request resolves a different person."""
    members = httpx.get(
        f"{backend_url}/api/v1/organizations/{facts['organization_id']}/members",
        params={"status": "active", "limit": 200},
        headers={"Authorization": f"Bearer {facts['api_key']}"},
    ).json()["members"]
    return [
        fake.add_user(SlackUser(f"UBENCH{i}", member["email"], member["name"], "Europe/Paris", TEAM))
        for i, member in enumerate(members[:count])
    ]


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


def raw_request(port: int, body: str) -> bytes:
    """A complete, signed HTTP/1.1 request, built before the clock starts."""
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body.encode())}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
        f"X-Slack-Signature: {signature}\r\n\r\n"
    )
    return head.encode() + body.encode()


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def fire(port: int, fake: FakeSlack, users: list[SlackUser], concurrency: int) -> list[tuple[float, float]]:
    """`concurrency` simultaneous /kilo usage requests on kept-alive connections opened beforehand, written
    as raw bytes so the load generator's own work hardly shows: (ack seconds, answer seconds) for each."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(concurrency)]
    keys = [secrets.token_hex(8) for _ in range(concurrency)]
    requests = [raw_request(port, command_body(fake, users[i % len(users)], keys[i])) for i in range(concurrency)]

    async def one(index: int) -> tuple[float, float]:
        reader, writer = connections[index]
        started = time.monotonic()
        writer.write(requests[index])
        status = await read_response(reader)
        acked = time.monotonic() - started
        if status != 200:
            raise RuntimeError(f"the bot answered {status}")
        return started, acked

    sent = await asyncio.gather(*(one(i) for i in range(concurrency)))
    for _reader, writer in connections:
        writer.close()
    # Answers are timed by the fake Slack as they arrive; waiting for them only after every ack keeps this
    # process from polling while it measures.
    results = []
    for (started, acked), key in zip(sent, keys, strict=True):
        fake.wait_for_response(key, timeout=30)
        arrived = fake.first_response_time(key)
        assert arrived is not None
        results.append((acked, arrived - started))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="bot HTTP worker processes")
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    database_url, facts = seeded_database(args.events, args.members, args.dir)
    fake = FakeSlack(token=TOKEN, team_id=TEAM)
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
                [KILO_BOT, "run", "--http", "--port", str(bot_port), "--workers", str(args.workers)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            wait_until_up(f"http://127.0.0.1:{backend_port}/healthz")
            users = distinct_members(fake, f"http://127.0.0.1:{backend_port}", facts, args.concurrency)
            wait_until_up(f"http://127.0.0.1:{bot_port}/healthz")
            # The first round meets cold caches (users.info and a database write per person): reported apart.
            cold = asyncio.run(fire(bot_port, fake, users, args.concurrency))
            results: list[tuple[float, float]] = []
            for _ in range(args.rounds):
                results += asyncio.run(fire(bot_port, fake, users, args.concurrency))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)

    print(
        f"cold first round: ack p99 {percentile([a for a, _ in cold], 0.99) * 1000:.1f} ms, "
        f"answer p99 {percentile([b for _, b in cold], 0.99) * 1000:.1f} ms"
    )
    acks = [a for a, _ in results]
    if os.environ.get("BENCH_DEBUG"):
        print([round(a * 1000) for a in acks])
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
