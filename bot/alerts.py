"""Spend, credit and seat alerts: which conditions hold now (pure), and the tick that fires each episode
once, edits it to "resolved" when its condition clears, the Snooze buttons and what the act buttons show.

Every replica's tick evaluates the same rules; the episode row (bot/alert_store) is claimed before the
alert is posted, so one of them posts it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import partial

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alert_store import SNOOZE_CHOICES, AlertStore
from bot.channels import ensure_member, find_channel
from bot.commands import MAX_QUERY_LENGTH, ChannelRef, Members, UsageUsers
from bot.digest_shapes import AlertKind, AlertRule, Breach, Episode, EpisodeClaim, EpisodeStatus, RuleRequest
from bot.digests import PAUSING_ERRORS, DigestRefused, Pause, TickReport, no_pause, pause_and_tell_once
from bot.identity import IdentityResolver
from bot.interaction import AlertShown, StaleInteraction
from bot.kilo_client import Forbidden, KiloClient
from bot.periods import PeriodChoice
from bot.shapes import Caller
from bot.views import alerts as views
from kilo_api.money import MICRODOLLARS_PER_DOLLAR
from reports.collect import credit_figures
from reports.figures import round_half_up

logger = logging.getLogger(__name__)

WEEKS_COMPARED = 4
MAX_ALERT_DOLLARS = 10_000_000
MIN_SPIKE_PERCENT, MAX_SPIKE_PERCENT = 110, 10_000


@dataclass(frozen=True)
class MemberAtLimit:
    member_id: str
    name: str
    email: str
    spent_today_microdollars: int
    limit_microdollars: int


@dataclass(frozen=True)
class AlertFigures:
    """What the rules are checked against, as of one instant (UTC billing day `today`)."""

    today: date
    as_of: datetime
    balance_microdollars: int | None  # None: the organization uses no credits
    burn_last_7_days_microdollars: int
    spend_today_microdollars: int
    weekday_average_microdollars: Fraction | None  # the same weekday over up to 4 earlier weeks
    weeks_averaged: int
    seats_used: int
    seats_total: int
    members_at_limit: tuple[MemberAtLimit, ...]


def breaches(rule: AlertRule, figures: AlertFigures) -> list[Breach]:
    """The subjects for which `rule` holds now, each with the numbers its alert shows."""
    threshold = rule.threshold or 0
    day = figures.today.isoformat()
    balance = figures.balance_microdollars
    credits = {"balance": balance, "burn_7d": figures.burn_last_7_days_microdollars, "threshold": threshold}
    match rule.kind:
        case AlertKind.CREDITS_BELOW if balance is not None and balance < threshold:
            return [Breach("credits", {**credits, "run_out": _run_out(figures)})]
        case AlertKind.RUNWAY_BELOW if balance is not None:
            run_out = run_out_at_rate(figures)
            if run_out is not None and run_out - figures.as_of < timedelta(days=threshold):
                return [Breach("runway", {**credits, "run_out": run_out.isoformat()})]
        case AlertKind.SPEND_ABOVE if figures.spend_today_microdollars > threshold:
            return [Breach(day, {"spent": figures.spend_today_microdollars, "threshold": threshold, "day": day})]
        case AlertKind.SPEND_SPIKE:
            average = figures.weekday_average_microdollars
            if average and figures.spend_today_microdollars * 100 > threshold * average:
                return [
                    Breach(
                        day,
                        {
                            "spent": figures.spend_today_microdollars,
                            "average": round_half_up(average),  # money rounds half-up, once
                            "weeks": figures.weeks_averaged,
                            "threshold": threshold,
                            "day": day,
                        },
                    )
                ]
        case AlertKind.SEAT_POOL_FULL if figures.seats_total and figures.seats_used >= figures.seats_total:
            return [Breach("seats", {"used": figures.seats_used, "total": figures.seats_total})]
        case AlertKind.MEMBER_LIMIT:
            return [
                Breach(
                    f"{member.member_id}:{day}",
                    {
                        "name": member.name,
                        "email": member.email,  # what the "Change their limit" button looks them up by
                        "spent": member.spent_today_microdollars,
                        "limit": member.limit_microdollars,
                        "day": day,
                    },
                )
                for member in figures.members_at_limit
            ]
    return []


def run_out_at_rate(figures: AlertFigures) -> datetime | None:
    if figures.balance_microdollars is None:
        return None
    if figures.balance_microdollars <= 0:
        return figures.as_of
    if figures.burn_last_7_days_microdollars <= 0:
        return None
    seconds = Fraction(figures.balance_microdollars * 7 * 86_400, figures.burn_last_7_days_microdollars)
    return figures.as_of + min(timedelta(seconds=int(seconds)), timedelta(days=3650))


def _run_out(figures: AlertFigures) -> str | None:
    moment = run_out_at_rate(figures)
    return moment.isoformat() if moment else None


async def gather_figures(client: KiloClient, rules: list[AlertRule], now: datetime) -> AlertFigures:
    today = now.astimezone(UTC).date()
    organization, history, daily = await asyncio.gather(
        client.organization(),
        client.credit_history(days=7),
        client.daily_model_usage(start=today - timedelta(weeks=WEEKS_COMPARED), end=today + timedelta(days=1)),
    )
    by_day: dict[date, int] = defaultdict(int)
    for row in daily.days:
        by_day[row.date] += row.cost_microdollars
    founded = organization.created_at.date()
    same_weekdays = [today - timedelta(weeks=n) for n in range(1, WEEKS_COMPARED + 1)]
    compared = [by_day.get(day, 0) for day in same_weekdays if day >= founded]
    credits = credit_figures(history)
    at_limit: list[MemberAtLimit] = []
    limit_rule = next((rule for rule in rules if rule.kind is AlertKind.MEMBER_LIMIT), None)
    if limit_rule is not None:
        try:
            page = await client.usage_by_member(limit_rule.actor_email, start=today, end=today + timedelta(days=1))
        except Forbidden:
            logger.warning("member limits of %s are not readable as %s", limit_rule.team_id, limit_rule.actor_email)
        else:
            at_limit = [
                MemberAtLimit(m.member_id, m.name, m.email, m.spend_today_microdollars, m.daily_limit_microdollars)
                for m in page.members
                if m.daily_limit_microdollars is not None and m.spend_today_microdollars >= m.daily_limit_microdollars
            ]
    return AlertFigures(
        today=today,
        as_of=now,
        balance_microdollars=credits.balance_microdollars if credits else None,
        burn_last_7_days_microdollars=credits.burn_last_7_days_microdollars if credits else 0,
        spend_today_microdollars=by_day.get(today, 0),
        weekday_average_microdollars=Fraction(sum(compared), len(compared)) if compared else None,
        weeks_averaged=len(compared),
        seats_used=organization.seats.used,
        seats_total=organization.seats.total,
        members_at_limit=tuple(at_limit),
    )


# --- the modal's values -------------------------------------------------------------------------------


class AlertsInvalid(Exception):
    """Form fields that do not parse: {block id: message}, shown next to each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def parse_money(text: str) -> int:
    """ "$1,250.50" → microdollars (to the cent); ValueError with the reason otherwise."""
    cleaned = text.strip().replace("$", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Give an amount in dollars, like 500 or 1,250.50.") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_ALERT_DOLLARS:
        raise ValueError(f"Give an amount between $0.01 and ${MAX_ALERT_DOLLARS:,}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Give whole cents at most (like 12.50).")
    return int(amount * MICRODOLLARS_PER_DOLLAR)


def parse_factor(text: str) -> int:
    """ "2", "1.5×", "2x" → percent of the usual (200, 150); ValueError otherwise."""
    cleaned = text.strip().lower().rstrip("x×").strip()
    try:
        factor = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Give how many times the usual spend, like 2 or 1.5.") from None
    if not factor.is_finite():
        raise ValueError("Give how many times the usual spend, like 2 or 1.5.")
    percent = int((factor * 100).to_integral_value())
    if not MIN_SPIKE_PERCENT <= percent <= MAX_SPIKE_PERCENT:
        raise ValueError("Give a factor from 1.1 to 100.")
    return percent


def parse_days(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text.strip()) <= 365:
        raise ValueError("Give a whole number of days from 1 to 365.")
    return int(text.strip())


def rule_requests(values: views.AlertValues) -> list[RuleRequest]:
    """The rules the modal asks for, or AlertsInvalid naming each field that does not parse."""
    requests: list[RuleRequest] = []
    errors: dict[str, str] = {}
    parsers = (
        (AlertKind.CREDITS_BELOW, values.credits_below, parse_money),
        (AlertKind.RUNWAY_BELOW, values.runway_days, parse_days),
        (AlertKind.SPEND_ABOVE, values.spend_above, parse_money),
        (AlertKind.SPEND_SPIKE, values.spike_factor, parse_factor),
    )
    for kind, text, parse in parsers:
        if not text.strip():
            continue
        try:
            requests.append(RuleRequest(kind, parse(text)))
        except ValueError as error:
            errors[views.FIELD_BLOCKS[kind]] = str(error)
    if errors:
        raise AlertsInvalid(errors)
    requests += [RuleRequest(kind, None) for kind in values.toggles]
    return requests


# --- the service ----------------------------------------------------------------------------------


@dataclass
class Alerts:
    store: AlertStore
    identity: IdentityResolver
    slack_for: Callable[[str], Awaitable[AsyncWebClient]]
    yield_to_requests: Pause = no_pause

    async def configure(
        self, slack: AsyncWebClient, caller: Caller, values: views.AlertValues, now: datetime
    ) -> list[AlertRule]:
        """The workspace's alert rules become what the modal says; alerts go to its channel (joined if
        public) or, without one, to the person by direct message."""
        requests = rule_requests(values)
        target = caller.user_id
        if values.channel_id:
            channel = await find_channel(slack, ChannelRef(values.channel_id))
            await ensure_member(slack, channel)
            target = channel.id
        return await asyncio.to_thread(
            self.store.replace_rules,
            caller.team_id,
            requests,
            channel_id=target,
            created_by=caller.user_id,
            actor_email=caller.actor,
            now=now,
        )

    async def evaluate(self, now: datetime, report: TickReport) -> None:
        """Fire new episodes, resolve cleared ones, retry failed posts: for every workspace with rules.

        Paused rules (their channel is unusable) are left alone until they are saved again."""
        rules = [rule for rule in await asyncio.to_thread(self.store.rules) if not rule.paused]
        by_team: dict[str, list[AlertRule]] = defaultdict(list)
        for rule in rules:
            by_team[rule.team_id].append(rule)
        await asyncio.gather(
            *(self._evaluate_team(team, team_rules, now, report) for team, team_rules in by_team.items())
        )

    async def _evaluate_team(self, team_id: str, rules: list[AlertRule], now: datetime, report: TickReport) -> None:
        await self.yield_to_requests()
        try:
            client = self.identity.pool.client(await self.identity.connection(team_id))
            figures = await gather_figures(client, rules, now)
            organization = await client.organization()
            slack = await self.slack_for(team_id)
        except Exception as error:
            logger.warning("alerts of %s not evaluated: %s", team_id, error)
            report.errors.append(f"alerts of {team_id}: {error}")
            return
        unresolved = await asyncio.to_thread(self.store.unresolved, [rule.id for rule in rules])
        for rule in rules:
            current = {breach.subject: breach for breach in breaches(rule, figures)}
            mine = [episode for episode in unresolved if episode.rule_id == rule.id]
            for episode in mine:
                if episode.subject not in current:
                    await self._resolve(slack, rule, episode, now, report)
                else:
                    claim = await asyncio.to_thread(self.store.retake, episode.id, now)
                    if claim is not None:
                        await self._post(
                            slack, rule, current[episode.subject], claim, organization.purchase_url, now, report
                        )
            under_way = {episode.subject for episode in mine}
            if rule.snoozed(now):
                continue
            for subject, breach in current.items():
                if subject in under_way:
                    continue
                claim = await asyncio.to_thread(self.store.open_episode, rule.id, subject, breach.figures, now)
                if claim is not None:
                    await self._post(slack, rule, breach, claim, organization.purchase_url, now, report)
        for episode in await asyncio.to_thread(self.store.resolution_pending, [rule.id for rule in rules]):
            rule = next(r for r in rules if r.id == episode.rule_id)
            await self._show_resolved(slack, rule, episode)

    async def _post(
        self,
        slack: AsyncWebClient,
        rule: AlertRule,
        breach: Breach,
        claim: EpisodeClaim,
        purchase_url: str,
        now: datetime,
        report: TickReport,
    ) -> None:
        message = views.alert_message(rule, breach.figures, claim.episode_id, purchase_url)
        try:
            if claim.message_ts and claim.channel_id:
                await slack.chat_update(channel=claim.channel_id, ts=claim.message_ts, **message.payload())
                channel, ts = claim.channel_id, claim.message_ts
            else:
                if not await asyncio.to_thread(self.store.still_held, claim, now):
                    return
                posted = await slack.chat_postMessage(channel=rule.channel_id, unfurl_links=False, **message.payload())
                channel, ts = str(posted["channel"]), str(posted["ts"])
            await asyncio.to_thread(self.store.record_post, claim, channel, ts)
            report.alerts_fired += 1
        except Exception as error:
            reason = str(error.response.get("error")) if isinstance(error, SlackApiError) else str(error)
            logger.warning("alert %s (%s) to %s failed: %s", rule.kind, breach.subject, rule.channel_id, reason)
            pausing = reason in PAUSING_ERRORS
            await asyncio.to_thread(self.store.mark_failed, claim, reason, now, retry=not pausing)
            report.errors.append(f"alert {rule.kind}: {reason}")
            if pausing:
                await self._pause(slack, rule, reason, now, report)

    async def _pause(
        self, slack: AsyncWebClient, rule: AlertRule, reason: str, now: datetime, report: TickReport
    ) -> None:
        """Pause the rules posting where this one could not (archived, gone, closed to the bot) instead of
        retrying every tick; the person who set them is told once, by whichever tick paused them."""
        if await pause_and_tell_once(
            slack,
            partial(self.store.pause, rule.team_id, rule.channel_id, reason, now),
            tell=rule.created_by,
            notice=lambda paused: views.paused_notice(paused, reason),
            what=f"alerts of {rule.team_id} to {rule.channel_id} ({reason})",
        ):
            report.alerts_paused += 1

    async def _resolve(
        self, slack: AsyncWebClient, rule: AlertRule, episode: Episode, now: datetime, report: TickReport
    ) -> None:
        resolved = await asyncio.to_thread(self.store.resolve, episode.id, now)
        if resolved is None:
            return
        report.alerts_resolved += 1
        if resolved.message_ts:
            await self._show_resolved(slack, rule, resolved)

    async def _show_resolved(self, slack: AsyncWebClient, rule: AlertRule, episode: Episode) -> None:
        if not (episode.channel_id and episode.message_ts):
            return
        message = views.resolved_message(rule, episode)
        try:
            await slack.chat_update(channel=episode.channel_id, ts=episode.message_ts, **message.payload())
        except SlackApiError as error:
            reason = str(error.response.get("error"))
            if reason not in PAUSING_ERRORS:  # the message is out of reach for good otherwise: stop trying
                logger.warning("could not mark alert %s resolved (retried next tick): %s", episode.id, reason)
                return
            logger.warning("alert %s cannot be marked resolved any more: %s", episode.id, reason)
        await asyncio.to_thread(self.store.mark_resolution_posted, episode.id)

    async def snooze(self, slack: AsyncWebClient, episode_id: int, choice: str, user_id: str, now: datetime) -> Episode:
        """Snooze the episode's rule (no new alerts of its kind until then) and say so on the alert."""
        episode = await asyncio.to_thread(self.store.episode, episode_id)
        rule = None
        if episode is not None:
            rule = await asyncio.to_thread(self.store.snooze, episode.rule_id, now + SNOOZE_CHOICES[choice], user_id)
        if episode is None or rule is None:
            raise DigestRefused("That alert was turned off since.", "See the alerts that are on with `/kilo alerts`.")
        if episode.channel_id and episode.message_ts and episode.status is not EpisodeStatus.RESOLVED:
            message = views.snoozed_message(rule, episode, user_id)
            await slack.chat_update(channel=episode.channel_id, ts=episode.message_ts, **message.payload())
        return episode

    async def shown(self, episode_id: int, show: AlertShown) -> UsageUsers | Members:
        """What an alert's button shows, as the /kilo command whose answer it is: the alert's UTC day of
        spend per person, or the members with their limit menus (narrowed to the member who hit theirs)."""
        episode = await asyncio.to_thread(self.store.episode, episode_id)
        if episode is None:
            raise DigestRefused("That alert was turned off since.", "See the alerts that are on with `/kilo alerts`.")
        figures = episode.figures
        if show == "spenders":
            if "day" not in figures:  # only spend alerts offer it: a forged or mismatched button
                raise StaleInteraction("button", "/kilo alerts")
            day = date.fromisoformat(figures["day"])
            return UsageUsers(PeriodChoice(start=day, last_day=day))
        who = figures.get("email") or figures.get("name")
        return Members(query=str(who)[:MAX_QUERY_LENGTH] if who else None)
