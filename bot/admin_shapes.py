"""The plain data the admin modals and their results render (no I/O, no Slack): what bot/admin_actions
gathered before a change, and what the change did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilo_api import schemas
from kilo_api.enums import BillingCycle, Role


@dataclass(frozen=True)
class InviteTerms:
    organization_name: str
    seats: schemas.SeatUsageOut
    may_invite: bool  # Owners and Admins
    may_invite_owner: bool  # Owners only
    managers: list[str]  # whom a Member can ask

    @property
    def seat_free(self) -> bool:
        return self.seats.available > 0


@dataclass(frozen=True)
class Invited:
    member: schemas.MemberOut
    seats: schemas.SeatUsageOut


@dataclass(frozen=True)
class MemberTarget:
    """A member an Owner or Admin is about to change, as the backend has them now."""

    member: schemas.MemberOut
    caller_is_owner: bool
    spend_today_microdollars: int

    @property
    def is_owner(self) -> bool:
        return self.member.role is Role.OWNER


@dataclass(frozen=True)
class MemberChanged:
    before: schemas.MemberOut
    after: schemas.MemberOut


@dataclass(frozen=True)
class Removed:
    member: schemas.MemberOut
    seats: schemas.SeatUsageOut


@dataclass(frozen=True)
class PolicyChoice:
    code_training_opt_out: bool
    usage_analytics_enabled: bool


@dataclass(frozen=True)
class PoliciesChanged:
    before: schemas.PoliciesOut
    after: schemas.PoliciesOut
    changed: tuple[str, ...]  # the fields this person changed (the others were left as they are now)


@dataclass(frozen=True)
class CycleTerms:
    subscription: schemas.SubscriptionOut
    quotes: dict[BillingCycle, schemas.BillingCycleQuoteOut]  # what the next renewal costs in each cycle


@dataclass(frozen=True)
class CycleChanged:
    before: BillingCycle  # the cycle the next renewal would have used
    subscription: schemas.SubscriptionOut
    quote: schemas.BillingCycleQuoteOut  # the next renewal as it is now


@dataclass(frozen=True)
class CancelTerms:
    organization_name: str
    subscription: schemas.SubscriptionOut
    credit_balance_microdollars: int


@dataclass(frozen=True)
class CreditTerms:
    balance_microdollars: int
    payment_method: schemas.PaymentMethodOut | None
    purchase_url: str


@dataclass(frozen=True)
class CreditsBought:
    entry: schemas.CreditEntryOut
    balance_microdollars: int
    payment_method: schemas.PaymentMethodOut | None


@dataclass(frozen=True)
class AuditLine:
    """One audit entry with names instead of ids; `actor` is None for what Kilo did by itself (renewals)."""

    at: datetime
    actor: str | None
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    client: str | None = None  # the program the change came from (X-Kilo-Client); None: not recorded
