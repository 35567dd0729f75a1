"""Typed Block Kit helpers (slack_sdk.models) that keep every text, list and message within Slack's limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)

# Slack's documented limits (https://api.slack.com/reference/block-kit/blocks).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_FALLBACK_TEXT = 3000


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_TEXT), emoji=True))


def section(
    text: str | None = None,
    *,
    fields: Sequence[str] = (),
    accessory: ButtonElement | OverflowMenuElement | None = None,
    block_id: str | None = None,
) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)) if text else None,
        fields=[MarkdownTextObject(text=clip(f, MAX_FIELD_TEXT)) for f in fields[:MAX_FIELDS]] or None,
        accessory=accessory,
        block_id=block_id,
    )


def field_sections(fields: Sequence[str]) -> list[SectionBlock]:
    """Any number of fields, ten to a section."""
    return [section(fields=fields[i : i + MAX_FIELDS]) for i in range(0, len(fields), MAX_FIELDS)]


def text_sections(lines: Iterable[str]) -> list[SectionBlock]:
    """Lines packed into as few sections as fit 3,000 characters each."""
    sections: list[SectionBlock] = []
    chunk = ""
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            sections.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(section(chunk))
    return sections


def context(*texts: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(t, MAX_CONTEXT_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]]
    )


def divider() -> DividerBlock:
    return DividerBlock()


def image(url: str, alt_text: str, title: str | None = None) -> ImageBlock:
    return ImageBlock(
        image_url=url, alt_text=clip(alt_text, 2000), title=PlainTextObject(text=clip(title, 2000)) if title else None
    )


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> ButtonElement:
    if url is not None and len(url) > MAX_URL:
        raise ValueError("a button URL longer than Slack allows")
    return ButtonElement(
        text=PlainTextObject(text=clip(text, MAX_BUTTON_TEXT), emoji=True),
        action_id=action_id,
        value=clip(value, MAX_BUTTON_VALUE) if value else None,
        url=url,
        style=style,
    )


def actions(*elements: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements[:MAX_ACTION_ELEMENTS]), block_id=block_id)


def fit(blocks: Sequence[Block], limit: int, more: str) -> list[Block]:
    """At most `limit` blocks; what is cut is replaced by one context line saying where the rest is."""
    if len(blocks) <= limit:
        return list(blocks)
    return [*blocks[: limit - 1], context(more)]


@dataclass
class Message:
    """A message: fallback text for notifications and screen readers, and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    footer: list[Block] = field(default_factory=list)  # always kept (pagers, buttons) when the body is cut
    more: str = "More than fits in one message: narrow it down or open the Kilo dashboard."

    def payload(self) -> dict[str, Any]:
        blocks = [*fit(self.blocks, MAX_MESSAGE_BLOCKS - len(self.footer), self.more), *self.footer]
        return {"text": clip(self.text, MAX_FALLBACK_TEXT), "blocks": [block.to_dict() for block in blocks]}


def home_view(blocks: Sequence[Block]) -> dict[str, Any]:
    fitted = fit(blocks, MAX_VIEW_BLOCKS, "More in the Kilo dashboard.")
    return {"type": "home", "blocks": [block.to_dict() for block in fitted]}
