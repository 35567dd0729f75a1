"""The App Home tab: the dashboard of this billing period, with money and people for Owners and Admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import formatting as fmt
from bot.ids import ActionId, BlockId
from bot.interaction import OrganizationButton, encode
from bot.shapes import Caller, HomeData
from bot.views.blocks import actions, button, context, divider, field_sections, header, home_view, section
from bot.views.organization import seats_line


def home(data: HomeData, caller: Caller, now: datetime) -> dict[str, Any]:
    org, summary, mine = data.organization, data.summary, data.mine
    totals = summary.totals
    blocks = [
        header(f"{org.name} · Kilo for Teams"),
        context(
            f"This billing period · {fmt.day_range(summary.start, summary.end)} (UTC days)"
            + (" · so far" if summary.as_of < fmt.utc_midnight(summary.end) else "")
            + f" · updated {fmt.local_datetime(now, caller.zone)}"
        ),
        *field_sections(
            [
                f"*Spend this period*\n{fmt.usd(totals.cost_microdollars)}",
                f"*Requests*\n{totals.requests:,}",
                f"*Average cost per request*\n{fmt.usd_fine(fmt.average(totals.cost_microdollars, totals.requests))}",
                f"*Active users (last 7 days)*\n{summary.active_users_7d:,}",
                f"*Seats*\n{seats_line(org.seats)}",
                f"*Your spend*\n{fmt.usd(mine.member.cost_microdollars)} · "
                f"{fmt.count(mine.member.requests, 'request')}",
            ]
        ),
        section(
            "*Top models*\n"
            + (
                "\n".join(
                    f"{i}. `{m.model}` — {fmt.count(m.requests, 'request')} · {fmt.usd(m.cost_microdollars)}"
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
    shown_for = encode(OrganizationButton(organization_id=org.id))
    quick = [
        button("Buy credits", ActionId.BUY_CREDITS, url=org.purchase_url, style="primary"),
        button("Buy with card on file", ActionId.BUY_CREDITS_OPEN, value=shown_for),
        button("Invite", ActionId.INVITE_OPEN, value=shown_for),
    ]
    if caller.is_manager:
        quick.append(button("Add seats", ActionId.SEATS_ADD))
        blocks += [divider(), actions(*quick, block_id=BlockId.QUICK_ACTIONS)]
    blocks.append(context("Type `/kilo help` in any channel for every command."))
    return home_view(blocks)
