"""Claims on modal submissions, on SQLite and PostgreSQL: one caller wins, the others see its outcome; a caller
that takes over an abandoned claim is handed the stage it recorded."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.migrate import MIGRATIONS, upgrade
from bot.store import BotStore
from bot.submissions import STALE_AFTER, Submissions, SubmissionStatus
from kilo_db import migrations
from kilo_db.engine import make_engine
from kilo_db.types import UTCDateTime

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def submissions(request: pytest.FixtureRequest, tmp_path) -> Submissions:
    url = (
        f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    upgrade(url)
    store = BotStore(url)
    request.addfinalizer(store.engine.dispose)
    return Submissions(store)


def view_id() -> str:
    return f"V{secrets.token_hex(5).upper()}"


def test_twenty_concurrent_claims_of_one_view_have_one_winner(submissions: Submissions):
    view = view_id()
    start = threading.Barrier(20)

    def claim(index: int) -> bool:
        start.wait()
        return submissions.claim("T1", view, callback_id="kilo_buy_credits_form", user_id=f"U{index}", now=NOW).won

    with ThreadPoolExecutor(max_workers=20) as pool:
        winners = sum(pool.map(claim, range(20)))
    assert winners == 1
    assert submissions.state("T1", view).status is SubmissionStatus.WORKING


def test_a_settled_claim_answers_duplicates_with_its_outcome(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won
    submissions.settle("T1", view, done=True, outcome={"type": "modal", "title": "Done"}, now=NOW)
    again = submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW + timedelta(seconds=1))
    assert (again.won, again.status, again.outcome) == (
        False,
        SubmissionStatus.DONE,
        {"type": "modal", "title": "Done"},
    )
    # the same view id in another workspace is another view
    assert submissions.claim("T2", view, callback_id="c", user_id="U1", now=NOW).won


def test_a_failed_claim_is_free_for_the_next_attempt_once(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won
    submissions.settle("T1", view, done=False, outcome={"problem": "declined"}, now=NOW)
    retried = [submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won for _ in range(3)]
    assert retried == [True, False, False]


def test_a_claim_abandoned_while_working_is_taken_over_after_a_while(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won
    assert not submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW + STALE_AFTER).won
    assert submissions.claim("T1", view, callback_id="c", user_id="U2", now=NOW + STALE_AFTER * 2).won


def test_a_takeover_of_an_abandoned_claim_is_handed_the_stage_it_recorded(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).stage is None
    submissions.record_stage("T1", view, {"seats_target": 11}, now=NOW)
    waiting = submissions.claim("T1", view, callback_id="c", user_id="U2", now=NOW + STALE_AFTER)
    assert (waiting.won, waiting.stage) == (False, {"seats_target": 11})
    later = NOW + STALE_AFTER * 2
    taken = [submissions.claim("T1", view, callback_id="c", user_id="U2", now=later) for _ in range(2)]
    assert [(claim.won, claim.stage) for claim in taken] == [
        (True, {"seats_target": 11}),
        (False, {"seats_target": 11}),
    ]


def test_recording_a_stage_keeps_the_claim_fresh(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won
    submissions.record_stage("T1", view, {"seats_target": 11}, now=NOW + STALE_AFTER)
    assert not submissions.claim("T1", view, callback_id="c", user_id="U2", now=NOW + STALE_AFTER * 1.5).won


def test_a_settled_claim_records_no_stage_afterwards(submissions: Submissions):
    view = view_id()
    assert submissions.claim("T1", view, callback_id="c", user_id="U1", now=NOW).won
    submissions.settle("T1", view, done=True, outcome={"title": "Done"}, now=NOW)
    submissions.record_stage("T1", view, {"seats_target": 12}, now=NOW)
    assert submissions.state("T1", view).stage is None


def test_revision_0009_moves_the_seat_forms_claims_into_view_submissions(fresh_backend_url: str):
    """An existing database: the add/remove-seats form's claims survive the move (and a downgrade)."""
    migrations.upgrade(fresh_backend_url, MIGRATIONS, "0008")
    old_claims = sa.Table(
        "seat_form_submissions",
        sa.MetaData(),
        sa.Column("view_id", sa.String(32)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("status", sa.String(16)),
        sa.Column("updated_at", UTCDateTime()),
    )
    engine = make_engine(fresh_backend_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                old_claims.insert(),
                [
                    {"view_id": "VDONE", "team_id": "T1", "status": "done", "updated_at": NOW},
                    {"view_id": "VWORKING", "team_id": "T1", "status": "working", "updated_at": NOW},
                    {"view_id": "VFAILED", "team_id": "T2", "status": "failed", "updated_at": NOW},
                ],
            )
        upgrade(fresh_backend_url)
        assert not sa.inspect(engine).has_table("seat_form_submissions")
        store = BotStore(fresh_backend_url)
        try:
            claims = Submissions(store)
            soon, later = NOW + timedelta(seconds=1), NOW + STALE_AFTER * 2
            assert claims.claim("T1", "VDONE", callback_id="kilo_seats_change", user_id="U1", now=later).status is (
                SubmissionStatus.DONE
            )
            assert not claims.claim("T1", "VWORKING", callback_id="kilo_seats_change", user_id="U1", now=soon).won
            assert claims.claim("T1", "VWORKING", callback_id="kilo_seats_change", user_id="U1", now=later).won
            assert claims.claim("T2", "VFAILED", callback_id="kilo_seats_change", user_id="U1", now=soon).won
        finally:
            store.engine.dispose()
        migrations.downgrade(fresh_backend_url, MIGRATIONS, "0008")
        with engine.connect() as connection:
            kept = connection.execute(sa.select(old_claims.c.view_id, old_claims.c.status)).all()
        assert sorted(kept) == [("VDONE", "done"), ("VFAILED", "working"), ("VWORKING", "working")]
    finally:
        engine.dispose()
