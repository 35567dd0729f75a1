"""/kilo connect: an Owner points the workspace at an organization; wrong keys and non-Owners are refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.app import create_bolt_app, create_web_app
from bot.ids import ActionId, BlockId
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore
from local_slack import SlackUser
from tests.factories import OrganizationFactory
from tests.slack.conftest import SQLITE_ONLY, Workspace, WorkspaceFactory, texts

pytestmark = SQLITE_ONLY


def opened_modal(ws: Workspace, who: SlackUser) -> dict[str, Any]:
    before = len(ws.slack.calls_to("views.open"))
    reply = ws.command(who, "connect")
    assert reply.http.status_code == 200
    view: dict[str, Any] = ws.slack.wait_for_call("views.open", count=before + 1)[-1].args["view"]
    return view


def submit(ws: Workspace, who: SlackUser, view: dict[str, Any], url: str, key: str) -> dict[str, Any]:
    response = ws.submit_view(
        who, view, {BlockId.CONNECT_URL: {ActionId.CONNECT_URL: url}, BlockId.CONNECT_KEY: {ActionId.CONNECT_KEY: key}}
    )
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def test_owner_connects_the_workspace_to_another_organization(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore
):
    view = opened_modal(workspace, workspace.owner)
    assert view["title"]["text"] == "Connect Kilo"
    assert f"connected to *{workspace.org_name}*" in texts(view)
    other = orgs.create(name="Second Org", owner_email=workspace.owner.email)  # she owns both organizations
    answer = submit(workspace, workspace.owner, view, backend_server.url, other.api_key)
    assert answer["response_action"] == "update"
    assert "now shows *Second Org*" in texts(answer["view"])
    connection = bot_store.connection(workspace.team_id)
    assert connection is not None and connection.organization_id == other.id
    assert "Second Org" in texts(workspace.ask(workspace.owner, "org"))


def test_wrong_key_is_shown_next_to_the_field_and_changes_nothing(
    workspace: Workspace, backend_server, bot_store: BotStore
):
    view = opened_modal(workspace, workspace.owner)
    answer = submit(workspace, workspace.owner, view, backend_server.url, "kilo_sk_not_a_key")
    assert answer == {"response_action": "errors", "errors": {BlockId.CONNECT_KEY: "Kilo did not accept this API key."}}
    connection = bot_store.connection(workspace.team_id)
    assert connection is not None and connection.organization_id == workspace.org.id


def test_unreachable_backend_and_malformed_address(workspace: Workspace, bot_store: BotStore):
    view = opened_modal(workspace, workspace.owner)
    down = submit(workspace, workspace.owner, view, "http://127.0.0.1:9", workspace.org.api_key)
    assert down["errors"] == {BlockId.CONNECT_URL: "No Kilo backend answered at this address."}
    malformed = submit(workspace, workspace.owner, view, "kilo.example.com", workspace.org.api_key)
    assert malformed["errors"] == {BlockId.CONNECT_URL: "Give the backend's address, starting with https://"}


def test_an_admin_of_the_target_org_who_is_not_its_owner_is_refused(
    workspace: Workspace, backend_server, bot_store: BotStore
):
    view = opened_modal(workspace, workspace.owner)
    # the submitter is an Admin, not an Owner, of the organization the key belongs to
    answer = submit(workspace, workspace.admin, view, backend_server.url, workspace.org.api_key)
    assert answer["errors"][BlockId.CONNECT_KEY].startswith(f"Only an Owner of {workspace.org_name} can connect it")


def test_members_and_admins_cannot_open_the_connect_modal(workspace: Workspace):
    opened = len(workspace.slack.calls_to("views.open"))
    for who in (workspace.member, workspace.admin):
        shown = texts(workspace.ask(who, "connect"))
        assert "Only Owners can change this workspace's Kilo connection." in shown
        assert workspace.org.owner.name in shown
    assert len(workspace.slack.calls_to("views.open")) == opened


def test_first_connection_needs_a_slack_workspace_admin(
    workspaces: WorkspaceFactory, orgs: OrganizationFactory, backend_server, bot_store: BotStore, http: httpx.Client
):
    ws = workspaces.create()
    fresh_team = f"{ws.team_id}NEW"
    workspaces.install(fresh_team)
    org = orgs.create(name="Fresh Org")
    admin = ws.slack.add_user(
        SlackUser(f"UADM{fresh_team}", org.owner.email, "Slack Admin", "UTC", fresh_team, is_admin=True)
    )
    plain = ws.slack.add_user(SlackUser(f"UPLN{fresh_team}", org.member.email, "Plain User", "UTC", fresh_team))
    fresh = Workspace(fresh_team, org, "Fresh Org", admin, admin, plain, plain, ws.slack, ws.bot_url)
    refused = texts(fresh.ask(plain, "connect"))
    assert "Only Slack workspace admins can connect this workspace to Kilo the first time." in refused
    not_connected = texts(fresh.ask(plain, "usage"))
    assert "This workspace isn't connected to a Kilo organization yet." in not_connected
    view = opened_modal(fresh, admin)
    assert submit(fresh, admin, view, backend_server.url, org.api_key).get("response_action") == "update"
    assert "Fresh Org" in texts(fresh.ask(admin, "org"))


def still_connected_to(ws: Workspace, bot_store: BotStore) -> None:
    connection = bot_store.connection(ws.team_id)
    assert connection is not None and connection.organization_id == ws.org.id
    assert ws.org_name in texts(ws.ask(ws.owner, "org"))


def test_an_admin_who_owns_another_organization_cannot_repoint_the_workspace(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore
):
    elsewhere = orgs.create(name="Admin's Own Org", owner_email=workspace.admin.email)
    view = opened_modal(workspace, workspace.owner)
    answer = submit(workspace, workspace.admin, view, backend_server.url, elsewhere.api_key)
    assert answer["response_action"] == "errors"
    assert answer["errors"][BlockId.CONNECT_KEY].startswith(
        f"Only an Owner of {workspace.org_name} (connected now) or a Slack workspace admin can change it"
    )
    still_connected_to(workspace, bot_store)


def test_an_owner_demoted_after_opening_the_form_cannot_repoint_the_workspace(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore, http: httpx.Client
):
    view = opened_modal(workspace, workspace.owner)
    second = orgs.create(name="Her Other Org", owner_email=workspace.owner.email)
    org = workspace.org
    promoted = http.patch(org.path(f"/members/{org.admin.id}"), json={"role": "owner"}, headers=org.headers(org.owner))
    demoted = http.patch(org.path(f"/members/{org.owner.id}"), json={"role": "member"}, headers=org.headers(org.admin))
    assert (promoted.status_code, demoted.status_code) == (200, 200)
    answer = submit(workspace, workspace.owner, view, backend_server.url, second.api_key)
    assert answer["response_action"] == "errors"
    assert "Only an Owner of" in answer["errors"][BlockId.CONNECT_KEY]
    still_connected_to(workspace, bot_store)


def test_a_slack_workspace_admin_who_owns_the_target_may_repoint(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore
):
    slack_admin = workspace.slack.add_user(
        SlackUser(
            f"UWSA{workspace.team_id[1:7]}",
            workspace.member.email,
            "Workspace Admin",
            "UTC",
            workspace.team_id,
            is_admin=True,
        )
    )
    target = orgs.create(name="Admin Target", owner_email=workspace.member.email)
    view = opened_modal(workspace, workspace.owner)
    answer = submit(workspace, slack_admin, view, backend_server.url, target.api_key)
    assert answer["response_action"] == "update"
    connection = bot_store.connection(workspace.team_id)
    assert connection is not None and connection.organization_id == target.id


def test_a_form_opened_before_someone_else_repointed_is_out_of_date(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore
):
    first_view = opened_modal(workspace, workspace.owner)
    second_view = opened_modal(workspace, workspace.owner)
    one = orgs.create(name="One", owner_email=workspace.owner.email)
    two = orgs.create(name="Two", owner_email=workspace.owner.email)
    assert (
        submit(workspace, workspace.owner, first_view, backend_server.url, one.api_key)["response_action"] == "update"
    )
    answer = submit(workspace, workspace.owner, second_view, backend_server.url, two.api_key)
    assert answer["errors"][BlockId.CONNECT_KEY] == "That form is out of date; run `/kilo connect` again."
    connection = bot_store.connection(workspace.team_id)
    assert connection is not None and connection.organization_id == one.id


@pytest.fixture
def strict_workspace(
    workspace: Workspace, bot_settings: Settings, bot_store: BotStore, backend_server
) -> Iterator[Workspace]:
    """The same workspace served by a bot as deployed: KILO_CONNECT_ALLOW_LOCAL unset; the test backend is
    the operator's own (KILO_API_URL), so the workspace's present connection to it still answers."""
    changed = {"kilo_connect_allow_local": False, "kilo_api_url": backend_server.url}
    settings = Settings(_env_file=None, **{**bot_settings.model_dump(), **changed})
    with BackgroundServer(create_web_app(create_bolt_app(settings, bot_store))) as server:
        yield dataclasses.replace(workspace, bot_url=server.url)


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("http://kilo.example.com", "Give the backend's address, starting with https://"),
        ("https://127.0.0.1:{port}", "not public"),
        ("https://localhost:{port}", "not public"),  # a name that resolves to loopback
        ("https://[::1]:{port}", "not public"),
        ("https://[::ffff:127.0.0.1]:{port}", "not public"),
        ("https://169.254.169.254", "not public"),  # cloud metadata
        ("https://10.1.2.3", "not public"),
        ("https://192.168.0.10", "not public"),
        ("https://100.64.0.1", "not public"),
        ("https://0.0.0.0:{port}", "not public"),
        ("https://no-such-host.invalid", "not public"),
    ],
)
def test_connect_refuses_addresses_that_are_not_public_https(
    strict_workspace: Workspace, backend_server, bot_store: BotStore, address: str, refusal: str
):
    ws = strict_workspace
    view = opened_modal(ws, ws.owner)
    url = address.format(port=backend_server.port)
    answer = submit(ws, ws.owner, view, url, ws.org.api_key)
    assert answer["response_action"] == "errors"
    assert refusal in answer["errors"][BlockId.CONNECT_URL]
    still_connected_to(ws, bot_store)


def test_connect_to_loopback_over_http_needs_the_local_setting(
    strict_workspace: Workspace, workspace: Workspace, orgs: OrganizationFactory, backend_server
):
    other = orgs.create(name="Local Org", owner_email=workspace.owner.email)
    local = f"http://localhost:{backend_server.port}"  # not the operator's KILO_API_URL, just as local
    strict = submit(
        strict_workspace, workspace.owner, opened_modal(strict_workspace, workspace.owner), local, other.api_key
    )
    assert strict["errors"] == {BlockId.CONNECT_URL: "Give the backend's address, starting with https://"}
    allowed = submit(workspace, workspace.owner, opened_modal(workspace, workspace.owner), local, other.api_key)
    assert allowed["response_action"] == "update"  # the suite's bot runs with KILO_CONNECT_ALLOW_LOCAL=true


def test_the_api_key_given_in_the_form_is_stored_encrypted(
    workspace: Workspace, orgs: OrganizationFactory, backend_server, bot_store: BotStore
):
    other = orgs.create(name="Sealed Org", owner_email=workspace.owner.email)
    answer = submit(
        workspace, workspace.owner, opened_modal(workspace, workspace.owner), backend_server.url, other.api_key
    )
    assert answer["response_action"] == "update"
    with bot_store.engine.connect() as connection:
        stored = connection.execute(
            text("select api_key from workspace_connections where team_id = :team"), {"team": workspace.team_id}
        ).scalar_one()
    assert other.api_key not in stored and other.api_key[8:20] not in stored
    assert "Sealed Org" in texts(workspace.ask(workspace.owner, "org"))
