"""App Home: the dashboard, rebuilt each time the Home tab is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.dashboard import Dashboard
from bot.explain import explain
from bot.views.blocks import home_view
from bot.views.common import home


async def app_home_opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    if event.get("tab") != "home":
        return
    services = context["kilo"]
    user_id = event["user"]
    try:
        caller, backend = await services.identity.resolve(client, context.team_id, user_id, services.clock())
        view = home(await Dashboard(backend, caller).home(), caller, services.clock())
    except Exception as error:  # the Home tab has no response_url: show the explanation in the tab itself
        view = home_view(explain(error).blocks)
    await client.views_publish(user_id=user_id, view=view)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(app_home_opened)
