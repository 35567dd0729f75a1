"""The seat buttons of the invite modal do what they say: "Add a seat and invite" pushes a modal with Kilo's
live pro-rated price and the invitation typed so far, and its submission adds one seat once and invites;
"Request a seat" pushes the seat request form, whose submission goes to the approvers as
`/kilo seats request` does. Through signed block_actions and view_submission payloads."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_bolt.async_app import AsyncApp

from bot import formatting as fmt
from bot.ids import ActionId, BlockId, ViewId
from local_slack import interactivity
from local_slack.interactivity import Typed
from tests.conftest import Clock
from tests.factories import SQLITE_ONLY
from tests.slack.backend_proxy import BackendProxy
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.interactions import repoint, wait_until
from tests.slack.modals import Modal, audit, backend, open_modal, texts_of
from tests.slack.test_seat_requests import approvals, posts_to

pytestmark = SQLITE_ONLY

ANA = "ana@example.com"
FULL_INVITE: dict[str, Typed] = {BlockId.INVITE_EMAIL: ANA, BlockId.INVITE_ROLE: "admin"}


def full(workspaces: WorkspaceFactory) -> Workspace:
    """Ten seats, ten people: nobody more can be invited."""
    return workspaces.create(seats=10, members=8)


def seat_count(http: httpx.Client, ws: Workspace) -> int:
    return int(backend(http, ws, "/subscription")["seat_count"])


def invited(http: httpx.Client, ws: Workspace) -> list[tuple[str, str]]:
    return [(m["email"], m["role"]) for m in backend(http, ws, "/members", status="invited")["members"]]


def quote(http: httpx.Client, ws: Workspace, seats: int) -> dict[str, Any]:
    response = http.post(
        ws.org.path("/subscription/seats/preview"), json={"seats": seats}, headers=ws.org.headers(ws.org.owner)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def pushed(ws: Workspace, trigger: str, *, filled: bool = True) -> Modal:
    """The modal a click pushed with this trigger; `filled`: once views.update replaced its loading view."""
    [push] = wait_until(lambda: [c for c in ws.slack.calls_to("views.push") if c.args.get("trigger_id") == trigger])
    assert push.answer is not None and push.answer["ok"], push.answer
    view_id = push.answer["view"]["id"]
    if filled:
        wait_until(lambda: [c for c in ws.slack.calls_to("views.update") if c.args.get("view_id") == view_id])
    return Modal(ws, view_id)


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return dict(next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"])


def add_seat_modal(ws: Workspace, typed: dict[str, Typed] | None = None, who: str = "owner") -> tuple[Modal, Modal]:
    """The invite modal of a full organization, and the add-a-seat modal pushed on it."""
    person = getattr(ws, who)
    invite = open_modal(ws, person, "invite")
    trigger = invite.click(person, ActionId.ADD_SEAT_AND_INVITE, typed or FULL_INVITE)
    return invite, pushed(ws, trigger)


def submit_raw(modal: Modal, body: str) -> dict[str, Any]:
    return modal.answered(modal.ws.post(body))


def test_add_a_seat_and_invite_charges_one_seat_once_and_invites(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    expected = quote(http, ws, 11)
    invite = open_modal(ws, ws.owner, "invite")
    assert "All 10 seats are in use" in texts_of(invite.view)
    trigger = invite.click(ws.owner, ActionId.ADD_SEAT_AND_INVITE, FULL_INVITE)
    modal = pushed(ws, trigger)

    [push] = [c for c in ws.slack.calls_to("views.push") if c.args["trigger_id"] == trigger]
    assert "Loading" in texts_of(push.args["view"])  # pushed before Kilo was asked anything
    [update] = [c for c in ws.slack.calls_to("views.update") if c.args["view_id"] == modal.view_id]
    assert update.args["hash"] == push.answer["view"]["hash"]
    shown = texts_of(modal.view)
    amount = fmt.usd(expected["prorated_amount_microdollars"])
    assert f"*Charged today:* {amount} (1 × {expected['remaining_days']} of {expected['cycle_days']} days" in shown
    assert "*Seats:* 10 → 11 (10 in use)" in shown
    assert element(modal.view, BlockId.INVITE_EMAIL)["initial_value"] == ANA
    assert element(modal.view, BlockId.INVITE_ROLE)["initial_option"]["value"] == "admin"
    metadata = json.loads(modal.view["private_metadata"])
    assert set(metadata) == {"k", "v", "t", "o", "f"}  # ids and the price's fingerprint, nothing typed
    assert modal.view["notify_on_close"] is True
    assert ws.slack.view(invite.view_id)["id"] == invite.view_id  # the invite form stays beneath

    body = modal.submission(ws.owner, {})
    answered = submit_raw(modal, body)

    assert answered["response_action"] == "update"
    result = modal.settled()
    assert f"✅ Added a seat: 10 → 11, {amount} charged today. Invited {ANA} as Admin." in texts_of(result)
    assert result["clear_on_close"] is True and "submit" not in result
    assert seat_count(http, ws) == 11
    invoice = backend(http, ws, "/invoices")[0]
    assert invoice["total_microdollars"] == expected["prorated_amount_microdollars"]
    assert invoice["lines"][0]["description"].startswith("1 added seat(s)")
    assert invited(http, ws) == [(ANA, "admin")]
    [seats_added] = audit(http, ws, "organization.seats.add")
    assert seats_added["actor_member_id"] == ws.org.owner.id

    again = ws.post(body)  # the same view submitted again (a double click, or Slack resending it)
    assert again.status_code == 200
    again_answer = again.json()
    assert "Added a seat: 10 → 11" in texts_of(again_answer["view"])
    assert seat_count(http, ws) == 11
    assert len(backend(http, ws, "/subscription")["seat_history"]) == 1
    assert invited(http, ws) == [(ANA, "admin")]

    ws.slack.close_view(modal.view_id)  # dismissing the result closes the whole stack
    assert modal.view_id not in ws.slack.open_views() and invite.view_id not in ws.slack.open_views()


def test_a_bad_email_in_the_pushed_modal_is_said_next_to_the_field(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    _invite, modal = add_seat_modal(ws, {BlockId.INVITE_EMAIL: None})
    assert "initial_value" not in element(modal.view, BlockId.INVITE_EMAIL)
    bad = modal.submit(ws.owner, {BlockId.INVITE_EMAIL: "ana at example"})
    assert bad["response_action"] == "errors" and "is not an email address" in bad["errors"][BlockId.INVITE_EMAIL]
    empty = modal.submit(ws.owner, {BlockId.INVITE_EMAIL: None})
    assert empty["errors"] == {BlockId.INVITE_EMAIL: "Type the email address to invite."}
    member = modal.submit(ws.owner, {BlockId.INVITE_EMAIL: ws.org.member.email})
    assert member["errors"] == {BlockId.INVITE_EMAIL: f"{ws.org.member.email} is already a member; no seat is needed."}
    assert seat_count(http, ws) == 10 and invited(http, ws) == []
    done = modal.submit(ws.owner, {BlockId.INVITE_EMAIL: "bo@example.com"})  # corrected: now it goes through
    assert done["response_action"] == "update"
    assert "Invited bo@example.com as Member" in texts_of(modal.settled())
    assert seat_count(http, ws) == 11 and invited(http, ws) == [("bo@example.com", "member")]


def test_the_role_is_checked_again_when_the_seat_is_submitted(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    _invite, modal = add_seat_modal(ws, who="admin")
    assert [o["value"] for o in element(modal.view, BlockId.INVITE_ROLE)["options"]] == ["member", "admin"]
    forged = modal.submit(ws.admin, {BlockId.INVITE_ROLE: "owner"})  # an option Admins are not offered
    assert forged["errors"] == {BlockId.INVITE_ROLE: "Only Owners can invite another Owner."}
    demoted = http.patch(
        ws.org.path(f"/members/{ws.org.admin.id}"), json={"role": "member"}, headers=ws.org.headers(ws.org.owner)
    )
    assert demoted.status_code == 200
    modal.submit(ws.admin)
    refused = texts_of(modal.settled())
    assert "Only Owners and Admins can add seats." in refused
    assert seat_count(http, ws) == 10 and invited(http, ws) == []
    assert audit(http, ws, "organization.seats.add") == []


def test_a_price_changed_since_it_was_shown_is_not_charged(
    workspaces: WorkspaceFactory, http: httpx.Client, clock: Clock
):
    ws = full(workspaces)
    _invite, modal = add_seat_modal(ws)
    clock.now += timedelta(days=1)  # a day later the pro-rated price is lower
    modal.submit(ws.owner)
    again = modal.settled()
    assert "The price changed since it was shown" in texts_of(again)
    assert f"*Charged today:* {fmt.usd(quote(http, ws, 11)['prorated_amount_microdollars'])}" in texts_of(again)
    assert element(again, BlockId.INVITE_EMAIL)["initial_value"] == ANA and "submit" in again
    assert seat_count(http, ws) == 10 and invited(http, ws) == []
    modal.submit(ws.owner)
    assert "Added a seat: 10 → 11" in texts_of(modal.settled())
    assert seat_count(http, ws) == 11 and invited(http, ws) == [(ANA, "admin")]


def test_when_the_invite_fails_after_the_seat_was_added_both_are_said(
    workspaces: WorkspaceFactory,
    http: httpx.Client,
    bolt_app: AsyncApp,
    backend_server: Any,
    backend_proxy: BackendProxy,
):
    ws = full(workspaces)
    repoint(bolt_app, ws, backend_proxy.url)
    _invite, modal = add_seat_modal(ws)
    backend_proxy.refuse.add("/members")  # Kilo goes down between the seat and the invitation
    modal.submit(ws.owner)
    shown = texts_of(modal.settled())
    repoint(bolt_app, ws, backend_server.url)
    assert "✅ Added a seat: 10 → 11," in shown
    assert f"But inviting {ANA} failed: Kilo isn't answering right now" in shown
    assert f"The seat stays (it is paid for) and is free. Invite them again with `/kilo invite {ANA} admin`" in shown
    assert "`/kilo seats remove 1`" in shown
    assert seat_count(http, ws) == 11 and invited(http, ws) == []
    assert modal.view["clear_on_close"] is True


def test_the_offer_on_a_form_that_filled_up_adds_a_seat_for_what_was_typed(
    workspaces: WorkspaceFactory, http: httpx.Client
):
    ws = workspaces.create(seats=8)  # seven people: one seat free when the form opens
    invite = open_modal(ws, ws.admin, "invite")
    taken = http.post(
        ws.org.path("/members"), json={"email": "first@example.com"}, headers=ws.org.headers(ws.org.owner)
    )
    assert taken.status_code == 201
    invite.submit(ws.admin, {BlockId.INVITE_EMAIL: "second@example.com"})
    assert "All 8 seats are in use" in texts_of(invite.view)
    typed: dict[str, Typed] = {BlockId.INVITE_EMAIL: "second@example.com"}
    trigger = invite.click(ws.admin, ActionId.ADD_SEAT_AND_INVITE, typed)
    modal = pushed(ws, trigger)
    assert element(modal.view, BlockId.INVITE_EMAIL)["initial_value"] == "second@example.com"
    assert element(modal.view, BlockId.INVITE_ROLE)["initial_option"]["value"] == "member"
    assert "*Seats:* 8 → 9" in texts_of(modal.view)
    modal.submit(ws.admin)
    assert "Added a seat: 8 → 9" in texts_of(modal.settled()) and "Invited second@example.com as Member" in texts_of(
        modal.view
    )
    assert seat_count(http, ws) == 9
    assert sorted(invited(http, ws)) == [("first@example.com", "member"), ("second@example.com", "member")]


def test_a_member_requests_a_seat_for_the_invitation_and_approvers_get_it(
    workspaces: WorkspaceFactory, http: httpx.Client
):
    ws = full(workspaces)
    channel = approvals(ws)
    assert "Seat requests now go to" in texts_of({"blocks": ws.ask(ws.owner, f"approvals <#{channel}|a>")["blocks"]})
    invite = open_modal(ws, ws.member, "invite cy@example.com")
    assert "submit" not in invite.view
    trigger = invite.click(ws.member, ActionId.SEAT_REQUEST_OPEN)
    form = pushed(ws, trigger, filled=False)  # nothing to ask Kilo: the form is pushed as it is

    assert form.view["callback_id"] == ViewId.SEAT_REQUEST and form.view["notify_on_close"] is True
    assert element(form.view, BlockId.SEAT_REQUEST_SEATS)["initial_value"] == "1"
    reason = element(form.view, BlockId.SEAT_REQUEST_REASON)["initial_value"]
    assert reason == "To invite cy@example.com: every seat is in use."
    bad = form.submit(ws.member, {BlockId.SEAT_REQUEST_SEATS: "0"})
    assert bad == {"response_action": "errors", "errors": {BlockId.SEAT_REQUEST_SEATS: "Enter 1 or more seats."}}

    body = form.submission(ws.member, {})
    form.answered(ws.post(body))
    sent = form.settled()
    assert f"Your request for 1 more seat was sent to <#{channel}>" in texts_of(sent)
    assert sent["clear_on_close"] is True
    [post] = wait_until(lambda: posts_to(ws, channel))
    shown = texts_of({"blocks": post["blocks"]})
    assert f"<@{ws.member.id}> asks for *1 more seat*." in shown and ">To invite cy@example.com" in shown
    buttons = [e["text"]["text"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Approve", "Deny"]

    ws.post(body)  # submitted again: the request is not sent twice
    assert len(posts_to(ws, channel)) == 1
    assert seat_count(http, ws) == 10
    ws.slack.close_view(form.view_id)
    assert invite.view_id not in ws.slack.open_views()


def test_without_an_approvals_channel_the_request_goes_to_owners_and_admins_by_dm(workspaces: WorkspaceFactory):
    ws = full(workspaces)
    invite = open_modal(ws, ws.member, "invite")
    form = pushed(ws, invite.click(ws.member, ActionId.SEAT_REQUEST_OPEN), filled=False)
    assert "initial_value" not in element(form.view, BlockId.SEAT_REQUEST_REASON)  # no email given: no reason
    form.submit(ws.member, {BlockId.SEAT_REQUEST_SEATS: "2", BlockId.SEAT_REQUEST_REASON: "two new hires"})
    assert "sent to 2 Owners and Admins by DM" in texts_of(form.settled())
    for approver in (ws.owner, ws.admin):
        channel = ws.slack.dm_channel(approver.id)
        [copy] = wait_until(partial(posts_to, ws, channel))
        assert "asks for *2 more seats*" in texts_of({"blocks": copy["blocks"]})
        assert "Approve" in texts_of({"blocks": copy["blocks"]})


def test_a_seat_button_from_another_workspace_is_refused(workspaces: WorkspaceFactory, http: httpx.Client):
    ws = full(workspaces)
    invite = open_modal(ws, ws.owner, "invite")
    trigger = ws.slack.trigger(from_view=invite.view_id)
    view = {**invite.view, "state": {"values": {}}}
    payload = interactivity.view_action(
        view, ActionId.ADD_SEAT_AND_INVITE, user_id=ws.owner.id, team_id="TOTHERTEAM", trigger_id=trigger
    )
    assert ws.post(urlencode({"payload": json.dumps(payload)})).status_code == 200
    modal = pushed(ws, trigger)
    assert "That form is out of date" in texts_of(modal.view) and "submit" not in modal.view
    assert seat_count(http, ws) == 10
