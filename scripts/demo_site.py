"""`make demo`: every /kilo answer and the App Home, rendered to out/demo/index.html from the Block Kit
the bot really produced (demo organization, embedded backend, signed requests, fake Slack on loopback).

    .venv/bin/python scripts/demo_site.py [out/demo]
"""

from __future__ import annotations

import html
import json
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
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
from bot.app import create_bolt_app, create_web_app
from bot.migrate import upgrade as upgrade_bot
from bot.serving import BackgroundServer
from bot.settings import Settings
from bot.store import BotStore, Connection
from local_slack import FakeSlack, SlackUser
from local_slack.render import BLOCKS_CSS, render_blocks

SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo"
TEAM = "TDEMO"

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
]


@dataclass
class Shot:
    title: str
    who: str
    payload: dict[str, Any]
    kind: str = "message"


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
        fake = FakeSlack(token=TOKEN)
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
            )
            with BackgroundServer(create_web_app(create_bolt_app(settings, store))) as bot:
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
                            "trigger_id": "1.2",
                            "api_app_id": "ADEMO",
                        }
                    )
                    _post(bot.url, body, "application/x-www-form-urlencoded")
                    shots.append(Shot(f"/kilo {text}".strip(), who, fake.wait_for_response(key)))
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
        store.engine.dispose()
        engine.dispose()
    return shots


def _post(base: str, body: str, content_type: str) -> None:
    stamp = str(int(time.time()))
    signature = str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body))
    response = httpx.post(
        f"{base}/slack/events",
        content=body,
        timeout=10,
        headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature},
    )
    response.raise_for_status()


def render(shots: list[Shot]) -> str:
    cards = []
    for shot in shots:
        visibility = {"in_channel": "posted in the channel", "ephemeral": "only visible to you"}.get(
            shot.payload.get("response_type", ""), "Home tab"
        )
        blocks = render_blocks(shot.payload.get("blocks", []))
        cards.append(
            f'<section class="card"><div class="meta"><code>{html.escape(shot.title)}</code> as '
            f'<b>{shot.who}</b> · {visibility}</div><div class="message">{blocks}</div></section>'
        )
    page = PAGE.replace("{blocks_css}", BLOCKS_CSS)
    return page.replace("{cards}", "\n".join(cards)).replace("{count}", str(len(shots)))


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
</style></head><body>
<h1>kilo-bot — {count} answers, as Slack would show them</h1>
<p class="intro">Rendered from the Block Kit the bot sent to a local stand-in for Slack, for the demo organization
(embedded backend, signed requests). Buttons with ↗ open links; the others are interactive in Slack.</p>
{cards}
</body></html>
"""


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demo")
    out.mkdir(parents=True, exist_ok=True)
    shots = collect(seed_events=60_000)
    (out / "index.html").write_text(render(shots), encoding="utf-8")
    (out / "messages.json").write_text(json.dumps([s.__dict__ for s in shots], indent=1), encoding="utf-8")
    print(f"wrote {out / 'index.html'} ({len(shots)} answers)")


if __name__ == "__main__":
    main()
