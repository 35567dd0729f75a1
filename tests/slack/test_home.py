"""The App Home tab: the dashboard, refreshed on app_home_opened, without admin-only data for Members."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot import formatting as fmt
from tests.factories import usage_events
from tests.slack.conftest import SQLITE_ONLY, Workspace, buttons, texts

pytestmark = SQLITE_ONLY


@pytest.fixture
def busy(workspace: Workspace, http: httpx.Client) -> Workspace:
    events = usage_events(workspace.org, 200, start=datetime(2026, 3, 2, tzinfo=UTC), span=timedelta(days=10))
    http.post(workspace.org.path("/usage/events"), json={"events": events}, headers=workspace.org.headers())
    return workspace


def published_home(ws: Workspace, who: Any) -> dict[str, Any]:
    published = len(ws.slack.calls_to("views.publish"))
    before = len([c for c in ws.slack.calls_to("views.publish") if c.args["user_id"] == who.id])
    response = ws.open_home(who)
    assert response.status_code == 200
    calls = ws.slack.wait_for_call("views.publish", count=published + 1)
    mine = [c for c in calls if c.args["user_id"] == who.id]
    assert len(mine) == before + 1
    view: dict[str, Any] = mine[-1].args["view"]
    assert view["type"] == "home"
    return view


def test_owner_home_shows_spend_seats_credits_and_top_users(busy: Workspace, http: httpx.Client):
    view = published_home(busy, busy.owner)
    shown = texts(view)
    summary = http.get(busy.org.path("/usage/summary"), headers=busy.org.headers()).json()
    assert f"*Spend this period*\n{fmt.usd(summary['totals']['cost_microdollars'])}" in shown
    assert "This billing period · Mar 1 – Mar 31, 2026 (UTC days) · so far · updated" in shown
    assert f"*Requests*\n{summary['totals']['requests']:,}" in shown
    assert "*Seats*\n7 of 10 seats used" in shown
    assert "*Credits left*" in shown and "*Next charge*\n$290.00" in shown
    assert "Top users this period" in shown
    assert summary["models"][0]["model"] in shown
    assert [b["text"]["text"] for b in buttons(view)] == ["Buy credits", "Buy with card on file", "Invite", "Add seats"]


def test_member_home_has_no_admin_only_data(busy: Workspace):
    view = published_home(busy, busy.member)
    shown = texts(view)
    assert "*Spend this period*" in shown and "*Your spend*" in shown
    for admin_only in ("Top users", "Credits left", "Next charge", "Buy credits"):
        assert admin_only not in shown


def test_home_refreshes_each_time_it_is_opened(busy: Workspace, http: httpx.Client):
    first = texts(published_home(busy, busy.admin))
    more = usage_events(busy.org, 50, start=datetime(2026, 3, 14, tzinfo=UTC), seed=77, prefix="later")
    http.post(busy.org.path("/usage/events"), json={"events": more}, headers=busy.org.headers())
    second = texts(published_home(busy, busy.admin))
    assert first != second


def test_stranger_home_explains_they_are_not_a_member(workspace: Workspace):
    shown = texts(published_home(workspace, workspace.stranger))
    assert f"You're not a member of *{workspace.org_name}*" in shown


def test_messages_tab_opening_publishes_nothing(workspace: Workspace):
    before = len(workspace.slack.calls_to("views.publish"))
    envelope_user = workspace.owner
    body = json.dumps(
        {
            "token": "t",
            "team_id": workspace.team_id,
            "api_app_id": "A0KILO",
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5)}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": envelope_user.id,
                "channel": "D0HOME",
                "tab": "messages",
                "event_ts": str(time.time()),
            },
            "authorizations": [{"team_id": workspace.team_id, "user_id": "U0KILOBOT", "is_bot": True}],
        }
    )
    assert workspace.post(body, "application/json").status_code == 200
    time.sleep(0.3)
    assert len(workspace.slack.calls_to("views.publish")) == before


def test_requests_mean_the_same_count_under_the_same_label_everywhere(workspace: Workspace, http: httpx.Client):
    """Every request, failed ones included, is a request: /kilo usage, /kilo usage me and the Home agree."""
    events = usage_events(workspace.org, 120, start=datetime(2026, 3, 2, tzinfo=UTC), span=timedelta(days=10))
    assert any(e["has_error"] for e in events)
    http.post(workspace.org.path("/usage/events"), json={"events": events}, headers=workspace.org.headers())
    total = f"{len(events):,}"
    overview = texts(workspace.ask(workspace.member, "usage"))
    mine = texts(workspace.ask(workspace.member, "usage me"))
    home = texts(published_home(workspace, workspace.member))
    assert f"*Requests*\n{total}" in overview and f"*Requests*\n{total}" in home
    assert f"{total} requests" in mine  # the team total beside the caller's own
    errors = sum(e["has_error"] for e in events)
    assert f"*Errors*\n{errors:,}" in overview
    for shown in (overview, mine, home):
        assert "uccessful" not in shown
    cost = sum(e["cost_microdollars"] for e in events)
    average = f"*Average cost per request*\n{fmt.usd_fine(fmt.average(cost, len(events)))}"
    assert average in overview and average in home
