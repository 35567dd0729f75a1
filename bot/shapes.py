"""The plain data the views render: who is asking and what an answer gathered (no I/O, no Slack, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kilo_api import schemas
from kilo_api.enums import Role


@dataclass(frozen=True)
class Caller:
    """A Slack user known as a member of the workspace's Kilo organization."""

    team_id: str
    user_id: str
    zone: ZoneInfo
    member: schemas.MemberOut
    organization_name: str

    @property
    def actor(self) -> str:
        """How the backend knows this person (X-Kilo-Actor)."""
        return self.member.email

    @property
    def is_manager(self) -> bool:
        return self.member.role in (Role.OWNER, Role.ADMIN)


@dataclass(frozen=True)
class BillingOverview:
    credits: schemas.CreditsOut
    invoices: list[schemas.InvoiceOut]
    payment_method: schemas.PaymentMethodOut | None
    history: list[schemas.HistoryEntryOut]
    purchase_url: str


@dataclass(frozen=True)
class HomeData:
    """The App Home: everyone's part, and for Owners and Admins money and people (None for the others)."""

    organization: schemas.OrganizationOut
    summary: schemas.UsageSummaryOut
    mine: schemas.MyUsageOut
    credits: schemas.CreditsOut | None
    subscription: schemas.SubscriptionOut | None
    top_members: schemas.MemberUsagePageOut | None


@dataclass(frozen=True)
class CurrentConnection:
    """What the connect modal shows of the workspace's present connection (None before the first)."""

    organization_id: str | None
    api_url: str | None
    organization_name: str | None
