"""/kilo help: what the bot can do, for the caller's role."""

from __future__ import annotations

from bot.shapes import Caller
from bot.views.blocks import Message, context, header, section, text_sections


def help_message(caller: Caller) -> Message:
    everyone = [
        "`/kilo usage [7d|30d|90d|this-month|last-month|2026-03-01..2026-03-15]` — team spend, requests, tokens",
        "`/kilo usage models` — most-used models, cost share, providers, errors and latency",
        "`/kilo usage me` — your own usage",
        "`/kilo usage trend` — daily, weekday and month-over-month spend",
        "`/kilo usage public` — post the answer in the channel instead of only to you",
        "`/kilo org` — plan, seats used, members by role, data-collection policies",
        "`/kilo members [owner|admin|member|name]` — the member directory",
        "`/kilo digest me [off]` — your own usage by DM every Monday",
        "`/kilo digest preview` — this channel's spend digest as of now, only to you",
        "`/kilo seats request [N] [reason]` — ask the Owners and Admins for more seats (`requests`: the list)",
        "`/kilo digest list` — the spend digests and when the next one goes out",
    ]
    managers = [
        "`/kilo usage users` — top users and how spend is spread among members with usage "
        "(median per member: the middle value, the mean of the two middle ones for an even count; "
        "90th percentile: linear interpolation between ranks (NumPy's default))",
        "`/kilo billing` — credits, invoices, payment method, purchase history",
        "`/kilo subscription` or `/kilo seats` — plan, price per seat, cycle, next charge, seat history",
        "`/kilo invite [email] [role]` — invite someone (the seat count allowing)",
        "`/kilo seats add [N]` / `remove [N]` — change seats with the price shown first",
        "`/kilo approvals [#channel|dm]` — where seat requests go for approval",
        "`/kilo members` — each row's menu changes the role, sets a daily spend limit, or removes",
        "`/kilo policies` — the data-collection policies",
        "`/kilo credits buy [amount]` — buy credits with the card on file",
        "`/kilo subscription cycle` — switch between monthly and yearly billing at renewal",
        "`/kilo subscription cancel` / `resume` — cancel at the end of the cycle, or keep it (Owners)",
        "`/kilo audit [N]` — who changed what, before → after",
        "`/kilo digest subscribe [#channel] [weekly|daily|weekdays|monthly] [day] [HH:MM] [Area/City] [people]` — "
        "a spend digest with charts in a channel (or `/kilo digest` for a form); "
        "`/kilo digest send|unsubscribe [#channel]`",
        "`/kilo alerts` — credit, spend and seat alerts, once per episode, with Snooze",
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
