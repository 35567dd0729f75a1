"""A strict stand-in for Slack's Web API on loopback, for tests, the demo and benchmarks.

It checks tokens, scopes and required arguments, parses every blocks payload with slack_sdk.models and
refuses what Slack would refuse (invalid_blocks), keeps conversations (public, private, archived, DMs) with
the bot's membership and their messages, serves response_url and file upload URLs, records every call,
and answers 429 ratelimited with Retry-After (injected once, or opt-in limits as Slack applies them).
Modals live as Slack keeps them: a trigger_id opens or pushes one view, once, within 3 s; each view
has an id and a hash that every update changes, and an update with a stale hash is refused (hash_conflict).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from local_slack.rate_limits import RateLimits

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
TRIGGER_SECONDS = 3.0  # a trigger_id can be exchanged for a view this long after the interaction
MAX_VIEW_STACK = 3  # views.push: "push_limit_reached" past three views in a stack
VIEW_KEYS = ("type", "title", "blocks", "close", "submit", "private_metadata", "callback_id", "external_id")

REQUIRED: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.update": ("view",),  # and view_id or external_id
    "views.publish": ("user_id", "view"),
    "users.info": ("user",),
    "conversations.info": ("channel",),
    "conversations.open": (),
    "users.lookupByEmail": ("email",),
    "conversations.list": (),
    "conversations.join": ("channel",),
    "chat.getPermalink": ("channel", "message_ts"),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "oauth.v2.access": ("code",),
    "apps.connections.open": (),
}
# The scope each method needs from a bot token (conversations.* depend on the conversation's type).
METHOD_SCOPES: dict[str, str] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "conversations.open": "im:write",
    "conversations.join": "channels:join",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
TYPE_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
BOT_USER_ID = "U0KILOBOT"
DEFAULT_TEAM = "T0000TEST"
CLIENT_AUTHENTICATED = frozenset({"oauth.v2.access"})
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class SlackUser:
    id: str
    email: str | None
    name: str
    tz: str = "Europe/Berlin"
    team_id: str = "T0000TEST"
    is_bot: bool = False
    is_admin: bool = False


class Observer(Protocol):
    """Told of what reached the fake, after it answered: the playground keeps its picture of Slack this way."""

    def api_called(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None: ...
    def responded(self, key: str, body: dict[str, Any]) -> None: ...


@dataclass
class UploadedFile:
    """A file as the playground shows it: its name, title and bytes."""

    name: str
    content: bytes = b""
    title: str = ""


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered
    scopes: tuple[str, ...] = ()  # the scopes this call needed (and had), when it succeeded
    at: float = field(default_factory=time.monotonic)  # when the call reached the fake
    ok: bool = True  # False: Slack refused it (an error or a 429)


@dataclass
class Trigger:
    issued_at: float  # time.monotonic()
    view_id: str | None  # the view an interaction inside a modal came from (for views.push)
    exchanged: bool = False


@dataclass
class PostedMessage:
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first


@dataclass
class SharedFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None
    title: str | None = None
    completed: bool = False
    channel: str | None = None
    thread_ts: str | None = None


@dataclass
class Conversation:
    """A public or private channel, or a DM with the bot; `members` are user ids (the bot is U0KILOBOT)."""

    id: str
    name: str
    team_id: str = DEFAULT_TEAM
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    user: str | None = None  # a DM's person
    members: set[str] = field(default_factory=set)
    messages: list[PostedMessage] = field(default_factory=list)

    @property
    def type(self) -> str:
        return "im" if self.is_im else "private_channel" if self.is_private else "public_channel"

    @property
    def bot_is_member(self) -> bool:
        return self.is_im or BOT_USER_ID in self.members

    def as_dict(self) -> dict[str, Any]:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.user, "is_archived": False, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.bot_is_member,
            "num_members": len(self.members),
            "context_team_id": self.team_id,
        }


@dataclass
class FakeSlackState:
    token: str
    base_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # bot token → team id
    apps: dict[str, str] = field(default_factory=dict)  # OAuth client id → secret
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # OAuth code → (team id, installer)
    app_tokens: dict[str, str] = field(default_factory=dict)  # xapp- token → Socket Mode URL
    users: dict[str, SlackUser] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    files: dict[str, SharedFile] = field(default_factory=dict)
    observers: list[Observer] = field(default_factory=list)
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)  # token → granted (absent: every scope)
    scopes_used: set[str] = field(default_factory=set)
    limits: RateLimits | None = None
    calls: list[Call] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    response_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[str, bytes] = field(default_factory=dict)
    rate_limits: dict[str, list[int]] = field(default_factory=dict)
    failing_responses: dict[str, list[int]] = field(default_factory=dict)  # response_url key → [times, status]
    triggers: dict[str, Trigger] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # open modals by id, as Slack shows them
    stacks: dict[str, list[str]] = field(default_factory=dict)  # root view id → the views stacked on it
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)  # method → (times, Slack error)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Condition = field(default_factory=threading.Condition)


class FakeSlack:
    """The state and the ASGI app; serve `app` with BackgroundServer and set SLACK_API_URL to `api_url`."""

    def __init__(self, token: str = "xoxb-test-token", team_id: str = "T0000TEST") -> None:
        self.state = FakeSlackState(token=token, tokens={token: team_id})
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/response/{key}", self._response_url, methods=["POST"]),
                Route("/upload/{file_id}", self._upload, methods=["POST"]),
            ]
        )

    # --- set-up and inspection used by tests -------------------------------------------------

    def bind(self, base_url: str) -> None:
        self.state.base_url = base_url.rstrip("/")

    @property
    def api_url(self) -> str:
        return f"{self.state.base_url}/api/"

    def add_user(self, user: SlackUser) -> SlackUser:
        self.state.users[user.id] = user
        return user

    def response_url(self, key: str) -> str:
        return f"{self.state.base_url}/response/{key}"

    def enable_socket_mode(self, app_token: str, websocket_url: str) -> None:
        self.state.app_tokens[app_token] = websocket_url

    def install_workspace(self, team_id: str) -> str:
        """A bot token for `team_id`, as an install of the app there would issue."""
        token = f"xoxb-{team_id}-{next(self.state.counter)}"
        self.state.tokens[token] = team_id
        return token

    def register_app(self, client_id: str, client_secret: str) -> None:
        self.state.apps[client_id] = client_secret

    def authorization_code(self, team_id: str, installer: str) -> str:
        """What Slack hands the redirect URL after someone approves the install in `team_id`."""
        code = f"code-{next(self.state.counter)}"
        self.state.codes[code] = (team_id, installer)
        return code

    def trigger(self, from_view: str | None = None) -> str:
        """A trigger_id, as Slack puts in an interaction's payload (from inside the modal `from_view`)."""
        serial = next(self.state.counter)
        trigger_id = f"{serial}.{int(time.time())}.{uuid.uuid4().hex[:16]}"
        with self.state.lock:
            self.state.triggers[trigger_id] = Trigger(time.monotonic(), from_view)
        return trigger_id

    def view(self, view_id: str) -> dict[str, Any]:
        """The modal as the person sees it now (what Slack sends back in its payloads)."""
        with self.state.lock:
            shown: dict[str, Any] = json.loads(json.dumps(self.state.views[view_id]))
        return shown

    def open_views(self) -> list[str]:
        with self.state.lock:
            return list(self.state.views)

    def answer_submission(self, view_id: str, answer: dict[str, Any]) -> str | None:
        """What Slack does with the answer to a view_submission: `update` replaces the view, `push` stacks
        one on it, `clear` closes the stack, `errors` leaves it open, an empty answer closes this view; a view
        Slack would refuse is refused here too (ValueError). Returns the view id shown afterwards, if any."""
        action = answer.get("response_action")
        with self.state.lock:
            current = self.state.views[view_id]
            if action == "errors":
                return view_id
            if action == "clear":
                self._close_stack(current["root_view_id"])
                return None
            if action is None:
                stack = self.state.stacks[current["root_view_id"]]
                stack.remove(view_id)
                del self.state.views[view_id]
                if not stack:
                    del self.state.stacks[current["root_view_id"]]
                return stack[-1] if stack else None
            view = _json(answer.get("view"))
            problem = call_problem("views.update", {"view": view})
            if problem:
                raise ValueError(f"Slack would refuse this view: {problem}")
            if action == "update":
                self.state.views[view_id] = self._shown(view, view_id, current["root_view_id"], current)
                return view_id
            if action == "push":
                return self._push(view, current)
        raise ValueError(f"unknown response_action {action!r}")

    def close_view(self, view_id: str) -> None:
        """The person closes the modal (and every view stacked with it)."""
        with self.state.lock:
            self._close_stack(self.state.views[view_id]["root_view_id"])

    def _close_stack(self, root_id: str) -> None:
        for stacked in self.state.stacks.pop(root_id, []):
            self.state.views.pop(stacked, None)

    def _shown(
        self, view: dict[str, Any], view_id: str, root_id: str, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """A view as Slack stores and returns it: our fields plus id, hash, state and the stack it is in."""
        team_id = previous["team_id"] if previous else "T0000TEST"
        shown = {key: view[key] for key in VIEW_KEYS if key in view}
        shown.setdefault("private_metadata", "")
        shown.setdefault("callback_id", "")
        shown.setdefault("external_id", "")
        return {
            "id": view_id,
            "team_id": team_id,
            **shown,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_id,
            "previous_view_id": previous.get("previous_view_id") if previous else None,
            "app_id": "A0KILO",
            "app_installed_team_id": team_id,
            "bot_id": "B0KILOBOT",
        }

    def _push(self, view: dict[str, Any], below: dict[str, Any]) -> str:
        stack = self.state.stacks[below["root_view_id"]]
        if len(stack) >= MAX_VIEW_STACK:
            raise ValueError("push_limit_reached")
        view_id = f"V{next(self.state.counter):08d}"
        shown = self._shown(view, view_id, below["root_view_id"], below)
        shown["previous_view_id"] = below["id"]
        self.state.views[view_id] = shown
        stack.append(view_id)
        return view_id

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` answer 429 with this Retry-After."""
        self.state.rate_limits[method] = [times, retry_after]

    def fail_response_url(self, key: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` posts to response_url `key` answer `status` (and are not kept)."""
        self.state.failing_responses[key] = [times, status]

    def fail(self, method: str, error: str = "internal_error", *, times: int = 1) -> None:
        """The next `times` calls of `method` fail with this error (Slack's internal_error, fatal_error…)."""
        self.state.failures[method] = (times, error)

    def enforce_rate_limits(self, limits: RateLimits | None) -> None:
        """Opt in to Slack's per-method tiers and per-channel message limit (None turns them off)."""
        self.state.limits = limits

    def grant(self, token: str, scopes: set[str] | frozenset[str]) -> None:
        """Give a bot token exactly these scopes (by default a token has every scope)."""
        self.state.scopes[token] = frozenset(scopes)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
        team_id: str = DEFAULT_TEAM,
        members: set[str] | None = None,
    ) -> Conversation:
        people = set(members or set()) | ({BOT_USER_ID} if bot_member else set())
        conversation = Conversation(channel_id, name, team_id, private, archived, members=people)
        with self.state.lock:
            self.state.conversations[channel_id] = conversation
        return conversation

    def archive(self, channel_id: str) -> None:
        with self.state.lock:
            self.state.conversations[channel_id].is_archived = True

    def delete_channel(self, channel_id: str) -> None:
        with self.state.lock:
            self.state.conversations.pop(channel_id, None)

    def messages_in(self, channel_id: str) -> list[PostedMessage]:
        """Messages posted in a channel (or, given a user id, in the bot's DM with that person)."""
        if channel_id[:1] in ("U", "W"):
            channel_id = self.dm_channel(channel_id)
        with self.state.lock:
            conversation = self.state.conversations.get(channel_id)
            return list(conversation.messages) if conversation else []

    def files_in_thread(self, channel_id: str, thread_ts: str) -> list[SharedFile]:
        with self.state.lock:
            return [f for f in self.state.files.values() if f.channel == channel_id and f.thread_ts == thread_ts]

    def file_bytes(self, file_id: str) -> bytes:
        return self.state.uploads[file_id]

    def calls_to(self, method: str) -> list[Call]:
        with self.state.lock:
            return [call for call in self.state.calls if call.method == method]

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self.state.lock:
            while len([c for c in self.state.calls if c.method == method]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"Slack's {method} was not called {count} time(s) within {timeout}s")
                self.state.lock.wait(remaining)
            return [c for c in self.state.calls if c.method == method]

    def wait_for_response(self, key: str, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        """The `count`-th message posted to the response_url `key`."""
        deadline = time.monotonic() + timeout
        with self.state.lock:
            while len(self.state.responses[key]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"nothing was posted to response_url {key} within {timeout}s")
                self.state.lock.wait(remaining)
            return self.state.responses[key][count - 1]

    def first_response_time(self, key: str) -> float | None:
        """time.monotonic() when the first message reached response_url `key`."""
        with self.state.lock:
            times = self.state.response_times.get(key)
            return times[0] if times else None

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A message as it reads now (after every chat.update); `channel` may be a user id (their DM)."""
        with self.state.lock:
            conversation = self._conversation(channel)
            found = next(m for m in (conversation.messages if conversation else []) if m.ts == ts)
            return {"text": found.text, "blocks": found.blocks, "ts": found.ts, "bot_id": "B0KILOBOT"}

    def observe(self, observer: Observer) -> None:
        """Tell `observer` of every call that succeeded and every response_url message (the playground)."""
        self.state.observers.append(observer)

    def file(self, file_id: str) -> UploadedFile | None:
        with self.state.lock:
            shared = self.state.files.get(file_id)
            if shared is None:
                return None
            return UploadedFile(shared.filename, self.state.uploads.get(file_id, b""), shared.title or "")

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with a user (what conversations.open answers)."""
        return f"D{user_id[1:]}"

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.responses[key])

    # --- the Web API ---------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args = await _arguments(request)
        token = _token(request, args)
        limit = self.state.rate_limits.get(method)
        if limit and limit[0] > 0:
            limit[0] -= 1
            self._record(method, args, ok=False)
            return JSONResponse(
                {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": str(limit[1])}
            )
        if method in CLIENT_AUTHENTICATED:
            client_id, secret = _client_credentials(request, args)
            if self.state.apps.get(client_id or "") != secret or secret is None:
                return _fail("invalid_client_id")
        elif token is None:
            return _fail("not_authed")
        elif method in APP_TOKEN_METHODS:
            if token not in self.state.app_tokens:
                return _fail("invalid_auth" if token.startswith("xapp-") else "not_allowed_token_type")
        elif token not in self.state.tokens:
            return _fail("invalid_auth")
        if method not in REQUIRED:
            return _fail("unknown_method")
        team_id = self.state.tokens.get(token or "", DEFAULT_TEAM)
        if self.state.limits is not None and token is not None:
            channel = args.get("channel") or args.get("channel_id")
            wait = self.state.limits.retry_after(team_id, method, channel if isinstance(channel, str) else None)
            if wait is not None:
                self._record(method, args, token, ok=False)
                return JSONResponse(
                    {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": str(wait)}
                )
        missing = [name for name in REQUIRED[method] if args.get(name) in (None, "")]
        if missing:
            return _fail("invalid_arguments", detail=f"missing required arguments: {', '.join(missing)}")
        with self.state.lock:
            times, error = self.state.failures.get(method, (0, ""))
            if times > 0:
                self.state.failures[method] = (times - 1, error)
        if times > 0:
            self._record(method, args, token, ok=False)
            return _fail(error)
        problem = call_problem(method, args) or self._file_problem(args)
        if problem:
            return _fail(*problem)
        needed = self._needed_scopes(method, args)
        granted = self.state.scopes.get(token or "")
        lacking = [scope for scope in needed if granted is not None and scope not in granted]
        if lacking:
            provided = ",".join(sorted(granted or ()))
            return JSONResponse({"ok": False, "error": "missing_scope", "needed": lacking[0], "provided": provided})
        if method in ("views.open", "views.push", "views.update"):
            with self.state.lock:
                answer = self._modal(method, args, token)
            self._record(method, args, token, answer, tuple(needed), ok=bool(answer.get("ok")))
            return JSONResponse(answer)
        with self.state.lock:
            answer = self._answer(method, args, token)
            used = tuple(needed) + (("users:read.email",) if answer.pop("_email_shared", False) else ())
            if answer.get("ok"):
                self.state.scopes_used.update(used)
        self._record(method, args, token, answer, used if answer.get("ok") else (), ok=bool(answer.get("ok")))
        return JSONResponse(answer)

    def _modal(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """views.open, views.push and views.update as Slack documents them (called with the lock held)."""
        view = _json(args["view"])
        team_id = self.state.tokens.get(token or "", "T0000TEST")
        if method == "views.update":
            view_id = args.get("view_id") or next(
                (
                    v["id"]
                    for v in self.state.views.values()
                    if args.get("external_id") and v["external_id"] == args.get("external_id")
                ),
                None,
            )
            if not (args.get("view_id") or args.get("external_id")):
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": ["[ERROR] either view_id or external_id is required"]},
                }
            current = self.state.views.get(view_id or "")
            if current is None:
                return {"ok": False, "error": "not_found"}
            if args.get("hash") and args["hash"] != current["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            shown = self._shown(view, current["id"], current["root_view_id"], current)
            shown["previous_view_id"] = current["previous_view_id"]
            self.state.views[current["id"]] = shown
            return {"ok": True, "view": shown}
        trigger = self.state.triggers.get(str(args["trigger_id"]))
        if trigger is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger.exchanged:
            return {"ok": False, "error": "exchanged_trigger_id"}
        if time.monotonic() - trigger.issued_at > TRIGGER_SECONDS:
            return {"ok": False, "error": "expired_trigger_id"}
        if method == "views.push":
            below = self.state.views.get(trigger.view_id or "")
            if below is None:  # a push needs an open modal to stack on
                return {"ok": False, "error": "invalid_trigger_id"}
            if len(self.state.stacks[below["root_view_id"]]) >= MAX_VIEW_STACK:
                return {"ok": False, "error": "push_limit_reached"}
            trigger.exchanged = True
            pushed = self._push(view, below)
            return {"ok": True, "view": self.state.views[pushed]}
        trigger.exchanged = True
        view_id = f"V{next(self.state.counter):08d}"
        shown = self._shown(view, view_id, view_id, None)
        shown["team_id"] = shown["app_installed_team_id"] = team_id
        self.state.views[view_id] = shown
        self.state.stacks[view_id] = [view_id]
        return {"ok": True, "view": shown}

    def _needed_scopes(self, method: str, args: dict[str, Any]) -> tuple[str, ...]:
        if method == "conversations.info":
            conversation = self.state.conversations.get(args["channel"])
            return (TYPE_SCOPES[conversation.type] if conversation else "channels:read",)
        if method == "conversations.list":
            types = str(args.get("types") or "public_channel").split(",")
            return tuple(TYPE_SCOPES[t] for t in types if t in TYPE_SCOPES)
        return (METHOD_SCOPES[method],) if method in METHOD_SCOPES else ()

    def _file_problem(self, args: dict[str, Any]) -> tuple[str, str] | None:
        """Image blocks may show a Slack file (slack_file.id): it must have been uploaded and completed."""
        for block in _blocks(args):
            slack_file = block.get("slack_file") if block.get("type") == "image" else None
            if isinstance(slack_file, dict) and "id" in slack_file:
                shared = self.state.files.get(str(slack_file["id"]))
                if shared is None or not shared.completed:
                    return ("invalid_blocks", "Could not find the slack_file of an image block [json-pointer:/blocks]")
        return None

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None = None,
        answer: dict[str, Any] | None = None,
        scopes: tuple[str, ...] = (),
        *,
        ok: bool = True,
    ) -> None:
        with self.state.lock:
            self.state.calls.append(Call(method, args, token, answer or {}, scopes, ok=ok))
            self.state.lock.notify_all()
        if ok and answer is not None and answer.get("ok"):
            for observer in list(self.state.observers):
                observer.api_called(method, args, answer)

    def _answer(self, method: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        serial = next(self.state.counter)
        ts = f"{int(time.time())}.{serial:06d}"
        match method:
            case "apps.connections.open":
                return {"ok": True, "url": self.state.app_tokens[token or ""]}
            case "oauth.v2.access":
                if args["code"] not in self.state.codes:
                    return {"ok": False, "error": "invalid_code"}
                team_id, installer = self.state.codes.pop(args["code"])
                issued = f"xoxb-{team_id}-{serial}"
                self.state.tokens[issued] = team_id
                return {
                    "ok": True,
                    "access_token": issued,
                    "token_type": "bot",
                    "scope": "commands,chat:write,users:read,users:read.email",
                    "bot_user_id": f"UBOT{team_id}",
                    "app_id": "A0KILO",
                    "team": {"id": team_id, "name": f"Team {team_id}"},
                    "enterprise": None,
                    "is_enterprise_install": False,
                    "authed_user": {"id": installer},
                }
            case "auth.test":
                return {
                    "ok": True,
                    "url": "https://kilo-test.slack.com/",
                    "team": "Kilo Test",
                    "user": "kilo",
                    "team_id": self.state.tokens.get(token or "", "T0000TEST"),
                    "user_id": "U0KILOBOT",
                    "bot_id": "B0KILOBOT",
                }
            case "users.info":
                user = self.state.users.get(args["user"])
                if user is None:
                    return {"ok": False, "error": "user_not_found"}
                granted = self.state.scopes.get(token or "")
                shared = bool(user.email) and (granted is None or "users:read.email" in granted)
                return {"ok": True, "_email_shared": shared, "user": _user_object(user, with_email=shared)}
            case "users.lookupByEmail":
                email = str(args["email"]).strip().lower()
                person = next((u for u in self.state.users.values() if (u.email or "").lower() == email), None)
                return (
                    {"ok": True, "user": _user_object(person)} if person else {"ok": False, "error": "users_not_found"}
                )
            case "conversations.open":
                return self._open_conversation(args)
            case "conversations.info":
                conversation = self._visible(args["channel"])
                if conversation is None:
                    return {"ok": False, "error": "channel_not_found"}
                return {"ok": True, "channel": conversation.as_dict()}
            case "conversations.list":
                return self._list_conversations(args, token)
            case "conversations.join":
                return self._join(args["channel"])
            case "chat.postMessage":
                return self._post(args, ts)
            case "chat.update":
                return self._update(args)
            case "chat.getPermalink":
                conversation = self._visible(args["channel"])
                found = conversation and any(m.ts == args["message_ts"] for m in conversation.messages)
                if not found:
                    return {"ok": False, "error": "message_not_found"}
                path = f"{args['channel']}/p{args['message_ts'].replace('.', '')}"
                return {
                    "ok": True,
                    "channel": args["channel"],
                    "permalink": f"https://kilo-test.slack.com/archives/{path}",
                }
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "views.publish":
                view = _json(args["view"])
                return {"ok": True, "view": {**view, "id": f"V{serial:08d}"}}
            case "files.getUploadURLExternal":
                file_id = f"F{serial:08d}"
                try:
                    length = int(args["length"])
                except ValueError:
                    return {"ok": False, "error": "invalid_arguments"}
                alt_txt = args.get("alt_txt")
                self.state.files[file_id] = SharedFile(file_id, str(args["filename"]), length, alt_txt)
                return {"ok": True, "file_id": file_id, "upload_url": f"{self.state.base_url}/upload/{file_id}"}
            case "files.completeUploadExternal":
                return self._complete_upload(args, ts)
        raise AssertionError(method)

    # --- conversations, messages, files (called with the state's lock held) -------------------------

    def _conversation(self, channel: str) -> Conversation | None:
        """A conversation by id; a user id names the bot's DM with that person (opened on first use)."""
        if channel[:1] in ("U", "W"):
            if channel not in self.state.users:
                return None
            dm = f"D{channel[1:]}"
            if dm not in self.state.conversations:
                user = self.state.users[channel]
                self.state.conversations[dm] = Conversation(dm, dm, user.team_id, is_im=True, user=channel)
            return self.state.conversations[dm]
        return self.state.conversations.get(channel)

    def _visible(self, channel: str) -> Conversation | None:
        """What the bot can see: public channels, and private ones only when it is a member."""
        conversation = self._conversation(channel)
        if conversation is None or (conversation.is_private and not conversation.bot_is_member):
            return None
        return conversation

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.open with one user: the bot's DM channel with them (a group DM is not modelled)."""
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 1:
            return {"ok": False, "error": "not_enough_users"}
        dm = self._conversation(users[0])
        if dm is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": dm.as_dict()}

    def _list_conversations(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        team_id = self.state.tokens.get(token or "", DEFAULT_TEAM)
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = str(args.get("exclude_archived", "false")).lower() in ("true", "1")
        limit = max(1, min(1000, int(args.get("limit") or 100)))
        offset = int(str(args.get("cursor") or "offset:0").split(":", 1)[1])
        found = [
            c
            for c in self.state.conversations.values()
            if c.team_id in (team_id, DEFAULT_TEAM)  # a channel added without a team is in every workspace
            and c.type in types
            and not (exclude_archived and c.is_archived)
            and (not c.is_private or c.bot_is_member)
        ]
        page = found[offset : offset + limit]
        following = f"offset:{offset + limit}" if offset + limit < len(found) else ""
        return {"ok": True, "channels": [c.as_dict() for c in page], "response_metadata": {"next_cursor": following}}

    def _join(self, channel: str) -> dict[str, Any]:
        conversation = self._visible(channel)
        if conversation is None:
            return {"ok": False, "error": "channel_not_found"}
        if conversation.is_private or conversation.is_im:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if conversation.is_archived:
            return {"ok": False, "error": "is_archived"}
        if conversation.bot_is_member:
            return {
                "ok": True,
                "channel": conversation.as_dict(),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        conversation.members.add(BOT_USER_ID)
        return {"ok": True, "channel": conversation.as_dict()}

    def _postable(self, channel: str) -> Conversation | dict[str, Any]:
        conversation = self._visible(channel)
        if conversation is None:
            return {"ok": False, "error": "channel_not_found"}
        if conversation.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not conversation.bot_is_member:
            return {"ok": False, "error": "not_in_channel"}
        return conversation

    def _post(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        conversation = self._postable(args["channel"])
        if isinstance(conversation, dict):
            return conversation
        message = PostedMessage(ts, args.get("text", ""), _blocks(args), args.get("thread_ts") or None)
        conversation.messages.append(message)
        return {
            "ok": True,
            "channel": conversation.id,
            "ts": ts,
            "message": {"text": message.text, "blocks": message.blocks, "user": BOT_USER_ID, "ts": ts},
        }

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self._postable(args["channel"])
        if isinstance(conversation, dict):
            return conversation
        message = next((m for m in conversation.messages if m.ts == args["ts"]), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.edits.append({"text": message.text, "blocks": message.blocks})
        message.text = args.get("text", message.text)
        if "blocks" in args:
            message.blocks = _blocks(args)
        return {
            "ok": True,
            "channel": conversation.id,
            "ts": message.ts,
            "text": message.text,
            "message": {"text": message.text, "blocks": message.blocks},
        }

    def _complete_upload(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        files = _json(args["files"])
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        for item in files:
            shared = self.state.files.get(str(item.get("id")))
            uploaded = self.state.uploads.get(str(item.get("id")))
            if shared is None or uploaded is None or shared.completed:
                return {"ok": False, "error": "file_not_found"}
            if len(uploaded) != shared.length:
                return {"ok": False, "error": "file_upload_size_mismatch"}
        channel, thread_ts = args.get("channel_id"), args.get("thread_ts")
        if thread_ts and not channel:
            return {"ok": False, "error": "invalid_arguments", "detail": "thread_ts needs channel_id"}
        conversation: Conversation | None = None
        if channel:
            found = self._postable(channel)
            if isinstance(found, dict):
                return found
            conversation = found
            if thread_ts and not any(m.ts == thread_ts for m in conversation.messages):
                return {"ok": False, "error": "invalid_thread_ts"}
        for item in files:
            shared = self.state.files[str(item["id"])]
            shared.title, shared.completed = item.get("title"), True
            shared.channel, shared.thread_ts = (conversation.id if conversation else None), thread_ts
        if conversation is not None:
            ids = [str(item["id"]) for item in files]
            conversation.messages.append(PostedMessage(ts, args.get("initial_comment", ""), [], thread_ts, ids))
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    async def _response_url(self, request: Request) -> Response:
        body = json.loads(await request.body())
        failing = self.state.failing_responses.get(request.path_params["key"])
        if failing and failing[0] > 0:
            failing[0] -= 1
            return PlainTextResponse("internal_error", status_code=failing[1])
        problem = message_problem(body) or self._file_problem(body)
        if problem:
            return PlainTextResponse(problem[0], status_code=400)
        with self.state.lock:
            self.state.responses[request.path_params["key"]].append(body)
            self.state.response_times[request.path_params["key"]].append(time.monotonic())
            self.state.lock.notify_all()
        for observer in list(self.state.observers):
            observer.responded(request.path_params["key"], body)
        return PlainTextResponse("ok")

    async def _upload(self, request: Request) -> Response:
        self.state.uploads[request.path_params["file_id"]] = await request.body()
        return PlainTextResponse("OK - 200")


async def _arguments(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if body:
        if request.headers.get("content-type", "").startswith("application/json"):
            args.update(json.loads(body))
        else:
            args.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
    return args


def _token(request: Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        return None
    if header.lower().startswith("bearer "):
        return header[7:]
    token = args.pop("token", None)
    return str(token) if token else None


def _client_credentials(request: Request, args: dict[str, Any]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id, secret
    return args.get("client_id"), args.get("client_secret")


def _user_object(user: SlackUser, *, with_email: bool = True) -> dict[str, Any]:
    """A user as users.info and users.lookupByEmail describe them."""
    profile: dict[str, Any] = {"real_name": user.name, "display_name": user.name.split()[0]}
    if user.email and with_email:
        profile["email"] = user.email
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name.lower(),
        "real_name": user.name,
        "tz": user.tz,
        "is_bot": user.is_bot,
        "is_admin": user.is_admin,
        "is_owner": False,
        "profile": profile,
    }


def _fail(error: str, detail: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": error}
    if detail:
        body["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
    return JSONResponse(body)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_json(args.get("blocks") or []))


def _block_problems(blocks: list[dict[str, Any]], limit: int) -> str | None:
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    seen_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        parsed = Block.parse(raw)
        if parsed is None:
            return f"unsupported block type [json-pointer:/blocks/{index}]"
        try:
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            return f"{exc} [json-pointer:/blocks/{index}]"
        block_id = raw.get("block_id")
        if block_id:
            if block_id in seen_ids:
                return f"duplicate block_id {block_id} [json-pointer:/blocks/{index}]"
            seen_ids.add(block_id)
    return None


def message_problem(args: dict[str, Any]) -> tuple[str, str] | None:
    text = args.get("text")
    blocks = _blocks(args)
    if not text and not blocks:
        return ("no_text", "a message needs text or blocks")
    if text and len(text) > MAX_MESSAGE_TEXT:
        return ("msg_too_long", "text is longer than 40,000 characters")
    problem = _block_problems(blocks, MAX_MESSAGE_BLOCKS)
    return ("invalid_blocks", problem) if problem else None


def call_problem(method: str, args: dict[str, Any]) -> tuple[str, str] | None:
    if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
        return message_problem(args)
    if method.startswith("views."):
        view = _json(args["view"])
        if view.get("type") not in ("home", "modal"):
            return ("invalid_arguments", "view.type must be home or modal")
        problem = _block_problems(list(view.get("blocks") or []), MAX_VIEW_BLOCKS)
        if problem:
            return ("invalid_blocks", problem)
        try:
            View(**view).to_dict()
        except (SlackObjectFormationError, TypeError) as exc:
            return ("invalid_arguments", str(exc))
    return None
