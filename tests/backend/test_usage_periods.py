"""Partial periods are compared like with like: the same elapsed time before, whole months with whole months,
nothing before the organization existed, no day that has not begun (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

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


def test_today_so_far_is_left_out_of_the_comparison_with_the_days_before(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 2, 1, 9, tzinfo=UTC))  # the clock says Mar 15, 12:00 UTC
    ingest(
        http,
        org,
        [
            event(org, "today", datetime(2026, 3, 15, 11, tzinfo=UTC), cost=5_000),
            event(org, "yesterday", datetime(2026, 3, 14, 23, tzinfo=UTC), cost=2_000),
            event(org, "a-week-ago", datetime(2026, 3, 8, 10, tzinfo=UTC), cost=7_000),
            event(org, "eight-days-ago", datetime(2026, 3, 7, 23, tzinfo=UTC), cost=3_000),
        ],
    )
    body = get(http, org, "/usage/summary", period="7d")
    assert (body["start"], body["end"], body["as_of"]) == ("2026-03-09", "2026-03-16", "2026-03-15T12:00:00Z")
    assert body["totals"]["cost_microdollars"] == 7_000  # today so far is in the figures …
    compared, previous = body["compared"], body["previous_period"]
    # … but not compared: the 6 whole days so far against the first 6 days of the week before (not all 7,
    # whose last day, Mar 8, is as whole as today is partial)
    assert (compared["start"], compared["end"], compared["cost_microdollars"]) == ("2026-03-09", "2026-03-15", 2_000)
    assert (previous["start"], previous["end"], previous["cost_microdollars"]) == ("2026-03-02", "2026-03-08", 3_000)
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
    assert (body["compared"]["start"], body["compared"]["end"]) == ("2026-02-01", "2026-03-01")
    previous = body["previous_period"]
    assert (previous["start"], previous["end"], previous["requests"]) == ("2026-01-04", "2026-02-01", 1)


def test_no_comparison_with_days_before_the_organization_existed(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()  # on Mar 1, 09:00 UTC
    ingest(http, org, [event(org, "first", datetime(2026, 3, 2, tzinfo=UTC))])
    body = get(http, org, "/usage/summary", period="30d")
    assert body["organization_since"] == "2026-03-01"
    assert body["previous_period"] is None and body["compared"] is None
    assert body["daily"][0]["date"] == "2026-03-01"  # not Feb 14
    assert len(body["daily"]) == 15
    week = get(http, org, "/usage/summary", period="7d")  # Mar 2 – Mar 7 are after Mar 1: comparable
    assert (week["previous_period"]["start"], week["previous_period"]["end"]) == ("2026-03-02", "2026-03-08")


def test_no_comparison_before_a_whole_day_of_the_period_has_passed(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    org = orgs.create(start=datetime(2026, 1, 15, 9, tzinfo=UTC))
    clock.now = datetime(2026, 3, 15, 23, 59, tzinfo=UTC)  # the billing period began today
    body = get(http, org, "/usage/summary")
    assert (body["start"], body["compared"], body["previous_period"]) == ("2026-03-15", None, None)


def test_months_start_with_the_organization_and_compare_like_with_like(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create(start=datetime(2026, 1, 17, 9, tzinfo=UTC))
    ingest(
        http,
        org,
        [
            event(org, "jan", datetime(2026, 1, 20, tzinfo=UTC), cost=100),
            event(org, "feb-early", datetime(2026, 2, 3, tzinfo=UTC), cost=200),
            event(org, "feb-14th", datetime(2026, 2, 14, 23, tzinfo=UTC), cost=400),
            event(org, "feb-15th", datetime(2026, 2, 15, 1, tzinfo=UTC), cost=800),
            event(org, "feb-late", datetime(2026, 2, 27, tzinfo=UTC), cost=1_600),
            event(org, "mar-14th", datetime(2026, 3, 14, 11, tzinfo=UTC), cost=3_200),
            event(org, "mar-today", datetime(2026, 3, 15, 11, tzinfo=UTC), cost=6_400),
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
    assert march["cost_microdollars"] == 9_600  # so far, today included
    # March's 14 whole days so far against February's first 14
    assert (march["compared"]["start"], march["compared"]["end"], march["compared"]["cost_microdollars"]) == (
        "2026-03-01",
        "2026-03-15",
        3_200,
    )
    assert (march["previous"]["start"], march["previous"]["end"], march["previous"]["cost_microdollars"]) == (
        "2026-02-01",
        "2026-02-15",
        600,
    )


def test_a_whole_month_is_compared_with_the_whole_month_before(
    http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    clock.now = datetime(2026, 3, 31, 20, tzinfo=UTC)  # March's 30 whole days are more than February has
    org = orgs.create(start=datetime(2025, 12, 1, 9, tzinfo=UTC))
    ingest(
        http,
        org,
        [
            event(org, "jan", datetime(2026, 1, 31, 23, tzinfo=UTC), cost=10),
            event(org, "feb", datetime(2026, 2, 28, tzinfo=UTC)),
            event(org, "mar-29", datetime(2026, 3, 29, tzinfo=UTC), cost=5),
        ],
    )
    months = {m["month"]: m for m in get(http, org, "/usage/summary", period="this-month")["months"]}
    assert list(months) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    february = months["2026-02"]
    assert (february["previous"]["start"], february["previous"]["end"]) == ("2026-01-01", "2026-02-01")
    assert (february["compared"]["start"], february["compared"]["end"]) == ("2026-02-01", "2026-03-01")
    assert february["previous"]["cost_microdollars"] == 10
    march = months["2026-03"]  # 28 days against 28 days, not 30 against February's 28
    assert (march["compared"]["start"], march["compared"]["end"], march["compared"]["cost_microdollars"]) == (
        "2026-03-01",
        "2026-03-29",
        0,
    )
    assert (march["previous"]["start"], march["previous"]["end"]) == ("2026-02-01", "2026-03-01")
    assert months["2025-12"]["previous"] is None


def test_my_daily_series_has_no_day_that_has_not_begun(http: httpx.Client, orgs: OrganizationFactory):
    org = orgs.create()
    ingest(http, org, [event(org, "mine", datetime(2026, 3, 3, tzinfo=UTC))])
    mine = get(http, org, f"/usage/members/{org.member.id}", org.member)  # this billing period: Mar 1 – Mar 31
    assert (mine["start"], mine["end"], mine["as_of"]) == ("2026-03-01", "2026-04-01", "2026-03-15T12:00:00Z")
    assert [day["date"] for day in mine["daily"]] == [f"2026-03-{d:02d}" for d in range(1, 16)]
    month = get(http, org, f"/usage/members/{org.member.id}", org.member, period="30d")
    assert month["daily"][0]["date"] == "2026-03-01"  # the organization began on Mar 1


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0001-01-31"), ("9999-12-30", "9999-12-31")])
def test_periods_at_the_ends_of_the_calendar_are_refused_plainly(
    http: httpx.Client, orgs: OrganizationFactory, start: str, end: str
):
    org = orgs.create()
    refused = http.get(org.path("/usage/summary"), params={"start": start, "end": end}, headers=org.headers())
    assert refused.status_code == 422  # not the 500 of a date overflow in the previous period
    assert refused.json()["error"]["message"] == "Dates must be between 2000-01-01 and 2999-12-31."
