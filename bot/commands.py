"""`/kilo …` text parsed into typed requests; nothing here knows of Slack or the backend."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.periods import BILLING_PERIOD, PeriodChoice, PeriodError, is_period_word, parse_period
from kilo_api.enums import Role


class CommandError(ValueError):
    """The text is not a command; the message says what would have worked."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Usage:
    period: PeriodChoice = BILLING_PERIOD
    public: bool = False


@dataclass(frozen=True)
class UsageModels:
    period: PeriodChoice = BILLING_PERIOD
    public: bool = False


@dataclass(frozen=True)
class UsageUsers:
    period: PeriodChoice = BILLING_PERIOD


@dataclass(frozen=True)
class UsageMe:
    period: PeriodChoice = BILLING_PERIOD


@dataclass(frozen=True)
class UsageTrend:
    period: PeriodChoice = BILLING_PERIOD
    public: bool = False


@dataclass(frozen=True)
class Org:
    pass


@dataclass(frozen=True)
class Members:
    role: Role | None = None
    query: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class Billing:
    pass


@dataclass(frozen=True)
class Subscription:
    seats_first: bool = False


@dataclass(frozen=True)
class Connect:
    pass


Command = (
    Connect | Help | Usage | UsageModels | UsageUsers | UsageMe | UsageTrend | Org | Members | Billing | Subscription
)

SUBCOMMANDS = ("help", "usage", "org", "members", "billing", "subscription", "seats", "connect")
USAGE_VIEWS = ("models", "users", "me", "trend")
ROLE_WORDS = {
    "owner": Role.OWNER,
    "owners": Role.OWNER,
    "admin": Role.ADMIN,
    "admins": Role.ADMIN,
    "member": Role.MEMBER,
    "members": Role.MEMBER,
}
MAX_QUERY_LENGTH = 100


def parse(text: str) -> Command:
    words = text.strip().split()
    if not words:
        return Help()
    head, rest = words[0].lower(), words[1:]
    if head in ("help", "?"):
        return Help()
    if head == "usage":
        return _usage(rest)
    if head in ("org", "organization", "organisation"):
        _no_arguments(head, rest)
        return Org()
    if head == "members":
        return _members(rest)
    if head in ("billing", "invoices", "credits"):
        _no_arguments(head, rest)
        return Billing()
    if head == "connect":
        _no_arguments(head, rest)
        return Connect()
    if head in ("subscription", "plan", "seats"):
        _no_arguments(head, rest)
        return Subscription(seats_first=head == "seats")
    suggestion = difflib.get_close_matches(head, SUBCOMMANDS, n=1)
    hint = f" Did you mean `/kilo {suggestion[0]}`?" if suggestion else ""
    raise CommandError(f"I don't know `/kilo {words[0]}`.{hint} Type `/kilo help` to see what I can do.")


def _no_arguments(head: str, rest: list[str]) -> None:
    if rest:
        raise CommandError(f"`/kilo {head}` takes no options (I got `{' '.join(rest)}`).")


def _usage(words: list[str]) -> Command:
    view: str | None = None
    period = BILLING_PERIOD
    public = False
    period_given = False
    for word in words:
        lowered = word.lower()
        if lowered in USAGE_VIEWS and view is None:
            view = lowered
        elif lowered == "public":
            public = True
        elif is_period_word(lowered) or lowered[:1].isdigit():
            try:
                period = parse_period(lowered)
                period_given = True
            except PeriodError as exc:
                raise CommandError(str(exc)) from exc
        else:
            raise CommandError(
                f"`{word}` is not something `/kilo usage` understands. Try `/kilo usage 30d`, "
                "`/kilo usage models`, `/kilo usage users`, `/kilo usage me` or `/kilo usage trend`."
            )
    if view == "users" or view == "me":
        if public:
            raise CommandError(f"`/kilo usage {view}` is personal data, so it is only ever shown to you.")
        return UsageUsers(period) if view == "users" else UsageMe(period)
    if view == "models":
        return UsageModels(period, public)
    if view == "trend":
        # A trend needs more than the few days of a billing period that just started.
        return UsageTrend(period if period_given else PeriodChoice(name="30d"), public)
    return Usage(period, public)


def _members(words: list[str]) -> Members:
    if not words:
        return Members()
    first = words[0].lower()
    if first in ROLE_WORDS and len(words) == 1:
        return Members(role=ROLE_WORDS[first])
    query = " ".join(words)
    if len(query) > MAX_QUERY_LENGTH:
        raise CommandError(f"That filter is too long; keep it under {MAX_QUERY_LENGTH} characters.")
    return Members(query=query)
