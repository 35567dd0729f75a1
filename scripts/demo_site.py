"""`make demo`: every /kilo answer, the App Home, a spend digest with its charts and an alert, rendered to
out/demo/index.html from the Block Kit and PNGs the bot really produced (demo organization, embedded
backend, signed requests, fake Slack on loopback).

    .venv/bin/python scripts/demo_site.py [out/demo]
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.api import create_app as create_backend_app
from backend.db import make_engine, make_session_factory
from backend.demo import DemoSpec, seed_demo
from backend.migrate import upgrade as upgrade_backend
from bot.alert_store import AlertStore
from bot.app import create_bolt_app, create_web_app
from bot.digest_shapes import AlertKind, RuleRequest
from bot.migrate import upgrade as upgrade_bot
from bot.scheduler import standalone_due_work
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack, SlackUser
from local_slack.render import BLOCKS_CSS, RenderContext, render_blocks
from reports.render_pool import close_shared_renderer
from scripts.demo_modals import AdminDemo, admin_modals
from scripts.demo_seats import seat_shots

SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo"
TEAM = "TDEMO"
DIGEST_CHANNEL = "CDEMOSPEND"

COMMANDS: list[tuple[str, str]] = [
    ("owner", "help"),
    ("member", "help"),
    ("owner", "usage"),
    ("admin", "usage 7d"),
    ("member", "usage public"),
    ("owner", "usage models"),
    ("admin", "usage users"),
    ("member", "usage users"),
    ("member", "usage me"),
    ("owner", "usage trend"),
    ("owner", "org"),
    ("owner", "members"),
    ("member", "members admin"),
    ("owner", "billing"),
    ("member", "billing"),
    ("owner", "subscription"),
    ("admin", "seats"),
    ("stranger", "usage"),
    ("owner", "usgae"),
    ("owner", "usage 2026-02-30..2026-03-01"),
    ("owner", "audit 10"),
    ("owner", "digest subscribe #ai-spend weekly monday 09:00"),
    ("owner", "digest send #ai-spend"),
    ("owner", "digest list"),
    ("member", "digest me"),
]
WITH_CHARTS = {"usage trend"}  # answers that gain a chart in a second, replacing message


@dataclass
class Chart:
    file_id: str
    filename: str
    title: str
    alt_text: str
    png: bytes


@dataclass
class Shot:
    title: str
    who: str
    payload: dict[str, Any]
    kind: str = "message"
    charts: list[Chart] | None = None  # shared in the message's thread


def _chart(fake: FakeSlack, file_id: str) -> Chart:
    shared = fake.state.files[file_id]
    return Chart(file_id, shared.filename, shared.title or "", shared.alt_txt or "", fake.file_bytes(file_id))


def _posted(fake: FakeSlack, channel: str, title: str) -> Shot:
    """The newest top-level message in a channel, with the charts in its thread."""
    message = [m for m in fake.messages_in(channel) if m.blocks][-1]
    charts = [_chart(fake, f.id) for f in fake.files_in_thread(channel, message.ts)]
    return Shot(title, "kilo-bot", {"text": message.text, "blocks": message.blocks}, "channel", charts)


def collect(seed_events: int) -> list[Shot]:
    shots: list[Shot] = []
    with tempfile.TemporaryDirectory() as directory:
        backend_url = f"sqlite:///{directory}/backend.sqlite3"
        upgrade_backend(backend_url)
        engine = make_engine(backend_url)
        sessions = make_session_factory(engine)
        demo = seed_demo(sessions, DemoSpec(events=seed_events), datetime.now(UTC))
        bot_db = f"sqlite:///{directory}/bot.sqlite3"
        upgrade_bot(bot_db)
        store = BotStore(bot_db)
        fake = FakeSlack(token=TOKEN, team_id=TEAM)
        fake.add_channel("CDEMO", "general", team_id=TEAM)
        fake.add_channel(DIGEST_CHANNEL, "ai-spend", bot_member=False, team_id=TEAM)
        with BackgroundServer(create_backend_app(sessions)) as backend, BackgroundServer(fake.app) as slack:
            fake.bind(slack.url)
            store.save_connection(
                Connection(TEAM, demo.organization_id, backend.url, demo.api_key),
                connected_by=None,
                now=datetime.now(UTC),
            )
            people = {
                "owner": fake.add_user(SlackUser("UOWNER", demo.owner_email, "Owner", "Europe/Berlin", TEAM)),
                "admin": fake.add_user(SlackUser("UADMIN", demo.admin_email, "Admin", "America/Chicago", TEAM)),
                "member": fake.add_user(SlackUser("UMEMBER", demo.member_email, "Member", "Asia/Tokyo", TEAM)),
                "stranger": fake.add_user(SlackUser("USTRANGE", "someone@elsewhere.dev", "Stranger", "UTC", TEAM)),
            }
            settings = Settings(
                _env_file=None,
                slack_bot_token=TOKEN,
                slack_signing_secret=SECRET,
                slack_api_url=fake.api_url,
                database_url=bot_db,
                kilo_api_url=backend.url,  # the operator's own backend, reachable on loopback
                kilo_scheduler_enabled=False,  # the demo ticks once, below
            )
            bolt = create_bolt_app(settings, store)
            with BackgroundServer(create_web_app(bolt)) as bot:
                for who, text in COMMANDS:
                    key = secrets.token_hex(6)
                    body = urlencode(
                        {
                            "team_id": TEAM,
                            "user_id": people[who].id,
                            "command": "/kilo",
                            "text": text,
                            "channel_id": "CDEMO",
                            "response_url": fake.response_url(key),
                            "trigger_id": fake.trigger(),
                            "api_app_id": "ADEMO",
                        }
                    )
                    _post(bot.url, body, "application/x-www-form-urlencoded")
                    answer = fake.wait_for_response(key, count=2 if text in WITH_CHARTS else 1, timeout=60)
                    shots.append(Shot(f"/kilo {text}".strip(), who, answer, charts=_images(fake, answer)))
                shots.append(_posted(fake, DIGEST_CHANNEL, "The weekly digest in #ai-spend"))
                shots.append(_alert(fake, store, settings, demo, backend.url))
                for who in ("owner", "member"):
                    published = len(fake.calls_to("views.publish"))
                    event = {
                        "type": "event_callback",
                        "team_id": TEAM,
                        "api_app_id": "ADEMO",
                        "event_id": f"Ev{secrets.token_hex(4)}",
                        "event_time": int(time.time()),
                        "event": {
                            "type": "app_home_opened",
                            "user": people[who].id,
                            "tab": "home",
                            "channel": "DHOME",
                            "event_ts": str(time.time()),
                        },
                    }
                    _post(bot.url, json.dumps(event), "application/json")
                    view = fake.wait_for_call("views.publish", count=published + 1)[-1].args["view"]
                    shots.append(Shot("App Home", who, view, kind="home"))
                for modal in admin_modals(AdminDemo(bot.url, fake, people, TEAM, _post)):
                    shots.append(Shot(modal.title, modal.who, modal.view, kind="modal"))
                for title, who, payload, kind in seat_shots(bot.url, bolt, fake, people, _post):
                    shots.append(Shot(title, who, payload, kind=kind))
        store.engine.dispose()
        engine.dispose()
    return shots


def _images(fake: FakeSlack, payload: dict[str, Any]) -> list[Chart]:
    """Charts an answer shows as image blocks (uploaded privately, named by slack_file)."""
    return [_chart(fake, b["slack_file"]["id"]) for b in payload.get("blocks", []) if b["type"] == "image"]


def _alert(fake: FakeSlack, store: BotStore, settings: Settings, demo: Any, backend_url: str) -> Shot:
    """An Owner's "credits below" alert set just above today's balance, and the tick that fires it."""
    balance = httpx.get(
        f"{backend_url}/api/v1/organizations/{demo.organization_id}/credits",
        headers={"Authorization": f"Bearer {demo.api_key}"},
    ).json()["balance_microdollars"]
    threshold = (max(balance, 0) // 1_000_000_000 + 1) * 1_000_000_000  # the next whole $1,000
    AlertStore(store).replace_rules(
        TEAM,
        [RuleRequest(AlertKind.CREDITS_BELOW, threshold)],
        channel_id=DIGEST_CHANNEL,
        created_by="UOWNER",
        actor_email=demo.owner_email,
        now=datetime.now(UTC),
    )

    async def tick() -> None:
        async with standalone_due_work(settings, store) as work:
            await work.send_due(datetime.now(UTC) + timedelta(seconds=1))

    asyncio.run(tick())
    return _posted(fake, DIGEST_CHANNEL, "An alert in #ai-spend")


SHOT_KINDS = {"modal": "a modal", "dm": "a direct message", "channel": "posted in the channel"}


def _post(base: str, body: str, content_type: str) -> Any:
    """Sign and send; Slack's answer to a modal submission (JSON) when there is one."""
    stamp = str(int(time.time()))
    signature = str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body))
    response = httpx.post(
        f"{base}/slack/events",
        content=body,
        timeout=10,
        headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature},
    )
    response.raise_for_status()
    return response.json() if response.content else {}


# uploaded charts are written next to the page as charts/<file id>.png
CHARTS_BESIDE_THE_PAGE = RenderContext(file_url=lambda file_id: f"charts/{file_id}.png")


def render(shots: list[Shot]) -> str:
    cards = []
    for shot in shots:
        visibility = {"in_channel": "posted in the channel", "ephemeral": "only visible to you"}.get(
            shot.payload.get("response_type", ""),
            {"modal": "a modal", "dm": "a direct message", "channel": "posted in the channel"}.get(
                shot.kind, "Home tab"
            ),
        )
        blocks = render_blocks(shot.payload.get("blocks", []), CHARTS_BESIDE_THE_PAGE)
        if shot.kind == "modal":
            blocks = render_modal(shot.payload, blocks)
        if shot.kind == "channel" and shot.charts:
            blocks += (
                '<div class="thread"><div class="context">In the thread:</div>'
                + "".join(
                    f'<img class="chart" src="charts/{c.file_id}.png" alt="{html.escape(c.alt_text)}" '
                    f'title="{html.escape(c.title)}">'
                    for c in shot.charts
                )
                + "</div>"
            )
        cards.append(
            f'<section class="card"><div class="meta"><code>{html.escape(shot.title)}</code> as '
            f'<b>{shot.who}</b> · {visibility}</div><div class="message">{blocks}</div></section>'
        )
    page = PAGE.replace("{blocks_css}", BLOCKS_CSS)
    return page.replace("{cards}", "\n".join(cards)).replace("{count}", str(len(shots)))


def render_modal(view: dict[str, Any], blocks: str) -> str:
    buttons = [f'<span class="button">{html.escape(view["close"]["text"])}</span>'] if view.get("close") else []
    if view.get("submit"):
        buttons.append(f'<span class="button primary">{html.escape(view["submit"]["text"])}</span>')
    return (
        f'<div class="modal"><h3>{html.escape(view["title"]["text"])}</h3>{blocks}'
        f'<div class="actions modal-buttons">{"".join(buttons)}</div></div>'
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kilo-bot: what it says in Slack</title>
<style>
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;background:#f4f4f6;margin:0;
padding:24px;color:#1d1c1d}
h1{font-size:22px}.intro{color:#555;max-width:760px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;max-width:760px;
padding:14px 18px}
.meta{font-size:12px;color:#616061;margin-bottom:8px}
{blocks_css}
.modal{border:1px solid #ddd;border-radius:8px;padding:4px 14px;max-width:520px}.modal-buttons{text-align:right}
.date{border-bottom:1px dotted #888}
.chart{max-width:100%;border:1px solid #ddd;border-radius:6px;margin:6px 0}
.thread{border-left:3px solid #ddd;padding-left:10px}
</style></head><body>
<h1>kilo-bot — {count} answers, modals and messages, as Slack would show them</h1>
<p class="intro">Rendered from the Block Kit the bot sent to a local stand-in for Slack, for the demo organization
(embedded backend, signed requests). Buttons with ↗ open links; the others are interactive in Slack; ⋯ is a
row's menu. Modals are shown as they open, pre-filled.</p>
{cards}
</body></html>
"""


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demo")
    out.mkdir(parents=True, exist_ok=True)
    try:
        shots = collect(seed_events=60_000)
    finally:
        close_shared_renderer()
    (out / "charts").mkdir(exist_ok=True)
    for chart in (c for shot in shots for c in shot.charts or []):
        (out / "charts" / f"{chart.file_id}.png").write_bytes(chart.png)
    # the README shows the channel digest's daily chart: cp out/demo/digest-daily-spend.png docs/images/
    digest = next(shot for shot in shots if shot.kind == "channel" and shot.charts)
    readme_chart = next(c for c in digest.charts or [] if c.filename.startswith("daily-spend"))
    (out / "digest-daily-spend.png").write_bytes(readme_chart.png)
    (out / "index.html").write_text(render(shots), encoding="utf-8")
    payloads = [{"title": s.title, "who": s.who, "kind": s.kind, "payload": s.payload} for s in shots]
    (out / "messages.json").write_text(json.dumps(payloads, indent=1), encoding="utf-8")
    print(f"wrote {out / 'index.html'} ({len(shots)} answers, modals and messages)")


if __name__ == "__main__":
    main()
