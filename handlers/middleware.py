"""What runs before every listener: the bot's services in the context, one workspace per single-workspace
install, and each Slack request handled once (bot/replays.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.payloads import slack_team_id
from bot.services import CONTEXT_KEY, BotServices

logger = logging.getLogger(__name__)

Next = Callable[[], Awaitable[BoltResponse]]
OTHER_WORKSPACE = (
    ":warning: This Kilo for Teams app is installed in another Slack workspace, so it does not answer here."
)


def register(app: AsyncApp, services: BotServices, *, multi_workspace: bool) -> None:
    @app.middleware
    async def provide_services(context: AsyncBoltContext, next: Next) -> BoltResponse:
        context[CONTEXT_KEY] = services
        return await next()

    if not multi_workspace:
        app.middleware(only_the_installed_workspace)

    @app.middleware
    async def once_per_request(body: dict[str, Any], next: Next) -> BoltResponse:
        # A modal submission must be answered again with the same response_action (an empty ack would
        # close the modal on its result): its listeners claim the view once and replay their answer.
        if body.get("type") == "view_submission":
            return await next()
        if not await services.replays.first_time(body):
            return BoltResponse(status=200, body="")  # a retry or replay: acked, not handled again
        return await next()


async def only_the_installed_workspace(body: dict[str, Any], context: AsyncBoltContext, next: Next) -> BoltResponse:
    """A single-workspace install answers the workspace of its token (auth.test) and no other."""
    installed = context.authorize_result.team_id if context.authorize_result else None
    asker = slack_team_id(body)
    if installed is None or asker is None or asker == installed:
        return await next()
    logger.warning("refused a request from workspace %s; this install serves %s", asker[:32], installed)
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": OTHER_WORKSPACE})
    return BoltResponse(status=200, body="")
