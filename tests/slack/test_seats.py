"""Adding and removing seats from Slack: the modal opens at once, the price follows the number, the
submission re-reads role and price, charges once, and says what changed — through POST /slack/events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from slack_bolt.async_app import AsyncApp

from backend.services.invoices import DECLINING_CARD_LAST4
from bot import formatting as fmt
from bot.ids import ActionId, BlockId, ViewId
from bot.seats import estimate_addition
from bot.store import BotStore
from bot.submissions import Claim, Submissions, SubmissionStatus
from kilo_api import schemas
from local_slack import SlackUser
from tests.conftest import Clock
from tests.factories import OrganizationFactory
from tests.slack.conftest import SQLITE_ONLY, Workspace, texts
from tests.slack.interactions import (
    ack_body,
    click_on_home,
    close_modal,
    repoint,
    submit_modal,
    type_in_modal,
    wait_until,
)

pytestmark = SQLITE_ONLY


def backend(http: httpx.Client, ws: Workspace, path: str, actor: Any = None) -> Any:
    response = http.get(ws.org.path(path), headers=ws.org.headers(actor or ws.org.owner))
    assert response.status_code == 200, response.text
    return response.json()


def quote(http: httpx.Client, ws: Workspace, seats: int) -> dict[str, Any]:
    response = http.post(
        ws.org.path("/subscription/seats/preview"), json={"seats": seats}, headers=ws.org.headers(ws.org.owner)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def view_updates(ws: Workspace, view_id: str) -> list[dict[str, Any]]:
    return [c.args for c in ws.slack.calls_to("views.update") if c.args.get("view_id") == view_id]


def open_form(ws: Workspace, who: SlackUser, text: str) -> dict[str, Any]:
    """Run the command; return the modal once Kilo's answer replaced the loading view."""
    opened_before = len(ws.slack.calls_to("views.open"))
    assert ws.command(who, text).http.status_code == 200
    opened = ws.slack.wait_for_call("views.open", count=opened_before + 1)[-1]
    view_id = opened.answer["view"]["id"]
    wait_until(lambda: view_updates(ws, view_id), what="views.update of the loading view")
    return ws.slack.view(view_id)


def settled(ws: Workspace, view_id: str, count: int) -> dict[str, Any]:
    """The modal after its `count`-th views.update."""
    wait_until(lambda: len(view_updates(ws, view_id)) >= count, what=f"views.update #{count}")
    return ws.slack.view(view_id)


def number(value: str | None) -> dict[str, dict[str, tuple[str, str | None]]]:
    return {BlockId.SEATS_NUMBER: {ActionId.SEATS_NUMBER: ("number_input", value)}}


def dm_to(ws: Workspace, who: SlackUser) -> list[dict[str, Any]]:
    channel = ws.slack.dm_channel(who.id)
    return [c.args for c in ws.slack.calls_to("chat.postMessage") if c.args["channel"] == channel]


def seat_count(http: httpx.Client, ws: Workspace) -> int:
    return int(backend(http, ws, "/subscription")["seat_count"])


def test_add_seats_opens_a_loading_view_first_then_kilos_price(workspace: Workspace, http: httpx.Client):
    opened_before = len(workspace.slack.calls_to("views.open"))
    workspace.command(workspace.owner, "seats add 2")
    opened = workspace.slack.wait_for_call("views.open", count=opened_before + 1)[-1]
    assert "Asking Kilo for the current price" in texts(opened.args["view"])
    view_id = opened.answer["view"]["id"]
    wait_until(lambda: view_updates(workspace, view_id))
    first_update = view_updates(workspace, view_id)[0]
    assert first_update["hash"] == opened.answer["view"]["hash"]  # views.update names the view it replaces
    shown = texts(workspace.slack.view(view_id))
    expected = quote(http, workspace, 12)
    assert f"*Charged today:* {fmt.usd(expected['prorated_amount_microdollars'])}" in shown
    assert f"2 × {expected['remaining_days']} of {expected['cycle_days']} days left" in shown
    assert "*Seats:* 10 → 12 (7 in use)" in shown
    assert f"*New recurring amount:* {fmt.usd(12 * expected['price_per_seat_microdollars'])} per month" in shown
    assert "*Next charge:* Apr 1, 2026 (UTC)" in shown
    element = workspace.slack.view(view_id)["blocks"][0]["element"]
    assert element["type"] == "number_input" and element["is_decimal_allowed"] is False
    assert (element["min_value"], element["max_value"], element["initial_value"]) == ("1", "10000", "2")


def test_the_preview_follows_the_number_as_it_is_typed(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.admin, "seats add")
    type_in_modal(workspace, workspace.admin, shown, BlockId.SEATS_NUMBER, ActionId.SEATS_NUMBER, "5")
    updated = settled(workspace, shown["id"], 2)
    assert view_updates(workspace, shown["id"])[1]["hash"] == shown["hash"]
    assert "*Seats:* 10 → 15" in texts(updated)
    assert fmt.usd(quote(http, workspace, 15)["prorated_amount_microdollars"]) in texts(updated)
    type_in_modal(workspace, workspace.admin, updated, BlockId.SEATS_NUMBER, ActionId.SEATS_NUMBER, "0")
    assert "Enter 1 or more seats." in texts(settled(workspace, shown["id"], 3))


def test_a_stale_refresh_never_overwrites_a_newer_one(workspace: Workspace):
    shown = open_form(workspace, workspace.admin, "seats add")
    type_in_modal(workspace, workspace.admin, shown, BlockId.SEATS_NUMBER, ActionId.SEATS_NUMBER, "5")
    newer = settled(workspace, shown["id"], 2)
    failures = len([c for c in workspace.slack.calls_to("views.update") if c.answer.get("error") == "hash_conflict"])
    type_in_modal(workspace, workspace.admin, shown, BlockId.SEATS_NUMBER, ActionId.SEATS_NUMBER, "3")  # old hash
    wait_until(
        lambda: (
            len([c for c in workspace.slack.calls_to("views.update") if c.answer.get("error") == "hash_conflict"])
            > failures
        )
    )
    assert workspace.slack.view(shown["id"])["hash"] == newer["hash"]


def test_submitting_charges_once_on_an_invoice_and_tells_the_person(workspace: Workspace, http: httpx.Client):
    expected = quote(http, workspace, 12)
    shown = open_form(workspace, workspace.owner, "seats add 2")
    answer = ack_body(submit_modal(workspace, workspace.owner, shown, number("2")))
    assert answer["response_action"] == "update" and "Working on it" in texts(answer["view"])
    done = settled(workspace, shown["id"], 2)
    amount = fmt.usd(expected["prorated_amount_microdollars"])
    assert f"Seats: 10 → 12. {amount} charged on invoice KILO-" in texts(done)
    assert "submit" not in done
    message = wait_until(lambda: dm_to(workspace, workspace.owner))[-1]
    assert f"Seats: 10 → 12. {amount} charged" in message["text"]
    assert seat_count(http, workspace) == 12
    invoice = backend(http, workspace, "/invoices")[0]
    assert invoice["total_microdollars"] == expected["prorated_amount_microdollars"] and invoice["status"] == "paid"
    assert invoice["lines"][0]["description"].startswith("2 added seat(s)")
    assert invoice["number"] in texts(done)
    payment = backend(http, workspace, "/payments")[0]
    assert payment["amount_microdollars"] == expected["prorated_amount_microdollars"]
    entry = backend(http, workspace, "/audit-log")[0]
    assert entry["action"] == "organization.seats.add" and entry["actor_member_id"] == workspace.org.owner.id
    assert (entry["before"], entry["after"]["seats"]) == ({"seats": 10}, 12)


def test_a_double_submit_and_a_resent_submit_change_the_seats_once(
    workspace: Workspace, http: httpx.Client, bot_store: BotStore
):
    shown = open_form(workspace, workspace.owner, "seats add 3")
    submit_modal(workspace, workspace.owner, shown, number("3"))
    submit_modal(workspace, workspace.owner, shown, number("3"))
    submit_modal(workspace, workspace.owner, shown, number("3"), headers={"X-Slack-Retry-Num": "1"})
    wait_until(lambda: dm_to(workspace, workspace.owner))
    assert seat_count(http, workspace) == 13
    assert len(backend(http, workspace, "/subscription")["seat_history"]) == 1
    assert len(dm_to(workspace, workspace.owner)) == 1
    # the view's one claim is the admin modals' kind (bot/submissions), settled with the result shown
    claims = Submissions(bot_store)

    def settled_claim() -> Claim | None:
        claim = claims.state(workspace.team_id, shown["id"])
        return claim if claim.status is SubmissionStatus.DONE else None

    assert "10 → 13" in texts(wait_until(settled_claim).outcome or {})


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (None, "Enter how many seats."),
        ("", "Enter how many seats."),
        ("0", "Enter 1 or more seats."),
        ("-3", "Enter 1 or more seats."),
        ("2.5", "“2.5” is not a whole number of seats."),
        ("two", "“two” is not a whole number of seats."),
        ("10001", "A subscription has at most 10,000 seats."),
    ],
)
def test_bad_numbers_are_shown_next_to_the_field_and_change_nothing(
    workspace: Workspace, http: httpx.Client, typed: str | None, error: str
):
    shown = open_form(workspace, workspace.owner, "seats add")
    answer = ack_body(submit_modal(workspace, workspace.owner, shown, number(typed)))
    assert answer == {"response_action": "errors", "errors": {BlockId.SEATS_NUMBER: error}}
    assert seat_count(http, workspace) == 10


def test_over_the_plans_maximum_in_all_is_refused_in_the_modal(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.owner, "seats add 9995")
    assert "you can add up to 9,990" in texts(shown)
    submit_modal(workspace, workspace.owner, shown, number("9995"))
    assert "you can add up to 9,990" in texts(settled(workspace, shown["id"], 2))
    assert seat_count(http, workspace) == 10


def test_a_price_changed_since_it_was_shown_is_not_charged(workspace: Workspace, http: httpx.Client, clock: Clock):
    shown = open_form(workspace, workspace.owner, "seats add 2")
    clock.now += timedelta(days=1)  # a day later the pro-rated price is lower
    submit_modal(workspace, workspace.owner, shown, number("2"))
    again = settled(workspace, shown["id"], 2)
    assert "The price changed since it was shown" in texts(again)
    assert fmt.usd(quote(http, workspace, 12)["prorated_amount_microdollars"]) in texts(again)
    assert seat_count(http, workspace) == 10
    submit_modal(workspace, workspace.owner, again, number("2"))
    assert "Seats: 10 → 12" in texts(settled(workspace, shown["id"], 3))
    assert seat_count(http, workspace) == 12


def test_a_number_typed_but_not_previewed_is_shown_before_it_is_charged(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.owner, "seats add 2")
    submit_modal(workspace, workspace.owner, shown, number("4"))
    again = settled(workspace, shown["id"], 2)
    assert "not previewed" in texts(again) and "*Seats:* 10 → 14" in texts(again)
    assert seat_count(http, workspace) == 10


def test_members_are_refused_in_the_modal(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.member, "seats add 2")
    assert "Only Owners and Admins can add seats." in texts(shown)
    assert "/kilo seats request" in texts(shown)
    assert "submit" not in shown
    assert seat_count(http, workspace) == 10


def test_the_role_is_checked_again_when_the_form_is_submitted(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.admin, "seats add 2")
    demoted = http.patch(
        workspace.org.path(f"/members/{workspace.org.admin.id}"),
        json={"role": "member"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert demoted.status_code == 200
    submit_modal(workspace, workspace.admin, shown, number("2"))
    assert "Only Owners and Admins can add seats." in texts(settled(workspace, shown["id"], 2))
    assert seat_count(http, workspace) == 10


def test_a_form_from_another_workspace_is_refused(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.owner, "seats add 2")
    answer = ack_body(submit_modal(workspace, workspace.owner, shown, number("2"), team_id="TOTHERTEAM"))
    assert answer["response_action"] == "update"
    assert "That form is out of date" in texts(settled(workspace, shown["id"], 2))
    assert seat_count(http, workspace) == 10


def test_backend_down_at_submission_keeps_the_form_open_with_the_reason(
    workspace: Workspace, http: httpx.Client, bolt_app: AsyncApp, backend_server: Any
):
    shown = open_form(workspace, workspace.owner, "seats add 2")
    repoint(bolt_app, workspace, "http://127.0.0.1:9")
    submit_modal(workspace, workspace.owner, shown, number("2"))
    failed = settled(workspace, shown["id"], 2)
    assert "Kilo isn't answering right now" in texts(failed)
    assert failed["blocks"][1]["element"]["type"] == "number_input" and "submit" in failed
    repoint(bolt_app, workspace, backend_server.url)
    assert seat_count(http, workspace) == 10


def test_closing_the_modal_changes_nothing(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.owner, "seats add 2")
    assert close_modal(workspace, workspace.owner, shown).status_code == 200
    assert seat_count(http, workspace) == 10


def test_remove_seats_shows_the_credit_and_where_it_goes(workspace: Workspace, http: httpx.Client):
    expected = quote(http, workspace, 8)
    shown = open_form(workspace, workspace.owner, "seats remove 2")
    credit = fmt.usd(-expected["prorated_amount_microdollars"])
    assert f"*Credit:* {credit} for the unused" in texts(shown)
    assert "taken off the next invoice (Apr 1, 2026, UTC)" in texts(shown)
    assert "*Seats:* 10 → 8 (7 in use)" in texts(shown)
    submit_modal(workspace, workspace.owner, shown, number("2"))
    assert f"Seats: 10 → 8. {credit} credited to the next invoice" in texts(settled(workspace, shown["id"], 2))
    subscription = backend(http, workspace, "/subscription")
    assert subscription["seat_count"] == 8
    price = subscription["price_per_seat_microdollars"]
    assert subscription["next_charge_microdollars"] == 8 * price + expected["prorated_amount_microdollars"]
    assert backend(http, workspace, "/audit-log")[0]["action"] == "organization.seats.remove"


def test_removing_below_the_seats_in_use_says_how_many_to_remove_first(workspace: Workspace, http: httpx.Client):
    shown = open_form(workspace, workspace.owner, "seats remove 5")
    assert "7 of your 10 seats are in use. Remove 2 members or invitations first." in texts(shown)
    submit_modal(workspace, workspace.owner, shown, number("7"))
    assert "Remove 4 members or invitations first." in texts(settled(workspace, shown["id"], 2))
    assert seat_count(http, workspace) == 10


def test_add_seats_buttons_for_managers_on_home_and_subscription(workspace: Workspace):
    def home_of(who: SlackUser) -> dict[str, Any]:
        before = len(workspace.slack.calls_to("views.publish"))
        workspace.open_home(who)
        return dict(workspace.slack.wait_for_call("views.publish", count=before + 1)[-1].args["view"])

    owner_home = home_of(workspace.owner)
    assert "Add seats" in texts(owner_home)
    assert "Add seats" not in texts(home_of(workspace.member))
    subscription = workspace.ask(workspace.admin, "seats")
    labels = [b["text"]["text"] for b in subscription["blocks"] if b["type"] == "actions" for b in b["elements"]]
    assert labels == ["Change billing cycle", "Add seats", "Remove seats"]
    opened_before = len(workspace.slack.calls_to("views.open"))
    click_on_home(workspace, workspace.owner, owner_home, ActionId.SEATS_ADD)
    opened = workspace.slack.wait_for_call("views.open", count=opened_before + 1)[-1]
    view_id = opened.answer["view"]["id"]
    assert "*Seats:* 10 → 11" in texts(settled(workspace, view_id, 1))
    assert workspace.slack.view(view_id)["callback_id"] == ViewId.SEATS_CHANGE


@pytest.mark.parametrize("day", [1, 2, 15, 30, 31])
@pytest.mark.parametrize("seats", [1, 3, 17])
def test_the_request_estimate_is_the_backends_own_quote(
    workspace: Workspace, http: httpx.Client, clock: Clock, day: int, seats: int
):
    clock.now = clock.now.replace(day=day, hour=23, minute=59)
    subscription = schemas.SubscriptionOut.model_validate(backend(http, workspace, "/subscription"))
    estimate = estimate_addition(subscription, seats, clock.now)
    expected = quote(http, workspace, 10 + seats)
    assert (estimate.prorated_microdollars, estimate.remaining_days, estimate.cycle_days) == (
        expected["prorated_amount_microdollars"],
        expected["remaining_days"],
        expected["cycle_days"],
    )


def test_a_declined_card_is_said_in_the_modal_and_changes_nothing_until_it_is_fixed(
    workspace: Workspace, http: httpx.Client, orgs: OrganizationFactory
):
    orgs.replace_card(workspace.org, DECLINING_CARD_LAST4)
    untouched = {path: backend(http, workspace, path) for path in ("/subscription", "/invoices", "/audit-log")}
    expected = quote(http, workspace, 12)
    shown = open_form(workspace, workspace.owner, "seats add 2")
    submit_modal(workspace, workspace.owner, shown, number("2"))
    declined = settled(workspace, shown["id"], 2)
    said = texts(declined)
    assert (
        ":warning: The card Visa •••• 0002 was declined, so nothing was charged and no seats were added (still 10). "
        "Update the card in the Kilo dashboard, then try again." in said
    )
    assert "*Seats:* 10 → 12" in said and "submit" in declined  # the form stays open with the price it showed
    assert {path: backend(http, workspace, path) for path in untouched} == untouched
    assert not dm_to(workspace, workspace.owner)
    orgs.replace_card(workspace.org, "4242")
    submit_modal(workspace, workspace.owner, declined, number("2"))  # the same form, submitted again
    done = settled(workspace, shown["id"], 3)
    assert f"Seats: 10 → 12. {fmt.usd(expected['prorated_amount_microdollars'])} charged on invoice KILO-" in texts(
        done
    )
    subscription = backend(http, workspace, "/subscription")
    assert subscription["seat_count"] == 12 and len(subscription["seat_history"]) == 1
    added = [i for i in backend(http, workspace, "/invoices") if i not in untouched["/invoices"]]
    assert [(i["status"], i["total_microdollars"]) for i in added] == [
        ("paid", expected["prorated_amount_microdollars"])
    ]
    assert len(dm_to(workspace, workspace.owner)) == 1
