"""A workspace sees its own organization or none: the default connection never leaks to another workspace."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from bot.app import create_bolt_app, create_web_app
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import DEFAULT_TEAM, BotStore, Connection
from local_slack import FakeSlack, SlackUser
from tests.factories import OrganizationFactory, TestOrg
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, SQLITE_ONLY, Workspace, install, texts

pytestmark = SQLITE_ONLY


def serve(settings: Settings, store: BotStore) -> BackgroundServer:
    return BackgroundServer(create_web_app(create_bolt_app(settings, store)))


def person_of(org: TestOrg, slack: FakeSlack, team_id: str, url: str) -> Workspace:
    """Someone in `team_id` whose Slack email is the Owner's of `org`."""
    owner = slack.add_user(SlackUser(f"UO{team_id}", org.owner.email, org.owner.name, "UTC", team_id))
    return Workspace(team_id, org, "", owner, owner, owner, owner, slack, url)


@pytest.fixture
def default_org(orgs: OrganizationFactory) -> TestOrg:
    return orgs.create(name="Default Org")


@pytest.fixture
def oauth_bot_with_a_default(
    fake_slack: FakeSlack, bot_store: BotStore, backend_server, default_org: TestOrg
) -> Iterator[str]:
    """Multi-workspace OAuth, and also KILO_API_URL/KILO_API_KEY plus a default row, as an operator might leave them."""
    bot_store.save_connection(
        Connection(DEFAULT_TEAM, default_org.id, backend_server.url, default_org.api_key),
        connected_by=None,
        now=datetime.now(UTC),
    )
    settings = Settings(
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        database_url=str(bot_store.engine.url),
        kilo_api_url=backend_server.url,
        kilo_api_key=SecretStr(default_org.api_key),
        kilo_read_cache_seconds=0,
    )
    try:
        with serve(settings, bot_store) as server:
            yield server.url
    finally:
        with bot_store.sessions.begin() as session:
            from bot.store import WorkspaceConnection

            session.query(WorkspaceConnection).filter_by(team_id=DEFAULT_TEAM).delete()


def test_an_installed_but_unconnected_workspace_sees_no_other_organization(
    oauth_bot_with_a_default: str, fake_slack: FakeSlack, bot_store: BotStore, default_org: TestOrg
):
    team_id = f"TNC{secrets.token_hex(3).upper()}"
    install(fake_slack, bot_store, team_id)
    ws = person_of(default_org, fake_slack, team_id, oauth_bot_with_a_default)
    shown = texts(ws.ask(ws.owner, "billing"))
    assert "This workspace isn't connected to a Kilo organization yet." in shown
    assert "Credits left" not in shown and "Default Org" not in shown
    before = len(fake_slack.calls_to("views.publish"))
    assert ws.open_home(ws.owner).status_code == 200
    home = fake_slack.wait_for_call("views.publish", count=before + 1)
    published = [call for call in home if call.args["user_id"] == ws.owner.id][-1].args["view"]
    assert "isn't connected to a Kilo organization yet" in texts(published)


@pytest.fixture
def single_workspace_bot(
    fake_slack: FakeSlack, tmp_path, backend_server, default_org: TestOrg
) -> Iterator[tuple[str, str]]:
    """A plain bot token for one workspace, and the default connection of KILO_API_URL/KILO_API_KEY."""
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'single.sqlite3'}"
    upgrade(url)
    home_team = f"THM{secrets.token_hex(3).upper()}"
    settings = Settings(
        _env_file=None,
        slack_bot_token=SecretStr(fake_slack.install_workspace(home_team)),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        database_url=url,
        kilo_api_url=backend_server.url,
        kilo_api_key=SecretStr(default_org.api_key),
        kilo_read_cache_seconds=0,
    )
    store = BotStore(url)
    with serve(settings, store) as server:
        yield server.url, home_team
    store.engine.dispose()


def test_a_single_workspace_install_answers_its_workspace(
    single_workspace_bot: tuple[str, str], fake_slack: FakeSlack, default_org: TestOrg
):
    bot_url, home_team = single_workspace_bot
    ws = person_of(default_org, fake_slack, home_team, bot_url)
    assert "Default Org" in texts(ws.ask(ws.owner, "org"))


def test_a_single_workspace_install_refuses_another_workspace(
    single_workspace_bot: tuple[str, str], fake_slack: FakeSlack, default_org: TestOrg
):
    bot_url, _home = single_workspace_bot
    elsewhere = f"TEL{secrets.token_hex(3).upper()}"
    ws = person_of(default_org, fake_slack, elsewhere, bot_url)
    reply = ws.command(ws.owner, "billing")
    assert reply.http.status_code == 200
    assert "installed in another Slack workspace" in reply.http.text
    publishes = len(fake_slack.calls_to("views.publish"))
    assert ws.open_home(ws.owner).status_code == 200
    time.sleep(0.5)
    assert fake_slack.responses_to(reply.response_key) == []
    assert len(fake_slack.calls_to("views.publish")) == publishes
    assert [call for call in fake_slack.calls_to("users.info") if call.args.get("user") == ws.owner.id] == []
