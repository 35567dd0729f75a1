"""A member's own weekly digest, by direct message: their usage against the week before, with the team's
totals for context (and nobody else's figures)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.formatting import compact, day_range, sparkline, usd
from bot.kilo_client import KiloClient
from bot.views.blocks import Message, context, header, section
from kilo_api import schemas
from reports.digest_data import DigestPeriod
from reports.figures import change_words, period_noun, share_percent


@dataclass(frozen=True)
class PersonalDigest:
    organization_name: str
    period: DigestPeriod
    mine: schemas.MyUsageOut
    previous_cost_microdollars: int | None  # None: no earlier period to compare with


async def collect_personal(
    client: KiloClient,
    actor: str,
    member_id: str,
    start: date,
    end: date,
    earlier: tuple[date, date] | None,
    zone: ZoneInfo,
) -> PersonalDigest:
    organization, mine = await asyncio.gather(
        client.organization(), client.usage_of_member(actor, member_id, start=start, end=end)
    )
    previous = None
    if earlier is not None and earlier[0] >= organization.created_at.date():
        before = await client.usage_of_member(actor, member_id, start=earlier[0], end=earlier[1])
        previous = before.member.cost_microdollars
    return PersonalDigest(organization.name, DigestPeriod(start, end, zone), mine, previous)


def compose_personal_digest(digest: PersonalDigest) -> Message:
    me, mine = digest.mine.member, digest.mine
    noun = period_noun(digest.period)
    spend = me.cost_microdollars
    if digest.previous_cost_microdollars is None:
        compared = f"the first {noun} I can compare"
    else:
        before = digest.previous_cost_microdollars
        compared = f"{change_words(spend, Fraction(before))} vs the {noun} before ({usd(before)})"
    fields = [
        f"*Your spend*\n{usd(spend)} · {share_percent(spend, mine.team_cost_microdollars)} of the team's",
        f"*Your requests*\n{me.requests:,} ({me.errors:,} failed)",
        f"*Tokens in / out*\n{compact(me.input_tokens)} / {compact(me.output_tokens)}",
        f"*Active days*\n{me.active_days} of {digest.period.days}",
    ]
    if me.daily_limit_microdollars is not None:
        fields.append(f"*Your daily limit*\n{usd(me.daily_limit_microdollars)}")
    blocks = [
        header(f"Your {noun} on Kilo: {usd(spend)}"),
        context(f"{day_range(digest.period.start, digest.period.end)} (UTC billing days) · {digest.organization_name}"),
        section(f"*{usd(spend)}* this {noun} · {compared}"),
        section(fields=fields),
        section(f"*Your daily spend* `{sparkline([d.cost_microdollars for d in mine.daily])}`"),
        context(
            f"Team total this {noun}: {usd(mine.team_cost_microdollars)} · {mine.team_requests:,} requests. "
            "Turn this off with `/kilo digest me off`."
        ),
    ]
    return Message(text=f"Your {noun} on Kilo: {usd(spend)} ({compared})", blocks=list(blocks))
