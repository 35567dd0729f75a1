"""Twenty concurrent submits of one add-a-seat-and-invite view add one seat and one invitation, on the SQLite
and the PostgreSQL backend (the view's claim in the bot database, the seat's idempotency key in Kilo's)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.ids import ActionId
from tests.slack.conftest import WorkspaceFactory
from tests.slack.modals import audit, open_modal, texts_of
from tests.slack.test_invite_seats import ANA, FULL_INVITE, full, invited, pushed, seat_count


def test_twenty_concurrent_submits_add_one_seat_and_one_invitation(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    invite = open_modal(ws, ws.owner, "invite")
    modal = pushed(ws, invite.click(ws.owner, ActionId.ADD_SEAT_AND_INVITE, FULL_INVITE))
    body = modal.submission(ws.owner, {})
    start = threading.Barrier(20)

    def submit(_index: int) -> httpx.Response:
        start.wait()
        return ws.post(body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(submit, range(20)))
    assert all(r.status_code == 200 and r.elapsed.total_seconds() < 3 for r in responses)
    assert {r.json()["response_action"] for r in responses} == {"update"}
    assert seat_count(http, ws) == 11
    assert len(audit(http, ws, "organization.seats.add")) == 1
    assert invited(http, ws) == [(ANA, "admin")]
    ws.slack.answer_submission(modal.view_id, responses[-1].json())
    assert "Added a seat: 10 → 11" in texts_of(modal.settled())
