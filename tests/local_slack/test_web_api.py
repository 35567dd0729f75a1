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
    slack.add_channel("C1", "general")
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
    fake.grant("xoxb-narrow", {"chat:write", "users:read"})
    from local_slack import SlackUser

    fake.add_user(SlackUser("USCOPE1", "scope@example.com", "Scope Person"))
    with pytest.raises(SlackApiError, match="missing_scope") as refused:
        client(fake, "xoxb-narrow").users_lookupByEmail(email="scope@example.com")
    assert refused.value.response["needed"] == "users:read.email"
    with pytest.raises(SlackApiError, match="missing_scope"):
        client(fake, "xoxb-narrow").conversations_open(users="USCOPE1")
    profile = client(fake, "xoxb-narrow").users_info(user="USCOPE1")["user"]["profile"]
    assert "email" not in profile  # Slack leaves it out without users:read.email


# --- conversations, as Slack's docs define conversations.info / list / join and posting ------------------


def test_conversations_info_shows_public_channels_and_private_ones_the_bot_is_in(fake: FakeSlack):
    fake.add_channel("C2PUBLIC", "design", bot_member=False)
    fake.add_channel("G2SECRET", "secret-plans", private=True, bot_member=False)
    fake.add_channel("G2INSIDE", "leads", private=True)
    public = client(fake).conversations_info(channel="C2PUBLIC")["channel"]
    assert (public["name"], public["is_private"], public["is_member"], public["is_archived"]) == (
        "design",
        False,
        False,
        False,
    )
    assert client(fake).conversations_info(channel="G2INSIDE")["channel"]["is_private"] is True
    for hidden in ("G2SECRET", "C404"):
        with pytest.raises(SlackApiError, match="channel_not_found"):
            client(fake).conversations_info(channel=hidden)


def test_conversations_list_pages_with_a_cursor_and_leaves_out_archived_on_request(fake: FakeSlack):
    for index in range(5):
        fake.add_channel(f"C3LIST{index}", f"list-{index}", archived=index == 4)
    seen, cursor = [], None
    while True:
        page = client(fake).conversations_list(types="public_channel", limit=2, exclude_archived=True, cursor=cursor)
        assert len(page["channels"]) <= 2
        seen += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert {f"list-{i}" for i in range(4)} <= set(seen) and "list-4" not in seen


def test_join_adds_the_bot_to_a_public_channel_only(fake: FakeSlack):
    fake.add_channel("C4JOIN", "random", bot_member=False)
    with pytest.raises(SlackApiError, match="not_in_channel"):
        client(fake).chat_postMessage(channel="C4JOIN", text="hello")
    joined = client(fake).conversations_join(channel="C4JOIN")
    assert joined["channel"]["is_member"] is True and "warning" not in joined.data
    assert client(fake).conversations_join(channel="C4JOIN")["warning"] == "already_in_channel"
    assert client(fake).chat_postMessage(channel="C4JOIN", text="hello")["ok"] is True
    fake.add_channel("G4PRIV", "private", private=True)
    with pytest.raises(SlackApiError, match="method_not_supported_for_channel_type"):
        client(fake).conversations_join(channel="G4PRIV")


def test_an_archived_or_deleted_channel_refuses_messages(fake: FakeSlack):
    fake.add_channel("C5OLD", "old-project")
    ts = client(fake).chat_postMessage(channel="C5OLD", text="before")["ts"]
    fake.archive("C5OLD")
    with pytest.raises(SlackApiError, match="is_archived"):
        client(fake).chat_postMessage(channel="C5OLD", text="after")
    with pytest.raises(SlackApiError, match="is_archived"):
        client(fake).chat_update(channel="C5OLD", ts=ts, text="edited")
    with pytest.raises(SlackApiError, match="is_archived"):
        client(fake).conversations_join(channel="C5OLD")
    fake.delete_channel("C5OLD")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client(fake).chat_postMessage(channel="C5OLD", text="gone")


def test_update_edits_the_message_in_place_and_keeps_its_history(fake: FakeSlack):
    fake.add_channel("C6EDIT", "edits")
    ts = client(fake).chat_postMessage(channel="C6EDIT", text="open")["ts"]
    client(fake).chat_update(channel="C6EDIT", ts=ts, text="resolved")
    (message,) = fake.messages_in("C6EDIT")
    assert (message.text, [e["text"] for e in message.edits]) == ("resolved", ["open"])
    with pytest.raises(SlackApiError, match="message_not_found"):
        client(fake).chat_update(channel="C6EDIT", ts="1.000001", text="nope")
    link = client(fake).chat_getPermalink(channel="C6EDIT", message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/C6EDIT/p{ts.replace('.', '')}")


def test_a_user_id_as_channel_posts_in_the_bots_direct_messages(fake: FakeSlack):
    from local_slack import SlackUser

    fake.add_user(SlackUser("U7DM", "dm@example.com", "Dee Em"))
    posted = client(fake).chat_postMessage(channel="U7DM", text="just for you")
    assert posted["channel"] == "D7DM" and fake.messages_in("U7DM")[0].text == "just for you"
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client(fake).chat_postMessage(channel="U7NOBODY", text="?")


def test_files_shared_in_a_thread_carry_alt_text_and_need_the_parent_message(fake: FakeSlack):
    fake.add_channel("C8FILES", "charts")
    ts = client(fake).chat_postMessage(channel="C8FILES", text="digest")["ts"]
    png = b"\x89PNG\r\n\x1a\n" + b"1" * 50
    client(fake).files_upload_v2(
        file_uploads=[{"content": png, "filename": "a.png", "title": "A", "alt_txt": "a chart"}],
        channel="C8FILES",
        thread_ts=ts,
    )
    (shared,) = fake.files_in_thread("C8FILES", ts)
    assert (shared.title, shared.alt_txt, fake.file_bytes(shared.id)) == ("A", "a chart", png)
    with pytest.raises(SlackApiError, match="invalid_thread_ts"):
        client(fake).files_upload_v2(content=png, filename="b.png", channel="C8FILES", thread_ts="1.999999")
    fake.add_channel("C8OUT", "outside", bot_member=False)
    with pytest.raises(SlackApiError, match="not_in_channel"):
        client(fake).files_upload_v2(content=png, filename="c.png", channel="C8OUT")


def test_a_token_without_the_scope_gets_missing_scope(fake: FakeSlack):
    limited = "xoxb-limited"
    fake.state.tokens[limited] = "T0000TEST"
    fake.grant(limited, {"chat:write"})
    fake.add_channel("C9SCOPE", "scoped", bot_member=False)
    with pytest.raises(SlackApiError, match="missing_scope") as refused:
        client(fake, limited).conversations_join(channel="C9SCOPE")
    assert refused.value.response["needed"] == "channels:join"
    with pytest.raises(SlackApiError, match="missing_scope"):
        client(fake, limited).conversations_info(channel="C9SCOPE")


def test_opt_in_limits_allow_one_message_per_second_per_channel_and_a_workspace_tier(fake: FakeSlack):
    from local_slack.rate_limits import RateLimits

    fake.add_channel("C10A", "a")
    fake.add_channel("C10B", "b")
    fake.enforce_rate_limits(RateLimits(per_minute={"auth.test": 120}))
    try:
        client(fake).chat_postMessage(channel="C10A", text="1")
        with pytest.raises(SlackApiError, match="ratelimited") as limited:
            client(fake).chat_postMessage(channel="C10A", text="2")
        assert limited.value.response.headers["Retry-After"] == "1"
        assert client(fake).chat_postMessage(channel="C10B", text="another channel is fine")["ok"]
        assert client(fake).auth_test()["ok"] and client(fake).auth_test()["ok"]  # a burst of 2
        with pytest.raises(SlackApiError, match="ratelimited"):
            client(fake).auth_test()
    finally:
        fake.enforce_rate_limits(None)


def test_rate_limit_floor_is_the_slowest_bucket():
    from local_slack.rate_limits import RateLimits

    limits = RateLimits(per_minute={"chat.postMessage": 600, "files.getUploadURLExternal": 1200})
    # 500 posts at 10/s with a burst of 10 → 49 s; 1,500 URLs at 20/s with a burst of 20 → 74 s.
    assert limits.floor_seconds({"chat.postMessage": 500, "files.getUploadURLExternal": 1500}) == pytest.approx(74)
