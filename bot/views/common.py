"""Help, the App Home dashboard, and every refusal or failure explained to a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot import formatting as fmt
from bot.dashboard import HomeData
from bot.identity import Caller
from bot.ids import ActionId, BlockId
from bot.views.blocks import (
    Message,
    actions,
    button,
    context,
    divider,
    field_sections,
    header,
    home_view,
    section,
    text_sections,
)
from bot.views.organization import seats_line


def help_message(caller: Caller) -> Message:
    everyone = [
        "`/kilo usage [7d|30d|90d|this-month|last-month|2026-03-01..2026-03-15]` — team spend, requests, tokens",
        "`/kilo usage models` — most-used models, cost share, providers, errors and latency",
        "`/kilo usage me` — your own usage",
        "`/kilo usage trend` — daily, weekday and month-over-month spend",
        "`/kilo usage public` — post the answer in the channel instead of only to you",
        "`/kilo org` — plan, seats used, members by role, data-collection policies",
        "`/kilo members [owner|admin|member|name]` — the member directory",
    ]
    managers = [
        "`/kilo usage users` — top users and how spend is spread",
        "`/kilo billing` — credits, invoices, payment method, purchase history",
        "`/kilo subscription` or `/kilo seats` — plan, price per seat, cycle, next charge, seat history",
        "`/kilo connect` — connect this workspace to a Kilo organization (Owners)",
    ]
    role = caller.member.role.value
    blocks = [
        header("Kilo for Teams in Slack"),
        section(f"You are *{role}* of *{caller.organization_name}*."),
        *text_sections(everyone),
    ]
    if caller.is_manager:
        blocks += [section("*For Owners and Admins*"), *text_sections(managers)]
    else:
        blocks.append(context("Owners and Admins also see per-person usage, billing and the subscription."))
    blocks.append(context("The Home tab of this app is the dashboard."))
    return Message(text="Kilo for Teams: what /kilo can do", blocks=blocks)


def home(data: HomeData, caller: Caller, now: datetime) -> dict[str, Any]:
    org, summary, mine = data.organization, data.summary, data.mine
    totals = summary.totals
    blocks = [
        header(f"{org.name} · Kilo for Teams"),
        context(
            f"This billing period · {fmt.day_range(summary.start, summary.end)} · "
            f"updated {fmt.local_datetime(now, caller.zone)}"
        ),
        *field_sections(
            [
                f"*Spend this period*\n{fmt.usd(totals.cost_microdollars)}",
                f"*Successful requests*\n{totals.successful_requests:,}",
                f"*Average per request*\n{fmt.usd_fine(totals.average_cost_per_request_microdollars)}",
                f"*Active users (7 days)*\n{summary.active_users_7d}",
                f"*Seats*\n{seats_line(org.seats)}",
                f"*Your spend*\n{fmt.usd(mine.member.cost_microdollars)} · {mine.member.requests:,} requests",
            ]
        ),
        section(
            "*Top models*\n"
            + (
                "\n".join(
                    f"{i}. `{m.model}` — {m.requests:,} requests · {fmt.usd(m.cost_microdollars)}"
                    for i, m in enumerate(summary.models[:5], start=1)
                )
                or "No usage yet this period."
            )
        ),
    ]
    if data.credits is not None and data.subscription is not None:
        sub = data.subscription
        next_charge = (
            f"{fmt.usd(sub.next_charge_microdollars)} on {fmt.billing_day(sub.next_charge_at)}"
            if sub.next_charge_at
            else "none scheduled"
        )
        blocks += [
            divider(),
            section(
                fields=[
                    f"*Credits left*\n{fmt.usd(data.credits.balance_microdollars)}",
                    f"*Next charge*\n{next_charge}",
                ]
            ),
        ]
    if data.top_members is not None:
        top = data.top_members.top_members[:5]
        blocks.append(
            section(
                "*Top users this period* (Owners and Admins only)\n"
                + ("\n".join(f"{m.name} — {fmt.usd(m.cost_microdollars)}" for m in top) or "Nobody yet.")
            )
        )
    quick = [button("Buy credits", ActionId.BUY_CREDITS, url=org.purchase_url, style="primary")]
    if caller.is_manager:
        blocks += [divider(), actions(*quick, block_id=BlockId.QUICK_ACTIONS)]
    blocks.append(context("Type `/kilo help` in any channel for every command."))
    return home_view(blocks)


def problem(text: str, hint: str | None = None) -> Message:
    blocks: list[Block] = [section(f":warning: {text}")]
    if hint:
        blocks.append(context(hint))
    return Message(text=text, blocks=blocks)


def names(people: list[str]) -> str:
    if not people:
        return "an admin of your workspace"
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + f" or {people[-1]}"
