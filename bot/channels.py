"""Channels the bot posts to (digests, alerts, seat requests): find one as typed, and make sure the bot is in
it (joining public ones with conversations.join; a private one has to invite the bot)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import ChannelRef

INVITE_HINT = "Invite me there with `/invite @Kilo for Teams`, then try again."
LIST_PAGE = 200


class ChannelRefused(Exception):
    """The channel cannot take the bot's posts; the message says why and what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool
    is_member: bool


def _channel(info: dict[str, object]) -> Channel:
    return Channel(
        id=str(info["id"]),
        name=str(info.get("name") or info["id"]),
        is_private=bool(info.get("is_private")),
        is_member=bool(info.get("is_member")),
    )


async def find_channel(slack: AsyncWebClient, ref: ChannelRef) -> Channel:
    """The channel `ref` names, as Slack sees it; ChannelRefused if it is gone, archived or hidden from the bot."""
    shown = str(ref)
    if ref.id is None:
        return await _by_name(slack, ref.name or "")
    try:
        info = (await slack.conversations_info(channel=ref.id))["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            # Private channels are invisible to the bot until it is invited.
            raise ChannelRefused(f"I can't see {shown}: it doesn't exist, or it is private.", INVITE_HINT) from error
        raise
    if info.get("is_im") or info.get("is_mpim"):
        raise ChannelRefused("I post these to a channel, not a direct message.", "Name a channel: `#team-ai`.")
    if info.get("is_archived"):
        raise ChannelRefused(f"{shown} is archived.", "Pick a channel that is in use.")
    return _channel(info)


async def _by_name(slack: AsyncWebClient, name: str) -> Channel:
    cursor: str | None = None
    while True:
        page = await slack.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=LIST_PAGE, cursor=cursor
        )
        for info in page["channels"]:
            if str(info.get("name", "")).lower() == name.lower():
                return _channel(info)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            raise ChannelRefused(f"I can't find a channel called #{name}.", f"If #{name} is private, {INVITE_HINT}")


async def ensure_member(slack: AsyncWebClient, channel: Channel) -> bool:
    """Join a public channel the bot is not in yet (True if it just joined); a private one must invite it."""
    if channel.is_member:
        return False
    if channel.is_private:
        raise ChannelRefused(f"I'm not in <#{channel.id}>.", INVITE_HINT)
    await slack.conversations_join(channel=channel.id)
    return True
