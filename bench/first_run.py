"""Benchmark: the first minute of a newcomer — `kilo-bot run` without Slack tokens on fresh SQLite files
(migrate, seed the demo organization, start), then `/kilo usage` as the Owner through the playground's
own API (what its page calls), until the spend is on the page.

    .venv/bin/python bench/first_run.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine

KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))
BANNER_URL = re.compile(r"Try it in your browser, without Slack: (http://\S+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(condition: object, what: str, timeout: float = 180) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition() if callable(condition) else None
        if result:
            return result
        time.sleep(0.05)
    raise SystemExit(f"gave up waiting {timeout}s for {what}")


def one_first_run() -> tuple[float, float, float]:
    """Seconds from start to the printed URL, to the page's people, and to the spend on the page."""
    with tempfile.TemporaryDirectory(prefix="kilo-first-run-") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KILO_"))}
        env |= {
            "DATABASE_URL": f"sqlite:///{directory}/kilo-bot.sqlite3",
            "BACKEND_DATABASE_URL": f"sqlite:///{directory}/kilo-backend.sqlite3",
            "EMBEDDED_BACKEND_PORT": str(free_port()),
        }
        log = Path(directory) / "run.log"
        started = time.monotonic()
        with log.open("wb") as output:
            process = subprocess.Popen(
                [KILO_BOT, "run", "--port", str(free_port())], env=env, cwd=directory, stdout=output, stderr=output
            )
        try:
            found = wait(lambda: BANNER_URL.search(log.read_text(errors="replace")), "the printed URL")
            assert isinstance(found, re.Match)
            url = found.group(1)
            printed = time.monotonic() - started
            setup = wait(lambda: _json(f"{url}api/setup"), "the playground's people")
            assert isinstance(setup, dict)
            owner = next(p["id"] for p in setup["people"] if p["role"] == "Owner")
            people = time.monotonic() - started
            httpx.post(
                f"{url}api/command",
                json={"user": owner, "conversation": setup["first_channel"], "text": "/kilo usage"},
                headers={"X-Playground": "1"},
                timeout=30,
            ).raise_for_status()
            state = {"user": owner, "conversation": setup["first_channel"], "since": -1}
            wait(lambda: "AI spend:" in httpx.get(f"{url}api/state", params=state, timeout=30).text, "the spend")
            return printed, people, time.monotonic() - started
        finally:
            process.terminate()
            process.wait(timeout=20)


def _json(url: str) -> object:
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print(machine())
    runs = [one_first_run() for _ in range(rounds)]
    for label, index in (("URL printed", 0), ("people listed", 1), ("spend on the page", 2)):
        samples = [run[index] for run in runs]
        print(f"{label:>18}: median {statistics.median(samples):5.1f} s  (max {max(samples):.1f} s, {rounds} runs)")


if __name__ == "__main__":
    main()
