"""`/kilo digest …` and `/kilo alerts` text → typed requests: channels as Slack sends them, schedules in any
word order, and friendly refusals for everything else."""

from __future__ import annotations

import random
from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    Alerts,
    ChannelRef,
    CommandError,
    DigestForm,
    DigestList,
    DigestMe,
    DigestPreview,
    DigestSend,
    DigestSubscribe,
    DigestUnsubscribe,
    parse,
)
from bot.schedule import WEEKDAY_NAMES, Frequency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest", DigestForm()),
        ("alerts", Alerts()),
        ("digest list", DigestList()),
        ("digest preview", DigestPreview()),
        ("digest me", DigestMe(on=True)),
        ("digest me off", DigestMe(on=False)),
        ("digest me ON", DigestMe(on=True)),
        ("digest send", DigestSend()),
        ("digest send <#C0ABC123|team-ai>", DigestSend(ChannelRef("C0ABC123", "team-ai"))),
        ("digest unsubscribe <#C0ABC123>", DigestUnsubscribe(ChannelRef("C0ABC123"))),
        ("digest unsubscribe #Team-AI", DigestUnsubscribe(ChannelRef(name="team-ai"))),
        ("digest subscribe", DigestSubscribe()),
        (
            "digest subscribe #ai-spend daily 17:30 America/New_York",
            DigestSubscribe(ChannelRef(name="ai-spend"), Frequency.DAILY, at=time(17, 30), zone="America/New_York"),
        ),
        ("digest subscribe friday", DigestSubscribe(weekday=4)),
        ("digest subscribe 15", DigestSubscribe(frequency=Frequency.MONTHLY, day_of_month=15)),
        (
            "digest subscribe weekdays 8:05 utc",
            DigestSubscribe(frequency=Frequency.WEEKDAYS, at=time(8, 5), zone="UTC"),
        ),
        ("digest subscribe europe/berlin people", DigestSubscribe(zone="Europe/Berlin", show_people=True)),
        (
            "DIGEST SUBSCRIBE MONTHLY 28 <#G0PRIV|leads>",
            DigestSubscribe(ChannelRef("G0PRIV", "leads"), Frequency.MONTHLY, day_of_month=28),
        ),
    ],
)
def test_digest_commands(text: str, expected: object):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("digest subscribe 29", "A monthly digest goes out on day 1 to 28"),
        ("digest subscribe daily monday", "A day of the week goes with `weekly` (this one is `daily`)."),
        ("digest subscribe weekly 3", "A day of the month goes with `monthly` (this one is `weekly`)."),
        ("digest subscribe 25:00", "`25:00` is not a time of day"),
        ("digest subscribe Mars/Olympus", "I don't know the time zone `Mars/Olympus`"),
        ("digest subscribe 09:00 10:00", "`09:00` and `10:00` both give the time."),
        ("digest subscribe #a #b", "`#a` and `#b` both give the channel."),
        ("digest subscribe fortnightly", "`fortnightly` is not something `/kilo digest subscribe` understands."),
        ("digest send #a #b", "`/kilo digest send` takes one channel"),
        ("digest unsubscribe everything", "`/kilo digest unsubscribe` takes one channel"),
        ("digest subscrib", "I don't know `/kilo digest subscrib`. Did you mean `/kilo digest subscribe`?"),
        ("digest me please", "`/kilo digest me` turns your weekly DM on"),
        ("digest list all", "`/kilo digest list` takes no options"),
        ("alerts now", "`/kilo alerts` takes no options"),
    ],
)
def test_bad_digest_input_says_what_would_work(text: str, message: str):
    with pytest.raises(CommandError) as refused:
        parse(text)
    assert str(refused.value).startswith(message)


SCHEDULE_PARTS = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(
            [None, ChannelRef("C0TEAM1", "team"), ChannelRef("C0TEAM2"), ChannelRef(name="ai-x")]
        ),
        "frequency": st.sampled_from(list(Frequency)),
        "weekday": st.integers(0, 6),
        "day_of_month": st.integers(1, 28),
        "at": st.builds(time, st.integers(0, 23), st.integers(0, 59)),
        "zone": st.sampled_from([None, "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
        "show_people": st.booleans(),
    }
)


def as_words(parts: dict[str, object]) -> list[str]:
    words: list[str] = []
    channel = parts["channel"]
    if isinstance(channel, ChannelRef):
        words.append(f"<#{channel.id}|{channel.name}>" if channel.id and channel.name else str(channel))
    words.append(str(parts["frequency"]))
    if parts["frequency"] is Frequency.WEEKLY:
        words.append(WEEKDAY_NAMES[int(parts["weekday"])])  # type: ignore[call-overload]
    if parts["frequency"] is Frequency.MONTHLY:
        words.append(str(parts["day_of_month"]))
    words.append(f"{parts['at']:%H:%M}")
    if parts["zone"]:
        words.append(str(parts["zone"]))
    if parts["show_people"]:
        words.append("people")
    return words


@given(SCHEDULE_PARTS, st.randoms(use_true_random=False))
def test_a_subscription_written_in_any_order_parses_back(parts: dict[str, object], rng: random.Random):
    words = as_words(parts)
    rng.shuffle(words)
    parsed = parse("digest subscribe " + " ".join(words))
    assert isinstance(parsed, DigestSubscribe)
    assert parsed.channel == parts["channel"]
    assert (parsed.frequency, parsed.at, parsed.zone, parsed.show_people) == (
        parts["frequency"],
        parts["at"],
        parts["zone"],
        parts["show_people"],
    )
    if parts["frequency"] is Frequency.WEEKLY:
        assert parsed.weekday == parts["weekday"]
    if parts["frequency"] is Frequency.MONTHLY:
        assert parsed.day_of_month == parts["day_of_month"]


@given(
    st.lists(
        st.one_of(st.text(max_size=10), st.sampled_from(["#x", "<#C1>", "09:00", "monthly", "31", "mon"])), max_size=5
    )
)
def test_anything_after_digest_subscribe_is_a_subscription_or_a_friendly_refusal(words: list[str]):
    try:
        parsed = parse("digest subscribe " + " ".join(words))
    except CommandError as refused:
        assert str(refused).endswith((".", "?")) and "\n" not in str(refused)
        return
    assert isinstance(parsed, DigestSubscribe | DigestForm | DigestList)
