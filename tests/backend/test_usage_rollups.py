"""The rollups answer exactly what a scan of the raw events answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from backend.services.usage_queries import Period, summary
from backend.services.usage_scan import summary_by_scan
from tests.factories import OrganizationFactory, usage_events
from tests.support import ok


def test_rollups_match_a_raw_scan_over_many_batches(
    http: httpx.Client, orgs: OrganizationFactory, backend_sessions: sessionmaker[Session]
):
    org = orgs.create(members=6)
    start = datetime(2026, 1, 20, 22, tzinfo=UTC)
    for seed in range(1, 6):
        batch = usage_events(org, 400, start=start, span=timedelta(days=50), seed=seed)
        response = http.post(org.path("/usage/events"), json={"events": batch}, headers=org.headers())
        assert response.json() == {"accepted": 400, "duplicates": 0}
    # a resent batch must not count twice in either answer
    http.post(
        org.path("/usage/events"),
        json={"events": usage_events(org, 400, start=start, span=timedelta(days=50), seed=3)},
        headers=org.headers(),
    )
    now = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)  # partial days of the like-with-like comparisons too
    with backend_sessions() as session:
        for period in (
            Period(date(2026, 2, 1), date(2026, 3, 1)),
            Period(date(2026, 1, 15), date(2026, 3, 16)),
            Period(date(2026, 3, 9), date(2026, 3, 16)),
        ):
            from_rollups = summary(session, org.id, period, now)
            from_scan = summary_by_scan(session, org.id, period, now)
            assert from_rollups.totals.requests > 0
            assert from_rollups == from_scan


def test_concurrent_overlapping_batches_count_each_event_once(
    backend_server, orgs: OrganizationFactory, backend_sessions: sessionmaker[Session]
):
    from concurrent.futures import ThreadPoolExecutor

    org = orgs.create(members=6)
    events = usage_events(org, 1_200, start=datetime(2026, 2, 1, tzinfo=UTC), span=timedelta(days=20), seed=11)
    batches = [events[0:600], events[300:900], events[600:1200], events[0:1200:2]]

    def send(batch: list[dict[str, object]]) -> dict[str, int]:
        with httpx.Client(base_url=backend_server.url, timeout=30) as client:
            return dict(ok(client.post(org.path("/usage/events"), json={"events": batch}, headers=org.headers())))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, batches))
    assert sum(r["accepted"] for r in results) == 1_200
    assert sum(r["duplicates"] for r in results) == sum(len(b) for b in batches) - 1_200
    with backend_sessions() as session:
        period = Period(date(2026, 2, 1), date(2026, 2, 22))
        now = datetime(2026, 3, 15, 12, tzinfo=UTC)
        rolled = summary(session, org.id, period, now)
        assert rolled == summary_by_scan(session, org.id, period, now)
        assert rolled.totals.requests == 1_200
