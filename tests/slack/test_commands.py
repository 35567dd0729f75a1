"""Every /kilo subcommand through signed HTTP requests, as an Owner, an Admin, a Member and a stranger.

What reached Slack's response_url is compared with the backend's own figures.
"""

from __future__ import annotations

import re
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot import formatting as fmt
from bot.store import BotStore, Connection
from tests.factories import usage_events
from tests.slack.backend_proxy import BackendProxy
from tests.slack.conftest import SQLITE_ONLY, Workspace, WorkspaceFactory, buttons, texts
from tests.support import ok

pytestmark = SQLITE_ONLY


@pytest.fixture
def busy(workspace: Workspace, http: httpx.Client) -> Workspace:
    """The workspace's organization with two weeks of usage by everyone."""
    events = usage_events(workspace.org, 400, start=datetime(2026, 3, 1, tzinfo=UTC), span=timedelta(days=14))
    response = http.post(workspace.org.path("/usage/events"), json={"events": events}, headers=workspace.org.headers())
    assert response.json()["accepted"] == 400
    return workspace


def backend(http: httpx.Client, ws: Workspace, path: str, actor: Any = None, **params: Any) -> Any:
    return ok(http.get(ws.org.path(path), params=params, headers=ws.org.headers(actor)))


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_usage_shows_the_backends_figures(busy: Workspace, http: httpx.Client, role: str):
    message = busy.ask(getattr(busy, role), "usage")
    summary = backend(http, busy, "/usage/summary")
    totals = summary["totals"]
    shown = texts(message)
    assert message["response_type"] == "ephemeral"
    assert f"AI spend: {fmt.usd(totals['cost_microdollars'])}" in shown
    assert f"*Requests*\n{totals['requests']:,}" in shown
    average = fmt.average(totals["cost_microdollars"], totals["requests"])
    assert f"*Average cost per request*\n{fmt.usd_fine(average)}" in shown
    assert f"*Active users (last 7 days)*\n{summary['active_users_7d']}" in shown
    assert f"*Input tokens*\n{fmt.compact(totals['input_tokens'])}" in shown
    assert "this billing period · Mar 1 – Mar 31, 2026" in shown


def test_usage_for_a_named_period_and_a_range(busy: Workspace, http: httpx.Client):
    week = texts(busy.ask(busy.admin, "usage 7d"))
    expected = backend(http, busy, "/usage/summary", period="7d")["totals"]["cost_microdollars"]
    assert f"AI spend: {fmt.usd(expected)}" in week and "the last 7 days" in week
    ranged = texts(busy.ask(busy.admin, "usage 2026-03-02..2026-03-04"))
    expected = backend(http, busy, "/usage/summary", start="2026-03-02", end="2026-03-05")["totals"]
    assert f"AI spend: {fmt.usd(expected['cost_microdollars'])}" in ranged
    assert "Mar 2 – Mar 4, 2026" in ranged


def test_usage_public_is_posted_in_the_channel(busy: Workspace):
    message = busy.ask(busy.member, "usage public")
    assert message["response_type"] == "in_channel"
    assert f"Shared by <@{busy.member.id}>" in texts(message)


def test_usage_models_lists_cost_share_errors_and_latency(busy: Workspace, http: httpx.Client):
    shown = texts(busy.ask(busy.member, "usage models"))
    summary = backend(http, busy, "/usage/summary")
    for model in summary["models"]:
        assert (
            f"{model['requests']:,} requests · {fmt.usd(model['cost_microdollars'])} "
            f"({fmt.percent(fmt.share(model['cost_microdollars'], summary['totals']['cost_microdollars']))} of spend)"
            f" · errors {fmt.percent(fmt.share(model['errors'], model['requests']))} · "
            f"median {model['median_latency_ms']:,} ms"
        ) in shown
    assert "*Providers (share of requests):*" in shown


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_usage_users_shows_top_users_to_managers(busy: Workspace, http: httpx.Client, role: str):
    shown = texts(busy.ask(getattr(busy, role), "usage users"))
    page = backend(http, busy, "/usage/members", actor=busy.org.admin)
    top = page["top_members"][0]
    assert f"*1. {top['name']}* ({top['role']}) — {fmt.usd(top['cost_microdollars'])}" in shown
    assert f"*Active members*\n{page['distribution']['active_members']}" in shown
    assert "Owners and Admins only" in shown


def test_usage_users_is_refused_to_members_with_who_can_help(busy: Workspace):
    shown = texts(busy.ask(busy.member, "usage users"))
    assert "Only Owners and Admins can see usage per person." in shown
    assert busy.org.owner.name in shown and busy.org.admin.name in shown
    assert "/kilo usage me" in shown


def test_usage_me_shows_the_callers_own_figures(busy: Workspace, http: httpx.Client):
    shown = texts(busy.ask(busy.member, "usage me"))
    mine = backend(http, busy, f"/usage/members/{busy.org.member.id}", actor=busy.org.member)
    assert f"Your Kilo usage: {fmt.usd(mine['member']['cost_microdollars'])}" in shown
    assert f"*Your requests*\n{mine['member']['requests']:,}" in shown
    assert f"Team total: {fmt.usd(mine['team_cost_microdollars'])}" in shown


def test_usage_trend_shows_daily_weekday_and_months(busy: Workspace, http: httpx.Client):
    shown = texts(busy.ask(busy.owner, "usage trend"))
    assert "the last 30 days" in shown  # a trend defaults to 30 days, not a billing period just begun
    summary = backend(http, busy, "/usage/summary", period="30d")
    assert f"`{fmt.sparkline([d['cost_microdollars'] for d in summary['daily']])}`" in shown
    march = next(m for m in summary["months"] if m["month"] == "2026-03")
    assert f"`2026-03` so far {fmt.usd(march['cost_microdollars'])} · {march['requests']:,} requests" in shown
    assert "`Mon`" in shown and "`Sun`" in shown


@pytest.mark.parametrize("role", ["owner", "member"])
def test_org_shows_seats_roles_and_policies(workspace: Workspace, role: str):
    shown = texts(workspace.ask(getattr(workspace, role), "org"))
    assert "7 of 10 seats used (3 available)" in shown
    assert "1 owner · 1 admin · 5 members" in shown
    assert "Code is *not* used to train models" in shown


@pytest.fixture
def busy_directory(workspaces: WorkspaceFactory) -> Workspace:
    return workspaces.create(seats=40, members=30)


def test_members_next_page_replaces_the_message(busy_directory: Workspace):
    ws = busy_directory
    reply = ws.command(ws.owner, "members")
    first = ws.slack.wait_for_response(reply.response_key)
    assert "Members (32)" in texts(first) and "Showing 1–20 of 32" in texts(first)
    next_button = buttons(first)[0]
    assert next_button["text"]["text"] == "Next →"
    click = ws.click(
        ws.owner,
        {"action_id": next_button["action_id"], "block_id": "kilo_members_pager", "value": next_button["value"]},
        reply.response_key,
    )
    assert click.status_code == 200
    second = ws.slack.wait_for_response(reply.response_key, count=2)
    assert second["replace_original"] is True
    assert "Showing 21–32 of 32" in texts(second)
    assert [b["text"]["text"] for b in buttons(second)] == ["← Previous"]


def test_members_first_page_of_a_big_organization_starts_with_its_owners(busy_directory: Workspace):
    ws = busy_directory
    shown = texts(ws.ask(ws.member, "members"))
    lines = [line for line in shown.splitlines() if line.startswith("*")]
    assert [line.rsplit(" · ", 1)[-1] for line in lines[:3]] == ["owner", "admin", "member"]
    assert lines[0].startswith(f"*{ws.org.owner.name}*")
    names = [line.split("*")[1] for line in lines[2:]]
    assert names == sorted(names, key=str.lower)


@pytest.mark.parametrize(
    "value",
    [
        '{"role": null, "q": null, "offset": 20}',  # the shape before buttons carried a kind and version
        '{"k":"members_page","v":99,"offset":20}',
        '{"k":"connect_form","v":1,"t":"T1"}',
        '{"k":"members_page","v":1,"offset":-20}',
        "not json",
        "[" * 5000,
    ],
)
def test_members_button_out_of_date_or_forged_is_explained(workspace: Workspace, value: str):
    reply = workspace.command(workspace.owner, "members")
    workspace.slack.wait_for_response(reply.response_key)
    click = workspace.click(
        workspace.owner,
        {"action_id": "kilo_members_page:next", "block_id": "kilo_members_pager", "value": value},
        reply.response_key,
    )
    assert click.status_code == 200
    shown = texts(workspace.slack.wait_for_response(reply.response_key, count=2))
    assert "That button is out of date; run `/kilo members` again." in shown


def test_members_filter_by_role_and_activity_only_for_managers(busy: Workspace):
    admins = texts(busy.ask(busy.owner, "members admin"))
    assert "Admins (1)" in admins and busy.org.admin.email in admins and "active " in admins
    as_member = texts(busy.ask(busy.member, "members"))
    assert busy.org.owner.email in as_member and "active " not in as_member


def test_members_payload_word_is_a_filter_not_an_empty_request(workspace: Workspace):
    shown = texts(workspace.ask(workspace.owner, "members payload"))
    assert "Members matching “payload” (0)" in shown and "Nobody matches that." in shown


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_billing_shows_credits_invoices_card_and_history(workspace: Workspace, http: httpx.Client, role: str):
    purchase = {"amount_microdollars": 150_000_000, "idempotency_key": f"buy-{role}"}
    http.post(
        workspace.org.path("/credits/purchases"), json=purchase, headers=workspace.org.headers(workspace.org.owner)
    )
    message = workspace.ask(getattr(workspace, role), "billing")
    shown = texts(message)
    assert "Credits left: $150.00" in shown
    assert "Visa •••• 4242, expires 12/2030" in shown
    invoices = backend(http, workspace, "/invoices")
    assert f"*{invoices[0]['number']}* · $150.00 · ✅ paid" in shown
    downloads = [b for b in buttons(message) if b["text"]["text"] == "Download PDF"]
    assert len(downloads) == len(invoices)
    pdf = httpx.get(downloads[0]["url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    buy = next(b for b in buttons(message) if b["text"]["text"] == "Buy credits")
    assert buy["url"].startswith("https://")
    assert "Credit purchase · $150.00" in shown


def test_billing_is_refused_to_members(workspace: Workspace):
    shown = texts(workspace.ask(workspace.member, "billing"))
    assert "Only Owners and Admins can see billing." in shown
    assert "Credits left" not in shown


@pytest.mark.parametrize("word", ["subscription", "seats"])
def test_subscription_shows_price_cycle_next_charge_and_seats(workspace: Workspace, word: str):
    message = workspace.ask(workspace.owner, word)
    shown = texts(message)
    assert "*Price*\n$29.00 per seat per month" in shown
    assert "7 of 10 seats used (3 free)" in shown
    # cycles are UTC days: the owner in New York sees the same dates as everyone else
    assert "*Next charge*\n$290.00 on Apr 1, 2026" in shown
    assert "*Current cycle*\nMar 1 – Mar 31, 2026 (UTC)" in shown
    assert "Active, renews automatically" in shown
    assert message["blocks"][0]["text"]["text"] == (
        "7 of 10 seats used" if word == "seats" else "Kilo for Teams subscription"
    )


def test_subscription_shows_seat_history_after_a_change(workspace: Workspace, http: httpx.Client, clock):
    clock.now = datetime(2026, 3, 16, 10, tzinfo=UTC)
    http.post(
        workspace.org.path("/subscription/seats"),
        json={"seats": 12, "idempotency_key": "s1"},
        headers=workspace.org.headers(workspace.org.admin),
    )
    shown = texts(workspace.ask(workspace.admin, "seats"))
    assert "+2 seats → 12 · $29.94 pro-rated" in shown  # 2 × $29 × 16/31


def test_subscription_is_refused_to_members(workspace: Workspace):
    assert "Only Owners and Admins can see the subscription and seats." in texts(
        workspace.ask(workspace.member, "subscription")
    )


@pytest.mark.parametrize("text", ["usage", "org", "help", "billing"])
def test_a_stranger_is_told_they_are_not_a_member(workspace: Workspace, text: str):
    shown = texts(workspace.ask(workspace.stranger, text))
    assert f"You're not a member of *{workspace.org_name}* on Kilo" in shown
    assert f"I looked for {workspace.stranger.email}" in shown
    assert workspace.org.owner.name in shown


def test_help_is_tailored_to_the_role(workspace: Workspace):
    owner = texts(workspace.ask(workspace.owner, ""))
    member = texts(workspace.ask(workspace.member, "help"))
    assert "`/kilo billing`" in owner and "`/kilo billing`" not in member
    assert "You are *member*" in member


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usgae", "I don't know `/kilo usgae`. Did you mean `/kilo usage`?"),
        ("frobnicate", "I don't know `/kilo frobnicate`. Type `/kilo help`"),
        ("usage 13x", "`13x` is not a period I know."),
        ("usage 2026-02-30..2026-03-02", "has a date that does not exist"),
        ("usage 2026-03-10..2026-03-01", "The range ends before it starts"),
        ("usage users public", "is personal data"),
        ("org everything", "`/kilo org` takes no options"),
    ],
)
def test_bad_input_gets_a_friendly_message_and_changes_nothing(
    workspace: Workspace, http: httpx.Client, text: str, expected: str
):
    before = backend(http, workspace, "/audit-log", actor=workspace.org.owner)
    message = workspace.ask(workspace.admin, text)
    assert expected in texts(message)
    assert message["response_type"] == "ephemeral"
    assert backend(http, workspace, "/audit-log", actor=workspace.org.owner) == before


def point_at(workspace: Workspace, bot_store: BotStore, backend_url: str) -> None:
    """Connect the workspace to another backend address, with its organization's key."""
    connection = Connection(workspace.team_id, workspace.org.id, backend_url, workspace.org.api_key)
    bot_store.save_connection(connection, connected_by=None, now=datetime.now(UTC))


def test_backend_down_gives_a_retry_hint(workspace: Workspace, bot_store: BotStore):
    point_at(workspace, bot_store, "http://127.0.0.1:9")
    shown = texts(workspace.ask(workspace.owner, "usage"))
    assert "Kilo isn't answering right now" in shown
    assert "Nothing was changed. Try again in a minute" in shown


def test_slack_rate_limit_is_waited_out(workspace: Workspace):
    workspace.slack.rate_limit("users.info", times=1, retry_after=1)
    started = datetime.now(UTC)
    shown = texts(workspace.ask(workspace.admin, "org"))
    assert "7 of 10 seats used" in shown
    assert (datetime.now(UTC) - started).total_seconds() >= 1
    assert len([c for c in workspace.slack.calls_to("users.info") if c.args.get("user") == workspace.admin.id]) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_answer_survives_a_response_url_server_error(workspace: Workspace, status: int):
    key = f"flaky-{status}-{workspace.team_id}"
    workspace.slack.fail_response_url(key, times=1, status=status)
    reply = workspace.command(workspace.owner, "org", response_key=key)
    assert reply.http.status_code == 200
    shown = texts(workspace.slack.wait_for_response(key))
    assert "7 of 10 seats used" in shown
    assert workspace.slack.responses_to(key) == [workspace.slack.wait_for_response(key)]  # delivered once


def test_a_request_with_a_bad_signature_is_refused(workspace: Workspace):
    body = f"command=/kilo&text=usage&team_id={workspace.team_id}&user_id={workspace.owner.id}"
    response = httpx.post(
        f"{workspace.bot_url}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(int(datetime.now(UTC).timestamp())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert response.status_code == 401


def test_a_user_without_an_email_is_told_why(workspace: Workspace):
    from local_slack import SlackUser

    guest = workspace.slack.add_user(
        SlackUser(f"UGST{workspace.team_id[1:7]}", None, "Guest User", team_id=workspace.team_id)
    )
    shown = texts(workspace.ask(guest, "usage"))
    assert "I can't see the email address on your Slack profile" in shown


def test_acknowledged_within_three_seconds_even_when_the_backend_is_slow(
    workspace: Workspace, bot_store: BotStore, backend_proxy: BackendProxy
):
    backend_proxy.delay = 1.5  # each backend answer; the bot waits up to 2 s for one in these tests
    point_at(workspace, bot_store, backend_proxy.url)
    started = time.monotonic()
    reply = workspace.command(workspace.owner, "usage")
    assert reply.http.status_code == 200
    assert reply.http.elapsed.total_seconds() < 3
    shown = texts(workspace.slack.wait_for_response(reply.response_key, timeout=30))
    assert "AI spend" in shown
    # the answer needed several slow backend requests, longer in all than Slack waits for the ack
    assert backend_proxy.requests >= 2 and time.monotonic() - started >= 3


def test_a_slow_backend_gets_a_friendly_timeout_message(
    workspace: Workspace, bot_store: BotStore, backend_proxy: BackendProxy
):
    backend_proxy.delay = 2.5  # longer than the bot waits (2 s in these tests)
    point_at(workspace, bot_store, backend_proxy.url)
    reply = workspace.command(workspace.owner, "usage")
    assert reply.http.status_code == 200 and reply.http.elapsed.total_seconds() < 3
    shown = texts(workspace.slack.wait_for_response(reply.response_key, timeout=20))
    assert "Kilo isn't answering right now (The Kilo backend did not answer in time.)" in shown


def exact_event(ws: Workspace, event_id: str, model: str, cost: int, when: datetime, **extra: Any) -> dict[str, Any]:
    """One usage event with the figures a test needs exactly (provider from the model's prefix)."""
    return {
        "event_id": event_id,
        "member_id": ws.org.member.id,
        "model": model,
        "provider": model.split("/")[0],
        "input_tokens": 1_000,
        "output_tokens": 100,
        "cost_microdollars": cost,
        "has_error": False,
        "latency_ms": 900,
        "occurred_at": when.isoformat(),
        **extra,
    }


def test_shares_and_the_average_are_rounded_once_from_exact_integers(workspace: Workspace, http: httpx.Client):
    """0.74895 % of spend is 0.7 % (not 0.8 % from a ratio rounded to 0.0075 first); 1.25 % is 1.3 % (half-up);
    an average of 149.5 µ$ a request is $0.0001 (not 150 µ$ first, then $0.0002)."""
    march_2 = datetime(2026, 3, 2, 10, tzinfo=UTC)
    events = [
        exact_event(workspace, "tiny", "acme/tiny", 74_895, march_2),
        exact_event(workspace, "small", "acme/small", 125_000, march_2),
        *(
            exact_event(workspace, f"big-{i}", "other/big", 9_800_105 if i == 0 else 0, march_2, has_error=i == 1)
            for i in range(80)
        ),
        exact_event(workspace, "cheap-1", "acme/tiny", 100, march_2 + timedelta(days=1)),
        exact_event(workspace, "cheap-2", "acme/tiny", 199, march_2 + timedelta(days=1)),
    ]
    response = http.post(workspace.org.path("/usage/events"), json={"events": events}, headers=workspace.org.headers())
    assert response.json() == {"accepted": 84, "duplicates": 0}

    models = texts(workspace.ask(workspace.member, "usage models 2026-03-02..2026-03-02"))
    assert "1 request · $0.07 (0.7% of spend)" in models
    assert "1 request · $0.13 (1.3% of spend)" in models
    assert "80 requests · $9.80 (98.0% of spend) · errors 1.3%" in models  # 1 of 80 is 1.25 %
    overview = texts(workspace.ask(workspace.member, "usage 2026-03-03..2026-03-03"))
    assert "*Average cost per request*\n$0.0001" in overview


def test_usage_users_shows_the_standard_median_and_90th_percentile_and_help_names_them(
    workspaces: WorkspaceFactory, http: httpx.Client
):
    ws = workspaces.create(members=8)  # ten people, who spent $1 … $10
    march_3 = datetime(2026, 3, 3, 10, tzinfo=UTC)
    events = [
        {**exact_event(ws, f"spend-{i}", "acme/model", (i + 1) * 1_000_000, march_3), "member_id": person.id}
        for i, person in enumerate(ws.org.people)
    ]
    http.post(ws.org.path("/usage/events"), json={"events": events}, headers=ws.org.headers())
    shown = texts(ws.ask(ws.admin, "usage users"))
    assert "*Median per member*\n$5.50" in shown  # the mean of $5 and $6, not the lower $5
    assert "*90th percentile*\n$9.10" in shown  # between $9 and $10, not the maximum
    assert "*Top 5 share of spend*\n72.7%" in shown  # $40 of $55
    help_text = texts(ws.ask(ws.admin, "help"))
    assert "median per member: the middle value, the mean of the two middle ones for an even count" in help_text
    assert "90th percentile: linear interpolation between ranks (NumPy's default)" in help_text


def pdf_text(document: bytes) -> str:
    """The text an invoice PDF draws (fpdf2 core fonts: WinAnsi strings in compressed content streams)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\) ?Tj", content):
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("cp1252"))
    return "\n".join(shown)


def test_billing_dates_are_the_utc_billing_day_for_everyone(workspace: Workspace, http: httpx.Client, clock):
    """A seat change at 02:00 UTC on Mar 16 is evening of Mar 15 in New York: still the billing day Mar 16."""
    clock.now = datetime(2026, 3, 16, 2, tzinfo=UTC)
    change = http.post(
        workspace.org.path("/subscription/seats"),
        json={"seats": 12, "idempotency_key": "late-evening"},
        headers=workspace.org.headers(workspace.org.owner),
    )
    assert change.status_code == 200, change.text
    seen = {}
    for person in (workspace.owner, workspace.admin):  # New York and Berlin
        seats = texts(workspace.ask(person, "seats"))
        assert "Mar 16, 2026 · +2 seats → 12 · $29.94 pro-rated" in seats
        billing = workspace.ask(person, "billing")
        shown = texts(billing)
        assert "Mar 16, 2026 · Seats added · $29.94" in shown
        assert "Mar 15, 2026" not in seats + shown
        seen[person.id] = billing
    message = seen[workspace.owner.id]
    invoice = next(b for b in buttons(message) if b["text"]["text"] == "Download PDF")
    document = pdf_text(httpx.get(invoice["url"]).content)
    # the PDF names the days as the bot does: the last day of the cycle, not its exclusive end
    assert "Period: Mar 16 – Mar 31, 2026 (UTC days)" in document
    assert "Issued: Mar 16, 2026" in document


def test_partial_periods_say_so_and_are_compared_like_with_like(workspaces: WorkspaceFactory, http: httpx.Client):
    """An organization that began on Jan 17; the backend's clock says Mar 15, 12:00 UTC."""
    ws = workspaces.create(start=datetime(2026, 1, 17, 9, tzinfo=UTC))
    costs = {
        datetime(2026, 1, 20, tzinfo=UTC): 1_000_000,
        datetime(2026, 2, 3, tzinfo=UTC): 2_000_000,
        datetime(2026, 2, 14, 23, tzinfo=UTC): 4_000_000,  # February's first 14 days: $6
        datetime(2026, 2, 15, 1, tzinfo=UTC): 8_000_000,
        datetime(2026, 3, 14, 9, tzinfo=UTC): 9_000_000,  # March's 14 whole days so far: $9, ▲ 50% on $6
        datetime(2026, 3, 15, 11, tzinfo=UTC): 5_000_000,  # today so far: shown, not compared
    }
    events = [exact_event(ws, f"e{i}", "acme/model", cost, when) for i, (when, cost) in enumerate(costs.items())]
    http.post(ws.org.path("/usage/events"), json={"events": events}, headers=ws.org.headers())

    trend = texts(ws.ask(ws.owner, "usage trend"))
    assert "`2026-01` $1.00 · 1 request (from Jan 17: first month, no comparison)" in trend
    assert "`2026-02` $14.00 · 3 requests (no comparison with a partial January)" in trend  # not ▲ 1300%
    assert "`2026-03` so far $14.00 · 2 requests (Mar 1 – Mar 14, 2026: ▲ 50% vs Feb 1 – Feb 14, 2026)" in trend
    assert "`2025-" not in trend  # no months before the organization existed

    # the billing period (Feb 17 – Mar 16) is under way: its 26 whole days against the 26 days before
    overview = texts(ws.ask(ws.owner, "usage"))
    assert "this billing period · Feb 17 – Mar 16, 2026 (UTC days) · so far, to Mar 15 12:00 UTC" in overview
    assert "*Spend*\n$14.00  (▲ 29% over the 26 whole days so far vs as many before)" in overview  # $9 vs $7
    assert (
        "*Whole days compared (today is partial)*\nFeb 17 – Mar 14, 2026: $9.00 · 1 request\n"
        "Jan 20 – Feb 14, 2026: $7.00 · 3 requests"
    ) in overview

    mine = ws.ask(ws.member, "usage me")
    spark = next(t for t in texts(mine).splitlines() if t.startswith("*Daily spend*"))
    assert spark.count("`") == 2 and len(spark.split("`")[1]) == 27  # Feb 17 – Mar 15: no day not yet begun


def test_no_comparison_before_the_organization_existed(workspace: Workspace, http: httpx.Client):
    event = exact_event(workspace, "first", "acme/model", 2_000_000, datetime(2026, 3, 2, tzinfo=UTC))
    http.post(workspace.org.path("/usage/events"), json={"events": [event]}, headers=workspace.org.headers())
    overview = texts(workspace.ask(workspace.owner, "usage"))  # Mar 1 – Mar 31: the organization's first period
    assert "*Spend*\n$2.00  (no comparison: usage begins Mar 1, 2026)" in overview
    assert "new" not in overview
    trend = texts(workspace.ask(workspace.owner, "usage trend"))
    assert "`2026-03` so far $2.00 · 1 request (first month, no comparison)" in trend
