"""The playground in a headless browser, driving the real app: the answers people read, a modal submitted
with an inline error, a pager button, refusals, the App Home; and what changed behind them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import playground as local_playground
from bot.serving import BackgroundServer
from bot.store import WorkspaceConnection
from tests.conftest import TEST_NOW, Clock
from tests.factories import SQLITE_ONLY, OrganizationFactory, usage_events
from tests.playground.conftest import LocalPlayground, PlaygroundPage, start_playground_and_bot

pytestmark = SQLITE_ONLY
ORG_NAME = "Playground Robotics"


def dollars(microdollars: int) -> str:
    """$1,234.57: written out here, not with the formatting code under test."""
    cents = (Decimal(microdollars) / Decimal(1_000_000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents:,}"


@pytest.fixture(scope="module")
def local(
    backend_sessions: sessionmaker[Session],
    backend_server: BackgroundServer,
    clock: Clock,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalPlayground]:
    """An organization of 32 people with two weeks of usage, the real app, and the playground."""
    clock.now = TEST_NOW  # a module fixture is made before the per-test clock reset: earlier tests may have moved it
    org = OrganizationFactory(backend_sessions, clock).create(members=30, seats=40, name=ORG_NAME)
    events = usage_events(org, 400, start=datetime(2026, 3, 1, tzinfo=UTC), span=timedelta(days=14))
    ingested = httpx.post(
        f"{backend_server.url}{org.path('/usage/events')}", json={"events": events}, headers=org.headers()
    )
    ingested.raise_for_status()
    yield from start_playground_and_bot(org, backend_server.url, tmp_path_factory.mktemp("playground") / "bot.sqlite3")


@pytest.fixture
def page(browser: WebDriver, local: LocalPlayground) -> PlaygroundPage:
    return PlaygroundPage(browser, local.url).open()


def backend_summary(local: LocalPlayground, backend_server: BackgroundServer) -> dict[str, int]:
    response = httpx.get(
        f"{backend_server.url}{local.org.path('/usage/summary')}", headers=local.org.headers(), timeout=10
    )
    response.raise_for_status()
    totals: dict[str, int] = response.json()["totals"]
    return totals


def test_the_owner_completes_kilo_usage_and_reads_the_spend_the_backend_reports(
    page: PlaygroundPage, local: LocalPlayground, backend_server: BackgroundServer
):
    page.be("Owner")
    page.type("/kilo us", send=False)
    shown = page.wait(lambda: [li.text for li in page.find_all("#completions li")], "the completions")
    assert any(line.startswith("/kilo usage models") and "cost share" in line for line in shown), shown
    assert all(line.startswith("/kilo us") for line in shown)
    page.find("#composer").send_keys(Keys.TAB)
    assert page.find("#composer").get_attribute("value") == "/kilo usage "
    page.find("#composer").send_keys(Keys.ENTER)

    answer = page.wait_for_message("AI spend:")
    spend = backend_summary(local, backend_server)["cost_microdollars"]
    assert spend > 0
    assert f"AI spend: {dollars(spend)}" in answer.text
    summary = httpx.get(
        f"{backend_server.url}{local.org.path('/usage/summary')}", headers=local.org.headers(), timeout=10
    ).json()
    start = date.fromisoformat(summary["start"])  # the billing period is the backend's own (its subscription's)
    assert "Only visible to you" in answer.text and f"this billing period · {start:%b} {start.day} – " in answer.text
    page.screenshot("owner-usage")


def test_a_member_is_refused_billing_and_never_sees_the_owners_private_answers(page: PlaygroundPage):
    page.be("Owner")
    page.type("/kilo org")
    page.wait_for_message("seats used")
    page.be("Member")
    page.type("/kilo billing")
    refusal = page.wait_for_message("Only Owners and Admins can see billing.")
    assert "Only visible to you" in refusal.text
    assert "seats used" not in page.messages_text()  # the Owner's ephemeral answer is theirs alone
    page.screenshot("member-billing-refused")


def test_someone_outside_the_organization_is_told_so(page: PlaygroundPage):
    page.be("Not a member")
    page.type("/kilo usage")
    assert f"You're not a member of {ORG_NAME}" in page.wait_for_message("not a member").text


def test_the_next_page_button_replaces_the_member_directory_in_place(page: PlaygroundPage):
    page.be("Admin")
    page.type("/kilo members")
    first = page.wait_for_message("Showing 1–20 of 32")
    timestamp = first.get_attribute("data-ts")
    first.find_element(By.XPATH, ".//button[normalize-space()='Next →']").click()
    second = page.wait_for_message("Showing 21–32 of 32")
    assert second.get_attribute("data-ts") == timestamp  # replace_original: the same message, edited
    assert [b.text for b in second.find_elements(By.CSS_SELECTOR, "button.button")] == ["← Previous"]
    page.screenshot("members-next-page")


def test_the_connect_modal_shows_an_inline_error_then_connects(page: PlaygroundPage, local: LocalPlayground):
    owner = page.be("Owner")
    page.type("/kilo connect")
    modal = page.modal()
    assert "Connect Kilo" in modal.text and "Backend address" in modal.text
    address = modal.find_element(By.CSS_SELECTOR, '[data-block-id="kilo_connect_url_block"] input')
    assert address.get_attribute("value") == local.org_backend_url
    key = modal.find_element(By.CSS_SELECTOR, '[data-block-id="kilo_connect_key_block"] input')
    key.send_keys("kilo_sk_not-the-key")
    modal.find_element(By.CSS_SELECTOR, ".modal-submit").click()
    error = page.wait(
        lambda: page.find_all('[data-block-id="kilo_connect_key_block"] .error'), "the inline error under the key"
    )[0]
    assert error.text == "Kilo did not accept this API key."
    assert page.find('[data-block-id="kilo_connect_key_block"] input').get_attribute("value") == "kilo_sk_not-the-key"
    page.screenshot("connect-inline-error")

    key = page.find('[data-block-id="kilo_connect_key_block"] input')
    key.clear()
    key.send_keys(local.org.api_key)
    page.find(".modal-submit").click()
    page.wait_for_modal_text(f"This workspace now shows {ORG_NAME}")
    with local.store.sessions() as session:
        saved = session.scalars(
            select(WorkspaceConnection).where(WorkspaceConnection.team_id == local_playground.TEAM_ID)
        ).one()
    person = next(p for p in page.find_all("#who option") if p.text.startswith(f"Owner — {owner}"))
    assert saved.connected_by == person.get_attribute("value") and saved.organization_id == local.org.id
    page.find(".modal-close").click()
    page.wait_for_no_modal()


def test_the_app_home_is_the_dashboard(page: PlaygroundPage, local: LocalPlayground):
    page.be("Admin")
    page.find("#app-link").click()
    home = page.wait(lambda: ORG_NAME in page.find("#home").text and page.find("#home"), "the App Home")
    assert "Spend this period" in home.text and "32 of 40 seats used" in home.text
    page.screenshot("app-home")
    page.find('.tab[data-tab="messages"]').click()
    page.type("/kilo help")
    assert "For Owners and Admins" in page.wait_for_message("Kilo for Teams in Slack").text


def test_send_due_digests_now_runs_the_schedulers_own_tick_for_a_subscription_made_in_the_page(
    page: PlaygroundPage, local: LocalPlayground
):
    page.be("Owner")
    page.type("/kilo digest subscribe #ai-spend")
    page.wait_for_message("will get the AI spend digest")
    page.go_to_channel("ai-spend")
    page.find("#send-digests").click()  # bot.scheduler.standalone_due_work(...).send_due(now), as send-due runs it
    notice = page.wait(lambda: page.find_all(".notice"), "the outcome")[0].text
    # the scheduler's own TickReport: a subscription made just now has no run due before its first Monday
    assert notice.startswith("Due digests: digests sent 0 (edited 0), skipped 0, failed 0"), notice
    with local.store.engine.connect() as connection:
        subscribed = connection.execute(text("SELECT channel_id FROM digest_subscriptions")).scalars().all()
        deliveries = connection.execute(text("SELECT status FROM digest_deliveries")).scalars().all()
    assert subscribed == ["C0AISPEND"] and deliveries == []  # nothing claimed, so nothing will be posted twice
