"""The audit log says where each change came from: a change made from Slack (the add-seats modal, a role
change) carries the bot's X-Kilo-Client all the way into Kilo's audit entry; one made directly over Kilo's
HTTP API does not — through signed requests in, the real backend behind."""

from __future__ import annotations

import httpx

from bot.ids import ActionId, BlockId
from tests.slack.conftest import SQLITE_ONLY, Workspace, texts
from tests.slack.interactions import submit_modal
from tests.slack.modals import answer, audit, modal_from_message
from tests.slack.test_seats import number, open_form, settled

pytestmark = SQLITE_ONLY


def change_from_slack_and_elsewhere(ws: Workspace, http: httpx.Client) -> str:
    """Seats added and a role changed in Slack, a daily limit set over the API; the target's name."""
    shown = open_form(ws, ws.owner, "seats add 2")
    submit_modal(ws, ws.owner, shown, number("2"))
    assert "Seats: 10 → 12" in texts(settled(ws, shown["id"], 2))
    target = ws.org.people[3]
    message, key = answer(ws, ws.owner, "members")
    role = modal_from_message(
        ws, ws.owner, message, key, ActionId.MEMBER_MENU, option="Change role", in_block_with=target.email
    )
    role.submit(ws.owner, {BlockId.MEMBER_ROLE: "admin"})
    direct = http.patch(  # elsewhere: a script with the organization's API key
        ws.org.path(f"/members/{target.id}"),
        json={"daily_limit_microdollars": 12_500_000},
        headers=ws.org.headers(ws.org.admin),
    )
    assert direct.status_code == 200, direct.text
    return target.name


def test_kilo_records_which_changes_came_from_slack(workspace: Workspace, http: httpx.Client):
    change_from_slack_and_elsewhere(workspace, http)
    origins = [(e["action"], e["client"]) for e in audit(http, workspace)]
    assert origins[:3] == [
        ("organization.member.change_limit", "api"),
        ("organization.member.change_role", "kilo-bot"),
        ("organization.seats.add", "kilo-bot"),
    ]
    # the organization was set up before any request (the test's factory, like entries older than migration 0003)
    assert ("organization.create", None) in origins


def test_kilo_audit_says_from_slack_or_via_the_api_on_each_line(workspace: Workspace, http: httpx.Client):
    name = change_from_slack_and_elsewhere(workspace, http)
    lines = texts(answer(workspace, workspace.owner, "audit 4")[0]).splitlines()
    said = {line.split("* ", 1)[1] for line in lines if line.startswith("`")}
    assert f"changed {name}'s daily limit: none → $12.50 · _via the API_" in said
    assert f"changed {name}'s role: member → admin · _from Slack_" in said
    assert any(line.startswith("added seats: 10 → 12") and line.endswith(" · _from Slack_") for line in said)
    assert any(line.endswith(" · _origin not recorded_") for line in said)  # set up outside any request
