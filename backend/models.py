"""ORM models of the Teams backend, after Kilo's own data model: integer microdollars, UTC times."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from kilo_api.enums import (
    AuditAction,
    BalanceEntryKind,
    BillingCycle,
    CreditKind,
    InvoiceStatus,
    MemberStatus,
    PaymentStatus,
    Role,
    SeatChangeStatus,
    SubscriptionStatus,
)
from kilo_db.types import UTCDateTime

__all__ = [
    "AccountBalanceEntry",
    "ApiKey",
    "AuditAction",
    "AuditLog",
    "BalanceEntryKind",
    "BillingCycle",
    "CreditKind",
    "CreditTransaction",
    "InstanceSecret",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceStatus",
    "Member",
    "MemberStatus",
    "Organization",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PlanPrice",
    "Role",
    "SeatChange",
    "SeatChangeStatus",
    "Subscription",
    "SubscriptionStatus",
    "UTCDateTime",
    "UsageDailyLatency",
    "UsageDailyMember",
    "UsageDailyModel",
    "UsageEvent",
    "new_id",
]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK-free VARCHAR so new values need no type migration on PostgreSQL.
    return Enum(cls, name=name, native_enum=False, length=48, values_callable=lambda e: [m.value for m in e])


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("org"))
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(40), default="teams")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    code_training_opt_out: Mapped[bool] = mapped_column(Boolean, default=True)
    usage_analytics_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    purchase_url: Mapped[str] = mapped_column(String(500), default="https://app.kilo.ai/organizations")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("key"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_members_org_email"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("mem"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(_enum(Role, "member_role"))
    status: Mapped[MemberStatus] = mapped_column(_enum(MemberStatus, "member_status"))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    daily_limit_microdollars: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class UsageEvent(Base):
    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("organization_id", "event_id", name="uq_usage_events_org_event"),
        Index("ix_usage_events_org_time", "organization_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(100))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    model: Mapped[str] = mapped_column(String(120))
    provider: Mapped[str] = mapped_column(String(60))
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_hit_tokens: Mapped[int] = mapped_column(BigInteger)
    cost_microdollars: Mapped[int] = mapped_column(BigInteger)
    has_error: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageDailyModel(Base):
    """Per-day, per-model rollup kept current on ingest, so long ranges never scan raw events."""

    __tablename__ = "usage_daily_model"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(120), primary_key=True)
    provider: Mapped[str] = mapped_column(String(60), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_hit_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_microdollars: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageDailyMember(Base):
    __tablename__ = "usage_daily_member"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_microdollars: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageDailyLatency(Base):
    """Latency histogram per day and model: the exact count of requests at each latency in ms."""

    __tablename__ = "usage_daily_latency"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(120), primary_key=True)
    bucket_ms: Mapped[int] = mapped_column(Integer, primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)


class CreditTransaction(Base):
    __tablename__ = "credit_transactions"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key", name="uq_credit_tx_idempotency"),
        Index("ix_credit_tx_org_time", "organization_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("ctx"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[CreditKind] = mapped_column(_enum(CreditKind, "credit_kind"))
    amount_microdollars: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(300))
    actor_member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanPrice(Base):
    """Prices are data: one row per plan and billing cycle."""

    __tablename__ = "plan_prices"

    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    billing_cycle: Mapped[BillingCycle] = mapped_column(_enum(BillingCycle, "billing_cycle"), primary_key=True)
    price_per_seat_microdollars: Mapped[int] = mapped_column(BigInteger)


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("sub"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    plan: Mapped[str] = mapped_column(String(40))
    billing_cycle: Mapped[BillingCycle] = mapped_column(_enum(BillingCycle, "billing_cycle"))
    next_billing_cycle: Mapped[BillingCycle | None] = mapped_column(_enum(BillingCycle, "billing_cycle"), nullable=True)
    status: Mapped[SubscriptionStatus] = mapped_column(_enum(SubscriptionStatus, "subscription_status"))
    seat_count: Mapped[int] = mapped_column(Integer)
    price_per_seat_microdollars: Mapped[int] = mapped_column(BigInteger)
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    cancel_effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeatChange(Base):
    """A seat purchase or removal: Kilo's seat purchases, with billing cycle, status and idempotency key.

    A removal's (negative) amount is pending while invoice_id is empty and the status is not ended: the next
    renewal invoices it, or the end of the subscription pays it back."""

    __tablename__ = "seat_changes"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key", name="uq_seat_changes_idempotency"),
        UniqueConstraint("organization_id", "applied_order", name="uq_seat_changes_applied_order"),
        Index("ix_seat_changes_org_time", "organization_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("seat"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    seats_after: Mapped[int] = mapped_column(Integer)
    billing_cycle: Mapped[BillingCycle] = mapped_column(_enum(BillingCycle, "billing_cycle"))
    status: Mapped[SeatChangeStatus] = mapped_column(_enum(SeatChangeStatus, "seat_change_status"))
    prorated_amount_microdollars: Mapped[int] = mapped_column(BigInteger)
    actor_member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # 1, 2, 3… per organization in the order the changes were applied (under the subscription's lock);
    # created_at is when the request arrived, which concurrent requests do not keep in order.
    applied_order: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaymentMethod(Base):
    __tablename__ = "payment_methods"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pm"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    brand: Mapped[str] = mapped_column(String(30))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("organization_id", "number", name="uq_invoices_org_number"),
        Index("ix_invoices_org_time", "organization_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("inv"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus, "invoice_status"))
    total_microdollars: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )


class InvoiceCounter(Base):
    """The last invoice number given to an organization. Taking the next one locks this row, so numbers never
    collide and everything that invoices or pays out for the organization happens one at a time."""

    __tablename__ = "invoice_counters"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class AccountBalanceEntry(Base):
    """The organization's account balance (like Stripe's customer balance) is the sum of these entries:
    credit it is owed (positive) and credit used or paid out (negative)."""

    __tablename__ = "account_balance_entries"
    __table_args__ = (Index("ix_account_balance_org_time", "organization_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("bal"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[BalanceEntryKind] = mapped_column(_enum(BalanceEntryKind, "balance_entry_kind"))
    amount_microdollars: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(300))
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_amount_microdollars: Mapped[int] = mapped_column(BigInteger)
    amount_microdollars: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_org_time", "organization_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pay"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    amount_microdollars: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus, "payment_status"))
    description: Mapped[str] = mapped_column(String(300))
    card_brand: Mapped[str] = mapped_column(String(30))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditLog(Base):
    __tablename__ = "audit_logs"
    __table_args__ = (Index("ix_audit_logs_org_time", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    actor_member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, "audit_action"))
    target: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The program the change came from (X-Kilo-Client; "api" when the request named none). NULL for Kilo's own
    # changes (renewals) and for entries written before migration 0003, when nobody recorded it.
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)


class InstanceSecret(Base):
    """Secrets this backend instance generates for itself (e.g. signing invoice download links), stored
    encrypted with KILO_SECRET_KEY (kilo_db.secrets)."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
