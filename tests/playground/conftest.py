"""The playground in a real headless browser: Debian's chromium driven by Selenium (chromium-driver).

Nothing downloads a browser: without chromium the browser tests skip (and fail in CI, where .ci/run
installs it). Screenshots go to out/playground/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot import playground as local_playground
from bot.app import create_bolt_app, create_web_app
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from kilo_db.types import utcnow
from tests.factories import TestOrg

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "playground"
SIGNING_SECRET = "playground-test-secret"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1360,900",
)


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    paths = chromium_paths()
    if paths is None:
        reason = "chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"The browser tests must run in CI: {reason}")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    with tempfile.TemporaryDirectory(prefix="kilo-chromium-") as profile:
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        # The driver's path is given, so Selenium Manager never looks for (or downloads) one.
        driver = webdriver.Chrome(options=options, service=Service(executable_path=paths[1]))
        try:
            yield driver
        finally:
            driver.quit()


class PlaygroundPage:
    """The playground as a person uses it: pick who you are, go somewhere, type, click, read."""

    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver = driver
        self.url = url

    def open(self) -> PlaygroundPage:
        self.driver.get(self.url)
        self.wait(lambda: len(Select(self.find("#who")).options) > 0, "the people to choose from")
        return self

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 15) -> Any:
        def attempt(_driver: WebDriver) -> Any:
            try:
                return condition()
            except StaleElementReferenceException:  # the page re-rendered in between
                return False

        return WebDriverWait(self.driver, timeout).until(attempt, f"waited {timeout}s for {what}")

    def be(self, role: str) -> str:
        """Choose the person with this role ("Owner", "Admin", "Member", "Not a member"); their name."""
        chooser = Select(self.find("#who"))
        for option in chooser.options:
            if option.text.startswith(f"{role} — "):
                chooser.select_by_value(str(option.get_attribute("value")))
                return option.text.split(" — ", 1)[1].split(" (", 1)[0]
        raise AssertionError(f"nobody is {role}: {[o.text for o in chooser.options]}")

    def go_to_channel(self, name: str) -> None:
        self.find(f'#channels a[data-channel="{self.channel_id(name)}"]').click()

    def channel_id(self, name: str) -> str:
        link = self.wait(
            lambda: next((a for a in self.find_all("#channels a") if a.text.strip() == f"# {name}"), None),
            f"#{name} in the sidebar",
        )
        return str(link.get_attribute("data-channel"))

    def type(self, text: str, *, send: bool = True) -> None:
        composer = self.find("#composer")
        composer.clear()
        composer.send_keys(text)
        if send:
            composer.send_keys(Keys.ENTER)

    def messages_text(self) -> str:
        return self.find("#messages").text

    def wait_for_message(self, text: str, timeout: float = 15) -> WebElement:
        """The newest message (as this person sees the conversation) that contains `text`."""

        def found() -> WebElement | None:
            matching = [m for m in self.find_all("#messages .msg") if text in m.text]
            return matching[-1] if matching else None

        message: WebElement = self.wait(found, f"a message with “{text}”", timeout)
        return message

    def modal(self, timeout: float = 15) -> WebElement:
        found: WebElement = self.wait(
            lambda: self.find_all("#overlay .modal") and self.find("#overlay .modal"), "a modal", timeout
        )
        return found

    def wait_for_modal_text(self, text: str, timeout: float = 15) -> WebElement:
        found: WebElement = self.wait(
            lambda: (m := self.find_all("#overlay .modal")) and text in m[0].text and m[0],
            f"“{text}” in the modal",
            timeout,
        )
        return found

    def wait_for_no_modal(self) -> None:
        self.wait(lambda: not self.find_all("#overlay .modal"), "the modal to close")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@dataclass
class LocalPlayground:
    """The real app and the playground, started as `kilo-bot run` starts them, on a test organization."""

    url: str
    org: TestOrg
    org_backend_url: str
    store: BotStore
    running: local_playground.RunningPlayground


def start_playground_and_bot(org: TestOrg, backend_url: str, database: Path) -> Iterator[LocalPlayground]:
    bot_db = f"sqlite:///{database}"
    upgrade_bot(bot_db)
    store = BotStore(bot_db)
    store.save_connection(
        Connection(local_playground.TEAM_ID, org.id, backend_url, org.api_key), connected_by=None, now=utcnow()
    )
    # The backend is the operator's own (KILO_API_URL), so an address guard lets the app reach it on loopback.
    settings = Settings(_env_file=None, database_url=bot_db, kilo_api_url=backend_url, kilo_read_cache_seconds=0)
    running = local_playground.start(
        settings, store, signing_secret=SIGNING_SECRET, bot_url="http://127.0.0.1:9", preferred_port=0
    )
    app_settings = settings.model_copy(
        update={
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_bot_token": SecretStr(running.token),
            "slack_api_url": running.playground.fake.api_url,
        }
    )
    try:
        with BackgroundServer(create_web_app(create_bolt_app(app_settings, store))) as bot:
            running.playground.bot_url = bot.url
            yield LocalPlayground(running.url, org, backend_url, store, running)
    finally:
        running.stop()
        store.engine.dispose()


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout}s for {what}")
