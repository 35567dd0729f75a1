"""Driving the admin modals as a person does: a command or click opens one (loading, then the form), the
form is submitted with typed values, Slack applies the answer; all through signed POST /slack/events."""

from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import httpx

from local_slack import SlackUser, interactivity
from local_slack.interactivity import Typed
from tests.factories import TestOrg
from tests.slack.conftest import Workspace, WorkspaceFactory
from tests.slack.test_commands import point_at

WAIT_SECONDS = 15.0


def _wait(found: Any, what: str, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {timeout}s")


def opened_view_id(ws: Workspace, trigger_id: str) -> str:
    """The modal the trigger opened, once the bot has replaced its loading view (views.update)."""
    opened = _wait(
        lambda: [c for c in ws.slack.calls_to("views.open") if c.args.get("trigger_id") == trigger_id],
        "views.open with this trigger",
    )[0]
    assert opened.answer is not None and opened.answer["ok"], opened.answer
    view_id: str = opened.answer["view"]["id"]
    _wait(lambda: [c for c in ws.slack.calls_to("views.update") if c.args.get("view_id") == view_id], "views.update")
    return view_id


@dataclass
class Modal:
    ws: Workspace
    view_id: str

    @property
    def view(self) -> dict[str, Any]:
        return self.ws.slack.view(self.view_id)

    def submission(self, who: SlackUser, typed: dict[str, Typed], *, team_id: str | None = None) -> str:
        """The signed-to-be body of a view_submission of this modal as it is now."""
        payload = interactivity.view_submission(
            self.view, user_id=who.id, team_id=team_id or who.team_id, typed=typed, user_name=who.name
        )
        return urlencode({"payload": json.dumps(payload)})

    def submit(
        self, who: SlackUser, typed: dict[str, Typed] | None = None, *, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Submit as `who`; Slack applies the answer to the modal; the answer is returned."""
        response = self.ws.post(self.submission(who, typed or {}), headers=headers)
        return self.answered(response)

    def answered(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        assert response.elapsed.total_seconds() < 3, "Slack waits 3 s for the answer"
        answer: dict[str, Any] = response.json() if response.content else {}
        self.ws.slack.answer_submission(self.view_id, answer)
        return answer

    def settled(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """The modal once it no longer says it is working (a slow submission ends with views.update)."""
        return dict(_wait(lambda: None if "Working on it" in texts_of(self.view) else self.view, "result", timeout))

    def click(self, who: SlackUser, action_id: str, typed: dict[str, Typed] | None = None) -> str:
        """Click a button inside the modal; returns the trigger it carried."""
        trigger = self.ws.slack.trigger(from_view=self.view_id)
        payload = interactivity.view_action(
            self.view, action_id, user_id=who.id, team_id=who.team_id, trigger_id=trigger, typed=typed
        )
        response = self.ws.post(urlencode({"payload": json.dumps(payload)}))
        assert response.status_code == 200 and response.elapsed.total_seconds() < 3
        return trigger


def post_view_action(ws: Workspace, who: SlackUser, view: dict[str, Any], action_id: str, trigger_id: str) -> None:
    """A click on a button of a view that is not a modal of ours to drive (the Home tab)."""
    payload = interactivity.view_action(view, action_id, user_id=who.id, team_id=ws.team_id, trigger_id=trigger_id)
    response = ws.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3


def texts_of(view: dict[str, Any]) -> str:
    """What a person reads in a view: its title, block texts, fields, input labels and button labels."""
    parts = [view.get("title", {}).get("text", "")]
    for block in view.get("blocks", []):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts += [field["text"] for field in block.get("fields") or []]
        if block.get("type") == "input":
            parts.append(block["label"]["text"])
        for element in block.get("elements") or []:
            text = element.get("text")
            parts.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(parts)


def run(ws: Workspace, who: SlackUser, text: str, trigger: str | None = None) -> tuple[str, str]:
    """/kilo TEXT as `who`: (trigger_id, response_url key)."""
    key, trigger = secrets.token_hex(6), trigger or ws.slack.trigger()
    body = urlencode(
        {
            "token": "verification-token-unused",
            "team_id": ws.team_id,
            "team_domain": "kilo-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": who.id,
            "user_name": who.name.split()[0].lower(),
            "command": "/kilo",
            "text": text,
            "api_app_id": "A0KILO",
            "is_enterprise_install": "false",
            "response_url": ws.slack.response_url(key),
            "trigger_id": trigger,
        }
    )
    response = ws.post(body)
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3
    return trigger, key


def open_modal(ws: Workspace, who: SlackUser, text: str) -> Modal:
    trigger, _key = run(ws, who, text)
    return Modal(ws, opened_view_id(ws, trigger))


def answer(ws: Workspace, who: SlackUser, text: str) -> tuple[dict[str, Any], str]:
    """/kilo TEXT answered with a message: (the message, its response_url key)."""
    _trigger, key = run(ws, who, text)
    return ws.slack.wait_for_response(key), key


def click_in_message(
    ws: Workspace,
    who: SlackUser,
    message: dict[str, Any],
    key: str,
    action_id: str,
    *,
    option: str | None = None,
    in_block_with: str | None = None,
) -> str:
    """Click a button (or choose an overflow option) in an answer; returns the trigger it carried."""
    trigger = ws.slack.trigger()
    payload = interactivity.message_action(
        message,
        action_id,
        user_id=who.id,
        team_id=ws.team_id,
        trigger_id=trigger,
        response_url=ws.slack.response_url(key),
        option=option,
        in_block_with=in_block_with,
    )
    response = ws.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200, response.text
    assert response.elapsed.total_seconds() < 3
    return trigger


def modal_from_message(
    ws: Workspace,
    who: SlackUser,
    message: dict[str, Any],
    key: str,
    action_id: str,
    *,
    option: str | None = None,
    in_block_with: str | None = None,
) -> Modal:
    trigger = click_in_message(ws, who, message, key, action_id, option=option, in_block_with=in_block_with)
    return Modal(ws, opened_view_id(ws, trigger))


def posted_at_once(ws: Workspace, body: str, times: int = 20) -> list[httpx.Response]:
    """The same signed body posted `times` times from as many threads released together (a double
    submit, Slack's retries and another replica at one moment)."""
    start = threading.Barrier(times)

    def post(_index: int) -> httpx.Response:
        start.wait()
        return ws.post(body)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(post, range(times)))


def backend(http: httpx.Client, ws: Workspace, path: str, actor: Any = None, **params: Any) -> Any:
    response = http.get(ws.org.path(path), params=params, headers=ws.org.headers(actor))
    assert response.status_code == 200, response.text
    return response.json()


def audit(http: httpx.Client, ws: Workspace, action: str | None = None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = backend(http, ws, "/audit-log", actor=ws.org.owner, limit=200)
    return [e for e in entries if action is None or e["action"] == action]


def with_org(workspaces: WorkspaceFactory, org: TestOrg) -> Workspace:
    """A new workspace connected to `org`, its Owner, Admin and a Member being the Slack people (before the
    bot has seen the workspace, so nothing of the first organization is cached)."""
    ws = workspaces.create()
    point_at(replace(ws, org=org), workspaces.bot_store, workspaces.backend_url)
    people = [(org.owner, ws.owner), (org.admin, ws.admin), (org.member, ws.member)]
    owner, admin, member = (ws.slack.add_user(replace(user, email=person.email)) for person, user in people)
    return replace(ws, org=org, owner=owner, admin=admin, member=member)
