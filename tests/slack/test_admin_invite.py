"""Inviting from Slack: /kilo invite [email] [role] and the Invite buttons open a modal; a bad email is said
next to the field; with no seat free the modal says so and offers a seat (Owners/Admins: add one; Members:
request one)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.ids import ActionId, BlockId
from tests.factories import SQLITE_ONLY
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.interactions import wait_until
from tests.slack.modals import (
    Modal,
    answer,
    audit,
    backend,
    modal_from_message,
    open_modal,
    opened_view_id,
    post_view_action,
    texts_of,
)

pytestmark = SQLITE_ONLY


def invited(http: httpx.Client, ws: Workspace) -> list[dict[str, Any]]:
    return list(backend(http, ws, "/members", status="invited")["members"])


def element(modal: Modal, block_id: str) -> dict[str, Any]:
    return dict(next(b for b in modal.view["blocks"] if b.get("block_id") == block_id)["element"])


def test_owner_invites_an_admin_from_the_command(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.owner, "invite Ana@Example.com admin")
    assert element(modal, BlockId.INVITE_EMAIL) == {
        "type": "email_text_input",
        "action_id": ActionId.INVITE_EMAIL,
        "initial_value": "Ana@example.com",
        "placeholder": {"type": "plain_text", "text": "ana@example.com"},
    }
    assert element(modal, BlockId.INVITE_ROLE)["initial_option"]["value"] == "admin"
    assert "7 of 10 seats used · 3 free" in texts_of(modal.view)

    answered = modal.submit(workspace.owner)

    assert answered["response_action"] == "update"
    shown = texts_of(modal.view)
    assert "✅ Invited *ana@example.com* as Admin." in shown
    assert "The invitation is open until Mar 22, 2026 (UTC) and holds a seat: 8 of 10 seats used · 2 free." in shown
    [ana] = invited(http, workspace)
    assert (ana["email"], ana["role"]) == ("ana@example.com", "admin")
    [entry] = audit(http, workspace, "organization.member.invite")
    assert entry["after"]["email"] == "ana@example.com" and entry["actor_member_id"] == workspace.org.owner.id


def test_a_bad_or_missing_email_is_said_next_to_the_field(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.admin, "invite")
    bad = modal.submit(workspace.admin, {BlockId.INVITE_EMAIL: "ana at example"})
    assert bad == {
        "response_action": "errors",
        "errors": {
            BlockId.INVITE_EMAIL: "“ana at example” is not an email address (An email address must have an @-sign.)."
        },
    }
    empty = modal.submit(workspace.admin, {BlockId.INVITE_EMAIL: None})
    assert empty["errors"] == {BlockId.INVITE_EMAIL: "Type the email address to invite."}
    assert invited(http, workspace) == []
    modal.submit(workspace.admin, {BlockId.INVITE_EMAIL: "bo@example.com"})
    assert [m["email"] for m in invited(http, workspace)] == ["bo@example.com"]


def test_admins_cannot_invite_an_owner(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.admin, "invite bo@example.com")
    assert [o["value"] for o in element(modal, BlockId.INVITE_ROLE)["options"]] == ["member", "admin"]
    modal.submit(workspace.admin, {BlockId.INVITE_ROLE: "owner"})  # a forged choice: the backend refuses it
    assert "Kilo refused that: Only Owners can invite another Owner." in texts_of(modal.view)
    assert invited(http, workspace) == []


def test_with_no_seat_free_owners_are_offered_to_add_one(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = workspaces.create(seats=7)  # an Owner, an Admin and five Members: every seat is taken
    modal = open_modal(ws, ws.owner, "invite cy@example.com")
    shown = texts_of(modal.view)
    assert "All 7 seats are in use, so nobody more can be invited until a seat is added." in shown
    assert "Add a seat and invite" in shown
    modal.submit(ws.owner)
    assert "All 7 seats are in use (7 of 7). Add seats before inviting more members." in texts_of(modal.view)
    assert invited(http, ws) == []
    before = len(ws.slack.calls_to("views.push"))
    modal.click(ws.owner, ActionId.ADD_SEAT_AND_INVITE)
    pushed = ws.slack.wait_for_call("views.push", count=before + 1)[-1].answer
    assert pushed is not None
    seat_modal = Modal(ws, pushed["view"]["id"])
    wait_until(lambda: "Loading" not in texts_of(seat_modal.view))
    shown = texts_of(seat_modal.view)
    assert "*Seats:* 7 → 8 (7 in use)" in shown and "Add one seat to" in shown  # tests/slack/test_invite_seats.py
    assert element(seat_modal, BlockId.INVITE_EMAIL)["initial_value"] == "cy@example.com"


def test_seats_filling_up_after_the_form_opened_are_said_with_the_offer(
    workspaces: WorkspaceFactory, http: httpx.Client
):
    ws = workspaces.create(seats=8)
    modal = open_modal(ws, ws.admin, "invite")
    taken = http.post(
        ws.org.path("/members"), json={"email": "first@example.com"}, headers=ws.org.headers(ws.org.owner)
    )
    assert taken.status_code == 201
    answered = modal.submit(ws.admin, {BlockId.INVITE_EMAIL: "second@example.com"})
    assert answered["response_action"] == "update"
    shown = texts_of(modal.view)
    assert "All 8 seats are in use (8 of 8). Add seats before inviting more members." in shown
    assert "Add a seat and invite" in shown and "Email address" in shown  # the form stays, with the offer
    assert [m["email"] for m in invited(http, ws)] == ["first@example.com"]


def test_members_are_told_who_invites_and_offered_a_seat_request_when_full(workspaces: WorkspaceFactory):
    ws = workspaces.create(seats=7)
    modal = open_modal(ws, ws.member, "invite cy@example.com")
    shown = texts_of(modal.view)
    assert "Only Owners and Admins can invite people to" in shown and ws.org.owner.name in shown
    assert "All 7 seats are in use. An Owner or Admin has to add one before anyone can be invited." in shown
    assert "submit" not in modal.view
    before = len(ws.slack.calls_to("views.push"))
    modal.click(ws.member, ActionId.SEAT_REQUEST_OPEN)
    pushed = ws.slack.wait_for_call("views.push", count=before + 1)[-1].answer
    assert pushed is not None
    request = Modal(ws, pushed["view"]["id"])
    assert (
        element(request, BlockId.SEAT_REQUEST_REASON)["initial_value"]
        == "To invite cy@example.com: every seat is in use."
    )


def test_invite_buttons_on_members_and_the_home_tab(workspace: Workspace, http: httpx.Client):
    message, key = answer(workspace, workspace.admin, "members")
    modal = modal_from_message(workspace, workspace.admin, message, key, ActionId.INVITE_OPEN)
    assert modal.view["callback_id"] == "kilo_invite" and modal.view["submit"]["text"] == "Invite"
    before = len(workspace.slack.calls_to("views.publish"))
    assert workspace.open_home(workspace.owner).status_code == 200
    home = workspace.slack.wait_for_call("views.publish", count=before + 1)[-1]
    home_view = {**home.args["view"], "id": home.answer["view"]["id"] if home.answer else "VHOME"}
    trigger = workspace.slack.trigger()
    post_view_action(workspace, workspace.owner, home_view, ActionId.INVITE_OPEN, trigger)
    from_home = Modal(workspace, opened_view_id(workspace, trigger))
    assert from_home.view["callback_id"] == "kilo_invite"
    from_home.submit(workspace.owner, {BlockId.INVITE_EMAIL: "dee@example.com", BlockId.INVITE_ROLE: "member"})
    assert [m["email"] for m in invited(http, workspace)] == ["dee@example.com"]
