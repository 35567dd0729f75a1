"""Writes that charge or change seats and Owners, raced over HTTP on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backend.api import create_app
from backend.db import make_engine, make_session_factory
from backend.migrate import upgrade
from bot.serving import BackgroundServer
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg
from tests.support import ok

PARALLEL = 20
OWNER_RACE_ROUNDS = 100


def in_parallel(server: BackgroundServer, count: int, request: Callable[[httpx.Client, int], httpx.Response]):
    """`count` requests on their own connections, released together by a barrier."""
    barrier = threading.Barrier(count)

    def one(index: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.get("/healthz")  # connect first, so the requests themselves start together
            barrier.wait()
            return request(client, index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_parallel_credit_purchases_with_different_keys_all_succeed(backend_server, orgs: OrganizationFactory):
    org = orgs.create()
    answers = in_parallel(
        backend_server,
        PARALLEL,
        lambda client, i: client.post(
            org.path("/credits/purchases"),
            json={"amount_microdollars": 10_000_000 * (i + 1), "idempotency_key": f"buy-{i}"},
            headers=org.headers(org.admin),
        ),
    )
    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers if a.status_code != 201]
    with httpx.Client(base_url=backend_server.url) as client:
        credits = ok(client.get(org.path("/credits"), params={"kind": "purchase"}, headers=org.headers()))
        invoices = ok(client.get(org.path("/invoices"), params={"limit": 50}, headers=org.headers()))
    assert credits["balance_microdollars"] == 10_000_000 * sum(range(1, PARALLEL + 1))
    assert len(credits["entries"]) == PARALLEL
    numbers = [invoice["number"] for invoice in invoices]
    assert len(numbers) == len(set(numbers)) == PARALLEL + 1  # and the subscription's first invoice
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, PARALLEL + 2))


def test_parallel_retries_of_one_credit_purchase_buy_once_and_answer_the_same(
    backend_server, orgs: OrganizationFactory
):
    org = orgs.create()
    answers = in_parallel(
        backend_server,
        PARALLEL,
        lambda client, _i: client.post(
            org.path("/credits/purchases"),
            json={"amount_microdollars": 50_000_000, "idempotency_key": "one-click"},
            headers=org.headers(org.admin),
        ),
    )
    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers if a.status_code != 201]
    assert all(a.json() == answers[0].json() for a in answers)
    with httpx.Client(base_url=backend_server.url) as client:
        credits = ok(client.get(org.path("/credits"), params={"kind": "purchase"}, headers=org.headers()))
        payments = ok(client.get(org.path("/payments"), headers=org.headers()))
    assert [e["amount_microdollars"] for e in credits["entries"]] == [50_000_000]
    assert [p["amount_microdollars"] for p in payments].count(50_000_000) == 1


def test_parallel_seat_changes_with_different_keys_all_succeed_and_history_is_in_applied_order(
    backend_server, orgs: OrganizationFactory
):
    org = orgs.create(seats=10, members=3)
    targets = [11 + i for i in range(PARALLEL)]
    answers = in_parallel(
        backend_server,
        PARALLEL,
        lambda client, i: client.post(
            org.path("/subscription/seats"),
            json={"seats": targets[i], "idempotency_key": f"seats-{i}"},
            headers=org.headers(org.admin),
        ),
    )
    assert [a.status_code for a in answers] == [200] * PARALLEL, [a.text for a in answers if a.status_code != 200]
    with httpx.Client(base_url=backend_server.url) as client:
        subscription = ok(client.get(org.path("/subscription"), headers=org.headers()))
        invoices = ok(client.get(org.path("/invoices"), params={"limit": 50}, headers=org.headers()))
    history = list(reversed(subscription["seat_history"]))  # oldest first
    assert len(history) == PARALLEL
    seats = 10
    for change in history:  # each change starts from the seats the one before it left
        assert change["seats_after"] - change["delta"] == seats, history
        seats = change["seats_after"]
    assert subscription["seat_count"] == seats
    numbers = [invoice["number"] for invoice in invoices]
    assert len(numbers) == len(set(numbers))


def test_parallel_retries_of_one_seat_change_change_once_and_answer_the_same(backend_server, orgs: OrganizationFactory):
    org = orgs.create(seats=10, members=3)
    answers = in_parallel(
        backend_server,
        PARALLEL,
        lambda client, _i: client.post(
            org.path("/subscription/seats"),
            json={"seats": 15, "idempotency_key": "one-seat-click"},
            headers=org.headers(org.admin),
        ),
    )
    assert [a.status_code for a in answers] == [200] * PARALLEL, [a.text for a in answers if a.status_code != 200]
    assert all(a.json() == answers[0].json() for a in answers)
    with httpx.Client(base_url=backend_server.url) as client:
        subscription = ok(client.get(org.path("/subscription"), headers=org.headers()))
        invoices = ok(client.get(org.path("/invoices"), headers=org.headers()))
    assert [c["seats_after"] for c in subscription["seat_history"]] == [15]
    assert len(invoices) == 2  # the first period and one addition


def test_a_sequential_retry_with_the_same_key_replays_the_original_answer(http: httpx.Client, orgs):
    org = orgs.create()
    body = {"amount_microdollars": 20_000_000, "idempotency_key": "retry-me"}
    first = ok(http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.admin)), 201)
    again = ok(http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.owner)), 201)
    assert again == first
    other = http.post(
        org.path("/credits/purchases"),
        json={"amount_microdollars": 30_000_000, "idempotency_key": "retry-me"},
        headers=org.headers(org.admin),
    )
    assert other.status_code == 409
    assert "already used for a different purchase" in other.json()["error"]["message"]


# --- a fresh database --------------------------------------------------------------------------


@pytest.fixture
def fresh_backend(fresh_backend_url: str, clock: Clock) -> Iterator[tuple[BackgroundServer, TestOrg]]:
    """A backend on a database of its own, never used before (no instance secret yet)."""
    upgrade(fresh_backend_url)
    engine = make_engine(fresh_backend_url)
    sessions = make_session_factory(engine)
    org = OrganizationFactory(sessions, clock).create()
    with BackgroundServer(create_app(sessions, clock=clock)) as server:
        yield server, org
    engine.dispose()


def test_the_first_parallel_invoice_reads_on_a_fresh_database_all_answer(fresh_backend):
    server, org = fresh_backend
    answers = in_parallel(server, 10, lambda client, _i: client.get(org.path("/invoices"), headers=org.headers()))
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers if a.status_code != 200]
    links = {a.json()[0]["download_url"] for a in answers}
    assert len(links) == 1  # one signing secret for all of them
    with httpx.Client(base_url=server.url) as client:
        assert client.get(links.pop().removeprefix(server.url)).status_code == 200


# --- the last Owner ----------------------------------------------------------------------------


def owners_taking_away_each_other(org: TestOrg, *, demote: bool) -> Callable[[httpx.Client, int], httpx.Response]:
    """Request 0: the first Owner removes (or demotes) the second; request 1: the other way round."""

    def take_away(client: httpx.Client, index: int) -> httpx.Response:
        actor, target = (org.owner, org.admin) if index == 0 else (org.admin, org.owner)
        if demote:
            return client.patch(org.path(f"/members/{target.id}"), json={"role": "admin"}, headers=org.headers(actor))
        return client.delete(org.path(f"/members/{target.id}"), headers=org.headers(actor))

    return take_away


def test_two_owners_removing_or_demoting_each_other_at_once_leave_one_owner(backend_server, orgs: OrganizationFactory):
    with httpx.Client(base_url=backend_server.url, timeout=30) as client:
        for round_number in range(OWNER_RACE_ROUNDS):
            org = orgs.create(members=1)
            second_owner = {"role": "owner"}
            ok(client.patch(org.path(f"/members/{org.admin.id}"), json=second_owner, headers=org.headers(org.owner)))
            demote = round_number % 2 == 1
            answers = in_parallel(backend_server, 2, owners_taking_away_each_other(org, demote=demote))
            owners = ok(client.get(org.path("/members"), params={"role": "owner"}, headers=org.headers()))
            statuses = sorted(a.status_code for a in answers)
            assert len(owners["members"]) == 1, (round_number, demote, statuses)
            assert statuses[0] == 200 and statuses[1] in (403, 409), (round_number, [a.text for a in answers])
