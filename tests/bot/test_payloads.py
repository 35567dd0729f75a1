"""The workspace and person of a request are read the same way from every kind of Slack payload."""

from __future__ import annotations

from typing import Any

import pytest

from bot.payloads import MalformedPayload, SlackIds, slack_ids

SLASH_COMMAND = {"command": "/kilo", "team_id": "T1", "user_id": "U1", "text": "usage"}
BLOCK_ACTION = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"}}
VIEW_SUBMISSION = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": {}}
ORG_WIDE_ACTION = {"type": "block_actions", "team": None, "user": {"id": "U1", "team_id": "T1"}}
APP_HOME_OPENED = {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened", "user": "U1"}}


@pytest.mark.parametrize("body", [SLASH_COMMAND, BLOCK_ACTION, VIEW_SUBMISSION, ORG_WIDE_ACTION, APP_HOME_OPENED])
def test_every_payload_kind_names_its_workspace_and_person(body: dict[str, Any]):
    assert slack_ids(body) == SlackIds("T1", "U1")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"team_id": "T1"},
        {"user_id": "U1"},
        {"team": "T1", "user": "U1"},
        {"team": {"id": 5}, "user": {"id": "U1"}},
        {"team_id": "T1", "event": {"user": {"id": "U1"}}},
        {"team_id": "", "user_id": "U1"},
    ],
)
def test_a_payload_without_them_is_malformed(body: dict[str, Any]):
    with pytest.raises(MalformedPayload):
        slack_ids(body)
