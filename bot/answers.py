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
            return Answer(org_views.organization(await dashboard.organization(), caller.zone))
        case cmd.Members(role=role, query=query, offset=offset):
            page = await dashboard.members(role, query, offset)
            return Answer(
                org_views.members_page(page, now=now, show_activity=caller.is_manager, role=role, query=query)
            )
        case cmd.Billing():
            return Answer(billing_views.billing(await dashboard.billing()))
        case cmd.Subscription(seats_first=seats_first):
            return Answer(billing_views.subscription(await dashboard.subscription(), seats_first=seats_first))
        case cmd.Connect():
            raise AssertionError("/kilo connect opens a modal; handlers/commands.py handles it")
    raise AssertionError(f"unhandled command {command!r}")
