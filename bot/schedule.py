"""When a digest is due: local wall-clock schedules per time zone (DST included) and the days each one covers.

Pure functions of a Schedule and an instant; nothing here knows of Slack or a database. A digest's period
key is the local date it is due on, so a restart, a second replica or `/kilo digest send` on the same day
all name the same delivery.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COMPARED_PERIODS = 4
LOOK_BACK_DAYS = 62  # covers the longest gap between two runs (a monthly day) with room to spare


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


DEFAULT_TIME = time(9, 0)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_DAY_OF_MONTH = 28  # every month has it


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    at: time  # local wall-clock time
    zone: ZoneInfo
    weekday: int = 0  # weekly: 0 = Monday
    day_of_month: int = 1  # monthly: 1…28

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) … 6 (Sunday)")
        if not 1 <= self.day_of_month <= MAX_DAY_OF_MONTH:
            raise ValueError(f"day_of_month is 1 … {MAX_DAY_OF_MONTH}")

    def runs_on(self, day: date) -> bool:
        match self.frequency:
            case Frequency.DAILY:
                return True
            case Frequency.WEEKDAYS:
                return day.weekday() < 5
            case Frequency.WEEKLY:
                return day.weekday() == self.weekday
            case Frequency.MONTHLY:
                return day.day == self.day_of_month
        raise AssertionError(self.frequency)

    def describe(self) -> str:
        """ "weekly on Monday at 09:00 (Europe/Berlin)"."""
        clock = f"{self.at:%H:%M} ({self.zone.key})"
        match self.frequency:
            case Frequency.DAILY:
                return f"daily at {clock}"
            case Frequency.WEEKDAYS:
                return f"weekdays at {clock}"
            case Frequency.WEEKLY:
                return f"weekly on {WEEKDAY_NAMES[self.weekday].capitalize()} at {clock}"
            case Frequency.MONTHLY:
                return f"monthly on the {ordinal(self.day_of_month)} at {clock}"
        raise AssertionError(self.frequency)


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class Occurrence:
    local_date: date
    due_at: datetime  # aware UTC

    @property
    def period_key(self) -> str:
        return self.local_date.isoformat()


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at wall-clock `at` in `zone`, as UTC. An ambiguous time (clocks going back) is its first
    occurrence; a time that does not exist (clocks going forward) is the moment the clocks change."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap, fold=1 reads the wall time with the new offset (an instant before the change) and fold=0
    # with the old one (after it): the change lies between, where the offset switches.
    before, after = wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first
    new_offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == new_offset:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


def occurrence_on(schedule: Schedule, day: date) -> Occurrence | None:
    if not schedule.runs_on(day):
        return None
    return Occurrence(day, local_instant(day, schedule.at, schedule.zone))


def latest_due(schedule: Schedule, now: datetime) -> Occurrence | None:
    """The most recent run at or before `now` (None if none in the last two months)."""
    today = now.astimezone(schedule.zone).date()
    for back in range(LOOK_BACK_DAYS):
        found = occurrence_on(schedule, today - timedelta(days=back))
        if found is not None and found.due_at <= now:
            return found
    return None


def next_due(schedule: Schedule, now: datetime) -> Occurrence:
    """The first run after `now`."""
    today = now.astimezone(schedule.zone).date()
    for ahead in range(LOOK_BACK_DAYS):
        found = occurrence_on(schedule, today + timedelta(days=ahead))
        if found is not None and found.due_at > now:
            return found
    raise AssertionError("every schedule runs at least monthly")


# --- the days a digest covers ----------------------------------------------------------------------


@dataclass(frozen=True)
class CoveredDays:
    """UTC billing days [start, end) and the equal earlier periods a digest compares with (newest first)."""

    start: date
    end: date
    earlier: tuple[tuple[date, date], ...]


def shift_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def covered_days(frequency: Frequency, local_date: date, due_at: datetime) -> CoveredDays:
    """What a digest due on `local_date` reports: the complete UTC days since the run before.

    The period ends at the local date, or earlier where the UTC day has not ended yet (zones east of UTC)."""
    end = min(local_date, due_at.astimezone(UTC).date())
    if frequency is Frequency.MONTHLY:
        start = shift_months(end, -1)
        earlier = []
        cursor = start
        for _ in range(COMPARED_PERIODS):
            earlier.append((shift_months(cursor, -1), cursor))
            cursor = earlier[-1][0]
        return CoveredDays(start, end, tuple(earlier))
    if frequency is Frequency.WEEKLY:
        length = 7
    elif frequency is Frequency.WEEKDAYS:
        # Monday covers Friday to Sunday; any other day the day before.
        length = 3 if local_date.weekday() == 0 else 2 if local_date.weekday() == 6 else 1
    else:
        length = 1
    span = timedelta(days=length)
    start = end - span
    return CoveredDays(start, end, tuple((start - span * (n + 1), start - span * n) for n in range(COMPARED_PERIODS)))
