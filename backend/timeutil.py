"""UTC helpers and calendar arithmetic for billing cycles."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from kilo_db.types import as_utc, utcnow

__all__ = ["add_months", "as_utc", "days_between", "start_of_day", "utcnow"]


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def add_months(moment: datetime, months: int, anchor_day: int | None = None) -> datetime:
    """Same day-of-month `months` later, clamped to the month's length (Jan 31 + 1 month = Feb 28/29)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(anchor_day or moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def days_between(start: date, end: date) -> list[date]:
    """Every day in [start, end)."""
    return [start + timedelta(days=offset) for offset in range((end - start).days)]
