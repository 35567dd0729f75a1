"""The audit's origin words: from Slack for this app's changes, via the API otherwise, never a formatted name."""

from __future__ import annotations

import pytest

from bot.kilo_client import CLIENT_NAME
from bot.views.audit import origin_words


@pytest.mark.parametrize(
    ("client", "said"),
    [
        (CLIENT_NAME, "from Slack"),
        ("api", "via the API"),
        ("terraform-provider-kilo/1.2", "via the API (`terraform-provider-kilo/1.2`)"),
        ("<!channel> *bold*", "via the API (`channelbold`)"),
        ("`", "via the API"),
        (None, "origin not recorded"),
        ("", "origin not recorded"),
    ],
)
def test_each_origin_in_words(client: str | None, said: str):
    assert origin_words(client) == said


def test_what_kilo_did_by_itself_has_no_origin():
    assert origin_words(None, by_kilo=True) is None
    assert origin_words("kilo-bot", by_kilo=True) is None


def test_the_bot_names_itself_as_the_slack_app():
    assert CLIENT_NAME == "kilo-bot"
