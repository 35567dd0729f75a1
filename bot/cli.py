"""The `kilo-bot` command: run the Slack app, serve the backend, seed demo data, migrate databases."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kilo-bot", description="Kilo for Teams in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set)")
    run.add_argument("--http", action="store_true", help="serve Slack's requests at POST /slack/events")
    run.add_argument("--port", type=int, default=3000, help="HTTP port for --http (default 3000)")
    run.add_argument("--workers", type=int, default=1, help="HTTP worker processes (default 1)")

    backend = commands.add_parser("backend", help="serve the reference backend API")
    backend.add_argument("--host", default="127.0.0.1")
    backend.add_argument("--port", type=int, default=8765)

    seed = commands.add_parser("seed", help="create an organization in the backend database")
    seed.add_argument("--demo", action="store_true", help="the demo organization with members, usage and billing")
    seed.add_argument("--json", action="store_true", help="print one JSON object (ids, API key, URL, emails)")
    seed.add_argument("--members", type=int, default=40)
    seed.add_argument("--days", type=int, default=90)
    seed.add_argument("--events", type=int, default=60_000)
    seed.add_argument("--seed", type=int, default=7, help="random seed: same seed, same data")
    seed.add_argument("--name", default="Acme Robotics")
    seed.add_argument("--connect", action="store_true", help="also make it the bot's default organization")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the bot's and the backend's databases to the newest schema")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = Settings()
    if args.command == "run":
        from bot.runner import run_app

        run_app(settings, http=args.http, port=args.port, workers=max(1, args.workers))
    elif args.command == "backend":
        from bot.runner import serve_backend

        serve_backend(settings, host=args.host, port=args.port)
    elif args.command == "seed":
        return _seed(settings, args)
    elif args.command == "db":
        from backend.migrate import upgrade as upgrade_backend
        from bot.migrate import upgrade as upgrade_bot

        upgrade_bot(settings.database_url)
        upgrade_backend(settings.backend_database_url)
        print("Databases are at the newest schema.")
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from backend.db import make_engine, make_session_factory
    from backend.demo import DemoSpec, seed_demo
    from backend.migrate import upgrade

    if not args.demo:
        print("Only --demo seeding exists: kilo-bot seed --demo [--json]", file=sys.stderr)
        return 2
    if min(args.members, args.days, args.events) < 1 or args.members < 8:
        print("--members must be at least 8, --days and --events at least 1.", file=sys.stderr)
        return 2
    upgrade(settings.backend_database_url)
    engine = make_engine(settings.backend_database_url)
    spec = DemoSpec(members=args.members, days=args.days, events=args.events, seed=args.seed, name=args.name)

    def progress(done: int) -> None:
        if not args.json:
            print(f"\r{done:,} of ~{args.events:,} usage events", end="", file=sys.stderr)

    demo = seed_demo(make_session_factory(engine), spec, datetime.now(UTC), progress=progress)
    engine.dispose()
    if args.connect:
        from bot.runner import connect_default

        connect_default(settings, demo.organization_id, demo.api_key)
    result = {
        "organization_id": demo.organization_id,
        "api_key": demo.api_key,
        "backend_url": settings.backend_url,
        "owner_email": demo.owner_email,
        "admin_email": demo.admin_email,
        "member_email": demo.member_email,
        "events": demo.events,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"\nCreated {args.name} ({demo.organization_id}) with {demo.events:,} usage events.")
        print(f"API key (shown once): {demo.api_key}")
        print(f"Owner: {demo.owner_email}  Admin: {demo.admin_email}  Member: {demo.member_email}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
