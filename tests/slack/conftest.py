"""The bot served over HTTP, a strict fake of Slack's Web API, and workspaces whose people are members."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import create_bolt_app, create_web_app
from bot.migrate import upgrade as upgrade_bot
from bot.oauth import BOT_SCOPES, async_database_url, installation_store
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack, SlackUser
from tests.conftest import Clock
from tests.factories import SQLITE_ONLY, OrganizationFactory, TestOrg
from tests.slack.backend_proxy import backend_proxy as backend_proxy  # a fixture for every Slack test

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"

# Slack tests need one database only (the backend's own suite covers PostgreSQL); each module sets
# `pytestmark = SQLITE_ONLY`.
__all__ = ["SQLITE_ONLY"]


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=BOT_TOKEN)
    fake.add_channel("C0GENERAL", "general")  # where the tests' slash commands are typed
    fake.grant(BOT_TOKEN, set(BOT_SCOPES))  # exactly what manifest.yml asks for (a test keeps them equal)
    with BackgroundServer(fake.app) as server:
        fake.bind(server.url)
        yield fake


@pytest.fixture(scope="session")
def bot_store(tmp_path_factory: pytest.TempPathFactory) -> BotStore:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('bot')) / 'bot.sqlite3'}"
    upgrade_bot(url)
    return BotStore(url)


@pytest.fixture(scope="session")
def bot_settings(fake_slack: FakeSlack, bot_store: BotStore) -> Settings:
    """A distributed app (OAuth): each test workspace is installed with its own bot token."""
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET)
    return Settings(
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        database_url=str(bot_store.engine.url),
        kilo_api_timeout_seconds=2.0,
        kilo_read_cache_seconds=0,  # tests change data between commands; the cache has its own tests
        kilo_connect_allow_local=True,  # the test backend listens on loopback over http
        kilo_scheduler_enabled=False,  # digest tests tick with their own clock
    )


@pytest.fixture(scope="session")
def bolt_app(bot_settings: Settings, bot_store: BotStore, clock: Clock) -> AsyncApp:
    # The bot and the backend share one clock, as they share real time in production.
    return create_bolt_app(bot_settings, bot_store, clock=clock)


@pytest.fixture(scope="session")
def bot_url(bolt_app: AsyncApp) -> Iterator[str]:
    with BackgroundServer(create_web_app(bolt_app)) as server:
        yield server.url


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    stamp = str(timestamp or int(time.time()))
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)),
    }


@dataclass
class Reply:
    http: httpx.Response
    response_key: str


@dataclass
class Workspace:
    """A Slack workspace connected to one Kilo organization, with an Owner, Admin, Member and a stranger."""

    team_id: str
    org: TestOrg
    org_name: str
    owner: SlackUser
    admin: SlackUser
    member: SlackUser
    stranger: SlackUser
    slack: FakeSlack
    bot_url: str

    def post(
        self, body: str, content_type: str = "application/x-www-form-urlencoded", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        all_headers = {"Content-Type": content_type, **sign(body), **(headers or {})}
        return httpx.post(f"{self.bot_url}/slack/events", content=body, headers=all_headers, timeout=10)

    def command(self, who: SlackUser, text: str, response_key: str | None = None) -> Reply:
        key = response_key or secrets.token_hex(6)
        body = urlencode(
            {
                "token": "verification-token-unused",
                "team_id": self.team_id,
                "team_domain": "kilo-test",
                "channel_id": "C0GENERAL",
                "channel_name": "general",
                "user_id": who.id,
                "user_name": who.name.split()[0].lower(),
                "command": "/kilo",
                "text": text,
                "api_app_id": "A0KILO",
                "is_enterprise_install": "false",
                "response_url": self.slack.response_url(key),
                "trigger_id": self.slack.trigger(),
            }
        )
        return Reply(self.post(body), key)

    def ask(self, who: SlackUser, text: str) -> dict[str, Any]:
        """Run /kilo TEXT as `who` and return what reached Slack's response_url."""
        reply = self.command(who, text)
        assert reply.http.status_code == 200, reply.http.text
        return self.slack.wait_for_response(reply.response_key)

    def click(self, who: SlackUser, action: dict[str, Any], response_key: str) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "kilo-test"},
            "user": {"id": who.id, "team_id": self.team_id, "username": who.name.split()[0].lower()},
            "api_app_id": "A0KILO",
            "token": "verification-token-unused",
            "container": {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True},
            "trigger_id": self.slack.trigger(),
            "channel": {"id": "C0GENERAL", "name": "general"},
            "response_url": self.slack.response_url(response_key),
            "actions": [{**action, "type": "button", "action_ts": str(time.time())}],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def submit_view(self, who: SlackUser, view: dict[str, Any], values: dict[str, dict[str, str]]) -> httpx.Response:
        """Submit a modal as `who`, with {block_id: {action_id: typed value}}."""
        state = {
            block: {action: {"type": "plain_text_input", "value": value} for action, value in actions.items()}
            for block, actions in values.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "kilo-test"},
            "user": {"id": who.id, "username": who.name.split()[0].lower(), "team_id": self.team_id},
            "api_app_id": "A0KILO",
            "token": "verification-token-unused",
            "trigger_id": f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}",
            # Slack gives each opened view its own id and hash
            "view": {
                **view,
                "id": f"V{secrets.token_hex(5).upper()}",
                "hash": secrets.token_hex(8),
                "team_id": self.team_id,
                "state": {"values": state},
            },
            "response_urls": [],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def submit_view_state(self, who: SlackUser, view: dict[str, Any], state: dict[str, Any]) -> httpx.Response:
        """Submit a modal as `who` with Slack's own state values ({block_id: {action_id: {type, …}}})."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "kilo-test"},
            "user": {"id": who.id, "username": who.name.split()[0].lower(), "team_id": self.team_id},
            "api_app_id": "A0KILO",
            "token": "verification-token-unused",
            "trigger_id": "3.4",
            "view": {**view, "id": "V0MODAL", "team_id": self.team_id, "state": {"values": state}},
            "response_urls": [],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def open_home(
        self, who: SlackUser, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        envelope = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": "A0KILO",
            "event": {
                "type": "app_home_opened",
                "user": who.id,
                "channel": "D0HOME",
                "tab": "home",
                "event_ts": str(time.time()),
            },
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "U0KILOBOT", "is_bot": True}],
        }
        return self.post(json.dumps(envelope), "application/json", headers)


def install(slack: FakeSlack, bot_store: BotStore, team_id: str) -> str:
    """The app installed in `team_id`: a bot token Slack knows, kept in the bot's installation store."""
    token = slack.install_workspace(team_id)
    slack.grant(token, set(BOT_SCOPES))  # exactly what manifest.yml asks for

    async def save() -> None:
        engine = create_async_engine(async_database_url(str(bot_store.engine.url)))
        await installation_store(CLIENT_ID, engine, bot_store.secrets).async_save(
            Installation(
                app_id="A0KILO",
                team_id=team_id,
                user_id="UINSTALLER",
                bot_token=token,
                bot_id=f"B{team_id}",
                bot_user_id="U0KILOBOT",
                bot_scopes=",".join(BOT_SCOPES),
            )
        )
        await engine.dispose()

    asyncio.run(save())
    return token


@dataclass
class WorkspaceFactory:
    orgs: OrganizationFactory
    backend_url: str
    bot_store: BotStore
    slack: FakeSlack
    bot_url: str

    def install(self, team_id: str) -> str:
        return install(self.slack, self.bot_store, team_id)

    def create(self, *, seats: int = 10, members: int = 5, start: datetime | None = None) -> Workspace:
        """A new organization (created and subscribed at `start`, by default the 1st of this month), connected to
        a new Slack workspace whose four people are registered in Slack."""
        name = f"Org {secrets.token_hex(2)}"
        org = self.orgs.create(seats=seats, members=members, name=name, start=start)
        team_id = f"T{secrets.token_hex(4).upper()}"
        self.install(team_id)
        self.bot_store.save_connection(
            Connection(team_id, org.id, self.backend_url, org.api_key), connected_by=None, now=datetime.now(UTC)
        )

        def user(label: str, email: str | None, person: str, tz: str = "Europe/Berlin") -> SlackUser:
            return self.slack.add_user(SlackUser(f"U{label}{team_id[1:7]}", email, person, tz, team_id))

        return Workspace(
            team_id=team_id,
            org=org,
            org_name=name,
            owner=user("OWN", org.owner.email, org.owner.name, "America/New_York"),
            admin=user("ADM", org.admin.email, org.admin.name),
            member=user("MEM", org.member.email, org.member.name, "Asia/Tokyo"),
            stranger=user("STR", f"stranger-{team_id}@elsewhere.dev", "Sam Stranger"),
            slack=self.slack,
            bot_url=self.bot_url,
        )


@pytest.fixture
def workspaces(
    orgs: OrganizationFactory,
    backend_server: BackgroundServer,
    bot_store: BotStore,
    fake_slack: FakeSlack,
    bot_url: str,
) -> WorkspaceFactory:
    return WorkspaceFactory(orgs, backend_server.url, bot_store, fake_slack, bot_url)


@pytest.fixture
def workspace(workspaces: WorkspaceFactory) -> Workspace:
    return workspaces.create()


def texts(message: dict[str, Any]) -> str:
    """Every piece of text a person would read in a message or view, in order."""
    parts: list[str] = [message.get("text", "")] if "blocks" not in message else []
    for block in message.get("blocks", []):
        for key in ("text",):
            if isinstance(block.get(key), dict):
                parts.append(block[key]["text"])
        for item in block.get("fields", []) or []:
            parts.append(item["text"])
        for element in block.get("elements", []) or []:
            if isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                parts.append(element["text"])
        accessory = block.get("accessory")
        if accessory and isinstance(accessory.get("text"), dict):
            parts.append(accessory["text"]["text"])
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            found += block["elements"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found
