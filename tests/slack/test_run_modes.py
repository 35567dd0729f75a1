"""`kilo-bot run` as a real process: Socket Mode with both tokens, HTTP mode with an explanation without."""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from local_slack import FakeSlack, FakeSocketMode
from tests.slack.conftest import SQLITE_ONLY, Workspace, texts
from tests.support import KILO_BOT, free_port, process_environment

pytestmark = SQLITE_ONLY


@pytest.fixture
def bot_process_env(workspace: Workspace, backend_server, tmp_path: Path, fake_slack: FakeSlack) -> dict[str, str]:
    env = process_environment()
    env.update(
        {
            "SLACK_API_URL": fake_slack.api_url,
            "KILO_API_URL": backend_server.url,
            "KILO_API_KEY": workspace.org.api_key,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'backend.sqlite3'}",
        }
    )
    return env


def started(args: list[str], env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen([KILO_BOT, *args], env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield process, log
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_with_both_tokens_it_connects_in_socket_mode_and_answers(
    workspace: Workspace, fake_slack: FakeSlack, bot_process_env: dict[str, str], tmp_path: Path
):
    sockets = FakeSocketMode().start()
    try:
        app_token = f"xapp-1-{secrets.token_hex(4)}"
        fake_slack.enable_socket_mode(app_token, sockets.url)
        bot_token = fake_slack.install_workspace(workspace.team_id)  # the one workspace this install serves
        env = {**bot_process_env, "SLACK_BOT_TOKEN": bot_token, "SLACK_APP_TOKEN": app_token}
        for process, log in started(["run"], env, tmp_path):
            assert sockets.connected.wait(30), log.read_text()
            key = secrets.token_hex(6)
            envelope_id = f"env-{key}"
            sockets.push(
                {
                    "envelope_id": envelope_id,
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": {
                        "team_id": workspace.team_id,
                        "user_id": workspace.admin.id,
                        "command": "/kilo",
                        "text": "org",
                        "channel_id": "C0GENERAL",
                        "response_url": fake_slack.response_url(key),
                        "trigger_id": "1.2",
                        "api_app_id": "A0KILO",
                    },
                }
            )
            assert sockets.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
            answer = texts(fake_slack.wait_for_response(key, timeout=15))
            assert "7 of 10 seats used" in answer
            assert process.poll() is None
    finally:
        sockets.stop()


def test_without_slack_tokens_it_explains_and_serves_http(
    bot_process_env: dict[str, str], tmp_path: Path, workspace: Workspace
):
    port = free_port()
    for process, log in started(["run", "--port", str(port)], bot_process_env, tmp_path):
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.2)
        printed = log.read_text()
        assert "SLACK_BOT_TOKEN=xoxb-" in printed and "SLACK_APP_TOKEN=xapp-" in printed
        assert f"Now serving POST http://127.0.0.1:{port}/slack/events" in printed
        with pytest.raises(httpx.ConnectError):  # bound to 127.0.0.1 only, not every address
            httpx.get(f"http://127.0.0.2:{port}/healthz", timeout=2)
        assert "SLACK_SIGNING_SECRET is not set; this run checks requests against local-" in printed
        unsigned = httpx.post(
            f"http://127.0.0.1:{port}/slack/events",
            content=urlencode({"command": "/kilo"}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert unsigned.status_code == 401


def test_a_bot_token_slack_refuses_is_one_clear_message_at_start(bot_process_env: dict[str, str], tmp_path: Path):
    env = {**bot_process_env, "SLACK_BOT_TOKEN": "xoxb-revoked-long-ago"}
    finished = subprocess.run(
        [KILO_BOT, "run", "--http", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 2
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in finished.stderr
    assert "Traceback" not in finished.stderr + finished.stdout
