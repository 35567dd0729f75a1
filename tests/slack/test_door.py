"""POST /slack/events verifies Slack's signature over the raw bytes before anything else: nothing
unsigned is parsed, answered, forwarded or logged in full; signed nonsense gets 400; bodies are capped."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
from urllib.parse import urlencode

import httpx
import pytest

from tests.slack.conftest import SIGNING_SECRET, SQLITE_ONLY, Workspace, sign

pytestmark = SQLITE_ONLY

FORM = "application/x-www-form-urlencoded"
DEEP_JSON = "[" * 50_000 + "]" * 50_000


def raw_post(ws: Workspace, body: bytes | str, headers: dict[str, str], **kwargs: object) -> httpx.Response:
    return httpx.post(f"{ws.bot_url}/slack/events", content=body, headers=headers, timeout=20, **kwargs)  # type: ignore[arg-type]


def command_body(ws: Workspace, response_key: str, text: str = "usage") -> str:
    return urlencode(
        {
            "command": "/kilo",
            "text": text,
            "team_id": ws.team_id,
            "user_id": ws.owner.id,
            "response_url": ws.slack.response_url(response_key),
            "trigger_id": "1.2",
        }
    )


def nothing_posted_to(ws: Workspace, key: str) -> bool:
    time.sleep(0.5)  # the bot replies after its ack; give a wrong reply the time to arrive
    return ws.slack.responses_to(key) == []


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "", "-1", "12e3", "+123", "0x10"])
def test_unsigned_request_with_a_garbage_timestamp_is_refused_and_answers_nobody(workspace: Workspace, timestamp: str):
    key = f"unsigned-{timestamp.encode().hex()}"
    response = raw_post(
        workspace,
        command_body(workspace, key),
        {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert response.status_code == 401
    assert nothing_posted_to(workspace, key)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"command=/kilo&text=\xff\xfe", FORM),
        (b"payload=not-json&response_url=x", FORM),
        (("payload=" + DEEP_JSON).encode(), FORM),
        (DEEP_JSON.encode(), "application/json"),
        (b'{"type": "event_callback"', "application/json"),
    ],
    ids=["invalid-utf8", "payload-not-json", "deep-payload", "deep-json", "truncated-json"],
)
def test_unsigned_garbage_is_401_not_500(workspace: Workspace, body: bytes, content_type: str):
    unsigned = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))}
    assert raw_post(workspace, body, {**unsigned, "X-Slack-Signature": "v0=" + "1" * 64}).status_code == 401
    assert raw_post(workspace, body, unsigned).status_code == 401


def signed_headers(body: bytes | str, content_type: str = FORM) -> dict[str, str]:
    """Slack's signature over the exact bytes, whether or not they are UTF-8."""
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def interaction(ws: Workspace, payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    "make_body",
    [
        lambda ws: interaction(ws, ["block_actions"]),
        lambda ws: interaction(ws, "block_actions"),
        lambda ws: interaction(ws, None),
        lambda ws: interaction(
            ws, {"type": "block_actions", "team": {"id": ws.team_id}, "user": {"id": ws.owner.id}, "actions": []}
        ),
        lambda ws: interaction(
            ws, {"type": "block_actions", "team": {"id": ws.team_id}, "user": {"id": ws.owner.id}, "actions": "x"}
        ),
        lambda ws: interaction(
            ws, {"type": "block_actions", "team": {"id": ws.team_id}, "user": {"id": ws.owner.id}, "actions": [7]}
        ),
        lambda ws: interaction(
            ws, {"type": "view_submission", "team": {"id": ws.team_id}, "user": {"id": ws.owner.id}}
        ),
        lambda ws: interaction(
            ws,
            {
                "type": "view_submission",
                "team": {"id": ws.team_id},
                "user": {"id": ws.owner.id},
                "view": {"callback_id": "kilo_connect", "state": []},
            },
        ),
        lambda ws: interaction(ws, {"type": "block_actions", "actions": [{"action_id": "kilo_members_page:next"}]}),
        lambda ws: "payload=not-json",
        lambda ws: "payload=" + DEEP_JSON,
        lambda ws: "command=/kilo&text=usage",
        lambda ws: b"command=/kilo&text=\xff\xfe",
    ],
    ids=[
        "payload-array",
        "payload-string",
        "payload-null",
        "actions-empty",
        "actions-string",
        "actions-not-objects",
        "view-missing",
        "view-state-a-list",
        "no-team-or-user",
        "payload-not-json",
        "deep-payload",
        "command-without-team-or-user",
        "invalid-utf8",
    ],
)
def test_signed_but_malformed_is_400_never_5xx(workspace: Workspace, make_body):
    body = make_body(workspace)
    assert raw_post(workspace, body, signed_headers(body)).status_code == 400


@pytest.mark.parametrize(
    "body",
    ['["event_callback"]', '"x"', DEEP_JSON, '{"type": "event_callback", "team_id": "T1", "event": []}'],
    ids=["array", "string", "deep", "event-not-object"],
)
def test_signed_malformed_json_events_are_400(workspace: Workspace, body: str):
    assert raw_post(workspace, body, signed_headers(body, "application/json")).status_code == 400


ONE_MIB = 1024 * 1024


def refused_before_the_body_ends(ws: Workspace, headers: str, body_start: bytes) -> bytes:
    """Send the headers and the start of a body that never ends; return what the bot answered meanwhile."""
    host, port = ws.bot_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode() + body_start)
        return connection.recv(200)


def test_a_body_declared_over_one_mib_is_refused_before_it_is_read(workspace: Workspace):
    headers = f"Content-Type: {FORM}\r\nContent-Length: {64 * ONE_MIB}\r\n"
    assert refused_before_the_body_ends(workspace, headers, b"command=/kilo").startswith(b"HTTP/1.1 413")


def test_a_chunked_body_over_one_mib_is_refused_without_reading_the_rest(workspace: Workspace):
    chunk = b"x" * 65_536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(2 * ONE_MIB // len(chunk)))
    headers = f"Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n"
    assert refused_before_the_body_ends(workspace, headers, chunks).startswith(b"HTTP/1.1 413")


def test_a_body_just_under_the_limit_is_read(workspace: Workspace):
    body = "command=/kilo&text=" + "x" * (ONE_MIB - 100)
    assert raw_post(workspace, body, signed_headers(body)).status_code != 413


def test_unsigned_bodies_are_never_logged_in_full(workspace: Workspace, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for name in [name for name in logging.root.manager.loggerDict if name.startswith("slack_bolt")]:
        caplog.set_level(logging.DEBUG, logger=name)  # Bolt's loggers keep the level they were created with
    secret_key = "kilo_sk_" + "S3CRET" * 4
    view = {
        "callback_id": "kilo_connect",
        "state": {"values": {"kilo_connect_key_block": {"kilo_connect_key": {"value": secret_key}}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": workspace.team_id},
        "user": {"id": workspace.owner.id},
        "view": view,
    }
    body = urlencode({"payload": json.dumps(payload), "padding": "p" * 200_000})
    stale = sign(body, timestamp=int(time.time()) - 600)  # correctly signed, but ten minutes old
    assert raw_post(workspace, body, {"Content-Type": FORM, **stale}).status_code == 401
    unsigned = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=x"}
    assert raw_post(workspace, body, unsigned).status_code == 401
    time.sleep(0.2)
    logged = [record.getMessage() for record in caplog.records]
    assert [line for line in logged if secret_key in line] == []
    assert max((len(line) for line in logged), default=0) < 1000
    assert any("refused" in line and "signature" in line for line in logged)
