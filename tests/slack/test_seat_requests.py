"""Seat requests approved in Slack: a request goes to the approvals channel or to every Owner and Admin by
DM; Approve (with the price recomputed) or Deny; every copy edited in place; the requester told; stale
clicks change nothing; withdraw, expiry after 72 hours, and a failed charge that can be approved again."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_bolt.async_app import AsyncApp

from backend.services.invoices import DECLINING_CARD_LAST4
from bot import formatting as fmt
from bot.app import create_bolt_app, create_web_app, services_of
from bot.digests import TickReport
from bot.ids import ActionId, BlockId
from bot.scheduler import standalone_due_work
from bot.seat_requests import RequestStatus, SeatRequestStore
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack, SlackUser
from tests.factories import OrganizationFactory
from tests.slack.backend_proxy import BackendProxy
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SQLITE_ONLY, Workspace, WorkspaceFactory, texts
from tests.slack.interactions import FormValues, ack_body, click_in_message, repoint, submit_modal, wait_until
from tests.support import process_environment

pytestmark = SQLITE_ONLY


def approvals(ws: Workspace) -> str:
    """Each workspace's own approvals channel (a public channel the bot is in)."""
    channel_id = f"C0APPR{ws.team_id[1:]}"
    if channel_id not in ws.slack.state.conversations:
        ws.slack.add_channel(channel_id, "seat-approvals", team_id=ws.team_id)
    return channel_id


def backend(http: httpx.Client, ws: Workspace, path: str) -> Any:
    response = http.get(ws.org.path(path), headers=ws.org.headers(ws.org.owner))
    assert response.status_code == 200, response.text
    return response.json()


def quote(http: httpx.Client, ws: Workspace, seats: int) -> dict[str, Any]:
    response = http.post(
        ws.org.path("/subscription/seats/preview"), json={"seats": seats}, headers=ws.org.headers(ws.org.owner)
    )
    result: dict[str, Any] = response.json()
    return result


def posts_to(ws: Workspace, channel: str) -> list[dict[str, Any]]:
    """Messages posted to a channel, as they read now (after every chat.update)."""
    return [
        {**ws.slack.message(c.args["channel"], c.answer["ts"]), "channel": c.args["channel"]}
        for c in ws.slack.calls_to("chat.postMessage")
        if c.args["channel"] == channel and c.ok
    ]


def dm(ws: Workspace, who: SlackUser) -> str:
    return ws.slack.dm_channel(who.id)


def request_seats(ws: Workspace, who: SlackUser, text: str) -> dict[str, Any]:
    """Run /kilo seats request …; the private confirmation."""
    return ws.ask(who, f"seats request {text}")


def request_id_of(message: dict[str, Any]) -> str:
    values = [e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values and len(set(values)) == 1
    return str(values[0])


def ephemerals_to(ws: Workspace, who: SlackUser) -> list[str]:
    return [c.args["text"] for c in ws.slack.calls_to("chat.postEphemeral") if c.args["user"] == who.id]


def modal_after(ws: Workspace, opened_before: int, updates: int = 1) -> dict[str, Any]:
    opened = ws.slack.wait_for_call("views.open", count=opened_before + 1)[opened_before]
    view_id = opened.answer["view"]["id"]
    wait_until(
        lambda: len([c for c in ws.slack.calls_to("views.update") if c.args.get("view_id") == view_id]) >= updates,
        what=f"views.update #{updates} of the modal",
    )
    return ws.slack.view(view_id)


def approve(ws: Workspace, who: SlackUser, copy: dict[str, Any]) -> dict[str, Any]:
    """Click Approve on a copy, confirm in the modal; the modal once the outcome is shown."""
    opened_before = len(ws.slack.calls_to("views.open"))
    click_in_message(ws, who, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
    confirm = modal_after(ws, opened_before)
    answer = ack_body(submit_modal(ws, who, confirm, {}))
    assert answer["response_action"] == "update" and "Working on it" in texts(answer["view"])
    return modal_after(ws, opened_before, 2)


@pytest.fixture
def with_channel(workspace: Workspace) -> Workspace:
    reply = workspace.ask(workspace.owner, f"approvals <#{approvals(workspace)}|approvals>")
    assert f"Seat requests now go to <#{approvals(workspace)}>" in texts(reply)
    return workspace


def test_a_request_goes_by_dm_to_every_owner_and_admin_in_the_workspace(workspace: Workspace, http: httpx.Client):
    reply = request_seats(workspace, workspace.member, "2 two new hires on Monday")
    assert "sent to 2 Owners and Admins by DM" in texts(reply) and reply["response_type"] == "ephemeral"
    looked_up = {c.args["email"] for c in workspace.slack.calls_to("users.lookupByEmail")}
    assert {workspace.owner.email, workspace.admin.email} <= looked_up
    expected = quote(http, workspace, 12)
    for approver in (workspace.owner, workspace.admin):
        copy = wait_until(partial(posts_to, workspace, dm(workspace, approver)))[-1]
        shown = texts(copy)
        assert f"<@{workspace.member.id}> asks for *2 more seats*." in shown and ">two new hires on Monday" in shown
        assert f"*Pro-rated cost now*\n{fmt.usd(expected['prorated_amount_microdollars'])}" in shown
        price = expected["price_per_seat_microdollars"]
        assert f"*New recurring amount*\n{fmt.usd(12 * price)} per month" in shown
        assert [e["text"]["text"] for b in copy["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
            "Approve",
            "Deny",
        ]
        assert re.fullmatch(r"sr_[0-9a-f]{16}", request_id_of(copy))
    mine = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.member)))[-1]
    assert "You asked for *2 more seats*" in texts(mine) and "Withdraw" in texts(mine)
    assert backend(http, workspace, "/subscription")["seat_count"] == 10


def test_approvals_channel_is_set_by_managers_only_and_gets_the_request(with_channel: Workspace):
    ws = with_channel
    refused = ws.ask(ws.member, "approvals <#C0OTHER>")
    assert "Only Owners and Admins can choose where seat requests go." in texts(refused)
    assert f"Seat requests go to <#{approvals(ws)}>" in texts(ws.ask(ws.admin, "approvals"))
    reply = request_seats(ws, ws.member, "3")
    assert f"sent to <#{approvals(ws)}>" in texts(reply)
    assert "asks for *3 more seats*" in texts(wait_until(lambda: posts_to(ws, approvals(ws)))[-1])
    assert not posts_to(ws, dm(ws, ws.owner))


def test_approvals_channel_as_typed_is_found_joined_or_refused_with_what_to_do(workspace: Workspace):
    ws = workspace
    suffix = ws.team_id[1:]
    ws.slack.add_channel(f"C0PUB{suffix}", "team-seats", team_id=ws.team_id, bot_member=False)
    ws.slack.add_channel(f"C0PRIV{suffix}", "finance", team_id=ws.team_id, private=True, bot_member=False)
    ws.slack.add_channel(f"C0OLD{suffix}", "old-seats", team_id=ws.team_id, archived=True)

    # a bare #name (typed without picking from the list) is looked up; a public channel is joined
    reply = ws.ask(ws.owner, "approvals #team-seats")
    assert f"Seat requests now go to <#C0PUB{suffix}>." in texts(reply)
    joined = [c.args["channel"] for c in ws.slack.calls_to("conversations.join")]
    assert joined.count(f"C0PUB{suffix}") == 1
    request_seats(ws, ws.member, "1")
    assert "asks for *1 more seat*" in texts(wait_until(lambda: posts_to(ws, f"C0PUB{suffix}"))[-1])

    # refusals say why and change nothing
    for typed, said in [
        (f"<#C0PRIV{suffix}|finance>", "Invite me there with `/invite @Kilo for Teams`"),
        (f"<#C0OLD{suffix}|old-seats>", "is archived"),
        ("#no-such-channel", "I can't find a channel called #no-such-channel."),
    ]:
        assert said in texts(ws.ask(ws.admin, f"approvals {typed}"))
        assert f"Seat requests go to <#C0PUB{suffix}>" in texts(ws.ask(ws.admin, "approvals"))


def test_approve_changes_the_seats_once_and_updates_every_copy(workspace: Workspace, http: httpx.Client):
    request_seats(workspace, workspace.member, "2 new hires")
    owner_copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    wait_until(lambda: posts_to(workspace, dm(workspace, workspace.admin)))
    expected = quote(http, workspace, 12)
    opened_before = len(workspace.slack.calls_to("views.open"))
    click_in_message(
        workspace,
        workspace.admin,
        posts_to(workspace, dm(workspace, workspace.admin))[-1],
        dm(workspace, workspace.admin),
        ActionId.SEAT_REQUEST_APPROVE,
    )
    confirm = modal_after(workspace, opened_before)
    assert "*Seats:* 10 → 12" in texts(confirm) and fmt.usd(expected["prorated_amount_microdollars"]) in texts(confirm)
    submit_modal(workspace, workspace.admin, confirm, {})
    done = modal_after(workspace, opened_before, 2)
    charged = fmt.usd(expected["prorated_amount_microdollars"])
    assert f"Approved by <@{workspace.admin.id}> at <!date^" in texts(done)
    assert f"— 10 → 12 seats, {charged} charged" in texts(done)
    for copy in (
        *posts_to(workspace, dm(workspace, workspace.owner)),
        *posts_to(workspace, dm(workspace, workspace.admin)),
    ):
        assert not [b for b in copy["blocks"] if b["type"] == "actions"]
        assert f"✅ Approved by <@{workspace.admin.id}> at <!date^" in texts(copy)
        assert f"10 → 12 seats, {charged} charged" in texts(copy)
    requester = posts_to(workspace, dm(workspace, workspace.member))
    assert "Withdraw" not in texts(requester[0]) and "Approved by" in texts(requester[0])
    assert (
        "Your request for 2 more seats: ✅ Approved by"
        in wait_until(lambda: posts_to(workspace, dm(workspace, workspace.member))[1:])[-1]["text"]
    )
    subscription = backend(http, workspace, "/subscription")
    assert subscription["seat_count"] == 12 and len(subscription["seat_history"]) == 1
    assert backend(http, workspace, "/invoices")[0]["total_microdollars"] == expected["prorated_amount_microdollars"]
    entry = backend(http, workspace, "/audit-log")[0]
    assert entry["action"] == "organization.seats.add" and entry["actor_member_id"] == workspace.org.admin.id
    # a second, stale click on the other copy changes nothing and says who decided
    opened = len(workspace.slack.calls_to("views.open"))
    click_in_message(
        workspace, workspace.owner, owner_copy, dm(workspace, workspace.owner), ActionId.SEAT_REQUEST_APPROVE
    )
    said = wait_until(lambda: ephemerals_to(workspace, workspace.owner))[-1]
    assert said.startswith(f"Already approved by <@{workspace.admin.id}> at <!date^")
    assert len(workspace.slack.calls_to("views.open")) == opened
    assert backend(http, workspace, "/subscription")["seat_count"] == 12


def test_the_requester_cannot_approve_their_own_request(with_channel: Workspace, http: httpx.Client):
    ws = with_channel
    request_seats(ws, ws.admin, "2")
    post = wait_until(lambda: posts_to(ws, approvals(ws)))[-1]
    click_in_message(ws, ws.admin, post, approvals(ws), ActionId.SEAT_REQUEST_APPROVE)
    assert "can't approve your own seat request" in wait_until(lambda: ephemerals_to(ws, ws.admin))[-1]
    assert backend(http, ws, "/subscription")["seat_count"] == 10


def test_a_member_clicking_approve_is_refused_privately(with_channel: Workspace, http: httpx.Client):
    ws = with_channel
    request_seats(ws, ws.member, "2")
    post = wait_until(lambda: posts_to(ws, approvals(ws)))[-1]
    other_member = ws.slack.add_user(
        SlackUser(f"UMEM2{ws.team_id[1:7]}", ws.org.people[3].email, "Max Member", team_id=ws.team_id)
    )
    opened_before = len(ws.slack.calls_to("views.open"))
    click_in_message(ws, other_member, post, approvals(ws), ActionId.SEAT_REQUEST_APPROVE)
    refusal = modal_after(ws, opened_before)
    assert "Only Owners and Admins can approve seat requests." in texts(refusal) and "submit" not in refusal
    assert backend(http, ws, "/subscription")["seat_count"] == 10
    assert [b for b in posts_to(ws, approvals(ws))[-1]["blocks"] if b["type"] == "actions"]  # still open


def test_deny_with_a_reason_updates_every_copy_and_tells_the_requester(with_channel: Workspace, http: httpx.Client):
    ws = with_channel
    request_seats(ws, ws.member, "4 contractors")
    pending = wait_until(lambda: posts_to(ws, approvals(ws)))[-1]
    opened_before = len(ws.slack.calls_to("views.open"))
    click_in_message(ws, ws.owner, pending, approvals(ws), ActionId.SEAT_REQUEST_DENY)
    deny = ws.slack.wait_for_call("views.open", count=opened_before + 1)[-1].answer["view"]
    reason: FormValues = {
        BlockId.SEAT_DENY_REASON: {ActionId.SEAT_DENY_REASON: ("plain_text_input", "Not this quarter")}
    }
    submit_modal(ws, ws.owner, deny, reason)
    post = wait_until(lambda: [p for p in posts_to(ws, approvals(ws)) if "Denied" in texts(p)])[-1]
    assert f"❌ Denied by <@{ws.owner.id}>: Not this quarter" in texts(post)
    assert not [b for b in post["blocks"] if b["type"] == "actions"]
    told = wait_until(lambda: posts_to(ws, dm(ws, ws.member))[1:])[-1]
    assert told["text"] == f"Your request for 4 more seats: ❌ Denied by <@{ws.owner.id}>: Not this quarter"
    # a click on a copy that still shows the buttons changes nothing
    click_in_message(ws, ws.admin, pending, approvals(ws), ActionId.SEAT_REQUEST_APPROVE)
    assert wait_until(lambda: ephemerals_to(ws, ws.admin))[-1].startswith(f"Already denied by <@{ws.owner.id}>")
    assert backend(http, ws, "/subscription")["seat_count"] == 10


def test_the_requester_withdraws_while_pending(workspace: Workspace, http: httpx.Client):
    request_seats(workspace, workspace.member, "1")
    owner_copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    mine = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.member)))[-1]
    click_in_message(workspace, workspace.member, mine, dm(workspace, workspace.member), ActionId.SEAT_REQUEST_WITHDRAW)
    wait_until(lambda: "Withdrawn" in texts(posts_to(workspace, dm(workspace, workspace.owner))[-1]))
    assert "Withdraw" not in [b["type"] for b in posts_to(workspace, dm(workspace, workspace.member))[0]["blocks"]]
    click_in_message(
        workspace, workspace.owner, owner_copy, dm(workspace, workspace.owner), ActionId.SEAT_REQUEST_APPROVE
    )
    assert "Already withdrawn" in wait_until(lambda: ephemerals_to(workspace, workspace.owner))[-1]
    assert backend(http, workspace, "/subscription")["seat_count"] == 10


def send_due(settings: Settings, store: BotStore, at: datetime) -> TickReport:
    """One tick at `at` in a process of its own wiring (as `kilo-bot digests send-due --at` does it)."""

    async def once() -> TickReport:
        async with standalone_due_work(settings, store) as work:
            return await work.send_due(at)

    return asyncio.run(once())


def test_requests_expire_in_the_tick_after_72_hours_and_the_requester_is_told_once(
    workspace: Workspace, bot_settings: Settings, bot_store: BotStore, clock: Any
):
    request_seats(workspace, workspace.member, "2")
    owner_copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    (request,) = SeatRequestStore(bot_store.sessions).recent(workspace.team_id, workspace.org.id)
    assert request.status is RequestStatus.PENDING

    clock.now = request.created_at + timedelta(hours=71, minutes=59)
    assert send_due(bot_settings, bot_store, clock.now).requests_expired == 0
    assert "Expired" not in texts(workspace.slack.message(owner_copy["channel"], owner_copy["ts"]))

    clock.now = request.created_at + timedelta(hours=72)
    at = clock.now.isoformat()
    env = {  # the suite's distributed app: the workspaces' tokens are in its database
        **process_environment(),
        "DATABASE_URL": str(bot_store.engine.url),
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_API_URL": workspace.slack.api_url,
        "KILO_CONNECT_ALLOW_LOCAL": "true",
    }
    command = [str(Path(sys.executable).with_name("kilo-bot")), "digests", "send-due", "--at", at]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    expired_counts = [int(re.findall(r"seat requests expired (\d+)", out)[0]) for out, _err in outputs]
    assert sum(expired_counts) >= 1 and 0 in expired_counts, outputs  # one of the two expired it

    copy = workspace.slack.message(owner_copy["channel"], owner_copy["ts"])
    assert "⌛ Expired at <!date^" in texts(copy) and not [b for b in copy["blocks"] if b["type"] == "actions"]
    told = [p for p in posts_to(workspace, dm(workspace, workspace.member)) if "Expired" in p["text"]]
    assert len(told) == 1 and told[0]["text"].startswith("Your request for 2 more seats: ⌛ Expired")
    (expired,) = SeatRequestStore(bot_store.sessions).recent(workspace.team_id, workspace.org.id)
    assert expired.status is RequestStatus.EXPIRED

    clock.now = request.created_at + timedelta(hours=80)
    assert send_due(bot_settings, bot_store, clock.now).requests_expired == 0  # once only
    assert len([p for p in posts_to(workspace, dm(workspace, workspace.member)) if "Expired" in p["text"]]) == 1


def test_a_failed_charge_marks_the_request_failed_and_it_can_be_approved_again(
    workspace: Workspace, http: httpx.Client, bolt_app: AsyncApp, backend_server: Any, backend_proxy: BackendProxy
):
    repoint(bolt_app, workspace, backend_proxy.url)
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    backend_proxy.refuse = {"/subscription/seats"}
    failed = approve(workspace, workspace.owner, copy)
    assert backend_proxy.refused == 3  # the idempotency key lets the client retry a 5xx
    assert "Kilo isn't answering right now" in texts(failed) and "approve it again once that is fixed" in texts(failed)
    assert backend(http, workspace, "/subscription")["seat_count"] == 10
    copy = posts_to(workspace, dm(workspace, workspace.owner))[-1]
    assert f"⚠️ Approval by <@{workspace.owner.id}> failed at <!date^" in texts(copy)
    assert "The Kilo backend failed (503)." in texts(copy) and "Nothing was changed" in texts(copy)
    assert [b for b in copy["blocks"] if b["type"] == "actions"]  # still open: it can be approved again
    assert len(posts_to(workspace, dm(workspace, workspace.member))) == 1  # nothing decided: not told yet
    backend_proxy.refuse = set()
    done = approve(workspace, workspace.admin, posts_to(workspace, dm(workspace, workspace.admin))[-1])
    assert f"Approved by <@{workspace.admin.id}>" in texts(done) and "10 → 12 seats" in texts(done)
    subscription = backend(http, workspace, "/subscription")
    assert subscription["seat_count"] == 12 and len(subscription["seat_history"]) == 1
    repoint(bolt_app, workspace, backend_server.url)


def test_a_declined_card_fails_the_approval_everywhere_and_approving_after_the_fix_charges_once(
    workspace: Workspace, http: httpx.Client, orgs: OrganizationFactory, bot_store: BotStore
):
    request_seats(workspace, workspace.member, "2 new hires")
    owner_copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    wait_until(lambda: posts_to(workspace, dm(workspace, workspace.admin)))
    untouched = {path: backend(http, workspace, path) for path in ("/subscription", "/invoices", "/audit-log")}
    expected = quote(http, workspace, 12)
    orgs.replace_card(workspace.org, DECLINING_CARD_LAST4)
    reason = "The card Visa •••• 0002 was declined, so nothing was charged and no seats were added (still 10)"
    failed = approve(workspace, workspace.owner, owner_copy)
    assert f"{reason}." in texts(failed) and "approve it again once that is fixed" in texts(failed)
    assert {path: backend(http, workspace, path) for path in untouched} == untouched
    failure = f"⚠️ Approval by <@{workspace.owner.id}> failed at <!date^"
    approver_copies = [
        *posts_to(workspace, dm(workspace, workspace.owner)),
        *posts_to(workspace, dm(workspace, workspace.admin)),
    ]
    for copy in approver_copies:
        assert failure in texts(copy) and f": {reason}. Nothing was changed;" in texts(copy)
        assert [b for b in copy["blocks"] if b["type"] == "actions"]  # still open: it can be approved again
    requester = posts_to(workspace, dm(workspace, workspace.member))
    assert len(requester) == 1 and requester[0]["text"] == "Your seat request: ⚠️ approval failed"
    assert failure in texts(requester[0]) and reason in texts(requester[0]) and "Withdraw" in texts(requester[0])
    store = SeatRequestStore(bot_store.sessions)
    [stored] = store.recent(workspace.team_id, workspace.org.id)
    assert (stored.status, stored.note) == (RequestStatus.FAILED, f"{reason}.")

    orgs.replace_card(workspace.org, "4242")
    done = approve(workspace, workspace.admin, posts_to(workspace, dm(workspace, workspace.admin))[-1])
    charged = fmt.usd(expected["prorated_amount_microdollars"])
    assert f"Approved by <@{workspace.admin.id}>" in texts(done) and f"10 → 12 seats, {charged} charged" in texts(done)
    subscription = backend(http, workspace, "/subscription")
    assert subscription["seat_count"] == 12 and len(subscription["seat_history"]) == 1
    added = [i for i in backend(http, workspace, "/invoices") if i not in untouched["/invoices"]]
    assert [(i["status"], i["total_microdollars"]) for i in added] == [
        ("paid", expected["prorated_amount_microdollars"])
    ]
    for copy in posts_to(workspace, dm(workspace, workspace.owner)):
        assert "✅ Approved by" in texts(copy) and "failed" not in texts(copy)
    told = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.member))[1:])
    assert len(told) == 1 and told[0]["text"].startswith("Your request for 2 more seats: ✅ Approved by")


def test_a_price_changed_since_the_confirmation_is_not_charged(workspace: Workspace, http: httpx.Client, clock: Any):
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    opened_before = len(workspace.slack.calls_to("views.open"))
    click_in_message(workspace, workspace.owner, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
    confirm = modal_after(workspace, opened_before)
    clock.now += timedelta(days=2)
    submit_modal(workspace, workspace.owner, confirm, {})
    again = modal_after(workspace, opened_before, 2)
    assert "The price changed since it was shown" in texts(again)
    assert fmt.usd(quote(http, workspace, 12)["prorated_amount_microdollars"]) in texts(again)
    assert backend(http, workspace, "/subscription")["seat_count"] == 10


def test_a_click_from_another_workspace_is_refused(workspaces: WorkspaceFactory, http: httpx.Client):
    mine, theirs = workspaces.create(), workspaces.create()
    request_seats(mine, mine.member, "2")
    copy = wait_until(lambda: posts_to(mine, dm(mine, mine.owner)))[-1]
    key = "other-team-click"
    click_in_message(
        theirs, theirs.owner, copy, dm(theirs, theirs.owner), ActionId.SEAT_REQUEST_APPROVE, response_key=key
    )
    assert "That button is out of date" in texts(mine.slack.wait_for_response(key))
    assert backend(http, mine, "/subscription")["seat_count"] == 10


def test_a_resent_confirmation_changes_the_seats_once(workspace: Workspace, http: httpx.Client):
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    opened_before = len(workspace.slack.calls_to("views.open"))
    click_in_message(workspace, workspace.owner, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
    confirm = modal_after(workspace, opened_before)
    submit_modal(workspace, workspace.owner, confirm, {})
    submit_modal(
        workspace,
        workspace.owner,
        confirm,
        {},
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    wait_until(lambda: posts_to(workspace, dm(workspace, workspace.member))[1:])
    assert backend(http, workspace, "/subscription")["seat_count"] == 12
    assert len(backend(http, workspace, "/subscription")["seat_history"]) == 1
    assert len(posts_to(workspace, dm(workspace, workspace.member))) == 2  # the copy, and one outcome


def test_seat_requests_lists_pending_and_recent(with_channel: Workspace):
    ws = with_channel
    request_seats(ws, ws.member, "2 first")
    request_seats(ws, ws.member, "3 second")
    first = wait_until(lambda: posts_to(ws, approvals(ws))[:2])[0]
    approve(ws, ws.owner, first)
    listed = texts(ws.ask(ws.admin, "seats requests"))
    assert listed.index("🕒 pending") < listed.index("✅ approved")
    assert "“second”" in listed and "“first”" in listed and f"Approved by <@{ws.owner.id}>" in listed
    assert "3 seats" in texts(ws.ask(ws.member, "seats requests"))


@pytest.mark.parametrize(
    ("scope", "said"),
    [
        ("users:read", "Slack hasn't given me the `users:read` permission"),
        ("users:read.email", "I can't see the email address on your Slack profile"),
        ("im:write", "Slack hasn't given me the `im:write` permission"),
        ("chat:write", "Slack hasn't given me the `chat:write` permission"),
    ],
)
def test_each_slack_scope_the_requests_use_is_needed(
    workspace: Workspace, bot_store: BotStore, fake_slack: FakeSlack, scope: str, said: str
):
    token = next(token for token, team in fake_slack.state.tokens.items() if team == workspace.team_id)
    granted = fake_slack.state.scopes[token]
    fake_slack.grant(token, granted - {scope})
    try:
        assert said in texts(request_seats(workspace, workspace.member, "2"))
    finally:
        fake_slack.grant(token, granted)
    assert SeatRequestStore(bot_store.sessions).recent(workspace.team_id, workspace.org.id) == []


def test_the_bot_processes_tick_expires_stale_requests_by_itself(
    workspace: Workspace, bot_settings: Settings, bot_store: BotStore, clock: Any
):
    request_seats(workspace, workspace.member, "2")
    wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))
    # a second bot process (a replica) on the same database, its scheduler ticking every second
    replica = bot_settings.model_copy(update={"kilo_scheduler_enabled": True, "kilo_tick_seconds": 1.0})
    with BackgroundServer(create_web_app(create_bolt_app(replica, bot_store, clock=clock))):
        clock.now += timedelta(hours=73)
        copy = wait_until(
            lambda: [p for p in posts_to(workspace, dm(workspace, workspace.owner)) if "Expired" in texts(p)],
            what="the tick",
        )[-1]
    assert not [b for b in copy["blocks"] if b["type"] == "actions"]
    assert posts_to(workspace, dm(workspace, workspace.member))[-1]["text"].startswith("Your request for 2 more seats")


def test_the_approvers_role_is_checked_again_at_confirmation(workspace: Workspace, http: httpx.Client):
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.admin)))[-1]
    opened_before = len(workspace.slack.calls_to("views.open"))
    click_in_message(workspace, workspace.admin, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
    confirm = modal_after(workspace, opened_before)
    demoted = http.patch(
        workspace.org.path(f"/members/{workspace.org.admin.id}"),
        json={"role": "member"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert demoted.status_code == 200
    submit_modal(workspace, workspace.admin, confirm, {})
    assert "Only Owners and Admins can approve seat requests." in texts(modal_after(workspace, opened_before, 2))
    assert backend(http, workspace, "/subscription")["seat_count"] == 10
    assert [b for b in posts_to(workspace, dm(workspace, workspace.owner))[-1]["blocks"] if b["type"] == "actions"]


def test_a_request_of_another_organization_is_refused(
    workspace: Workspace, http: httpx.Client, orgs: Any, bolt_app: AsyncApp, backend_server: Any
):
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    other = orgs.create(name="Other Org", owner_email=workspace.owner.email)  # she owns both
    services = services_of(bolt_app)
    connection = Connection(workspace.team_id, other.id, backend_server.url, other.api_key)
    asyncio.run(services.identity.save_connection(connection, "UTEST", services.clock()))
    try:
        opened_before = len(workspace.slack.calls_to("views.open"))
        click_in_message(workspace, workspace.owner, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
        assert "another Kilo organization" in texts(modal_after(workspace, opened_before))
    finally:
        repoint(bolt_app, workspace, backend_server.url)
    assert backend(http, workspace, "/subscription")["seat_count"] == 10


def test_with_a_slow_kilo_the_modal_opens_and_the_confirmation_is_acked_at_once(
    workspace: Workspace, http: httpx.Client, bolt_app: AsyncApp, backend_server: Any, backend_proxy: BackendProxy
):
    request_seats(workspace, workspace.member, "2")
    copy = wait_until(lambda: posts_to(workspace, dm(workspace, workspace.owner)))[-1]
    repoint(bolt_app, workspace, backend_proxy.url)
    backend_proxy.delay = 0.5  # every backend call takes half a second; a click makes several
    try:
        opened_before = len(workspace.slack.calls_to("views.open"))
        started = time.monotonic()
        click_in_message(workspace, workspace.owner, copy, copy["channel"], ActionId.SEAT_REQUEST_APPROVE)
        workspace.slack.wait_for_call("views.open", count=opened_before + 1)
        assert time.monotonic() - started < 1.0  # views.open before any backend call
        confirm = modal_after(workspace, opened_before, 1)
        started = time.monotonic()
        answer = ack_body(submit_modal(workspace, workspace.owner, confirm, {}))
        assert time.monotonic() - started < 1.0 and "Working on it" in texts(answer["view"])
        assert "10 → 12 seats" in texts(modal_after(workspace, opened_before, 2))
    finally:
        repoint(bolt_app, workspace, backend_server.url)
    assert backend(http, workspace, "/subscription")["seat_count"] == 12


def test_a_request_nobody_here_could_approve_is_refused_and_not_kept(workspace: Workspace, bot_store: BotStore):
    for approver in (workspace.owner, workspace.admin):
        del workspace.slack.state.users[approver.id]  # neither is in this Slack workspace
    reply = texts(request_seats(workspace, workspace.member, "2"))
    assert f"No Owner or Admin of {workspace.org_name} is in this Slack workspace" in reply
    assert "`/kilo approvals #channel`" in reply
    assert SeatRequestStore(bot_store.sessions).recent(workspace.team_id, workspace.org.id) == []
    assert not posts_to(workspace, dm(workspace, workspace.member))
