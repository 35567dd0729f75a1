"""The /kilo connect modal and its confirmation."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.ids import ActionId, BlockId, ViewId
from bot.interaction import ConnectForm, encode
from bot.shapes import CurrentConnection
from bot.views.blocks import context, section

TITLE = "Connect Kilo"  # modal titles are limited to 24 characters


def connect_modal(team_id: str, current: CurrentConnection) -> dict[str, Any]:
    intro = (
        f"This workspace is connected to *{current.organization_name}*. Connecting another organization replaces it."
        if current.organization_name
        else "Connect this Slack workspace to your Kilo for Teams organization."
    )
    view = View(
        type="modal",
        callback_id=ViewId.CONNECT,
        private_metadata=encode(ConnectForm(team_id=team_id, organization_id=current.organization_id)),
        title=PlainTextObject(text=TITLE),
        submit=PlainTextObject(text="Connect"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            section(intro),
            InputBlock(
                block_id=BlockId.CONNECT_URL,
                label=PlainTextObject(text="Backend address"),
                element=PlainTextInputElement(
                    action_id=ActionId.CONNECT_URL,
                    initial_value=current.api_url or None,
                    placeholder=PlainTextObject(text="https://kilo.example.com"),
                    max_length=500,
                ),
            ),
            InputBlock(
                block_id=BlockId.CONNECT_KEY,
                label=PlainTextObject(text="Organization API key"),
                element=PlainTextInputElement(
                    action_id=ActionId.CONNECT_KEY, placeholder=PlainTextObject(text="kilo_sk_…"), max_length=200
                ),
            ),
            context("Only an Owner of the organization can connect it. The key is kept in kilo-bot's database."),
        ],
    )
    return view.to_dict()


def connected_modal(organization: str) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=ViewId.CONNECT,
        title=PlainTextObject(text=TITLE),
        close=PlainTextObject(text="Done"),
        blocks=[section(f"✅ This workspace now shows *{organization}*. Try `/kilo usage`.")],
    )
    return view.to_dict()


def submitted_values(view: dict[str, Any]) -> tuple[str, str]:
    values = view.get("state", {}).get("values", {})

    def typed(block: str, action: str) -> str:
        field = values.get(block)
        element = field.get(action) if isinstance(field, dict) else None
        value = element.get("value") if isinstance(element, dict) else None
        return value if isinstance(value, str) else ""

    return typed(BlockId.CONNECT_URL, ActionId.CONNECT_URL), typed(BlockId.CONNECT_KEY, ActionId.CONNECT_KEY)
