"""The playground's own API, without a browser: what it refuses, and what Slack would say when the app
does not answer or refuses the request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.serving import BackgroundServer
from local_slack import FakeSlack
from local_slack.playground import Person, Playground
from tests.playground.conftest import wait_until
from tests.playground.kitchen_sink import kitchen_sink_app

PAGE = {"X-Playground": "1"}
OWNER = Person("Owner", "Olga Owner", "olga@example.com")


@dataclass
class Api:
    url: str
    playground: Playground

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(f"{self.url}/api/{path}", json=body, headers=PAGE if headers is None else headers, timeout=10)

    def conversation_text(self, conversation: str = "C0GENERAL") -> str:
        state = httpx.get(
            f"{self.url}/api/state", params={"user": OWNER.slack_id, "conversation": conversation, "since": -1}
        )
        return str(state.json()["messages"])


@pytest.fixture
def api() -> Iterator[Api]:
    fake = FakeSlack(token="xoxb-page-api")

    async def people() -> list[Person]:
        return [OWNER]

    playground = Playground(fake, signing_secret="the-playgrounds-secret", people=people, commands=[])
    with BackgroundServer(playground.app) as server:
        fake.bind(f"{server.url}/slack")
        yield Api(server.url, playground)
        playground.stop_waiting()


def test_only_its_own_page_on_a_loopback_name_may_use_it(api: Api):
    command = {"user": OWNER.slack_id, "conversation": "C0GENERAL", "text": "/kilo"}
    assert api.post("command", command, headers={}).status_code == 403
    assert httpx.get(f"{api.url}/api/setup", headers={"Host": "attacker.example"}).status_code == 400
    assert httpx.get(f"{api.url}/api/setup", headers={"Host": "localhost"}).status_code == 200


def test_unknown_people_and_conversations_are_refused(api: Api):
    assert api.post("command", {"user": "U0NOBODY", "conversation": "C0GENERAL", "text": "/kilo"}).status_code == 400
    unknown = api.post("command", {"user": OWNER.slack_id, "conversation": "C0MADEUP", "text": "/kilo"})
    assert unknown.status_code == 400 and "no conversation C0MADEUP" in unknown.json()["error"]
    assert "C0MADEUP" not in httpx.get(f"{api.url}/api/state", params={"user": OWNER.slack_id}).text


def test_a_command_before_the_app_runs_fails_as_in_slack(api: Api):
    api.post("command", {"user": OWNER.slack_id, "conversation": "C0GENERAL", "text": "/kilo usage"})
    shown = api.conversation_text()
    assert "failed with the error “dispatch_failed”: the app is not running yet" in shown


def test_another_slash_command_is_not_installed(api: Api):
    api.post("command", {"user": OWNER.slack_id, "conversation": "C0GENERAL", "text": "/giphy cats"})
    assert "is not a valid command" in api.conversation_text()


def test_an_app_with_another_signing_secret_refuses_the_request_and_the_person_is_told(api: Api):
    received: list[dict[str, Any]] = []
    bolt = AsyncSlackRequestHandler(
        kitchen_sink_app("xoxb-page-api", api.playground.fake.api_url, "another-secret", received)
    )

    async def events(request: Request) -> Response:
        return await bolt.handle(request)

    with BackgroundServer(Starlette(routes=[Route("/slack/events", events, methods=["POST"])])) as app:
        api.playground.bot_url = app.url
        api.post("command", {"user": OWNER.slack_id, "conversation": "C0GENERAL", "text": "/kilo menus"})
        wait_until(lambda: "HTTP 401" in api.conversation_text(), "the refusal")
    assert received == []


def test_when_the_organizations_people_cannot_be_listed_the_page_is_told_why():
    fake = FakeSlack(token="xoxb-page-api")

    async def refused() -> list[Person]:
        raise PermissionError("The API key is wrong or was revoked.")

    playground = Playground(fake, signing_secret="secret", people=refused, commands=[])
    with BackgroundServer(playground.app) as server:
        setup = httpx.get(f"{server.url}/api/setup")
        command = httpx.post(
            f"{server.url}/api/command", json={"user": "U1", "conversation": "C0GENERAL", "text": "/kilo"}, headers=PAGE
        )
        playground.stop_waiting()
    expected = "The playground could not list the organization's people: The API key is wrong or was revoked."
    assert (setup.status_code, setup.json()["error"]) == (503, expected)
    assert (command.status_code, command.json()["error"]) == (503, expected)
