"""Policies, billing cycle, cancel and resume, and the audit log from Slack, with the backend's state after."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.ids import ActionId, BlockId
from tests.factories import SQLITE_ONLY
from tests.slack.conftest import Workspace, texts
from tests.slack.modals import (
    Modal,
    answer,
    audit,
    backend,
    click_in_message,
    modal_from_message,
    open_modal,
    run,
    texts_of,
)

pytestmark = SQLITE_ONLY


def policies(http: httpx.Client, ws: Workspace) -> dict[str, Any]:
    return dict(backend(http, ws, "")["policies"])


def ticked(modal: Modal) -> list[str]:
    block = next(b for b in modal.view["blocks"] if b.get("block_id") == BlockId.POLICIES)
    return [o["value"] for o in block["element"].get("initial_options") or []]


# --- policies ----------------------------------------------------------------------------------------


def test_policies_show_the_current_values_and_save_only_what_changed(workspace: Workspace, http: httpx.Client):
    assert policies(http, workspace) == {"code_training_opt_out": True, "usage_analytics_enabled": True}
    modal = open_modal(workspace, workspace.admin, "policies")
    assert ticked(modal) == ["code_training_opt_out", "usage_analytics_enabled"]
    # meanwhile someone turns analytics off on the dashboard; this form still shows it on
    elsewhere = http.patch(
        workspace.org.path("/policies"),
        json={"usage_analytics_enabled": False},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert elsewhere.status_code == 200

    modal.submit(workspace.admin, {BlockId.POLICIES: ["usage_analytics_enabled"]})  # unticks the code opt-out

    assert policies(http, workspace) == {"code_training_opt_out": False, "usage_analytics_enabled": False}
    shown = texts_of(modal.view)
    assert "✅ Saved.\n• Keep our code out of model training: on → off" in shown
    mine = [
        e
        for e in audit(http, workspace, "organization.policy.change")
        if e["actor_member_id"] == workspace.org.admin.id
    ]
    assert [(e["before"]["code_training_opt_out"], e["after"]["code_training_opt_out"]) for e in mine] == [
        (True, False)
    ]
    assert mine[0]["after"]["usage_analytics_enabled"] is False  # the other change was left as it was


def test_saving_policies_unchanged_changes_nothing(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.owner, "policies")
    modal.submit(workspace.owner)
    assert "Nothing changed; the policies are as you left them." in texts_of(modal.view)
    assert audit(http, workspace, "organization.policy.change") == []


def test_members_cannot_change_policies_and_owners_find_the_button_on_org(workspace: Workspace):
    refused = open_modal(workspace, workspace.member, "policies")
    assert "Only Owners and Admins can change data-collection policies." in texts_of(refused.view)
    message, key = answer(workspace, workspace.owner, "org")
    modal = modal_from_message(workspace, workspace.owner, message, key, ActionId.POLICIES_OPEN)
    assert modal.view["callback_id"] == "kilo_policies"


# --- billing cycle -----------------------------------------------------------------------------------


def test_switching_to_yearly_billing_says_what_changes_and_when(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.admin, "subscription cycle")
    shown = texts_of(modal.view)
    assert "Billed *monthly* now, $29.00 per seat per month." in shown
    assert (
        "*If you switch to yearly billing:* from Apr 1, 2026, $290.00 per seat per year · next charge $2,900.00 "
        "on Apr 1, 2026 (10 seats)." in shown
    )
    assert "a change starts at renewal on Apr 1, 2026 (UTC)" in shown
    choice = next(b for b in modal.view["blocks"] if b.get("block_id") == BlockId.BILLING_CYCLE)["element"]
    assert choice["type"] == "radio_buttons" and choice["initial_option"]["value"] == "yearly"

    modal.submit(workspace.admin)

    assert (
        "✅ Billing switches to *yearly* at renewal on Apr 1, 2026: $290.00 per seat per year · next charge "
        "$2,900.00 on Apr 1, 2026." in texts_of(modal.view)
    )
    subscription = backend(http, workspace, "/subscription")
    assert (subscription["billing_cycle"], subscription["next_billing_cycle"]) == ("monthly", "yearly")
    assert subscription["next_charge_microdollars"] == 2_900_000_000
    [entry] = audit(http, workspace, "organization.subscription.change_cycle")
    assert (entry["before"], entry["after"]["billing_cycle"]) == ({"billing_cycle": "monthly"}, "yearly")
    # the same choice again changes nothing more
    again = open_modal(workspace, workspace.admin, "subscription cycle")
    again.submit(workspace.admin, {BlockId.BILLING_CYCLE: "yearly"})
    assert "Nothing changed: billing is yearly from Apr 1, 2026." in texts_of(again.view)
    assert len(audit(http, workspace, "organization.subscription.change_cycle")) == 1


# --- cancel and resume -------------------------------------------------------------------------------


def test_cancelling_takes_two_steps_and_the_organizations_name(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.owner, "subscription cancel")
    shown = texts_of(modal.view)
    assert "• *Effective Apr 1, 2026*: the cycle you have paid for runs to the end of Mar 31, 2026 (UTC)" in shown
    assert "• *Seats*: all 10 seats (7 in use) keep working until then" in shown
    assert "• *Credits*: the balance of $0.00 stays with the organization; cancelling does not refund it." in shown

    step_two = modal.submit(workspace.owner)
    assert step_two["response_action"] == "update" and modal.view["callback_id"] == "kilo_cancel_confirm"
    assert f"To cancel, type the organization's name: *{workspace.org_name}*" in texts_of(modal.view)
    assert backend(http, workspace, "/subscription")["status"] == "active"

    wrong = modal.submit(workspace.owner, {BlockId.CANCEL_NAME: "Some Other Org"})
    assert wrong == {
        "response_action": "errors",
        "errors": {BlockId.CANCEL_NAME: f"That isn't the organization's name; type “{workspace.org_name}” to cancel."},
    }
    assert backend(http, workspace, "/subscription")["status"] == "active"

    modal.submit(workspace.owner, {BlockId.CANCEL_NAME: f"  {workspace.org_name.upper()} "})
    assert "it ends on *Apr 1, 2026*" in texts_of(modal.view)
    subscription = backend(http, workspace, "/subscription")
    assert (subscription["status"], subscription["cancel_effective_at"]) == ("pending_cancel", "2026-04-01T00:00:00Z")
    assert len(audit(http, workspace, "organization.subscription.cancel")) == 1


def test_only_owners_cancel(workspace: Workspace, http: httpx.Client):
    modal = open_modal(workspace, workspace.admin, "subscription cancel")
    assert "Only Owners can cancel the subscription." in texts_of(modal.view) and "submit" not in modal.view
    message, _key = answer(workspace, workspace.admin, "subscription")
    labels = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Change billing cycle", "Add seats", "Remove seats"]  # no Cancel for an Admin


def test_resume_from_the_command_and_the_button_until_the_end(workspace: Workspace, http: httpx.Client):
    http.post(workspace.org.path("/subscription/cancel"), headers=workspace.org.headers(workspace.org.owner))
    message, key = answer(workspace, workspace.owner, "subscription")
    labels = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Change billing cycle", "Resume subscription", "Add seats", "Remove seats"]
    click_in_message(workspace, workspace.owner, message, key, ActionId.RESUME)
    resumed = texts(workspace.slack.wait_for_response(key, count=2))
    assert "✅ The subscription continues and renews automatically. Next charge $290.00 on Apr 1, 2026." in resumed
    assert backend(http, workspace, "/subscription")["status"] == "active"
    # a second resume (a double click, or the command as well) says the same and changes nothing more
    again, _key = answer(workspace, workspace.owner, "subscription resume")
    assert "✅ The subscription continues and renews automatically." in texts(again)
    assert len(audit(http, workspace, "organization.subscription.resume")) == 1


# --- audit -------------------------------------------------------------------------------------------


def test_audit_shows_who_changed_what_before_and_after_in_the_readers_zone(workspace: Workspace, http: httpx.Client):
    target = workspace.org.people[3]
    http.patch(  # elsewhere: the dashboard
        workspace.org.path(f"/members/{target.id}"),
        json={"daily_limit_microdollars": 12_500_000},
        headers=workspace.org.headers(workspace.org.admin),
    )
    message, key = answer(workspace, workspace.owner, "members")
    role = modal_from_message(
        workspace, workspace.owner, message, key, ActionId.MEMBER_MENU, option="Change role", in_block_with=target.email
    )
    role.submit(workspace.owner, {BlockId.MEMBER_ROLE: "admin"})

    log, _key = answer(workspace, workspace.owner, "audit 3")
    lines = texts(log)
    # the backend's clock says 2026-03-15 12:00 UTC; the Owner reads in New York
    assert f"`Mar 15, 2026 08:00 EDT` *Olivia Owner* changed {target.name}'s role: member → admin" in lines
    assert f"`Mar 15, 2026 08:00 EDT` *Admin Person* changed {target.name}'s daily limit: none → $12.50" in lines
    assert "Audit log: the last 3 changes" in lines and "times in America/New_York" in lines
    refused, _key = answer(workspace, workspace.member, "audit")
    assert "Only Owners and Admins can read the audit log." in texts(refused)


def test_a_trigger_slack_no_longer_accepts_is_explained(workspace: Workspace):
    trigger = workspace.slack.trigger()
    workspace.slack.state.triggers[trigger].issued_at = time.monotonic() - 4  # the request sat somewhere for 4 s
    _trigger, key = run(workspace, workspace.owner, "policies", trigger=trigger)
    told = texts(workspace.slack.wait_for_response(key))
    assert "Slack took too long to open the form." in told and "Nothing was changed." in told
