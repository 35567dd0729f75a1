"""The rollups answer exactly what a scan of the raw events answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from backend.services.usage import Period, summary
from backend.services.usage_scan import summary_by_scan
from tests.factories import OrganizationFactory, usage_events


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
    today = date(2026, 3, 15)
    with backend_sessions() as session:
        for period in (Period(date(2026, 2, 1), date(2026, 3, 1)), Period(date(2026, 1, 15), date(2026, 3, 16))):
            from_rollups = summary(session, org.id, period, today)
            from_scan = summary_by_scan(session, org.id, period, today)
            assert from_rollups.totals.requests > 0
            assert from_rollups == from_scan
