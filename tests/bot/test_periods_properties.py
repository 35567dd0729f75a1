"""Usage periods as people type them: every period word, date ranges, their labels, and any text → PeriodError."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.periods import ALIASES, BILLING_PERIOD, NAMED_PERIODS, PeriodChoice, PeriodError, is_period_word, parse_period

# Every word people may type, what it means, and how the answer names it.
PERIOD_WORDS = {
    "7d": (PeriodChoice(name="7d"), "the last 7 days"),
    "week": (PeriodChoice(name="7d"), "the last 7 days"),
    "30d": (PeriodChoice(name="30d"), "the last 30 days"),
    "month": (PeriodChoice(name="30d"), "the last 30 days"),
    "90d": (PeriodChoice(name="90d"), "the last 90 days"),
    "quarter": (PeriodChoice(name="90d"), "the last 90 days"),
    "this-month": (PeriodChoice(name="this-month"), "this month"),
    "thismonth": (PeriodChoice(name="this-month"), "this month"),
    "last-month": (PeriodChoice(name="last-month"), "last month"),
    "lastmonth": (PeriodChoice(name="last-month"), "last month"),
    "current": (BILLING_PERIOD, "this billing period"),
    "period": (BILLING_PERIOD, "this billing period"),
}
NOT_A_PERIOD = "is not a period I know. Try `7d`, `30d`, `90d`, `this-month`, `last-month`"
NO_SUCH_DATE = "has a date that does not exist."
REVERSED = "The range ends before it starts; put the earlier date first."
TOO_LONG = "A range can be at most 400 days long."


def test_the_table_names_every_period_word_the_parser_knows():
    assert set(PERIOD_WORDS) == set(NAMED_PERIODS) | set(ALIASES) | {"current", "period"}


@pytest.mark.parametrize("word", list(PERIOD_WORDS))
def test_every_period_word_in_any_case(word: str):
    choice, label = PERIOD_WORDS[word]
    for typed in (word, word.upper(), word.title()):
        assert is_period_word(typed)
        assert parse_period(typed) == choice
        assert parse_period(typed).label == label
        assert parse_period(typed).end is None


def test_the_billing_period_has_no_dates_of_its_own():
    assert BILLING_PERIOD.is_billing_period
    assert not PeriodChoice(name="7d").is_billing_period
    assert (BILLING_PERIOD.start, BILLING_PERIOD.end) == (None, None)


@pytest.mark.parametrize(
    ("typed", "start", "last_day", "label"),
    [
        ("2026-03-01..2026-03-15", date(2026, 3, 1), date(2026, 3, 15), "Mar 1 – Mar 15, 2026"),
        ("2026-03-01…2026-03-15", date(2026, 3, 1), date(2026, 3, 15), "Mar 1 – Mar 15, 2026"),
        ("2026-03-01/2026-03-15", date(2026, 3, 1), date(2026, 3, 15), "Mar 1 – Mar 15, 2026"),
        ("2026-03-01_to_2026-03-15", date(2026, 3, 1), date(2026, 3, 15), "Mar 1 – Mar 15, 2026"),
        ("2026-03-01_TO_2026-03-15", date(2026, 3, 1), date(2026, 3, 15), "Mar 1 – Mar 15, 2026"),
        ("2026-02-01..2026-02-28", date(2026, 2, 1), date(2026, 2, 28), "Feb 1 – Feb 28, 2026"),
        ("2024-02-29..2024-03-01", date(2024, 2, 29), date(2024, 3, 1), "Feb 29 – Mar 1, 2024"),
        ("2000-02-29..2000-02-29", date(2000, 2, 29), date(2000, 2, 29), "Feb 29, 2000"),
        ("2026-03-04..2026-03-04", date(2026, 3, 4), date(2026, 3, 4), "Mar 4, 2026"),
        ("2025-12-20..2026-01-05", date(2025, 12, 20), date(2026, 1, 5), "Dec 20, 2025 – Jan 5, 2026"),
        ("2025-01-01..2026-02-04", date(2025, 1, 1), date(2026, 2, 4), "Jan 1, 2025 – Feb 4, 2026"),  # 400 days
    ],
)
def test_a_range_is_inclusive_and_labelled_with_its_days(typed: str, start: date, last_day: date, label: str):
    choice = parse_period(typed)
    assert choice == PeriodChoice(start=start, last_day=last_day)
    assert choice.end == last_day + timedelta(days=1)  # the backend takes an exclusive end
    assert choice.label == label
    assert is_period_word(typed) and not choice.is_billing_period


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-29..2026-03-01", f"`2026-02-29..2026-03-01` {NO_SUCH_DATE}"),
        ("2100-02-29..2100-03-01", f"`2100-02-29..2100-03-01` {NO_SUCH_DATE}"),
        ("2026-13-01..2026-13-02", f"`2026-13-01..2026-13-02` {NO_SUCH_DATE}"),
        ("2026-00-10..2026-01-10", f"`2026-00-10..2026-01-10` {NO_SUCH_DATE}"),
        ("2026-04-31..2026-05-01", f"`2026-04-31..2026-05-01` {NO_SUCH_DATE}"),
        ("0000-01-01..2026-01-01", f"`0000-01-01..2026-01-01` {NO_SUCH_DATE}"),
        ("2026-03-10..2026-03-01", REVERSED),
        ("2026-01-01..2025-12-31", REVERSED),
        ("2025-01-01..2026-02-05", TOO_LONG),  # 401 days
        ("2020-01-01..2026-01-01", TOO_LONG),
        ("2026-3-1..2026-3-5", f"`2026-3-1..2026-3-5` {NOT_A_PERIOD}"),
        ("2026-03-01", f"`2026-03-01` {NOT_A_PERIOD}"),
        ("2026-03-01..", f"`2026-03-01..` {NOT_A_PERIOD}"),
        ("2026-03-01 .. 2026-03-05", f"`2026-03-01 .. 2026-03-05` {NOT_A_PERIOD}"),
        ("13x", f"`13x` {NOT_A_PERIOD}"),
        ("7", f"`7` {NOT_A_PERIOD}"),
        ("1y", f"`1y` {NOT_A_PERIOD}"),
        ("", f"`` {NOT_A_PERIOD}"),
    ],
)
def test_bad_periods_say_what_is_wrong(typed: str, message: str):
    with pytest.raises(PeriodError) as refused:
        parse_period(typed)
    assert str(refused.value).startswith(message)


def test_a_range_ending_on_the_calendars_last_day_is_refused():
    """Its exclusive end, the day after, does not exist: accepting it would fail later, with no message."""
    with pytest.raises(PeriodError, match="pick an earlier range"):
        parse_period("9999-12-30..9999-12-31")


@pytest.mark.parametrize("word", ["banana", "models", "7", "", "2026-03-01", "public"])
def test_other_words_are_not_period_words(word: str):
    assert not is_period_word(word)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATES = st.dates(date(1, 1, 1), date(9999, 12, 31))
SEPARATORS = st.sampled_from(["..", "…", "/", "_to_", "_TO_"])


@given(DATES, DATES, SEPARATORS)
@example(date(2024, 2, 29), date(2025, 4, 2), "..")  # exactly 398 days through a leap day
@example(date(9999, 12, 30), date(9999, 12, 31), "..")
def test_any_two_dates_make_a_range_or_say_why_not(start: date, last_day: date, separator: str):
    typed = f"{start.isoformat()}{separator}{last_day.isoformat()}"
    days = (last_day - start).days + 1
    if last_day < start:
        with pytest.raises(PeriodError, match="ends before it starts"):
            parse_period(typed)
    elif days > 400:
        with pytest.raises(PeriodError, match="at most 400 days"):
            parse_period(typed)
    elif last_day == date.max:
        with pytest.raises(PeriodError, match="pick an earlier range"):
            parse_period(typed)
    else:
        choice = parse_period(typed)
        assert choice == PeriodChoice(start=start, last_day=last_day)
        assert choice.end is not None and (choice.end - start).days == days


@given(DATES, st.integers(0, 399))
def test_a_range_label_names_both_ends_and_every_year_it_spans(start: date, length: int):
    last_day = start + timedelta(days=length)
    if last_day >= date.max:
        return
    label = parse_period(f"{start.isoformat()}..{last_day.isoformat()}").label
    assert label.endswith(f"{MONTHS[last_day.month - 1]} {last_day.day}, {last_day.year}")
    assert label.startswith(f"{MONTHS[start.month - 1]} {start.day}")
    if start.year != last_day.year:
        assert label.startswith(f"{MONTHS[start.month - 1]} {start.day}, {start.year} – ")


PERIOD_LIKE = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-./…_tTo ").map(str.strip),
    st.from_regex(r"\d{4}-\d{2}-\d{2}(\.\.|…|/|_to_)\d{4}-\d{2}-\d{2}", fullmatch=True),
    st.sampled_from(list(PERIOD_WORDS)).map(lambda word: word + "x"),
)


@given(PERIOD_LIKE)
def test_any_text_is_a_period_or_a_period_error(typed: str):
    try:
        choice = parse_period(typed)
    except PeriodError as refused:
        assert type(refused) is PeriodError
        assert str(refused).endswith(".")
        return
    assert is_period_word(typed)
    assert choice.label
    if choice.start is not None:
        assert choice.last_day is not None and choice.end is not None
        assert 1 <= (choice.end - choice.start).days <= 400
