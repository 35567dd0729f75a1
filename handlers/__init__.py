"""Slack listeners, one module per kind (commands, actions, events, views), each wired with register(app),
after the middleware every request passes."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import BotServices
from handlers import actions, commands, digests, errors, events, manage, middleware, seats, views


def register(app: AsyncApp, services: BotServices, *, multi_workspace: bool) -> None:
    middleware.register(app, services, multi_workspace=multi_workspace)
    errors.register(app)
    commands.register(app)
    actions.register(app)
    events.register(app)
    views.register(app)
    seats.register(app)
    manage.register(app)
    digests.register(app)
