"""Exactly once under races, on SQLite and PostgreSQL (the bot's database and the backend's): 20 admins
approving one seat request at the same moment, and one add-seats modal submitted 20 times at once, change
the seats once, charge once and tell the requester once.

The suite runs SEAT_RACE_ROUNDS rounds (2); run them 100 times in a row by hand with
`SEAT_RACE_ROUNDS=100 .venv/bin/pytest tests/slack/test_seat_races.py -q`.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Member, MemberStatus, Role
from bot.app import create_bolt_app, create_web_app
from bot.ids import ActionId, BlockId
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore
from local_slack import FakeSlack, SlackUser
from tests.conftest import Clock
from tests.factories import OrganizationFactory
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, Workspace, WorkspaceFactory, texts
from tests.slack.interactions import FormValues, click_in_message, submit_modal, wait_until
from tests.slack.test_seat_requests import dm, posts_to, request_seats
from tests.slack.test_seats import open_form

JOINED = datetime(2026, 3, 1, 9, tzinfo=UTC)
ROUNDS = int(os.environ.get("SEAT_RACE_ROUNDS", "2"))
RACERS = 20
pytestmark = pytest.mark.parametrize(
    "backend_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def race_bot_url(
    backend_db_url: str, fake_slack: FakeSlack, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, BotStore]]:
    """A bot whose own database is of the same kind as the backend's (DATABASE_URL on PostgreSQL too)."""
    if backend_db_url.startswith("postgresql"):
        url = backend_db_url  # the session's test database; the bot's tables have their own names
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('race-bot') / 'bot.sqlite3'}"
    upgrade_bot(url)
    store = BotStore(url)
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET)
    settings = Settings(  # a distributed app, like the suite's bot: each workspace installs with its own token
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        database_url=url,
        kilo_api_timeout_seconds=20.0,  # 40 requests at once on a shared 2-core machine
        kilo_read_cache_seconds=0,
        kilo_connect_allow_local=True,
    )
    with BackgroundServer(create_web_app(create_bolt_app(settings, store, clock=clock))) as server:
        yield server.url, store
    store.engine.dispose()


@pytest.fixture
def race_workspaces(
    orgs: OrganizationFactory,
    backend_server: BackgroundServer,
    fake_slack: FakeSlack,
    race_bot_url: tuple[str, BotStore],
) -> WorkspaceFactory:
    url, store = race_bot_url
    return WorkspaceFactory(orgs, backend_server.url, store, fake_slack, url)


def more_admins(ws: Workspace, sessions: sessionmaker[Session], count: int) -> list[SlackUser]:
    """`count` more active Admins in the organization, each a person in the Slack workspace."""
    admins = []
    with sessions.begin() as session:
        for index in range(count):
            email = f"admin{index}-{secrets.token_hex(3)}@example.com"
            session.add(
                Member(
                    organization_id=ws.org.id,
                    name=f"Admin {index}",
                    email=email,
                    role=Role.ADMIN,
                    status=MemberStatus.ACTIVE,
                    joined_at=JOINED,
                )
            )
            admins.append(
                SlackUser(f"UA{index:02d}{secrets.token_hex(3).upper()}", email, f"Admin {index}", team_id=ws.team_id)
            )
    return [ws.slack.add_user(admin) for admin in admins]


def outcome_of(ws: Workspace, confirmation: dict[str, Any]) -> dict[str, Any] | None:
    """The modal once the bot replaced the confirmation with the outcome (views.update gives a new hash)."""
    shown = ws.slack.view(confirmation["id"])
    return None if shown["hash"] == confirmation["hash"] else shown


def all_at_once(actions: list[Any]) -> list[Any]:
    """Run the callables on RACERS threads released together."""
    start = threading.Barrier(len(actions))

    def run(action: Any) -> Any:
        start.wait()
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def seat_count(http: httpx.Client, ws: Workspace) -> dict[str, Any]:
    response = http.get(ws.org.path("/subscription"), headers=ws.org.headers(ws.org.owner))
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_twenty_admins_approving_one_request_at_once_change_the_seats_once(
    race_workspaces: WorkspaceFactory, backend_sessions: sessionmaker[Session], http: httpx.Client, round_number: int
):
    ws = race_workspaces.create(seats=40)
    admins = [*more_admins(ws, backend_sessions, RACERS - 1), ws.admin]
    request_seats(ws, ws.member, "2 the race")
    copies = {a.id: wait_until(partial(posts_to, ws, dm(ws, a)), what=f"the DM to {a.name}")[-1] for a in admins}
    opened_before = len(ws.slack.calls_to("views.open"))
    all_at_once(
        [lambda a=a: click_in_message(ws, a, copies[a.id], dm(ws, a), ActionId.SEAT_REQUEST_APPROVE) for a in admins]
    )
    ws.slack.wait_for_call("views.open", count=opened_before + RACERS)
    opened = ws.slack.calls_to("views.open")[opened_before:]
    modals = {call.answer["view"]["id"] for call in opened}
    wait_until(
        lambda: {c.args.get("view_id") for c in ws.slack.calls_to("views.update")} >= modals, what="every confirmation"
    )
    # Which admin got which modal does not matter: a modal carries only the request id and the price.
    confirmations = [ws.slack.view(view_id) for view_id in modals]
    not_confirmations = [texts(view) for view in confirmations if "Approve and charge" not in str(view.get("submit"))]
    assert not not_confirmations, not_confirmations
    all_at_once([lambda a=a, v=v: submit_modal(ws, a, v, {}) for a, v in zip(admins, confirmations, strict=True)])
    wait_until(lambda: len(posts_to(ws, dm(ws, ws.member))) >= 2, what="the requester's outcome DM")
    finals = [texts(wait_until(partial(outcome_of, ws, v), timeout=30)) for v in confirmations]
    assert sum("✅ Approved by" in shown for shown in finals) == 1, finals
    assert (
        sum("Already approved by" in shown or "is approving this request right now" in shown for shown in finals)
        == RACERS - 1
    ), [f for f in finals if "Already approved" not in f]
    subscription = seat_count(http, ws)
    assert subscription["seat_count"] == 42 and len(subscription["seat_history"]) == 1
    assert len(posts_to(ws, dm(ws, ws.member))) == 2  # the requester's copy and one outcome


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_one_add_seats_modal_submitted_twenty_times_at_once_changes_the_seats_once(
    race_workspaces: WorkspaceFactory, http: httpx.Client, round_number: int
):
    ws = race_workspaces.create(seats=40)
    shown = open_form(ws, ws.owner, "seats add 3")
    values: FormValues = {BlockId.SEATS_NUMBER: {ActionId.SEATS_NUMBER: ("number_input", "3")}}
    answers = all_at_once([lambda: submit_modal(ws, ws.owner, shown, values) for _ in range(RACERS)])
    assert all(answer.json()["response_action"] == "update" for answer in answers)
    assert wait_until(lambda: "Seats: 40 → 43" in texts(ws.slack.view(shown["id"])), timeout=30, what="the outcome")
    subscription = seat_count(http, ws)
    assert subscription["seat_count"] == 43 and len(subscription["seat_history"]) == 1
    assert len(wait_until(partial(posts_to, ws, dm(ws, ws.owner)), what="the DM")) == 1
