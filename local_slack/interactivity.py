"""What Slack sends an app when a person clicks or submits: block_actions and view_submission payloads,
shaped as Slack's reference shows them (user, team, container, view with id/hash/state, response_urls).

`state_values` fills a view's state the way Slack's client does: every input block is there, with what
was typed or chosen, or the element's initial value when the person left it alone.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

TEXT_ELEMENTS = frozenset({"plain_text_input", "email_text_input", "number_input", "url_text_input"})
SELECT_ELEMENTS = frozenset({"static_select", "radio_buttons"})
Typed = str | Sequence[str] | None


def _user(user_id: str, team_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": team_id.lower()}


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    """The option (by value, or by its text) as Slack sends it back; one the element does not offer comes
    back as typed (a forgery)."""
    for option in element.get("options") or []:
        if value in (option.get("value"), option.get("text", {}).get("text")):
            return dict(option)
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def state_values(view: Mapping[str, Any], typed: Mapping[str, Typed]) -> dict[str, dict[str, Any]]:
    """state.values for `view`, with `typed` by block id: text for text inputs, an option value for
    selects and radio buttons, a list of option values for checkboxes; None empties the input."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        given = block["block_id"] in typed
        entry = typed.get(block["block_id"])
        if kind in TEXT_ELEMENTS:
            text = entry if given else element.get("initial_value")
            state: dict[str, Any] = {"type": kind, "value": None if text in (None, "") else str(text)}
        elif kind in SELECT_ELEMENTS:
            if given:
                chosen = _option(element, str(entry)) if entry is not None else None
            else:
                chosen = element.get("initial_option")
            state = {"type": kind, "selected_option": chosen}
        elif kind == "checkboxes":
            ticked = [_option(element, str(v)) for v in entry or []] if given else element.get("initial_options")
            state = {"type": kind, "selected_options": list(ticked or [])}
        else:
            raise ValueError(f"no state for a {kind} element")
        values[block["block_id"]] = {action_id: state}
    return values


def view_submission(
    view: Mapping[str, Any], *, user_id: str, team_id: str, typed: Mapping[str, Typed], user_name: str = "someone"
) -> dict[str, Any]:
    """A view_submission of `view` (as Slack keeps it: id, hash, private_metadata…) with `typed` filled in."""
    submitted = {**view, "state": {"values": state_values(view, typed)}}
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id, user_name),
        "api_app_id": "A0KILO",
        "token": "verification-token-unused",
        "trigger_id": f"{int(time.time())}.{user_id}.submission",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def find_element(
    blocks: Sequence[Mapping[str, Any]], action_id: str, in_block_with: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The block id and the element with this action id (in an actions block or a section's accessory);
    `in_block_with`: in the section whose text contains this (one row of many with the same menu)."""
    for index, block in enumerate(blocks):
        if in_block_with is not None and in_block_with not in str((block.get("text") or {}).get("text", "")):
            continue
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("action_id") == action_id:
                # Slack gives blocks without a block_id one of its own
                return str(block.get("block_id") or f"b{index}"), dict(element)
    raise LookupError(f"no element {action_id!r} in these blocks")


def _action(block_id: str, element: dict[str, Any], option_value: str | None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": element["action_id"],
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action["text"] = element["text"]
        if "value" in element:
            action["value"] = element["value"]
    elif element["type"] in ("overflow", "static_select", "radio_buttons"):
        action["selected_option"] = _option(element, option_value or "")
    return action


def message_action(
    message: Mapping[str, Any],
    action_id: str,
    *,
    user_id: str,
    team_id: str,
    trigger_id: str,
    response_url: str,
    option: str | None = None,
    in_block_with: str | None = None,
    channel_id: str = "C0GENERAL",
    message_ts: str | None = None,
) -> dict[str, Any]:
    """A click (or an overflow/select choice: `option`, an option's text or value) in a message; an
    ephemeral one when it has no ts."""
    block_id, element = find_element(message.get("blocks", []), action_id, in_block_with)
    container: dict[str, Any] = {"type": "message", "channel_id": channel_id, "is_ephemeral": message_ts is None}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": _team(team_id),
        "user": _user(user_id, team_id, "someone"),
        "api_app_id": "A0KILO",
        "token": "verification-token-unused",
        "container": {**container, "message_ts": message_ts or f"{int(time.time())}.000100"},
        "trigger_id": trigger_id,
        "channel": {"id": channel_id, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(block_id, element, option)],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    if message_ts is not None:  # Slack includes the message itself only when it is not ephemeral
        payload["message"] = {"type": "message", "ts": message_ts, **message}
    return payload


def view_action(
    view: Mapping[str, Any],
    action_id: str,
    *,
    user_id: str,
    team_id: str,
    trigger_id: str,
    typed: Mapping[str, Typed] | None = None,
    option: str | None = None,
) -> dict[str, Any]:
    """A click inside a modal or the Home tab: the view comes along, with what is typed so far."""
    block_id, element = find_element(view.get("blocks", []), action_id)
    with_state = {**view, "state": {"values": state_values(view, typed or {})}}
    return {
        "type": "block_actions",
        "team": _team(team_id),
        "user": _user(user_id, team_id, "someone"),
        "api_app_id": "A0KILO",
        "token": "verification-token-unused",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id,
        "view": with_state,
        "actions": [_action(block_id, element, option)],
        "is_enterprise_install": False,
        "enterprise": None,
    }
