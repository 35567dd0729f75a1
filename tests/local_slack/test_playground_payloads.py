"""What the playground sends an app is what Slack sends: state.values and actions per element type,
written out from Slack's payload reference."""

from __future__ import annotations

from typing import Any

import pytest

from local_slack.playground.payloads import action, element_value, state_values

YEARLY = {"text": {"type": "plain_text", "text": "Yearly"}, "value": "yearly"}
MONTHLY = {"text": {"type": "plain_text", "text": "Monthly"}, "value": "monthly"}


@pytest.mark.parametrize(
    ("element", "raw", "expected"),
    [
        ({"type": "plain_text_input"}, "hello", {"type": "plain_text_input", "value": "hello"}),
        ({"type": "plain_text_input"}, None, {"type": "plain_text_input", "value": None}),
        ({"type": "number_input", "is_decimal_allowed": False}, "4", {"type": "number_input", "value": "4"}),
        ({"type": "email_text_input"}, "a@b.c", {"type": "email_text_input", "value": "a@b.c"}),
        ({"type": "url_text_input"}, None, {"type": "url_text_input", "value": None}),
        (
            {"type": "static_select", "options": [MONTHLY, YEARLY]},
            "yearly",
            {"type": "static_select", "selected_option": YEARLY},
        ),
        (
            {"type": "static_select", "options": [MONTHLY, YEARLY]},
            None,
            {"type": "static_select", "selected_option": None},
        ),
        (
            {
                "type": "static_select",
                "option_groups": [{"label": {"type": "plain_text", "text": "G"}, "options": [YEARLY]}],
            },
            "yearly",
            {"type": "static_select", "selected_option": YEARLY},
        ),
        (
            {"type": "radio_buttons", "options": [MONTHLY, YEARLY]},
            "monthly",
            {"type": "radio_buttons", "selected_option": MONTHLY},
        ),
        (
            {"type": "checkboxes", "options": [MONTHLY, YEARLY]},
            ["monthly", "yearly"],
            {"type": "checkboxes", "selected_options": [MONTHLY, YEARLY]},
        ),
        ({"type": "checkboxes", "options": [MONTHLY]}, [], {"type": "checkboxes", "selected_options": []}),
        (
            {"type": "multi_static_select", "options": [MONTHLY, YEARLY]},
            ["yearly"],
            {"type": "multi_static_select", "selected_options": [YEARLY]},
        ),
        (
            {"type": "conversations_select"},
            "C0GENERAL",
            {"type": "conversations_select", "selected_conversation": "C0GENERAL"},
        ),
        ({"type": "channels_select"}, None, {"type": "channels_select", "selected_channel": None}),
        ({"type": "users_select"}, "U1", {"type": "users_select", "selected_user": "U1"}),
        ({"type": "multi_users_select"}, ["U1", "U2"], {"type": "multi_users_select", "selected_users": ["U1", "U2"]}),
        ({"type": "datepicker"}, "2026-03-01", {"type": "datepicker", "selected_date": "2026-03-01"}),
        ({"type": "timepicker"}, "09:00", {"type": "timepicker", "selected_time": "09:00"}),
    ],
)
def test_each_element_reports_its_value_as_slack_does(element, raw, expected):
    assert element_value(element, raw) == expected


def test_state_values_cover_inputs_and_menus_in_actions_blocks_and_fall_back_to_initial_values():
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "seats",
            "element": {"type": "number_input", "action_id": "n", "initial_value": "3"},
        },
        {
            "type": "input",
            "block_id": "plan",
            "element": {
                "type": "static_select",
                "action_id": "cycle",
                "initial_option": MONTHLY,
                "options": [MONTHLY, YEARLY],
            },
        },
        {
            "type": "section",
            "block_id": "pick",
            "text": {"type": "mrkdwn", "text": "x"},
            "accessory": {"type": "overflow", "action_id": "more", "options": [MONTHLY]},
        },
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}},
                {"type": "checkboxes", "action_id": "flags", "options": [YEARLY]},
            ],
        },
    ]
    assert state_values(blocks, {"plan": {"cycle": "yearly"}}) == {
        "seats": {"n": {"type": "number_input", "value": "3"}},
        "plan": {"cycle": {"type": "static_select", "selected_option": YEARLY}},
        "decide": {"flags": {"type": "checkboxes", "selected_options": []}},
    }


def test_a_button_click_is_reported_with_its_text_value_and_style():
    button = {
        "type": "button",
        "action_id": "approve",
        "value": "request-1",
        "style": "primary",
        "text": {"type": "plain_text", "text": "Approve"},
    }
    clicked = action(button, "decide", None)
    assert clicked | {"action_ts": "-"} == {
        "type": "button",
        "action_id": "approve",
        "block_id": "decide",
        "text": {"type": "plain_text", "text": "Approve"},
        "value": "request-1",
        "style": "primary",
        "action_ts": "-",
    }


def test_an_overflow_choice_is_reported_as_the_selected_option():
    overflow = {"type": "overflow", "action_id": "more", "options": [MONTHLY, YEARLY]}
    assert action(overflow, "pick", "yearly") | {"action_ts": "-"} == {
        "type": "overflow",
        "selected_option": YEARLY,
        "action_id": "more",
        "block_id": "pick",
        "action_ts": "-",
    }
