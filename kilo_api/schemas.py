"""The HTTP contract of the backend: request and response bodies, money in integer microdollars."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)
from pydantic import Strict as StrictMode
from pydantic_core import PydanticCustomError

from kilo_api.enums import BillingCycle, CreditKind, CreditSettlement, MemberStatus, Role
from kilo_api.limits import MAX_CREDIT_PURCHASE_MICRODOLLARS as MAX_CREDIT_PURCHASE
from kilo_api.limits import MIN_CREDIT_PURCHASE_MICRODOLLARS as MIN_CREDIT_PURCHASE
from kilo_api.money import MICRODOLLARS_PER_CENT, format_usd

MAX_TOKENS = 100_000_000
MAX_EVENT_COST = 1_000 * 1_000_000  # $1,000 for one request is already absurd
MAX_BATCH_EVENTS = 5_000
NUL_MESSAGE = "must not contain the NUL character (U+0000)"


def credit_purchase_problem(amount_microdollars: int) -> str | None:
    """The credit-purchase rule, the one place it is written: whole cents from $10 to $100,000."""
    if (
        MIN_CREDIT_PURCHASE <= amount_microdollars <= MAX_CREDIT_PURCHASE
        and not amount_microdollars % MICRODOLLARS_PER_CENT
    ):
        return None
    return (
        f"A credit purchase must be a whole number of cents between {format_usd(MIN_CREDIT_PURCHASE)} "
        f"and {format_usd(MAX_CREDIT_PURCHASE)}."
    )


def _credit_purchase_amount(value: int) -> int:
    if problem := credit_purchase_problem(value):
        raise PydanticCustomError("credit_purchase_amount", problem)
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone (e.g. 2026-01-31T12:00:00Z)")
    return value


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 12.0 as an integer, so the API does too; "12" and 12.5 stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
# Integers of request bodies: strict, with their bounds, 12.0 read as 12 (the bounds stay in the JSON schema).
WholeNumber = BeforeValidator(_whole_number)
Tokens = Annotated[int, StrictMode(), Field(ge=0, le=MAX_TOKENS), WholeNumber]
EventCost = Annotated[int, StrictMode(), Field(ge=0, le=MAX_EVENT_COST), WholeNumber]
LatencyMs = Annotated[int, StrictMode(), Field(ge=0, le=3_600_000), WholeNumber]
DailyLimit = Annotated[int, StrictMode(), Field(ge=0, le=10**12), WholeNumber]
SeatCount = Annotated[int, StrictMode(), Field(ge=1, le=10_000), WholeNumber]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, counts and money must be JSON integers (12 or 12.0, not "12"
    or 12.5), and no text holds a NUL character (PostgreSQL cannot store one)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_character(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", NUL_MESSAGE)
        return value


# --- requests ----------------------------------------------------------------------------------


class UsageEventIn(Strict):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    member_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    model: ShortText
    provider: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    input_tokens: Tokens
    output_tokens: Tokens
    cache_write_tokens: Tokens = 0
    cache_hit_tokens: Tokens = 0
    cost_microdollars: EventCost
    has_error: StrictBool = False
    latency_ms: LatencyMs
    occurred_at: AwareDatetime


class UsageBatchIn(Strict):
    events: Annotated[list[UsageEventIn], Field(min_length=1, max_length=MAX_BATCH_EVENTS)]


class InviteIn(Strict):
    email: EmailStr
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    role: Role = Role.MEMBER


class MemberPatchIn(Strict):
    role: Role | None = None
    daily_limit_microdollars: DailyLimit | None = None
    clear_daily_limit: StrictBool = False


class PolicyPatchIn(Strict):
    code_training_opt_out: StrictBool | None = None
    usage_analytics_enabled: StrictBool | None = None


class SeatChangeIn(Strict):
    seats: SeatCount
    idempotency_key: IdempotencyKey | None = None


class SeatPreviewIn(Strict):
    seats: SeatCount


class SubscriptionPatchIn(Strict):
    billing_cycle: BillingCycle | None = None


class BillingCyclePreviewIn(Strict):
    billing_cycle: BillingCycle


CreditPurchaseAmount = Annotated[
    int,
    StrictMode(),
    WholeNumber,
    AfterValidator(_credit_purchase_amount),
    Field(
        json_schema_extra={
            "minimum": MIN_CREDIT_PURCHASE,
            "maximum": MAX_CREDIT_PURCHASE,
            "multipleOf": MICRODOLLARS_PER_CENT,
        }
    ),
]


class CreditPurchaseIn(Strict):
    amount_microdollars: CreditPurchaseAmount
    idempotency_key: IdempotencyKey | None = None


# --- responses ---------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


class WhoAmIOut(Out):
    organization_id: str
    organization_name: str


class SeatUsageOut(Out):
    used: int
    total: int
    available: int


class PoliciesOut(Out):
    code_training_opt_out: bool
    usage_analytics_enabled: bool


class OrganizationOut(Out):
    id: str
    name: str
    plan: str
    created_at: datetime
    seats: SeatUsageOut
    members_by_role: dict[str, int]
    policies: PoliciesOut
    purchase_url: str


class MemberOut(Out):
    id: str
    name: str
    email: str
    role: Role
    status: MemberStatus
    invited_at: datetime | None
    invite_expires_at: datetime | None
    joined_at: datetime | None
    last_activity_at: datetime | None
    daily_limit_microdollars: int | None


class MemberPageOut(Out):
    members: list[MemberOut]
    total: int
    limit: int
    offset: int


class AuditEntryOut(Out):
    id: int
    actor_member_id: str | None
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime
    client: str | None = Field(
        default=None,
        description="The program the change came from: the request's X-Kilo-Client (`kilo-bot` is the Slack app), "
        "`api` when it named none; null for Kilo's own changes (renewals) and for entries recorded before clients "
        "were.",
    )


class IngestOut(Out):
    accepted: int
    duplicates: int


class ModelUsageOut(Out):
    """Counts and money as exact integers: shares and rates are for the reader to compute and round once."""

    model: str
    provider: str
    requests: int
    successful_requests: int
    errors: int
    cost_microdollars: int
    input_tokens: int
    output_tokens: int
    median_latency_ms: int | None


class ProviderUsageOut(Out):
    provider: str
    requests: int
    cost_microdollars: int


class DayUsageOut(Out):
    date: date
    requests: int
    successful_requests: int
    cost_microdollars: int


class WeekdayUsageOut(Out):
    """Usage on the whole days of one weekday in the period (today, still under way, is left out), so weekdays
    that occur a different number of times compare by their average: cost / days."""

    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    name: str
    days: int = Field(description="whole days of this weekday in the period so far")
    requests: int
    cost_microdollars: int


class PeriodComparisonOut(Out):
    """Usage on the UTC days [start, end): one side of a like-with-like comparison."""

    start: date
    end: date = Field(description="exclusive")
    cost_microdollars: int
    requests: int
    successful_requests: int


class MonthUsageOut(Out):
    month: str = Field(description="YYYY-MM, a calendar month in UTC")
    first_day: date = Field(description="the 1st, or the organization's first day in its first month")
    last_day: date = Field(description="the last day counted: the month's last, or today while it is under way")
    so_far: bool = Field(description="the month is under way: its figures run to now")
    requests: int
    cost_microdollars: int
    compared: PeriodComparisonOut | None = Field(
        description="the part of this month compared: all of it once over; while under way its whole days so far "
        "(today aside), at most as many as the month before has"
    )
    previous: PeriodComparisonOut | None = Field(
        description="the month before, over as many days from its 1st as `compared` has (all of it when this "
        "month is over); null, like `compared`, when the organization did not exist for all of it or no whole "
        "day of this month has passed"
    )


class UsageTotalsOut(Out):
    cost_microdollars: int
    requests: int = Field(description="every request, failed ones included")
    successful_requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_hit_tokens: int


class UsageSummaryOut(Out):
    start: date
    end: date = Field(description="exclusive")
    as_of: datetime = Field(description="the figures run to this moment: now, or the end once the period is over")
    organization_since: date = Field(
        description="the organization's first day (its creation, or its earliest usage if earlier): daily and "
        "weekdays cover the days from max(start, organization_since) that have begun by as_of"
    )
    totals: UsageTotalsOut
    active_users_7d: int
    models: list[ModelUsageOut]
    providers: list[ProviderUsageOut]
    daily: list[DayUsageOut]
    weekdays: list[WeekdayUsageOut]
    months: list[MonthUsageOut]
    compared: PeriodComparisonOut | None = Field(
        description="the whole days of the period compared: all of it once over; while under way the days before "
        "today (today's figures are partial)"
    )
    previous_period: PeriodComparisonOut | None = Field(
        description="as many days from the start of the equal span just before the period as `compared` has; "
        "null, like `compared`, when the organization did not exist for all of them or no whole day has passed"
    )


class MemberUsageOut(Out):
    member_id: str
    name: str
    email: str
    role: Role
    requests: int
    errors: int
    cost_microdollars: int
    input_tokens: int
    output_tokens: int
    active_days: int
    spend_today_microdollars: int
    daily_limit_microdollars: int | None


class SpendDistributionOut(Out):
    """Over the members with usage in the period; the median and percentile exactly (a string such as "5.5")."""

    active_members: int
    median_cost_microdollars: Decimal = Field(
        description="the standard median: the middle value, the mean of the two middle ones for an even count"
    )
    p90_cost_microdollars: Decimal = Field(
        description="the 90th percentile by linear interpolation between ranks (NumPy's default, "
        'statistics.quantiles(method="inclusive"), Excel\'s PERCENTILE.INC)'
    )
    top5_cost_microdollars: int = Field(description="spend of the five members who spent most")
    total_cost_microdollars: int


class MemberUsagePageOut(Out):
    start: date
    end: date
    as_of: datetime
    admin_only: bool = True
    members: list[MemberUsageOut]
    top_members: list[MemberUsageOut]
    distribution: SpendDistributionOut


class MyUsageOut(Out):
    start: date
    end: date
    as_of: datetime
    organization_since: date
    member: MemberUsageOut
    daily: list[DayUsageOut] = Field(description="the days of the period begun by as_of, from organization_since")
    team_cost_microdollars: int
    team_requests: int


class CreditEntryOut(Out):
    id: str
    kind: CreditKind
    amount_microdollars: int
    description: str
    created_at: datetime


class CreditsOut(Out):
    balance_microdollars: int
    entries: list[CreditEntryOut]
    # Seat credit owed to the organization (not Kilo credits): pays the next invoices first.
    account_balance_microdollars: int = 0


class HistoryEntryOut(Out):
    kind: str
    amount_microdollars: int
    description: str
    created_at: datetime
    reference: str


class SeatChangeOut(Out):
    id: str
    delta: int
    seats_after: int
    billing_cycle: BillingCycle
    status: str
    prorated_amount_microdollars: int
    actor_member_id: str | None
    invoice_id: str | None
    created_at: datetime


class SeatQuoteOut(Out):
    current_seats: int
    new_seats: int
    delta: int
    price_per_seat_microdollars: int
    cycle_days: int
    remaining_days: int
    prorated_amount_microdollars: int
    seats_used: int


class CreditAtEndOut(Out):
    """Credit still owed when the subscription ends (removed seats' unused time, the account balance) and
    how it is paid back; settled_at is empty until the end."""

    amount_microdollars: int
    settlement: CreditSettlement
    settled_at: datetime | None


class BillingCycleQuoteOut(Out):
    """What a change of billing frequency means: it starts at the next renewal (`effective_at`)."""

    current_cycle: BillingCycle
    next_cycle: BillingCycle = Field(description="the cycle the next renewal uses today (a switch may be pending)")
    new_cycle: BillingCycle
    effective_at: datetime
    seat_count: int
    price_per_seat_microdollars: int = Field(description="per seat per new cycle")
    renews: bool
    next_charge_at: datetime | None
    next_charge_microdollars: int


class SubscriptionOut(Out):
    id: str
    plan: str
    status: str
    billing_cycle: BillingCycle
    next_billing_cycle: BillingCycle | None
    seat_count: int
    seats_used: int
    price_per_seat_microdollars: int
    current_period_start: datetime
    current_period_end: datetime
    auto_renew: bool
    cancel_effective_at: datetime | None
    next_charge_at: datetime | None
    next_charge_microdollars: int  # net of pending removal credits and the account balance
    seat_history: list[SeatChangeOut]
    # Seat credit carried from invoices it exceeded; it pays later invoices until used.
    account_balance_microdollars: int = 0
    credit_at_end: CreditAtEndOut | None = None  # set while cancelling, and once ended


class InvoiceLineOut(Out):
    description: str
    quantity: int
    unit_amount_microdollars: int
    amount_microdollars: int


class InvoiceOut(Out):
    id: str
    number: str
    period_start: datetime
    period_end: datetime
    status: str
    total_microdollars: int
    created_at: datetime
    paid_at: datetime | None
    lines: list[InvoiceLineOut]
    download_url: str = ""


class PaymentOut(Out):
    id: str
    invoice_id: str | None
    amount_microdollars: int
    status: str
    description: str
    card_brand: str
    card_last4: str
    created_at: datetime


class PaymentMethodOut(Out):
    brand: str
    last4: str
    exp_month: int
    exp_year: int


# --- digests and alerts: daily spend by model, idle seats, the credit balance over time ------------


class DayModelUsageOut(Out):
    date: date
    model: str
    provider: str
    requests: int
    successful_requests: int
    input_tokens: int
    output_tokens: int
    cost_microdollars: int


class DailyModelUsageOut(Out):
    start: date
    end: date = Field(description="exclusive")
    active_members: int = Field(description="members with at least one request in [start, end)")
    days: list[DayModelUsageOut] = Field(description="one row per UTC day, model and provider with usage")


class SeatActivityOut(Out):
    as_of: datetime
    idle_after_days: int
    seat_holders: int = Field(description="active members and unexpired invitations")
    idle_seats: int = Field(description="seat holders with no request (or invitation accepted) in idle_after_days")


class BalanceDayOut(Out):
    date: date
    balance_microdollars: int = Field(description="the balance at the end of this UTC day")


class CreditHistoryOut(Out):
    as_of: datetime
    balance_microdollars: int
    usage_last_7_days_microdollars: int = Field(description="credits used by requests in the 7 days before as_of")
    days: list[BalanceDayOut] = Field(description="oldest first, the UTC days before as_of's day")
