"""Charts shown inside a reply that has no channel thread (an ephemeral answer, a preview): uploaded with
files_upload_v2 without a channel (private to the bot) and shown by image blocks that name the file.

The block is Slack's documented shape, `{"type": "image", "slack_file": {"id": "F…"}, "alt_text": …}` (an id
or a url, never both; png, jpg or gif; the poster must have access, and the bot uploaded it). The file need
not be shared to a channel, but Slack finishes an upload asynchronously after completeUploadExternal, and a
block naming it can be refused with invalid_blocks for a moment (slackapi/java-slack-sdk#1349,
python-slack-sdk#1521): the reply is tried again after short pauses. Waiting on files.info instead would
need the files:read scope.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from slack_sdk.models.blocks import ImageBlock, PlainTextObject
from slack_sdk.models.blocks.basic_components import SlackFile
from slack_sdk.web.async_client import AsyncWebClient

from bot.replies import ReplyFailed
from bot.views.blocks import Message, clip
from reports.charts import RenderedChart

MAX_ALT_TEXT = 2000
FILE_READY_PAUSES = (0.5, 1.0, 2.0, 4.0)  # seconds; Slack's processing of a small PNG takes about one


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


async def reply_once_files_ready(
    send: Callable[[], Awaitable[None]], pauses: Sequence[float] = FILE_READY_PAUSES
) -> None:
    """Send a reply whose image blocks name files just uploaded, again after a pause while Slack refuses
    them as invalid_blocks (the upload still being processed); any other failure is raised at once."""
    for pause in pauses:
        try:
            await send()
            return
        except ReplyFailed as failed:
            if "invalid_blocks" not in str(failed):
                raise
        await asyncio.sleep(pause)
    await send()
