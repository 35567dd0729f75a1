"""App Home: the dashboard, rebuilt each time the Home tab is opened."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.explain import explain
from bot.views.blocks import home_view
from bot.views.home import home
from handlers.listener import Turn, after_ack


@after_ack
async def app_home_opened(turn: Turn) -> None:
    if turn.body["event"].get("tab") != "home":
        return
    try:
        dashboard = await turn.dashboard()
        view = home(await dashboard.home(), dashboard.caller, turn.now)
    except Exception as error:  # the Home tab has no response_url: show the explanation in the tab itself
        view = home_view(explain(error).blocks)
    await turn.slack.views_publish(user_id=turn.asker.user_id, view=view)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(app_home_opened)
