"""The `kilo-bot` console script as a user runs it: db upgrade, seed --demo --json, backend."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KILO_BOT, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_seed_demo_json_then_serve_the_backend(tmp_path: Path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KILO_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'backend.sqlite3'}",
        "KILO_API_URL": f"http://127.0.0.1:{port}",
    }
    upgraded = run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Databases are at the newest schema." in upgraded.stdout

    seeded = run(["seed", "--demo", "--json", "--events", "3000", "--members", "12", "--days", "20"], env)
    assert seeded.returncode == 0, seeded.stderr
    facts = json.loads(seeded.stdout)
    assert set(facts) >= {"organization_id", "api_key", "backend_url", "owner_email", "admin_email", "member_email"}
    assert facts["backend_url"] == f"http://127.0.0.1:{port}"

    backend = subprocess.Popen(
        [KILO_BOT, "backend", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{facts['backend_url']}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {facts['api_key']}", "X-Kilo-Actor": facts["admin_email"]}
        base = f"{facts['backend_url']}/api/v1/organizations/{facts['organization_id']}"
        organization = httpx.get(base, headers=headers).json()
        assert organization["name"] == "Acme Robotics"
        assert organization["seats"]["used"] == 12
        roles = {m["email"]: m["role"] for m in httpx.get(f"{base}/members", headers=headers).json()["members"]}
        assert (roles[facts["owner_email"]], roles[facts["admin_email"]], roles[facts["member_email"]]) == (
            "owner",
            "admin",
            "member",
        )
        usage = httpx.get(f"{base}/usage/summary", params={"period": "30d"}, headers=headers).json()
        assert usage["totals"]["requests"] == facts["events"]
        assert len(usage["models"]) >= 10 and len({m["provider"] for m in usage["models"]}) >= 5
        assert httpx.get(f"{facts['backend_url']}/openapi.json").json()["info"]["title"]
    finally:
        backend.terminate()
        backend.wait(timeout=10)


def test_seed_refuses_nonsense_sizes(tmp_path: Path):
    env = {**os.environ, "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}"}
    refused = run(["seed", "--demo", "--members", "2"], env)
    assert refused.returncode == 2
    assert "--members must be at least 8" in refused.stderr


def test_digests_send_due_refuses_an_instant_without_a_zone(tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    refused = run(["digests", "send-due", "--at", "2026-03-16T09:00"], env)
    assert refused.returncode == 2 and "has no time zone: add Z or an offset like +01:00" in refused.stderr
    nonsense = run(["digests", "send-due", "--at", "monday"], env)
    assert nonsense.returncode == 2 and "is not an ISO-8601 date and time" in nonsense.stderr
