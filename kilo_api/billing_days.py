"""Billing days: the UTC calendar days cycles, invoices and seat changes are counted in, written one way for
Slack and for invoice PDFs (a reader's time zone would move an evening change to another day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def day_text(day: date) -> str:
    return f"{day:%b} {day.day}, {day:%Y}"


def billing_day(moment: datetime) -> str:
    """The UTC calendar day of a moment (Dec 24, 2026): cycles start and end at midnight UTC."""
    return day_text(moment.astimezone(UTC).date())


def day_range(start: date, end_exclusive: date) -> str:
    """The inclusive days of [start, end): Mar 1 – Mar 31, 2026; one day is just that day."""
    last = max(start, end_exclusive - timedelta(days=1))
    if start == last:
        return day_text(start)
    if start.year == last.year:
        return f"{start:%b} {start.day} – {last:%b} {last.day}, {last:%Y}"
    return f"{start:%b} {start.day}, {start:%Y} – {last:%b} {last.day}, {last:%Y}"


def billing_days(start: datetime, end: datetime) -> str:
    """The UTC days a billed span [start, end) touches: a cycle ending at midnight Apr 1 ends on Mar 31."""
    first = start.astimezone(UTC)
    after = end.astimezone(UTC)
    last_day = (after - timedelta(microseconds=1)).date() if after > first else first.date()
    return day_range(first.date(), last_day + timedelta(days=1))
