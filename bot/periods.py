"""Usage periods as people type them: `7d`, `30d`, `this-month`, `2026-03-01..2026-03-15`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.formatting import day_range

NAMED_PERIODS = {
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
    "this-month": "this month",
    "last-month": "last month",
}
ALIASES = {"week": "7d", "month": "30d", "quarter": "90d", "thismonth": "this-month", "lastmonth": "last-month"}
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|…|/|_to_)(\d{4}-\d{2}-\d{2})$")
MAX_RANGE_DAYS = 400


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class PeriodChoice:
    """A named period, an explicit inclusive date range, or (neither) the current billing period."""

    name: str | None = None
    start: date | None = None
    last_day: date | None = None

    @property
    def is_billing_period(self) -> bool:
        return self.name is None and self.start is None

    @property
    def end(self) -> date | None:
        """Exclusive end, as the backend takes it."""
        return self.last_day + timedelta(days=1) if self.last_day else None

    @property
    def label(self) -> str:
        if self.start and self.last_day:
            return day_range(self.start, self.last_day + timedelta(days=1))
        return NAMED_PERIODS[self.name] if self.name else "this billing period"


BILLING_PERIOD = PeriodChoice()


def is_period_word(word: str) -> bool:
    word = word.lower()
    return word in NAMED_PERIODS or word in ALIASES or word in ("current", "period") or bool(RANGE.match(word))


def parse_period(word: str) -> PeriodChoice:
    word = ALIASES.get(word.lower(), word.lower())
    if word in ("current", "period"):
        return BILLING_PERIOD
    if word in NAMED_PERIODS:
        return PeriodChoice(name=word)
    match = RANGE.match(word)
    if not match:
        raise PeriodError(
            f"`{word}` is not a period I know. Try `7d`, `30d`, `90d`, `this-month`, `last-month` "
            "or a range like `2026-03-01..2026-03-15`."
        )
    try:
        start, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
    except ValueError as exc:
        raise PeriodError(f"`{word}` has a date that does not exist.") from exc
    if last < start:
        raise PeriodError("The range ends before it starts; put the earlier date first.")
    if (last - start).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError(f"A range can be at most {MAX_RANGE_DAYS} days long.")
    if last == date.max:  # its exclusive end, the day after, does not exist
        raise PeriodError(f"`{word}` ends on the last day of the calendar; pick an earlier range.")
    return PeriodChoice(start=start, last_day=last)
