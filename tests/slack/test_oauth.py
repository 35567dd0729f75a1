"""Multi-workspace installs over Slack's OAuth, then each workspace connected to its own organization."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import create_bolt_app, create_web_app
from bot.ids import ActionId, BlockId
from bot.migrate import upgrade as upgrade_bot
from bot.oauth import BOT_SCOPES
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore
from local_slack import FakeSlack, SlackUser
from tests.factories import OrganizationFactory
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, SQLITE_ONLY, Workspace, texts


@pytest.fixture(scope="module")
def oauth_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('oauth')) / 'bot.sqlite3'}"
    upgrade_bot(url)
    return url


@pytest.fixture(scope="module")
def oauth_bot_url(fake_slack: FakeSlack, oauth_database: str) -> Iterator[str]:
    url = oauth_database
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET)
    settings = Settings(
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        database_url=url,
        kilo_read_cache_seconds=0,
        kilo_connect_allow_local=True,  # the test backend listens on loopback over http
    )
    with BackgroundServer(create_web_app(create_bolt_app(settings, BotStore(url)))) as server:
        yield server.url


def consent_state(bot_url: str) -> tuple[str, str]:
    """The install link's state, and the cookie that carries it."""
    page = httpx.get(f"{bot_url}/slack/install")
    assert page.status_code == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    assert link is not None, page.text
    query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    # The state is also in a Secure cookie, which httpx will not send over plain http: send it by hand.
    return query["state"][0], page.headers["set-cookie"].split(";", 1)[0]


def redirect_back(bot_url: str, code: str, state: str, cookie: str) -> httpx.Response:
    return httpx.get(
        f"{bot_url}/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
    )


def install(bot_url: str, fake: FakeSlack, team_id: str, installer: str) -> httpx.Response:
    """The install link, Slack's consent (a code for this team), then the redirect back to the bot."""
    return redirect_back(bot_url, fake.authorization_code(team_id, installer), *consent_state(bot_url))


@SQLITE_ONLY
def test_a_workspace_installs_connects_and_is_answered_with_its_own_token(
    oauth_bot_url: str,
    oauth_database: str,
    fake_slack: FakeSlack,
    orgs: OrganizationFactory,
    backend_server: BackgroundServer,
):
    team_id = f"TOA{secrets.token_hex(3).upper()}"
    org = orgs.create(name="OAuth Org")
    admin = fake_slack.add_user(SlackUser(f"UA{team_id}", org.owner.email, "Installer", "UTC", team_id, is_admin=True))
    ws = Workspace(team_id, org, "OAuth Org", admin, admin, admin, admin, fake_slack, oauth_bot_url)

    finished = install(oauth_bot_url, fake_slack, team_id, admin.id)
    assert finished.status_code == 200, finished.text
    issued = next(token for token, team in fake_slack.state.tokens.items() if team == team_id)

    opened = len(fake_slack.calls_to("views.open"))
    assert ws.command(admin, "connect").http.status_code == 200
    call = fake_slack.wait_for_call("views.open", count=opened + 1)[-1]
    assert call.token == issued
    answer = ws.submit_view(
        admin,
        call.args["view"],
        {
            BlockId.CONNECT_URL: {ActionId.CONNECT_URL: backend_server.url},
            BlockId.CONNECT_KEY: {ActionId.CONNECT_KEY: org.api_key},
        },
    ).json()
    assert answer["response_action"] == "update"

    shown = texts(ws.ask(admin, "org"))
    assert "OAuth Org" in shown and "of 10 seats used" in shown
    assert {c.token for c in fake_slack.calls_to("users.info") if c.args.get("user") == admin.id} == {issued}
    store = BotStore(oauth_database)
    with store.engine.connect() as connection:
        kept = [
            str(token)
            for table in ("slack_bots", "slack_installations")
            for token in connection.execute(text(f"select bot_token from {table} where team_id = :t"), {"t": team_id})
            .scalars()
            .all()
        ]
    store.engine.dispose()
    assert len(kept) == 2 and not [token for token in kept if issued in token]  # Slack's token is stored encrypted


def test_a_workspace_that_never_installed_is_told_to_install(oauth_bot_url: str, fake_slack: FakeSlack):
    stranger_team = f"TNO{secrets.token_hex(3).upper()}"
    user = fake_slack.add_user(SlackUser(f"UN{stranger_team}", "x@example.com", "Nobody", "UTC", stranger_team))
    ws = Workspace(stranger_team, None, "", user, user, user, user, fake_slack, oauth_bot_url)  # type: ignore[arg-type]
    reply = ws.command(user, "usage")
    assert reply.http.status_code == 200
    told = fake_slack.wait_for_response(reply.response_key)
    assert "Kilo for Teams is not installed in this workspace" in told["text"]


def test_a_replayed_or_forged_state_is_refused(oauth_bot_url: str, fake_slack: FakeSlack):
    forged_code = fake_slack.authorization_code("TFORGED", "UFORGED")
    forged = httpx.get(f"{oauth_bot_url}/slack/oauth_redirect", params={"code": forged_code, "state": "forged"})
    assert forged.status_code == 400  # no cookie from this browser carries that state
    first_team, replaying_team = (f"T{label}{secrets.token_hex(3).upper()}" for label in ("FIRST", "REPLAY"))
    state, cookie = consent_state(oauth_bot_url)
    first = redirect_back(oauth_bot_url, fake_slack.authorization_code(first_team, "U1"), state, cookie)
    assert first.status_code == 200, first.text
    # the same state again, with a fresh code Slack would accept: only the state can refuse it
    replayed = redirect_back(oauth_bot_url, fake_slack.authorization_code(replaying_team, "U2"), state, cookie)
    assert replayed.status_code == 401  # the state was consumed by the first install
    issued_to = set(fake_slack.state.tokens.values())
    assert first_team in issued_to and not {"TFORGED", replaying_team} & issued_to


def test_manifest_declares_the_scopes_the_oauth_flow_asks_for():
    manifest = Path(__file__).resolve().parents[2] / "manifest.yml"
    section = manifest.read_text().split("    bot:\n", 1)[1].split("settings:", 1)[0]
    declared = {
        line.strip().removeprefix("- ").split()[0] for line in section.splitlines() if line.strip().startswith("- ")
    }
    assert declared == set(BOT_SCOPES)
