"""Modals in the fake Slack behave as Slack documents them: triggers, view ids and hashes, the stack,
what a view_submission's answer does, and the state Slack's client sends back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.serving import BackgroundServer
from local_slack import FakeSlack, interactivity

TOKEN = "xoxb-fake-modals"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN)
    with BackgroundServer(slack.app) as server:
        slack.bind(server.url)
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url)


def modal(title: str = "A modal", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "kilo_test",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": title}}],
    }


def refusal(call: Any) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    return str(refused.value.response["error"])


def test_a_trigger_opens_one_view_once(fake: FakeSlack, client: WebClient):
    trigger = fake.trigger()
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}} and view["previous_view_id"] is None
    assert fake.view(view["id"])["title"]["text"] == "A modal"
    assert refusal(lambda: client.views_open(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"
    assert refusal(lambda: client.views_open(trigger_id="1.2.made-up", view=modal())) == "invalid_trigger_id"


def test_a_trigger_expires_after_three_seconds(fake: FakeSlack, client: WebClient):
    trigger = fake.trigger()
    fake.state.triggers[trigger].issued_at = time.monotonic() - 3.1
    assert refusal(lambda: client.views_open(trigger_id=trigger, view=modal())) == "expired_trigger_id"


def test_an_update_needs_the_current_hash_and_an_open_view(fake: FakeSlack, client: WebClient):
    opened = client.views_open(trigger_id=fake.trigger(), view=modal("First"))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Second"))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert fake.view(opened["id"])["title"]["text"] == "Second"
    stale = refusal(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Third")))
    assert stale == "hash_conflict"
    assert client.views_update(view_id=opened["id"], view=modal("Without a hash"))["ok"]
    assert refusal(lambda: client.views_update(view_id="VNOSUCHVIEW", view=modal())) == "not_found"
    assert refusal(lambda: client.api_call("views.update", json={"view": modal()})) == "invalid_arguments"
    fake.close_view(opened["id"])
    assert refusal(lambda: client.views_update(view_id=opened["id"], view=modal())) == "not_found"


def test_push_stacks_on_the_view_the_interaction_came_from_up_to_three(fake: FakeSlack, client: WebClient):
    root = client.views_open(trigger_id=fake.trigger(), view=modal("Root"))["view"]
    second = client.views_push(trigger_id=fake.trigger(from_view=root["id"]), view=modal("Second"))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    third = client.views_push(trigger_id=fake.trigger(from_view=second["id"]), view=modal("Third"))["view"]
    assert third["previous_view_id"] == second["id"]
    full = refusal(lambda: client.views_push(trigger_id=fake.trigger(from_view=third["id"]), view=modal("Fourth")))
    assert full == "push_limit_reached"
    assert refusal(lambda: client.views_push(trigger_id=fake.trigger(), view=modal())) == "invalid_trigger_id"


def test_what_an_answer_to_a_submission_does(fake: FakeSlack, client: WebClient):
    root = client.views_open(trigger_id=fake.trigger(), view=modal("Form"))["view"]
    assert fake.answer_submission(root["id"], {"response_action": "errors", "errors": {"b": "no"}}) == root["id"]
    assert fake.answer_submission(root["id"], {"response_action": "update", "view": modal("Done")}) == root["id"]
    assert fake.view(root["id"])["title"]["text"] == "Done" and fake.view(root["id"])["hash"] != root["hash"]
    pushed = fake.answer_submission(root["id"], {"response_action": "push", "view": modal("Next step")})
    assert pushed is not None and fake.view(pushed)["previous_view_id"] == root["id"]
    assert fake.answer_submission(pushed, {}) == root["id"]  # an empty answer closes the view submitted
    with pytest.raises(ValueError, match="title must be between 1 and 24 characters"):
        fake.answer_submission(root["id"], {"response_action": "update", "view": modal("x" * 25)})
    assert fake.answer_submission(root["id"], {"response_action": "clear"}) is None
    assert root["id"] not in fake.open_views()


FORM_BLOCKS: list[dict[str, Any]] = [
    {
        "type": "input",
        "block_id": "email",
        "label": {"type": "plain_text", "text": "Email"},
        "element": {"type": "email_text_input", "action_id": "email_in", "initial_value": "ana@example.com"},
    },
    {
        "type": "input",
        "block_id": "amount",
        "label": {"type": "plain_text", "text": "Amount"},
        "element": {"type": "number_input", "action_id": "amount_in", "is_decimal_allowed": True},
    },
    {
        "type": "input",
        "block_id": "role",
        "label": {"type": "plain_text", "text": "Role"},
        "element": {
            "type": "static_select",
            "action_id": "role_in",
            "options": [
                {"text": {"type": "plain_text", "text": "Member"}, "value": "member"},
                {"text": {"type": "plain_text", "text": "Admin"}, "value": "admin"},
            ],
            "initial_option": {"text": {"type": "plain_text", "text": "Member"}, "value": "member"},
        },
    },
    {
        "type": "input",
        "block_id": "toggles",
        "optional": True,
        "label": {"type": "plain_text", "text": "Toggles"},
        "element": {
            "type": "checkboxes",
            "action_id": "toggles_in",
            "options": [
                {"text": {"type": "plain_text", "text": "A"}, "value": "a"},
                {"text": {"type": "plain_text", "text": "B"}, "value": "b"},
            ],
            "initial_options": [{"text": {"type": "plain_text", "text": "A"}, "value": "a"}],
        },
    },
]


def test_state_values_are_shaped_per_element_as_slack_sends_them(fake: FakeSlack, client: WebClient):
    view = client.views_open(trigger_id=fake.trigger(), view=modal("Form", FORM_BLOCKS))["view"]
    untouched = interactivity.state_values(view, {})
    assert untouched == {
        "email": {"email_in": {"type": "email_text_input", "value": "ana@example.com"}},
        "amount": {"amount_in": {"type": "number_input", "value": None}},
        "role": {"role_in": {"type": "static_select", "selected_option": FORM_BLOCKS[2]["element"]["initial_option"]}},
        "toggles": {
            "toggles_in": {"type": "checkboxes", "selected_options": FORM_BLOCKS[3]["element"]["initial_options"]}
        },
    }
    payload = interactivity.view_submission(
        view, user_id="U1", team_id="T1", typed={"amount": "12.50", "role": "admin", "toggles": ["b"]}
    )
    values = payload["view"]["state"]["values"]
    assert values["amount"]["amount_in"] == {"type": "number_input", "value": "12.50"}
    assert values["role"]["role_in"]["selected_option"]["value"] == "admin"
    assert [o["value"] for o in values["toggles"]["toggles_in"]["selected_options"]] == ["b"]
    assert payload["view"]["id"] == view["id"] and payload["view"]["hash"] == view["hash"]
    assert payload["type"] == "view_submission" and payload["response_urls"] == []
