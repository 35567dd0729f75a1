"""`make demo`, the admin part: each admin modal as the bot opens it (commands, member menus), the second step
of cancelling, and two results, driven through signed requests like everything else in the demo."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.ids import ActionId, BlockId
from local_slack import FakeSlack, SlackUser, interactivity

Post = Callable[[str, str, str], Any]

# (who, /kilo text) of the commands that open a modal
MODAL_COMMANDS: list[tuple[str, str]] = [
    ("owner", "invite ana@example.com admin"),
    ("member", "invite"),
    ("admin", "policies"),
    ("owner", "subscription cycle"),
    ("owner", "subscription cancel"),
    ("owner", "credits buy 50"),
]
MEMBER_MENU_CHOICES = ("Change role", "Set daily limit", "Remove")
WAIT_SECONDS = 15.0


@dataclass
class ModalShot:
    title: str
    who: str
    view: dict[str, Any]


@dataclass
class AdminDemo:
    bot_url: str
    slack: FakeSlack
    people: dict[str, SlackUser]
    team_id: str
    post: Post

    def command(self, who: str, text: str) -> str:
        """Run /kilo TEXT; the trigger it carried."""
        trigger = self.slack.trigger()
        body = {
            "team_id": self.team_id,
            "user_id": self.people[who].id,
            "command": "/kilo",
            "text": text,
            "channel_id": "CDEMO",
            "response_url": self.slack.response_url(secrets.token_hex(6)),
            "trigger_id": trigger,
            "api_app_id": "ADEMO",
        }
        self.post(self.bot_url, urlencode(body), "application/x-www-form-urlencoded")
        return trigger

    def opened(self, trigger: str) -> str:
        """The id of the modal the trigger opened, once its loading view was replaced."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            opened = [c for c in self.slack.calls_to("views.open") if c.args.get("trigger_id") == trigger]
            if opened and opened[0].answer and opened[0].answer.get("ok"):
                view_id = str(opened[0].answer["view"]["id"])
                if any(c.args.get("view_id") == view_id for c in self.slack.calls_to("views.update")):
                    return view_id
            time.sleep(0.02)
        raise AssertionError(f"no modal opened for trigger {trigger}")

    def submit(self, who: str, view_id: str, typed: dict[str, Any]) -> dict[str, Any]:
        payload = interactivity.view_submission(
            self.slack.view(view_id), user_id=self.people[who].id, team_id=self.team_id, typed=typed
        )
        answer = self.post(
            self.bot_url, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        self.slack.answer_submission(view_id, answer)
        deadline = time.monotonic() + WAIT_SECONDS
        while "Working on it" in json.dumps(self.slack.view(view_id)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.slack.view(view_id)

    def member_menu(self, who: str, choice: str) -> dict[str, Any]:
        """Choose `choice` on a Member's row of /kilo members."""
        key = secrets.token_hex(6)
        body = {
            "team_id": self.team_id,
            "user_id": self.people[who].id,
            "command": "/kilo",
            "text": "members member",
            "channel_id": "CDEMO",
            "response_url": self.slack.response_url(key),
            "trigger_id": self.slack.trigger(),
            "api_app_id": "ADEMO",
        }
        self.post(self.bot_url, urlencode(body), "application/x-www-form-urlencoded")
        message = self.slack.wait_for_response(key)
        trigger = self.slack.trigger()
        payload = interactivity.message_action(
            message,
            ActionId.MEMBER_MENU,
            user_id=self.people[who].id,
            team_id=self.team_id,
            trigger_id=trigger,
            response_url=self.slack.response_url(key),
            option=choice,
        )
        self.post(self.bot_url, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        return self.slack.view(self.opened(trigger))


def admin_modals(demo: AdminDemo) -> list[ModalShot]:
    shots: list[ModalShot] = []
    opened: dict[str, str] = {}
    for who, text in MODAL_COMMANDS:
        view_id = demo.opened(demo.command(who, text))
        opened[text] = view_id
        shots.append(ModalShot(f"/kilo {text}", who, demo.slack.view(view_id)))
    for choice in MEMBER_MENU_CHOICES:
        shots.append(ModalShot(f"/kilo members → {choice}", "owner", demo.member_menu("owner", choice)))
    cancel = demo.submit("owner", opened["subscription cancel"], {})
    shots.append(ModalShot("/kilo subscription cancel → Continue", "owner", cancel))
    bought = demo.submit("owner", opened["credits buy 50"], {BlockId.CREDIT_AMOUNT: "50"})
    shots.append(ModalShot("/kilo credits buy 50 → Buy credits", "owner", bought))
    return shots
