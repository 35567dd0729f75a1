"""`/kilo …` text parsed into typed requests; nothing here knows of Slack or the backend."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.inputs import InputRefused, dollars_to_microdollars, email_address
from bot.periods import BILLING_PERIOD, PeriodChoice, PeriodError, is_period_word, parse_period
from bot.seats import SeatMode, SeatNumberError, parse_seat_number
from kilo_api.enums import Role
from kilo_api.limits import MAX_CREDIT_PURCHASE_MICRODOLLARS, MIN_CREDIT_PURCHASE_MICRODOLLARS


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


@dataclass(frozen=True)
class Invite:
    email: str | None = None
    role: Role = Role.MEMBER


@dataclass(frozen=True)
class Policies:
    pass


@dataclass(frozen=True)
class ChangeBillingCycle:
    pass


@dataclass(frozen=True)
class CancelSubscription:
    pass


@dataclass(frozen=True)
class ResumeSubscription:
    pass


@dataclass(frozen=True)
class BuyCredits:
    amount_microdollars: int | None = None


@dataclass(frozen=True)
class Audit:
    limit: int = 20


# Commands that change something open a modal (or, for resume, act at once); handlers/manage.py runs them.
Change = Invite | Policies | ChangeBillingCycle | CancelSubscription | ResumeSubscription | BuyCredits | Audit


@dataclass(frozen=True)
class SeatsChange:
    """`/kilo seats add [N]` / `/kilo seats remove [N]`: a modal with the live price."""

    mode: SeatMode
    seats: int = 1


@dataclass(frozen=True)
class SeatsRequest:
    """`/kilo seats request [N] [reason]`: ask the Owners and Admins for more seats."""

    seats: int = 1
    reason: str | None = None


@dataclass(frozen=True)
class SeatsRequests:
    """`/kilo seats requests`: pending and recent seat requests."""


@dataclass(frozen=True)
class Approvals:
    """`/kilo approvals [#channel|dm]`: where seat requests go (no argument: show it)."""

    channel_id: str | None = None
    direct_messages: bool = False


SeatCommand = SeatsChange | SeatsRequest | SeatsRequests | Approvals
Command = (
    Connect
    | Help
    | Usage
    | UsageModels
    | UsageUsers
    | UsageMe
    | UsageTrend
    | Org
    | Members
    | Billing
    | Subscription
    | Change
    | SeatsChange
    | SeatsRequest
    | SeatsRequests
    | Approvals
)

SUBCOMMANDS = (
    "help",
    "usage",
    "org",
    "members",
    "billing",
    "subscription",
    "seats",
    "connect",
    "invite",
    "policies",
    "audit",
    "approvals",
)
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
MAX_AUDIT_ENTRIES = 100


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
        if rest and rest[0].lower() == "buy":
            return _buy_credits(head, rest[1:])
        _no_arguments(head, rest)
        return Billing()
    if head == "connect":
        _no_arguments(head, rest)
        return Connect()
    if head in ("subscription", "plan") and rest:
        return _subscription_change(head, rest)
    if head == "seats" and rest:
        return _seats(rest)
    if head == "approvals":
        return _approvals(rest)
    if head in ("subscription", "plan", "seats"):
        _no_arguments(head, rest)
        return Subscription(seats_first=head == "seats")
    if head == "invite":
        return _invite(rest)
    if head in ("policies", "policy"):
        _no_arguments(head, rest)
        return Policies()
    if head == "audit":
        return _audit(rest)
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


def _subscription_change(head: str, words: list[str]) -> Command:
    action: dict[str, Command] = {
        "cycle": ChangeBillingCycle(),
        "cancel": CancelSubscription(),
        "resume": ResumeSubscription(),
    }
    if len(words) != 1 or words[0].lower() not in action:
        raise CommandError(
            f"`/kilo {head} {' '.join(words)}` is not something I can do. Try `/kilo subscription cycle`, "
            "`/kilo subscription cancel` or `/kilo subscription resume`."
        )
    return action[words[0].lower()]


def _invite(words: list[str]) -> Invite:
    email: str | None = None
    roles = [ROLE_WORDS[word.lower()] for word in words if word.lower() in ROLE_WORDS]
    if len(words) > 2 or len(roles) > 1 or (len(words) == 2 and not roles):
        raise CommandError("Invite one person at a time: `/kilo invite ana@example.com admin`.")
    for word in words:
        if word.lower() in ROLE_WORDS:
            continue
        try:
            email = email_address(word)
        except InputRefused as exc:
            raise CommandError(f"{exc} Try `/kilo invite ana@example.com admin`.") from exc
    return Invite(email=email, role=roles[0] if roles else Role.MEMBER)


def _buy_credits(head: str, words: list[str]) -> BuyCredits:
    if not words:
        return BuyCredits()
    try:
        amount = dollars_to_microdollars(
            "".join(words),
            minimum=MIN_CREDIT_PURCHASE_MICRODOLLARS,
            maximum=MAX_CREDIT_PURCHASE_MICRODOLLARS,
            what="a credit purchase",
        )
    except InputRefused as exc:
        raise CommandError(f"{exc} Try `/kilo {head} buy 50`.") from exc
    return BuyCredits(amount_microdollars=amount)


def _audit(words: list[str]) -> Audit:
    if not words:
        return Audit()
    if len(words) == 1 and words[0].isascii() and words[0].isdigit() and 1 <= int(words[0]) <= MAX_AUDIT_ENTRIES:
        return Audit(limit=int(words[0]))
    raise CommandError(f"`/kilo audit` takes how many entries to show, 1 to {MAX_AUDIT_ENTRIES}: `/kilo audit 50`.")


SEAT_WORDS = ("add", "remove", "request", "requests")
CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,30}$")
MAX_REASON_LENGTH = 500


def _seats(words: list[str]) -> Command:
    action = words[0].lower()
    rest = words[1:]
    if action in ("add", "remove"):
        if len(rest) > 1:
            raise CommandError(f"`/kilo seats {action}` takes one number, like `/kilo seats {action} 2`.")
        return SeatsChange(SeatMode(action), _seat_number(rest[0]) if rest else 1)
    if action == "request":
        seats = 1
        if rest and rest[0].lstrip("+-").isdigit():
            seats, rest = _seat_number(rest[0]), rest[1:]
        reason = " ".join(rest) or None
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            raise CommandError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
        return SeatsRequest(seats, reason)
    if action == "requests" and not rest:
        return SeatsRequests()
    suggestion = difflib.get_close_matches(action, SEAT_WORDS, n=1)
    hint = f"Did you mean `/kilo seats {suggestion[0]}`?" if suggestion else "Try `/kilo seats add 2`."
    raise CommandError(f"`/kilo seats` understands add, remove, request and requests. {hint}")


def _seat_number(word: str) -> int:
    try:
        return parse_seat_number(word)
    except SeatNumberError as problem:
        raise CommandError(str(problem)) from None


def _approvals(words: list[str]) -> Approvals:
    if not words:
        return Approvals()
    if len(words) == 1 and words[0].lower() in ("dm", "dms", "off", "none"):
        return Approvals(direct_messages=True)
    link = CHANNEL_LINK.match(words[0]) if len(words) == 1 else None
    if link:
        return Approvals(channel_id=link.group(1))
    if len(words) == 1 and CHANNEL_ID.match(words[0]):
        return Approvals(channel_id=words[0])
    raise CommandError(
        "Name the channel as Slack links it: type `/kilo approvals #` and pick it from the list "
        "(or `/kilo approvals dm` for DMs to Owners and Admins)."
    )
