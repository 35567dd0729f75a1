"""`/kilo …` text parsed into typed requests; nothing here knows of Slack or the backend."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import time
from zoneinfo import available_timezones

from bot.inputs import InputRefused, dollars_to_microdollars, email_address
from bot.periods import BILLING_PERIOD, PeriodChoice, PeriodError, is_period_word, parse_period
from bot.schedule import MAX_DAY_OF_MONTH, WEEKDAY_NAMES, Frequency
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

    channel: ChannelRef | None = None
    direct_messages: bool = False


SeatCommand = SeatsChange | SeatsRequest | SeatsRequests | Approvals


@dataclass(frozen=True)
class ChannelRef:
    """A channel as typed: Slack's escaped <#C123|name> or <#C123>, or a bare #name to look up."""

    id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"<#{self.id}>" if self.id else f"#{self.name}"


@dataclass(frozen=True)
class DigestForm:
    """/kilo digest: the subscription modal."""


@dataclass(frozen=True)
class DigestSubscribe:
    channel: ChannelRef | None = None  # None: the channel the command was typed in
    frequency: Frequency = Frequency.WEEKLY
    weekday: int = 0
    day_of_month: int = 1
    at: time = time(9, 0)
    zone: str | None = None  # None: the subscriber's Slack time zone
    show_people: bool = False


@dataclass(frozen=True)
class DigestList:
    pass


@dataclass(frozen=True)
class DigestUnsubscribe:
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class DigestPreview:
    pass


@dataclass(frozen=True)
class DigestSend:
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class DigestMe:
    on: bool = True


@dataclass(frozen=True)
class Alerts:
    pass


DigestCommand = DigestForm | DigestSubscribe | DigestList | DigestUnsubscribe | DigestPreview | DigestSend | DigestMe
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
    | DigestCommand
    | Alerts
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
    "digest",
    "alerts",
)
DIGEST_ACTIONS = ("subscribe", "list", "unsubscribe", "preview", "send", "me")
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
    if head in ("digest", "digests"):
        return _digest(rest)
    if head in ("alerts", "alert"):
        _no_arguments(head, rest)
        return Alerts()
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
    channel = parse_channel(words[0]) if len(words) == 1 else None
    if channel is None and len(words) == 1 and CHANNEL_ID.match(words[0]):
        channel = ChannelRef(words[0])
    if channel is None:
        raise CommandError(
            "Name one channel: type `/kilo approvals #` and pick it from the list "
            "(or `/kilo approvals dm` for DMs to Owners and Admins)."
        )
    # the id is what is stored; a name as typed (#general) is looked up when the setting is saved
    return Approvals(ChannelRef(channel.id) if channel.id else channel)


CHANNEL_ESCAPED = re.compile(r"^<#([CG][A-Z0-9]{2,31})(?:\|([^>]*))?>$")
CHANNEL_NAME = re.compile(r"^#([a-z0-9][a-z0-9._\-]{0,79})$")
CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
FREQUENCY_WORDS = {"weekly": Frequency.WEEKLY, "daily": Frequency.DAILY, "weekdays": Frequency.WEEKDAYS}
FREQUENCY_WORDS["monthly"] = Frequency.MONTHLY
DIGEST_USAGE = (
    "Try `/kilo digest subscribe #channel weekly monday 09:00 Europe/Berlin`, `/kilo digest list`, "
    "`/kilo digest unsubscribe #channel`, `/kilo digest preview`, `/kilo digest send #channel` or `/kilo digest me`."
)


def parse_channel(word: str) -> ChannelRef | None:
    if escaped := CHANNEL_ESCAPED.match(word):
        return ChannelRef(escaped.group(1), escaped.group(2) or None)
    if named := CHANNEL_NAME.match(word.lower()):
        return ChannelRef(name=named.group(1))
    return None


def _weekday(word: str) -> int | None:
    matches = [index for index, name in enumerate(WEEKDAY_NAMES) if len(word) >= 3 and name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def zone_name(word: str) -> str | None:
    if word.upper() == "UTC":
        return "UTC"
    if "/" not in word:
        return None
    wanted = word.lower()
    return next((zone for zone in sorted(available_timezones()) if zone.lower() == wanted), None)


def _only_channel(action: str, words: list[str]) -> ChannelRef | None:
    if not words:
        return None
    channel = parse_channel(words[0]) if len(words) == 1 else None
    if channel is None:
        raise CommandError(f"`/kilo digest {action}` takes one channel, like `#team-ai` (I got `{' '.join(words)}`).")
    return channel


def _digest(words: list[str]) -> DigestCommand:
    if not words:
        return DigestForm()
    action, rest = words[0].lower(), words[1:]
    if action == "subscribe":
        return _subscribe(rest)
    if action == "list":
        _no_arguments("digest list", rest)
        return DigestList()
    if action == "preview":
        _no_arguments("digest preview", rest)
        return DigestPreview()
    if action in ("unsubscribe", "send"):
        channel = _only_channel(action, rest)
        return DigestUnsubscribe(channel) if action == "unsubscribe" else DigestSend(channel)
    if action == "me":
        if rest and [w.lower() for w in rest] not in (["on"], ["off"]):
            raise CommandError("`/kilo digest me` turns your weekly DM on; `/kilo digest me off` turns it off.")
        return DigestMe(on=not rest or rest[0].lower() == "on")
    suggestion = difflib.get_close_matches(action, DIGEST_ACTIONS, n=1)
    hint = f" Did you mean `/kilo digest {suggestion[0]}`?" if suggestion else ""
    raise CommandError(f"I don't know `/kilo digest {words[0]}`.{hint} {DIGEST_USAGE}")


def _subscribe(words: list[str]) -> DigestSubscribe:
    """Words in any order; each kind at most once; whatever is left out takes its default."""
    given: dict[str, str] = {}  # what each part was given as, to name a repeated one

    def once(part: str, word: str) -> None:
        if part in given:
            raise CommandError(f"`{given[part]}` and `{word}` both give the {part}. {DIGEST_USAGE}")
        given[part] = word

    channel, frequency, weekday, day_of_month, at, zone, show_people = None, None, None, None, None, None, False
    for word in words:
        lowered = word.lower()
        if (found_channel := parse_channel(word)) is not None:
            once("channel", word)
            channel = found_channel
        elif lowered in FREQUENCY_WORDS:
            once("frequency", word)
            frequency = FREQUENCY_WORDS[lowered]
        elif (found_weekday := _weekday(lowered)) is not None:
            once("day", word)
            weekday = found_weekday
        elif lowered.isdigit():
            if not 1 <= int(lowered) <= MAX_DAY_OF_MONTH:
                raise CommandError(f"A monthly digest goes out on day 1 to {MAX_DAY_OF_MONTH} (every month has those).")
            once("day", word)
            day_of_month = int(lowered)
        elif clock := CLOCK_TIME.match(lowered):
            once("time", word)
            at = time(int(clock.group(1)), int(clock.group(2)))
        elif lowered in ("people", "with-people"):
            show_people = True
        elif (found_zone := zone_name(word)) is not None:
            once("time zone", word)
            zone = found_zone
        elif ":" in word:
            raise CommandError(f"`{word}` is not a time of day: use 24-hour HH:MM, like `09:00` or `17:30`.")
        elif "/" in word:
            raise CommandError(f"I don't know the time zone `{word}`: use an Area/City name like `Europe/Berlin`.")
        else:
            raise CommandError(f"`{word}` is not something `/kilo digest subscribe` understands. {DIGEST_USAGE}")
    if frequency is None:
        frequency = Frequency.MONTHLY if day_of_month is not None else Frequency.WEEKLY
    if weekday is not None and frequency is not Frequency.WEEKLY:
        raise CommandError(f"A day of the week goes with `weekly` (this one is `{frequency}`).")
    if day_of_month is not None and frequency is not Frequency.MONTHLY:
        raise CommandError(f"A day of the month goes with `monthly` (this one is `{frequency}`).")
    return DigestSubscribe(
        channel=channel,
        frequency=frequency,
        weekday=weekday or 0,
        day_of_month=day_of_month or 1,
        at=at or time(9, 0),
        zone=zone,
        show_people=show_people,
    )
