"""Alerts as people read them: the /kilo alerts modal, an alert with its numbers and buttons, the same
message once snoozed or resolved, and the notice that alerts were paused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.digest_shapes import AlertKind, AlertRule, Episode
from bot.formatting import usd
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import AlertAct, AlertsForm, AlertShown, AlertSnooze, encode
from bot.views.blocks import Message, actions, button, context, header, section
from bot.views.digests import pause_reason

MODAL_TITLE = "Spend alerts"
FIELD_BLOCKS: dict[AlertKind, str] = {
    AlertKind.CREDITS_BELOW: BlockId.ALERT_CREDITS_BELOW,
    AlertKind.RUNWAY_BELOW: BlockId.ALERT_RUNWAY_BELOW,
    AlertKind.SPEND_ABOVE: BlockId.ALERT_SPEND_ABOVE,
    AlertKind.SPEND_SPIKE: BlockId.ALERT_SPEND_SPIKE,
}
TOGGLES = {
    AlertKind.SEAT_POOL_FULL: "Every seat is taken",
    AlertKind.MEMBER_LIMIT: "A member reached their daily spend limit",
}


@dataclass(frozen=True)
class AlertValues:
    """The modal's fields as typed (parsed and checked by bot.alerts.rule_requests)."""

    channel_id: str | None
    credits_below: str
    runway_days: str
    spend_above: str
    spike_factor: str
    toggles: tuple[AlertKind, ...]


def _day(iso: str) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day:%a %b} {day.day}"


def _moment_day(iso: str | None) -> str | None:
    return None if iso is None else _day(datetime.fromisoformat(iso).astimezone(UTC).date().isoformat())


def _title_and_lines(rule: AlertRule, figures: dict[str, Any]) -> tuple[str, list[str]]:
    """The headline and the numbers of an alert of `rule`'s kind."""
    match rule.kind:
        case AlertKind.CREDITS_BELOW | AlertKind.RUNWAY_BELOW:
            run_out = _moment_day(figures.get("run_out"))
            if rule.kind is AlertKind.CREDITS_BELOW:
                title = f"Credits are below {usd(figures['threshold'])}"
            else:
                title = f"Credits run out within {figures['threshold']} days"
            lines = [f"*{usd(figures['balance'])}* left · {usd(figures['burn_7d'])} used in the last 7 days"]
            lines.append(
                f"At that rate they run out around *{run_out}*." if run_out else "No spend in the last 7 days."
            )
            return title, lines
        case AlertKind.SPEND_ABOVE:
            return (
                f"Today's AI spend passed {usd(figures['threshold'])}",
                [f"*{usd(figures['spent'])}* spent on {_day(figures['day'])} (UTC day) so far."],
            )
        case AlertKind.SPEND_SPIKE:
            weekday = f"{date.fromisoformat(figures['day']):%A}"
            factor = figures["threshold"] / 100
            return (
                f"Today's AI spend is over {factor:g}× a usual {weekday}",
                [
                    f"*{usd(figures['spent'])}* spent on {_day(figures['day'])} (UTC day) so far, against "
                    f"{usd(figures['average'])} on average over the last {figures['weeks']} {weekday}s."
                ],
            )
        case AlertKind.SEAT_POOL_FULL:
            return (
                "Every seat is taken",
                [f"*{figures['used']} of {figures['total']}* seats used: new invitations will be refused."],
            )
        case AlertKind.MEMBER_LIMIT:
            return (
                f"{figures['name']} reached their daily spend limit",
                [f"*{usd(figures['spent'])}* of {usd(figures['limit'])} spent on {_day(figures['day'])} (UTC day)."],
            )
    raise AssertionError(rule.kind)


def _act_buttons(rule: AlertRule, episode_id: int, purchase_url: str) -> list[ButtonElement]:
    """What to do about it: buy credits or seats (links), or see who spent and set daily limits (answered
    privately to the clicker, Owners and Admins only)."""

    def show(label: str, what: AlertShown, style: str | None = None) -> ButtonElement:
        value = encode(AlertAct(episode_id=episode_id, show=what))
        return button(label, f"{ActionId.ALERT_SHOW}:{what}", value=value, style=style)

    match rule.kind:
        case AlertKind.CREDITS_BELOW | AlertKind.RUNWAY_BELOW:
            return [button("Buy credits", f"{ActionId.ALERT_ACT}:credits", url=purchase_url, style="primary")]
        case AlertKind.SEAT_POOL_FULL:
            return [button("Add seats", f"{ActionId.ALERT_ACT}:seats", url=purchase_url, style="primary")]
        case AlertKind.SPEND_ABOVE | AlertKind.SPEND_SPIKE:
            return [show("Who spent it", "spenders", "primary"), show("Set daily limits", "limits")]
        case AlertKind.MEMBER_LIMIT:
            return [show("Change their limit", "limits", "primary")]
    raise AssertionError(rule.kind)


def alert_message(rule: AlertRule, figures: dict[str, Any], episode_id: int, purchase_url: str) -> Message:
    title, lines = _title_and_lines(rule, figures)
    snooze = [
        button(
            "Snooze 24 h",
            f"{ActionId.ALERT_SNOOZE}:24h",
            value=encode(AlertSnooze(episode_id=episode_id, choice="24h")),
        ),
        button(
            "Snooze 7 days",
            f"{ActionId.ALERT_SNOOZE}:7d",
            value=encode(AlertSnooze(episode_id=episode_id, choice="7d")),
        ),
    ]
    blocks = [
        header(f":rotating_light: {title}"),
        section("\n".join(lines)),
        actions(*_act_buttons(rule, episode_id, purchase_url), *snooze, block_id=BlockId.ALERT_ACTIONS),
        context("I'll update this message when it clears. Change alerts with `/kilo alerts`."),
    ]
    return Message(text=f"{title}. {lines[0]}".replace("*", ""), blocks=list(blocks))


def _settled(heading: str, lines: list[str], note: str, text: str) -> Message:
    """An alert's message once acted on (resolved, snoozed): its numbers stay, its buttons go."""
    return Message(text=text, blocks=[header(heading), section("\n".join(lines)), context(note)])


def resolved_message(rule: AlertRule, episode: Episode) -> Message:
    title, lines = _title_and_lines(rule, episode.figures)
    when = episode.resolved_at.astimezone(UTC) if episode.resolved_at else None
    cleared = f"Cleared {when:%b} {when.day}, {when:%H:%M} UTC." if when else "Cleared."
    note = f"{cleared} I'll post again if it happens again."
    return _settled(f"✅ Resolved: {title}", lines, note, f"Resolved: {title}")


def snoozed_message(rule: AlertRule, episode: Episode, user_id: str) -> Message:
    title, lines = _title_and_lines(rule, episode.figures)
    until = rule.snoozed_until.astimezone(UTC) if rule.snoozed_until else None
    when = f"{until:%b} {until.day}, {until:%H:%M} UTC" if until else "later"
    note = f":zzz: Snoozed by <@{user_id}> until {when}: no new alerts of this kind until then."
    return _settled(f":rotating_light: {title}", lines, note, f"{title} (snoozed)")


KIND_NAMES = {
    AlertKind.CREDITS_BELOW: "credits below an amount",
    AlertKind.RUNWAY_BELOW: "credits running out",
    AlertKind.SPEND_ABOVE: "daily spend above an amount",
    AlertKind.SPEND_SPIKE: "daily spend above the usual",
    AlertKind.SEAT_POOL_FULL: "every seat taken",
    AlertKind.MEMBER_LIMIT: "members at their daily limit",
}


def _target(channel_id: str) -> str:
    return "your direct messages" if channel_id[:1] in ("U", "W") else f"<#{channel_id}>"


def paused_notice(rules: list[AlertRule], error: str) -> Message:
    """To the person who set the alerts, once: why they stopped and how to start them again."""
    where = _target(rules[0].channel_id)
    kinds = ", ".join(KIND_NAMES[rule.kind] for rule in rules)
    text = f"I paused your spend alerts for {where}: {pause_reason(error)}."
    hint = {
        "not_in_channel": "Invite me there with `/invite @Kilo for Teams`, then open `/kilo alerts` and Save.",
        "channel_not_found": "If it is private, `/invite @Kilo for Teams` there; or pick another channel. "
        "Then open `/kilo alerts` and Save.",
    }.get(error, "Open `/kilo alerts`, pick another channel (or none, for direct messages) and Save.")
    return Message(
        text=text,
        blocks=[section(f":double_vertical_bar: {text}"), context(f"Paused: {kinds}. {hint} Saving resumes them.")],
    )


def _paused_banner(rules: list[AlertRule]) -> list[Any]:
    paused = [rule for rule in rules if rule.paused and rule.paused_at is not None]
    if not paused:
        return []
    first = paused[0]
    assert first.paused_at is not None
    since = first.paused_at.astimezone(UTC)
    reason = pause_reason(first.paused_reason or "")
    return [
        section(
            f":double_vertical_bar: *Paused* since {since:%b} {since.day}, {since:%H:%M} UTC: {reason} "
            f"({_target(first.channel_id)}). Pick a channel I can post in, or none for direct messages, "
            "and Save to resume."
        )
    ]


# --- the modal --------------------------------------------------------------------------------------


def _text_input(block_id: str, action_id: str, label: str, hint: str, current: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        optional=True,
        hint=PlainTextObject(text=hint),
        element=PlainTextInputElement(action_id=action_id, initial_value=current or None, max_length=20),
    )


def _current(rules: list[AlertRule], kind: AlertKind) -> str:
    rule = next((r for r in rules if r.kind is kind), None)
    if rule is None or rule.threshold is None:
        return ""
    if kind in (AlertKind.CREDITS_BELOW, AlertKind.SPEND_ABOVE):
        return usd(rule.threshold).replace("$", "")
    if kind is AlertKind.SPEND_SPIKE:
        return f"{rule.threshold / 100:g}"
    return str(rule.threshold)


def alerts_modal(team_id: str, rules: list[AlertRule]) -> dict[str, Any]:
    toggles = [Option(text=PlainTextObject(text=label), value=kind.value) for kind, label in TOGGLES.items()]
    on = [option for option in toggles if any(rule.kind.value == option.value for rule in rules)]
    channel = next((rule.channel_id for rule in rules if rule.channel_id[:1] in ("C", "G")), None)
    view = View(
        type="modal",
        callback_id=ViewId.ALERTS,
        private_metadata=encode(AlertsForm(team_id=team_id)),
        title=PlainTextObject(text=MODAL_TITLE),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            *_paused_banner(rules),
            section(
                "Alert once when one of these happens, and again only after it has cleared. "
                "Leave a field empty to turn it off."
            ),
            InputBlock(
                block_id=BlockId.ALERT_CHANNEL,
                label=PlainTextObject(text="Post alerts in"),
                optional=True,
                hint=PlainTextObject(text="Empty: to you, by direct message."),
                element=ConversationSelectElement(
                    action_id=ActionId.ALERT_CHANNEL,
                    initial_conversation=channel,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
            _text_input(
                BlockId.ALERT_CREDITS_BELOW,
                ActionId.ALERT_CREDITS_BELOW,
                "Credits below ($)",
                "e.g. 500",
                _current(rules, AlertKind.CREDITS_BELOW),
            ),
            _text_input(
                BlockId.ALERT_RUNWAY_BELOW,
                ActionId.ALERT_RUNWAY_BELOW,
                "Credits last fewer than (days)",
                "At the last 7 days' rate, e.g. 14",
                _current(rules, AlertKind.RUNWAY_BELOW),
            ),
            _text_input(
                BlockId.ALERT_SPEND_ABOVE,
                ActionId.ALERT_SPEND_ABOVE,
                "Daily spend above ($)",
                "A UTC day's spend, e.g. 250",
                _current(rules, AlertKind.SPEND_ABOVE),
            ),
            _text_input(
                BlockId.ALERT_SPEND_SPIKE,
                ActionId.ALERT_SPEND_SPIKE,
                "Daily spend above k × usual",
                "× the 4-week average for that weekday, e.g. 2",
                _current(rules, AlertKind.SPEND_SPIKE),
            ),
            InputBlock(
                block_id=BlockId.ALERT_TOGGLES,
                label=PlainTextObject(text="Also alert when"),
                optional=True,
                element=CheckboxesElement(
                    action_id=ActionId.ALERT_TOGGLES, options=toggles, initial_options=on or None
                ),
            ),
        ],
    )
    return view.to_dict()


def alerts_saved_modal(rules: list[AlertRule]) -> dict[str, Any]:
    where = {rule.channel_id for rule in rules}
    target = (
        "you by direct message"
        if any(w[:1] in ("U", "W") for w in where)
        else ", ".join(f"<#{w}>" for w in sorted(where))
    )
    text = (
        f"✅ {len(rules)} alert{'s' if len(rules) != 1 else ''} on, posted to {target}."
        if rules
        else "✅ All alerts are off."
    )
    view = View(
        type="modal",
        callback_id=ViewId.ALERTS,
        title=PlainTextObject(text=MODAL_TITLE),
        close=PlainTextObject(text="Done"),
        blocks=[section(text)],
    )
    return view.to_dict()


def _value(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    found = view.get("state", {}).get("values", {}).get(block, {}).get(action, {})
    return found if isinstance(found, dict) else {}


def submitted_alert_values(view: dict[str, Any]) -> AlertValues:
    def text(block: str, action: str) -> str:
        return str(_value(view, block, action).get("value") or "")

    chosen = _value(view, BlockId.ALERT_TOGGLES, ActionId.ALERT_TOGGLES).get("selected_options") or []
    toggles = tuple(kind for kind in TOGGLES if any(option.get("value") == kind.value for option in chosen))
    return AlertValues(
        channel_id=_value(view, BlockId.ALERT_CHANNEL, ActionId.ALERT_CHANNEL).get("selected_conversation") or None,
        credits_below=text(BlockId.ALERT_CREDITS_BELOW, ActionId.ALERT_CREDITS_BELOW),
        runway_days=text(BlockId.ALERT_RUNWAY_BELOW, ActionId.ALERT_RUNWAY_BELOW),
        spend_above=text(BlockId.ALERT_SPEND_ABOVE, ActionId.ALERT_SPEND_ABOVE),
        spike_factor=text(BlockId.ALERT_SPEND_SPIKE, ActionId.ALERT_SPEND_SPIKE),
        toggles=toggles,
    )
