"""Closing an admin modal: before submitting, nothing changes (Slack's view_closed is acknowledged); while it
shows "working…" after a submission, the work finishes once and its outcome arrives by DM, because
views.update answers not_found for a closed view. view_closed payloads shaped like Slack's, through
POST /slack/events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.async_app import AsyncApp

from bot.ids import ActionId, BlockId, ViewId
from local_slack import SlackUser
from tests.factories import SQLITE_ONLY
from tests.slack.backend_proxy import BackendProxy
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.interactions import repoint, wait_until
from tests.slack.modals import Modal, answer, backend, modal_from_message, open_modal, texts_of

pytestmark = SQLITE_ONLY


def view_closed(ws: Workspace, who: SlackUser, view: dict[str, Any], *, is_cleared: bool = False) -> httpx.Response:
    """What Slack sends when a person closes a modal that asked for it (notify_on_close)."""
    payload: dict[str, Any] = {
        "type": "view_closed",
        "team": {"id": ws.team_id, "domain": "kilo-test"},
        "user": {"id": who.id, "username": who.name.split()[0].lower(), "name": who.name, "team_id": ws.team_id},
        "api_app_id": "A0KILO",
        "token": "verification-token-unused",
        "view": {
            **{k: view[k] for k in ("id", "team_id", "type", "title", "blocks", "close", "submit") if k in view},
            "hash": view["hash"],
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": {}},
            "root_view_id": view.get("root_view_id", view["id"]),
            "previous_view_id": view.get("previous_view_id"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "app_id": "A0KILO",
            "bot_id": "B0KILOBOT",
        },
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return ws.post(urlencode({"payload": json.dumps(payload)}))


def close(ws: Workspace, who: SlackUser, modal: Modal) -> None:
    """The person closes the modal: Slack removes it and tells the app."""
    shown = modal.view
    ws.slack.close_view(modal.view_id)
    response = view_closed(ws, who, shown)
    assert response.status_code == 200 and not response.content  # acknowledged (Bolt 404s an unhandled one)


def backend_state(http: httpx.Client, ws: Workspace) -> dict[str, Any]:
    """Everything a modal could change: the audit log records every change; and what the changes touch."""
    return {
        "audit": backend(http, ws, "/audit-log", actor=ws.org.owner, limit=200),
        "subscription": backend(http, ws, "/subscription"),
        "organization": backend(http, ws, ""),
        "members": backend(http, ws, "/members", limit=200),
        "credits": backend(http, ws, "/credits"),
    }


def member_menu(choice: str) -> Callable[[Workspace], tuple[SlackUser, Modal]]:
    def opened(ws: Workspace) -> tuple[SlackUser, Modal]:
        message, key = answer(ws, ws.owner, "members")
        option = {"role": "Change role", "limit": "Set daily limit", "remove": "Remove"}[choice]
        who = ws.org.member.email
        return ws.owner, modal_from_message(
            ws, ws.owner, message, key, ActionId.MEMBER_MENU, option=option, in_block_with=who
        )

    return opened


def command(text: str) -> Callable[[Workspace], tuple[SlackUser, Modal]]:
    def opened(ws: Workspace) -> tuple[SlackUser, Modal]:
        return ws.owner, open_modal(ws, ws.owner, text)

    return opened


ADMIN_MODALS: dict[str, Callable[[Workspace], tuple[SlackUser, Modal]]] = {
    ViewId.INVITE: command("invite ana@example.com admin"),
    ViewId.MEMBER_ROLE: member_menu("role"),
    ViewId.DAILY_LIMIT: member_menu("limit"),
    ViewId.REMOVE_MEMBER: member_menu("remove"),
    ViewId.POLICIES: command("policies"),
    ViewId.BILLING_CYCLE: command("subscription cycle"),
    ViewId.CANCEL: command("subscription cancel"),
    ViewId.BUY_CREDITS: command("credits buy 50"),
}


@pytest.mark.parametrize("callback_id", list(ADMIN_MODALS))
def test_closing_an_admin_modal_before_submitting_changes_nothing(
    workspace: Workspace, http: httpx.Client, callback_id: str
):
    who, modal = ADMIN_MODALS[callback_id](workspace)
    assert modal.view["callback_id"] == callback_id and "submit" in modal.view
    assert modal.view["notify_on_close"] is True
    before = backend_state(http, workspace)
    close(workspace, who, modal)
    time.sleep(0.2)  # anything the bot would do after the ack has had its chance
    assert backend_state(http, workspace) == before
    assert modal.view_id not in workspace.slack.open_views()


def test_closing_the_second_cancel_step_and_the_pushed_seat_modals_changes_nothing(
    workspaces: WorkspaceFactory, http: httpx.Client
):
    ws = workspaces.create(seats=10, members=8)
    cancel = open_modal(ws, ws.owner, "subscription cancel")
    cancel.submit(ws.owner)
    assert cancel.view["callback_id"] == ViewId.CANCEL_CONFIRM and cancel.view["notify_on_close"] is True
    before = backend_state(http, ws)
    close(ws, ws.owner, cancel)

    invite = open_modal(ws, ws.owner, "invite")
    trigger = invite.click(ws.owner, ActionId.ADD_SEAT_AND_INVITE, {BlockId.INVITE_EMAIL: "ana@example.com"})
    [push] = wait_until(lambda: [c for c in ws.slack.calls_to("views.push") if c.args["trigger_id"] == trigger])
    seat = Modal(ws, push.answer["view"]["id"])
    wait_until(lambda: seat.view["callback_id"] == ViewId.SEAT_INVITE)
    close(ws, ws.owner, seat)
    time.sleep(0.2)
    assert backend_state(http, ws) == before


def dms_to(ws: Workspace, who: SlackUser) -> list[str]:
    channel = ws.slack.dm_channel(who.id)
    return [c.args["text"] for c in ws.slack.calls_to("chat.postMessage") if c.args["channel"] == channel and c.ok]


def test_closing_the_working_view_finishes_the_work_once_and_dms_the_outcome(
    workspace: Workspace,
    http: httpx.Client,
    bolt_app: AsyncApp,
    backend_server: Any,
    backend_proxy: BackendProxy,
):
    repoint(bolt_app, workspace, backend_proxy.url)
    modal = open_modal(workspace, workspace.owner, "credits buy 50")
    # the charge and the balance after it take longer together than Slack waits for an answer
    backend_proxy.hold.update({("POST", "/credits/purchases"): 1.5, ("GET", "/payment-method"): 1.5})
    body = modal.submission(workspace.owner, {})
    working = modal.answered(workspace.post(body))
    assert "Working on it" in texts_of(working["view"])
    assert modal.view["callback_id"] == ViewId.WORKING and modal.view["notify_on_close"] is True
    close(workspace, workspace.owner, modal)  # closed while the charge is under way
    workspace.post(body)  # and a resent submission meanwhile: it follows the first, changes nothing

    [dm] = wait_until(lambda: dms_to(workspace, workspace.owner), timeout=20)
    repoint(bolt_app, workspace, backend_server.url)
    assert "Bought *$50.00* of credits" in dm and "$50.00" in dm
    updates = [c for c in workspace.slack.calls_to("views.update") if c.args["view_id"] == modal.view_id]
    assert updates and updates[-1].answer == {"ok": False, "error": "not_found"}
    entries = backend(http, workspace, "/credits", kind="purchase", limit=50)["entries"]
    assert [e["amount_microdollars"] for e in entries] == [50_000_000]
    assert backend(http, workspace, "/credits")["balance_microdollars"] == 50_000_000
    time.sleep(0.3)
    assert len(dms_to(workspace, workspace.owner)) == 1


def test_a_failure_after_the_working_view_was_closed_is_dmed_too(
    workspace: Workspace,
    http: httpx.Client,
    bolt_app: AsyncApp,
    backend_server: Any,
    backend_proxy: BackendProxy,
):
    repoint(bolt_app, workspace, backend_proxy.url)
    modal = open_modal(workspace, workspace.owner, "invite ana@example.com")
    taken = http.post(  # someone else invites her while this form is open
        workspace.org.path("/members"),
        json={"email": "ana@example.com"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert taken.status_code == 201
    before = backend_state(http, workspace)
    backend_proxy.hold.update({("GET", "/members"): 1.2, ("POST", "/members"): 1.2})  # past Slack's answer
    working = modal.submit(workspace.owner)
    assert "Working on it" in texts_of(working["view"])
    close(workspace, workspace.owner, modal)
    [dm] = wait_until(lambda: dms_to(workspace, workspace.owner), timeout=20)
    repoint(bolt_app, workspace, backend_server.url)
    assert "Invite to Kilo: not done." in dm and "ana@example.com is already invited." in dm
    assert "Open the form again to try once more." in dm
    assert backend_state(http, workspace) == before
