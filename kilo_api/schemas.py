"""The HTTP contract of the backend: request and response bodies, money in integer microdollars."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
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
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    name: str
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
