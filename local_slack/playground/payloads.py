"""What Slack sends an app, built from what a person did on the page: slash commands, block_actions,
view_submission and view_closed payloads, app_home_opened events, and state.values shaped per element."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from local_slack.render import STATEFUL_ELEMENTS
from local_slack.web_api import SlackUser

APP_ID = "A0KILO"
VERIFICATION_TOKEN = "playground-verification-token"  # deprecated by Slack, still sent; apps check signatures

# A page control's raw value: text, one chosen value, or several.
Raw = str | list[str] | None
RawValues = Mapping[str, Mapping[str, Raw]]  # block_id → action_id → raw

SINGLE_CHOICE = {
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
}
MULTIPLE_CHOICE = {
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
}
PICKED_ID = {
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "users_select": "selected_user",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}
PICKED_IDS = {
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
    "multi_users_select": "selected_users",
}
INITIAL = {
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_conversation": "initial_conversation",
    "selected_channel": "initial_channel",
    "selected_user": "initial_user",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_conversations": "initial_conversations",
    "selected_channels": "initial_channels",
    "selected_users": "initial_users",
}


@dataclass(frozen=True)
class Where:
    """The workspace, person and conversation an interaction happens in."""

    team_id: str
    user: SlackUser
    channel_id: str
    channel_name: str

    def user_object(self) -> dict[str, Any]:
        username = self.user.name.split()[0].lower() if self.user.name else self.user.id.lower()
        return {"id": self.user.id, "username": username, "name": username, "team_id": self.team_id}

    def team_object(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": "kilo-playground"}


def signed_headers(body: str, signing_secret: str, content_type: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(signature)}


def slash_command(where: Where, command: str, text: str, *, response_url: str, trigger_id: str) -> str:
    """The form body of a slash command."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": where.team_id,
            "team_domain": "kilo-playground",
            "channel_id": where.channel_id,
            "channel_name": where.channel_name,
            "user_id": where.user.id,
            "user_name": where.user_object()["username"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interactive(payload: Mapping[str, Any]) -> str:
    """The form body Slack posts for interactions: one `payload` field of JSON."""
    return urlencode({"payload": json.dumps(payload)})


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any] | None:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return next((dict(o) for o in options if o.get("value") == value), None)


def _as_list(raw: Raw) -> list[str]:
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else list(raw)


def element_value(element: Mapping[str, Any], raw: Raw) -> dict[str, Any]:
    """The element's value as Slack reports it in state.values and in block_actions, e.g.
    {"type": "static_select", "selected_option": {...}} or {"type": "number_input", "value": "3"}."""
    kind = str(element.get("type"))
    if kind in SINGLE_CHOICE:
        chosen = _as_list(raw)
        return {"type": kind, SINGLE_CHOICE[kind]: _option(element, chosen[0]) if chosen and chosen[0] else None}
    if kind in MULTIPLE_CHOICE:
        found = [_option(element, value) for value in _as_list(raw)]
        return {"type": kind, MULTIPLE_CHOICE[kind]: [o for o in found if o is not None]}
    if kind in PICKED_ID:
        chosen = _as_list(raw)
        return {"type": kind, PICKED_ID[kind]: chosen[0] if chosen and chosen[0] else None}
    if kind in PICKED_IDS:
        return {"type": kind, PICKED_IDS[kind]: [v for v in _as_list(raw) if v]}
    text = raw[0] if isinstance(raw, list) and raw else raw if isinstance(raw, str) else None
    return {"type": kind, "value": text if text else None}


def initial_raw(element: Mapping[str, Any]) -> Raw:
    """What the element holds before anyone touched it."""
    kind = str(element.get("type"))
    key = SINGLE_CHOICE.get(kind) or MULTIPLE_CHOICE.get(kind) or PICKED_ID.get(kind) or PICKED_IDS.get(kind)
    if key is None:
        return element.get("initial_value")
    initial = element.get(INITIAL[key])
    if isinstance(initial, dict):
        return str(initial.get("value", ""))
    if isinstance(initial, list):
        return [str(o.get("value", "")) if isinstance(o, dict) else str(o) for o in initial]
    return initial if isinstance(initial, str) else None


def stateful_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every element whose value Slack keeps in state.values."""
    for block in blocks:
        candidates = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        if block.get("type") == "context":
            continue
        for element in candidates:
            if isinstance(element, dict) and element.get("type") in STATEFUL_ELEMENTS:
                yield str(block.get("block_id", "")), element


def state_values(blocks: list[dict[str, Any]], raw_values: RawValues) -> dict[str, dict[str, Any]]:
    """A view's (or message's) state.values: {block_id: {action_id: value}}, as Slack shapes it."""
    values: dict[str, dict[str, Any]] = {}
    for block_id, element in stateful_elements(blocks):
        action_id = str(element.get("action_id", ""))
        given = raw_values.get(block_id, {})
        raw = given[action_id] if action_id in given else initial_raw(element)
        values.setdefault(block_id, {})[action_id] = element_value(element, raw)
    return values


def find_element(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any] | None:
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        for element in [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def action(element: Mapping[str, Any], block_id: str, raw: Raw) -> dict[str, Any]:
    """One entry of block_actions' `actions`."""
    base = {"action_id": element.get("action_id"), "block_id": block_id, "action_ts": f"{time.time():.6f}"}
    if element.get("type") == "button":
        clicked = {"type": "button", "text": element.get("text"), **base}
        for key in ("value", "style", "url"):
            if element.get(key):
                clicked[key] = element[key]
        return clicked
    return {**element_value(element, raw), **base}


def _common(where: Where, trigger_id: str) -> dict[str, Any]:
    return {
        "user": where.user_object(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": where.team_object(),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def message_actions(
    where: Where,
    *,
    message: dict[str, Any],
    ephemeral: bool,
    actions: list[dict[str, Any]],
    raw_values: RawValues,
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """block_actions from a message; Slack leaves `message` out when the message was ephemeral."""
    payload = {
        "type": "block_actions",
        **_common(where, trigger_id),
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": where.channel_id,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": where.channel_id, "name": where.channel_name},
        "state": {"values": state_values(message.get("blocks") or [], raw_values)},
        "response_url": response_url,
        "actions": actions,
    }
    if not ephemeral:
        payload["message"] = message
    return payload


def with_state(view: dict[str, Any], raw_values: RawValues) -> dict[str, Any]:
    return {**view, "state": {"values": state_values(view.get("blocks") or [], raw_values)}}


def view_actions(
    where: Where, *, view: dict[str, Any], actions: list[dict[str, Any]], raw_values: RawValues, trigger_id: str
) -> dict[str, Any]:
    """block_actions from a modal or the App Home (no response_url: the app answers with views.update)."""
    return {
        "type": "block_actions",
        **_common(where, trigger_id),
        "container": {"type": "view", "view_id": view["id"]},
        "view": with_state(view, raw_values),
        "actions": actions,
    }


def view_submission(
    where: Where, *, view: dict[str, Any], raw_values: RawValues, trigger_id: str, response_url: Any
) -> dict[str, Any]:
    """A modal's submission; `response_url(block_id, action_id, channel_id)` gives a response_url for each
    conversation picked in an element with response_url_enabled, as Slack does."""
    submitted = with_state(view, raw_values)
    response_urls = []
    for block_id, element in stateful_elements(view.get("blocks") or []):
        picked = submitted["state"]["values"][block_id][element["action_id"]]
        channel = picked.get("selected_conversation") or picked.get("selected_channel")
        if element.get("response_url_enabled") and channel:
            response_urls.append(
                {
                    "block_id": block_id,
                    "action_id": element["action_id"],
                    "channel_id": channel,
                    "response_url": response_url(block_id, element["action_id"], channel),
                }
            )
    return {"type": "view_submission", **_common(where, trigger_id), "view": submitted, "response_urls": response_urls}


def view_closed(where: Where, *, view: dict[str, Any], raw_values: RawValues, cleared: bool) -> dict[str, Any]:
    payload = {"type": "view_closed", **_common(where, ""), "view": with_state(view, raw_values), "is_cleared": cleared}
    del payload["trigger_id"]
    return payload


def app_home_opened(where: Where, *, view: dict[str, Any] | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": where.user.id,
        "channel": where.channel_id,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": where.team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": where.team_id, "user_id": "U0KILOBOT", "is_bot": True}],
        "is_ext_shared_channel": False,
    }
