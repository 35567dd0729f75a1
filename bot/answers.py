"""One parsed /kilo command → the message that answers it (data from the Dashboard, blocks from views)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import commands as cmd
from bot.dashboard import Dashboard
from bot.views import billing as billing_views
from bot.views import organization as org_views
from bot.views import usage as usage_views
from bot.views.blocks import Message
from bot.views.help import help_message
from kilo_api.enums import Role


@dataclass(frozen=True)
class Answer:
    message: Message
    public: bool = False


async def answer(command: cmd.Command, dashboard: Dashboard, now: datetime) -> Answer:
    caller = dashboard.caller
    shared_by = f"<@{caller.user_id}>"
    match command:
        case cmd.Help():
            return Answer(help_message(caller))
        case cmd.Usage(period=period, public=public):
            summary = await dashboard.usage(period)
            return Answer(
                usage_views.usage_overview(summary, period.label, shared_by=shared_by if public else None), public
            )
        case cmd.UsageModels(period=period, public=public):
            summary = await dashboard.usage(period)
            return Answer(
                usage_views.usage_models(summary, period.label, shared_by=shared_by if public else None), public
            )
        case cmd.UsageTrend(period=period, public=public):
            summary = await dashboard.usage(period)
            return Answer(
                usage_views.usage_trend(summary, period.label, shared_by=shared_by if public else None), public
            )
        case cmd.UsageUsers(period=period):
            return Answer(usage_views.usage_by_member(await dashboard.usage_by_member(period), period.label))
        case cmd.UsageMe(period=period):
            return Answer(usage_views.my_usage(await dashboard.my_usage(period), period.label))
        case cmd.Org():
            org = await dashboard.organization()
            return Answer(org_views.organization(org, caller.zone, can_manage=caller.is_manager))
        case cmd.Members(role=role, query=query, offset=offset):
            page = await dashboard.members(role, query, offset)
            managed = await dashboard.client.organization_id() if caller.is_manager else None
            return Answer(
                org_views.members_page(
                    page, now=now, show_activity=caller.is_manager, role=role, query=query, managed_organization=managed
                )
            )
        case cmd.Billing():
            overview = await dashboard.billing()
            organization_id = await dashboard.client.organization_id()
            return Answer(billing_views.billing(overview, organization_id=organization_id))
        case cmd.Subscription(seats_first=seats_first):
            sub = await dashboard.subscription()
            return Answer(
                billing_views.subscription(
                    sub,
                    seats_first=seats_first,
                    organization_id=await dashboard.client.organization_id(),
                    is_owner=caller.member.role is Role.OWNER,
                )
            )
        case cmd.Connect():
            raise AssertionError("/kilo connect opens a modal; handlers/commands.py handles it")
        case _ if isinstance(command, cmd.Change):
            raise AssertionError("changes open a modal; handlers/manage.py handles them")
    raise AssertionError(f"unhandled command {command!r}")
