"""Benchmark: the 30-day usage summary through the API with millions of events on SQLite.

Seeds (once, cached under var/bench/) one organization with --events usage events, serves the real
backend on loopback, times GET /usage/summary?period=30d, and compares the answer and its time with
the same summary computed by scanning the raw events.

    .venv/bin/python bench/usage_summary.py [--events 5000000] [--requests 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.demo import DemoSpec, seed_demo
from backend.migrate import upgrade
from backend.services.usage_queries import Period
from backend.services.usage_scan import summary_by_scan
from bench._common import describe_ms, machine
from bot.serving import BackgroundServer
from kilo_api.schemas import UsageSummaryOut


def seeded_database(events: int, members: int, directory: Path) -> tuple[str, dict[str, str]]:
    path = directory / f"usage-{events}.sqlite3"
    facts_path = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    if path.exists() and facts_path.exists():
        upgrade(url)  # a file seeded by an older version gets the newer migrations
        return url, json.loads(facts_path.read_text())
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"{path.name}*"):
        stale.unlink()
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()

    def progress(done: int) -> None:
        print(f"\r  seeding: {done:,} of {events:,} events", end="", file=sys.stderr)

    demo = seed_demo(
        make_session_factory(engine), DemoSpec(members=members, events=events), datetime.now(UTC), progress=progress
    )
    engine.dispose()
    print(f"\n  seeded {demo.events:,} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    facts = {"organization_id": demo.organization_id, "api_key": demo.api_key, "admin": demo.admin_email}
    facts_path.write_text(json.dumps(facts))
    return url, facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    url, facts = seeded_database(args.events, args.members, args.dir)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    base = f"/api/v1/organizations/{facts['organization_id']}"
    headers = {"Authorization": f"Bearer {facts['api_key']}"}
    with BackgroundServer(create_app(sessions)) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        for _ in range(3):
            http.get(f"{base}/usage/summary", params={"period": "30d"}, headers=headers).raise_for_status()
        samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = http.get(f"{base}/usage/summary", params={"period": "30d"}, headers=headers)
            samples.append(time.perf_counter() - started)
            response.raise_for_status()
        api_answer = UsageSummaryOut.model_validate_json(response.content)
        member_samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            http.get(
                f"{base}/usage/members", params={"period": "30d"}, headers={**headers, "X-Kilo-Actor": facts["admin"]}
            ).raise_for_status()
            member_samples.append(time.perf_counter() - started)

    period = Period(api_answer.start, api_answer.end)
    scan_samples = []
    with sessions() as session:
        for _ in range(3):
            started = time.perf_counter()
            scanned = summary_by_scan(session, facts["organization_id"], period, api_answer.as_of)
            scan_samples.append(time.perf_counter() - started)
    engine.dispose()

    api_median = statistics.median(samples)
    scan_median = statistics.median(scan_samples)
    print(f"machine: {machine()}")
    print(
        f"events in the organization: {args.events:,}; 30-day window {period.start} – {period.end} holds "
        f"{api_answer.totals.requests:,} requests"
    )
    print(f"GET /usage/summary?period=30d (rollups, via HTTP): {describe_ms(samples)}")
    print(f"GET /usage/members?period=30d (rollups, via HTTP): {describe_ms(member_samples)}")
    print(f"raw scan of the events (in process, no HTTP):     median {scan_median * 1000:.0f} ms over 3 runs")
    print(f"ratio raw scan / API: {scan_median / api_median:.0f}x")
    print(
        f"same answer: {scanned == api_answer} (spend {api_answer.totals.cost_microdollars:,} µ$, "
        f"{len(api_answer.models)} models, {api_answer.active_users_7d} active users)"
    )
    if scanned != api_answer:
        sys.exit("the rollups and the raw scan disagree")


if __name__ == "__main__":
    main()
