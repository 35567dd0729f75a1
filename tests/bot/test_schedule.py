"""When digests are due: local wall-clock times across DST changes in America/New_York and Europe/Berlin,
times that do not exist or happen twice, and the UTC days each digest covers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.schedule import (
    Frequency,
    Schedule,
    covered_days,
    latest_due,
    local_instant,
    next_due,
    occurrence_on,
    shift_months,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        # The week clocks go forward (Sunday Mar 8 in New York, Sunday Mar 29 in Berlin) and back.
        (NEW_YORK, [date(2026, 3, d) for d in range(5, 12)]),
        (NEW_YORK, [date(2026, 10, 29) + timedelta(days=d) for d in range(7)]),
        (BERLIN, [date(2026, 3, d) for d in range(26, 32)]),
        (BERLIN, [date(2026, 10, d) for d in range(22, 29)]),
    ],
)
def test_nine_local_stays_nine_local_across_the_change(zone: ZoneInfo, days: list[date]):
    schedule = Schedule(Frequency.DAILY, time(9, 0), zone)
    for day in days:
        due = occurrence_on(schedule, day)
        assert due is not None
        local = due.due_at.astimezone(zone)
        assert (local.date(), local.hour, local.minute) == (day, 9, 0)
    offsets = {occurrence_on(schedule, day).due_at.astimezone(zone).utcoffset() for day in days}  # type: ignore[union-attr]
    assert len(offsets) == 2  # the UTC instant moved by an hour; the local time did not


@pytest.mark.parametrize(
    ("zone", "day", "wall", "runs_at_utc"),
    [
        # 02:30 does not exist: clocks jump 02:00 → 03:00, so it runs at the change (03:00 local).
        (NEW_YORK, date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (BERLIN, date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (BERLIN, date(2026, 3, 29), time(2, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 01:30 / 02:30 happen twice: the first of the two.
        (NEW_YORK, date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (BERLIN, date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_a_missing_time_runs_at_the_change_and_a_doubled_one_runs_first(
    zone: ZoneInfo, day: date, wall: time, runs_at_utc: datetime
):
    assert local_instant(day, wall, zone) == runs_at_utc


def test_an_ambiguous_time_is_due_once_in_the_whole_night():
    schedule = Schedule(Frequency.DAILY, time(1, 30), NEW_YORK)
    seen = set()
    moment = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    while moment < datetime(2026, 11, 1, 9, 0, tzinfo=UTC):
        found = latest_due(schedule, moment)
        if found is not None and found.local_date == date(2026, 11, 1):
            seen.add((found.period_key, found.due_at))
        moment += timedelta(minutes=1)
    assert seen == {("2026-11-01", datetime(2026, 11, 1, 5, 30, tzinfo=UTC))}


def test_weekly_monthly_and_weekdays_run_on_their_days():
    monday = Schedule(Frequency.WEEKLY, time(9), BERLIN, weekday=0)
    assert next_due(monday, datetime(2026, 3, 11, tzinfo=UTC)).local_date == date(2026, 3, 16)
    assert latest_due(monday, datetime(2026, 3, 16, 7, 59, tzinfo=UTC)).local_date == date(2026, 3, 9)  # type: ignore[union-attr]
    assert latest_due(monday, datetime(2026, 3, 16, 8, 0, tzinfo=UTC)).local_date == date(2026, 3, 16)  # type: ignore[union-attr]
    fifteenth = Schedule(Frequency.MONTHLY, time(9), BERLIN, day_of_month=15)
    assert next_due(fifteenth, datetime(2026, 3, 15, 9, tzinfo=UTC)).local_date == date(2026, 4, 15)
    weekdays = Schedule(Frequency.WEEKDAYS, time(9), NEW_YORK)
    assert next_due(weekdays, datetime(2026, 3, 13, 20, tzinfo=UTC)).local_date == date(2026, 3, 16)


def test_a_weekly_digest_covers_the_seven_utc_days_before_its_local_date():
    covered = covered_days(Frequency.WEEKLY, date(2026, 3, 16), datetime(2026, 3, 16, 13, tzinfo=UTC))
    assert (covered.start, covered.end) == (date(2026, 3, 9), date(2026, 3, 16))
    assert covered.earlier[0] == (date(2026, 3, 2), date(2026, 3, 9))
    assert covered.earlier[-1] == (date(2026, 2, 9), date(2026, 2, 16))


def test_east_of_utc_the_day_not_over_in_utc_is_left_out():
    # Monday 09:00 in Kiritimati (UTC+14) is Sunday 19:00 UTC: Sunday's UTC day is not over.
    covered = covered_days(Frequency.WEEKLY, date(2026, 3, 16), datetime(2026, 3, 15, 19, tzinfo=UTC))
    assert (covered.start, covered.end) == (date(2026, 3, 8), date(2026, 3, 15))


def test_weekdays_on_monday_cover_the_weekend_and_monthly_covers_a_month():
    monday = covered_days(Frequency.WEEKDAYS, date(2026, 3, 16), datetime(2026, 3, 16, 13, tzinfo=UTC))
    assert (monday.start, monday.end, monday.earlier[0]) == (
        date(2026, 3, 13),
        date(2026, 3, 16),
        (date(2026, 3, 10), date(2026, 3, 13)),
    )
    month = covered_days(Frequency.MONTHLY, date(2026, 4, 1), datetime(2026, 4, 1, 7, tzinfo=UTC))
    assert (month.start, month.end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert month.earlier == (
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2025, 12, 1), date(2026, 1, 1)),
        (date(2025, 11, 1), date(2025, 12, 1)),
    )
    assert shift_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


ZONES = st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"])


@given(
    ZONES,
    st.sampled_from(list(Frequency)),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(lambda d: d.replace(tzinfo=UTC)),
)
def test_latest_and_next_bracket_now_and_every_run_is_on_its_local_day(
    zone: str, frequency: Frequency, at: time, now: datetime
):
    schedule = Schedule(frequency, at, ZoneInfo(zone), weekday=2, day_of_month=7)
    latest, following = latest_due(schedule, now), next_due(schedule, now)
    assert latest is not None and latest.due_at <= now < following.due_at
    for run in (latest, following):
        local = run.due_at.astimezone(ZoneInfo(zone))
        assert local.date() == run.local_date and schedule.runs_on(run.local_date)
        # Where the wall time exists the run is at it; otherwise within the hour after (the change).
        assert timedelta(0) <= local.replace(tzinfo=None) - datetime.combine(run.local_date, at) <= timedelta(hours=1)
