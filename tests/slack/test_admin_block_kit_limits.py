"""The admin modals, the managed member directory and the audit log stay inside Slack's limits with long
names, huge organizations and extreme amounts (checked as the fake Slack checks them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.admin_actions import SeatAndInvite, SeatInviteTerms
from bot.admin_shapes import (
    AuditLine,
    CancelTerms,
    CreditsBought,
    CreditTerms,
    CycleChanged,
    CycleTerms,
    Invited,
    InviteTerms,
    MemberChanged,
    MemberTarget,
    PoliciesChanged,
    Removed,
)
from bot.interaction import AdminForm
from bot.seats import SeatMode, SeatPlan
from bot.views import invite as invite_views
from bot.views import manage
from bot.views import organization as org_views
from bot.views import seats as seat_views
from kilo_api import schemas
from kilo_api.enums import AuditAction, BillingCycle, MemberStatus, Role
from local_slack import call_problem
from tests.slack.test_block_kit_limits import LONG, NOW, ZONE, accepted, member

FORM = AdminForm(team_id="T" + "9" * 31, organization_id="o" * 40, member_id="m" * 40)
SEATS = schemas.SeatUsageOut(used=10_000, total=10_000, available=0)
METHOD = schemas.PaymentMethodOut(brand=LONG[:30], last4="0002", exp_month=12, exp_year=2030)
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + ".example.com"
PLAN = SeatPlan(SeatMode.ADD, 1, 9_999, 10_000, 9_999, 10**12, BillingCycle.YEARLY, 366, 366, 10**12, NOW)
CHANGE = schemas.SeatChangeOut(
    id="sc",
    delta=1,
    seats_after=10_000,
    billing_cycle=BillingCycle.YEARLY,
    status="active",
    prorated_amount_microdollars=10**12,
    actor_member_id=None,
    invoice_id=None,
    created_at=NOW,
)


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    assert call_problem("views.update", {"view": view}) is None, call_problem("views.update", {"view": view})
    return view


def subscription(status: str = "active") -> schemas.SubscriptionOut:
    return schemas.SubscriptionOut(
        id="sub",
        plan="teams",
        status=status,
        billing_cycle=BillingCycle.MONTHLY,
        next_billing_cycle=BillingCycle.YEARLY,
        seat_count=10_000,
        seats_used=10_000,
        price_per_seat_microdollars=10**12,
        current_period_start=NOW,
        current_period_end=NOW + timedelta(days=31),
        auto_renew=True,
        cancel_effective_at=None,
        next_charge_at=NOW + timedelta(days=31),
        next_charge_microdollars=10**16,
        seat_history=[],
    )


def quote(cycle: BillingCycle) -> schemas.BillingCycleQuoteOut:
    return schemas.BillingCycleQuoteOut(
        current_cycle=BillingCycle.MONTHLY,
        next_cycle=BillingCycle.YEARLY,
        new_cycle=cycle,
        effective_at=NOW,
        seat_count=10_000,
        price_per_seat_microdollars=10**12,
        renews=True,
        next_charge_at=NOW,
        next_charge_microdollars=10**16,
    )


def test_every_admin_modal_with_long_names_and_huge_amounts_is_valid():
    person = member(1)
    owner = person.model_copy(update={"role": Role.OWNER, "daily_limit_microdollars": 10**12})
    invited = person.model_copy(update={"status": MemberStatus.INVITED, "invite_expires_at": NOW})
    terms = InviteTerms(LONG, SEATS, True, True, [])
    views = [
        invite_views.invite_modal(terms, FORM, "a" * 64 + "@example.com", Role.OWNER),
        invite_views.invite_modal(InviteTerms(LONG, SEATS, False, False, [LONG] * 6), FORM, LONG_EMAIL, Role.MEMBER),
        invite_views.invited_modal(Invited(invited, SEATS)),
        invite_views.seat_invite_modal(SeatInviteTerms(LONG, PLAN, True), FORM, LONG_EMAIL, Role.OWNER, LONG),
        invite_views.seat_invited_modal(SeatAndInvite(CHANGE, LONG_EMAIL, Role.ADMIN, invited, SEATS), None),
        invite_views.seat_invited_modal(SeatAndInvite(CHANGE, LONG_EMAIL, Role.ADMIN, None, None), LONG),
        seat_views.seat_request_modal(FORM, 10_000, LONG),
        invite_views.request_sent_modal(seat_views.request_sent(LONG, 10_000)),
        *(
            build(MemberTarget(target, caller_is_owner, 10**12), FORM)
            for build in (manage.member_role_modal, manage.daily_limit_modal, manage.remove_member_modal)
            for target in (owner, invited, person)
            for caller_is_owner in (True, False)
        ),
        manage.role_changed_modal(MemberChanged(person, owner)),
        manage.limit_changed_modal(MemberChanged(person, owner)),
        manage.removed_modal(Removed(invited, SEATS)),
        manage.policies_modal(
            schemas.PoliciesOut(code_training_opt_out=True, usage_analytics_enabled=False), LONG, FORM
        ),
        manage.policies_changed_modal(
            PoliciesChanged(
                schemas.PoliciesOut(code_training_opt_out=True, usage_analytics_enabled=True),
                schemas.PoliciesOut(code_training_opt_out=False, usage_analytics_enabled=False),
                ("code_training_opt_out", "usage_analytics_enabled"),
            )
        ),
        manage.billing_cycle_modal(CycleTerms(subscription(), {c: quote(c) for c in BillingCycle}), FORM),
        manage.cycle_changed_modal(CycleChanged(BillingCycle.MONTHLY, subscription(), quote(BillingCycle.YEARLY))),
        manage.cancel_modal(CancelTerms(LONG, subscription(), 10**16), FORM),
        manage.cancel_confirm_modal(LONG, FORM),
        manage.cancelled_modal(subscription("pending_cancel"), LONG),
        manage.buy_credits_modal(CreditTerms(10**16, METHOD, "https://app.kilo.ai/" + "x" * 2000), FORM, 10**11),
        manage.buy_credits_modal(CreditTerms(0, None, "https://app.kilo.ai/" + "x" * 2000), FORM, None),
        manage.credits_bought_modal(
            CreditsBought(
                schemas.CreditEntryOut(
                    id="c", kind="purchase", amount_microdollars=10**11, description=LONG, created_at=NOW
                ),
                10**16,
                METHOD,
            )
        ),
        manage.loading_modal(LONG),
    ]
    for view in views:
        valid_view(view)
        valid_view(
            manage.with_problem(
                {**view, "id": "V1", "state": {}}, manage.problems_message(manage.FormProblems({"b": LONG}))
            )
        )
        valid_view(manage.working_modal({**view, "id": "V1"}))


def test_a_managed_directory_of_a_huge_organization_keeps_its_menus_pager_and_invite():
    page = schemas.MemberPageOut(members=[member(i) for i in range(200)], total=100_000, limit=200, offset=0)
    payload = accepted(
        org_views.members_page(page, now=NOW, show_activity=True, role=None, query=None, managed_organization="o" * 40)
    )
    menus = [b for b in payload["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert menus and all(len(o["value"]) <= 150 for b in menus for o in b["accessory"]["options"])
    assert [b["block_id"] for b in payload["blocks"] if b["type"] == "actions"] == [
        "kilo_members_pager",
        "kilo_members_actions",
    ]


def test_an_audit_log_of_a_hundred_long_entries_fits_one_message():
    lines = [
        AuditLine(
            at=datetime(2026, 3, 15, tzinfo=UTC),
            actor=LONG if index % 2 else None,
            action=list(AuditAction)[index % len(AuditAction)].value,
            target=LONG,
            before={"role": "member", "daily_limit_microdollars": None, "status": "active", "seats": 1},
            after={
                "role": "owner",
                "daily_limit_microdollars": 10**12,
                "effective_at": "2026-04-01T00:00:00+00:00",
                "amount_microdollars": 10**12,
                "email": LONG,
            },
        )
        for index in range(100)
    ]
    accepted(manage.audit_message(lines, ZONE, 100))
