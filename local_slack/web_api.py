"""A strict stand-in for Slack's Web API on loopback, for tests, the demo and benchmarks.

It checks tokens and required arguments, parses every blocks payload with slack_sdk.models and refuses
what Slack would refuse (invalid_blocks), serves response_url and file upload URLs, records every call,
and can answer 429 ratelimited with Retry-After. Modals keep their id and get a new hash on each update,
stack as in Slack, and are answered as Slack answers a submission; observers (the playground) hear of
every call that succeeded and every response_url message.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
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

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

REQUIRED: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.update": ("view",),
    "views.publish": ("user_id", "view"),
    "users.info": ("user",),
    "conversations.info": ("channel",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "oauth.v2.access": ("code",),
    "apps.connections.open": (),
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


class Observer(Protocol):
    """Told of what reached the fake, after it answered: the playground keeps its picture of Slack this way."""

    def api_called(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None: ...
    def responded(self, key: str, body: dict[str, Any]) -> None: ...


@dataclass
class UploadedFile:
    name: str
    content: bytes = b""
    title: str = ""


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    answer: dict[str, Any] | None = None  # what the fake answered


@dataclass
class FakeSlackState:
    token: str
    base_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # bot token → team id
    apps: dict[str, str] = field(default_factory=dict)  # OAuth client id → secret
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # OAuth code → (team id, installer)
    app_tokens: dict[str, str] = field(default_factory=dict)  # xapp- token → Socket Mode URL
    users: dict[str, SlackUser] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    response_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    triggers: dict[str, str | None] = field(default_factory=dict)  # trigger_id → the modal it came from
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # open modals by id, as Slack shows them
    stacks: dict[str, list[str]] = field(default_factory=dict)  # root view id → the views stacked on it
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id → their published App Home
    observers: list[Observer] = field(default_factory=list)
    rate_limits: dict[str, list[int]] = field(default_factory=dict)
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

    def register_app(self, client_id: str, client_secret: str) -> None:
        self.state.apps[client_id] = client_secret

    def authorization_code(self, team_id: str, installer: str) -> str:
        """What Slack hands the redirect URL after someone approves the install in `team_id`."""
        code = f"code-{next(self.state.counter)}"
        self.state.codes[code] = (team_id, installer)
        return code

    def observe(self, observer: Observer) -> None:
        self.state.observers.append(observer)

    def file(self, file_id: str) -> UploadedFile | None:
        return self.state.files.get(file_id)

    def trigger(self, from_view: str | None = None) -> str:
        """A trigger_id, as Slack puts in an interaction's payload (from inside the modal `from_view`)."""
        trigger_id = f"{next(self.state.counter)}.{int(time.time())}.{secrets.token_hex(8)}"
        with self.state.lock:
            self.state.triggers[trigger_id] = from_view
        return trigger_id

    def view(self, view_id: str) -> dict[str, Any]:
        """The modal as the person sees it now (what Slack sends back in its payloads)."""
        with self.state.lock:
            shown: dict[str, Any] = json.loads(json.dumps(self.state.views[view_id]))
        return shown

    def answer_submission(self, view_id: str, answer: dict[str, Any]) -> str | None:
        """What Slack does with the answer to a view_submission: `update` replaces the view, `push` stacks
        one on it, `clear` closes the stack, `errors` leaves it open, an empty answer closes this view.
        Returns the view id shown afterwards, if any."""
        action = answer.get("response_action")
        with self.state.lock:
            current = self.state.views[view_id]
            stack = self.state.stacks[current["root_view_id"]]
            if action == "errors":
                return view_id
            if action == "clear":
                self._close_stack(current["root_view_id"])
                return None
            if action is None:
                stack.remove(view_id)
                del self.state.views[view_id]
                if not stack:
                    del self.state.stacks[current["root_view_id"]]
                return stack[-1] if stack else None
            view = _json(answer.get("view"))
            if action == "update":
                self.state.views[view_id] = self._shown(
                    view, view_id, current["root_view_id"], current["previous_view_id"]
                )
                return view_id
            if action == "push":
                return str(self._stack(view, on=current)["id"])
        raise ValueError(f"unknown response_action {action!r}")

    def close_view(self, view_id: str) -> None:
        """The person closes the modal (and every view stacked with it)."""
        with self.state.lock:
            self._close_stack(self.state.views[view_id]["root_view_id"])

    def _close_stack(self, root_id: str) -> None:
        for stacked in self.state.stacks.pop(root_id, []):
            self.state.views.pop(stacked, None)

    def _shown(self, view: dict[str, Any], view_id: str, root_id: str, previous_id: str | None) -> dict[str, Any]:
        """A view as Slack keeps and returns it: its fields plus id, a new hash, state and its stack."""
        serial = next(self.state.counter)
        return {
            **view,
            "id": view_id,
            "team_id": "T0000TEST",
            "app_id": "A0KILO",
            "bot_id": "B0KILOBOT",
            "hash": f"{int(time.time())}.{serial:08d}",
            "state": {"values": {}},
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "root_view_id": root_id,
            "previous_view_id": previous_id,
        }

    def _stack(self, view: dict[str, Any], on: dict[str, Any] | None) -> dict[str, Any]:
        """A new modal, or one pushed onto the stack of the modal `on`."""
        view_id = f"V{next(self.state.counter):08d}"
        root_id = on["root_view_id"] if on else view_id
        shown = self._shown(view, view_id, root_id, on["id"] if on else None)
        self.state.views[view_id] = shown
        self.state.stacks.setdefault(root_id, []).append(view_id)
        return shown

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self.state.rate_limits[method] = [times, retry_after]

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
        missing = [name for name in REQUIRED[method] if args.get(name) in (None, "")]
        if missing:
            return _fail("invalid_arguments", detail=f"missing required arguments: {', '.join(missing)}")
        problem = call_problem(method, args)
        if problem:
            return _fail(*problem)
        answer = self._answer(method, args, token)
        self._record(method, args, token, answer)
        return JSONResponse(answer)

    def _record(
        self, method: str, args: dict[str, Any], token: str | None = None, answer: dict[str, Any] | None = None
    ) -> None:
        with self.state.lock:
            self.state.calls.append(Call(method, args, token, answer))
            self.state.lock.notify_all()
        if answer is not None and answer.get("ok"):
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
                profile: dict[str, Any] = {"real_name": user.name, "display_name": user.name.split()[0]}
                if user.email:
                    profile["email"] = user.email
                return {
                    "ok": True,
                    "user": {
                        "id": user.id,
                        "team_id": user.team_id,
                        "name": user.name.lower(),
                        "real_name": user.name,
                        "tz": user.tz,
                        "is_bot": user.is_bot,
                        "is_admin": user.is_admin,
                        "is_owner": False,
                        "profile": profile,
                    },
                }
            case "conversations.info":
                name = self.state.channels.get(args["channel"], args["channel"].lower())
                return {"ok": True, "channel": {"id": args["channel"], "name": name, "is_channel": True}}
            case "chat.postMessage" | "chat.update":
                return {
                    "ok": True,
                    "channel": args["channel"],
                    "ts": args.get("ts", ts),
                    "message": {"text": args.get("text", ""), "blocks": _blocks(args)},
                }
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "views.open" | "views.push" | "views.update" | "views.publish":
                return {"ok": True, "view": self._modal(method, args)}
            case "files.getUploadURLExternal":
                file_id = f"F{serial:08d}"
                self.state.files[file_id] = UploadedFile(str(args["filename"]))
                return {"ok": True, "file_id": file_id, "upload_url": f"{self.state.base_url}/upload/{file_id}"}
            case "files.completeUploadExternal":
                files = _json(args["files"])
                missing = [f["id"] for f in files if f["id"] not in self.state.uploads]
                if missing:
                    return {"ok": False, "error": "file_not_found"}
                for shared in files:
                    if shared["id"] in self.state.files:
                        self.state.files[shared["id"]].title = str(shared.get("title") or "")
                return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        raise AssertionError(method)

    def _modal(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """views.open, views.push, views.update and views.publish: the view as Slack keeps it."""
        view = _json(args["view"])
        with self.state.lock:
            if method == "views.publish":
                before = self.state.home_views.get(args["user_id"])
                published = self._shown(view, before["id"] if before else f"V{next(self.state.counter):08d}", "", None)
                self.state.home_views[args["user_id"]] = published
                return published
            if method == "views.update":
                view_id = args.get("view_id") or next(
                    (i for i, v in self.state.views.items() if args.get("external_id") == v["external_id"]), None
                )
                current = self.state.views.get(view_id or "")
                if current is None:  # a view this fake never opened: kept as a modal of its own
                    return self._stack(view, on=None)
                self.state.views[current["id"]] = self._shown(
                    view, current["id"], current["root_view_id"], current["previous_view_id"]
                )
                return self.state.views[current["id"]]
            below = self.state.views.get(self.state.triggers.get(str(args["trigger_id"])) or "")
            return self._stack(view, on=below if method == "views.push" else None)

    async def _response_url(self, request: Request) -> Response:
        body = json.loads(await request.body())
        problem = message_problem(body)
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
        file_id = request.path_params["file_id"]
        content = await request.body()
        self.state.uploads[file_id] = content
        if file_id in self.state.files:
            self.state.files[file_id].content = content
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
