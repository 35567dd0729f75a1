"""The playground's picture of one Slack workspace, kept from what the bot sent to the fake Web API:
conversations and their messages (who may see each), open modals per person, App Home tabs, files."""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from local_slack.render import STATEFUL_ELEMENTS

BOT = "U0KILOBOT"  # the app's bot user, as the fake's auth.test names it
ID_ALPHABET = string.ascii_letters + string.digits


@dataclass
class Conversation:
    id: str
    name: str
    kind: str  # "channel" or "im" (a person's Messages tab with the app)
    user: str | None = None  # for "im": whose


@dataclass
class Posted:
    """A message as someone sees it in a conversation."""

    ts: str
    channel: str
    author: str  # a user id, or BOT
    text: str
    blocks: list[dict[str, Any]]
    visible_to: str | None = None  # ephemeral: only this person sees it
    files: list[str] = field(default_factory=list)
    thread_ts: str | None = None
    edited: bool = False
    command: bool = False  # the person's own slash command, shown to them as a reminder of what they ran

    def as_slack_message(self) -> dict[str, Any]:
        """The `message` of a block_actions payload."""
        return {
            "type": "message",
            "user": self.author,
            "bot_id": "B0KILOBOT" if self.author == BOT else None,
            "text": self.text,
            "ts": self.ts,
            "blocks": self.blocks,
        }


@dataclass
class OpenView:
    """A modal in someone's stack, as Slack keeps it (id, hash, …), with the inline errors shown under it."""

    view: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    revision: int = 0


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url's messages go: its conversation, its person, and the message it came from."""

    channel: str
    user: str
    source_ts: str | None = None


def slack_id(length: int = 5) -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as Slack returns them: every block has a block_id and every interactive element an action_id."""
    filled = []
    for block in blocks:
        block = {**block, "block_id": block.get("block_id") or slack_id()}
        if isinstance(block.get("element"), dict):
            block["element"] = _with_action_id(block["element"])
        if isinstance(block.get("accessory"), dict):
            block["accessory"] = _with_action_id(block["accessory"])
        if block.get("type") == "actions":
            block["elements"] = [_with_action_id(e) for e in block.get("elements") or []]
        filled.append(block)
    return filled


def _with_action_id(element: dict[str, Any]) -> dict[str, Any]:
    interactive = element.get("type") in STATEFUL_ELEMENTS or element.get("type") in ("button", "overflow")
    if interactive and not element.get("action_id"):
        return {**element, "action_id": slack_id()}
    return element


def view_with_ids(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "blocks": with_ids(list(view.get("blocks") or []))}


class Workspace:
    """Everything the page shows; fed by the fake Slack (as its Observer) and by the page's own actions."""

    def __init__(self, team_id: str, channels: dict[str, str]) -> None:
        self.team_id = team_id
        self.conversations: dict[str, Conversation] = {
            cid: Conversation(cid, name, "channel") for cid, name in channels.items()
        }
        self.messages: list[Posted] = []
        self.modals: dict[str, list[OpenView]] = defaultdict(list)
        self.homes: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, str] = {}  # trigger_id → the person whose action it came from
        self.targets: dict[str, ResponseTarget] = {}  # response_url key → where its messages go
        self.notices: list[tuple[int, str, str]] = []  # (version, user, text): what went wrong, shown once
        self.version = 0
        self.lock = threading.RLock()

    # --- bookkeeping -----------------------------------------------------------------------------

    def changed(self) -> None:
        with self.lock:
            self.version += 1

    def notice(self, user: str, text: str) -> None:
        with self.lock:
            self.version += 1
            self.notices.append((self.version, user, text))

    def remember_trigger(self, trigger_id: str, user: str) -> str:
        """Slack's trigger_id of someone's interaction: a modal it opens is theirs."""
        with self.lock:
            self.triggers[trigger_id] = user
        return trigger_id

    def new_target(self, target: ResponseTarget) -> str:
        key = secrets.token_hex(8)
        with self.lock:
            self.targets[key] = target
        return key

    def direct_messages(self, user: str) -> Conversation:
        """A person's Messages tab with the app (Slack's DM between them and the bot)."""
        with self.lock:
            for conversation in self.conversations.values():
                if conversation.kind == "im" and conversation.user == user:
                    return conversation
            conversation = Conversation(f"D{user[1:]}", "Kilo", "im", user)
            self.conversations[conversation.id] = conversation
            return conversation

    def conversation(self, channel: str) -> Conversation:
        """The conversation a channel id names; posting to a user id means their DM with the app."""
        with self.lock:
            if channel.startswith(("U", "W")):
                return self.direct_messages(channel)
            if channel.startswith("D") and channel not in self.conversations:
                return self.direct_messages(f"U{channel[1:]}")  # the fake's DM id for that person
            if channel not in self.conversations:
                self.conversations[channel] = Conversation(channel, channel.lower(), "channel")
            return self.conversations[channel]

    def post(self, message: Posted) -> Posted:
        with self.lock:
            self.messages.append(message)
            self.version += 1
        return message

    def find(self, channel: str, ts: str) -> Posted | None:
        with self.lock:
            return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def visible(self, user: str, channel: str) -> list[Posted]:
        """The conversation as `user` sees it: shared messages and their own ephemeral ones, threads after
        their parent."""
        with self.lock:
            seen = [m for m in self.messages if m.channel == channel and m.visible_to in (None, user)]
        roots = [m for m in seen if not m.thread_ts or m.thread_ts == m.ts]
        ordered: list[Posted] = []
        for root in roots:
            ordered.append(root)
            ordered += [m for m in seen if m.thread_ts == root.ts and m.ts != root.ts]
        return ordered

    def top_view(self, user: str) -> OpenView | None:
        with self.lock:
            stack = self.modals.get(user)
            return stack[-1] if stack else None

    def view_by_id(self, view_id: str) -> tuple[str, OpenView | None, dict[str, Any] | None]:
        """(user, the open modal, the App Home view) with this id."""
        with self.lock:
            for user, stack in self.modals.items():
                for open_view in stack:
                    if open_view.view.get("id") == view_id:
                        return user, open_view, None
            for user, home in self.homes.items():
                if home.get("id") == view_id:
                    return user, None, home
        return "", None, None

    def open_modal(self, user: str, view: dict[str, Any], *, push: bool) -> None:
        with self.lock:
            stack = self.modals[user]
            if push and stack:
                view = {**view, "root_view_id": stack[0].view["id"], "previous_view_id": stack[-1].view["id"]}
            else:
                stack.clear()
            stack.append(OpenView(view_with_ids(view)))
            self.version += 1

    def replace_view(self, view: dict[str, Any]) -> None:
        """views.update, or a submission answered with response_action update: same id, new content."""
        with self.lock:
            user, open_view, home = self.view_by_id(view["id"])
            if open_view is not None:
                open_view.view = view_with_ids(view)  # a new view under the same id, as Slack's update
                open_view.errors = {}
                open_view.revision += 1
            elif home is not None:
                self.homes[user] = view_with_ids(view)
            self.version += 1

    def close_modal(self, user: str, *, everything: bool) -> None:
        with self.lock:
            stack = self.modals[user]
            if everything:
                stack.clear()
            elif stack:
                stack.pop()
            self.version += 1

    def show_errors(self, user: str, errors: dict[str, str]) -> None:
        with self.lock:
            top = self.top_view(user)
            if top is not None:
                top.errors = dict(errors)
                top.revision += 1
            self.version += 1

    # --- the fake Slack's Observer -----------------------------------------------------------------

    def api_called(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None:
        """What the bot did through the Web API, as the workspace's people would see it."""
        blocks = with_ids(_list(args.get("blocks")))
        text = str(args.get("text") or "")
        match method:
            case "chat.postMessage":
                channel = self.conversation(str(args["channel"])).id
                self.post(Posted(str(answer["ts"]), channel, BOT, text, blocks, thread_ts=args.get("thread_ts")))
            case "chat.postEphemeral":
                channel = self.conversation(str(args["channel"])).id
                ephemeral = Posted(str(answer["message_ts"]), channel, BOT, text, blocks, visible_to=str(args["user"]))
                self.post(ephemeral)
            case "chat.update":
                found = self.find(self.conversation(str(args["channel"])).id, str(args["ts"]))
                if found is not None:
                    with self.lock:
                        found.text, found.blocks, found.edited = text or found.text, blocks, True
                        self.version += 1
            case "chat.delete":
                found = self.find(self.conversation(str(args["channel"])).id, str(args["ts"]))
                if found is not None:
                    with self.lock:
                        self.messages.remove(found)
                        self.version += 1
            case "views.open" | "views.push":
                user = self.triggers.get(str(args["trigger_id"]))
                if user is not None:
                    self.open_modal(user, answer["view"], push=method == "views.push")
            case "views.update":
                self.replace_view(answer["view"])
            case "views.publish":
                with self.lock:
                    self.homes[str(args["user_id"])] = view_with_ids(answer["view"])
                    self.version += 1
            case "files.completeUploadExternal":
                self._files_shared(args)

    def _files_shared(self, args: dict[str, Any]) -> None:
        channel = args.get("channel_id") or args.get("channels")
        if not channel:
            return  # uploaded privately: shown where a block refers to it
        files = [str(f["id"]) for f in _list(args["files"])]
        ts = f"{time.time():.6f}"
        comment = str(args.get("initial_comment") or "")
        conversation = self.conversation(str(channel).split(",")[0]).id
        self.post(Posted(ts, conversation, BOT, comment, [], files=files, thread_ts=args.get("thread_ts")))

    def responded(self, key: str, body: dict[str, Any]) -> None:
        """A message sent to a response_url the playground handed out (others belong to someone else)."""
        target = self.targets.get(key)
        if target is None:
            return
        source = self.find(target.channel, target.source_ts) if target.source_ts else None
        blocks = with_ids(_list(body.get("blocks")))
        text = str(body.get("text") or "")
        with self.lock:
            if body.get("delete_original") and source is not None:
                self.messages.remove(source)
            elif body.get("replace_original") and source is not None:
                source.text, source.blocks, source.edited = text, blocks, True
            else:
                shared = body.get("response_type") == "in_channel"
                ts = f"{time.time():.6f}"
                self.messages.append(
                    Posted(ts, target.channel, BOT, text, blocks, visible_to=None if shared else target.user)
                )
            self.version += 1


def _list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return list(value or [])
