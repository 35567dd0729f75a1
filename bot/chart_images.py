"""Charts shown inside a reply that has no channel thread (an ephemeral answer, a preview): uploaded with
files_upload_v2 without a channel (private to the bot) and shown by image blocks that name the file."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ImageBlock, PlainTextObject
from slack_sdk.models.blocks.basic_components import SlackFile
from slack_sdk.web.async_client import AsyncWebClient

from bot.views.blocks import Message, clip
from reports.charts import RenderedChart

MAX_ALT_TEXT = 2000


async def with_charts(slack: AsyncWebClient, message: Message, charts: Sequence[RenderedChart]) -> Message:
    """The message with each chart below it (kept when a long message is cut), alt text on every image."""
    if not charts:
        return message
    uploaded = await slack.files_upload_v2(
        file_uploads=[
            {"content": chart.png, "filename": f"{chart.name}.png", "title": chart.title, "alt_txt": chart.alt_text}
            for chart in charts
        ]
    )
    ids = [str(file["id"]) for file in uploaded["files"]]
    images = [
        ImageBlock(
            slack_file=SlackFile(id=file_id),
            alt_text=clip(chart.alt_text, MAX_ALT_TEXT),
            title=PlainTextObject(text=clip(chart.title, 2000)),
        )
        for file_id, chart in zip(ids, charts, strict=True)
    ]
    return Message(text=message.text, blocks=list(message.blocks), footer=[*message.footer, *images], more=message.more)
