"""Signed interaction payloads shaped like Slack's own (block_actions in messages and modals, view_submission,
view_closed), and waiting for what the bot does after its ack."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from slack_bolt.async_app import AsyncApp

from bot.app import services_of
from bot.store import Connection
from local_slack import SlackUser
from tests.slack.conftest import Workspace

T = TypeVar("T")
FormValues = Mapping[str, Mapping[str, tuple[str, str | None]]]  # {block_id: {action_id: (element type, value)}}


def repoint(bolt: AsyncApp, ws: Workspace, backend_url: str) -> None:
    """Connect the workspace to another backend address at once (the bot's 30 s connection cache too)."""
    connection = Connection(ws.team_id, ws.org.id, backend_url, ws.org.api_key)
    asyncio.run(services_of(bolt).identity.save_connection(connection, "UTEST", datetime.now(UTC)))


def wait_until(check: Callable[[], T | None], timeout: float = 10.0, what: str = "the bot") -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(0.02)


def _user(ws: Workspace, who: SlackUser) -> dict[str, Any]:
    username = who.name.split()[0].lower()
    return {"id": who.id, "username": username, "name": username, "team_id": ws.team_id}


def _envelope(ws: Workspace, who: SlackUser, kind: str, team_id: str | None = None) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": team_id or ws.team_id, "domain": "kilo-test"},
        "user": _user(ws, who),
        "api_app_id": "A0KILO",
        "token": "verification-token-unused",
        "is_enterprise_install": False,
        "enterprise": None,
    }


def post_payload(ws: Workspace, payload: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    response = ws.post(urlencode({"payload": json.dumps(payload)}), headers=headers)
    assert response.status_code == 200, response.text
    return response


def click_in_message(
    ws: Workspace,
    who: SlackUser,
    message: dict[str, Any],
    channel: str,
    action_id: str,
    *,
    response_key: str | None = None,
    team_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A button in a posted message (channel or DM), as block_actions with the message and its container."""
    button = next(
        element
        for block in message["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    )
    block_id = next(b["block_id"] for b in message["blocks"] if button in b.get("elements", []))
    payload = {
        **_envelope(ws, who, "block_actions", team_id),
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
        "trigger_id": ws.slack.trigger(),
        "channel": {"id": channel, "name": "approvals" if channel.startswith("C") else "directmessage"},
        "message": {**message, "type": "message", "user": "U0KILOBOT"},
        "state": {"values": {}},
        "response_url": ws.slack.response_url(response_key or secrets.token_hex(6)),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": button["text"],
                "value": button.get("value"),
                "style": button.get("style"),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return post_payload(ws, payload, headers)


def click_on_home(ws: Workspace, who: SlackUser, home_view: dict[str, Any], action_id: str) -> httpx.Response:
    button = next(
        element
        for block in home_view["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    )
    payload = {
        **_envelope(ws, who, "block_actions"),
        "container": {"type": "view", "view_id": "VHOME0001"},
        "trigger_id": ws.slack.trigger(),
        "view": {**home_view, "id": "VHOME0001", "team_id": ws.team_id, "hash": "1.home", "state": {"values": {}}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "kilo_quick_actions",
                "text": button["text"],
                "value": button.get("value"),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return post_payload(ws, payload)


def _state(values: FormValues) -> dict[str, Any]:
    """{block_id: {action_id: (element type, value)}} as view.state.values."""
    return {
        block: {action: {"type": kind, "value": value} for action, (kind, value) in actions.items()}
        for block, actions in values.items()
    }


def _view(ws: Workspace, shown: dict[str, Any], values: FormValues) -> dict[str, Any]:
    return {**shown, "team_id": ws.team_id, "state": {"values": _state(values)}}


def type_in_modal(
    ws: Workspace, who: SlackUser, shown: dict[str, Any], block_id: str, action_id: str, value: str
) -> httpx.Response:
    """A number_input with dispatch_action: Slack sends block_actions with the view and the typed value."""
    payload = {
        **_envelope(ws, who, "block_actions"),
        "container": {"type": "view", "view_id": shown["id"]},
        "trigger_id": ws.slack.trigger(shown["id"]),
        "view": _view(ws, shown, {block_id: {action_id: ("number_input", value)}}),
        "actions": [
            {
                "type": "number_input",
                "block_id": block_id,
                "action_id": action_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return post_payload(ws, payload)


def submit_modal(
    ws: Workspace,
    who: SlackUser,
    shown: dict[str, Any],
    values: FormValues,
    *,
    team_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    payload = {
        **_envelope(ws, who, "view_submission", team_id),
        "trigger_id": ws.slack.trigger(),
        "view": _view(ws, shown, values),
        "response_urls": [],
    }
    return post_payload(ws, payload, headers)


def close_modal(ws: Workspace, who: SlackUser, shown: dict[str, Any]) -> httpx.Response:
    payload = {**_envelope(ws, who, "view_closed"), "view": _view(ws, shown, {}), "is_cleared": False}
    return post_payload(ws, payload)


def ack_body(response: httpx.Response) -> dict[str, Any]:
    return response.json() if response.content else {}
