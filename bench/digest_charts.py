"""Benchmark: one spend digest with its charts built (issue: median < 1 s), and charts per second through
the process pool on this machine's cores.

Digests are generated from a seeded model of a 40-person team (14 models, a week of UTC days, 28 days of
credit history); each run renders a different one.

    .venv/bin/python bench/digest_charts.py [--runs 20] [--digests 60] [--rounds 3] [--workers 2] [--save DIR]

--save writes the first digest's PNGs, their alt text and the message's Block Kit there, to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine, percentile
from reports.charts import render_digest_charts_now
from reports.digest import compose_digest
from reports.digest_data import DigestData
from reports.render_pool import ChartRenderer
from tests.reports.digest_factory import generate_digest_data


def cpu_model() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no lscpu)"
    return next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")


def build_digest(data: DigestData) -> int:
    """The whole digest as the scheduler will need it: the message payload and every chart's PNG."""
    payload = compose_digest(data, show_people=True).payload()
    charts = render_digest_charts_now(data)
    return len(payload["blocks"]) + sum(len(chart.png) for chart in charts)


def describe(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:.0f} ms, p95 {percentile(samples, 0.95) * 1000:.0f} ms, "
        f"max {max(samples) * 1000:.0f} ms over {len(samples)}"
    )


def pool_memory_mib() -> float:
    """Resident memory of every process under this one (the forkserver and the workers it forked)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    ours: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - ours
        ours |= frontier
    pages = 0
    for pid in ours:
        try:
            pages += int((Path("/proc") / str(pid) / "statm").read_text().split()[1])
        except OSError:
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def save(data: DigestData, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    message = compose_digest(data, show_people=True).payload()
    (directory / "digest.json").write_text(json.dumps(message, indent=2, ensure_ascii=False))
    for chart in render_digest_charts_now(data):
        (directory / f"{chart.name}.png").write_bytes(chart.png)
        (directory / f"{chart.name}.alt.txt").write_text(chart.alt_text + "\n")
    print(f"saved one digest to {directory}/")


def time_each(digests: list[DigestData]) -> list[float]:
    samples = []
    for data in digests:
        started = time.perf_counter()
        build_digest(data)
        samples.append(time.perf_counter() - started)
    return samples


async def through_the_pool(workers: int, runs: list[DigestData], burst: list[DigestData], rounds: int) -> None:
    renderer = ChartRenderer(workers=workers)
    try:
        started = time.perf_counter()
        await renderer.warm_up()
        print(
            f"pool start ({workers} workers, forkserver preloading matplotlib): {time.perf_counter() - started:.2f} s"
        )
        latencies = []
        for data in runs:
            started = time.perf_counter()
            await renderer.render(data)
            latencies.append(time.perf_counter() - started)
        print(f"one digest's charts through the pool, one at a time: {describe(latencies)}")
        for round_number in range(1, rounds + 1):
            started = time.perf_counter()
            results = await asyncio.gather(*(renderer.render(data) for data in burst))
            elapsed = time.perf_counter() - started
            charts = sum(len(result) for result in results)
            print(
                f"round {round_number}: {len(burst)} digests at once, {charts} charts in {elapsed:.2f} s = "
                f"{charts / elapsed:.1f} charts/s ({len(burst) / elapsed:.1f} digests/s); "
                f"pool processes' memory: {pool_memory_mib():.0f} MiB"
            )
    finally:
        renderer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20, help="digests timed one by one")
    parser.add_argument("--digests", type=int, default=60, help="digests rendered at once through the pool")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="bursts in a row, to watch the workers' memory")
    parser.add_argument("--save", type=Path, help="write one digest's charts and Block Kit to this directory")
    args = parser.parse_args()

    print(f"machine: {machine()}; lscpu model name: {cpu_model()}")
    print(f"load average before the run (other processes on the machine): {os.getloadavg()[0]:.2f}")
    weeks = [generate_digest_data(seed) for seed in range(args.runs)]
    if args.save:
        save(weeks[0], args.save)
    started = time.perf_counter()
    build_digest(generate_digest_data(999))
    print(f"first digest in a fresh process (fonts, Agg): {time.perf_counter() - started:.2f} s")
    print(f"one weekly digest with its 3 charts, in process: {describe(time_each(weeks))}")
    months = [generate_digest_data(seed, start=date(2026, 3, 1), days=31, model_count=100) for seed in range(5)]
    print(f"one monthly digest, 100 models, 31 bars: {describe(time_each(months))}")
    burst = [generate_digest_data(1000 + seed) for seed in range(args.digests)]
    asyncio.run(through_the_pool(args.workers, weeks, burst, args.rounds))


if __name__ == "__main__":
    main()
