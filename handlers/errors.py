"""Anything that failed outside a listener (middleware, Bolt itself) becomes a friendly, private reply."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.explain import explain

logger = logging.getLogger(__name__)


async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None = None) -> None:
    message = explain(error)
    if respond is None or not body.get("response_url"):
        logger.warning("could not tell the user about %r", error)
        return
    try:
        await respond(response_type="ephemeral", replace_original=False, **message.payload())
    except Exception:
        logger.exception("could not deliver an error message")


def register(app: AsyncApp) -> None:
    app.error(on_error)
