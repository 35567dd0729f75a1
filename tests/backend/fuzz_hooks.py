"""Schemathesis hooks for the backend fuzz run (SCHEMATHESIS_HOOKS=tests.backend.fuzz_hooks, see test_fuzz.py):
the acting member drawn from the organization's real people, and the check that a refused write changed
nothing stored. FUZZ_DATABASE_URL, FUZZ_ORGANIZATION_ID and FUZZ_ACTORS name the target."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db import Base, make_engine, make_session_factory
from backend.models import Invoice, Organization

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACTOR_MAX = 320  # X-Kilo-Actor's maxLength in the OpenAPI document
Snapshot = dict[str, list[tuple[Any, ...]]]


def organization_rows(sessions: sessionmaker[Session], organization_id: str) -> Snapshot:
    """Every stored row that belongs to the organization, table by table (its invoices' lines included)."""
    rows: Snapshot = {}
    with sessions() as session:
        invoice_ids = select(Invoice.id).where(Invoice.organization_id == organization_id)
        for name, table in sorted(Base.metadata.tables.items()):
            if name == Organization.__tablename__:
                statement = select(table).where(table.c.id == organization_id)
            elif "organization_id" in table.c:
                statement = select(table).where(table.c.organization_id == organization_id)
            elif "invoice_id" in table.c:
                statement = select(table).where(table.c.invoice_id.in_(invoice_ids))
            else:
                continue
            rows[name] = sorted((tuple(row) for row in session.execute(statement)), key=repr)
    return rows


class Target:
    """The database and organization under test, opened on first use (hooks load before any request)."""

    def __init__(self) -> None:
        self._sessions: sessionmaker[Session] | None = None
        self.before: dict[str, Snapshot] = {}

    @property
    def organization_id(self) -> str:
        return os.environ["FUZZ_ORGANIZATION_ID"]

    def snapshot(self) -> Snapshot:
        if self._sessions is None:
            self._sessions = make_session_factory(make_engine(os.environ["FUZZ_DATABASE_URL"]))
        return organization_rows(self._sessions, self.organization_id)

    def close(self) -> None:
        if self._sessions is not None:
            self._sessions.kw["bind"].dispose()
            self._sessions = None


TARGET = Target()


@schemathesis.hook
def flatmap_headers(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> SearchStrategy[Any]:
    """Most requests act as one of the organization's Owner, Admin or Member, so role rules are reached; the
    rest keep the generated X-Kilo-Actor (a stranger, none). An invalid one (a negative case) is kept."""
    operation = context.operation
    generated = (headers or {}).get("X-Kilo-Actor")
    declared = operation is not None and operation.get_parameter("X-Kilo-Actor", "header") is not None
    if not declared or not (generated is None or (isinstance(generated, str) and len(generated) <= ACTOR_MAX)):
        return st.just(headers)
    actors = [actor for actor in os.environ.get("FUZZ_ACTORS", "").split(",") if actor]
    return st.sampled_from([*actors, None]).map(
        lambda actor: headers if actor is None else {**(headers or {}), "X-Kilo-Actor": actor}
    )


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]) -> None:
    if case.method.upper() in WRITES:
        TARGET.before[case.id] = TARGET.snapshot()


@schemathesis.check
def refused_write_changes_nothing(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A write answered 4xx left every row of the organization as it was."""
    before = TARGET.before.pop(case.id, None)
    if before is None or not 400 <= response.status_code < 500:
        return None
    after = TARGET.snapshot()
    changed = sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
    if changed:
        raise AssertionError(f"A refused write ({response.status_code}) changed stored rows in: {', '.join(changed)}")
    return None
