"""A small Bolt app that uses every kind of Block Kit the playground must handle (inputs with
dispatch_action, selects, checkboxes, conversations with response_url_enabled, overflow menus, pushes,
inline errors, view_closed, files upload v2), so the playground is tested against what any app may send,
through the same door: signed requests in, Web API calls out to the fake Slack. It records each payload."""

from __future__ import annotations

import io
from typing import Any

from matplotlib.figure import Figure
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

PRICE_PER_SEAT_CENTS = 1500
MAX_SEATS = 10


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def seat_form(seats: str | None) -> dict[str, Any]:
    count = int(seats) if seats and seats.isdigit() else 0
    preview = f"{count} seats: ${count * PRICE_PER_SEAT_CENTS / 100:,.2f} per month"
    return {
        "type": "modal",
        "callback_id": "seat_form",
        "notify_on_close": True,
        "private_metadata": '{"k":"seats"}',
        "title": {"type": "plain_text", "text": "Add seats"},
        "submit": {"type": "plain_text", "text": "Buy"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "seats",
                "dispatch_action": True,
                "label": {"type": "plain_text", "text": "Seats to add"},
                "element": {
                    "type": "number_input",
                    "action_id": "count",
                    "is_decimal_allowed": False,
                    "min_value": "1",
                    "max_value": "50",
                    "initial_value": "3",
                    "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
                },
            },
            {"type": "section", "block_id": "price", "text": {"type": "mrkdwn", "text": f"*{preview}*"}},
            {
                "type": "input",
                "block_id": "plan",
                "label": {"type": "plain_text", "text": "Billing"},
                "element": {
                    "type": "static_select",
                    "action_id": "cycle",
                    "initial_option": _option("Monthly", "monthly"),
                    "options": [_option("Monthly", "monthly"), _option("Yearly", "yearly")],
                },
            },
            {
                "type": "input",
                "block_id": "extras",
                "optional": True,
                "label": {"type": "plain_text", "text": "Also"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "chosen",
                    "options": [_option("Email the invoice", "email"), _option("Tell the Admins", "admins")],
                },
            },
            {
                "type": "input",
                "block_id": "where",
                "label": {"type": "plain_text", "text": "Announce in"},
                "element": {
                    "type": "conversations_select",
                    "action_id": "channel",
                    "response_url_enabled": True,
                    "default_to_current_conversation": True,
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            },
        ],
    }


def confirmation(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "seat_done",
        "title": {"type": "plain_text", "text": "Add seats"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


MENUS: list[dict[str, Any]] = [
    {
        "type": "section",
        "block_id": "pick",
        "text": {"type": "mrkdwn", "text": "*Seat request* from <@U0REQUEST>: 2 seats"},
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [_option("Snooze 24 h", "snooze-24h"), _option("Snooze 7 d", "snooze-7d")],
        },
    },
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "static_select",
                "action_id": "period",
                "placeholder": {"type": "plain_text", "text": "Period"},
                "options": [_option("7 days", "7d"), _option("30 days", "30d")],
            },
            {"type": "checkboxes", "action_id": "flags", "options": [_option("Urgent", "urgent")]},
            {
                "type": "button",
                "action_id": "approve",
                "style": "primary",
                "value": "request-1",
                "text": {"type": "plain_text", "text": "Approve"},
                "confirm": {
                    "title": {"type": "plain_text", "text": "Approve 2 seats?"},
                    "text": {"type": "mrkdwn", "text": "That adds *$30.00* per month."},
                    "confirm": {"type": "plain_text", "text": "Approve"},
                    "deny": {"type": "plain_text", "text": "Not now"},
                },
            },
        ],
    },
]


def chart_png() -> bytes:
    figure = Figure(figsize=(6, 3), dpi=100)
    axes = figure.add_subplot()
    axes.bar(["Mon", "Tue", "Wed", "Thu", "Fri"], [12, 30, 22, 41, 18], color="#0072B2")
    axes.set_title("Daily spend ($)")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def kitchen_sink_app(token: str, api_url: str, signing_secret: str, received: list[dict[str, Any]]) -> AsyncApp:
    app = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=signing_secret)

    @app.middleware
    async def record(body: dict[str, Any], next: Any) -> Any:
        received.append(body)
        return await next()

    @app.command("/kilo")
    async def command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        text = body["text"]
        if text == "form":
            await client.views_open(trigger_id=body["trigger_id"], view=seat_form("3"))
        elif text == "menus":
            await respond(text="A seat request", blocks=MENUS, response_type="in_channel")
        elif text == "chart":
            digest = await client.chat_postMessage(
                channel=body["channel_id"], text="Weekly digest: the charts are below"
            )
            await client.files_upload_v2(
                channel=body["channel_id"],
                thread_ts=digest["ts"],
                content=chart_png(),
                filename="daily-spend.png",
                title="Daily spend",
                initial_comment="Spend this week: $123.00",
            )
        elif text == "dm":
            await client.chat_postMessage(channel=body["user_id"], text="A word in private")

    @app.action("count")
    async def count_changed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = body["view"]
        await client.views_update(view_id=view["id"], hash=view["hash"], view=seat_form(body["actions"][0]["value"]))

    @app.action("more")
    async def overflow_picked(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        picked = body["actions"][0]["selected_option"]["value"]
        await respond(text=f"Snoozed ({picked})", replace_original=True)

    @app.action("period")
    @app.action("flags")
    async def menu_changed(ack: AsyncAck) -> None:
        await ack()

    @app.action("approve")
    async def approved(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"Approved {body['actions'][0]['value']} by <@{body['user']['id']}>", replace_original=True)

    @app.view("seat_form")
    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        values = body["view"]["state"]["values"]
        seats = int(values["seats"]["count"]["value"] or 0)
        if seats > MAX_SEATS:
            await ack(response_action="errors", errors={"seats": f"At most {MAX_SEATS} seats here."})
            return
        note = values["note"]["text"]["value"] or ""
        if note == "push":
            await ack(response_action="push", view=confirmation("Pushed on top"))
            return
        if note == "clear":
            await ack(response_action="clear")
            return
        cycle = values["plan"]["cycle"]["selected_option"]["value"]
        await ack(response_action="update", view=confirmation(f"✅ Bought {seats} seats ({cycle})."))
        for target in body["response_urls"]:
            announce = AsyncWebhookClient(target["response_url"])
            await announce.send(text=f"{seats} seats were added.", response_type="in_channel")

    @app.view_closed("seat_form")
    async def closed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=body["user"]["id"], text="You closed the seat form.")

    return app
