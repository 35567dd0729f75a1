"""Reading Slack's payloads one way, whatever their kind (slash command, block action, view, event)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class MalformedPayload(ValueError):
    """A signed request whose payload lacks what every Slack request of its kind carries."""


@dataclass(frozen=True)
class SlackIds:
    """The workspace and the person a request comes from."""

    team_id: str
    user_id: str


def slack_ids(body: Mapping[str, Any]) -> SlackIds:
    """Slash commands carry `team_id`/`user_id`, interactions `team.id`/`user.id`, events `team_id`/`event.user`."""
    team, user, event = body.get("team"), body.get("user"), body.get("event")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if isinstance(user, dict):
        team_id = team_id or user.get("team_id")  # org-wide installs leave `team` empty
    user_id = body.get("user_id") or (user.get("id") if isinstance(user, dict) else None)
    if user_id is None and isinstance(event, dict):
        user_id = event.get("user")
    if not (isinstance(team_id, str) and team_id and isinstance(user_id, str) and user_id):
        raise MalformedPayload("the request names no Slack workspace or user")
    return SlackIds(team_id, user_id)
