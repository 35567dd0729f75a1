"""The `kilo-bot` console script as a user runs it: db upgrade, seed --demo --json, backend."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.support import KILO_BOT, free_port, process_environment


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KILO_BOT, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_seed_demo_json_then_serve_the_backend(tmp_path: Path):
    port = free_port()
    env = {
        **process_environment(),
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


def _local_env(tmp_path: Path) -> dict[str, str]:
    return {
        **process_environment(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'backend.sqlite3'}",
        "EMBEDDED_BACKEND_PORT": str(free_port()),
        "KILO_SECRET_KEY": os.environ["KILO_SECRET_KEY"],
    }


SMALL_DEMO = ["seed", "--demo", "--events", "500", "--days", "10"]


def test_seeding_the_same_demo_twice_says_so_in_one_line_and_replace_seeds_it_anew(tmp_path: Path):
    env = _local_env(tmp_path)
    first = run([*SMALL_DEMO, "--json"], env)
    assert first.returncode == 0, first.stderr
    organization_id = json.loads(first.stdout)["organization_id"]

    again = run(SMALL_DEMO, env)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"Acme Robotics ({organization_id}) is already in this database. "
        "Seed it anew with --replace, or use another --seed."
    )

    replaced = run([*SMALL_DEMO, "--json", "--replace"], env)
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads(replaced.stdout)["organization_id"] == organization_id


def test_the_smallest_demo_has_an_owner_an_admin_and_a_member(tmp_path: Path):
    seeded = run([*SMALL_DEMO, "--members", "8", "--json"], _local_env(tmp_path))
    assert seeded.returncode == 0, seeded.stderr
    facts = json.loads(seeded.stdout)
    assert len({facts["owner_email"], facts["admin_email"], facts["member_email"]}) == 3


def test_run_after_seed_uses_the_organization_already_there(tmp_path: Path):
    env = _local_env(tmp_path)
    seeded = run([*SMALL_DEMO, "--json"], env)
    assert seeded.returncode == 0, seeded.stderr
    facts = json.loads(seeded.stdout)

    log = tmp_path / "run.log"
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [KILO_BOT, "run", "--http", "--port", str(port)], env=env, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=15)
    printed = log.read_text()
    assert "Traceback" not in printed and "IntegrityError" not in printed
    assert f"Demo organization {facts['organization_id']} ready" in printed

    from bot.store import BotStore

    store = BotStore(env["DATABASE_URL"])
    connection = store.connection(None)
    store.engine.dispose()
    assert connection is not None and connection.organization_id == facts["organization_id"]
    assert connection.api_key != facts["api_key"]  # a new key: the backend keeps only hashes of the old one


def test_version_and_every_flag_has_help_with_its_default():
    from bot.cli import build_parser

    shown = subprocess.run([KILO_BOT, "--version"], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "kilo-bot 0.1.0"
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, subparser in subparsers.choices.items():
        for action in subparser._actions:
            if action.dest == "help" or isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"kilo-bot {name} {action.option_strings} has no help"
            assert "default" in subparser.format_help(), name


def test_digests_send_due_refuses_an_instant_without_a_zone(tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    refused = run(["digests", "send-due", "--at", "2026-03-16T09:00"], env)
    assert refused.returncode == 2 and "has no time zone: add Z or an offset like +01:00" in refused.stderr
    nonsense = run(["digests", "send-due", "--at", "monday"], env)
    assert nonsense.returncode == 2 and "is not an ISO-8601 date and time" in nonsense.stderr
