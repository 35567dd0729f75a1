"""Closed sets of values in the backend contract (roles, statuses, audit actions, well-known clients)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    REMOVED = "removed"


class BillingCycle(enum.StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING_CANCEL = "pending_cancel"
    ENDED = "ended"


class SeatChangeStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING_CANCEL = "pending_cancel"
    ENDED = "ended"


class CreditKind(enum.StrEnum):
    PURCHASE = "purchase"
    USAGE = "usage"
    PROMOTIONAL = "promotional"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class BalanceEntryKind(enum.StrEnum):
    """Moves of the organization's account balance: credit owed to it, used on invoices or paid out."""

    CARRIED = "carried"  # credits beyond an invoice's charges, or still pending when the subscription ends
    APPLIED = "applied"  # used to pay (part of) an invoice
    REFUNDED = "refunded"  # paid back to the card when the subscription ended
    MOVED_TO_CREDITS = "moved_to_credits"  # turned into Kilo credits when the subscription ended without a card


class CreditSettlement(enum.StrEnum):
    """How credit still owed when a subscription ends is paid: to the card on file, else as Kilo credits."""

    REFUND_TO_CARD = "refund_to_card"
    KILO_CREDITS = "kilo_credits"


class InvoiceStatus(enum.StrEnum):
    PAID = "paid"
    OPEN = "open"
    FAILED = "failed"
    VOID = "void"


class PaymentStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"


class AuditAction(enum.StrEnum):
    """The closed set of audited actions, present tense like Kilo's own audit log."""

    ORGANIZATION_CREATE = "organization.create"
    ORGANIZATION_POLICY_CHANGE = "organization.policy.change"
    MEMBER_INVITE = "organization.member.invite"
    MEMBER_ACCEPT_INVITE = "organization.member.accept_invite"
    MEMBER_REMOVE = "organization.member.remove"
    MEMBER_CHANGE_ROLE = "organization.member.change_role"
    MEMBER_CHANGE_LIMIT = "organization.member.change_limit"
    SEATS_ADD = "organization.seats.add"
    SEATS_REMOVE = "organization.seats.remove"
    SUBSCRIPTION_CANCEL = "organization.subscription.cancel"
    SUBSCRIPTION_RESUME = "organization.subscription.resume"
    SUBSCRIPTION_CHANGE_CYCLE = "organization.subscription.change_cycle"
    SUBSCRIPTION_RENEW = "organization.subscription.renew"
    CREDITS_PURCHASE = "organization.credits.purchase"
    API_KEY_CREATE = "organization.api_key.create"


class KnownClient(enum.StrEnum):
    """Client names an audit entry may carry (X-Kilo-Client) that the Slack app words itself; any other
    name is a program of the organization's own."""

    SLACK_APP = "kilo-bot"  # this project's Slack app
    API = "api"  # a request that named no client
