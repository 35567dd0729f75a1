"""/kilo connect: an Owner points the workspace at an organization; wrong keys and non-Owners are refused."""

from __future__ import annotations

from typing import Any

import httpx

from bot.ids import ActionId, BlockId
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
