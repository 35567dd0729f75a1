"""A strict stand-in for Slack's Web API on loopback, for tests, the demo and benchmarks.

It checks tokens and required arguments, parses every blocks payload with slack_sdk.models and refuses
what Slack would refuse (invalid_blocks), serves response_url and file upload URLs, records every call,
and can answer 429 ratelimited with Retry-After. Modals live as Slack keeps them: a trigger_id opens or
pushes one view, once, within 3 s; each view has an id and a hash that every update changes, and an
update with a stale hash is refused (hash_conflict).
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
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

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
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "oauth.v2.access": ("code",),
    "apps.connections.open": (),
}
# The bot scope each method needs (https://api.slack.com/methods); a token granted fewer scopes gets
# missing_scope, as from Slack. Tokens without a scope list (the default) may call everything.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
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


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered
    at: float = field(default_factory=time.monotonic)  # when the call reached the fake


@dataclass
class Trigger:
    issued_at: float  # time.monotonic()
    view_id: str | None  # the view an interaction inside a modal came from (for views.push)
    exchanged: bool = False


@dataclass
class FakeSlackState:
    token: str
    base_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # bot token → team id
    token_scopes: dict[str, frozenset[str]] = field(default_factory=dict)  # bot token → granted scopes
    apps: dict[str, str] = field(default_factory=dict)  # OAuth client id → secret
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # OAuth code → (team id, installer)
    app_tokens: dict[str, str] = field(default_factory=dict)  # xapp- token → Socket Mode URL
    users: dict[str, SlackUser] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    response_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[str, bytes] = field(default_factory=dict)
    rate_limits: dict[str, list[int]] = field(default_factory=dict)
    failing_responses: dict[str, list[int]] = field(default_factory=dict)  # response_url key → [times, status]
    triggers: dict[str, Trigger] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # open modals by id, as Slack shows them
    stacks: dict[str, list[str]] = field(default_factory=dict)  # root view id → the views stacked on it
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, ts) → message
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

    def grant_scopes(self, token: str, scopes: set[str] | frozenset[str]) -> None:
        """Let `token` call only the methods these bot scopes allow."""
        self.state.token_scopes[token] = frozenset(scopes)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self.state.rate_limits[method] = [times, retry_after]

    def fail_response_url(self, key: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` posts to response_url `key` answer `status` (and are not kept)."""
        self.state.failing_responses[key] = [times, status]

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
        """A message as it reads now (after every chat.update), with its channel and ts."""
        with self.state.lock:
            return dict(self.state.messages[(channel, ts)])

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
            self._record(method, args)
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
        granted = self.state.token_scopes.get(token or "")
        needed = METHOD_SCOPES.get(method, ())
        if granted is not None and needed and not granted.intersection(needed):
            return JSONResponse(
                {"ok": False, "error": "missing_scope", "needed": needed[0], "provided": ",".join(sorted(granted))}
            )
        missing = [name for name in REQUIRED[method] if args.get(name) in (None, "")]
        if missing:
            return _fail("invalid_arguments", detail=f"missing required arguments: {', '.join(missing)}")
        problem = call_problem(method, args)
        if problem:
            return _fail(*problem)
        if method in ("views.open", "views.push", "views.update"):
            with self.state.lock:
                answer = self._modal(method, args, token)
            self._record(method, args, token, answer)
            return JSONResponse(answer)
        answer = self._answer(method, args, token)
        self._record(method, args, token, answer)
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

    def _record(
        self, method: str, args: dict[str, Any], token: str | None = None, answer: dict[str, Any] | None = None
    ) -> None:
        with self.state.lock:
            self.state.calls.append(Call(method, args, token, answer or {}))
            self.state.lock.notify_all()

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
                granted = self.state.token_scopes.get(token or "")
                # Slack leaves the email out unless the token has users:read.email
                with_email = granted is None or "users:read.email" in granted
                return {"ok": True, "user": _user_object(user, with_email=with_email)}
            case "users.lookupByEmail":
                email = str(args["email"]).strip().lower()
                found = next((u for u in self.state.users.values() if (u.email or "").lower() == email), None)
                return {"ok": True, "user": _user_object(found)} if found else {"ok": False, "error": "users_not_found"}
            case "conversations.open":
                return self._open_conversation(args)
            case "conversations.info":
                name = self.state.channels.get(args["channel"], args["channel"].lower())
                return {"ok": True, "channel": {"id": args["channel"], "name": name, "is_channel": True}}
            case "chat.postMessage":
                message = {"text": args.get("text", ""), "blocks": _blocks(args), "ts": ts, "bot_id": "B0KILOBOT"}
                with self.state.lock:
                    self.state.messages[(args["channel"], ts)] = message
                return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
            case "chat.update":
                with self.state.lock:
                    if (args["channel"], args["ts"]) not in self.state.messages:
                        return {"ok": False, "error": "message_not_found"}
                    message = {**self.state.messages[(args["channel"], args["ts"])]}
                    message.update(text=args.get("text", ""), blocks=_blocks(args))
                    self.state.messages[(args["channel"], args["ts"])] = message
                return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": message["text"]}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "views.publish":
                view = _json(args["view"])
                return {"ok": True, "view": {**view, "id": f"V{serial:08d}"}}
            case "files.getUploadURLExternal":
                file_id = f"F{serial:08d}"
                return {"ok": True, "file_id": file_id, "upload_url": f"{self.state.base_url}/upload/{file_id}"}
            case "files.completeUploadExternal":
                files = _json(args["files"])
                missing = [f["id"] for f in files if f["id"] not in self.state.uploads]
                if missing:
                    return {"ok": False, "error": "file_not_found"}
                return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        raise AssertionError(method)

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.open with one user: the bot's DM channel with them (a group DM is not modelled)."""
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 1:
            return {"ok": False, "error": "not_enough_users"}
        if users[0] not in self.state.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.dm_channel(users[0]), "is_im": True, "user": users[0]}}

    async def _response_url(self, request: Request) -> Response:
        body = json.loads(await request.body())
        failing = self.state.failing_responses.get(request.path_params["key"])
        if failing and failing[0] > 0:
            failing[0] -= 1
            return PlainTextResponse("internal_error", status_code=failing[1])
        problem = message_problem(body)
        if problem:
            return PlainTextResponse(problem[0], status_code=400)
        with self.state.lock:
            self.state.responses[request.path_params["key"]].append(body)
            self.state.response_times[request.path_params["key"]].append(time.monotonic())
            self.state.lock.notify_all()
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
