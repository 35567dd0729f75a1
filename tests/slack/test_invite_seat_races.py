"""Twenty concurrent submits of one add-a-seat-and-invite view add one seat and one invitation, on the SQLite
and the PostgreSQL backend (the view's claim in the bot database, the seat's idempotency key in Kilo's); a
submission whose process died midway is finished by the one that takes its claim over."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from bot import formatting as fmt
from bot.ids import ActionId, ViewId
from bot.seats import form_idempotency_key
from bot.store import BotStore
from bot.submissions import STALE_AFTER, Submissions, SubmissionStatus
from handlers.manage import SEATS_TARGET
from tests.conftest import Clock
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.modals import Modal, audit, backend, open_modal, posted_at_once, texts_of
from tests.slack.test_invite_seats import (
    ANA,
    FULL_INVITE,
    add_seat_modal,
    full,
    invited,
    pushed,
    quote,
    seat_count,
)


def test_twenty_concurrent_submits_add_one_seat_and_one_invitation(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    invite = open_modal(ws, ws.owner, "invite")
    modal = pushed(ws, invite.click(ws.owner, ActionId.ADD_SEAT_AND_INVITE, FULL_INVITE))
    responses = posted_at_once(ws, modal.submission(ws.owner, {}))
    assert all(r.status_code == 200 and r.elapsed.total_seconds() < 3 for r in responses)
    assert {r.json()["response_action"] for r in responses} == {"update"}
    assert seat_count(http, ws) == 11
    assert len(audit(http, ws, "organization.seats.add")) == 1
    assert invited(http, ws) == [(ANA, "admin")]
    ws.slack.answer_submission(modal.view_id, responses[-1].json())
    assert "Added a seat: 10 → 11" in texts_of(modal.settled())


def seat_invoices(http: httpx.Client, ws: Workspace) -> list[dict[str, Any]]:
    return [i for i in backend(http, ws, "/invoices") if i["lines"][0]["description"].startswith("1 added seat(s)")]


def interrupted_submission(
    ws: Workspace, http: httpx.Client, bot_store: BotStore, modal: Modal, now: datetime, *, charged: bool
) -> None:
    """What a first submission leaves when its process dies: the view claimed and `working`, the seat count
    it was charging for recorded and, if `charged`, the seat added in Kilo under the view's key."""
    claims = Submissions(bot_store)
    assert claims.claim(ws.team_id, modal.view_id, callback_id=ViewId.SEAT_INVITE, user_id=ws.owner.id, now=now).won
    claims.record_stage(ws.team_id, modal.view_id, {SEATS_TARGET: 11}, now=now)
    if charged:
        key = form_idempotency_key(ws.team_id, modal.view_id, 11)
        added = http.post(
            ws.org.path("/subscription/seats"),
            json={"seats": 11, "idempotency_key": key},
            headers=ws.org.headers(ws.org.owner),
        )
        assert added.status_code == 200, added.text


@pytest.mark.parametrize("invited_before_dying", [False, True])
def test_a_submission_that_died_after_adding_the_seat_is_finished_by_the_next_one(
    workspaces: WorkspaceFactory, http: httpx.Client, bot_store: BotStore, clock: Clock, invited_before_dying: bool
):
    ws = full(workspaces)
    amount = fmt.usd(quote(http, ws, 11)["prorated_amount_microdollars"])
    _invite, modal = add_seat_modal(ws)
    interrupted_submission(ws, http, bot_store, modal, clock.now, charged=True)
    if invited_before_dying:
        sent = http.post(
            ws.org.path("/members"), json={"email": ANA, "role": "admin"}, headers=ws.org.headers(ws.org.owner)
        )
        assert sent.status_code == 201, sent.text
    assert seat_count(http, ws) == 11

    body = modal.submission(ws.owner, {})
    early = ws.post(body)  # within STALE_AFTER the claim is the first submission's: this one only waits for it
    assert early.status_code == 200 and "Working" in texts_of(early.json()["view"])
    assert seat_count(http, ws) == 11 and len(seat_invoices(http, ws)) == 1
    clock.now += STALE_AFTER * 2  # Slack resends it, or the person submits again, after the claim went stale
    modal.answered(ws.post(body))

    shown = texts_of(modal.settled())
    assert f"✅ Added a seat: 10 → 11, {amount} charged today. Invited {ANA} as Admin." in shown
    assert "The price changed" not in shown
    assert seat_count(http, ws) == 11
    assert len(audit(http, ws, "organization.seats.add")) == 1
    assert len(seat_invoices(http, ws)) == 1
    assert invited(http, ws) == [(ANA, "admin")]
    assert Submissions(bot_store).state(ws.team_id, modal.view_id).status is SubmissionStatus.DONE


def test_a_submission_that_died_before_its_charge_reached_kilo_charges_once_at_the_price_shown(
    workspaces: WorkspaceFactory, http: httpx.Client, bot_store: BotStore, clock: Clock
):
    ws = full(workspaces)
    amount = fmt.usd(quote(http, ws, 11)["prorated_amount_microdollars"])
    _invite, modal = add_seat_modal(ws)
    interrupted_submission(ws, http, bot_store, modal, clock.now, charged=False)
    clock.now += STALE_AFTER * 2
    modal.submit(ws.owner)
    assert f"✅ Added a seat: 10 → 11, {amount} charged today. Invited {ANA} as Admin." in texts_of(modal.settled())
    assert seat_count(http, ws) == 11 and len(seat_invoices(http, ws)) == 1
    assert invited(http, ws) == [(ANA, "admin")]


def test_after_someone_else_took_the_seat_the_takeover_shows_the_new_price_instead(
    workspaces: WorkspaceFactory, http: httpx.Client, bot_store: BotStore, clock: Clock
):
    ws = full(workspaces)
    _invite, modal = add_seat_modal(ws)
    interrupted_submission(ws, http, bot_store, modal, clock.now, charged=False)
    other = http.post(
        ws.org.path("/subscription/seats"),
        json={"seats": 11, "idempotency_key": "dashboard-1"},
        headers=ws.org.headers(ws.org.owner),
    )
    assert other.status_code == 200, other.text
    clock.now += STALE_AFTER * 2
    modal.submit(ws.owner)
    shown = modal.settled()
    assert "The price changed since it was shown" in texts_of(shown) and "*Seats:* 11 → 12" in texts_of(shown)
    assert seat_count(http, ws) == 11 and invited(http, ws) == []
    modal.submit(ws.owner)  # the new price, accepted: charged once
    assert "Added a seat: 11 → 12" in texts_of(modal.settled())
    assert seat_count(http, ws) == 12 and len(seat_invoices(http, ws)) == 2
    assert invited(http, ws) == [(ANA, "admin")]
