"""The playground: a Slack-like page on loopback where you pick who you are and use the app as in Slack.

Each command, click, submission and closed modal becomes a Slack-shaped, signed request to the app's
POST /slack/events; the app's Web API calls reach the strict fake Slack mounted at /slack, whose
observer (`Workspace`) is what the page shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import logging
import mimetypes
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from local_slack.playground import payloads
from local_slack.playground.model import BOT, OpenView, Posted, ResponseTarget, Workspace
from local_slack.playground.payloads import RawValues, Where
from local_slack.render import RenderContext, message_body, plain, render_blocks
from local_slack.web_api import FakeSlack, SlackUser

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
BLOCKS_CSS = Path(__file__).parent.parent / "static" / "blocks.css"  # shared with `make demo`
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
CHANNELS = {"C0GENERAL": "general", "C0AISPEND": "ai-spend"}
SLACK_ACK_SECONDS = 3.0  # Slack gives up on an app that has not answered by then
LONG_POLL_SECONDS = 20.0
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#e8912d"/>'
    '<text x="8" y="12.5" font-size="12" font-family="sans-serif" font-weight="bold" fill="#fff" '
    'text-anchor="middle">K</text></svg>'
)
PAGE_HEADER = "X-Playground"
INLINE_FILE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp"}
)  # only the page sets it: a form on another site cannot (CSRF)


@dataclass(frozen=True)
class Person:
    """Someone to be on the page: their role in the Kilo organization, and their Slack profile."""

    role: str  # "Owner", "Admin", "Member", "Not a member"
    name: str
    email: str
    time_zone: str = "UTC"
    slack_admin: bool = False

    @property
    def slack_id(self) -> str:
        # Derived from the email, so a profile the app cached for another email is never reused.
        return "U" + hashlib.sha256(self.email.lower().encode()).hexdigest()[:10].upper()


@dataclass(frozen=True)
class CommandHint:
    """One line of the composer's completion: what to type and what it does."""

    usage: str  # "/kilo usage models"
    description: str


PeopleSource = Callable[[], Awaitable[list[Person]]]
SendDue = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class Delivery:
    """How the app answered one request: its HTTP status and body, and what Slack would say about it."""

    status: int
    body: dict[str, Any]
    problem: str | None = None


class Playground:
    def __init__(
        self,
        fake: FakeSlack,
        *,
        signing_secret: str,
        people: PeopleSource,
        commands: Sequence[CommandHint],
        send_due: SendDue | None = None,
        team_id: str = "T0PLAYGRND",
        bot_url: str | None = None,
    ) -> None:
        self.fake = fake
        self.signing_secret = signing_secret
        self.commands = list(commands)
        self.send_due = send_due
        self.bot_url = bot_url
        self.workspace = Workspace(team_id, CHANNELS)
        for channel_id, name in CHANNELS.items():
            fake.add_channel(channel_id, name, team_id=team_id)
        fake.observe(self.workspace)
        self._people_source = people
        self._people: dict[str, tuple[Person, SlackUser]] = {}
        self._http: httpx.AsyncClient | None = None
        self._closing = False
        self.app = self._web_app()

    def stop_waiting(self) -> None:
        """Answer the page's waiting requests now, so the server can stop without waiting for them."""
        self._closing = True

    # --- people --------------------------------------------------------------------------------

    async def people(self) -> list[tuple[Person, SlackUser]]:
        """The people to choose from, registered as Slack users of the workspace (found once)."""
        if not self._people:
            try:
                found = await self._people_source()
            except Exception as exc:  # the backend is still starting, unreachable, or refuses the key
                raise PeopleUnavailable(str(exc)) from exc
            for person in found:
                user = SlackUser(
                    person.slack_id,
                    person.email,
                    person.name,
                    person.time_zone,
                    self.workspace.team_id,
                    is_admin=person.slack_admin,
                )
                self.fake.add_user(user)
                self._people[user.id] = (person, user)
        return list(self._people.values())

    async def _where(self, user_id: str, conversation_id: str | None = None) -> Where:
        await self.people()
        if user_id not in self._people:
            raise UnknownPerson(user_id)
        user = self._people[user_id][1]
        if conversation_id and not (conversation_id in self.workspace.conversations or conversation_id == user.id):
            raise UnknownConversation(conversation_id)
        conversation = (
            self.workspace.conversation(conversation_id) if conversation_id else self.workspace.direct_messages(user.id)
        )
        return Where(self.workspace.team_id, user, conversation.id, conversation.name)

    # --- the door: signed requests to POST /slack/events ----------------------------------------

    async def _deliver(self, body: str, content_type: str) -> Delivery:
        if self.bot_url is None:
            return Delivery(0, {}, "the app is not running yet")
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        headers = payloads.signed_headers(body, self.signing_secret, content_type)
        started = time.monotonic()
        try:
            response = await self._http.post(f"{self.bot_url}/slack/events", content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Delivery(0, {}, f"the app did not answer ({type(exc).__name__})")
        elapsed = time.monotonic() - started
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        if response.status_code != 200:
            return Delivery(response.status_code, {}, f"the app answered HTTP {response.status_code}")
        if elapsed > SLACK_ACK_SECONDS:
            return Delivery(
                200, {}, f"operation_timeout: the app took {elapsed:.1f} s to acknowledge (Slack waits 3 s)"
            )
        return Delivery(200, answer if isinstance(answer, dict) else {})

    async def run_command(self, user_id: str, conversation_id: str, text: str) -> None:
        """What Slack does with a line typed in the composer."""
        where = await self._where(user_id, conversation_id)
        text = text.strip()
        if not text.startswith("/"):
            self.workspace.post(Posted(f"{time.time():.6f}", where.channel_id, where.user.id, text, []))
            return
        command, _, argument = text.partition(" ")
        if command != "/kilo":
            self._tell(where, f"`{command}` is not a valid command. In this workspace, only `/kilo` is installed.")
            return
        self.workspace.post(
            Posted(
                f"{time.time():.6f}", where.channel_id, where.user.id, text, [], visible_to=where.user.id, command=True
            )
        )
        key = self.workspace.new_target(ResponseTarget(where.channel_id, where.user.id))
        form = payloads.slash_command(
            where,
            command,
            argument.strip(),
            response_url=self.fake.response_url(key),
            trigger_id=self._trigger(where),
        )
        delivery = await self._deliver(form, "application/x-www-form-urlencoded")
        if delivery.problem:
            self._tell(where, f"`{command}` failed with the error “dispatch_failed”: {delivery.problem}.")
        elif delivery.body.get("text") or delivery.body.get("blocks"):
            self.workspace.responded(key, delivery.body)  # the ack carried the answer itself

    async def act(
        self, user_id: str, conversation_id: str | None, container: dict[str, str], action: dict[str, Any]
    ) -> None:
        """A click or a change on an interactive element, in a message, a modal or the App Home."""
        where = await self._where(user_id, conversation_id)
        block_id, action_id = str(action["block_id"]), str(action["action_id"])
        values: RawValues = action.get("values") or {}
        in_modal = container.get("type") == "view" and self.workspace.view_by_id(str(container["view_id"]))[1]
        trigger = self._trigger(where, from_view=str(container["view_id"]) if in_modal else None)
        if container.get("type") == "message":
            message = self.workspace.find(where.channel_id, str(container["ts"]))
            if message is None:
                return
            element = payloads.find_element(message.blocks, block_id, action_id)
            if element is None:
                return
            key = self.workspace.new_target(ResponseTarget(where.channel_id, where.user.id, message.ts))
            payload = payloads.message_actions(
                where,
                message=message.as_slack_message(),
                ephemeral=message.visible_to is not None,
                actions=[payloads.action(element, block_id, action.get("raw"))],
                raw_values=values,
                response_url=self.fake.response_url(key),
                trigger_id=trigger,
            )
        else:
            _, open_view, home = self.workspace.view_by_id(str(container["view_id"]))
            view = open_view.view if open_view is not None else home
            if view is None:
                return
            element = payloads.find_element(view.get("blocks") or [], block_id, action_id)
            if element is None:
                return
            payload = payloads.view_actions(
                where,
                view=view,
                actions=[payloads.action(element, block_id, action.get("raw"))],
                raw_values=values,
                trigger_id=trigger,
            )
        delivery = await self._deliver(payloads.interactive(payload), "application/x-www-form-urlencoded")
        if delivery.problem:
            self._tell(where, f"That did not work: {delivery.problem}.")

    async def submit(self, user_id: str, view_id: str, values: RawValues) -> dict[str, str]:
        """The modal's submit button; the inline errors the app answered with (none: it was accepted)."""
        where = await self._where(user_id)
        _, open_view, _ = self.workspace.view_by_id(view_id)
        if open_view is None:
            return {}
        channel_keys: dict[str, str] = {}

        def response_url(block_id: str, action_id: str, channel: str) -> str:
            target = ResponseTarget(self.workspace.conversation(channel).id, where.user.id)
            channel_keys[channel] = self.workspace.new_target(target)
            return self.fake.response_url(channel_keys[channel])

        payload = payloads.view_submission(
            where,
            view=open_view.view,
            raw_values=values,
            trigger_id=self._trigger(where, from_view=view_id),
            response_url=response_url,
        )
        delivery = await self._deliver(payloads.interactive(payload), "application/x-www-form-urlencoded")
        if delivery.problem:
            self._tell(where, f"We had some trouble connecting: {delivery.problem}.")
            return {}
        return self._respond_to_submission(where.user.id, open_view, delivery.body)

    def _trigger(self, where: Where, from_view: str | None = None) -> str:
        """A trigger_id from Slack (the fake) for this interaction, remembered as this person's."""
        return self.workspace.remember_trigger(self.fake.trigger(from_view), where.user.id)

    def _respond_to_submission(self, user_id: str, submitted: OpenView, answer: dict[str, Any]) -> dict[str, str]:
        """Slack's part of a submission's answer (the fake keeps the views), then what the page shows."""
        action = answer.get("response_action")
        try:
            shown = self.fake.answer_submission(submitted.view["id"], answer)
        except (ValueError, KeyError) as refused:
            self.workspace.notice(user_id, f"Slack refused the app's answer to this form: {refused}")
            return {}
        if action == "errors":
            errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
            self.workspace.show_errors(user_id, errors)
            return errors
        if action == "update" and shown:
            self.workspace.replace_view(self.fake.view(shown))
        elif action == "push" and shown:
            self.workspace.open_modal(user_id, self.fake.view(shown), push=True)
        else:  # "clear" closes every view; no response_action closes the submitted one
            self.workspace.close_modal(user_id, everything=action == "clear")
        return {}

    async def close_view(self, user_id: str, view_id: str, values: RawValues, *, everything: bool) -> None:
        """The modal's close button (one view) or its ✕ (the whole stack); view_closed if the app asked."""
        where = await self._where(user_id)
        _, open_view, _ = self.workspace.view_by_id(view_id)
        if open_view is None:
            return
        stack_size = len(self.workspace.modals[where.user.id])
        with contextlib.suppress(KeyError):  # a view Slack (the fake) has already let go
            if everything:
                self.fake.close_view(view_id)
            else:  # Slack's close (back) button leaves this view only, as an empty answer to a submission does
                self.fake.answer_submission(view_id, {})
        self.workspace.close_modal(where.user.id, everything=everything)
        if open_view.view.get("notify_on_close"):
            closed = payloads.view_closed(
                where, view=open_view.view, raw_values=values, cleared=everything and stack_size > 1
            )
            delivery = await self._deliver(payloads.interactive(closed), "application/x-www-form-urlencoded")
            if delivery.problem:
                self._tell(where, f"Closing told the app nothing: {delivery.problem}.")

    async def open_home(self, user_id: str) -> None:
        where = await self._where(user_id)
        event = payloads.app_home_opened(where, view=self.workspace.homes.get(where.user.id))
        delivery = await self._deliver(json.dumps(event), "application/json")
        if delivery.problem:
            self._tell(where, f"The App Home did not load: {delivery.problem}.")

    async def send_due_digests(self, user_id: str) -> None:
        where = await self._where(user_id)
        if self.send_due is None:
            return
        try:
            outcome = await self.send_due()
        except Exception as exc:  # shown on the page; the scheduler's own tests cover its failures
            logger.exception("sending due digests failed")
            outcome = f"Sending due digests failed: {exc}"
        self.workspace.notice(where.user.id, outcome)

    def _tell(self, where: Where, text: str) -> None:
        """What Slack itself says to the person (not the app): shown in the conversation, only to them."""
        self.workspace.post(
            Posted(f"{time.time():.6f}", where.channel_id, "USLACKBOT", text, [], visible_to=where.user.id)
        )

    # --- what the page shows -------------------------------------------------------------------

    def _render_context(self, user_id: str, conversation_id: str | None, errors: dict[str, str]) -> RenderContext:
        names = {user.id: user.name for _, user in self._people.values()} | {BOT: "Kilo", "USLACKBOT": "Slackbot"}
        conversations = [(c.id, f"#{c.name}") for c in self.workspace.conversations.values() if c.kind == "channel"]
        return RenderContext(
            user_names=names,
            conversations=conversations + [(user.id, user.name) for _, user in self._people.values()],
            users=[(user.id, user.name) for _, user in self._people.values()],
            current_conversation=conversation_id,
            errors=errors,
            file_url=lambda file_id: f"/files/{file_id}",
        )

    def _message_html(self, message: Posted, ctx: RenderContext) -> str:
        if message.command:
            return (
                f'<div class="msg command" data-ts="{message.ts}" data-channel="{message.channel}">'
                f"You ran <code>{html.escape(message.text)}</code></div>"
            )
        author = ctx.user_names.get(message.author, message.author)
        is_app = message.author in (BOT, "USLACKBOT")
        badge = '<span class="app-badge">APP</span>' if message.author == BOT else ""
        when = datetime.fromtimestamp(float(message.ts)).strftime("%H:%M")
        only_you = '<span class="only-you">Only visible to you</span>' if message.visible_to else ""
        edited = '<span class="edited">(edited)</span>' if message.edited else ""
        files = "".join(self._file_html(file_id) for file_id in message.files)
        thread = " in-thread" if message.thread_ts and message.thread_ts != message.ts else ""
        initial = html.escape(author[:1].upper() or "?")
        return (
            f'<div class="msg{" ephemeral" if message.visible_to else ""}{thread}" data-ts="{message.ts}" '
            f'data-channel="{message.channel}"><div class="avatar{" app" if is_app else ""}">{initial}</div>'
            f'<div class="msg-main"><div class="msg-head"><b>{html.escape(author)}</b>{badge}'
            f"<time>{when}</time>{only_you}{edited}</div>"
            f'<div class="message">{message_body({"text": message.text, "blocks": message.blocks}, ctx)}'
            f"{files}</div></div></div>"
        )

    def _file_html(self, file_id: str) -> str:
        uploaded = self.fake.file(file_id)
        name = html.escape((uploaded.title or uploaded.name) if uploaded else file_id)
        if uploaded and mimetypes.guess_type(uploaded.name)[0] in INLINE_FILE_TYPES:
            image = f'<img src="/files/{file_id}" alt="{name}">'
            return f'<figure class="image file">{image}<figcaption>{name}</figcaption></figure>'
        return f'<a class="file" href="/files/{file_id}">📄 {name}</a>'

    def _modal_html(self, open_view: OpenView, ctx: RenderContext, depth: int) -> str:
        view = open_view.view
        submit = view.get("submit")
        close = plain(view.get("close")) or "Cancel"
        back = '<button type="button" class="modal-back" aria-label="Back">‹</button>' if depth > 1 else ""
        footer = f'<button type="button" class="button modal-close">{close}</button>' + (
            f'<button type="button" class="button primary modal-submit">{plain(submit)}</button>' if submit else ""
        )
        return (
            f'<div class="modal" role="dialog" data-view-id="{view["id"]}" data-revision="{open_view.revision}">'
            f'<div class="modal-head">{back}<h2>{plain(view.get("title"))}</h2>'
            f'<button type="button" class="modal-x" aria-label="Close">✕</button></div>'
            f'<div class="modal-body message">{render_blocks(view.get("blocks") or [], ctx)}</div>'
            f'<div class="modal-foot message">{footer}</div></div>'
        )

    def state(self, user_id: str, conversation_id: str | None, since: int) -> dict[str, Any]:
        workspace = self.workspace
        with workspace.lock:
            version = workspace.version
            # The app's Messages tab is asked for by the person's id: their DM with the app.
            known = conversation_id in workspace.conversations or conversation_id == user_id
            current = workspace.conversation(conversation_id) if conversation_id and known else None
            ctx = self._render_context(user_id, current.id if current else None, {})
            messages = workspace.visible(user_id, current.id) if current else []
            top = workspace.top_view(user_id)
            home = workspace.homes.get(user_id)
            notices = [{"at": at, "text": text} for at, who, text in workspace.notices if who == user_id and at > since]
            depth = len(workspace.modals.get(user_id) or [])
            modal = None
            if top is not None:
                modal_ctx = self._render_context(user_id, conversation_id, top.errors)
                modal = {
                    "id": top.view["id"],
                    "revision": top.revision,
                    "html": self._modal_html(top, modal_ctx, depth),
                }
            return {
                "version": version,
                "conversations": [
                    {"id": c.id, "name": c.name, "kind": c.kind}
                    for c in workspace.conversations.values()
                    if c.kind == "channel"
                ],
                "messages": "".join(self._message_html(m, ctx) for m in messages),
                "home": ({"id": home["id"], "html": render_blocks(home.get("blocks") or [], ctx)} if home else None),
                "modal": modal,
                "notices": notices,
            }

    async def wait_for_change(self, since: int, timeout: float = LONG_POLL_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while self.workspace.version <= since and time.monotonic() < deadline and not self._closing:
            await asyncio.sleep(0.05)

    # --- HTTP ----------------------------------------------------------------------------------

    def _web_app(self) -> Starlette:
        async def page(_request: Request) -> Response:
            return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

        async def setup(_request: Request) -> Response:
            try:
                people = await self.people()
            except PeopleUnavailable as unavailable:  # the page retries
                logger.warning("%s", unavailable)
                return JSONResponse({"error": str(unavailable)}, 503)
            return JSONResponse(
                {
                    "people": [
                        {"id": user.id, "name": user.name, "role": person.role, "email": person.email}
                        for person, user in people
                    ],
                    "commands": [{"usage": c.usage, "description": c.description} for c in self.commands],
                    "can_send_digests": self.send_due is not None,
                    "first_channel": next(iter(CHANNELS)),
                }
            )

        async def state(request: Request) -> Response:
            since = int(request.query_params.get("since", "-1"))
            await self.wait_for_change(since)
            user = request.query_params.get("user", "")
            return JSONResponse(self.state(user, request.query_params.get("conversation"), since))

        async def command(body: dict[str, Any]) -> dict[str, Any]:
            await self.run_command(str(body["user"]), str(body["conversation"]), str(body["text"]))
            return {"ok": True}

        async def act(body: dict[str, Any]) -> dict[str, Any]:
            await self.act(str(body["user"]), body.get("conversation"), body["container"], body["action"])
            return {"ok": True}

        async def submit(body: dict[str, Any]) -> dict[str, Any]:
            errors = await self.submit(str(body["user"]), str(body["view_id"]), body.get("values") or {})
            return {"ok": not errors, "errors": errors}

        async def close(body: dict[str, Any]) -> dict[str, Any]:
            everything = bool(body.get("everything"))
            await self.close_view(
                str(body["user"]), str(body["view_id"]), body.get("values") or {}, everything=everything
            )
            return {"ok": True}

        async def home(body: dict[str, Any]) -> dict[str, Any]:
            await self.open_home(str(body["user"]))
            return {"ok": True}

        async def digests(body: dict[str, Any]) -> dict[str, Any]:
            await self.send_due_digests(str(body["user"]))
            return {"ok": True}

        async def favicon(_request: Request) -> Response:
            return Response(FAVICON, media_type="image/svg+xml")

        async def blocks_css(_request: Request) -> Response:
            return FileResponse(BLOCKS_CSS)

        async def file(request: Request) -> Response:
            uploaded = self.fake.file(request.path_params["file_id"])
            if uploaded is None:
                return Response(status_code=404)
            media_type = mimetypes.guess_type(uploaded.name)[0] or "application/octet-stream"
            # Only images are shown in the page; anything else is a download, never a page of this origin.
            shown = media_type in INLINE_FILE_TYPES
            headers = {"X-Content-Type-Options": "nosniff"}
            if not shown:
                headers["Content-Disposition"] = "attachment"
            return Response(
                uploaded.content, media_type=media_type if shown else "application/octet-stream", headers=headers
            )

        @asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            yield
            if self._http is not None:
                await self._http.aclose()

        posts = {"command": command, "action": act, "submit": submit, "close": close, "home": home, "digests": digests}
        return Starlette(
            routes=[
                Route("/", page),
                Route("/favicon.ico", favicon),
                Route("/api/setup", setup),
                Route("/api/state", state),
                *(Route(f"/api/{name}", _from_page(handler), methods=["POST"]) for name, handler in posts.items()),
                Route("/files/{file_id}", file),
                Route("/static/blocks.css", blocks_css),
                Mount("/static", StaticFiles(directory=STATIC)),
                Mount("/slack", self.fake.app),
            ],
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)],
            lifespan=lifespan,
        )


class UnknownPerson(LookupError):
    """A user id the page sent that is none of the playground's people."""


class PeopleUnavailable(RuntimeError):
    """The organization's people could not be listed (its backend is down or refuses the app's key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The playground could not list the organization's people: {reason}")


class UnknownConversation(LookupError):
    """A conversation the page named that is neither a channel of the workspace nor the person's DM."""


def _from_page(
    handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
) -> Callable[[Request], Awaitable[Response]]:
    """A POST handler that only the page itself can call (its header), with a JSON body."""

    async def endpoint(request: Request) -> Response:
        if request.headers.get(PAGE_HEADER) != "1":
            return JSONResponse({"error": "only the playground page may do this"}, 403)
        try:
            body = await request.json()
            return JSONResponse(await handler(body))
        except UnknownPerson as unknown:
            return JSONResponse({"error": f"nobody called {unknown} is in this playground"}, 400)
        except UnknownConversation as unknown:
            return JSONResponse({"error": f"there is no conversation {unknown} here"}, 400)
        except PeopleUnavailable as unavailable:
            return JSONResponse({"error": str(unavailable)}, 503)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"a malformed request from the page: {exc!r}"}, 400)

    return endpoint
