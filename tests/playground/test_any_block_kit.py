"""The playground with any app's Block Kit: a modal that updates live while typing and keeps what was typed,
inline errors, push and clear, view_closed, menus and confirmations in messages, DMs and uploaded charts;
every payload shaped as Slack's (state.values per element type, response_urls, containers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import playground as local_playground
from bot.serving import BackgroundServer
from local_slack import FakeSlack
from local_slack.playground import Person, Playground
from tests.playground.conftest import SIGNING_SECRET, PlaygroundPage, wait_until
from tests.playground.kitchen_sink import chart_png, kitchen_sink_app

TOKEN = "xoxb-kitchen-sink"
PEOPLE = [Person("Owner", "Olga Owner", "olga@example.com"), Person("Admin", "Adam Admin", "adam@example.com")]


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


@dataclass
class Sink:
    url: str
    received: list[dict[str, Any]]
    fake: FakeSlack
    playground: Playground

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [body for body in self.received if body.get("type") == kind]

    def actions(self, action_id: str) -> list[dict[str, Any]]:
        return [p for p in self.payloads("block_actions") if p["actions"][0]["action_id"] == action_id]


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    fake = FakeSlack(token=TOKEN, team_id=local_playground.TEAM_ID)

    async def people() -> list[Person]:
        return PEOPLE

    playground = Playground(
        fake, signing_secret=SIGNING_SECRET, people=people, commands=local_playground.command_hints()
    )
    received: list[dict[str, Any]] = []
    with BackgroundServer(playground.app) as server:
        fake.bind(f"{server.url}/slack")
        bolt = AsyncSlackRequestHandler(kitchen_sink_app(TOKEN, fake.api_url, SIGNING_SECRET, received))

        async def events(request: Request) -> Response:
            return await bolt.handle(request)

        with BackgroundServer(Starlette(routes=[Route("/slack/events", events, methods=["POST"])])) as app:
            playground.bot_url = app.url
            yield Sink(f"{server.url}/", received, fake, playground)
            playground.stop_waiting()


@pytest.fixture
def page(browser: WebDriver, sink: Sink) -> PlaygroundPage:
    page = PlaygroundPage(browser, sink.url).open()
    page.be("Owner")
    return page


def test_a_modal_updates_live_keeps_what_was_typed_shows_errors_and_submits(page: PlaygroundPage, sink: Sink):
    page.type("/kilo form")
    page.wait_for_modal_text("3 seats: $45.00 per month")
    page.find('[data-block-id="note"] textarea').send_keys("for the new team")
    seats = page.find('[data-block-id="seats"] input')
    seats.clear()
    seats.send_keys("12")
    page.wait_for_modal_text("12 seats: $180.00 per month")  # block_actions → views.update, while typing
    typed = sink.payloads("block_actions")[-1]
    assert typed["actions"][0] | {"action_ts": "-"} == {
        "type": "number_input",
        "value": "12",
        "action_id": "count",
        "block_id": "seats",
        "action_ts": "-",
    }
    assert typed["container"] == {"type": "view", "view_id": typed["view"]["id"]}
    note = {"text": {"type": "plain_text_input", "value": "for the new team"}}
    assert typed["view"]["state"]["values"]["note"] == note
    assert page.find('[data-block-id="note"] textarea').get_attribute("value") == "for the new team"

    page.find(".modal-submit").click()
    error = page.wait(lambda: page.find_all('[data-block-id="seats"] .error'), "the inline error")[0]
    assert error.text == "At most 10 seats here."
    page.screenshot("modal-inline-error")

    seats = page.find('[data-block-id="seats"] input')
    seats.clear()
    seats.send_keys("4")
    page.wait_for_modal_text("4 seats: $60.00 per month")
    Select(page.find('[data-block-id="plan"] select')).select_by_visible_text("Yearly")
    page.find('[data-block-id="extras"] input[value="admins"]').click()
    page.find(".modal-submit").click()
    page.wait_for_modal_text("✅ Bought 4 seats (yearly).")
    submitted = sink.payloads("view_submission")[-1]
    assert submitted["view"]["state"]["values"] == {
        "seats": {"count": {"type": "number_input", "value": "4"}},
        "plan": {"cycle": {"type": "static_select", "selected_option": option("Yearly", "yearly")}},
        "extras": {"chosen": {"type": "checkboxes", "selected_options": [option("Tell the Admins", "admins")]}},
        "where": {"channel": {"type": "conversations_select", "selected_conversation": "C0GENERAL"}},
        "note": {"text": {"type": "plain_text_input", "value": "for the new team"}},
    }
    assert [(r["block_id"], r["action_id"], r["channel_id"]) for r in submitted["response_urls"]] == [
        ("where", "channel", "C0GENERAL")
    ]
    assert submitted["view"]["callback_id"] == "seat_form" and submitted["view"]["private_metadata"] == '{"k":"seats"}'
    announced = page.wait_for_message("4 seats were added.")  # posted to the submission's response_url
    assert "Only visible to you" not in announced.text
    page.find(".modal-close").click()
    page.wait_for_no_modal()


def test_a_pushed_view_goes_back_and_clear_closes_every_view(page: PlaygroundPage, sink: Sink):
    page.type("/kilo form")
    form = page.wait_for_modal_text("3 seats")
    form_id = form.get_attribute("data-view-id")
    page.find('[data-block-id="note"] textarea').send_keys("push")
    page.find(".modal-submit").click()
    pushed = page.wait_for_modal_text("Pushed on top")
    assert pushed.find_elements(By.CSS_SELECTOR, ".modal-back")
    closed_before = len(sink.payloads("view_closed"))
    page.find(".modal-back").click()
    back = page.wait_for_modal_text("3 seats")
    assert back.get_attribute("data-view-id") == form_id
    assert len(sink.payloads("view_closed")) == closed_before  # the pushed view did not ask to be told
    note = page.find('[data-block-id="note"] textarea')
    note.clear()
    note.send_keys("clear")
    page.find(".modal-submit").click()
    page.wait_for_no_modal()


def test_closing_a_modal_tells_the_app_that_asked_and_its_dm_arrives(page: PlaygroundPage, sink: Sink):
    page.type("/kilo form")
    page.wait_for_modal_text("3 seats")
    page.find(".modal-close").click()
    page.wait_for_no_modal()
    closed = wait_until(lambda: sink.payloads("view_closed"), "view_closed")[-1]
    assert closed["is_cleared"] is False and closed["view"]["callback_id"] == "seat_form"
    assert closed["view"]["state"]["values"]["seats"] == {"count": {"type": "number_input", "value": "3"}}
    page.find("#app-link").click()
    page.find('.tab[data-tab="messages"]').click()
    page.wait_for_message("You closed the seat form.")


def test_menus_and_confirmed_buttons_in_a_shared_message(page: PlaygroundPage, sink: Sink):
    page.type("/kilo menus")
    page.wait_for_message("Seat request")
    admin = page.be("Admin")
    message = page.wait_for_message("Seat request")  # in_channel: everyone in #general sees it
    Select(message.find_element(By.CSS_SELECTOR, '[data-action-id="period"]')).select_by_visible_text("30 days")
    action = wait_until(lambda: sink.actions("period"), "the select")[-1]
    assert action["actions"][0]["selected_option"] == option("30 days", "30d")
    assert action["container"]["type"] == "message" and action["container"]["is_ephemeral"] is False
    assert action["message"]["ts"] == action["container"]["message_ts"] == message.get_attribute("data-ts")
    assert action["state"]["values"]["decide"] == {
        "period": {"type": "static_select", "selected_option": option("30 days", "30d")},
        "flags": {"type": "checkboxes", "selected_options": []},
    }

    page.wait_for_message("Seat request").find_element(By.XPATH, ".//button[normalize-space()='Approve']").click()
    dialog = page.wait(lambda: page.find_all(".dialog"), "the confirmation")[0]
    assert "Approve 2 seats?" in dialog.text and "That adds $30.00 per month." in dialog.text
    page.screenshot("confirm-dialog")
    dialog.find_element(By.CSS_SELECTOR, ".deny").click()
    assert not sink.actions("approve")
    page.wait_for_message("Seat request").find_element(By.XPATH, ".//button[normalize-space()='Approve']").click()
    page.wait(lambda: page.find_all(".dialog .confirm"), "the confirmation")[0].click()
    approved = page.wait_for_message("Approved request-1")
    assert f"@{admin}" in approved.text and "(edited)" in approved.text

    page.type("/kilo menus")
    menu = page.wait_for_message("Seat request")
    timestamp = menu.get_attribute("data-ts")
    menu.find_element(By.CSS_SELECTOR, ".overflow-toggle").click()
    menu.find_element(By.XPATH, ".//button[normalize-space()='Snooze 7 d']").click()
    snoozed = page.wait_for_message("Snoozed (snooze-7d)")
    assert snoozed.get_attribute("data-ts") == timestamp


def test_an_uploaded_chart_appears_in_the_thread_of_its_message(page: PlaygroundPage, sink: Sink):
    page.type("/kilo chart")
    message = page.wait_for_message("Spend this week: $123.00")
    assert "in-thread" in str(message.get_attribute("class"))
    parent = message.find_element(By.XPATH, "preceding-sibling::div[contains(@class, 'msg')][1]")
    assert "Weekly digest: the charts are below" in parent.text
    image = message.find_element(By.CSS_SELECTOR, "img")
    page.wait(lambda: page.driver.execute_script("return arguments[0].naturalWidth", image) == 600, "the chart")
    uploaded = sink.fake.file(str(image.get_attribute("src")).rsplit("/", 1)[1])
    assert uploaded is not None and uploaded.name == "daily-spend.png" and uploaded.content.startswith(b"\x89PNG")
    assert image.get_attribute("alt") == "Daily spend"  # the file's title, as Slack shows it
    page.screenshot("uploaded-chart")


def test_send_due_digests_now_runs_the_apps_sender_and_shows_what_it_posted(browser: WebDriver, sink: Sink):
    async def send_due() -> str:
        slack = AsyncWebClient(token=TOKEN, base_url=sink.fake.api_url)
        await slack.files_upload_v2(
            channel="C0AISPEND", content=chart_png(), filename="week.png", initial_comment="Weekly digest: $123.00"
        )
        return "1 digest sent"

    assert not PlaygroundPage(browser, sink.url).open().find("#send-digests").is_displayed()
    sink.playground.send_due = send_due
    try:
        page = PlaygroundPage(browser, sink.url).open()
        page.go_to_channel("ai-spend")
        page.find("#send-digests").click()
        assert page.wait(lambda: page.find_all(".notice"), "the outcome")[0].text == "1 digest sent"
        digest = page.wait_for_message("Weekly digest: $123.00")
        assert digest.find_element(By.CSS_SELECTOR, "img").get_attribute("alt") == "week.png"
    finally:
        sink.playground.send_due = None
