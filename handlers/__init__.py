"""Slack listeners, one module per kind (commands, actions, events); each wires itself with register(app)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, digests, errors, events, views


def register(app: AsyncApp) -> None:
    errors.register(app)
    commands.register(app)
    actions.register(app)
    events.register(app)
    views.register(app)
    digests.register(app)
