"""Where each audit entry came from: the client a request names with X-Kilo-Client (the Slack app sends
`kilo-bot`), `api` when it names none, none for what Kilo does by itself; migration 0003 on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from backend.api import create_app
from backend.db import make_session_factory
from backend.migrate import MIGRATIONS, upgrade
from bot.serving import BackgroundServer
from kilo_db import migrations
from kilo_db.engine import make_engine
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg
from tests.support import ok


def audit(http: httpx.Client, org: TestOrg) -> list[dict[str, Any]]:
    return ok(http.get(org.path("/audit-log"), headers=org.headers(org.owner)))  # type: ignore[no-any-return]


def change_policy(http: httpx.Client, org: TestOrg, value: bool, **headers: str) -> httpx.Response:
    return http.patch(
        org.path("/policies"), json={"code_training_opt_out": value}, headers={**org.headers(org.admin), **headers}
    )


def test_each_change_records_the_client_it_came_from(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    ok(change_policy(http, org, False, **{"X-Kilo-Client": "kilo-bot"}))
    ok(change_policy(http, org, True))
    ok(change_policy(http, org, False, **{"X-Kilo-Client": "terraform-provider-kilo/1.2"}))
    entries = [e for e in audit(http, org) if e["action"] == "organization.policy.change"]
    assert [e["client"] for e in entries] == ["terraform-provider-kilo/1.2", "api", "kilo-bot"]  # newest first


def test_a_seat_change_from_the_bot_and_a_renewal_it_triggers(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(start=datetime(2026, 3, 1, 9, tzinfo=UTC))
    clock.now = datetime(2026, 4, 2, 10, tzinfo=UTC)  # the first request of April renews March's cycle first
    bot = {**org.headers(org.owner), "X-Kilo-Client": "kilo-bot"}
    ok(http.post(org.path("/subscription/seats"), json={"seats": 11}, headers=bot))
    entries = audit(http, org)
    assert [(e["action"], e["client"]) for e in entries[:2]] == [
        ("organization.seats.add", "kilo-bot"),
        ("organization.subscription.renew", None),  # Kilo renewed by itself, whoever's request came first
    ]


@pytest.mark.parametrize("client", ["x" * 65, "kilo bot", "-kilo", "kilo\u00e9"])
def test_a_malformed_client_name_is_refused_and_changes_nothing(
    http: httpx.Client, orgs: OrganizationFactory, client: str
):
    org = orgs.create()
    before = audit(http, org)
    refused = http.patch(
        org.path("/policies"),
        json={"code_training_opt_out": False},
        headers=[(k.encode(), v.encode()) for k, v in {**org.headers(org.admin), "X-Kilo-Client": client}.items()],
    )
    assert refused.status_code == 422 and "X-Kilo-Client" in refused.json()["error"]["message"]
    assert audit(http, org) == before


def test_openapi_declares_the_client_header_bounded(http: httpx.Client):
    operation = ok(http.get("/openapi.json"))["paths"]["/api/v1/organizations/{organization_id}/subscription/seats"]
    [client] = [p for p in operation["post"]["parameters"] if p["name"] == "X-Kilo-Client"]
    assert client["in"] == "header" and not client["required"] and "kilo-bot" in client["description"]
    schema = client["schema"]["anyOf"][0]
    assert (schema["maxLength"], schema["pattern"]) == (64, "^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def test_migration_0003_keeps_older_entries_with_no_recorded_origin(fresh_backend_url: str, clock: Clock):
    migrations.upgrade(fresh_backend_url, MIGRATIONS, "0002")
    engine = make_engine(fresh_backend_url)
    when = datetime(2026, 3, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organizations (id, name, plan, created_at, code_training_opt_out, "
                "usage_analytics_enabled, purchase_url) VALUES ('org_old', 'Old', 'teams', :t, true, true, 'u')"
            ),
            {"t": when},
        )
        connection.execute(
            text(
                "INSERT INTO audit_logs (organization_id, actor_member_id, action, target, created_at) "
                "VALUES ('org_old', NULL, 'organization.policy.change', 'org_old', :t)"
            ),
            {"t": when},
        )
    engine.dispose()
    upgrade(fresh_backend_url)
    upgrade(fresh_backend_url)  # twice is harmless
    engine = make_engine(fresh_backend_url)
    sessions = make_session_factory(engine)
    org = OrganizationFactory(sessions, clock).create()
    with BackgroundServer(create_app(sessions, clock=clock)) as server, httpx.Client(base_url=server.url) as http:
        ok(change_policy(http, org, False, **{"X-Kilo-Client": "kilo-bot"}))
        assert audit(http, org)[0]["client"] == "kilo-bot"
    with engine.connect() as connection:
        old = connection.execute(text("SELECT client FROM audit_logs WHERE organization_id = 'org_old'")).all()
    assert old == [(None,)]
    engine.dispose()
