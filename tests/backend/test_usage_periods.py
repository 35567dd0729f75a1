"""Partial periods are compared like with like: the same elapsed time before, whole months with whole months,
nothing before the organization existed, no day that has not begun (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg


def event(org: TestOrg, event_id: str, when: datetime, cost: int = 1_000, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "member_id": org.member.id,
        "model": "acme/model",
        "provider": "acme",
        "input_tokens": 10,
        "output_tokens": 1,
        "cost_microdollars": cost,
        "has_error": False,
        "latency_ms": 500,
        "occurred_at": when.isoformat(),
        **extra,
    }


def ingest(http: httpx.Client, org: TestOrg, events: list[dict[str, Any]]) -> None:
    response = http.post(org.path("/usage/events"), json={"events": events}, headers=org.headers())
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events)


def get(http: httpx.Client, org: TestOrg, path: str, actor: Any = None, **params: Any) -> Any:
    response = http.get(org.path(path), params=params, headers=org.headers(actor))
    assert response.status_code == 200, response.text
    return response.json()


def test_today_so_far_is_compared_with_the_same_hours_before(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 2, 1, 9, tzinfo=UTC))  # the clock says Mar 15, 12:00 UTC
    ingest(
        http,
        org,
        [
            event(org, "now", datetime(2026, 3, 15, 11, tzinfo=UTC), cost=5_000),
            event(org, "a-week-ago-morning", datetime(2026, 3, 8, 10, tzinfo=UTC), cost=1_000),
            event(org, "a-week-ago-evening", datetime(2026, 3, 8, 18, tzinfo=UTC), cost=7_000),
            event(org, "eight-days-ago", datetime(2026, 3, 7, 23, tzinfo=UTC), cost=3_000),
        ],
    )
    body = get(http, org, "/usage/summary", period="7d")
    assert (body["start"], body["end"], body["as_of"]) == ("2026-03-09", "2026-03-16", "2026-03-15T12:00:00Z")
    previous = body["previous_period"]
    # 6½ days against 6½ days: the evening of Mar 8 comes after the same hour a week ago
    assert (previous["start"], previous["end"]) == ("2026-03-02T00:00:00Z", "2026-03-08T12:00:00Z")
    assert (previous["requests"], previous["cost_microdollars"]) == (2, 4_000)
    assert [day["date"] for day in body["daily"]][-1] == "2026-03-15"  # today so far, nothing after


def test_a_period_that_is_over_is_compared_with_the_whole_period_before(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 1, 1, 9, tzinfo=UTC))
    ingest(
        http,
        org,
        [event(org, "jan", datetime(2026, 1, 31, 23, tzinfo=UTC)), event(org, "feb", datetime(2026, 2, 2, tzinfo=UTC))],
    )
    body = get(http, org, "/usage/summary", period="last-month")
    assert body["as_of"] == "2026-03-01T00:00:00Z"
    previous = body["previous_period"]
    assert (previous["start"], previous["end"], previous["requests"]) == (
        "2026-01-04T00:00:00Z",
        "2026-02-01T00:00:00Z",
        1,
    )


def test_no_comparison_with_a_span_before_the_organization_existed(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()  # on Mar 1, 09:00 UTC
    ingest(http, org, [event(org, "first", datetime(2026, 3, 2, tzinfo=UTC))])
    body = get(http, org, "/usage/summary", period="30d")
    assert body["organization_since"] == "2026-03-01"
    assert body["previous_period"] is None
    assert body["daily"][0]["date"] == "2026-03-01"  # not Feb 14
    assert len(body["daily"]) == 15
    week = get(http, org, "/usage/summary", period="7d")  # Mar 2 – Mar 8 12:00 is after Mar 1: comparable
    assert week["previous_period"]["start"] == "2026-03-02T00:00:00Z"


def test_months_start_with_the_organization_and_compare_like_with_like(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 1, 17, 9, tzinfo=UTC))
    ingest(
        http,
        org,
        [
            event(org, "jan", datetime(2026, 1, 20, tzinfo=UTC), cost=100),
            event(org, "feb-early", datetime(2026, 2, 3, tzinfo=UTC), cost=200),
            event(org, "feb-same-hour", datetime(2026, 2, 15, 11, 59, tzinfo=UTC), cost=400),
            event(org, "feb-later-that-day", datetime(2026, 2, 15, 12, tzinfo=UTC), cost=800),
            event(org, "feb-late", datetime(2026, 2, 27, tzinfo=UTC), cost=1_600),
            event(org, "mar", datetime(2026, 3, 15, 11, tzinfo=UTC), cost=3_200),
        ],
    )
    months = get(http, org, "/usage/summary", period="30d")["months"]
    assert [m["month"] for m in months] == ["2026-01", "2026-02", "2026-03"]  # none before the organization
    january, february, march = months
    assert (january["first_day"], january["last_day"], january["cost_microdollars"]) == (
        "2026-01-17",
        "2026-01-31",
        100,
    )
    assert january["previous"] is None and january["so_far"] is False
    assert february["previous"] is None  # against a partial January there is no like-with-like comparison
    assert (february["cost_microdollars"], february["so_far"]) == (3_000, False)
    assert (march["first_day"], march["last_day"], march["so_far"]) == ("2026-03-01", "2026-03-15", True)
    # March so far (14½ days) against the same 14½ days of February
    assert (march["previous"]["start"], march["previous"]["end"]) == ("2026-02-01T00:00:00Z", "2026-02-15T12:00:00Z")
    assert march["previous"]["cost_microdollars"] == 600


def test_a_whole_month_is_compared_with_the_whole_month_before(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    clock.now = datetime(2026, 3, 31, 20, tzinfo=UTC)  # March so far is longer than all of February
    org = orgs.create(start=datetime(2025, 12, 1, 9, tzinfo=UTC))
    ingest(
        http,
        org,
        [
            event(org, "jan", datetime(2026, 1, 31, 23, tzinfo=UTC), cost=10),
            event(org, "feb", datetime(2026, 2, 28, tzinfo=UTC)),
        ],
    )
    months = {m["month"]: m for m in get(http, org, "/usage/summary", period="this-month")["months"]}
    assert list(months) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert months["2026-02"]["previous"]["start"] == "2026-01-01T00:00:00Z"
    assert months["2026-02"]["previous"]["end"] == "2026-02-01T00:00:00Z"
    assert months["2026-02"]["previous"]["cost_microdollars"] == 10
    assert months["2026-03"]["previous"]["end"] == "2026-03-01T00:00:00Z"  # all of February, and says so
    assert months["2025-12"]["previous"] is None


def test_my_daily_series_has_no_day_that_has_not_begun(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    ingest(http, org, [event(org, "mine", datetime(2026, 3, 3, tzinfo=UTC))])
    mine = get(http, org, f"/usage/members/{org.member.id}", org.member)  # this billing period: Mar 1 – Mar 31
    assert (mine["start"], mine["end"], mine["as_of"]) == ("2026-03-01", "2026-04-01", "2026-03-15T12:00:00Z")
    assert [day["date"] for day in mine["daily"]] == [f"2026-03-{d:02d}" for d in range(1, 16)]
    month = get(http, org, f"/usage/members/{org.member.id}", org.member, period="30d")
    assert month["daily"][0]["date"] == "2026-03-01"  # the organization began on Mar 1
