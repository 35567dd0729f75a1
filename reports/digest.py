"""The digest message: text that reads well without the charts, as Block Kit within Slack's limits.

A pure function of DigestData; per-person figures appear only when the subscription allows them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from bot.formatting import compact, day_range, local_date, local_datetime, usd
from bot.views.blocks import Message, context, divider, header, section
from reports.digest_data import (
    BURN_WINDOW_DAYS,
    IDLE_AFTER_DAYS,
    CreditFigures,
    DigestData,
    SeatFigures,
    spend_by_model,
    spend_by_provider,
)
from reports.figures import (
    OTHER,
    average_usd,
    change_words,
    monthly_seat_cost,
    period_noun,
    run_out_at,
    share_percent,
    top_spenders,
    usd_exact,
)

TOP_MODELS = 5
TOP_PROVIDERS = 4
TOP_PEOPLE = 5
MOVERS_SHOWN = 5
# A mover must matter: at least this share of the period's spend, so $0.01 → $0.03 is not news.
MOVER_MIN_SHARE = Fraction(1, 20)
NEW_HEAVY_USER_MIN_SHARE = Fraction(1, 10)
LONG_RUNWAY_DAYS = 365


def mrkdwn_escape(text: str) -> str:
    """Names are data: Slack reads &, < and > as markup, and a backtick would end the code span."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


class MoverKind(enum.StrEnum):
    MODEL = "model"
    PERSON = "person"


@dataclass(frozen=True)
class Mover:
    kind: MoverKind
    name: str
    previous_microdollars: int
    current_microdollars: int

    @property
    def increase_microdollars(self) -> int:
        return self.current_microdollars - self.previous_microdollars


def _risers(
    kind: MoverKind, current: dict[str, int], previous: dict[str, int], total: int, new_share: Fraction
) -> list[Mover]:
    movers = []
    for name, spend in current.items():
        before = previous.get(name, 0)
        if before == 0 and Fraction(spend, total) >= new_share:
            movers.append(Mover(kind, name, 0, spend))
        elif before > 0 and spend >= 2 * before and Fraction(spend, total) >= MOVER_MIN_SHARE:
            movers.append(Mover(kind, name, before, spend))
    return movers


def find_movers(data: DigestData, *, show_people: bool) -> list[Mover]:
    """Models and (if allowed) people whose spend at least doubled, and newcomers with a real share."""
    total = data.totals.cost_microdollars
    if data.previous_period is None or total <= 0:
        return []  # a first period has nothing to move from
    movers = _risers(
        MoverKind.MODEL,
        spend_by_model(data.model_days),
        spend_by_model(data.previous_model_days),
        total,
        MOVER_MIN_SHARE,
    )
    if show_people and data.people is not None and data.previous_people is not None:
        names = {person.member_id: person.name for person in (*data.previous_people, *data.people)}
        current = {person.member_id: person.cost_microdollars for person in data.people}
        previous = {person.member_id: person.cost_microdollars for person in data.previous_people}
        for mover in _risers(MoverKind.PERSON, current, previous, total, NEW_HEAVY_USER_MIN_SHARE):
            movers.append(Mover(mover.kind, names[mover.name], mover.previous_microdollars, mover.current_microdollars))
    movers.sort(key=lambda m: (-m.increase_microdollars, m.kind, m.name))
    return movers[:MOVERS_SHOWN]


def _average_label(count: int, noun: str) -> str:
    unit = noun if noun in ("day", "week", "month") else "period"
    return f"{count}-{unit} average"


def headline(data: DigestData) -> str:
    """Spend, and its change against the period before and the average of up to four before it."""
    noun = period_noun(data.period)
    spend = data.totals.cost_microdollars
    previous = data.previous_periods
    if not previous:
        return f"*{usd(spend)}* this {noun}: the first {noun}, nothing to compare with yet."
    before = previous[0].cost_microdollars
    if spend == 0:
        return f"*{usd(0)}* this {noun}: no AI spend (the {noun} before: {usd(before)})."
    parts = [f"{change_words(spend, Fraction(before))} vs the {noun} before ({usd(before)})"]
    if len(previous) > 1:
        average = Fraction(sum(p.cost_microdollars for p in previous), len(previous))
        # Shown rounded once to the cent; the change is computed from the exact average.
        label = _average_label(len(previous), noun)
        parts.append(f"{change_words(spend, average)} vs the {label} ({usd_exact(average)})")
    return f"*{usd(spend)}* this {noun}\n" + " · ".join(parts)


def seats_text(seats: SeatFigures) -> str:
    lines = [f"{seats.used:,} of {seats.total:,} used"]
    if seats.idle:
        lines.append(
            f"{seats.idle:,} idle for {IDLE_AFTER_DAYS}+ days · {usd(monthly_seat_cost(seats, seats.idle))} a month"
        )
    else:
        lines.append("none idle")
    if (unassigned := seats.total - seats.used) > 0:
        lines.append(f"{unassigned:,} unassigned · {usd(monthly_seat_cost(seats, unassigned))} a month")
    return "\n".join(lines)


def credits_text(credits: CreditFigures, data: DigestData) -> str:
    zone = data.period.zone
    if credits.balance_microdollars <= 0:
        return f"No credits left ({usd(credits.balance_microdollars)})"
    left = f"{usd(credits.balance_microdollars)} left"
    run_out = run_out_at(credits)
    if run_out is None:
        return f"{left}\nno spend in the last {BURN_WINDOW_DAYS} days"
    days = (run_out - credits.as_of).days
    rate = f"at the last {BURN_WINDOW_DAYS} days' rate ({usd(credits.burn_last_7_days_microdollars)} a week)"
    if days > LONG_RUNWAY_DAYS:
        return f"{left}\nlasts more than a year {rate}"
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days:,} days"
    return f"{left}\nruns out around {local_date(run_out, zone)} ({when}) {rate}"


def figure_fields(data: DigestData) -> list[str]:
    totals = data.totals
    average = average_usd(totals.cost_microdollars, totals.successful_requests) if totals.successful_requests else "—"
    fields = [
        f"*Successful requests*\n{totals.successful_requests:,}",
        f"*Average cost per request*\n{average}",
        f"*Tokens in / out*\n{compact(totals.input_tokens)} / {compact(totals.output_tokens)}",
        f"*Active users*\n{data.active_users:,}",
    ]
    if data.seats is not None:
        fields.append(f"*Seats*\n{seats_text(data.seats)}")
    if data.credits is not None:
        fields.append(f"*Credits*\n{credits_text(data.credits, data)}")
    return fields


def models_text(data: DigestData) -> str:
    noun = period_noun(data.period)
    spend = {model.model: model.cost_microdollars for model in data.models}
    top = top_spenders(spend, TOP_MODELS)
    if not top.top:
        return f"*Models*\nNo requests this {noun}."
    providers = {model.model: model.provider for model in data.models}
    lines = ["*Top models*"]
    for rank, (name, cost) in enumerate(top.top, start=1):
        lines.append(
            f"{rank}. `{mrkdwn_escape(name)}` ({mrkdwn_escape(providers[name])}) "
            f"{usd(cost)} · {share_percent(cost, top.total)}"
        )
    if top.other_count:
        lines.append(
            f"{OTHER}: {top.other_count:,} more models, {usd(top.other_cost)} · "
            f"{share_percent(top.other_cost, top.total)}"
        )
    by_provider = top_spenders(spend_by_provider(data.models), TOP_PROVIDERS)
    total = by_provider.total
    shown = [f"{mrkdwn_escape(name)} {usd(cost)} ({share_percent(cost, total)})" for name, cost in by_provider.top]
    if by_provider.other_count:
        shown.append(
            f"{by_provider.other_count} others {usd(by_provider.other_cost)} "
            f"({share_percent(by_provider.other_cost, by_provider.total)})"
        )
    lines.append(f"*Providers:* {' · '.join(shown)}")
    return "\n".join(lines)


def movers_text(movers: list[Mover], data: DigestData) -> str:
    noun = period_noun(data.period)
    total = data.totals.cost_microdollars
    lines = ["*Biggest movers*"]
    for mover in movers:
        name = f"`{mrkdwn_escape(mover.name)}`" if mover.kind is MoverKind.MODEL else mrkdwn_escape(mover.name)
        if mover.previous_microdollars == 0:
            what = "new model" if mover.kind is MoverKind.MODEL else "new heavy user"
            lines.append(
                f"• {name}: {what}, {usd(mover.current_microdollars)} this {noun} "
                f"({share_percent(mover.current_microdollars, total)} of spend)"
            )
        else:
            change = change_words(mover.current_microdollars, Fraction(mover.previous_microdollars))
            lines.append(
                f"• {name}: {usd(mover.current_microdollars)}, up from {usd(mover.previous_microdollars)} ({change})"
            )
    return "\n".join(lines)


def people_text(data: DigestData) -> str | None:
    if data.people is None:
        return None
    top = top_spenders({person.member_id: person.cost_microdollars for person in data.people}, TOP_PEOPLE)
    if not top.top:
        return None
    names = {person.member_id: person.name for person in data.people}
    lines = ["*Top people*"]
    for rank, (member_id, cost) in enumerate(top.top, start=1):
        lines.append(f"{rank}. {mrkdwn_escape(names[member_id])} {usd(cost)} · {share_percent(cost, top.total)}")
    if top.other_count:
        lines.append(f"{top.other_count:,} others: {usd(top.other_cost)} · {share_percent(top.other_cost, top.total)}")
    return "\n".join(lines)


def compose_digest(data: DigestData, *, show_people: bool) -> Message:
    """The digest as a Slack message: fallback text for notifications, and the blocks people read."""
    noun = period_noun(data.period)
    zone = data.period.zone
    blocks = [
        header(f"AI spend · {data.organization_name}"),
        context(
            f"{noun.capitalize()}: {day_range(data.period.start, data.period.end)} (UTC billing days) · "
            f"as of {local_datetime(data.generated_at, zone)}"
        ),
        section(headline(data)),
        section(fields=figure_fields(data)),
        divider(),
        section(models_text(data)),
    ]
    if movers := find_movers(data, show_people=show_people):
        blocks.append(section(movers_text(movers, data)))
    if show_people and (people := people_text(data)):
        blocks.append(section(people))
    blocks.append(context("Charts follow in the thread. Money is rounded to the cent; days are UTC billing days."))
    spend = usd(data.totals.cost_microdollars)
    previous = data.previous_period
    compared = (
        f" ({change_words(data.totals.cost_microdollars, Fraction(previous.cost_microdollars))} vs the {noun} before)"
        if previous is not None
        else f" (the first {noun})"
    )
    return Message(text=f"{data.organization_name}: {spend} of AI spend this {noun}{compared}", blocks=list(blocks))
