"""State Slack carries for us (button values, a view's private_metadata): typed, versioned, ids only.

Slack hands back whatever a button or view carried, and anyone can forge it, so it holds only ids and
filters, never a price or a role; everything shown is re-read from the backend. To add a kind: a model
with its own `kind` literal and `version`, appended to `InteractionState`; bump `version` whenever the
fields change, and buttons already posted with the old shape become "out of date" instead of misread.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.commands import MAX_QUERY_LENGTH
from kilo_api.enums import Role

MAX_ENCODED_LENGTH = 2000  # Slack's limit for a button value (private_metadata allows 3,000)
SLACK_ID = r"^[A-Z0-9*]{1,32}$"
KILO_ID = r"^[A-Za-z0-9_-]{1,40}$"
REQUEST_ID = r"^sr_[0-9a-f]{16}$"
FINGERPRINT = r"^[0-9a-f]{16}$"


class StaleInteraction(Exception):
    """A button or form from an older version of the bot, one whose context changed since, or a forgery."""

    def __init__(self, noun: str, rerun: str) -> None:
        super().__init__(f"That {noun} is out of date; run `{rerun}` again.")
        self.rerun = rerun


class _State(BaseModel):
    # Short keys keep values small; `k` and `v` are the kind and the version of every state.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, validate_by_name=True, serialize_by_alias=True)
    noun: ClassVar[str] = "button"
    rerun: ClassVar[str]  # the command that gives the person a fresh button or form


class MembersPage(_State):
    """A pager button of /kilo members: the filter and where the page starts."""

    rerun: ClassVar[str] = "/kilo members"
    kind: Literal["members_page"] = Field(default="members_page", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    role: Role | None = None
    query: str | None = Field(default=None, alias="q", min_length=1, max_length=MAX_QUERY_LENGTH)
    offset: int = Field(ge=0, le=1_000_000)


class ConnectForm(_State):
    """The /kilo connect modal: the workspace and the organization it was connected to when opened."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo connect"
    kind: Literal["connect_form"] = Field(default="connect_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)
    organization_id: str | None = Field(default=None, alias="o", pattern=KILO_ID)


class AdminForm(_State):
    """An admin modal (invite, role, limit, removal, policies, cycle, cancel, credits): where it was opened
    and, for the member modals, whom it is about. Everything shown is re-read on submit."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo help"
    kind: Literal["admin_form"] = Field(default="admin_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)
    organization_id: str = Field(alias="o", pattern=KILO_ID)
    member_id: str | None = Field(default=None, alias="m", pattern=KILO_ID)
    # the add-a-seat-and-invite modal: the fingerprint of the price shown, so a changed price is not charged
    # (optional, so forms encoded before it existed read as they were: no version bump needed)
    fingerprint: str | None = Field(default=None, alias="f", pattern=FINGERPRINT)


MemberChange = Literal["role", "limit", "remove"]


class MemberMenu(_State):
    """One choice of a member row's menu in /kilo members (an overflow option value: 150 characters at most)."""

    rerun: ClassVar[str] = "/kilo members"
    kind: Literal["member_menu"] = Field(default="member_menu", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    organization_id: str = Field(alias="o", pattern=KILO_ID)
    member_id: str = Field(alias="m", pattern=KILO_ID)
    change: MemberChange = Field(alias="a")


class OrganizationButton(_State):
    """A button that opens an admin modal or acts on the organization it was shown for."""

    rerun: ClassVar[str] = "/kilo help"
    kind: Literal["organization_button"] = Field(default="organization_button", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    organization_id: str = Field(alias="o", pattern=KILO_ID)


class SeatOffer(_State):
    """ "Request a seat" in the invite modal a Member sees: the address they meant to invite, if they gave one
    with the command. Only ever prefilled into the request's reason, which the Member can edit; never acted on."""

    rerun: ClassVar[str] = "/kilo invite"
    kind: Literal["seat_offer"] = Field(default="seat_offer", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    email: str | None = Field(default=None, alias="e", max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class SeatForm(_State):
    """The add- or remove-seats modal: the workspace, which change, and the fingerprint of the price shown."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo seats add"
    kind: Literal["seat_form"] = Field(default="seat_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)
    mode: Literal["add", "remove"] = Field(alias="m")
    fingerprint: str | None = Field(default=None, alias="f", pattern=FINGERPRINT)


class SeatRequestForm(_State):
    """The approve or deny modal of a seat request: the workspace, the request, the price shown (approve)."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo seats requests"
    kind: Literal["seat_request_form"] = Field(default="seat_request_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)
    request_id: str = Field(alias="r", pattern=REQUEST_ID)
    fingerprint: str | None = Field(default=None, alias="f", pattern=FINGERPRINT)


class DigestSubscribeForm(_State):
    """The /kilo digest modal: the workspace and the channel it was opened in."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo digest"
    kind: Literal["digest_form"] = Field(default="digest_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)
    channel_id: str = Field(alias="c", pattern=SLACK_ID)


class AlertsForm(_State):
    """The /kilo alerts modal: the workspace it configures."""

    noun: ClassVar[str] = "form"
    rerun: ClassVar[str] = "/kilo alerts"
    kind: Literal["alerts_form"] = Field(default="alerts_form", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    team_id: str = Field(alias="t", pattern=SLACK_ID)


class AlertSnooze(_State):
    """A Snooze button of an alert: the episode it came with and for how long."""

    rerun: ClassVar[str] = "/kilo alerts"
    kind: Literal["alert_snooze"] = Field(default="alert_snooze", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    episode_id: int = Field(alias="e", ge=1)
    choice: Literal["24h", "7d"] = Field(alias="d")


AlertShown = Literal["spenders", "limits"]


class AlertAct(_State):
    """An alert's button that shows what to act on: the day's spend per person, or the members' limits."""

    rerun: ClassVar[str] = "/kilo alerts"
    kind: Literal["alert_act"] = Field(default="alert_act", alias="k")
    version: Literal[1] = Field(default=1, alias="v")
    episode_id: int = Field(alias="e", ge=1)
    show: AlertShown = Field(alias="s")


AnyState = (
    MembersPage
    | ConnectForm
    | AdminForm
    | MemberMenu
    | OrganizationButton
    | SeatOffer
    | SeatForm
    | SeatRequestForm
    | DigestSubscribeForm
    | AlertsForm
    | AlertSnooze
    | AlertAct
)
InteractionState = Annotated[AnyState, Field(discriminator="kind")]
_STATES: TypeAdapter[AnyState] = TypeAdapter(InteractionState)
State = TypeVar("State", bound=_State)


def encode(state: _State) -> str:
    """Compact JSON for a button value or private_metadata."""
    encoded = state.model_dump_json(exclude_none=True)
    if len(encoded) > MAX_ENCODED_LENGTH:  # ids only: reaching this is a bug, never the person's input
        raise ValueError(f"interaction state of {len(encoded)} characters is longer than Slack keeps")
    return encoded


def decode(raw: object, expected: type[State]) -> State:
    """The state of the `expected` kind, or StaleInteraction (wrong kind, old version, malformed, forged)."""
    if not isinstance(raw, str) or len(raw) > MAX_ENCODED_LENGTH:
        raise StaleInteraction(expected.noun, expected.rerun)
    try:
        state = _STATES.validate_json(raw)
    except ValidationError as exc:
        raise StaleInteraction(expected.noun, expected.rerun) from exc
    if not isinstance(state, expected):
        raise StaleInteraction(expected.noun, expected.rerun)
    return state


def seat_request_id(raw: object) -> str:
    """An Approve, Deny or Withdraw button's value: the request id alone, or StaleInteraction."""
    if not isinstance(raw, str) or re.fullmatch(REQUEST_ID, raw) is None:
        raise StaleInteraction("button", SeatRequestForm.rerun)
    return raw
