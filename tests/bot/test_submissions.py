"""Claims on modal submissions, on SQLite and PostgreSQL: one caller wins, the others see its outcome."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.migrate import upgrade
from bot.store import BotStore
from bot.submissions import STALE_AFTER, Submissions, SubmissionStatus

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
