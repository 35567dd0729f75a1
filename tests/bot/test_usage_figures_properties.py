"""Every figure /kilo usage, usage models, usage users, usage me and usage trend show, for random usage
ingested through the real backend (SQLite and PostgreSQL), equals an independent computation from the raw
events: exact arithmetic (Fraction), rounded once, half-up, written out here without bot.formatting.

25 examples per database keep it under 30 s; USAGE_FIGURE_EXAMPLES=500 searches longer.
"""

from __future__ import annotations

import calendar
import os
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.services.usage_ingest import bucket_center, latency_bucket
from bot.views import usage as usage_views
from bot.views.blocks import Message
from kilo_api import schemas
from tests.conftest import Clock
from tests.factories import OrganizationFactory, TestOrg

MODELS = (
    ("anthropic/claude-sonnet-4.5", "anthropic"),
    ("anthropic/claude-haiku-4.5", "anthropic"),
    ("openai/gpt-5", "openai"),
    ("google/gemini-2.5-flash", "google"),
    ("x-ai/grok-code-fast-1", "xai"),
)
NAMED_PERIODS = ("7d", "30d", "90d", "this-month", "last-month", None)
SPARK_BARS = "▁▂▃▄▅▆▇█"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ONE_DAY = timedelta(days=1)


# --- text, written out independently (Decimal and Fraction; no float, no bot.formatting) ------------------


def noun_count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def half_up(value: Fraction) -> int:
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    rounded = whole + (1 if magnitude - whole >= Fraction(1, 2) else 0)
    return rounded if value >= 0 else -rounded


def decimals(value: Fraction, places: int) -> str:
    return f"{Decimal(half_up(value * 10**places)).scaleb(-places):.{places}f}"


def money(microdollars: Fraction | int, places: int = 2) -> str:
    cents = half_up(Fraction(microdollars) / 10 ** (6 - places))
    whole, part = divmod(abs(cents), 10**places)
    return f"{'-' if cents < 0 else ''}${whole:,}.{part:0{places}d}"


def money_fine(microdollars: Fraction) -> str:
    return money(microdollars, 4) if abs(microdollars) < 1_000_000 else money(microdollars)


def pct(part: int | Fraction, whole: int | Fraction) -> str:
    return f"{decimals(Fraction(part) / whole * 100 if whole else Fraction(0), 1)}%"


def change(current: int, previous: int) -> str:
    if previous == 0:
        return "new" if current else "no change"
    points = half_up(Fraction(current - previous, previous) * 100)
    return "no change" if points == 0 else f"{'▲' if points > 0 else '▼'} {abs(points)}%"


def compact(number: int) -> str:
    if abs(number) < 1_000:
        return f"{number:,}"
    for unit, suffix in ((1_000, "K"), (1_000_000, "M"), (1_000_000_000, "B")):
        tenths = half_up(Fraction(number, unit) * 10)
        if abs(tenths) < 10_000 or suffix == "B":
            return f"{Decimal(tenths).scaleb(-1):.1f}{suffix}"
    raise AssertionError("unreachable")


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    return "".join(SPARK_BARS[min(7, value * 8 // (top + 1)) if top > 0 else 0] for value in values)


def bar(part: int | Fraction, whole: int | Fraction, width: int = 12) -> str:
    filled = half_up(Fraction(part, whole) * width) if whole else 0
    return "█" * filled + "░" * (width - filled)


def day_text(day: date) -> str:
    return f"{calendar.month_abbr[day.month]} {day.day}, {day.year}"


def days_text(first: date, last: date) -> str:
    if first == last:
        return day_text(first)
    if first.year == last.year:
        return f"{calendar.month_abbr[first.month]} {first.day} – {day_text(last)}"
    return f"{day_text(first)} – {day_text(last)}"


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# --- the usage set, and what it must show ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    event_id: str
    member: int
    model: int
    cost: int
    input_tokens: int
    output_tokens: int
    has_error: bool
    latency_ms: int
    at: datetime

    def body(self, org: TestOrg) -> dict[str, Any]:
        model, provider = MODELS[self.model]
        return {
            "event_id": self.event_id,
            "member_id": org.people[self.member].id,
            "model": model,
            "provider": provider,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_microdollars": self.cost,
            "has_error": self.has_error,
            "latency_ms": self.latency_ms,
            "occurred_at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class Scenario:
    now: datetime
    created: datetime
    members: int
    events: list[Event]
    periods: list[str | tuple[date, date] | None]


def add_months(day: date, months: int, anchor: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def period_of(choice: str | tuple[date, date] | None, scenario: Scenario) -> tuple[date, date]:
    today = scenario.now.date()
    if isinstance(choice, tuple):
        return choice
    if choice in ("7d", "30d", "90d"):
        return today + ONE_DAY - timedelta(days=int(choice[:-1])), today + ONE_DAY
    first = today.replace(day=1)
    if choice == "this-month":
        return first, add_months(first, 1, 1)
    if choice == "last-month":
        return add_months(first, -1, 1), first
    start = scenario.created.date()  # monthly cycles keep the day of month the subscription began on
    months = 0
    while not add_months(start, months, start.day) <= today < add_months(start, months + 1, start.day):
        months += 1
    return add_months(start, months, start.day), add_months(start, months + 1, start.day)


class Figures:
    """The raw events of one scenario, and the figures of one period computed from them."""

    def __init__(self, scenario: Scenario, org: TestOrg, period: tuple[date, date]) -> None:
        self.s, self.org = scenario, org
        self.start, self.end = period
        self.days = (self.end - self.start).days
        self.now = scenario.now
        self.as_of = min(max(self.now, midnight(self.start)), midnight(self.end))
        self.since = min([scenario.created.date(), *(e.at.date() for e in scenario.events)])
        first = max(self.start, self.since)
        self.lived = (first, max(first, min(self.end, self.now.date() + ONE_DAY)))  # today has begun
        self.events = [e for e in scenario.events if self.start <= e.at.date() < self.end]

    def on_days(self, first: date, end: date, member: int | None = None) -> list[Event]:
        return [e for e in self.s.events if first <= e.at.date() < end and member in (None, e.member)]

    def lived_days(self) -> list[date]:
        first, end = self.lived
        return [first + timedelta(days=i) for i in range((end - first).days)]

    # /kilo usage
    def compared_days(self) -> tuple[tuple[date, date], tuple[date, date]] | None:
        """The whole days so far (today aside) and as many from the start of the equal span before."""
        compared_end = max(self.start, min(self.end, self.now.date()))
        whole = (compared_end - self.start).days
        before = self.start - timedelta(days=self.days)
        if whole == 0 or before < self.since:
            return None
        return (self.start, compared_end), (before, before + timedelta(days=whole))

    def overview_fields(self) -> list[str]:
        events = self.events
        cost, requests = sum(e.cost for e in events), len(events)
        errors = sum(e.has_error for e in events)
        spend, counted = f"*Spend*\n{money(cost)}", f"*Requests*\n{requests:,}"
        spans = self.compared_days()
        if spans is None:
            if self.as_of < midnight(self.start + ONE_DAY):
                compared = "*Before this period*\nNo whole day of this period to compare yet."
            else:
                spend += f"  (no comparison: usage begins {day_text(self.since)})"
                compared = f"*Before this period*\nNothing: usage begins {day_text(self.since)}."
        else:
            (first, end), (first_before, end_before) = spans
            now_part, before = self.on_days(first, end), self.on_days(first_before, end_before)
            days = (end - first).days
            plural = "" if days == 1 else "s"
            versus = change(sum(e.cost for e in now_part), sum(e.cost for e in before))
            before_text = f"{money(sum(e.cost for e in before))} · {noun_count(len(before), 'request')}"
            if end == self.end:
                spend += f"  ({versus} vs the {days} day{plural} before)"
                compared = f"*The {days} day{plural} before*\n{before_text}"
            else:
                spend += f"  ({versus} over the {days} whole day{plural} so far vs as many before)"
                compared = (
                    f"*Whole days compared (today is partial)*\n{days_text(first, end - ONE_DAY)}: "
                    f"{money(sum(e.cost for e in now_part))} · {noun_count(len(now_part), 'request')}\n"
                    f"{days_text(first_before, end_before - ONE_DAY)}: {before_text}"
                )
            counted += f"  ({change(len(now_part), len(before))})"
        last_day = self.lived[1] - ONE_DAY
        active = (
            len({e.member for e in self.on_days(last_day - timedelta(days=6), self.lived[1])})
            if self.lived[1] > self.lived[0]
            else 0
        )
        return [
            spend,
            counted,
            f"*Average cost per request*\n{money_fine(Fraction(cost, requests) if requests else Fraction(0))}",
            f"*Active users (last 7 days)*\n{active:,}",
            f"*Input tokens*\n{compact(sum(e.input_tokens for e in events))}",
            f"*Output tokens*\n{compact(sum(e.output_tokens for e in events))}",
            f"*Errors*\n{errors:,} ({pct(errors, requests)})",
            compared,
        ]

    # /kilo usage models
    def model_lines(self) -> list[str]:
        by_model: dict[int, list[Event]] = defaultdict(list)
        for e in self.events:
            by_model[e.model].append(e)
        total = sum(e.cost for e in self.events)
        ranked = sorted(by_model.items(), key=lambda kv: (-len(kv[1]), -sum(e.cost for e in kv[1]), MODELS[kv[0]][0]))
        lines = []
        for index, (model, events) in enumerate(ranked[:10], start=1):
            cost = sum(e.cost for e in events)
            errors = sum(e.has_error for e in events)
            # latency: each request at the centre of its histogram bucket, the standard median, to the ms
            latency = half_up(statistics.median(Fraction(bucket_center(latency_bucket(e.latency_ms))) for e in events))
            lines.append(
                f"*{index}. `{MODELS[model][0]}`* ({MODELS[model][1]})\n"
                f"{noun_count(len(events), 'request')} · {money(cost)} "
                f"({pct(cost, total)} of spend) · errors {pct(errors, len(events))} · median {latency:,} ms"
            )
        return lines

    def providers_line(self) -> str | None:
        by_provider = Counter(MODELS[e.model][1] for e in self.events)
        if not by_provider:
            return None
        ranked = sorted(by_provider.items(), key=lambda kv: (-kv[1], kv[0]))
        return "*Providers (share of requests):* " + " · ".join(f"{p} {pct(n, len(self.events))}" for p, n in ranked)

    # /kilo usage users
    def user_lines_and_fields(self) -> tuple[list[str], list[str]]:
        by_member: dict[int, list[Event]] = defaultdict(list)
        for e in self.events:
            by_member[e.member].append(e)
        people = self.org.people
        ranked = sorted(
            by_member.items(), key=lambda kv: (-sum(e.cost for e in kv[1]), -len(kv[1]), people[kv[0]].email)
        )
        lines = [
            f"*{index}. {people[member].name}* ({people[member].role.value}) — "
            f"{money(sum(e.cost for e in events))} · {noun_count(len(events), 'request')} · "
            f"{noun_count(len({e.at.date() for e in events}), 'active day')}"
            for index, (member, events) in enumerate(ranked[:10], start=1)
        ]
        costs = sorted(Fraction(sum(e.cost for e in events)) for events in by_member.values())
        total = sum(costs, Fraction(0))
        median = statistics.median(costs) if costs else Fraction(0)
        if len(costs) >= 2:
            p90 = statistics.quantiles(costs, n=10, method="inclusive")[8]  # NumPy's default, linear
        else:
            p90 = costs[0] if costs else Fraction(0)
        fields = [
            f"*Active members*\n{len(costs):,}",
            f"*Team spend*\n{money(total)}",
            f"*Median per member*\n{money(median)}",
            f"*90th percentile*\n{money(p90)}",
            f"*Top 5 share of spend*\n{pct(sum(costs[-5:], Fraction(0)), total)}",
        ]
        return lines, fields

    # /kilo usage me
    def my_fields_and_lines(self, member: int) -> tuple[list[str], list[str]]:
        mine = [e for e in self.events if e.member == member]
        cost, team_cost = sum(e.cost for e in mine), sum(e.cost for e in self.events)
        today = [e for e in self.s.events if e.member == member and e.at.date() == self.now.date()]
        fields = [
            f"*Your spend*\n{money(cost)} ({pct(cost, team_cost)} of the team's)",
            f"*Your requests*\n{len(mine):,} ({sum(e.has_error for e in mine):,} errors)",
            f"*Input tokens*\n{compact(sum(e.input_tokens for e in mine))}",
            f"*Output tokens*\n{compact(sum(e.output_tokens for e in mine))}",
            f"*Active days*\n{len({e.at.date() for e in mine})}",
            f"*Today*\n{money(sum(e.cost for e in today))} (no daily limit)",  # nobody here has a limit
        ]
        daily = [sum(e.cost for e in self.on_days(day, day + ONE_DAY, member)) for day in self.lived_days()]
        return fields, [
            self.daily_line(daily),
            f"Team total: {money(team_cost)} · {noun_count(len(self.events), 'request')}",
        ]

    def daily_line(self, daily: list[int]) -> str:
        days = self.lived_days()
        if not days:
            return "*Daily spend* no days yet"
        partial = " (the last so far)" if self.as_of < midnight(days[-1] + ONE_DAY) else ""
        return f"*Daily spend* `{sparkline(daily)}`\n{days_text(days[0], days[-1])}{partial}"

    # /kilo usage trend
    def trend_lines(self) -> list[str]:
        daily = [sum(e.cost for e in self.on_days(day, day + ONE_DAY)) for day in self.lived_days()]
        chart = self.daily_line(daily)
        if daily:
            peak_day = self.lived_days()[daily.index(max(daily))]
            chart += f"\nPeak {money(max(daily))} on {WEEKDAYS[peak_day.weekday()]} {day_text(peak_day)[:-6]}"
        by_weekday, days = [0] * 7, [0] * 7
        for day, cost in zip(self.lived_days(), daily, strict=True):
            if day < self.now.date():  # whole days only
                by_weekday[day.weekday()] += cost
                days[day.weekday()] += 1
        averages = [Fraction(cost, n) if n else Fraction(0) for cost, n in zip(by_weekday, days, strict=True)]
        weekdays = "*By weekday* (average spend per whole day)\n" + "\n".join(
            f"`{name}` {bar(average, max(averages))} {money(average)} a day ({noun_count(n, 'day')})"
            if n
            else f"`{name}` no whole day yet"
            for name, average, n in zip(WEEKDAYS, averages, days, strict=True)
        )
        return [chart, weekdays, "*Month over month*\n" + ("\n".join(self.month_lines()) or "No months yet.")]

    def month_lines(self) -> list[str]:
        if self.lived[1] <= self.lived[0]:
            return []
        this_month = (self.lived[1] - ONE_DAY).replace(day=1)
        month = max(add_months(this_month, -5, 1), self.since.replace(day=1))
        lines = []
        while month <= this_month:
            following, before = add_months(month, 1, 1), add_months(month, -1, 1)
            so_far = self.now.date() < following
            events = self.on_days(month, following)
            line = (
                f"`{month:%Y-%m}`{' so far' if so_far else ''} {money(sum(e.cost for e in events))} · "
                f"{noun_count(len(events), 'request')}"
            )
            first_day = max(month, self.since)
            today = self.now.date()
            compared: tuple[list[Event], list[Event], int] | None = None
            if before >= self.since:
                whole = min((today - month).days, (month - before).days) if so_far else (following - month).days
                if whole > 0:
                    end_before = before + timedelta(days=whole) if so_far else month
                    compared = (
                        self.on_days(month, month + timedelta(days=whole)),
                        self.on_days(before, end_before),
                        whole,
                    )
            if compared is None:
                if first_day == self.since:
                    started = (
                        f"from {calendar.month_abbr[first_day.month]} {first_day.day}: " if first_day.day > 1 else ""
                    )
                    line += f" ({started}first month, no comparison)"
                elif self.since > before:
                    line += f" (no comparison with a partial {calendar.month_name[self.since.month]})"
                else:
                    line += " (no whole day yet to compare)"
            else:
                now_part, earlier, whole = compared
                versus = change(sum(e.cost for e in now_part), sum(e.cost for e in earlier))
                if not so_far:
                    line += f" ({versus})"
                else:
                    line += (
                        f" ({days_text(month, month + timedelta(days=whole - 1))}: {versus} vs "
                        f"{days_text(before, before + timedelta(days=whole - 1))})"
                    )
            lines.append(line)
            month = following
        return lines


# --- what the bot shows ---------------------------------------------------------------------------------


def rendered(message: Message) -> tuple[list[str], list[str]]:
    """The fields and the section texts a person reads."""
    fields, sections = [], []
    for block in message.payload()["blocks"]:
        fields += [item["text"] for item in block.get("fields") or []]
        if block["type"] == "section" and block.get("text"):
            sections.append(block["text"]["text"])
    return fields, sections


# --- random usage sets ------------------------------------------------------------------------------------


@st.composite
def scenarios(draw: Callable[..., Any]) -> Scenario:
    now = draw(st.datetimes(datetime(2026, 3, 1), datetime(2026, 5, 1), timezones=st.just(UTC))).replace(microsecond=0)
    if draw(st.booleans()):
        now = now.replace(minute=0, second=0)
    created = now - timedelta(days=draw(st.integers(0, 130)), hours=draw(st.integers(0, 23)))
    members = draw(st.integers(1, 9))
    earliest = max(now - timedelta(days=399), created - timedelta(days=draw(st.sampled_from([0, 0, 0, 20]))))
    span_seconds = int((now - earliest).total_seconds())
    moments = st.one_of(
        st.integers(0, span_seconds).map(lambda s: now - timedelta(seconds=s)),
        # the same moment whole days before now: exactly where like-with-like comparisons end
        st.integers(0, span_seconds // 86_400).map(lambda d: now - timedelta(days=d)),
        st.integers(0, span_seconds // 86_400).map(lambda d: midnight(now.date()) - timedelta(days=d)),
    ).filter(lambda moment: moment >= earliest)
    costs = st.one_of(
        st.integers(0, 200),
        st.sampled_from([0, 5_000, 4_999, 15_000, 74_895, 125_000, 1_000_000]),
        st.integers(0, 20_000_000),
    )
    tokens = st.one_of(st.integers(0, 2_000), st.sampled_from([1_250, 999_950, 2_250_000]), st.integers(0, 10**7))
    events = draw(
        st.lists(
            st.builds(
                Event,
                event_id=st.just(""),
                member=st.integers(0, members + 1),
                model=st.integers(0, len(MODELS) - 1),
                cost=costs,
                input_tokens=tokens,
                output_tokens=tokens,
                has_error=st.booleans(),
                latency_ms=st.integers(0, 30_000),
                at=moments,
            ),
            min_size=0,
            max_size=50,
        )
    )
    events = [replace(e, event_id=f"p{i}") for i, e in enumerate(events)]
    ranges = st.tuples(st.integers(-10, 130), st.integers(1, 70)).map(
        lambda r: (now.date() - timedelta(days=r[0]), now.date() - timedelta(days=r[0]) + timedelta(days=r[1]))
    )
    periods = draw(st.lists(st.one_of(st.sampled_from(NAMED_PERIODS), ranges), min_size=2, max_size=2))
    return Scenario(now, created, members, events, periods)


def get(http: httpx.Client, org: TestOrg, path: str, actor: Any, period: str | tuple[date, date] | None) -> bytes:
    if isinstance(period, tuple):
        params = {"start": period[0].isoformat(), "end": period[1].isoformat()}
    else:
        params = {"period": period} if period else {}
    response = http.get(org.path(path), params=params, headers=org.headers(actor))
    assert response.status_code == 200, response.text
    return response.content


@settings(
    max_examples=int(os.environ.get("USAGE_FIGURE_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_every_usage_figure_shown_equals_an_exact_computation_from_the_raw_events(
    scenario: Scenario, http: httpx.Client, orgs: OrganizationFactory, clock: Clock
):
    clock.now = scenario.created
    org = orgs.create(start=scenario.created, members=scenario.members, seats=20)
    clock.now = scenario.now
    if scenario.events:
        response = http.post(
            org.path("/usage/events"), json={"events": [e.body(org) for e in scenario.events]}, headers=org.headers()
        )
        assert response.status_code == 200, response.text
    me = scenario.events[0].member if scenario.events else 1
    for choice in scenario.periods:
        expected = Figures(scenario, org, period_of(choice, scenario))
        summary = schemas.UsageSummaryOut.model_validate_json(get(http, org, "/usage/summary", None, choice))
        assert (summary.start, summary.end) == (expected.start, expected.end)

        fields, _sections = rendered(usage_views.usage_overview(summary, "the period"))
        assert fields == expected.overview_fields()

        _fields, sections = rendered(usage_views.usage_models(summary, "the period"))
        model_lines = [
            line for section in sections for line in section.split("\n*") if re.search(r"\brequests? ·", line)
        ]
        assert [line if line.startswith("*") else f"*{line}" for line in model_lines] == expected.model_lines()
        providers = [s for s in sections if s.startswith("*Providers")]
        assert providers == ([line] if (line := expected.providers_line()) else [])

        page = schemas.MemberUsagePageOut.model_validate_json(get(http, org, "/usage/members", org.admin, choice))
        fields, sections = rendered(usage_views.usage_by_member(page, "the period"))
        lines, distribution = expected.user_lines_and_fields()
        assert [line for s in sections for line in s.split("\n") if line.startswith("*") and " — " in line] == lines
        assert fields == distribution

        person = org.people[me]
        mine = schemas.MyUsageOut.model_validate_json(get(http, org, f"/usage/members/{person.id}", person, choice))
        fields, sections = rendered(usage_views.my_usage(mine, "the period"))
        my_fields, my_lines = expected.my_fields_and_lines(me)
        assert fields == my_fields
        assert sections[-1] == my_lines[0]
        assert usage_views.my_usage(mine, "the period").payload()["blocks"][-1]["elements"][0]["text"] == my_lines[1]

        _fields, sections = rendered(usage_views.usage_trend(summary, "the period"))
        assert sections == expected.trend_lines()
