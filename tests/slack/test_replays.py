"""Slack's retries (X-Slack-Retry-Num) and replays of a signed request are handled once."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

import httpx

from tests.slack.conftest import SQLITE_ONLY, Workspace, buttons, sign

pytestmark = SQLITE_ONLY


def publishes_for(ws: Workspace, user_id: str) -> int:
    return len([call for call in ws.slack.calls_to("views.publish") if call.args["user_id"] == user_id])


def test_a_retried_app_home_opened_publishes_once(workspace: Workspace):
    event_id = f"Ev{secrets.token_hex(5)}"
    assert workspace.open_home(workspace.owner, event_id).status_code == 200
    workspace.slack.wait_for_call("views.publish")
    for retry in ("1", "2", "3"):
        retried = workspace.open_home(
            workspace.owner, event_id, {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        )
        assert retried.status_code == 200
    time.sleep(0.5)
    assert publishes_for(workspace, workspace.owner.id) == 1


def test_another_event_publishes_again(workspace: Workspace):
    workspace.open_home(workspace.member)
    workspace.open_home(workspace.member)
    deadline = time.monotonic() + 10
    while publishes_for(workspace, workspace.member.id) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publishes_for(workspace, workspace.member.id) == 2


def resend(ws: Workspace, body: str, times: int) -> list[int]:
    """The same signed bytes, sent again as Slack (or someone who captured them) would, within five minutes."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    return [httpx.post(f"{ws.bot_url}/slack/events", content=body, headers=headers).status_code for _ in range(times)]


def test_a_resent_command_replies_once(workspace: Workspace):
    key = f"resent-{secrets.token_hex(4)}"
    body = urlencode(
        {
            "command": "/kilo",
            "text": "org",
            "team_id": workspace.team_id,
            "user_id": workspace.owner.id,
            "response_url": workspace.slack.response_url(key),
            "trigger_id": "1.2",
        }
    )
    assert resend(workspace, body, 4) == [200, 200, 200, 200]
    workspace.slack.wait_for_response(key)
    time.sleep(0.5)
    assert len(workspace.slack.responses_to(key)) == 1


def test_a_replayed_click_runs_once(workspace: Workspace):
    reply = workspace.command(workspace.owner, "members")
    first = workspace.slack.wait_for_response(reply.response_key)
    next_page = buttons(first)
    payload = {
        "type": "block_actions",
        "team": {"id": workspace.team_id},
        "user": {"id": workspace.owner.id, "team_id": workspace.team_id},
        "trigger_id": "9.9",
        "response_url": workspace.slack.response_url(reply.response_key),
        "actions": [
            {
                "action_id": "kilo_members_page:next",
                "block_id": "kilo_members_pager",
                "value": next_page[0]["value"] if next_page else '{"k":"members_page","v":1,"offset":0}',
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    assert resend(workspace, urlencode({"payload": json.dumps(payload)}), 3) == [200, 200, 200]
    workspace.slack.wait_for_response(reply.response_key, count=2)
    time.sleep(0.5)
    assert len(workspace.slack.responses_to(reply.response_key)) == 2  # the list, then one page
