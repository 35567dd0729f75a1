"""Members from Slack: each /kilo members row's menu changes the role, sets or clears the daily spend limit,
or removes; Owners stay Owners unless an Owner acts, the last Owner stays; a Member sees the limit in
/kilo usage me. Forms from another workspace or organization change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.ids import ActionId, BlockId
from tests.factories import SQLITE_ONLY, Person
from tests.slack.conftest import Workspace, WorkspaceFactory, texts
from tests.slack.modals import (
    Modal,
    answer,
    audit,
    backend,
    click_in_message,
    modal_from_message,
    opened_view_id,
    texts_of,
)

pytestmark = SQLITE_ONLY


def member_modal(ws: Workspace, who: Any, person: Person, choice: str) -> Modal:
    message, key = answer(ws, who, "members")
    return modal_from_message(ws, who, message, key, ActionId.MEMBER_MENU, option=choice, in_block_with=person.email)


def member(http: httpx.Client, ws: Workspace, person: Person) -> dict[str, Any]:
    return dict(backend(http, ws, f"/members/{person.id}"))


def test_members_rows_have_a_menu_and_an_invite_button_for_owners_and_admins_only(workspace: Workspace):
    managed, _key = answer(workspace, workspace.admin, "members")
    menus = [b["accessory"] for b in managed["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert len(menus) == 7
    assert [o["text"]["text"] for o in menus[0]["options"]] == ["Change role", "Set daily limit", "Remove"]
    assert "Invite" in texts(managed)
    plain, _key = answer(workspace, workspace.member, "members")
    assert not [b for b in plain["blocks"] if b.get("accessory")] and "Invite" not in texts(plain)


def test_owner_makes_a_member_admin(workspace: Workspace, http: httpx.Client):
    target = workspace.org.people[3]
    modal = member_modal(workspace, workspace.owner, target, "Change role")
    role = next(b for b in modal.view["blocks"] if b.get("block_id") == BlockId.MEMBER_ROLE)["element"]
    assert role["initial_option"]["value"] == "member"
    assert [o["value"] for o in role["options"]] == ["member", "admin", "owner"]
    answered = modal.submit(workspace.owner, {BlockId.MEMBER_ROLE: "admin"})
    assert answered["response_action"] == "update"
    assert f"✅ *{target.name}* is now Admin (was Member)." in texts_of(modal.view)
    assert member(http, workspace, target)["role"] == "admin"
    [entry] = audit(http, workspace, "organization.member.change_role")
    assert (entry["before"], entry["after"], entry["target"]) == ({"role": "member"}, {"role": "admin"}, target.id)


def test_an_admin_cannot_change_an_owners_role_or_remove_an_owner(workspace: Workspace, http: httpx.Client):
    for choice, refusal in (
        ("Change role", "Only Owners can change an Owner's role."),
        ("Remove", "Only Owners can remove an Owner."),
    ):
        modal = member_modal(workspace, workspace.admin, workspace.org.owner, choice)
        assert refusal in texts_of(modal.view) and "submit" not in modal.view
    # and when the member became an Owner after the form was opened, the backend refuses it plainly
    target = workspace.org.people[3]
    modal = member_modal(workspace, workspace.admin, target, "Change role")
    promoted = http.patch(
        workspace.org.path(f"/members/{target.id}"),
        json={"role": "owner"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert promoted.status_code == 200
    answered = modal.submit(workspace.admin, {BlockId.MEMBER_ROLE: "admin"})
    assert answered == {
        "response_action": "errors",
        "errors": {BlockId.MEMBER_ROLE: "Kilo refused that: Only Owners can grant or take away the Owner role."},
    }
    assert member(http, workspace, target)["role"] == "owner"


def test_the_last_owner_stays_an_owner(workspace: Workspace, http: httpx.Client):
    modal = member_modal(workspace, workspace.owner, workspace.org.owner, "Change role")
    answered = modal.submit(workspace.owner, {BlockId.MEMBER_ROLE: "admin"})
    assert answered["errors"] == {
        BlockId.MEMBER_ROLE: "An organization needs at least one Owner; make someone else Owner first."
    }
    assert member(http, workspace, workspace.org.owner)["role"] == "owner"
    assert audit(http, workspace, "organization.member.change_role") == []


def spend_today(http: httpx.Client, ws: Workspace, person: Person, costs: list[int]) -> None:
    today = datetime(2026, 3, 15, 9, tzinfo=UTC)  # the backend's clock in these tests is 2026-03-15 12:00 UTC
    events = [
        {
            "event_id": f"today-{person.id}-{index}",
            "member_id": person.id,
            "model": "anthropic/claude-sonnet-4.5",
            "provider": "anthropic",
            "input_tokens": 1_000,
            "output_tokens": 100,
            "cost_microdollars": cost,
            "latency_ms": 900,
            "occurred_at": (today + timedelta(minutes=index)).isoformat(),
        }
        for index, cost in enumerate(costs)
    ]
    response = http.post(ws.org.path("/usage/events"), json={"events": events}, headers=ws.org.headers())
    assert response.json()["accepted"] == len(costs)


def test_admin_sets_a_daily_limit_to_the_cent_and_the_member_sees_it(workspace: Workspace, http: httpx.Client):
    you = workspace.org.member
    spend_today(http, workspace, you, [2_000_000, 1_105_000])
    modal = member_modal(workspace, workspace.admin, you, "Set daily limit")
    assert "Now: no daily limit · spent today $3.11 (UTC day)" in texts_of(modal.view)
    modal.submit(workspace.admin, {BlockId.NO_DAILY_LIMIT: "set", BlockId.DAILY_LIMIT: "25.005"})
    assert f"✅ *{you.name}*'s daily limit is now $25.01 (was no daily limit)." in texts_of(modal.view)
    assert member(http, workspace, you)["daily_limit_microdollars"] == 25_010_000
    [entry] = audit(http, workspace, "organization.member.change_limit")
    assert entry["after"] == {"daily_limit_microdollars": 25_010_000}
    mine, _key = answer(workspace, workspace.member, "usage me")
    assert "*Today*\n$3.11 of your $25.01 daily limit (12% used)" in texts(mine)


def test_a_daily_limit_is_cleared(workspace: Workspace, http: httpx.Client):
    you = workspace.org.member
    http.patch(
        workspace.org.path(f"/members/{you.id}"),
        json={"daily_limit_microdollars": 40_000_000},
        headers=workspace.org.headers(workspace.org.owner),
    )
    modal = member_modal(workspace, workspace.owner, you, "Set daily limit")
    limit = next(b for b in modal.view["blocks"] if b.get("block_id") == BlockId.DAILY_LIMIT)["element"]
    assert limit["initial_value"] == "40.00"
    modal.submit(workspace.owner, {BlockId.NO_DAILY_LIMIT: "none"})
    assert f"✅ *{you.name}* has no daily limit now (was $40.00 a day)." in texts_of(modal.view)
    assert member(http, workspace, you)["daily_limit_microdollars"] is None
    mine, _key = answer(workspace, workspace.member, "usage me")
    assert "*Today*\n$0.00 (no daily limit)" in texts(mine)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (None, "Type the daily limit in dollars, for example $1.00."),
        ("0", "The daily limit must be more than $0.00."),
        ("-10", "The daily limit can't be negative."),
        ("ten", "“ten” is not an amount in dollars; type a number like 25 or 12.50."),
        ("1000000.01", "The daily limit can be at most $1,000,000.00."),
    ],
    ids=["empty", "zero", "negative", "not a number", "over the maximum"],
)
def test_a_wrong_daily_limit_is_said_next_to_the_field(
    workspace: Workspace, http: httpx.Client, typed: str | None, error: str
):
    modal = member_modal(workspace, workspace.owner, workspace.org.member, "Set daily limit")
    answered = modal.submit(workspace.owner, {BlockId.NO_DAILY_LIMIT: "set", BlockId.DAILY_LIMIT: typed})
    assert answered == {"response_action": "errors", "errors": {BlockId.DAILY_LIMIT: error}}
    assert member(http, workspace, workspace.org.member)["daily_limit_microdollars"] is None


def test_a_double_submit_and_a_retry_change_the_limit_once(workspace: Workspace, http: httpx.Client):
    modal = member_modal(workspace, workspace.owner, workspace.org.member, "Set daily limit")
    body = modal.submission(workspace.owner, {BlockId.NO_DAILY_LIMIT: "set", BlockId.DAILY_LIMIT: "15"})
    for headers in ({}, {}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}):
        modal.answered(workspace.post(body, headers=headers))
    assert member(http, workspace, workspace.org.member)["daily_limit_microdollars"] == 15_000_000
    assert len(audit(http, workspace, "organization.member.change_limit")) == 1


def test_owner_removes_a_member_after_confirming(workspace: Workspace, http: httpx.Client):
    target = workspace.org.people[4]
    message, key = answer(workspace, workspace.owner, "members")
    menu = {"option": "Remove", "in_block_with": target.email}
    modal = modal_from_message(workspace, workspace.owner, message, key, ActionId.MEMBER_MENU, **menu)
    assert f"Remove *{target.name}* ({target.email}, Member)?" in texts_of(modal.view)
    assert modal.view["submit"]["text"] == "Remove"
    assert member(http, workspace, target)["status"] == "active"  # nothing happens before the confirmation
    modal.submit(workspace.owner)
    assert f"✅ Removed *{target.name}*." in texts_of(modal.view)
    assert "6 of 10 seats used · 4 free" in texts_of(modal.view)
    assert member(http, workspace, target)["status"] == "removed"
    [entry] = audit(http, workspace, "organization.member.remove")
    assert (entry["before"], entry["after"]) == ({"status": "active"}, {"status": "removed"})
    # the same row of the directory, still on screen, now says so and offers nothing
    stale = modal_from_message(workspace, workspace.owner, message, key, ActionId.MEMBER_MENU, **menu)
    assert f"{target.name} ({target.email}) was removed from the organization." in texts_of(stale.view)
    assert "submit" not in stale.view and len(audit(http, workspace, "organization.member.remove")) == 1


def test_the_role_is_checked_again_when_the_form_is_submitted(workspace: Workspace, http: httpx.Client):
    modal = member_modal(workspace, workspace.admin, workspace.org.member, "Set daily limit")
    http.patch(
        workspace.org.path(f"/members/{workspace.org.admin.id}"),
        json={"role": "member"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    modal.submit(workspace.admin, {BlockId.NO_DAILY_LIMIT: "set", BlockId.DAILY_LIMIT: "15"})
    assert "Only Owners and Admins can change members." in texts_of(modal.view)
    assert member(http, workspace, workspace.org.member)["daily_limit_microdollars"] is None


def test_a_form_submitted_from_another_workspace_changes_nothing(workspaces: WorkspaceFactory, http: httpx.Client):
    ours, theirs = workspaces.create(), workspaces.create()
    modal = member_modal(ours, ours.owner, ours.org.member, "Set daily limit")
    body = modal.submission(
        theirs.owner, {BlockId.NO_DAILY_LIMIT: "set", BlockId.DAILY_LIMIT: "15"}, team_id=theirs.team_id
    )
    answered = modal.answered(ours.post(body))
    assert "That form is out of date; run `/kilo help` again." in texts_of(answered["view"])
    assert member(http, ours, ours.org.member)["daily_limit_microdollars"] is None


def test_a_menu_made_for_another_organization_is_refused(workspaces: WorkspaceFactory, http: httpx.Client):
    ours, theirs = workspaces.create(), workspaces.create()
    message, _key = answer(ours, ours.owner, "members")
    # their Owner clicks a menu option value made for our organization, in their own workspace
    _other, their_key = answer(theirs, theirs.owner, "members")
    trigger = click_in_message(
        theirs,
        theirs.owner,
        message,
        their_key,
        ActionId.MEMBER_MENU,
        option="Remove",
        in_block_with=ours.org.member.email,
    )
    shown = texts_of(theirs.slack.view(opened_view_id(theirs, trigger)))
    assert "That button is out of date; run `/kilo members` again." in shown
    assert member(http, ours, ours.org.member)["status"] == "active"
