"""The seat part of `make demo`: the add-seats modal with its live preview, and a seat request as the
approvers and the requester see it — pending, approved, denied and expired — all from the real bot."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp

from bot.app import services_of
from bot.ids import ActionId, BlockId
from bot.seat_flows import expire_stale_requests, workspace_clients
from local_slack import FakeSlack, SlackUser

Post = Callable[[str, str, str], None]  # (bot URL, body, content type): a signed POST /slack/events
SeatShot = tuple[str, str, dict[str, Any], str]  # title, who, message or view, kind (modal, dm, channel)
TEAM = "TDEMO"


def _interaction(user: SlackUser, kind: str, trigger_id: str, **fields: Any) -> str:
    payload = {
        "type": kind,
        "team": {"id": TEAM, "domain": "demo"},
        "user": {"id": user.id, "username": user.name.lower(), "team_id": TEAM},
        "api_app_id": "ADEMO",
        "trigger_id": trigger_id,
        **fields,
    }
    return urlencode({"payload": json.dumps(payload)})


def _wait(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not answer in time")
        time.sleep(0.02)
    return found


class SeatDemo:
    def __init__(self, bot_url: str, fake: FakeSlack, people: dict[str, SlackUser], post: Post) -> None:
        self.bot_url, self.fake, self.people, self.post = bot_url, fake, people, post
        self.shots: list[SeatShot] = []

    def command(self, who: str, text: str) -> None:
        body = urlencode(
            {
                "team_id": TEAM,
                "user_id": self.people[who].id,
                "command": "/kilo",
                "text": text,
                "channel_id": "CDEMO",
                "response_url": self.fake.response_url(secrets.token_hex(6)),
                "trigger_id": self.fake.trigger(),
                "api_app_id": "ADEMO",
            }
        )
        self.post(self.bot_url, body, "application/x-www-form-urlencoded")

    def modal_after(self, opened_before: int, updates: int) -> dict[str, Any]:
        opened = self.fake.wait_for_call("views.open", count=opened_before + 1)[opened_before]
        view_id = opened.answer["view"]["id"]
        _wait(
            lambda: len([c for c in self.fake.calls_to("views.update") if c.args.get("view_id") == view_id]) >= updates
        )
        return self.fake.view(view_id)

    def dm(self, who: str) -> list[dict[str, Any]]:
        channel = self.fake.dm_channel(self.people[who].id)
        return [
            self.fake.message(channel, call.answer["ts"]) | {"channel": channel}
            for call in self.fake.calls_to("chat.postMessage")
            if call.args["channel"] == channel
        ]

    def click(self, who: str, message: dict[str, Any], action_id: str) -> None:
        value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
        body = _interaction(
            self.people[who],
            "block_actions",
            self.fake.trigger(),
            container={"type": "message", "message_ts": message["ts"], "channel_id": message["channel"]},
            channel={"id": message["channel"]},
            message=message,
            response_url=self.fake.response_url(secrets.token_hex(6)),
            actions=[
                {"type": "button", "action_id": action_id, "block_id": "kilo_seat_request_actions", "value": value}
            ],
        )
        self.post(self.bot_url, body, "application/x-www-form-urlencoded")

    def submit(self, who: str, view: dict[str, Any], values: Mapping[Any, Any]) -> None:
        body = _interaction(
            self.people[who], "view_submission", self.fake.trigger(), view={**view, "state": {"values": values}}
        )
        self.post(self.bot_url, body, "application/x-www-form-urlencoded")

    def add_seats(self) -> None:
        opened_before = len(self.fake.calls_to("views.open"))
        self.command("owner", "seats add 2")
        loading = self.fake.wait_for_call("views.open", count=opened_before + 1)[-1].args["view"]
        self.shots.append(("/kilo seats add 2 — opened at once", "owner", loading, "modal"))
        form = self.modal_after(opened_before, 1)
        self.shots.append(("/kilo seats add 2 — Kilo's price", "owner", form, "modal"))
        typed = {BlockId.SEATS_NUMBER: {ActionId.SEATS_NUMBER: {"type": "number_input", "value": "5"}}}
        body = _interaction(
            self.people["owner"],
            "block_actions",
            self.fake.trigger(form["id"]),
            container={"type": "view", "view_id": form["id"]},
            view={**form, "state": {"values": typed}},
            actions=[
                {
                    "type": "number_input",
                    "block_id": BlockId.SEATS_NUMBER,
                    "action_id": ActionId.SEATS_NUMBER,
                    "value": "5",
                }
            ],
        )
        self.post(self.bot_url, body, "application/x-www-form-urlencoded")
        refreshed = self.modal_after(opened_before, 2)
        self.shots.append(("Add seats — typed 5: the preview follows", "owner", refreshed, "modal"))
        self.submit("owner", refreshed, typed)
        self.shots.append(("Add seats — submitted", "owner", self.modal_after(opened_before, 3), "modal"))
        self.shots.append(("DM after adding seats", "owner", _wait(lambda: self.dm("owner"))[-1], "dm"))

    def request(self, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The member asks; the owner's copy and the member's own DM copy."""
        owner_before, member_before = len(self.dm("owner")), len(self.dm("member"))
        self.command("member", f"seats request {text}")
        owner_copy = _wait(lambda: self.dm("owner")[owner_before:])[-1]
        member_copy = _wait(lambda: self.dm("member")[member_before:])[-1]
        return owner_copy, member_copy

    def requests(self, bolt: AsyncApp) -> None:
        owner_copy, member_copy = self.request("2 Two new hires start on Monday")
        self.shots.append(("Seat request — pending (DM to each Owner and Admin)", "owner", owner_copy, "dm"))
        self.shots.append(("Seat request — the requester's DM", "member", member_copy, "dm"))
        admin_copy = _wait(lambda: self.dm("admin"))[-1]
        opened_before = len(self.fake.calls_to("views.open"))
        self.click("admin", admin_copy, ActionId.SEAT_REQUEST_APPROVE)
        confirm = self.modal_after(opened_before, 1)
        self.shots.append(("Approve — the price recomputed now", "admin", confirm, "modal"))
        member_before = len(self.dm("member"))
        self.submit("admin", confirm, {})
        outcome = _wait(lambda: self.dm("member")[member_before:])[-1]
        channel, ts = owner_copy["channel"], owner_copy["ts"]
        self.shots.append(
            ("Seat request — approved (every copy edited)", "owner", self.fake.message(channel, ts), "dm")
        )
        self.shots.append(("The requester's DM with the outcome", "member", outcome, "dm"))

        owner_copy, _ = self.request("3 Contractors for the migration")
        opened_before = len(self.fake.calls_to("views.open"))
        self.click("owner", owner_copy | {"channel": owner_copy["channel"]}, ActionId.SEAT_REQUEST_DENY)
        deny = self.fake.wait_for_call("views.open", count=opened_before + 1)[-1].answer["view"]
        self.shots.append(("Deny — an optional reason", "owner", deny, "modal"))
        reason = {
            BlockId.SEAT_DENY_REASON: {
                ActionId.SEAT_DENY_REASON: {"type": "plain_text_input", "value": "Not this quarter"}
            }
        }
        member_before = len(self.dm("member"))
        self.submit("owner", deny, reason)
        _wait(lambda: self.dm("member")[member_before:])
        self.shots.append(
            ("Seat request — denied", "owner", self.fake.message(owner_copy["channel"], owner_copy["ts"]), "dm")
        )

        owner_copy, _ = self.request("1")
        services = services_of(bolt)
        later = services.clock() + timedelta(hours=72, minutes=1)
        asyncio.run(expire_stale_requests(services, workspace_clients(bolt, services.settings), later))
        self.shots.append(
            (
                "Seat request — expired after 72 hours",
                "owner",
                self.fake.message(owner_copy["channel"], owner_copy["ts"]),
                "dm",
            )
        )
        self.shots.append(("The requester's DM when it expired", "member", self.dm("member")[-1], "dm"))


def seat_shots(
    bot_url: str, bolt: AsyncApp, fake: FakeSlack, people: dict[str, SlackUser], post: Post
) -> list[SeatShot]:
    demo = SeatDemo(bot_url, fake, people, post)
    demo.add_seats()
    demo.requests(bolt)
    return demo.shots
