"""Block Kit as HTML (`make demo` and the playground): mrkdwn, every element kind with the ids the page
needs, inline errors, uploaded files, and nothing a message says can become markup."""

from __future__ import annotations

import re

from local_slack.render import RenderContext, mrkdwn, render_block, render_element


def test_mrkdwn_is_escaped_and_formatted():
    assert mrkdwn("*Spend*\n`a<b>` <https://x.y/z|link> <@U1>") == (
        '<b>Spend</b><br><code>a&lt;b&gt;</code> <a href="https://x.y/z">link</a> <span class="mention">@U1</span>'
    )


def test_mrkdwn_leaves_code_alone_and_knows_channels_names_links_and_emoji():
    shown = mrkdwn(
        "`*not bold*` ~gone~ <#C123|ai-spend> <@U9> <https://a.b/c?x=1&y=2> :warning:\n> quoted",
        {"U9": "Ada Lovelace"},
    )
    assert shown == (
        "<code>*not bold*</code> <s>gone</s> "
        '<span class="mention">#ai-spend</span> <span class="mention">@Ada Lovelace</span> '
        '<a href="https://a.b/c?x=1&amp;y=2">https://a.b/c?x=1&amp;y=2</a> ⚠️<br><span class="quote">quoted</span>'
    )


def test_a_hostile_label_value_or_url_stays_text():
    button = {
        "type": "button",
        "action_id": 'a"><script>alert(1)</script>',
        "text": {"type": "plain_text", "text": "<img src=x onerror=alert(1)>"},
        "value": '"><b>',
        "url": 'https://x.y/"onclick="alert(1)',
    }
    shown = render_element(button, "b1")
    assert "<script>" not in shown and "<img" not in shown and '"onclick' not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown


def test_interactive_elements_carry_their_block_and_action_ids():
    block = {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {"type": "button", "action_id": "approve", "value": "r1", "text": {"type": "plain_text", "text": "Go"}},
            {
                "type": "static_select",
                "action_id": "period",
                "initial_option": {"text": {"type": "plain_text", "text": "30 days"}, "value": "30d"},
                "options": [
                    {"text": {"type": "plain_text", "text": "7 days"}, "value": "7d"},
                    {"text": {"type": "plain_text", "text": "30 days"}, "value": "30d"},
                ],
            },
            {
                "type": "overflow",
                "action_id": "more",
                "options": [{"text": {"type": "plain_text", "text": "Snooze"}, "value": "s"}],
            },
        ],
    }
    shown = render_block(block)
    assert re.findall(r'data-type="(\w+)" data-block-id="decide" data-action-id="(\w+)"', shown) == [
        ("button", "approve"),
        ("static_select", "period"),
        ("overflow", "more"),
    ]
    assert '<option value="30d" selected>30 days</option>' in shown
    assert 'class="overflow-option" data-value="s">Snooze</button>' in shown


def test_an_input_block_shows_its_label_hint_inline_error_and_how_it_dispatches():
    block = {
        "type": "input",
        "block_id": "seats",
        "dispatch_action": True,
        "optional": True,
        "label": {"type": "plain_text", "text": "Seats"},
        "hint": {"type": "plain_text", "text": "1 to 50"},
        "element": {
            "type": "number_input",
            "action_id": "count",
            "is_decimal_allowed": False,
            "min_value": "1",
            "initial_value": "3",
            "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
        },
    }
    shown = render_block(block, RenderContext(errors={"seats": "At most 10."}))
    assert '<label>Seats <span class="optional">(optional)</span></label>' in shown
    assert 'type="number" step="1"' in shown and 'min="1"' in shown and 'value="3"' in shown
    assert 'data-dispatch="on_character_entered"' in shown
    assert '<div class="hint">1 to 50</div>' in shown and '<div class="error" role="alert">At most 10.</div>' in shown
    assert "has-error" in shown
    without_dispatch = render_block({**block, "dispatch_action": False}, RenderContext())
    assert "data-dispatch" not in without_dispatch and "error" not in without_dispatch


def test_conversation_menus_list_the_workspace_and_default_to_where_you_are():
    element = {"type": "conversations_select", "action_id": "channel", "default_to_current_conversation": True}
    ctx = RenderContext(conversations=[("C1", "#general"), ("C2", "#ai-spend")], current_conversation="C2")
    shown = render_element(element, "where", ctx)
    assert '<option value="C1">#general</option><option value="C2" selected>#ai-spend</option>' in shown


def test_an_image_from_an_uploaded_slack_file_is_loaded_from_the_page():
    block = {
        "type": "image",
        "slack_file": {"id": "F123"},
        "alt_text": "daily spend",
        "title": {"type": "plain_text", "text": "Spend"},
    }
    shown = render_block(block, RenderContext(file_url=lambda file_id: f"/files/{file_id}"))
    assert shown == (
        '<figure class="image"><figcaption>Spend</figcaption><img src="/files/F123" alt="daily spend"></figure>'
    )


def test_a_link_cannot_leave_its_attribute_and_only_web_links_are_followed():
    shown = mrkdwn('<https://x.y/"onmouseover="alert(1)|label>')
    assert shown == '<a href="https://x.y/&quot;onmouseover=&quot;alert(1)">label</a>'
    script = {
        "type": "button",
        "action_id": "a",
        "text": {"type": "plain_text", "text": "Go"},
        "url": "javascript:alert(1)",
    }
    assert "href" not in render_element(script, "b")
