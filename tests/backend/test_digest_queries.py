"""The backend's figures for digests and alerts (daily spend by model, idle seats, credit balance history),
over HTTP on a SQLite file and on PostgreSQL, checked against the events that were ingested."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg, usage_events


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def ingest(http: httpx.Client, org: TestOrg, events: list[dict[str, Any]]) -> None:
    ok(http.post(org.path("/usage/events"), json={"events": events}, headers=org.headers()))


def test_daily_model_usage_adds_up_to_the_events_and_the_summary(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(members=4)
    events = usage_events(org, 300, start=datetime(2026, 3, 2, tzinfo=UTC), span=timedelta(days=7), seed=11)
    ingest(http, org, events)
    daily = ok(
        http.get(
            org.path("/usage/daily-models"), params={"start": "2026-03-02", "end": "2026-03-09"}, headers=org.headers()
        )
    )
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for event in events:
        key = (datetime.fromisoformat(event["occurred_at"]).date().isoformat(), event["model"])
        expected[key][0] += event["cost_microdollars"]
        expected[key][1] += 1
        expected[key][2] += 0 if event["has_error"] else 1
    got = {
        (row["date"], row["model"]): [row["cost_microdollars"], row["requests"], row["successful_requests"]]
        for row in daily["days"]
    }
    assert got == dict(expected)
    summary = ok(
        http.get(org.path("/usage/summary"), params={"start": "2026-03-02", "end": "2026-03-09"}, headers=org.headers())
    )
    assert sum(row["cost_microdollars"] for row in daily["days"]) == summary["totals"]["cost_microdollars"]
    assert sum(row["input_tokens"] for row in daily["days"]) == summary["totals"]["input_tokens"]
    assert sum(row["output_tokens"] for row in daily["days"]) == summary["totals"]["output_tokens"]
    assert daily["active_members"] == len({event["member_id"] for event in events}) == len(org.people)


def test_daily_model_usage_counts_only_members_active_in_the_period(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(members=3)
    ingest(http, org, usage_events(org, 2, start=datetime(2026, 3, 3, tzinfo=UTC), span=timedelta(hours=1)))
    empty = ok(
        http.get(
            org.path("/usage/daily-models"), params={"start": "2026-03-05", "end": "2026-03-06"}, headers=org.headers()
        )
    )
    assert empty == {"start": "2026-03-05", "end": "2026-03-06", "active_members": 0, "days": []}
    busy = ok(
        http.get(
            org.path("/usage/daily-models"), params={"start": "2026-03-03", "end": "2026-03-04"}, headers=org.headers()
        )
    )
    assert busy["active_members"] == 2


def test_daily_model_usage_refuses_a_reversed_or_overlong_range(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    reversed_range = http.get(
        org.path("/usage/daily-models"), params={"start": "2026-03-09", "end": "2026-03-02"}, headers=org.headers()
    )
    assert reversed_range.status_code == 422 and "end after it starts" in reversed_range.json()["error"]["message"]
    too_long = http.get(
        org.path("/usage/daily-models"), params={"start": "2025-01-01", "end": "2026-03-02"}, headers=org.headers()
    )
    assert too_long.status_code == 422
    assert http.get(org.path("/usage/daily-models"), headers=org.headers()).status_code == 422


def test_idle_seats_are_holders_without_a_request_for_the_window(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    clock.now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    org = orgs.create(members=4, start=datetime(2026, 2, 1, 9, 0, tzinfo=UTC))  # 6 people joined Feb 1
    recent, stale = org.people[0], org.people[1]
    base = usage_events(org, 1, start=datetime(2026, 3, 18, tzinfo=UTC), span=timedelta(hours=1), prefix="recent")[0]
    ingest(http, org, [{**base, "member_id": recent.id}])
    old = usage_events(org, 1, start=datetime(2026, 3, 1, tzinfo=UTC), span=timedelta(hours=1), prefix="stale")[0]
    ingest(http, org, [{**old, "member_id": stale.id}])
    ok(http.post(org.path("/members"), json={"email": "new-hire@example.com"}, headers=org.headers(org.owner)), 201)
    activity = ok(http.get(org.path("/usage/seat-activity"), headers=org.headers()))
    # 6 joined long ago + 1 fresh invitation; only `recent` and the invitation showed life in 14 days.
    assert activity["seat_holders"] == 7
    assert activity["idle_seats"] == 5
    assert activity["idle_after_days"] == 14
    week = ok(http.get(org.path("/usage/seat-activity"), params={"idle_days": 30}, headers=org.headers()))
    assert week["idle_seats"] == 4  # `stale` was active 19 days ago
    assert http.get(org.path("/usage/seat-activity"), params={"idle_days": 0}, headers=org.headers()).status_code == 422


def test_credit_history_is_the_running_balance_at_each_utc_midnight(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(members=2)
    clock.now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    body = {"amount_microdollars": 500_000_000, "idempotency_key": "history-buy"}
    ok(http.post(org.path("/credits/purchases"), json=body, headers=org.headers(org.owner)), 201)
    clock.now = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    spend_by_day: dict[date, int] = defaultdict(int)
    for offset in range(5):
        day = datetime(2026, 3, 10 + offset, tzinfo=UTC)
        events = usage_events(org, 20, start=day, span=timedelta(hours=20), seed=offset, prefix=f"h{offset}")
        ingest(http, org, events)
        spend_by_day[day.date()] += sum(e["cost_microdollars"] for e in events)
    history = ok(http.get(org.path("/credits/history"), params={"days": 7}, headers=org.headers()))
    assert [row["date"] for row in history["days"]] == [f"2026-03-{d:02d}" for d in range(8, 15)]
    running = 0
    expected = []
    for row in history["days"]:
        that_day = date.fromisoformat(row["date"])
        running += (500_000_000 if that_day == date(2026, 3, 10) else 0) - spend_by_day.get(that_day, 0)
        expected.append(running)
    assert [row["balance_microdollars"] for row in history["days"]] == expected
    assert history["balance_microdollars"] == expected[-1]  # nothing happened on the 15th yet
    assert history["usage_last_7_days_microdollars"] == sum(spend_by_day.values())
    credits = ok(http.get(org.path("/credits"), headers=org.headers()))
    assert credits["balance_microdollars"] == history["balance_microdollars"]


def test_credit_history_refuses_too_many_days(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    assert http.get(org.path("/credits/history"), params={"days": 121}, headers=org.headers()).status_code == 422
