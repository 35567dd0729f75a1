"""The fake Slack Web API refuses what Slack refuses, so tests against it mean something."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.serving import BackgroundServer
from local_slack import FakeSlack

TOKEN = "xoxb-fake-tests"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN)
    with BackgroundServer(slack.app) as server:
        slack.bind(server.url)
        yield slack


def client(fake: FakeSlack, token: str = TOKEN) -> WebClient:
    return WebClient(token=token, base_url=fake.api_url)


def test_wrong_or_missing_token_is_refused(fake: FakeSlack):
    with pytest.raises(SlackApiError, match="invalid_auth"):
        client(fake, "xoxb-wrong").auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=fake.api_url).auth_test()


def test_missing_arguments_are_refused(fake: FakeSlack):
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client(fake).api_call("chat.postMessage", json={"text": "no channel"})


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        [{"type": "divider"}] * 51,
        [{"type": "no_such_block"}],
        [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}],
    ],
    ids=["section text", "header text", "eleven fields", "51 blocks", "unknown type", "duplicate block_id"],
)
def test_blocks_slack_would_reject_are_rejected(fake: FakeSlack, blocks: list[dict[str, object]]):
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client(fake).chat_postMessage(channel="C1", text="fallback", blocks=blocks)


def test_a_valid_message_is_recorded(fake: FakeSlack):
    client(fake).chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    assert fake.calls_to("chat.postMessage")[-1].args["channel"] == "C1"


def test_rate_limit_answers_429_with_retry_after_and_the_sdk_waits(fake: FakeSlack):
    fake.rate_limit("auth.test", times=1, retry_after=1)
    with pytest.raises(SlackApiError, match="ratelimited") as limited:
        client(fake).auth_test()
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    fake.rate_limit("auth.test", times=1, retry_after=1)
    patient = client(fake)
    patient.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    started = time.monotonic()
    assert patient.auth_test()["ok"] is True
    assert time.monotonic() - started >= 1


def test_files_upload_v2_round_trip_serves_the_upload_url(fake: FakeSlack):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    response = client(fake).files_upload_v2(channel="C1", content=png, filename="spend.png", title="Spend")
    assert response["ok"] is True
    files = fake.calls_to("files.completeUploadExternal")[-1].args["files"]
    (uploaded,) = json.loads(files) if isinstance(files, str) else files
    assert uploaded["title"] == "Spend"
    assert fake.state.uploads[uploaded["id"]] == png


def test_views_must_be_home_or_modal_and_fit(fake: FakeSlack):
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client(fake).views_publish(user_id="U1", view={"type": "popup", "blocks": []})
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client(fake).views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 101})
    assert client(fake).views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 100})["ok"]


def test_views_update_with_an_old_hash_is_a_hash_conflict(fake: FakeSlack):
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [{"type": "divider"}]}
    opened = client(fake).views_open(trigger_id=fake.trigger(), view=modal)["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["state"] == {"values": {}}
    updated = client(fake).views_update(view_id=opened["id"], hash=opened["hash"], view=modal)["view"]
    assert updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client(fake).views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert client(fake).views_update(view_id=opened["id"], view=modal)["ok"]  # no hash: last write wins
    with pytest.raises(SlackApiError, match="not_found"):
        client(fake).views_update(view_id="VNOSUCHVIEW", view=modal)


def test_chat_update_edits_a_posted_message_and_refuses_an_unknown_one(fake: FakeSlack):
    posted = client(fake).chat_postMessage(channel="C1", text="before")
    client(fake).chat_update(channel="C1", ts=posted["ts"], text="after", blocks=[{"type": "divider"}])
    assert fake.message("C1", posted["ts"])["text"] == "after"
    with pytest.raises(SlackApiError, match="message_not_found"):
        client(fake).chat_update(channel="C1", ts="1.000001", text="nothing there")


def test_users_lookup_by_email_and_conversations_open(fake: FakeSlack):
    from local_slack import SlackUser

    fake.add_user(SlackUser("ULOOKUP1", "Someone@Example.com", "Some One"))
    assert client(fake).users_lookupByEmail(email="someone@example.com")["user"]["id"] == "ULOOKUP1"
    with pytest.raises(SlackApiError, match="users_not_found"):
        client(fake).users_lookupByEmail(email="nobody@example.com")
    assert client(fake).conversations_open(users="ULOOKUP1")["channel"]["id"] == fake.dm_channel("ULOOKUP1")
    with pytest.raises(SlackApiError, match="user_not_found"):
        client(fake).conversations_open(users="UNOBODY")


def test_a_token_without_a_scope_gets_missing_scope(fake: FakeSlack):
    fake.state.tokens["xoxb-narrow"] = "T0000TEST"
    fake.grant_scopes("xoxb-narrow", {"chat:write", "users:read"})
    from local_slack import SlackUser

    fake.add_user(SlackUser("USCOPE1", "scope@example.com", "Scope Person"))
    with pytest.raises(SlackApiError, match="missing_scope") as refused:
        client(fake, "xoxb-narrow").users_lookupByEmail(email="scope@example.com")
    assert refused.value.response["needed"] == "users:read.email"
    with pytest.raises(SlackApiError, match="missing_scope"):
        client(fake, "xoxb-narrow").conversations_open(users="USCOPE1")
    profile = client(fake, "xoxb-narrow").users_info(user="USCOPE1")["user"]["profile"]
    assert "email" not in profile  # Slack leaves it out without users:read.email
