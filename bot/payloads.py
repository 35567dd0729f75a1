"""Reading Slack's payloads one way, whatever their kind (slash command, block action, view, event),
and refusing the shapes Slack never sends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


class MalformedPayload(ValueError):
    """A signed request whose payload lacks what every Slack request of its kind carries."""


@dataclass(frozen=True)
class SlackIds:
    """The workspace and the person a request comes from."""

    team_id: str
    user_id: str


def slack_ids(body: Mapping[str, Any]) -> SlackIds:
    """Slash commands carry `team_id`/`user_id`, interactions `team.id`/`user.id`, events `team_id`/`event.user`."""
    team_id = slack_team_id(body)
    user, event = body.get("user"), body.get("event")
    user_id = body.get("user_id") or (user.get("id") if isinstance(user, dict) else None)
    if user_id is None and isinstance(event, dict):
        user_id = event.get("user")
    if not (team_id and isinstance(user_id, str) and user_id):
        raise MalformedPayload("the request names no Slack workspace or user")
    return SlackIds(team_id, user_id)


def slack_team_id(body: Mapping[str, Any]) -> str | None:
    team, user = body.get("team"), body.get("user")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if not team_id and isinstance(user, dict):
        team_id = user.get("team_id")  # org-wide installs leave `team` empty
    return team_id if isinstance(team_id, str) and team_id else None


INTERACTIONS_WITH_A_VIEW = frozenset({"view_submission", "view_closed"})


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """A signed request's body as Slack's payload: an Events API envelope, a slash command's form, or an
    interaction (form field `payload`, JSON). MalformedPayload for anything Slack would never send."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("the body is not UTF-8") from exc
    if content_type.startswith("application/json") or text.lstrip().startswith("{"):
        body = _json_object(text)
    else:
        # Parsed as the form it is: Bolt's own parser takes any body containing "payload" for an interaction.
        fields = dict(parse_qsl(text, keep_blank_values=True))
        body = _json_object(fields["payload"]) if "payload" in fields else dict(fields)
    check_shape(body)
    return body


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedPayload("the payload is not JSON") from exc
    if not isinstance(value, dict):
        raise MalformedPayload("the payload is not a JSON object")
    return value


def check_shape(body: Mapping[str, Any]) -> None:
    """What every request of its kind carries, checked once so listeners can rely on it."""
    kind = body.get("type")
    if "ssl_check" in body or kind == "url_verification":
        return
    if "command" in body:
        _require(isinstance(body["command"], str), "a command without its name")
        slack_ids(body)
        return
    if kind == "event_callback":
        event = body.get("event")
        _require(isinstance(event, dict) and isinstance(event.get("type"), str), "an event without its type")
        _require(
            isinstance(body.get("event_id"), str) and isinstance(body.get("team_id"), str),
            "an event without its id or workspace",
        )
        return
    _require(isinstance(kind, str) and bool(kind), "a payload without a type")
    slack_ids(body)
    if kind == "block_actions":
        actions = body.get("actions")
        _require(
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions),
            "block actions without actions",
        )
    if kind in INTERACTIONS_WITH_A_VIEW:
        view = body.get("view")
        if not isinstance(view, dict):
            raise MalformedPayload("a view interaction without its view")
        state = view.get("state", {})
        _require(isinstance(state, dict) and isinstance(state.get("values", {}), dict), "a view with a broken state")


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise MalformedPayload(problem)
