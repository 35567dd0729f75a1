"""The digest's text reads right without the charts: headline changes, figures, models, movers, people."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.views.blocks import MAX_FIELD_TEXT, MAX_HEADER_TEXT, MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from local_slack import message_problem as _message_problem
from reports.digest import compose_digest, find_movers
from reports.digest_data import BalancePoint, CreditFigures, DigestData, SeatFigures
from tests.reports.digest_factory import NOW, generate_digest_data, hand_built, microdollars, scaled

SONNET = "anthropic/claude-sonnet-4.5"
GPT5 = "openai/gpt-5"
FLAT = ["100"] * 7


def payload(data: DigestData, *, show_people: bool = False) -> dict[str, Any]:
    """The message as Slack receives it, checked with the strict fake Slack's validator and Slack's limits."""
    message = compose_digest(data, show_people=show_people).payload()
    assert _message_problem(message) is None, _message_problem(message)
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert len(message["text"]) <= 40_000
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT
            assert len(block.get("fields", [])) <= 10
            assert all(len(field["text"]) <= MAX_FIELD_TEXT for field in block.get("fields", []))
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
    return message


def texts(message: dict[str, Any]) -> list[str]:
    """Every piece of text a reader sees, in order: sections, their fields, contexts, the header."""
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element["text"] for element in block.get("elements", []) if "text" in element]
    return found


def normal_week(**overrides: Any) -> DigestData:
    options: dict[str, Any] = {
        "earlier": ("1,000", "900", "1,100"),
        "seats": SeatFigures(
            used=8, total=10, idle=3, price_per_seat_microdollars=microdollars("25"), months_per_cycle=1
        ),
        "credits": CreditFigures(
            balance_microdollars=microdollars("5,000"),
            as_of=NOW,
            burn_last_7_days_microdollars=microdollars("1,000"),
            history=(),
        ),
    }
    return hand_built(
        {SONNET: ["200.005", "200", "200", "200", "200", "50", "50"], GPT5: ["20"] * 7},
        {SONNET: ["180"] * 5 + ["40", "40"], GPT5: ["20"] * 7},
        **(options | overrides),
    )


def test_normal_week_headline_compares_with_the_week_before_and_the_four_week_average() -> None:
    message = payload(normal_week())

    assert texts(message)[:3] == [
        "AI spend · Acme Robotics",
        "Week: Mar 2 – Mar 8, 2026 (UTC billing days) · as of Mar 9, 2026 09:00 CET",
        "*$1,240.01* this week\n▲ 11% vs the week before ($1,120.00) · ▲ 20% vs the 4-week average ($1,030.00)",
    ]
    assert message["text"] == "Acme Robotics: $1,240.01 of AI spend this week (▲ 11% vs the week before)"


def test_normal_week_figures_requests_tokens_users_seats_and_credits() -> None:
    message = payload(normal_week())

    assert texts(message)[3:9] == [
        "*Successful requests*\n12,345",
        "*Average cost per request*\n$0.1004",
        "*Tokens in / out*\n123.5M / 9.9M",
        "*Active users*\n17",
        "*Seats*\n8 of 10 used\n3 idle for 14+ days · $75.00 a month\n2 unassigned · $50.00 a month",
        "*Credits*\n$5,000.00 left\nruns out around Apr 13, 2026 (in 35 days) at the last 7 days' rate "
        "($1,000.00 a week)",
    ]


def test_normal_week_top_models_and_providers() -> None:
    message = payload(normal_week())

    assert (
        "*Top models*\n"
        "1. `anthropic/claude-sonnet-4.5` (anthropic) $1,100.01 · 89%\n"
        "2. `openai/gpt-5` (openai) $140.00 · 11%\n"
        "*Providers:* anthropic $1,100.01 (89%) · openai $140.00 (11%)"
    ) in texts(message)


def test_run_out_date_is_the_readers_calendar_day() -> None:
    # 34.75 days from Mon 08:00 UTC is Apr 13 02:00 UTC: still Apr 12 in Los Angeles, Apr 13 in Berlin.
    credits = CreditFigures(microdollars("3,475"), NOW, microdollars("700"), ())
    los_angeles = payload(normal_week(credits=credits, zone=ZoneInfo("America/Los_Angeles")))
    berlin = payload(normal_week(credits=credits))

    assert "runs out around Apr 12, 2026 (in 34 days)" in "\n".join(texts(los_angeles))
    assert "runs out around Apr 13, 2026 (in 34 days)" in "\n".join(texts(berlin))
    assert "as of Mar 9, 2026 01:00 PDT" in "\n".join(texts(los_angeles))


def test_percent_changes_round_half_up_from_exact_amounts() -> None:
    # +0.5 % and −2.5 % exactly: floats rounded half-to-even would say 0 % and 2 %.
    up = hand_built({SONNET: ["201"] + ["0"] * 6}, {SONNET: ["200"] + ["0"] * 6})
    down = hand_built({SONNET: ["195"] + ["0"] * 6}, {SONNET: ["200"] + ["0"] * 6})

    assert texts(payload(up))[2] == "*$201.00* this week\n▲ 1% vs the week before ($200.00)"
    assert texts(payload(down))[2] == "*$195.00* this week\n▼ 3% vs the week before ($200.00)"


def test_empty_week_says_there_was_no_spend() -> None:
    message = payload(hand_built({}, {SONNET: ["160"] * 7}, earlier=("1,000",)))
    shown = texts(message)

    assert shown[2] == "*$0.00* this week: no AI spend (the week before: $1,120.00)."
    assert shown[3:7] == [
        "*Successful requests*\n0",
        "*Average cost per request*\n—",
        "*Tokens in / out*\n0 / 0",
        "*Active users*\n0",
    ]
    assert "*Models*\nNo requests this week." in shown
    assert "Biggest movers" not in json.dumps(message)


def test_brand_new_organization_says_first_week_instead_of_an_infinite_change() -> None:
    message = payload(hand_built({SONNET: FLAT}, None))
    everything = json.dumps(message, ensure_ascii=False)

    assert texts(message)[2] == "*$700.00* this week: the first week, nothing to compare with yet."
    assert message["text"] == "Acme Robotics: $700.00 of AI spend this week (the first week)"
    assert "▲" not in everything and "∞" not in everything and "inf" not in everything.lower()
    assert "Biggest movers" not in everything  # nothing has moved yet: everything would be "new"


def test_one_model_is_the_whole_spend_without_an_other_line() -> None:
    message = payload(hand_built({SONNET: FLAT}, {SONNET: FLAT}))

    assert (
        "*Top models*\n1. `anthropic/claude-sonnet-4.5` (anthropic) $700.00 · 100%\n"
        "*Providers:* anthropic $700.00 (100%)"
    ) in texts(message)
    assert texts(message)[2] == "*$700.00* this week\nno change vs the week before ($700.00)"


def test_a_hundred_models_show_the_top_five_and_the_rest_as_other() -> None:
    # model-000 spends $100 … model-099 $1 on Monday: $5,050 in all, spread over 7 providers.
    week = {f"vendor{i % 7}/model-{i:03d}": [str(100 - i)] + ["0"] * 6 for i in range(100)}
    message = payload(hand_built(week, week))

    assert (
        "*Top models*\n"
        "1. `vendor0/model-000` (vendor0) $100.00 · 2%\n"
        "2. `vendor1/model-001` (vendor1) $99.00 · 2%\n"
        "3. `vendor2/model-002` (vendor2) $98.00 · 2%\n"
        "4. `vendor3/model-003` (vendor3) $97.00 · 2%\n"
        "5. `vendor4/model-004` (vendor4) $96.00 · 2%\n"
        "Other: 95 more models, $4,560.00 · 90%\n"
        "*Providers:* vendor0 $765.00 (15%) · vendor1 $750.00 (15%) · vendor2 $735.00 (15%) · "
        "vendor3 $721.00 (14%) · 3 others $2,079.00 (41%)"
    ) in texts(message)
    assert "model-099" not in json.dumps(message)


def test_huge_numbers_keep_every_digit_of_the_headline() -> None:
    week = {SONNET: ["12,345,678.90"] + ["0"] * 6}
    previous = {SONNET: ["6,172,839.45"] + ["0"] * 6}
    data = hand_built(week, previous, successful_requests=987_654_321, input_tokens=12_345_678_901)
    message = payload(data)

    assert texts(message)[2] == "*$12,345,678.90* this week\n▲ 100% vs the week before ($6,172,839.45)"
    assert "*Successful requests*\n987,654,321" in texts(message)
    assert "*Tokens in / out*\n12.3B / 9.9M" in texts(message)
    assert message["text"] == "Acme Robotics: $12,345,678.90 of AI spend this week (▲ 100% vs the week before)"


def mover_week(**overrides: Any) -> DigestData:
    options: dict[str, Any] = {
        "people": {"Alan Turing": "900", "Ada Lovelace": "250", "Grace Hopper": "200", "Linus Torvalds": "77"},
        "previous_people": {"Alan Turing": "1,052", "Ada Lovelace": "100"},
    }
    return hand_built(
        {
            SONNET: ["1,000"] + ["0"] * 6,
            GPT5: ["300"] + ["0"] * 6,  # ▲ 114 %: doubled
            "x-ai/grok-code-fast-1": ["100"] + ["0"] * 6,  # new, 7 % of spend
            "anthropic/claude-haiku-4.5": ["19"] + ["0"] * 6,  # 1.9×: not doubled
            "openai/gpt-5-mini": ["8"] + ["0"] * 6,  # 4× but under 5 % of spend
        },
        {
            SONNET: ["1,000"] + ["0"] * 6,
            GPT5: ["140"] + ["0"] * 6,
            "anthropic/claude-haiku-4.5": ["10"] + ["0"] * 6,
            "openai/gpt-5-mini": ["2"] + ["0"] * 6,
        },
        **(options | overrides),
    )


def test_movers_are_doubled_models_new_models_and_new_heavy_users() -> None:
    message = payload(mover_week(), show_people=True)

    assert (
        "*Biggest movers*\n"
        "• Grace Hopper: new heavy user, $200.00 this week (14% of spend)\n"
        "• `openai/gpt-5`: $300.00, up from $140.00 (▲ 114%)\n"
        "• Ada Lovelace: $250.00, up from $100.00 (▲ 150%)\n"
        "• `x-ai/grok-code-fast-1`: new model, $100.00 this week (7% of spend)"
    ) in texts(message)


def test_people_are_hidden_unless_the_subscription_allows_them() -> None:
    data = mover_week()
    hidden = json.dumps(payload(data, show_people=False))
    shown = payload(data, show_people=True)

    for name in ("Alan", "Ada", "Grace", "Linus", "Top people"):
        assert name not in hidden
    assert [m.name for m in find_movers(data, show_people=False)] == [GPT5, "x-ai/grok-code-fast-1"]
    assert (
        "*Top people*\n"
        "1. Alan Turing $900.00 · 63%\n"
        "2. Ada Lovelace $250.00 · 18%\n"
        "3. Grace Hopper $200.00 · 14%\n"
        "4. Linus Torvalds $77.00 · 5%"
    ) in texts(shown)


def test_allowed_but_not_fetched_people_show_nothing() -> None:
    message = payload(mover_week(people=None, previous_people=None), show_people=True)

    assert "Top people" not in json.dumps(message)
    assert "heavy user" not in json.dumps(message)


def test_names_cannot_inject_slack_markup() -> None:
    message = payload(
        hand_built({SONNET: FLAT}, {SONNET: FLAT}, people={"<!channel> & `Eve`": "700"}, previous_people={}),
        show_people=True,
    )

    assert "1. &lt;!channel&gt; &amp; 'Eve' $700.00 · 100%" in "\n".join(texts(message))
    assert "<!channel>" not in json.dumps(message)


def test_seats_without_idle_or_unassigned_and_a_yearly_price_per_month() -> None:
    seats = SeatFigures(used=10, total=12, idle=0, price_per_seat_microdollars=microdollars("290"), months_per_cycle=12)
    message = payload(normal_week(seats=seats))

    # 2 × $290 a year = $48.333… a month: one rounding, half-up, to the cent.
    assert "*Seats*\n10 of 12 used\nnone idle\n2 unassigned · $48.33 a month" in texts(message)


@pytest.mark.parametrize(
    ("balance", "burn", "expected"),
    [
        ("5,000", "0", "*Credits*\n$5,000.00 left\nno spend in the last 7 days"),
        ("-12.50", "700", "*Credits*\nNo credits left (-$12.50)"),
        (
            "1,000,000",
            "7",
            "*Credits*\n$1,000,000.00 left\nlasts more than a year at the last 7 days' rate ($7.00 a week)",
        ),
        (
            "50",
            "700",
            "*Credits*\n$50.00 left\nruns out around Mar 9, 2026 (today) at the last 7 days' rate ($700.00 a week)",
        ),
        (
            "100",
            "700",
            "*Credits*\n$100.00 left\nruns out around Mar 10, 2026 (tomorrow) at the last 7 days' rate "
            "($700.00 a week)",
        ),
    ],
)
def test_credit_outlook(balance: str, burn: str, expected: str) -> None:
    credits = CreditFigures(microdollars(balance), NOW, microdollars(burn), (BalancePoint(NOW - timedelta(days=1), 0),))
    assert expected in texts(payload(normal_week(credits=credits)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_organizations_of_every_size_fit_slack(seed: int) -> None:
    for data in (
        generate_digest_data(seed, model_count=150, people_count=300),
        scaled(generate_digest_data(seed), 10**6),
        generate_digest_data(seed, history_periods=0, day_spend=0),
    ):
        message = payload(data, show_people=True)
        assert message["text"].startswith("Acme Robotics: $")
