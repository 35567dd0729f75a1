"""Failures become a friendly, private reply, in one place.

Listeners are wrapped with `replies_on_failure` rather than relying on Bolt's app.error alone: with
process_before_response=False Bolt resets the ack after an error handler runs, and a fast error reply
can make Bolt answer Slack 404 "unhandled request" although ack() was called (slack-bolt 1.30).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.explain import explain

logger = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


def replies_on_failure(listener: Listener) -> Listener:
    """Run the listener (which takes `body` and `context`); whatever it raises is explained to the person."""

    @functools.wraps(listener)
    async def guarded(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except Exception as error:
            response_url = kwargs["body"].get("response_url")
            if not response_url:
                logger.warning("could not tell the user about %r", error)
                return
            try:
                await kwargs["context"]["kilo"].replies.send(response_url, explain(error))
            except Exception:  # Slack itself is unreachable: nothing more can be shown
                logger.exception("could not deliver an error message")

    return guarded


async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None = None) -> None:
    """Anything that failed outside a guarded listener (middleware, Bolt itself)."""
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
