"""`/kilo …` text → typed requests: every subcommand, alias, period, role word and `public`, and any text →
a command or a CommandError. Requests written back as text parse to themselves, in any case and spacing."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    MAX_QUERY_LENGTH,
    ROLE_WORDS,
    SUBCOMMANDS,
    USAGE_VIEWS,
    Alerts,
    Approvals,
    Audit,
    Billing,
    ChannelRef,
    Command,
    CommandError,
    Connect,
    DigestForm,
    Help,
    Invite,
    Members,
    Org,
    Policies,
    SeatsChange,
    SeatsRequest,
    SeatsRequests,
    Subscription,
    Usage,
    UsageMe,
    UsageModels,
    UsageTrend,
    UsageUsers,
    parse,
)
from bot.periods import BILLING_PERIOD, PeriodChoice
from bot.seats import MAX_SEATS, SeatMode
from kilo_api.enums import Role

LAST_7_DAYS = PeriodChoice(name="7d")
LAST_30_DAYS = PeriodChoice(name="30d")
EARLY_MARCH = PeriodChoice(start=date(2026, 3, 1), last_day=date(2026, 3, 15))

SUBCOMMAND_WORDS: dict[str, Command] = {
    "help": Help(),
    "?": Help(),
    "usage": Usage(),
    "org": Org(),
    "organization": Org(),
    "organisation": Org(),
    "members": Members(),
    "billing": Billing(),
    "invoices": Billing(),
    "credits": Billing(),
    "connect": Connect(),
    "subscription": Subscription(),
    "plan": Subscription(),
    "seats": Subscription(seats_first=True),
    "invite": Invite(),
    "policies": Policies(),
    "policy": Policies(),
    "audit": Audit(),
    "approvals": Approvals(),
    "digest": DigestForm(),
    "digests": DigestForm(),
    "alerts": Alerts(),
    "alert": Alerts(),
}
PERIOD_WORDS = {
    "7d": LAST_7_DAYS,
    "week": LAST_7_DAYS,
    "30d": LAST_30_DAYS,
    "month": LAST_30_DAYS,
    "90d": PeriodChoice(name="90d"),
    "quarter": PeriodChoice(name="90d"),
    "this-month": PeriodChoice(name="this-month"),
    "thismonth": PeriodChoice(name="this-month"),
    "last-month": PeriodChoice(name="last-month"),
    "lastmonth": PeriodChoice(name="last-month"),
    "current": BILLING_PERIOD,
    "period": BILLING_PERIOD,
}
ROLES = {
    "owner": Role.OWNER,
    "owners": Role.OWNER,
    "admin": Role.ADMIN,
    "admins": Role.ADMIN,
    "member": Role.MEMBER,
    "members": Role.MEMBER,
}
UNKNOWN_USAGE_WORD = (
    "is not something `/kilo usage` understands. Try `/kilo usage 30d`, `/kilo usage models`, "
    "`/kilo usage users`, `/kilo usage me` or `/kilo usage trend`."
)

# --- every word, written out -------------------------------------------------------------------------


def test_the_tables_name_every_word_the_parser_knows():
    assert set(SUBCOMMANDS) <= set(SUBCOMMAND_WORDS)
    assert set(ROLES) == set(ROLE_WORDS)
    assert set(USAGE_VIEWS) == {"models", "users", "me", "trend"}


@pytest.mark.parametrize("word", list(SUBCOMMAND_WORDS))
def test_every_subcommand_and_alias_in_any_case(word: str):
    for typed in (word, word.upper(), word.title(), f"  {word}\t"):
        assert parse(typed) == SUBCOMMAND_WORDS[word]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "help usage", "? billing", "HELP me please"])
def test_nothing_or_help_with_anything_after_it_is_help(text: str):
    assert parse(text) == Help()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usage", Usage()),
        ("usage models", UsageModels()),
        ("usage users", UsageUsers()),
        ("usage me", UsageMe()),
        ("usage trend", UsageTrend(LAST_30_DAYS)),  # a trend needs more than a billing period just begun
        ("usage trend current", UsageTrend(BILLING_PERIOD)),
        ("usage trend 7d", UsageTrend(LAST_7_DAYS)),
        ("usage public", Usage(public=True)),
        ("usage models public", UsageModels(public=True)),
        ("usage public trend", UsageTrend(LAST_30_DAYS, public=True)),
        ("usage public public", Usage(public=True)),
        ("usage 7d models", UsageModels(LAST_7_DAYS)),
        ("usage models 7d", UsageModels(LAST_7_DAYS)),
        ("usage 7d 30d", Usage(LAST_30_DAYS)),  # the last period word wins
        ("usage users 2026-03-01..2026-03-15", UsageUsers(EARLY_MARCH)),
        ("usage me 2026-03-01_to_2026-03-15", UsageMe(EARLY_MARCH)),
        ("Usage TREND Public Week", UsageTrend(LAST_7_DAYS, public=True)),
    ],
)
def test_usage_views_periods_and_public(text: str, expected: Command):
    assert parse(text) == expected


@pytest.mark.parametrize("word", list(PERIOD_WORDS))
def test_every_period_word_after_usage(word: str):
    assert parse(f"usage {word}") == Usage(PERIOD_WORDS[word])
    assert parse(f"usage {word.upper()} models") == UsageModels(PERIOD_WORDS[word])


@pytest.mark.parametrize("word", list(ROLES))
def test_a_role_word_alone_filters_members_by_role(word: str):
    assert parse(f"members {word}") == Members(role=ROLES[word])
    assert parse(f"MEMBERS {word.upper()}") == Members(role=ROLES[word])


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("members Smith", "Smith"),  # a name keeps its case
        ("members ann@example.com", "ann@example.com"),
        ("members   Ann \t Lee  ", "Ann Lee"),
        ("members owner smith", "owner smith"),  # a role word with more is a search
        ("members usage", "usage"),
        ("members payload", "payload"),
        ("members 名前", "名前"),
        ("members " + "x" * MAX_QUERY_LENGTH, "x" * MAX_QUERY_LENGTH),
    ],
)
def test_anything_else_after_members_is_a_search(text: str, query: str):
    assert parse(text) == Members(query=query)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("usgae", "I don't know `/kilo usgae`. Did you mean `/kilo usage`? Type `/kilo help` to see what I can do."),
        (
            "Memebrs",
            "I don't know `/kilo Memebrs`. Did you mean `/kilo members`? Type `/kilo help` to see what I can do.",
        ),
        ("frobnicate", "I don't know `/kilo frobnicate`. Type `/kilo help` to see what I can do."),
        ("org everything", "`/kilo org` takes no options (I got `everything`)."),
        ("Billing now please", "`/kilo billing` takes no options (I got `now please`)."),
        ("seats 12", "`/kilo seats` understands add, remove, request and requests."),
        ("connect https://kilo.example", "`/kilo connect` takes no options (I got `https://kilo.example`)."),
        ("usage users public", "`/kilo usage users` is personal data, so it is only ever shown to you."),
        ("usage public me", "`/kilo usage me` is personal data, so it is only ever shown to you."),
        ("usage banana", f"`banana` {UNKNOWN_USAGE_WORD}"),
        ("usage models models", f"`models` {UNKNOWN_USAGE_WORD}"),
        ("usage models trend", f"`trend` {UNKNOWN_USAGE_WORD}"),
        ("usage 13x", "`13x` is not a period I know. Try `7d`, `30d`, `90d`, `this-month`, `last-month` "),
        ("usage 2026-02-29..2026-03-01", "`2026-02-29..2026-03-01` has a date that does not exist."),
        ("usage 2026-03-10..2026-03-01", "The range ends before it starts; put the earlier date first."),
        ("usage 2024-01-01..2026-01-01", "A range can be at most 400 days long."),
        ("members " + "x" * (MAX_QUERY_LENGTH + 1), "That filter is too long; keep it under 100 characters."),
    ],
)
def test_bad_input_says_what_would_have_worked(text: str, message: str):
    with pytest.raises(CommandError) as refused:
        parse(text)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("word", [w for w in SUBCOMMANDS if len(w) > 3])
def test_a_subcommand_missing_one_letter_gets_a_suggestion(word: str):
    for index in range(len(word)):
        typo = word[:index] + word[index + 1 :]
        if typo in SUBCOMMAND_WORDS:
            continue
        with pytest.raises(CommandError, match=r"Did you mean `/kilo \w+`\?"):
            parse(typo)


# --- any text ----------------------------------------------------------------------------------------

VOCABULARY = [
    *SUBCOMMAND_WORDS,
    *USAGE_VIEWS,
    *PERIOD_WORDS,
    *ROLES,
    "public",
    "PUBLIC",
    "2026-03-01..2026-03-15",
    "2026-02-30..2026-03-01",
    "9999-12-30..9999-12-31",
    "0001-01-01..0001-01-02",
    "1",
    "²",
    "٣٠d",
    "x" * 101,
]
WORDS = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=12))
SPACES = st.text(" \t\n\u00a0\u2003\u3000", min_size=1, max_size=3)


@given(st.one_of(st.text(), st.lists(WORDS, max_size=6).map(" ".join)))
def test_any_text_is_a_command_or_a_command_error(text: str):
    try:
        command = parse(text)
    except CommandError as refused:
        assert type(refused) is CommandError
        message = str(refused)
        assert message.endswith((".", "?")) and "\n" not in message
        return
    assert isinstance(command, Command)
    period = getattr(command, "period", None)
    if period is not None and period.start is not None:
        assert period.end is not None and period.label


@given(st.sampled_from(["usage", "USAGE", "Usage"]), st.lists(WORDS, max_size=5))
def test_anything_after_usage_is_a_usage_request_or_a_command_error(head: str, words: list[str]):
    try:
        command = parse(" ".join([head, *words]))
    except CommandError as refused:
        assert type(refused) is CommandError
        return
    assert isinstance(command, Usage | UsageModels | UsageUsers | UsageMe | UsageTrend)


# --- requests written back as text -------------------------------------------------------------------

RANGES = st.builds(
    lambda start, length: PeriodChoice(start=start, last_day=start + timedelta(days=length)),
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.integers(0, 399),
)
PERIODS = st.one_of(st.sampled_from(sorted(set(PERIOD_WORDS.values()), key=repr)), RANGES)
QUERY_WORD = st.text(st.characters(blacklist_categories=("Z", "Cc", "Cs")), min_size=1, max_size=20).filter(
    lambda word: word.split() == [word]
)
QUERIES = (
    st.lists(QUERY_WORD, min_size=1, max_size=6)
    .map(" ".join)
    .filter(lambda query: len(query) <= MAX_QUERY_LENGTH and query.lower() not in ROLE_WORDS)
)
COMMANDS: st.SearchStrategy[Command] = st.one_of(
    st.sampled_from([Help(), Org(), Billing(), Connect(), Subscription(), Subscription(seats_first=True)]),
    st.builds(Usage, PERIODS, st.booleans()),
    st.builds(UsageModels, PERIODS, st.booleans()),
    st.builds(UsageTrend, PERIODS, st.booleans()),
    st.builds(UsageUsers, PERIODS),
    st.builds(UsageMe, PERIODS),
    st.builds(Members, role=st.sampled_from(Role)),
    st.builds(Members, query=QUERIES),
    st.just(Members()),
    st.builds(SeatsChange, st.sampled_from(SeatMode), st.integers(1, MAX_SEATS)),
    st.builds(
        SeatsRequest,
        st.integers(1, MAX_SEATS),
        st.one_of(st.none(), QUERIES.filter(lambda reason: not reason.split(" ")[0].lstrip("+-").isdigit())),
    ),
    st.just(SeatsRequests()),
    st.builds(Approvals, st.builds(ChannelRef, st.from_regex(r"C[A-Z0-9]{8,12}", fullmatch=True))),
    st.builds(Approvals, st.builds(ChannelRef, name=st.from_regex(r"[a-z0-9][a-z0-9._\-]{0,20}", fullmatch=True))),
    st.just(Approvals(direct_messages=True)),
)


def period_words(period: PeriodChoice, default: PeriodChoice, rng: random.Random) -> list[str]:
    """How a person may write this period; nothing at all when it is the default."""
    if period.start and period.last_day:
        separator = rng.choice(["..", "…", "/", "_to_"])
        return [f"{period.start.isoformat()}{separator}{period.last_day.isoformat()}"]
    written = [word for word, meaning in PERIOD_WORDS.items() if meaning == period]
    return rng.choice([[], written]) if period == default else [rng.choice(written)]


def as_text(command: Command, rng: random.Random) -> list[str]:
    """A request written back the way a person could type it, as words."""
    usage_words = {Usage: [], UsageModels: ["models"], UsageTrend: ["trend"], UsageUsers: ["users"], UsageMe: ["me"]}
    match command:
        case Usage() | UsageModels() | UsageTrend() | UsageUsers() | UsageMe():
            default = LAST_30_DAYS if isinstance(command, UsageTrend) else BILLING_PERIOD
            words = [*usage_words[type(command)], *period_words(command.period, default, rng)]
            if getattr(command, "public", False):
                words.append("public")
            rng.shuffle(words)  # the words after `usage` may come in any order
            return ["usage", *words]
        case Members(role=Role() as role):
            return ["members", rng.choice([word for word, meaning in ROLES.items() if meaning == role])]
        case Members(query=str(query)):
            return ["members", *query.split(" ")]
        case Subscription(seats_first=True):
            return ["seats"]
        case SeatsChange(mode=mode, seats=seats):
            return ["seats", mode.value, *([] if seats == 1 and rng.random() < 0.5 else [str(seats)])]
        case SeatsRequest(seats=seats, reason=reason):
            number = [] if seats == 1 and reason is None and rng.random() < 0.5 else [str(seats)]
            return ["seats", "request", *number, *(reason.split(" ") if reason else [])]
        case SeatsRequests():
            return ["seats", "requests"]
        case Approvals(channel=ChannelRef(id=str(channel))):
            return ["approvals", rng.choice([f"<#{channel}>", f"<#{channel}|approvals>", channel])]
        case Approvals(channel=ChannelRef(name=str(name))):
            return ["approvals", f"#{name}"]
        case Approvals(direct_messages=True):
            return ["approvals", rng.choice(["dm", "dms", "off", "none"])]
    return [rng.choice([word for word, meaning in SUBCOMMAND_WORDS.items() if meaning == command])]


def random_case(word: str, rng: random.Random) -> str:
    return "".join(letter.upper() if rng.random() < 0.5 else letter.lower() for letter in word)


@given(COMMANDS, st.randoms(use_true_random=False))
def test_a_request_written_as_text_parses_back_to_itself(command: Command, rng: random.Random):
    assert parse(" ".join(as_text(command, rng))) == command


@given(COMMANDS, st.randoms(use_true_random=False), st.lists(SPACES, min_size=8, max_size=8))
def test_case_and_spacing_do_not_change_a_request(command: Command, rng: random.Random, spaces: list[str]):
    words = as_text(command, rng)
    typed_as_is = (isinstance(command, Members) and command.query is not None) or isinstance(
        command, SeatsRequest | Approvals
    )
    if not typed_as_is:
        words = [random_case(word, rng) for word in words]  # a search, a reason, a channel id keep their case
    text = spaces[0] + "".join(word + space for word, space in zip(words, spaces[1:] * 4, strict=False))
    assert parse(text) == command
