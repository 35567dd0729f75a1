"""Buying credits from Slack: the modal with the backend's limits, the charge on the card on file exactly
once (double submits, Slack's retries, 20 at once on SQLite and PostgreSQL), a declined card said plainly."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.ids import ActionId, BlockId
from bot.store import BotStore
from tests.factories import SQLITE_ONLY, OrganizationFactory
from tests.slack.backend_proxy import BackendProxy
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.modals import (
    Modal,
    answer,
    audit,
    backend,
    modal_from_message,
    open_modal,
    opened_view_id,
    posted_at_once,
    run,
    texts_of,
    with_org,
)
from tests.slack.test_commands import point_at

DECLINED = "The card Visa •••• 0002 was declined; no credits were bought."


def purchases(http: httpx.Client, ws: Workspace) -> list[dict[str, object]]:
    return list(backend(http, ws, "/credits", kind="purchase", limit=50)["entries"])


@SQLITE_ONLY
def test_owner_buys_credits_charged_once_with_the_new_balance_shown(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.owner, "credits buy 50")
    shown = texts_of(modal.view)
    assert "Credits left: *$0.00*" in shown and "charged at once to Visa •••• 4242" in shown
    amount = next(b for b in modal.view["blocks"] if b.get("block_id") == BlockId.CREDIT_AMOUNT)
    assert amount["element"]["type"] == "number_input" and amount["element"]["initial_value"] == "50.00"
    assert amount["hint"]["text"] == "Between $10.00 and $100,000.00, to the cent."
    invoices_before = len(backend(http, workspace, "/invoices", limit=50))

    result = modal.submit(workspace.owner)

    assert result["response_action"] == "update"
    done = texts_of(modal.view)
    assert "✅ Bought *$50.00* of credits, charged to Visa •••• 4242." in done and "*Credits left*\n$50.00" in done
    bought = purchases(http, workspace)
    assert [e["amount_microdollars"] for e in bought] == [50_000_000]
    assert backend(http, workspace, "/credits")["balance_microdollars"] == 50_000_000
    assert len(backend(http, workspace, "/invoices", limit=50)) == invoices_before + 1
    [entry] = audit(http, workspace, "organization.credits.purchase")
    assert entry["after"] == {"amount_microdollars": 50_000_000} and entry["actor_member_id"] == workspace.org.owner.id


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (None, "Type the amount in dollars, for example $10.00."),
        ("0", "The amount must be more than $0.00."),
        ("0.004", "The amount must be more than $0.00."),
        ("-25", "The amount can't be negative."),
        ("twenty", "“twenty” is not an amount in dollars; type a number like 25 or 12.50."),
        ("9.99", "The amount must be at least $10.00."),
        ("100000.01", "The amount can be at most $100,000.00."),
    ],
    ids=["empty", "zero", "rounds to zero", "negative", "not a number", "under the minimum", "over the maximum"],
)
def test_a_wrong_amount_is_said_next_to_the_field_and_charges_nothing(
    workspace: Workspace, http: httpx.Client, typed: str | None, error: str
):
    modal = open_modal(workspace, workspace.admin, "credits buy")
    result = modal.submit(workspace.admin, {BlockId.CREDIT_AMOUNT: typed})
    assert result == {"response_action": "errors", "errors": {BlockId.CREDIT_AMOUNT: error}}
    assert purchases(http, workspace) == []
    # the form stays open and can be corrected
    assert modal.submit(workspace.admin, {BlockId.CREDIT_AMOUNT: "12.345"})["response_action"] == "update"
    assert [e["amount_microdollars"] for e in purchases(http, workspace)] == [12_350_000]


@SQLITE_ONLY
def test_a_declined_card_is_said_plainly_and_buys_nothing(
    workspaces: WorkspaceFactory, orgs: OrganizationFactory, http: httpx.Client
):
    ws = with_org(workspaces, orgs.create(card_last4="0002", name="Declining Org"))
    modal = open_modal(ws, ws.owner, "credits buy 75")
    result = modal.submit(ws.owner)
    assert result == {
        "response_action": "errors",
        "errors": {BlockId.CREDIT_AMOUNT: DECLINED},
    }
    assert purchases(http, ws) == [] and backend(http, ws, "/credits")["balance_microdollars"] == 0
    assert audit(http, ws, "organization.credits.purchase") == []


@SQLITE_ONLY
def test_double_submit_and_slacks_retry_charge_once(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.owner, "credits buy 20")
    body = modal.submission(workspace.owner, {})
    first = modal.answered(workspace.post(body))
    again = modal.answered(workspace.post(body))
    retried = modal.answered(
        workspace.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    )
    assert first["response_action"] == again["response_action"] == retried["response_action"] == "update"
    assert texts_of(first["view"]) == texts_of(again["view"]) == texts_of(retried["view"])
    assert [e["amount_microdollars"] for e in purchases(http, workspace)] == [20_000_000]
    assert len(audit(http, workspace, "organization.credits.purchase")) == 1


def test_twenty_concurrent_submits_of_one_view_charge_once(workspace: Workspace, http: httpx.Client):
    """On the SQLite and the PostgreSQL backend (this module is not SQLITE_ONLY for this test)."""
    modal = open_modal(workspace, workspace.admin, "credits buy 100")
    responses = posted_at_once(workspace, modal.submission(workspace.admin, {}))
    assert all(r.status_code == 200 and r.elapsed.total_seconds() < 3 for r in responses)
    assert {r.json()["response_action"] for r in responses} == {"update"}
    assert [e["amount_microdollars"] for e in purchases(http, workspace)] == [100_000_000]
    assert backend(http, workspace, "/credits")["balance_microdollars"] == 100_000_000
    assert len(audit(http, workspace, "organization.credits.purchase")) == 1
    # whichever answer Slack applies last, the person ends on the result
    modal.ws.slack.answer_submission(modal.view_id, responses[-1].json())
    assert "✅ Bought *$100.00* of credits" in texts_of(modal.settled())


@SQLITE_ONLY
def test_buy_with_card_on_file_from_billing(workspace: Workspace):
    message, key = answer(workspace, workspace.owner, "billing")
    modal = modal_from_message(workspace, workspace.owner, message, key, ActionId.BUY_CREDITS_OPEN)
    assert "Amount in dollars" in texts_of(modal.view) and modal.view["submit"]["text"] == "Buy credits"


@SQLITE_ONLY
def test_without_a_card_on_file_the_modal_points_to_the_dashboard(workspaces: WorkspaceFactory, orgs):
    ws = with_org(workspaces, orgs.create(card=False, name="No Card Org"))
    no_card = open_modal(ws, ws.owner, "credits buy")
    assert "There is no card on file to charge." in texts_of(no_card.view)
    assert "submit" not in no_card.view


@SQLITE_ONLY
def test_members_cannot_buy_credits(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.member, "credits buy 50")
    shown = texts_of(modal.view)
    assert "Only Owners and Admins can buy credits." in shown and "submit" not in modal.view
    assert purchases(http, workspace) == []


@SQLITE_ONLY
def test_the_role_is_checked_again_when_the_form_is_submitted(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.admin, "credits buy 50")
    demoted = http.patch(
        workspace.org.path(f"/members/{workspace.org.admin.id}"),
        json={"role": "member"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert demoted.status_code == 200
    result = modal.submit(workspace.admin)
    assert result["response_action"] == "update"
    assert "Only Owners and Admins can buy credits." in texts_of(modal.view)
    assert "Amount in dollars" in texts_of(modal.view)  # the form stays open with the reason on top
    assert purchases(http, workspace) == []


@SQLITE_ONLY
def test_with_a_slow_backend_the_modal_opens_at_once_and_the_result_follows_the_working_view(
    workspace: Workspace,
    http: httpx.Client,
    bot_store: BotStore,
    backend_proxy: BackendProxy,
):
    backend_proxy.delay = 0.8  # each backend answer: opening and submitting both take longer than 3 s
    point_at(workspace, bot_store, backend_proxy.url)
    trigger, _key = run(workspace, workspace.owner, "credits buy 30")
    view_id = opened_view_id(workspace, trigger)  # views.open used the trigger at once, with a loading view
    [opened] = [c for c in workspace.slack.calls_to("views.open") if c.args["trigger_id"] == trigger]
    assert "Loading" in texts_of(opened.args["view"])
    modal = Modal(workspace, view_id)
    assert "Amount in dollars" in texts_of(modal.view)

    started = time.monotonic()
    first = modal.submit(workspace.owner)
    assert time.monotonic() - started < 3
    assert "Working on it" in texts_of(first["view"])
    assert "✅ Bought *$30.00* of credits" in texts_of(modal.settled(timeout=20))
    assert [e["amount_microdollars"] for e in purchases(http, workspace)] == [30_000_000]
