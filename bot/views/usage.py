"""Usage answers: team overview, models, per person, the caller's own, and the trend."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

from bot import formatting as fmt
from bot.views.blocks import Message, context, divider, field_sections, header, section, text_sections
from kilo_api import schemas

TOP_MODELS = 10


def _period_line(label: str, start: date, end: date, as_of: datetime) -> str:
    """The period, and whether its figures are so far (it is under way) or it has not begun."""
    line = f"{label} · {fmt.day_range(start, end)} (UTC days)"
    if as_of <= fmt.utc_midnight(start):
        return f"{line} · not begun yet"
    if as_of < fmt.utc_midnight(end):
        return f"{line} · so far, to {fmt.utc_moment(as_of)}"
    return line


def _comparison(summary: schemas.UsageSummaryOut) -> tuple[str, str, str]:
    """The notes after spend and requests, and the field saying what was compared with what."""
    compared, previous = summary.compared, summary.previous_period
    if compared is None or previous is None:
        if summary.as_of < fmt.utc_midnight(summary.start + timedelta(days=1)):
            return "", "", "*Before this period*\nNo whole day of this period to compare yet."
        since = fmt.day_text(summary.organization_since)
        return f"  (no comparison: usage begins {since})", "", f"*Before this period*\nNothing: usage begins {since}."
    spend = fmt.change(compared.cost_microdollars, previous.cost_microdollars)
    requests = f"  ({fmt.change(compared.requests, previous.requests)})"
    before = f"{fmt.usd(previous.cost_microdollars)} · {fmt.count(previous.requests, 'request')}"
    days = (compared.end - compared.start).days
    if compared.end == summary.end:
        span = fmt.count(days, "day")
        return f"  ({spend} vs the {span} before)", requests, f"*The {span} before*\n{before}"
    # under way: today's figures are partial, so the whole days so far against as many days before
    return (
        f"  ({spend} over the {fmt.count(days, 'whole day')} so far vs as many before)",
        requests,
        f"*Whole days compared (today is partial)*\n{fmt.day_range(compared.start, compared.end)}: "
        f"{fmt.usd(compared.cost_microdollars)} · {fmt.count(compared.requests, 'request')}\n"
        f"{fmt.day_range(previous.start, previous.end)}: {before}",
    )


def usage_overview(summary: schemas.UsageSummaryOut, label: str, *, shared_by: str | None = None) -> Message:
    totals = summary.totals
    spend_note, requests_note, compared_field = _comparison(summary)
    blocks = [
        header(f"AI spend: {fmt.usd(totals.cost_microdollars)}"),
        context(_period_line(label, summary.start, summary.end, summary.as_of)),
        *field_sections(
            [
                f"*Spend*\n{fmt.usd(totals.cost_microdollars)}{spend_note}",
                f"*Requests*\n{totals.requests:,}{requests_note}",
                f"*Average cost per request*\n{fmt.usd_fine(fmt.average(totals.cost_microdollars, totals.requests))}",
                f"*Active users (last 7 days)*\n{summary.active_users_7d:,}",
                f"*Input tokens*\n{fmt.compact(totals.input_tokens)}",
                f"*Output tokens*\n{fmt.compact(totals.output_tokens)}",
                f"*Errors*\n{totals.errors:,} ({fmt.percent(fmt.share(totals.errors, totals.requests))})",
                compared_field,
            ]
        ),
    ]
    if summary.models:
        top = summary.models[:3]
        blocks.append(
            section("*Top models:* " + ", ".join(f"`{m.model}` ({m.requests:,})" for m in top)),
        )
    blocks.append(context("`/kilo usage models` · `/kilo usage trend` · `/kilo usage me`"))
    if shared_by:
        blocks.append(context(f"Shared by {shared_by}"))
    return Message(
        text=f"AI spend {label}: {fmt.usd(totals.cost_microdollars)}, {fmt.count(totals.requests, 'request')}",
        blocks=blocks,
    )


def usage_models(summary: schemas.UsageSummaryOut, label: str, *, shared_by: str | None = None) -> Message:
    spend, requests = summary.totals.cost_microdollars, summary.totals.requests
    lines = [
        f"*{index}. `{m.model}`* ({m.provider})\n"
        f"{fmt.count(m.requests, 'request')} · {fmt.usd(m.cost_microdollars)} "
        f"({fmt.percent(fmt.share(m.cost_microdollars, spend))} of spend) · "
        f"errors {fmt.percent(fmt.share(m.errors, m.requests))} · median {m.median_latency_ms:,} ms"
        if m.median_latency_ms is not None
        else f"*{index}. `{m.model}`* ({m.provider})\n"
        f"{fmt.count(m.requests, 'request')} · {fmt.usd(m.cost_microdollars)}"
        for index, m in enumerate(summary.models[:TOP_MODELS], start=1)
    ]
    providers = " · ".join(f"{p.provider} {fmt.percent(fmt.share(p.requests, requests))}" for p in summary.providers)
    blocks = [
        header("Models by requests"),
        context(_period_line(label, summary.start, summary.end, summary.as_of)),
        *(text_sections(lines) if lines else [section("No requests in this period.")]),
    ]
    if len(summary.models) > TOP_MODELS:
        blocks.append(context(f"…and {len(summary.models) - TOP_MODELS} more models."))
    if providers:
        blocks += [divider(), section(f"*Providers (share of requests):* {providers}")]
    if shared_by:
        blocks.append(context(f"Shared by {shared_by}"))
    top = summary.models[0].model if summary.models else "none"
    return Message(text=f"Most-used model {label}: {top}", blocks=blocks)


def usage_by_member(page: schemas.MemberUsagePageOut, label: str) -> Message:
    total = sum(m.cost_microdollars for m in page.members)
    lines = [
        f"*{index}. {m.name}* ({m.role.value}) — {fmt.usd(m.cost_microdollars)} · {fmt.count(m.requests, 'request')} · "
        f"{fmt.count(m.active_days, 'active day')}" + _limit_note(m)
        for index, m in enumerate(page.top_members, start=1)
    ]
    distribution = page.distribution
    blocks = [
        header("Top users by spend"),
        context(_period_line(label, page.start, page.end, page.as_of), "Owners and Admins only"),
        *(text_sections(lines) if lines else [section("Nobody used Kilo in this period.")]),
        divider(),
        section(
            fields=[
                f"*Active members*\n{distribution.active_members:,}",
                f"*Team spend*\n{fmt.usd(total)}",
                f"*Median per member*\n{fmt.usd(distribution.median_cost_microdollars)}",
                f"*90th percentile*\n{fmt.usd(distribution.p90_cost_microdollars)}",
                f"*Top 5 share of spend*\n"
                f"{fmt.percent(fmt.share(distribution.top5_cost_microdollars, distribution.total_cost_microdollars))}",
            ]
        ),
        context(
            "Over members with usage. Median: the middle value (the mean of the two middle ones for an even "
            "count); 90th percentile: linear interpolation between ranks (NumPy's default)."
        ),
    ]
    return Message(text=f"Top users {label}", blocks=blocks)


def _limit_note(member: schemas.MemberUsageOut) -> str:
    if member.daily_limit_microdollars is None:
        return ""
    over = member.spend_today_microdollars >= member.daily_limit_microdollars
    return (
        f" · today {fmt.usd(member.spend_today_microdollars)} of {fmt.usd(member.daily_limit_microdollars)} limit"
        + (" ⚠️" if over else "")
    )


def my_usage(mine: schemas.MyUsageOut, label: str) -> Message:
    me = mine.member
    share = fmt.share(me.cost_microdollars, mine.team_cost_microdollars)
    blocks = [
        header(f"Your Kilo usage: {fmt.usd(me.cost_microdollars)}"),
        context(_period_line(label, mine.start, mine.end, mine.as_of)),
        section(
            fields=[
                f"*Your spend*\n{fmt.usd(me.cost_microdollars)} ({fmt.percent(share)} of the team's)",
                f"*Your requests*\n{me.requests:,} ({me.errors:,} errors)",
                f"*Input tokens*\n{fmt.compact(me.input_tokens)}",
                f"*Output tokens*\n{fmt.compact(me.output_tokens)}",
                f"*Active days*\n{me.active_days}",
                f"*Today*\n{_against_limit(me.spend_today_microdollars, me.daily_limit_microdollars)}",
            ]
        ),
        section(_daily_spend(mine.daily, mine.as_of)),
        context(f"Team total: {fmt.usd(mine.team_cost_microdollars)} · {fmt.count(mine.team_requests, 'request')}"),
    ]
    return Message(text=f"Your Kilo usage {label}: {fmt.usd(me.cost_microdollars)}", blocks=blocks)


def _against_limit(spent: int, limit: int | None) -> str:
    """Today's spend against the member's daily limit: how much of it is used, or that there is none."""
    if limit is None:
        return f"{fmt.usd(spent)} (no daily limit)"
    used = f"{fmt.percent(fmt.share(spent, limit), 0)} used" if limit else "limit reached"
    return f"{fmt.usd(spent)} of your {fmt.usd(limit)} daily limit ({used})"


def _daily_spend(daily: list[schemas.DayUsageOut], as_of: datetime) -> str:
    """A sparkline of the days lived so far (none before the organization, none not yet begun)."""
    if not daily:
        return "*Daily spend* no days yet"
    days = fmt.day_range(daily[0].date, daily[-1].date + timedelta(days=1))
    partial = " (the last so far)" if as_of < fmt.utc_midnight(daily[-1].date + timedelta(days=1)) else ""
    return f"*Daily spend* `{fmt.sparkline([d.cost_microdollars for d in daily])}`\n{days}{partial}"


def _month_line(month: schemas.MonthUsageOut, since: date) -> str:
    """A calendar month with its change against the month before, like with like, or why there is none."""
    figures = f"`{month.month}`{' so far' if month.so_far else ''} {fmt.usd(month.cost_microdollars)} · "
    figures += fmt.count(month.requests, "request")
    compared, previous = month.compared, month.previous
    if compared is None or previous is None:
        if month.first_day == since:
            started = f"from {month.first_day:%b} {month.first_day.day}: " if month.first_day.day != 1 else ""
            return f"{figures} ({started}first month, no comparison)"
        month_before = (month.first_day.replace(day=1) - timedelta(days=1)).replace(day=1)
        if since > month_before:
            return f"{figures} (no comparison with a partial {since:%B})"
        return f"{figures} (no whole day yet to compare)"
    change = fmt.change(compared.cost_microdollars, previous.cost_microdollars)
    if not month.so_far:
        return f"{figures} ({change})"
    # under way: its whole days so far against as many days of the month before
    return (
        f"{figures} ({fmt.day_range(compared.start, compared.end)}: {change} vs "
        f"{fmt.day_range(previous.start, previous.end)})"
    )


def usage_trend(summary: schemas.UsageSummaryOut, label: str, *, shared_by: str | None = None) -> Message:
    daily = summary.daily
    peak = max(daily, key=lambda d: d.cost_microdollars) if daily else None
    averages = [fmt.average(w.cost_microdollars, w.days) for w in summary.weekdays]
    busiest = max(averages, default=Fraction(0))
    weekday_lines = [
        f"`{w.name}` {fmt.bar(average / busiest if busiest else 0)} {fmt.usd(average)} a day "
        f"({fmt.count(w.days, 'day')})"
        if w.days
        else f"`{w.name}` no whole day yet"
        for w, average in zip(summary.weekdays, averages, strict=True)
    ]
    month_lines = [_month_line(m, summary.organization_since) for m in summary.months]
    blocks = [
        header("Spend trend"),
        context(_period_line(label, summary.start, summary.end, summary.as_of)),
        section(
            _daily_spend(daily, summary.as_of)
            + (f"\nPeak {fmt.usd(peak.cost_microdollars)} on {peak.date:%a %b} {peak.date.day}" if peak else "")
        ),
        section("*By weekday* (average spend per whole day)\n" + "\n".join(weekday_lines)),
        section("*Month over month*\n" + ("\n".join(month_lines) or "No months yet.")),
    ]
    if shared_by:
        blocks.append(context(f"Shared by {shared_by}"))
    return Message(text=f"Spend trend {label}", blocks=blocks)
