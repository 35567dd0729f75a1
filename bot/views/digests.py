"""/kilo digest answers, the subscription modal, and the notice a paused subscription sends its subscriber."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.digest_shapes import (
    DeliveryStatus,
    Listed,
    PersonalChanged,
    SendOutcome,
    Subscribed,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from bot.formatting import local_datetime
from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import DigestSubscribeForm, encode
from bot.schedule import DEFAULT_TIME, MAX_DAY_OF_MONTH, WEEKDAY_NAMES, Frequency, Occurrence, ordinal
from bot.views.blocks import Message, context, header, section, text_sections

MODAL_TITLE = "Spend digest"
FREQUENCY_LABELS = {
    Frequency.WEEKLY: "Weekly",
    Frequency.DAILY: "Daily",
    Frequency.WEEKDAYS: "Weekdays (Monday to Friday)",
    Frequency.MONTHLY: "Monthly",
}
PAUSE_REASONS = {
    "channel_not_found": "I can't see the channel any more (deleted, or private and I was removed)",
    "is_archived": "the channel was archived",
    "not_in_channel": "I was removed from the private channel",
}


def _next(next_run: Occurrence | None, zone: ZoneInfo) -> str:
    return "paused" if next_run is None else local_datetime(next_run.due_at, zone)


def _where(subscription: Subscription) -> str:
    return "your direct messages" if subscription.kind is SubscriptionKind.PERSONAL else f"<#{subscription.channel_id}>"


def subscribed(result: Subscribed, zone: ZoneInfo) -> Message:
    subscription = result.subscription
    verb = "will get" if result.created else "now gets"
    lines = [
        f"✅ {_where(subscription)} {verb} the AI spend digest *{subscription.schedule.describe()}*.",
        f"Next one: {local_datetime(result.next_run.due_at, subscription.schedule.zone)}"
        + (
            f" ({local_datetime(result.next_run.due_at, zone)} for you)"
            if zone.key != subscription.schedule.zone.key
            else ""
        ),
    ]
    if result.joined:
        lines.append(f"I joined {_where(subscription)} to post there.")
    people = "with" if subscription.show_people else "without"
    blocks = [
        section("\n".join(lines)),
        context(
            f"Team totals {people} per-person figures; charts follow in each digest's thread. "
            "`/kilo digest send` posts one now, `/kilo digest list` shows every subscription."
        ),
    ]
    return Message(text=lines[0], blocks=list(blocks))


def personal_changed(result: PersonalChanged, zone: ZoneInfo) -> Message:
    if result.subscription is None:
        text = "Your weekly usage DM is off." if result.was_on else "Your weekly usage DM was not on."
        return Message(text=text, blocks=[section(text), context("Turn it on again with `/kilo digest me`.")])
    text = f"✅ I'll DM you your own Kilo usage *{result.subscription.schedule.describe()}*."
    return Message(
        text=text,
        blocks=[
            section(f"{text}\nFirst one: {_next(result.next_run, zone)}."),
            context("With the team's totals for context; nobody else's figures. `/kilo digest me off` stops it."),
        ],
    )


def unsubscribed(channel_id: str) -> Message:
    text = f"<#{channel_id}> no longer gets the spend digest."
    return Message(text=text, blocks=[section(f"✅ {text}")])


def _last_line(item: Listed, zone: ZoneInfo) -> str:
    last = item.last
    if last is None or last.sent_at is None:
        return "not sent yet"
    when = local_datetime(last.sent_at, zone)
    manual = " (sent by hand)" if last.manual else ""
    return f"last <{item.last_link}|{when}>{manual}" if item.last_link else f"last {when}{manual}"


def subscription_list(items: list[Listed], zone: ZoneInfo, *, is_manager: bool) -> Message:
    if not items:
        hint = (
            "Subscribe a channel with `/kilo digest subscribe #channel`, or get your own with `/kilo digest me`."
            if is_manager
            else "Get your own weekly usage by DM with `/kilo digest me`."
        )
        return Message(text="No digests yet.", blocks=[section("No digests yet."), context(hint)])
    lines = []
    for item in items:
        subscription = item.subscription
        state = (
            f":double_vertical_bar: paused: {subscription.paused_reason}"
            if subscription.status is SubscriptionStatus.PAUSED
            else f"next {_next(item.next_run, zone)}"
        )
        people = " · per-person figures" if subscription.show_people else ""
        lines.append(
            f"• {_where(subscription)}: {subscription.schedule.describe()}{people}\n"
            f"   {state} · {_last_line(item, zone)}"
        )
    blocks = [header(f"Spend digests ({len(items)})"), *text_sections(lines)]
    blocks.append(context("Times in your time zone. Paused ones resume when subscribed again."))
    return Message(text=f"{len(items)} spend digests", blocks=list(blocks))


def send_outcome(outcome: SendOutcome, zone: ZoneInfo) -> Message:
    where = _where(outcome.subscription)
    link = f" <{outcome.link}|Open it>." if outcome.link else ""
    if outcome.sent:
        text = f"✅ Sent today's digest to {where}.{link}"
        return Message(
            text=text, blocks=[section(text), context("It counts as today's delivery: no second one today.")]
        )
    delivery = outcome.delivery
    if delivery is not None and delivery.status is DeliveryStatus.SENT and delivery.sent_at is not None:
        text = f"Today's digest already went to {where} at {local_datetime(delivery.sent_at, zone)}.{link}"
    elif delivery is not None and delivery.status is DeliveryStatus.SKIPPED:
        text = f"Today's digest for {where} was skipped (the bot was down past its grace window)."
    else:
        text = f"Today's digest for {where} is being sent right now (or will be retried shortly)."
    return Message(text=text, blocks=[section(text), context("One digest per channel and day: nothing was posted.")])


def preview(message: Message) -> Message:
    """The digest as the channel would see it, marked as a private preview."""
    note = context("Preview: only you see this. Charts are below.")
    return Message(text=f"Preview · {message.text}", blocks=[note, *message.blocks], more=message.more)


def pause_reason(error: str) -> str:
    return PAUSE_REASONS.get(error, error)


def paused_notice(subscription: Subscription, error: str) -> Message:
    where = _where(subscription)
    text = f"I paused the spend digest for {where}: {pause_reason(error)}."
    hint = {
        "not_in_channel": "Invite me with `/invite @Kilo for Teams` there, then `/kilo digest subscribe` it again.",
        "channel_not_found": "If it is private, `/invite @Kilo for Teams` there and `/kilo digest subscribe` it again.",
    }.get(error, "Subscribe another channel with `/kilo digest subscribe #channel`.")
    return Message(text=text, blocks=[section(f":double_vertical_bar: {text}"), context(hint)])


# --- the subscription modal -------------------------------------------------------------------------


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=text), value=value)


WEEKDAY_CHOICES = [_option(name.capitalize(), f"w{index}") for index, name in enumerate(WEEKDAY_NAMES)]
DAY_CHOICES = [
    OptionGroup(label=PlainTextObject(text="Weekly: day of the week"), options=WEEKDAY_CHOICES),
    OptionGroup(
        label=PlainTextObject(text="Monthly: day of the month"),
        options=[_option(ordinal(day), f"m{day}") for day in range(1, MAX_DAY_OF_MONTH + 1)],
    ),
]


def digest_modal(team_id: str, channel_id: str, zone: ZoneInfo) -> dict[str, Any]:
    frequencies = [_option(label, value.value) for value, label in FREQUENCY_LABELS.items()]
    view = View(
        type="modal",
        callback_id=ViewId.DIGEST_SUBSCRIBE,
        private_metadata=encode(DigestSubscribeForm(team_id=team_id, channel_id=channel_id)),
        title=PlainTextObject(text=MODAL_TITLE),
        submit=PlainTextObject(text="Subscribe"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            section("Post the team's AI spend, with charts, to a channel on a schedule."),
            InputBlock(
                block_id=BlockId.DIGEST_CHANNEL,
                label=PlainTextObject(text="Channel"),
                element=ConversationSelectElement(
                    action_id=ActionId.DIGEST_CHANNEL,
                    default_to_current_conversation=True,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
            InputBlock(
                block_id=BlockId.DIGEST_FREQUENCY,
                label=PlainTextObject(text="How often"),
                element=StaticSelectElement(
                    action_id=ActionId.DIGEST_FREQUENCY, options=frequencies, initial_option=frequencies[0]
                ),
            ),
            InputBlock(
                block_id=BlockId.DIGEST_DAY,
                label=PlainTextObject(text="Day (weekly or monthly)"),
                optional=True,
                element=StaticSelectElement(
                    action_id=ActionId.DIGEST_DAY, option_groups=DAY_CHOICES, initial_option=WEEKDAY_CHOICES[0]
                ),
            ),
            InputBlock(
                block_id=BlockId.DIGEST_TIME,
                label=PlainTextObject(text="Time"),
                element=TimePickerElement(action_id=ActionId.DIGEST_TIME, initial_time=f"{DEFAULT_TIME:%H:%M}"),
            ),
            InputBlock(
                block_id=BlockId.DIGEST_ZONE,
                label=PlainTextObject(text="Time zone"),
                element=PlainTextInputElement(action_id=ActionId.DIGEST_ZONE, initial_value=zone.key, max_length=64),
                hint=PlainTextObject(text="An Area/City name, like Europe/Berlin or America/New_York."),
            ),
            InputBlock(
                block_id=BlockId.DIGEST_PEOPLE,
                label=PlainTextObject(text="Per-person figures"),
                optional=True,
                element=CheckboxesElement(
                    action_id=ActionId.DIGEST_PEOPLE,
                    options=[_option("Show the top spenders by name (for Owners and Admins)", "people")],
                ),
            ),
        ],
    )
    return view.to_dict()


def subscribed_modal(message: Message) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=ViewId.DIGEST_SUBSCRIBE,
        title=PlainTextObject(text=MODAL_TITLE),
        close=PlainTextObject(text="Done"),
        blocks=list(message.blocks),
    )
    return view.to_dict()


def _state(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    value = view.get("state", {}).get("values", {}).get(block, {}).get(action, {})
    return value if isinstance(value, dict) else {}


def submitted_schedule(view: dict[str, Any]) -> dict[str, Any]:
    """The modal's fields as typed: channel, frequency, day choice, HH:MM, zone name, show people."""
    day = (_state(view, BlockId.DIGEST_DAY, ActionId.DIGEST_DAY).get("selected_option") or {}).get("value")
    frequency = (_state(view, BlockId.DIGEST_FREQUENCY, ActionId.DIGEST_FREQUENCY).get("selected_option") or {}).get(
        "value"
    )
    people = _state(view, BlockId.DIGEST_PEOPLE, ActionId.DIGEST_PEOPLE).get("selected_options") or []
    return {
        "channel": _state(view, BlockId.DIGEST_CHANNEL, ActionId.DIGEST_CHANNEL).get("selected_conversation"),
        "frequency": frequency,
        "day": day,
        "time": _state(view, BlockId.DIGEST_TIME, ActionId.DIGEST_TIME).get("selected_time"),
        "zone": (_state(view, BlockId.DIGEST_ZONE, ActionId.DIGEST_ZONE).get("value") or "").strip(),
        "people": any(option.get("value") == "people" for option in people),
    }
