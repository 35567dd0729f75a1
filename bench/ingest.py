"""Benchmark: batch ingest of usage events over HTTP, rollups kept current, on a fresh SQLite file.

.venv/bin/python bench/ingest.py [--events 200000] [--batch 2000] [--clients 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.migrate import upgrade
from backend.models import BillingCycle, Member, MemberStatus, Role
from backend.services import organizations, subscriptions
from bench._common import machine
from bot.serving import BackgroundServer

MODELS = [
    ("anthropic/claude-sonnet-4.5", "anthropic"),
    ("openai/gpt-5", "openai"),
    ("google/gemini-2.5-flash", "google"),
    ("x-ai/grok-code-fast-1", "xai"),
]


def batches(member_ids: list[str], events: int, size: int, now: datetime) -> list[bytes]:
    """Pre-serialised request bodies, so the client's own JSON work is not what gets measured."""
    rng = random.Random(1)
    bodies, batch = [], []
    for index in range(events):
        model, provider = MODELS[index % len(MODELS)]
        batch.append(
            {
                "event_id": f"bench-{index}",
                "member_id": member_ids[index % len(member_ids)],
                "model": model,
                "provider": provider,
                "input_tokens": rng.randint(100, 30_000),
                "output_tokens": rng.randint(10, 3_000),
                "cache_write_tokens": 0,
                "cache_hit_tokens": rng.randint(0, 10_000),
                "cost_microdollars": rng.randint(0, 120_000),
                "has_error": rng.random() < 0.03,
                "latency_ms": rng.randint(200, 20_000),
                "occurred_at": (now - timedelta(seconds=rng.randint(0, 30 * 86400))).isoformat(),
            }
        )
        if len(batch) == size:
            bodies.append(json.dumps({"events": batch}).encode())
            batch = []
    if batch:
        bodies.append(json.dumps({"events": batch}).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--database-url", help="an empty database to use instead of a fresh SQLite file")
    args = parser.parse_args()

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/ingest.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            org, _owner, key = organizations.create_organization(
                session, name="Bench", owner_name="Owner", owner_email="owner@bench.dev", now=now
            )
            people = [
                Member(
                    organization_id=org.id,
                    name=f"M{i}",
                    email=f"m{i}@bench.dev",
                    role=Role.MEMBER,
                    status=MemberStatus.ACTIVE,
                    joined_at=now,
                )
                for i in range(200)
            ]
            session.add_all(people)
            session.flush()
            subscriptions.create_subscription(
                session, organization_id=org.id, seats=250, cycle=BillingCycle.MONTHLY, start=now - timedelta(days=40)
            )
            organization_id, member_ids = org.id, [p.id for p in people]
        bodies = batches(member_ids, args.events, args.batch, now)
        path = f"/api/v1/organizations/{organization_id}/usage/events"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        with BackgroundServer(create_app(sessions)) as server, httpx.Client(base_url=server.url, timeout=60) as http:
            http.post(path, content=bodies[0], headers=headers).raise_for_status()  # warm-up, counted below
            started = time.perf_counter()

            def send(body: bytes) -> int:
                response = http.post(path, content=body, headers=headers)
                response.raise_for_status()
                return int(response.json()["accepted"])

            with ThreadPoolExecutor(args.clients) as pool:
                accepted = sum(pool.map(send, bodies[1:]))
            elapsed = time.perf_counter() - started
            summary = http.get(
                f"/api/v1/organizations/{organization_id}/usage/summary", params={"period": "90d"}, headers=headers
            ).json()
        engine.dispose()

    expected_cost = sum(e["cost_microdollars"] for b in bodies for e in json.loads(b)["events"])
    print(f"machine: {machine()}")
    print(
        f"ingested {accepted:,} events in {len(bodies) - 1} batches of {args.batch:,} with {args.clients} "
        f"client(s) in {elapsed:.2f} s: {accepted / elapsed:,.0f} events/s over HTTP, rollups included"
    )
    print(
        f"rollups current: {summary['totals']['requests']:,} requests, spend {summary['totals']['cost_microdollars']:,}"
        f" µ$ (expected {len(bodies) and args.events:,} and {expected_cost:,})"
    )
    if summary["totals"]["requests"] != args.events or summary["totals"]["cost_microdollars"] != expected_cost:
        sys.exit("rollups do not match what was sent")


if __name__ == "__main__":
    main()
