"""Seat changes and seat requests from Slack, step by step: open the modal first, ask Kilo after, claim
before charging, then show the outcome everywhere it is shown (modal, every copy of a request, DMs).

Rules kept here, once: the backend is never called before views.open (a trigger_id lives 3 s); every
submission re-reads the price and the person's role; state from Slack carries ids and a fingerprint only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import kilo_client
from bot.channels import ensure_member, find_channel
from bot.commands import ChannelRef
from bot.dashboard import AccessDenied
from bot.explain import explain, in_one_line
from bot.ids import ViewId
from bot.interaction import SeatForm, SeatRequestForm, StaleInteraction, decode
from bot.kilo_client import KiloClient
from bot.payloads import SlackIds
from bot.seat_expiry import SeatRequestExpiry, WorkspaceClient, update_request_copies
from bot.seat_requests import CopyKind, RequestStatus, SeatRequest, SeatRequestStore
from bot.seats import (
    SeatMode,
    SeatNumberError,
    SeatPlan,
    SeatRefusal,
    estimate_addition,
    form_idempotency_key,
    parse_seat_number,
    plan_from_quote,
    target_seats,
)
from bot.services import BotServices
from bot.settings import Settings
from bot.shapes import Caller
from bot.submissions import Submissions
from bot.views import seats as seat_views
from bot.views.blocks import Message
from kilo_api.enums import MemberStatus, Role

logger = logging.getLogger(__name__)
Form = TypeVar("Form", SeatForm, SeatRequestForm)
MAX_APPROVERS = 200  # Owners and Admins messaged by DM for one request
PARALLEL_DMS = 8


def request_store(kilo: BotServices) -> SeatRequestStore:
    return SeatRequestStore(kilo.store.sessions)


def _reason_of(error: Exception) -> str:
    """The backend's (or Slack's) reason in one line, for a failed request and its copies."""
    if isinstance(error, kilo_client.KiloError):
        return error.message
    return explain(error).text


@dataclass
class SeatDesk:
    """One person's seat action in one workspace, with the bot's services and Slack's client."""

    kilo: BotServices
    slack: AsyncWebClient
    asker: SlackIds
    now: datetime
    # the last view each modal was updated to: what its claim is settled with
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def requests(self) -> SeatRequestStore:
        return request_store(self.kilo)

    async def _caller(self) -> tuple[Caller, KiloClient]:
        return await self.kilo.identity.resolve(self.slack, self.asker.team_id, self.asker.user_id, self.now)

    async def _manager(self, action: str) -> tuple[Caller, KiloClient]:
        caller, client = await self._caller()
        if not caller.is_manager:
            owners = await client.members(role=Role.OWNER, limit=3)
            raise AccessDenied(action, [m.name for m in owners.members])
        return caller, client

    async def _plan(self, client: KiloClient, caller: Caller, mode: SeatMode, seats: int) -> SeatPlan:
        subscription = await client.subscription()
        target = target_seats(mode, seats, subscription)
        return plan_from_quote(mode, subscription, await client.preview_seats(caller.actor, target))

    async def _update_view(self, view_id: str, view: dict[str, Any], view_hash: str | None = None) -> bool:
        """views.update; False when a newer update won (hash_conflict) or the modal was closed."""
        self.shown[view_id] = view
        try:
            await self.slack.views_update(view_id=view_id, hash=view_hash, view=view)
        except SlackApiError as error:
            if error.response.get("error") in ("hash_conflict", "not_found"):
                return False
            raise
        return True

    async def _once(self, view: dict[str, Any], work: Callable[[], Awaitable[bool]]) -> None:
        """Carry out one submission of a modal once (bot/submissions: one claim per view): a double submit, a
        retry from Slack or another replica leaves the view to the submission that claimed it. `work` says
        whether it is done; if not (the form is shown again to be fixed), the view can be submitted again."""
        view_id = str(view["id"])
        submissions = Submissions(self.kilo.store)
        claim = await asyncio.to_thread(
            submissions.claim,
            self.asker.team_id,
            view_id,
            callback_id=str(view.get("callback_id", "")),
            user_id=self.asker.user_id,
            now=self.now,
        )
        if not claim.won:
            return
        done = False
        try:
            done = await work()
        finally:
            await asyncio.to_thread(
                submissions.settle,
                self.asker.team_id,
                view_id,
                done=done,
                outcome=self.shown.get(view_id, {}),
                now=self.kilo.clock(),
            )

    async def tell_privately(self, body: dict[str, Any], message: Message) -> None:
        """An ephemeral message to the clicker where they clicked (a channel or a DM)."""
        channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
        if channel:
            await self.slack.chat_postEphemeral(channel=channel, user=self.asker.user_id, **message.payload())
        else:
            await self.kilo.replies.send(body["response_url"], message)

    async def _dm(self, user_id: str, message: Message) -> tuple[str, str]:
        opened = await self.slack.conversations_open(users=user_id)
        channel = opened["channel"]["id"]
        posted = await self.slack.chat_postMessage(channel=channel, **message.payload())
        return channel, str(posted["ts"])

    # --- add and remove seats --------------------------------------------------------------------

    async def open_seat_form(self, trigger_id: str, mode: SeatMode, seats_text: str | None) -> None:
        """views.open with a loading view at once; the form with Kilo's price replaces it."""
        opened = await self.slack.views_open(
            trigger_id=trigger_id, view=seat_views.loading_modal(seat_views.TITLES[mode])
        )
        view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
        try:
            caller, client = await self._manager(f"{mode.value} seats")
            view = await self._seat_form(client, caller, mode, seats_text or "1")
        except AccessDenied as refused:
            view = seat_views.notice_modal(
                seat_views.TITLES[mode],
                f":no_entry_sign: {refused.sentence}",
                "Anyone can ask for seats with `/kilo seats request 2 why`; an Owner or Admin approves it here.",
            )
        except Exception as error:
            view = seat_views.notice_modal(seat_views.TITLES[mode], explain(error).text, "Nothing was changed.")
        await self._update_view(view_id, view, view_hash)

    async def _seat_form(
        self, client: KiloClient, caller: Caller, mode: SeatMode, seats_text: object, notice: str | None = None
    ) -> dict[str, Any]:
        try:
            seats = parse_seat_number(seats_text)
            plan = await self._plan(client, caller, mode, seats)
        except SeatNumberError as problem:
            return seat_views.seat_form_modal(
                self.asker.team_id, mode, _shown_number(seats_text), None, problem=str(problem), notice=notice
            )
        except (kilo_client.Conflict, kilo_client.ValidationFailed) as refused:
            return seat_views.seat_form_modal(
                self.asker.team_id, mode, _shown_number(seats_text), None, problem=refused.message, notice=notice
            )
        return seat_views.seat_form_modal(self.asker.team_id, mode, seats, plan, notice=notice)

    async def refresh_preview(self, view: dict[str, Any], typed: object) -> None:
        """The number changed in an open form: the preview follows (an older refresh never overwrites a newer)."""
        form = _own_form(view, self.asker, SeatForm)
        mode = SeatMode(form.mode)
        try:
            caller, client = await self._manager(f"{mode.value} seats")
            new_view = await self._seat_form(client, caller, mode, typed)
        except Exception as error:
            new_view = seat_views.seat_form_modal(
                self.asker.team_id, mode, _shown_number(typed), None, problem=explain(error).text
            )
        await self._update_view(view["id"], new_view, view.get("hash"))

    async def submit_seat_form(self, view: dict[str, Any], seats: int) -> None:
        """After the "working…" ack: re-read role and price, charge once, show the result, DM it."""
        form = _own_form(view, self.asker, SeatForm)
        await self._once(view, lambda: self._change_seats(form, view, seats))

    async def _change_seats(self, form: SeatForm, view: dict[str, Any], seats: int) -> bool:
        mode, view_id, title = SeatMode(form.mode), view["id"], seat_views.TITLES[SeatMode(form.mode)]
        plan: SeatPlan | None = None
        try:
            caller, client = await self._manager(f"{mode.value} seats")
            try:
                plan = await self._plan(client, caller, mode, seats)
            except (SeatNumberError, kilo_client.Conflict, kilo_client.ValidationFailed) as refused:
                notice = str(refused) if isinstance(refused, SeatNumberError) else refused.message
                await self._update_view(view_id, await self._seat_form(client, caller, mode, seats, notice=notice))
                return False
            if plan.fingerprint != form.fingerprint:
                notice = (
                    "The price changed since it was shown (or the number was not previewed yet). "
                    "Check it and submit again."
                )
                await self._update_view(
                    view_id, seat_views.seat_form_modal(self.asker.team_id, mode, seats, plan, notice=notice)
                )
                return False
            change = await client.change_seats(
                caller.actor, plan.new_seats, form_idempotency_key(self.asker.team_id, view_id, plan.new_seats)
            )
        except AccessDenied as refused:
            await self._update_view(
                view_id, seat_views.notice_modal(title, f":no_entry_sign: {refused.sentence}", "Nothing was changed.")
            )
            return False
        except Exception as error:
            # The modal stays a form, with the reason on top: fix it (a declined card, Kilo away) and submit
            # again. The price shown stays the one just read, so that submit charges it with the same key.
            notice = in_one_line(error)
            problem = None if plan is not None else explain(error).text
            await self._update_view(
                view_id,
                seat_views.seat_form_modal(self.asker.team_id, mode, seats, plan, problem=problem, notice=notice),
            )
            return False
        try:  # the seats changed: whatever fails now must not make the view look free to charge again
            invoice_number = await _invoice_number(client, change.invoice_id)
            done_view, message = seat_views.seat_change_done(plan, invoice_number)
            await self._update_view(view_id, done_view)
            await self._dm(self.asker.user_id, message)
        except Exception:
            logger.exception("seats changed, but telling %s failed", self.asker.user_id)
        return True

    # --- seat requests -----------------------------------------------------------------------------

    async def create_request(self, seats: int, reason: str | None) -> Message:
        """Store the request, post it to the approvals channel or DM every Owner and Admin, DM the requester."""
        caller, client = await self._caller()
        subscription = await client.subscription()
        target_seats(SeatMode.ADD, seats, subscription)  # refuses more than the plan allows
        estimate = estimate_addition(subscription, seats, self.now)
        channel = await asyncio.to_thread(self.requests.approval_channel, self.asker.team_id)
        approvers = [] if channel else await self._approvers_in_workspace(client, caller)
        if not channel and not approvers:
            raise SeatRefusal(
                f"No Owner or Admin of {caller.organization_name} is in this Slack workspace, so nobody could approve "
                "it here. Ask an Owner to add seats on the Kilo dashboard, or to set `/kilo approvals #channel`."
            )
        request = await asyncio.to_thread(
            self.requests.create,
            team_id=self.asker.team_id,
            organization_id=await client.organization_id(),
            requester_user_id=self.asker.user_id,
            requester_name=caller.member.name,
            seats=seats,
            reason=reason,
            now=self.now,
        )
        message = seat_views.approvers_message(request, caller.organization_name, estimate)
        try:
            sent_to = await self._post_to_approvers(request, message, channel, approvers, client, caller)
            channel_id, ts = await self._dm(self.asker.user_id, seat_views.requester_copy(request, sent_to))
        except Exception:
            await asyncio.to_thread(self.requests.discard, request.id)  # nobody can act on half a delivery
            raise
        await asyncio.to_thread(self.requests.add_message, request.id, channel_id, ts, CopyKind.REQUESTER)
        return seat_views.request_sent(sent_to, seats)

    async def _post_to_approvers(
        self,
        request: SeatRequest,
        message: Message,
        channel: str | None,
        approvers: list[str],
        client: KiloClient,
        caller: Caller,
    ) -> str:
        if channel:
            try:
                posted = await self.slack.chat_postMessage(channel=channel, **message.payload())
                await asyncio.to_thread(
                    self.requests.add_message, request.id, str(posted["channel"]), str(posted["ts"]), CopyKind.APPROVERS
                )
                return f"<#{channel}>"
            except SlackApiError as error:  # the bot was removed from the channel, or it was archived
                logger.warning("could not post a seat request to %s: %s", channel, error.response.get("error"))
                approvers = await self._approvers_in_workspace(client, caller)
        limit = asyncio.Semaphore(PARALLEL_DMS)

        async def send(user_id: str) -> None:
            async with limit:
                dm_channel, ts = await self._dm(user_id, message)
                await asyncio.to_thread(self.requests.add_message, request.id, dm_channel, ts, CopyKind.APPROVERS)

        await asyncio.gather(*(send(user_id) for user_id in approvers))
        plural = "s" if len(approvers) != 1 else ""
        return f"{len(approvers)} Owner{plural} and Admin{plural} by DM"

    async def _approvers_in_workspace(self, client: KiloClient, caller: Caller) -> list[str]:
        """Slack ids of the organization's active Owners and Admins who are in this workspace (by email)."""
        owners, admins = await asyncio.gather(
            client.members(role=Role.OWNER, status=MemberStatus.ACTIVE, limit=MAX_APPROVERS),
            client.members(role=Role.ADMIN, status=MemberStatus.ACTIVE, limit=MAX_APPROVERS),
        )
        emails = [m.email for m in owners.members + admins.members if m.email != caller.member.email]

        async def lookup(email: str) -> str | None:
            try:
                found = await self.slack.users_lookupByEmail(email=email)
            except SlackApiError as error:
                if error.response.get("error") == "users_not_found":
                    return None
                raise
            return str(found["user"]["id"])

        found = await asyncio.gather(*(lookup(email) for email in emails[:MAX_APPROVERS]))
        return [user_id for user_id in found if user_id and user_id != self.asker.user_id]

    async def _request_for_click(self, raw_id: str) -> SeatRequest:
        request = await asyncio.to_thread(self.requests.get, raw_id)
        if request is None or request.team_id != self.asker.team_id:
            raise StaleInteraction("button", SeatRequestForm.rerun)
        return request

    async def _check_organization(self, request: SeatRequest, client: KiloClient) -> None:
        if request.organization_id != await client.organization_id():
            raise SeatRefusal(
                "That request was made for another Kilo organization than this workspace's; nothing was changed."
            )

    async def approve_clicked(self, body: dict[str, Any], request_id: str) -> None:
        """Refuse a stale click or the requester at once (bot database only); else the confirmation modal."""
        request = await self._request_for_click(request_id)
        if request.requester_user_id == self.asker.user_id:
            await self.tell_privately(
                body, seat_views.info("You can't approve your own seat request; an Owner or Admin decides it.")
            )
            return
        if not request.is_open:
            await self.tell_privately(body, seat_views.already_decided(request))
            return
        opened = await self.slack.views_open(
            trigger_id=body["trigger_id"], view=seat_views.loading_modal("Approve seats", ViewId.SEAT_APPROVE)
        )
        view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
        try:
            caller, client = await self._manager("approve seat requests")
            await self._check_organization(request, client)
            plan = await self._plan(client, caller, SeatMode.ADD, request.seats)
            view = seat_views.approve_modal(self.asker.team_id, request, plan)
        except (AccessDenied, SeatRefusal) as refused:
            sentence = refused.sentence if isinstance(refused, AccessDenied) else str(refused)
            view = seat_views.notice_modal(
                "Approve seats", f":no_entry_sign: {sentence}", "Nothing was changed.", ViewId.SEAT_APPROVE
            )
        except Exception as error:
            view = seat_views.notice_modal(
                "Approve seats", explain(error).text, "Nothing was changed.", ViewId.SEAT_APPROVE
            )
        await self._update_view(view_id, view, view_hash)

    async def approve_submitted(self, view: dict[str, Any]) -> None:
        """After the "working…" ack: re-check the role, win the claim, re-read the price, change the seats
        once, tell everyone."""
        form = _own_form(view, self.asker, SeatRequestForm)
        if form.fingerprint is None:  # a modal that never showed a price cannot approve one
            raise StaleInteraction(form.noun, form.rerun)
        await self._once(view, lambda: self._approve(form, view))

    async def _approve(self, form: SeatRequestForm, view: dict[str, Any]) -> bool:
        """True once the request is decided here or found decided; False: the form is shown again."""
        view_id = view["id"]

        async def show(text: str, hint: str | None = None) -> None:
            await self._update_view(view_id, seat_views.notice_modal("Approve seats", text, hint, ViewId.SEAT_APPROVE))

        request = await self._request_for_click(form.request_id)
        if request.requester_user_id == self.asker.user_id:
            await show("You can't approve your own seat request.", "Nothing was changed.")
            return True
        if not request.is_open:
            await show(seat_views.already_decided(request).text)
            return True
        try:
            caller, client = await self._manager("approve seat requests")
            await self._check_organization(request, client)
        except (AccessDenied, SeatRefusal) as refused:
            sentence = refused.sentence if isinstance(refused, AccessDenied) else str(refused)
            await show(f":no_entry_sign: {sentence}", "Nothing was changed.")
            return True
        # Claimed before the price is read again: the seat count the price depends on cannot change
        # under us through another approval of this request.
        claimed = await asyncio.to_thread(
            self.requests.claim, request.id, to=RequestStatus.APPROVING, by_user_id=self.asker.user_id, now=self.now
        )
        if not claimed:
            decided = await asyncio.to_thread(self.requests.get, request.id)
            await show(seat_views.already_decided(decided or request).text, "Nothing was changed.")
            return True
        try:
            plan = await self._plan(client, caller, SeatMode.ADD, request.seats)
        except Exception as error:
            await asyncio.to_thread(self.requests.release, request.id, self.asker.user_id)
            await show(explain(error).text, "Nothing was changed.")
            return True
        if plan.fingerprint != form.fingerprint:
            await asyncio.to_thread(self.requests.release, request.id, self.asker.user_id)
            notice = "The price changed since it was shown. Check the new one and approve again."
            await self._update_view(view_id, seat_views.approve_modal(self.asker.team_id, request, plan, notice))
            return False
        try:
            change = await client.change_seats(caller.actor, plan.new_seats, request.idempotency_key)
        except Exception as error:
            await asyncio.to_thread(self.requests.failed, request.id, reason=_reason_of(error), now=self.now)
            await self.update_copies(request.id, caller.organization_name)
            await show(f"{explain(error).text}", "The request stays open: approve it again once that is fixed.")
            return True
        await asyncio.to_thread(
            self.requests.approved,
            request.id,
            seats_before=change.seats_after - change.delta,
            seats_after=change.seats_after,
            charged=change.prorated_amount_microdollars,
            now=self.now,
        )
        decided = await self.update_copies(request.id, caller.organization_name)
        await self._dm(request.requester_user_id, seat_views.outcome_for_requester(decided))
        await show(seat_views.decision_line(decided))
        return True

    async def deny_clicked(self, body: dict[str, Any], request_id: str) -> None:
        request = await self._request_for_click(request_id)
        if not request.is_open:
            await self.tell_privately(body, seat_views.already_decided(request))
            return
        if request.requester_user_id == self.asker.user_id:
            await self.tell_privately(
                body, seat_views.info("That is your own request: withdraw it from your DM with me instead.")
            )
            return
        # The deny form needs nothing from Kilo; the role is checked when it is submitted.
        await self.slack.views_open(
            trigger_id=body["trigger_id"], view=seat_views.deny_modal(self.asker.team_id, request)
        )

    async def deny_submitted(self, view: dict[str, Any], reason: str | None) -> None:
        form = _own_form(view, self.asker, SeatRequestForm)
        await self._once(view, lambda: self._deny(form, view, reason))

    async def _deny(self, form: SeatRequestForm, view: dict[str, Any], reason: str | None) -> bool:
        request = await self._request_for_click(form.request_id)

        async def show(text: str, hint: str | None = None) -> None:
            await self._update_view(view["id"], seat_views.notice_modal("Deny seats", text, hint, ViewId.SEAT_DENY))

        if request.requester_user_id == self.asker.user_id:
            await show("That is your own request: withdraw it instead.", "Nothing was changed.")
            return True
        try:
            caller, client = await self._manager("deny seat requests")
            await self._check_organization(request, client)
        except (AccessDenied, SeatRefusal) as refused:
            await show(
                f":no_entry_sign: {refused.sentence if isinstance(refused, AccessDenied) else refused}",
                "Nothing was changed.",
            )
            return True
        if not await asyncio.to_thread(
            self.requests.claim,
            request.id,
            to=RequestStatus.DENIED,
            by_user_id=self.asker.user_id,
            now=self.now,
            note=reason,
        ):
            decided = await asyncio.to_thread(self.requests.get, request.id)
            await show(seat_views.already_decided(decided or request).text, "Nothing was changed.")
            return True
        decided = await self.update_copies(request.id, caller.organization_name)
        await self._dm(request.requester_user_id, seat_views.outcome_for_requester(decided))
        await show(seat_views.decision_line(decided))
        return True

    async def withdraw_clicked(self, body: dict[str, Any], request_id: str) -> None:
        request = await self._request_for_click(request_id)
        if request.requester_user_id != self.asker.user_id:
            await self.tell_privately(body, seat_views.info("Only the person who asked can withdraw a seat request."))
            return
        if not await asyncio.to_thread(
            self.requests.claim,
            request.id,
            to=RequestStatus.WITHDRAWN,
            by_user_id=self.asker.user_id,
            now=self.now,
            only_requester=True,
        ):
            decided = await asyncio.to_thread(self.requests.get, request.id)
            await self.tell_privately(body, seat_views.already_decided(decided or request))
            return
        caller, _client = await self._caller()
        await self.update_copies(request.id, caller.organization_name)

    async def update_copies(self, request_id: str, organization: str) -> SeatRequest:
        """Every copy of the request edited in place to its present state (buttons gone once decided)."""
        return await update_copies(self.kilo, self.slack, request_id, organization)

    async def list_requests(self) -> Message:
        caller, client = await self._caller()
        organization_id = await client.organization_id()
        found = await asyncio.to_thread(self.requests.recent, self.asker.team_id, organization_id)
        if not caller.is_manager:
            found = [r for r in found if r.requester_user_id == self.asker.user_id]
        return seat_views.request_list(found)

    async def set_approvals_channel(self, ref: ChannelRef | None) -> Message:
        """Send seat requests to a channel (found as typed, joined if public; a private one must invite the bot
        first) or, with None, by DM to every Owner and Admin."""
        caller, _client = await self._manager("choose where seat requests go")
        channel = await find_channel(self.slack, ref) if ref is not None else None
        if channel is not None:
            await ensure_member(self.slack, channel)
        channel_id = channel.id if channel else None
        await asyncio.to_thread(
            self.requests.set_approval_channel, self.asker.team_id, channel_id, set_by=caller.user_id, now=self.now
        )
        if channel_id is None:
            return seat_views.info("Seat requests now go by DM to every Owner and Admin who is in this workspace.")
        return seat_views.info(f"Seat requests now go to <#{channel_id}>.")

    async def show_approvals_channel(self) -> Message:
        channel = await asyncio.to_thread(self.requests.approval_channel, self.asker.team_id)
        where = f"<#{channel}>" if channel else "a DM to every Owner and Admin in this workspace"
        return seat_views.info(
            f"Seat requests go to {where}. Change it with `/kilo approvals #channel` (or `/kilo approvals dm`)."
        )


async def update_copies(kilo: BotServices, slack: AsyncWebClient, request_id: str, organization: str) -> SeatRequest:
    """chat.update every copy of a request; a copy that can no longer be edited is logged and skipped."""
    return await update_request_copies(request_store(kilo), slack, request_id, organization)


async def expire_stale_requests(kilo: BotServices, slack_for_team: WorkspaceClient, now: datetime) -> list[str]:
    """The tick's seat request expiry (bot/seat_expiry), with this app's services: for the demo and tests."""
    return await SeatRequestExpiry(request_store(kilo), kilo.identity, slack_for_team).expire_due(now)


def _own_form(view: dict[str, Any], asker: SlackIds, kind: type[Form]) -> Form:
    """The modal's state, if it was opened in the asker's own workspace (else it is refused as stale)."""
    form = decode(view.get("private_metadata"), kind)
    if form.team_id != asker.team_id:
        raise StaleInteraction(form.noun, form.rerun)
    return form


def _shown_number(typed: object) -> int:
    try:
        return max(1, min(int(str(typed).strip()), 10_000))
    except ValueError:
        return 1


async def _invoice_number(client: KiloClient, invoice_id: str | None) -> str | None:
    if invoice_id is None:
        return None
    try:
        invoices = await client.invoices(limit=5)
    except kilo_client.KiloError:
        return None
    return next((invoice.number for invoice in invoices if invoice.id == invoice_id), None)


def workspace_clients(bolt: AsyncApp, settings: Settings) -> WorkspaceClient:
    """Slack's client for a workspace outside any request (periodic tasks): the bot token of a single
    install, or the workspace's own installation when the app is installed with OAuth."""

    async def client_for(team_id: str) -> AsyncWebClient | None:
        installations = bolt.installation_store
        if installations is None:
            return bolt.client
        installed = await installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if installed is None or not installed.bot_token:
            return None
        return AsyncWebClient(token=installed.bot_token, base_url=settings.slack_api_base)

    return client_for
