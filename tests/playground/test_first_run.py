"""The first five minutes, as a real `kilo-bot run` process: no Slack tokens, the embedded backend on
SQLite in a temporary directory; open the printed URL, type `/kilo usage` as the Owner, read the spend.
The playground listens on loopback only, and does not exist at all when Slack credentials are set."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from cryptography.fernet import Fernet
from selenium.webdriver.remote.webdriver import WebDriver

from bot.serving import BackgroundServer
from bot.store import BotStore
from local_slack import FakeSlack
from tests.factories import SQLITE_ONLY, OrganizationFactory
from tests.playground.conftest import PlaygroundPage
from tests.playground.test_browser import dollars

KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))
BANNER_URL = re.compile(r"Try it in your browser, without Slack: (http://\S+)")
SEEDED_OWNER = re.compile(r"try it as (\S+@\S+) \(Owner\)")
LISTENING = "0A"  # TCP state LISTEN in /proc/net/tcp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(tmp_path: Path) -> dict[str, str]:
    """A newcomer's shell: no Slack or Kilo settings; databases and the local key in a fresh directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KILO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'kilo-bot.sqlite3'}",
            "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'kilo-backend.sqlite3'}",
            "EMBEDDED_BACKEND_PORT": str(free_port()),
            "KILO_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    return env


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    bot_port: int

    def printed(self) -> str:
        return self.log.read_text(errors="replace")


def start_run(args: list[str], env: dict[str, str], directory: Path) -> Run:
    (directory / "var").mkdir(exist_ok=True)
    log = directory / "kilo-bot.log"
    port = int(args[args.index("--port") + 1])
    with log.open("wb") as output:
        process = subprocess.Popen([KILO_BOT, *args], env=env, cwd=directory, stdout=output, stderr=subprocess.STDOUT)
    return Run(process, log, env, port)


def stop_run(run: Run) -> None:
    run.process.terminate()
    try:
        run.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        run.process.kill()
        run.process.wait(timeout=10)


def wait_for(run: Run, pattern: re.Pattern[str], timeout: float = 120) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.search(run.printed())
        if found:
            return found
        assert run.process.poll() is None, f"kilo-bot run exited:\n{run.printed()}"
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout}s for {pattern.pattern!r}:\n{run.printed()}")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp("first-run")
    run = start_run(["run", "--port", str(free_port())], clean_environment(directory), directory)
    try:
        yield run
    finally:
        stop_run(run)


def backend_spend(run: Run, monkeypatch: pytest.MonkeyPatch) -> int:
    """The billing period's spend as the embedded backend reports it, with the key the run saved."""
    monkeypatch.setenv("KILO_SECRET_KEY", run.env["KILO_SECRET_KEY"])
    store = BotStore(run.env["DATABASE_URL"])
    try:
        connection = store.connection(None)
    finally:
        store.engine.dispose()
    assert connection is not None
    response = httpx.get(
        f"{connection.api_url}/api/v1/organizations/{connection.organization_id}/usage/summary",
        headers={"Authorization": f"Bearer {connection.api_key}"},
        timeout=10,
    )
    response.raise_for_status()
    spend: int = response.json()["totals"]["cost_microdollars"]
    return spend


def test_the_first_run_open_the_printed_url_and_kilo_usage_as_the_owner_shows_the_spend(
    browser: WebDriver, first_run: Run, monkeypatch: pytest.MonkeyPatch
):
    url = wait_for(first_run, BANNER_URL).group(1)
    assert urlparse(url).hostname == "127.0.0.1"
    seeded_owner = wait_for(first_run, SEEDED_OWNER).group(1)

    page = PlaygroundPage(browser, url).open()
    owner = page.be("Owner")
    assert page.find("#who option:checked").text == f"Owner — {owner} ({seeded_owner})"
    page.type("/kilo usage")
    answer = page.wait_for_message("AI spend:", timeout=30)
    spend = backend_spend(first_run, monkeypatch)
    assert spend > 0 and f"AI spend: {dollars(spend)}" in answer.text
    has_scheduler = importlib.util.find_spec("bot.scheduler") is not None
    assert page.find("#send-digests").is_displayed() is has_scheduler
    page.screenshot("first-run")


def listeners(port: int) -> list[str]:
    """The local addresses of every socket listening on `port` (IPv4 and IPv6), from the kernel's tables."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and fields[3] == LISTENING:
                raw = bytes.fromhex(address)
                # The kernel prints each 32-bit word in host (little-endian) order.
                ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.append(str(ipaddress.ip_address(ordered if width == 32 else raw[::-1])))
    return found


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_the_playground_listens_on_loopback_only_and_answers_only_its_own_page(first_run: Run):
    url = wait_for(first_run, BANNER_URL).group(1)
    port = int(urlparse(url).port or 0)
    assert listeners(port) == ["127.0.0.1"]
    if (address := outward_address()) is not None:
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
            pass
    rebound = httpx.get(f"{url}api/setup", headers={"Host": f"playground.example:{port}"}, timeout=10)
    assert rebound.status_code == 400  # a DNS-rebinding page cannot reach it under another name
    forged = httpx.post(f"{url}api/command", json={"user": "U1", "conversation": "C0GENERAL", "text": "/kilo"})
    assert forged.status_code == 403  # another site's form cannot post to it


@SQLITE_ONLY
@pytest.mark.parametrize(
    "credentials",
    [
        {"SLACK_BOT_TOKEN": "xoxb-test-token"},
        {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret"},
        {"SLACK_APP_TOKEN": "xapp-1-only-the-app-token"},
    ],
    ids=["bot token", "OAuth app", "app token"],
)
def test_with_slack_credentials_nothing_of_the_playground_exists(
    credentials: dict[str, str],
    tmp_path: Path,
    backend_server: BackgroundServer,
    orgs: OrganizationFactory,
):
    org = orgs.create()
    fake_slack = FakeSlack(token="xoxb-test-token")
    slack = BackgroundServer(fake_slack.app).start()
    fake_slack.bind(slack.url)
    env = {
        **clean_environment(tmp_path),
        "KILO_API_URL": backend_server.url,
        "KILO_API_KEY": org.api_key,
        "SLACK_SIGNING_SECRET": "a-real-signing-secret",
        "SLACK_API_URL": fake_slack.api_url,
        **credentials,
    }
    port = free_port()
    run = start_run(["run", "--http", "--port", str(port)], env, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and run.process.poll() is None, run.printed()
            time.sleep(0.2)
        assert "Try it in your browser" not in run.printed()
        assert "playground" not in run.printed().lower()
        assert listeners(port + 1) == []
        for path in ("/", "/api/setup", "/static/playground.js", "/slack/api/auth.test"):
            assert httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code in (404, 405), path
    finally:
        stop_run(run)
        slack.stop()


def test_the_readme_starts_with_this_path_and_its_screenshot():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    first_section = readme.split("\n## ", 2)[1]
    assert first_section.startswith("Try it in a minute") and "make run" in first_section
    assert "http://127.0.0.1:3001/" in first_section and "`/kilo usage`" in first_section
    screenshot = Path(__file__).resolve().parents[2] / "docs" / "playground.png"
    assert "](docs/playground.png)" in first_section and screenshot.read_bytes().startswith(b"\x89PNG")
