"""The HTTP contract of the backend: request and response bodies, money in integer microdollars."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool, StrictInt, StringConstraints

from kilo_api.enums import BillingCycle, CreditKind, MemberStatus, Role

MAX_TOKENS = 100_000_000
MAX_EVENT_COST = 1_000 * 1_000_000  # $1,000 for one request is already absurd
MAX_BATCH_EVENTS = 5_000


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone (e.g. 2026-01-31T12:00:00Z)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, numbers must be JSON integers (not "12" or 12.5)."""

    model_config = ConfigDict(extra="forbid")


# --- requests ----------------------------------------------------------------------------------


class UsageEventIn(Strict):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    member_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    model: ShortText
    provider: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    input_tokens: Annotated[StrictInt, Field(ge=0, le=MAX_TOKENS)]
    output_tokens: Annotated[StrictInt, Field(ge=0, le=MAX_TOKENS)]
    cache_write_tokens: Annotated[StrictInt, Field(ge=0, le=MAX_TOKENS)] = 0
    cache_hit_tokens: Annotated[StrictInt, Field(ge=0, le=MAX_TOKENS)] = 0
    cost_microdollars: Annotated[StrictInt, Field(ge=0, le=MAX_EVENT_COST)]
    has_error: StrictBool = False
    latency_ms: Annotated[StrictInt, Field(ge=0, le=3_600_000)]
    occurred_at: AwareDatetime


class UsageBatchIn(Strict):
    events: Annotated[list[UsageEventIn], Field(min_length=1, max_length=MAX_BATCH_EVENTS)]


class InviteIn(Strict):
    email: EmailStr
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    role: Role = Role.MEMBER


class MemberPatchIn(Strict):
    role: Role | None = None
    daily_limit_microdollars: Annotated[StrictInt, Field(ge=0, le=10**12)] | None = None
    clear_daily_limit: StrictBool = False


class PolicyPatchIn(Strict):
    code_training_opt_out: StrictBool | None = None
    usage_analytics_enabled: StrictBool | None = None


class SeatChangeIn(Strict):
    seats: Annotated[StrictInt, Field(ge=1, le=10_000)]
    idempotency_key: IdempotencyKey | None = None


class SeatPreviewIn(Strict):
    seats: Annotated[StrictInt, Field(ge=1, le=10_000)]


class SubscriptionPatchIn(Strict):
    billing_cycle: BillingCycle | None = None


class CreditPurchaseIn(Strict):
    amount_microdollars: Annotated[StrictInt, Field(ge=1, le=10**12)]
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


class IngestOut(Out):
    accepted: int
    duplicates: int


class ModelUsageOut(Out):
    model: str
    provider: str
    requests: int
    successful_requests: int
    errors: int
    error_rate: float
    cost_microdollars: int
    cost_share: float
    input_tokens: int
    output_tokens: int
    median_latency_ms: int | None


class ProviderUsageOut(Out):
    provider: str
    requests: int
    cost_microdollars: int
    request_share: float


class DayUsageOut(Out):
    date: date
    requests: int
    successful_requests: int
    cost_microdollars: int


class WeekdayUsageOut(Out):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    name: str
    requests: int
    cost_microdollars: int


class MonthUsageOut(Out):
    month: str
    requests: int
    cost_microdollars: int


class PeriodComparisonOut(Out):
    start: date
    end: date
    cost_microdollars: int
    requests: int
    successful_requests: int


class UsageTotalsOut(Out):
    cost_microdollars: int
    requests: int
    successful_requests: int
    errors: int
    average_cost_per_request_microdollars: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_hit_tokens: int


class UsageSummaryOut(Out):
    start: date
    end: date = Field(description="exclusive")
    elapsed_end: date = Field(
        description="exclusive end of the part that has happened: daily, weekday, months "
        "and the previous-period comparison cover [start, elapsed_end)"
    )
    totals: UsageTotalsOut
    active_users_7d: int
    models: list[ModelUsageOut]
    providers: list[ProviderUsageOut]
    daily: list[DayUsageOut]
    weekdays: list[WeekdayUsageOut]
    months: list[MonthUsageOut]
    previous_period: PeriodComparisonOut


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
    active_members: int
    median_cost_microdollars: int
    p90_cost_microdollars: int
    top5_share: float


class MemberUsagePageOut(Out):
    start: date
    end: date
    admin_only: bool = True
    members: list[MemberUsageOut]
    top_members: list[MemberUsageOut]
    distribution: SpendDistributionOut


class MyUsageOut(Out):
    start: date
    end: date
    member: MemberUsageOut
    daily: list[DayUsageOut]
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
    next_charge_microdollars: int
    seat_history: list[SeatChangeOut]


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
