"""The backend API fuzzed from its own OpenAPI document by schemathesis, against the real app (uvicorn) on
SQLite and PostgreSQL: no 5xx, every status, header and body as documented, and a refused write changes
nothing stored (fuzz_hooks.py).

`make test` runs the short budget (a fixed seed, a few hundred cases a database); `make fuzz` the long one
(FUZZ_BUDGET=long: a random seed, about 90 seconds a database, the report printed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db import Base
from backend.models import AuditAction, Member
from backend.services import audit
from bot.serving import BackgroundServer
from tests.backend import fuzz_hooks
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg, usage_events
from tests.support import ok

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = str(Path(sys.executable).with_name("st"))
BUDGETS = {
    "short": ["--seed", "20260315", "--max-examples", "6", "--phases", "examples,fuzzing,stateful"],
    "long": ["--max-examples", "200", "--max-time", "90"],
}
# Valid data the schema cannot tell from invalid (an end before its start, an event older than 400 days, an
# unknown member id, the seat count it already has) is refused with 422, so that check cannot hold here.
EXCLUDED_CHECKS = "positive_data_acceptance"


@pytest.fixture
def fuzz_org(backend_sessions: sessionmaker[Session], clock: Clock, backend_server: BackgroundServer) -> TestOrg:
    """The organization every fuzzed request is aimed at, with two weeks of usage."""
    org = OrganizationFactory(backend_sessions, clock).create(seats=12, members=5, name="Fuzz Inc")
    events = usage_events(org, 300, start=clock().replace(day=1, hour=0), span=clock() - clock().replace(day=1))
    with httpx.Client(base_url=backend_server.url) as client:
        ok(client.post(org.path("/usage/events"), json={"events": events}, headers=org.headers()))
    return org


def test_fuzzing_the_openapi_document_finds_nothing_undocumented(
    backend_server: BackgroundServer, backend_db_url: str, fuzz_org: TestOrg, tmp_path: Path
):
    budget = os.environ.get("FUZZ_BUDGET", "short")
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"[parameters]\norganization_id = {json.dumps(fuzz_org.id)}\n"
        f"[auth.openapi.ApiKey]\nbearer = {json.dumps(fuzz_org.api_key)}\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": fuzz_hooks.__name__,
        "FUZZ_DATABASE_URL": backend_db_url,
        "FUZZ_ORGANIZATION_ID": fuzz_org.id,
        "FUZZ_ACTORS": ",".join(person.email for person in (fuzz_org.owner, fuzz_org.admin, fuzz_org.member)),
    }
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(config),
        "run",
        f"{backend_server.url}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--workers",
        "1",  # one request at a time: a refused write's before and after are its own
        "--no-color",
        "--report-dir",
        str(tmp_path / "report"),
        *BUDGETS[budget],
    ]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)
    print(run.stdout[-3000:] if budget == "short" else run.stdout)
    assert run.returncode == 0, run.stdout[-12_000:] + run.stderr[-3000:]
    assert "Test cases:" in run.stdout


def test_the_snapshot_of_an_organization_covers_every_table_but_the_shared_ones():
    shared = {"plan_prices", "instance_secrets"}
    covered = {
        name
        for name, table in Base.metadata.tables.items()
        if name == "organizations" or {"organization_id", "invoice_id"} & set(table.c.keys())
    }
    assert covered == set(Base.metadata.tables) - shared


def test_the_fuzz_check_catches_a_refused_write_that_changed_something(
    backend_db_url: str,
    backend_sessions: sessionmaker[Session],
    orgs: OrganizationFactory,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
):
    org = orgs.create()
    monkeypatch.setenv("FUZZ_DATABASE_URL", backend_db_url)
    monkeypatch.setenv("FUZZ_ORGANIZATION_ID", org.id)
    monkeypatch.setattr(fuzz_hooks, "TARGET", fuzz_hooks.Target())
    refused: Any = SimpleNamespace(status_code=409)
    untouched: Any = SimpleNamespace(id="case-1", method="POST")
    fuzz_hooks.before_call(schemathesis_context(), untouched, {})
    assert fuzz_hooks.refused_write_changes_nothing(None, refused, untouched) is None  # type: ignore[arg-type]

    changed: Any = SimpleNamespace(id="case-2", method="PATCH")
    fuzz_hooks.before_call(schemathesis_context(), changed, {})
    with backend_sessions.begin() as session:
        actor = session.get(Member, org.owner.id)
        audit.record(
            session,
            organization_id=org.id,
            actor=actor,
            action=AuditAction.CREDITS_PURCHASE,
            target="INV-TEST",
            now=clock(),
        )
    with pytest.raises(AssertionError, match="A refused write \\(409\\) changed stored rows in: audit_logs"):
        fuzz_hooks.refused_write_changes_nothing(None, refused, changed)  # type: ignore[arg-type]
    fuzz_hooks.TARGET.close()


def schemathesis_context() -> Any:
    return SimpleNamespace(operation=None)
