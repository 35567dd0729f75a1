"""The preamble of every admin modal submission: read the form (errors inline), claim the view once, and
answer within Slack's 3 s — with the result if the backend was quick, else with a "working…" view that
views.update replaces when the result is in. Duplicates (a double submit, a retry from Slack, another
replica) follow the first submission's claim and show its outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.explain import explain
from bot.interaction import AdminForm, StaleInteraction, decode
from bot.payloads import slack_ids
from bot.services import BotServices
from bot.submissions import Claim, Submissions, SubmissionStatus
from bot.views.blocks import Message
from bot.views.manage import FormProblems, outcome_message, problems_message, with_problem, working_modal
from handlers.listener import BoltListener, Turn

logger = logging.getLogger(__name__)

ANSWER_WITHIN_SECONDS = 2.0  # of Slack's 3 s, leaving room for the trip back
FOLLOW_POLL_SECONDS = 0.05
FOLLOW_FOR_SECONDS = 60.0  # how long a duplicate waits for the first submission's outcome

Typed = TypeVar("Typed")


@dataclass(frozen=True)
class Outcome:
    """The view to end on; `done` False leaves the form open (with a problem) and frees the claim."""

    view: dict[str, Any]
    done: bool = True


@dataclass(frozen=True)
class Submitted(Generic[Typed]):
    turn: Turn
    form: AdminForm
    typed: Typed
    view: dict[str, Any]  # as Slack sent it: id, hash, blocks, state, private_metadata
    # the stage an earlier attempt at this view recorded before its process died (None: a first attempt)
    resumed: dict[str, Any] | None = None
    claims: Submissions | None = None  # the view's claim (None: a modal that is not claimed)

    async def record_stage(self, stage: dict[str, Any]) -> None:
        """Note how far this submission got, before a step that whoever takes over must finish, not redo."""
        if self.claims is not None:
            view_id = str(self.view["id"])
            await asyncio.to_thread(
                self.claims.record_stage, self.form.team_id, view_id, stage, now=self.turn.kilo.clock()
            )

    @property
    def idempotency_key(self) -> str:
        """The backend's idempotency key for this view: one view, one charge."""
        return f"slack-view:{self.form.team_id}:{self.view['id']}"


Work = Callable[[Submitted[Typed]], Awaitable[Outcome]]


def view_submission(read: Callable[[dict[str, Any]], Typed], work: Work[Typed], *, once: bool = True) -> BoltListener:
    """A Bolt listener for one modal: `read` turns the form into typed input (FormProblems → errors next
    to the fields), `work` does the change. `once`: the view is claimed, so the work runs once."""

    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, kilo: BotServices) -> None:
        deadline = asyncio.get_running_loop().time() + ANSWER_WITHIN_SECONDS
        view: dict[str, Any] = body["view"]
        try:
            turn = Turn(kilo, client, body, slack_ids(body), kilo.clock())
            form = decode(view.get("private_metadata"), AdminForm)
            if form.team_id != turn.asker.team_id:  # a form from another workspace
                raise StaleInteraction(form.noun, form.rerun)
            typed = read(view)
        except FormProblems as problems:
            await ack(response_action="errors", errors=problems.errors)
            return
        except Exception as error:
            await ack(response_action="update", view=with_problem(view, explain(error)))
            return
        if not once:
            await _answer(ack, client, view, work(Submitted(turn, form, typed, view)), deadline, turn.asker.user_id)
            return
        submissions = Submissions(kilo.store)
        claim = await asyncio.to_thread(
            submissions.claim,
            form.team_id,
            str(view["id"]),
            callback_id=str(view.get("callback_id", "")),
            user_id=turn.asker.user_id,
            now=turn.now,
        )
        if not claim.won:
            await _follow(ack, client, submissions, form.team_id, view, claim, deadline)
            return
        job = Submitted(turn, form, typed, view, resumed=claim.stage, claims=submissions)
        outcome = await _answer(ack, client, view, work(job), deadline, turn.asker.user_id)
        await asyncio.to_thread(
            submissions.settle, form.team_id, str(view["id"]), done=outcome.done, outcome=outcome.view, now=kilo.clock()
        )

    submitted.__name__ = submitted.__qualname__ = getattr(work, "__name__", "submitted")
    return submitted


async def _answer(
    ack: AsyncAck,
    client: AsyncWebClient,
    view: dict[str, Any],
    work: Awaitable[Outcome],
    deadline: float,
    user_id: str,
) -> Outcome:
    """Run the work; answer Slack with its result if it is done by the deadline, else with "working…"
    and then the result through views.update — or by DM, if the person closed the modal meanwhile.
    Returns the view the person ends on."""
    task = asyncio.ensure_future(_settled(work, view))
    await asyncio.wait({task}, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
    if task.done():
        outcome, errors = task.result()
        if errors is not None:
            await ack(response_action="errors", errors=errors)
        else:
            await ack(response_action="update", view=outcome.view)
        return outcome
    await ack(response_action="update", view=working_modal(view))
    outcome, _errors = await task
    if not await _update(client, view, outcome.view):
        await _tell_by_dm(client, user_id, outcome_message(outcome.view, done=outcome.done))
    return outcome


async def _settled(work: Awaitable[Outcome], view: dict[str, Any]) -> tuple[Outcome, dict[str, str] | None]:
    """The work's outcome; a failure becomes the form again with the explanation (and field errors, which
    can only be shown inline while Slack still waits for the answer)."""
    try:
        return await work, None
    except FormProblems as problems:
        return Outcome(with_problem(view, problems_message(problems)), done=False), problems.errors
    except Exception as error:
        return Outcome(with_problem(view, explain(error)), done=False), None


async def _follow(
    ack: AsyncAck,
    client: AsyncWebClient,
    submissions: Submissions,
    team_id: str,
    view: dict[str, Any],
    claim: Claim,
    deadline: float,
) -> None:
    """A duplicate: show what the first submission ends on, waiting for it while Slack allows."""
    loop = asyncio.get_running_loop()
    acked = False
    give_up = loop.time() + FOLLOW_FOR_SECONDS
    while claim.status is SubmissionStatus.WORKING and loop.time() < give_up:
        if not acked and loop.time() >= deadline:
            await ack(response_action="update", view=working_modal(view))
            acked = True
        await asyncio.sleep(FOLLOW_POLL_SECONDS)
        claim = await asyncio.to_thread(submissions.state, team_id, str(view["id"]))
    final = claim.outcome or working_modal(view)
    if acked:
        await _update(client, view, final)  # closed meanwhile: the first submission tells the person
    else:
        await ack(response_action="update", view=final)


async def _update(client: AsyncWebClient, view: dict[str, Any], new_view: dict[str, Any]) -> bool:
    """views.update; False when the modal is gone (the person closed it: Slack answers not_found)."""
    try:
        await client.views_update(view_id=str(view["id"]), view=new_view)
    except SlackApiError as error:
        if error.response.get("error") == "not_found":
            return False
        logger.warning("could not show a submission's result: %s", error.response.get("error"))
    return True


async def _tell_by_dm(client: AsyncWebClient, user_id: str, message: Message) -> None:
    """The outcome of a submission whose modal was closed while it worked, in the person's DM with the bot."""
    try:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(channel=opened["channel"]["id"], **message.payload())
    except SlackApiError as error:  # the change is done either way; the audit log has it
        logger.warning("could not DM a submission's outcome: %s", error.response.get("error"))
