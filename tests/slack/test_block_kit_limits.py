"""The views stay inside Slack's Block Kit limits whatever the size of the organization.

Each payload is checked with the same validator the fake Slack uses (slack_sdk.models parsing plus
Slack's block counts), so a message that passes here is one Slack would accept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.shapes import BillingOverview, Caller, HomeData
from bot.views import billing as billing_views
from bot.views import organization as org_views
from bot.views import usage as usage_views
from bot.views.blocks import MAX_MESSAGE_BLOCKS, Message, text_sections
from bot.views.help import help_message
from bot.views.home import home
from kilo_api import schemas
from kilo_api.enums import BillingCycle, CreditKind, MemberStatus, Role
from local_slack import call_problem, message_problem

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ZONE = ZoneInfo("Pacific/Auckland")
LONG = "Ünïcode-名前-" * 40  # 480 characters


def accepted(message: Message) -> dict[str, Any]:
    payload = message.payload()
    assert message_problem(payload) is None, message_problem(payload)
    assert len(payload["blocks"]) <= MAX_MESSAGE_BLOCKS
    return payload


def member(index: int, name: str = LONG) -> schemas.MemberOut:
    return schemas.MemberOut(
        id=f"mem_{index}",
        name=f"{name}{index}",
        email=f"{'x' * 200}{index}@example.com",
        role=Role.MEMBER,
        status=MemberStatus.ACTIVE,
        invited_at=None,
        invite_expires_at=None,
        joined_at=NOW,
        last_activity_at=NOW,
        daily_limit_microdollars=None,
    )


def member_usage(index: int) -> schemas.MemberUsageOut:
    return schemas.MemberUsageOut(
        member_id=f"mem_{index}",
        name=f"{LONG}{index}",
        email="a@b.c",
        role=Role.ADMIN,
        requests=10**9,
        errors=10**6,
        cost_microdollars=10**15,
        input_tokens=10**12,
        output_tokens=10**12,
        active_days=400,
        spend_today_microdollars=10**12,
        daily_limit_microdollars=10**9,
    )


def span(first: date, cost: int) -> schemas.PeriodComparisonOut:
    return schemas.PeriodComparisonOut(
        start=first, end=first + timedelta(days=27), cost_microdollars=cost, requests=10**9, successful_requests=1
    )


def huge_summary(models: int = 500, days: int = 400) -> schemas.UsageSummaryOut:
    start = date(2025, 1, 1)
    return schemas.UsageSummaryOut(
        start=start,
        end=start + timedelta(days=days),
        as_of=NOW,
        organization_since=start,
        totals=schemas.UsageTotalsOut(
            cost_microdollars=10**16,
            requests=10**10,
            successful_requests=10**10 - 5,
            errors=5,
            input_tokens=10**14,
            output_tokens=10**14,
            cache_write_tokens=0,
            cache_hit_tokens=0,
        ),
        active_users_7d=100_000,
        models=[
            schemas.ModelUsageOut(
                model=f"vendor/{LONG}-{i}",
                provider=LONG[:60],
                requests=10**8 - i,
                successful_requests=10**8 - i,
                errors=0,
                cost_microdollars=10**12,
                input_tokens=1,
                output_tokens=1,
                median_latency_ms=123_456,
            )
            for i in range(models)
        ],
        providers=[
            schemas.ProviderUsageOut(provider=f"{LONG[:50]}{i}", requests=1, cost_microdollars=1) for i in range(200)
        ],
        daily=[
            schemas.DayUsageOut(
                date=start + timedelta(days=i), requests=i, successful_requests=i, cost_microdollars=i * 10**9
            )
            for i in range(days)
        ],
        weekdays=[
            schemas.WeekdayUsageOut(weekday=i, name="Mon", days=5, requests=1, cost_microdollars=10**12)
            for i in range(7)
        ],
        months=[
            schemas.MonthUsageOut(
                month=f"2025-{m:02d}",
                first_day=date(2025, m, 1),
                last_day=date(2025, m, 28),
                so_far=m == 12,
                requests=10**9,
                cost_microdollars=10**15,
                compared=span(date(2025, m, 1), 10**15),
                previous=span(date(2024, m, 1), 10**14),
            )
            for m in range(1, 13)
        ],
        compared=span(start, 10**16),
        previous_period=span(start - timedelta(days=days), 1),
    )


def caller(role: Role) -> Caller:
    return Caller("T1", "U1", ZONE, member(1).model_copy(update={"role": role}), LONG)


def test_member_directory_of_a_huge_organization_fits_one_message():
    page = schemas.MemberPageOut(members=[member(i) for i in range(200)], total=100_000, limit=200, offset=400)
    payload = accepted(org_views.members_page(page, now=NOW, show_activity=True, role=None, query=LONG[:100]))
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert actions, "the pager must survive the truncation"


def test_usage_views_with_hundreds_of_models_fit():
    summary = huge_summary()
    for view in (usage_views.usage_overview, usage_views.usage_models, usage_views.usage_trend):
        accepted(view(summary, "a long period label " * 20, shared_by="<@U1>"))


def test_top_users_and_my_usage_with_extreme_numbers_fit():
    page = schemas.MemberUsagePageOut(
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        as_of=NOW,
        members=[member_usage(i) for i in range(1000)],
        top_members=[member_usage(i) for i in range(10)],
        distribution=schemas.SpendDistributionOut(
            active_members=1000,
            median_cost_microdollars=10**15,
            p90_cost_microdollars=10**15,
            top5_cost_microdollars=10**15,
            total_cost_microdollars=10**16,
        ),
    )
    accepted(usage_views.usage_by_member(page, "label"))
    mine = schemas.MyUsageOut(
        start=date(2025, 1, 1),
        end=date(2026, 2, 1),
        as_of=NOW,
        organization_since=date(2025, 1, 1),
        member=member_usage(1),
        daily=huge_summary().daily,
        team_cost_microdollars=10**16,
        team_requests=10**10,
    )
    accepted(usage_views.my_usage(mine, "label"))


def test_billing_with_long_invoices_and_history_fits():
    invoice = schemas.InvoiceOut(
        id="inv_1",
        number="KILO-1",
        period_start=NOW,
        period_end=NOW,
        status="failed",
        total_microdollars=10**12,
        created_at=NOW,
        paid_at=None,
        lines=[
            schemas.InvoiceLineOut(description=LONG, quantity=1, unit_amount_microdollars=1, amount_microdollars=1)
            for _ in range(100)
        ],
        download_url="https://kilo.example/" + "p" * 2000,
    )
    overview = BillingOverview(
        credits=schemas.CreditsOut(balance_microdollars=-(10**15), entries=[]),
        invoices=[invoice] * 20,
        payment_method=schemas.PaymentMethodOut(brand=LONG[:30], last4="4242", exp_month=1, exp_year=2099),
        history=[
            schemas.HistoryEntryOut(
                kind=CreditKind.PURCHASE.value, amount_microdollars=1, description=LONG, created_at=NOW, reference="r"
            )
            for _ in range(500)
        ],
        purchase_url="https://app.kilo.ai/organizations/x/payment-details",
    )
    accepted(billing_views.billing(overview))


def test_subscription_with_a_long_seat_history_fits():
    sub = schemas.SubscriptionOut(
        id="sub",
        plan="teams",
        status="pending_cancel",
        billing_cycle=BillingCycle.YEARLY,
        next_billing_cycle=BillingCycle.MONTHLY,
        seat_count=10_000,
        seats_used=9_999,
        price_per_seat_microdollars=290_000_000,
        current_period_start=NOW,
        current_period_end=NOW,
        auto_renew=False,
        cancel_effective_at=NOW,
        next_charge_at=None,
        next_charge_microdollars=0,
        seat_history=[
            schemas.SeatChangeOut(
                id=f"s{i}",
                delta=-i,
                seats_after=i,
                billing_cycle=BillingCycle.YEARLY,
                status="active",
                prorated_amount_microdollars=-(10**12),
                actor_member_id=None,
                invoice_id=None,
                created_at=NOW,
            )
            for i in range(500)
        ],
    )
    for seats_first in (True, False):
        accepted(billing_views.subscription(sub, seats_first=seats_first))


def test_home_of_a_huge_organization_is_a_valid_view():
    org = schemas.OrganizationOut(
        id="org",
        name=LONG,
        plan="teams",
        created_at=NOW,
        seats=schemas.SeatUsageOut(used=9999, total=10000, available=1),
        members_by_role={"owner": 1, "admin": 2, "member": 9996},
        policies=schemas.PoliciesOut(code_training_opt_out=False, usage_analytics_enabled=False),
        purchase_url="https://app.kilo.ai/x",
    )
    mine = schemas.MyUsageOut(
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        as_of=NOW,
        organization_since=date(2025, 1, 1),
        member=member_usage(1),
        daily=[],
        team_cost_microdollars=1,
        team_requests=1,
    )
    page = schemas.MemberUsagePageOut(
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        as_of=NOW,
        members=[],
        top_members=[member_usage(i) for i in range(10)],
        distribution=schemas.SpendDistributionOut(
            active_members=1,
            median_cost_microdollars=1,
            p90_cost_microdollars=1,
            top5_cost_microdollars=1,
            total_cost_microdollars=1,
        ),
    )
    data = HomeData(org, huge_summary(), mine, schemas.CreditsOut(balance_microdollars=1, entries=[]), None, page)
    for role in (Role.OWNER, Role.MEMBER):
        view = home(data, caller(role), NOW)
        assert call_problem("views.publish", {"user_id": "U1", "view": view}) is None
    accepted(help_message(caller(Role.ADMIN)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=5000), max_size=60))
def test_any_lines_pack_into_valid_sections(lines: list[str]):
    message = Message(text="t", blocks=list(text_sections(lines)))
    payload = message.payload()
    assert message_problem(payload) is None
