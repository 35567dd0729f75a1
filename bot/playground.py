"""`kilo-bot run` without Slack tokens: the local playground (local_slack.playground) on loopback, with the
organization's people to be, /kilo's commands to complete, and the app's Slack calls sent to its stand-in."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import socket
import textwrap
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from tzlocal import get_localzone_name

from bot.commands import SUBCOMMANDS
from bot.kilo_client import KiloClient
from bot.scheduler import standalone_due_work
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.shapes import Caller
from bot.store import BotStore, Connection
from bot.views.help import help_message
from kilo_api import schemas
from kilo_api.enums import MemberStatus, Role
from kilo_db.types import utcnow
from local_slack import FakeSlack
from local_slack.playground import CommandHint, Person, Playground

LOOPBACK = "127.0.0.1"  # the playground acts as anyone in the organization: never beyond this machine
TEAM_ID = "T0PLAYGRND"
OUTSIDER = Person("Not a member", "Sam Visitor", "sam.visitor@example.com")
SLACK_ADMIN = Person("Slack admin, not in Kilo", "Alex Workspace", "alex.workspace@example.com", slack_admin=True)
ROLES = ((Role.OWNER, "Owner"), (Role.ADMIN, "Admin"), (Role.MEMBER, "Member"))


def wanted(settings: Settings) -> bool:
    """Only a run without any Slack credentials gets the playground: with them, Slack is the way in."""
    return not (settings.slack_bot_token or settings.slack_app_token or settings.slack_client_id)


def command_hints() -> list[CommandHint]:
    """What the composer completes: every command `/kilo help` shows an Owner, then any subcommand it
    does not mention."""
    owner = schemas.MemberOut(
        id="playground",
        name="Owner",
        email="owner@example.com",
        role=Role.OWNER,
        status=MemberStatus.ACTIVE,
        invited_at=None,
        invite_expires_at=None,
        joined_at=None,
        last_activity_at=None,
        daily_limit_microdollars=None,
    )
    caller = Caller(TEAM_ID, "U0HELP", ZoneInfo("UTC"), owner, "your organization")
    hints: dict[str, CommandHint] = {}
    for block in help_message(caller).blocks:
        text = (block.to_dict().get("text") or {}).get("text", "")
        for line in text.splitlines():
            description = line.split(" — ", 1)[1] if " — " in line else ""
            for usage in re.findall(r"`(/kilo[^`]*)`", line):
                hints.setdefault(usage, CommandHint(usage, description))
    mentioned = {usage.split()[1] for usage in hints if len(usage.split()) > 1}
    for word in SUBCOMMANDS:
        if word not in mentioned:
            hints[f"/kilo {word}"] = CommandHint(f"/kilo {word}", "")
    return list(hints.values())


def local_time_zone() -> str:
    try:
        return get_localzone_name() or "UTC"
    except Exception:  # no zone configured on this machine
        return "UTC"


def people_finder(
    settings: Settings, store: BotStore, preferred_emails: Sequence[str] = ()
) -> Callable[[], Awaitable[list[Person]]]:
    """An Owner, an Admin and a Member of the connected organization (those of `preferred_emails` when
    they have the role, e.g. the demo's own, else the first by name), and someone outside it; before any
    organization is connected, a Slack admin who can `/kilo connect`."""

    async def people() -> list[Person]:
        from bot.app import env_connection  # the app's own rule: a saved connection, else KILO_API_URL/KEY

        connection: Connection | None = await asyncio.to_thread(store.connection, TEAM_ID) or env_connection(settings)
        if connection is None:
            return [SLACK_ADMIN, OUTSIDER]
        zone = local_time_zone()
        found = []
        async with KiloClient(connection.api_url, connection.api_key, read_cache_seconds=0) as client:
            preferred = [m for m in [await client.member_by_email(e) for e in preferred_emails] if m is not None]
            for role, label in ROLES:
                chosen = [m for m in preferred if m.role is role][:1]
                if not chosen:
                    chosen = (await client.members(role=role, status=MemberStatus.ACTIVE, limit=1)).members
                found += [Person(label, m.name, m.email, zone, slack_admin=role is Role.OWNER) for m in chosen]
        return [*found, OUTSIDER]

    return people


SendDue = Callable[[], Awaitable[str]]


def digest_sender(settings: Settings, store: BotStore) -> SendDue:
    """The page's "send due digests now": one tick of the scheduler's own work (bot.scheduler), wired as
    `kilo-bot digests send-due` wires it, against this playground's stand-in Slack."""

    async def send_now() -> str:
        async with standalone_due_work(settings, store) as work:
            report = await work.send_due(utcnow())
        return f"Due digests: {report.summary()}"

    return send_now


@dataclass
class RunningPlayground:
    playground: Playground
    server: BackgroundServer
    token: str

    @property
    def url(self) -> str:
        return f"{self.server.url}/"

    def environment(self) -> dict[str, str]:
        """What the app's processes need to talk to the playground's Slack instead of Slack."""
        return {"SLACK_API_URL": self.playground.fake.api_url, "SLACK_BOT_TOKEN": self.token}

    def banner(self) -> str:
        return textwrap.dedent(
            f"""
            ┌ Try it in your browser, without Slack: {self.url}
            │ A stand-in for Slack on this machine only: pick who you are (the organization's Owner, an Admin,
            │ a Member, or someone outside it) and type /kilo usage. Each command and click reaches
            └ POST /slack/events signed as Slack would send it; the app's Slack calls go to the stand-in.
            """
        )

    def stop(self) -> None:
        self.playground.stop_waiting()
        self.server.stop()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


class _PlaygroundTrafficFilter(logging.Filter):
    """Keeps the page's own requests (and the app's calls to the stand-in Slack) out of the access log,
    which stays about POST /slack/events; uvicorn's access logger is shared by every server in a process."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = record.args[2] if isinstance(record.args, tuple) and len(record.args) > 2 else None
        return not (isinstance(path, str) and (path in ("/", "/favicon.ico") or path.startswith(PLAYGROUND_PATHS)))


PLAYGROUND_PATHS = ("/api/", "/static/", "/files/", "/slack/api/", "/slack/response/", "/slack/upload/")


def start(
    settings: Settings,
    store: BotStore,
    *,
    signing_secret: str,
    bot_url: str,
    preferred_port: int,
    people_emails: Sequence[str] = (),
) -> RunningPlayground:
    """Serve the playground on loopback (the preferred port, else any free one) for the app at `bot_url`."""
    token = f"xoxb-playground-{secrets.token_hex(12)}"
    fake = FakeSlack(token=token, team_id=TEAM_ID)  # the workspace the app's token belongs to (auth.test)
    playground = Playground(
        fake,
        signing_secret=signing_secret,
        people=people_finder(settings, store, people_emails),
        commands=command_hints(),
        team_id=TEAM_ID,
        bot_url=bot_url,
    )
    port = preferred_port if 0 < preferred_port < 65536 and _port_free(preferred_port) else 0
    server = BackgroundServer(playground.app, host=LOOPBACK, port=port).start()
    logging.getLogger("uvicorn.access").addFilter(_PlaygroundTrafficFilter())
    fake.bind(f"{server.url}/slack")
    slack_settings = settings.model_copy(update={"slack_bot_token": SecretStr(token), "slack_api_url": fake.api_url})
    playground.send_due = digest_sender(slack_settings, store)
    return RunningPlayground(playground, server, token)
