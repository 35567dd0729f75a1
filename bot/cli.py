"""The `kilo-bot` command: run the Slack app, serve the backend, seed demo data, migrate databases."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from types import ModuleType

from bot.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = Settings()
    if args.command == "run":
        from bot.runner import SlackTokenRefused, run_app

        embedded = reference_backend().start_embedded if settings.uses_embedded_backend else None
        try:
            run_app(
                settings,
                http=args.http,
                host=args.host,
                port=args.port,
                workers=max(1, args.workers),
                start_backend=embedded,
            )
        except SlackTokenRefused as refused:
            print(refused, file=sys.stderr)
            return 2
    elif args.command == "backend":
        port = args.port or settings.embedded_backend_port
        reference_backend().serve(settings.backend_database_url, host=args.host, port=port)
    elif args.command == "seed":
        return _seed(settings, args)
    elif args.command == "digests":
        return _send_due(settings, args.at)
    elif args.command == "db":
        from bot.migrate import upgrade as upgrade_bot

        upgrade_bot(settings.database_url)
        reference_backend().upgrade(settings.backend_database_url)
        print("Databases are at the newest schema.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and flag, each with help that shows its default."""
    defaults = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="kilo-bot", description="Kilo for Teams in Slack.", formatter_class=defaults)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('kilo-bot')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,backend,seed,digests,db}")

    run = commands.add_parser(
        "run", help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set)", formatter_class=defaults
    )
    run.add_argument("--http", action="store_true", help="serve Slack's requests at POST /slack/events")
    run.add_argument("--host", default="127.0.0.1", help="address to serve HTTP on (0.0.0.0: every interface)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port")
    run.add_argument("--workers", type=int, default=1, help="HTTP worker processes")

    backend = commands.add_parser("backend", help="serve the reference backend API", formatter_class=defaults)
    backend.add_argument("--host", default="127.0.0.1", help="address to serve the API on")
    backend.add_argument(
        "--port", type=int, default=None, help="port to serve the API on (unset: EMBEDDED_BACKEND_PORT, 8765)"
    )

    seed = commands.add_parser("seed", help="create an organization in the backend database", formatter_class=defaults)
    seed.add_argument("--demo", action="store_true", help="the demo organization with members, usage and billing")
    seed.add_argument("--json", action="store_true", help="print one JSON object (ids, API key, URL, emails)")
    seed.add_argument("--members", type=int, default=40, help="people in the organization (at least 8)")
    seed.add_argument("--days", type=int, default=90, help="days of usage history")
    seed.add_argument("--events", type=int, default=60_000, help="usage events, spread over the days")
    seed.add_argument("--seed", type=int, default=7, help="random seed: same seed, same data")
    seed.add_argument("--name", default="Acme Robotics", help="the organization's name")
    seed.add_argument("--replace", action="store_true", help="delete this seed's organization first, if it exists")
    seed.add_argument("--connect", action="store_true", help="also make it the bot's default organization")

    digests = commands.add_parser("digests", help="spend digests and alerts", formatter_class=defaults)
    digest_commands = digests.add_subparsers(dest="digests_command", required=True)
    send_due = digest_commands.add_parser(
        "send-due",
        help="send the digests and alerts due at that instant, expire stale seat requests, once, and exit (one tick)",
        formatter_class=defaults,
    )
    send_due.add_argument("--at", type=_instant, default=None, help="ISO-8601 date and time with its zone (unset: now)")

    db = commands.add_parser("db", help="database maintenance", formatter_class=defaults)
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the bot's and the backend's databases to the newest schema")
    return parser


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date and time (2026-03-16T09:00:00-04:00)"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: add Z or an offset like +01:00")
    return moment


def _send_due(settings: Settings, at: datetime | None) -> int:
    import asyncio

    from bot.migrate import upgrade as upgrade_bot
    from bot.scheduler import send_due_once
    from kilo_db.types import utcnow

    upgrade_bot(settings.database_url)
    report = asyncio.run(send_due_once(settings, at or utcnow()))
    print(report.summary())
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 1 if report.failed else 0


def reference_backend() -> ModuleType:
    """The reference backend's entry points (backend/cli.py), imported only by the commands that use it:
    the bot itself talks to a backend over HTTP only."""
    import backend.cli

    return backend.cli


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    if not args.demo:
        print("Only --demo seeding exists: kilo-bot seed --demo [--json]", file=sys.stderr)
        return 2
    backend = reference_backend()

    def progress(done: int) -> None:
        if not args.json:
            print(f"\r{done:,} of ~{args.events:,} usage events", end="", file=sys.stderr)

    try:
        demo = backend.seed(
            settings.backend_database_url,
            members=args.members,
            days=args.days,
            events=args.events,
            random_seed=args.seed,
            name=args.name,
            replace=args.replace,
            progress=progress,
        )
    except backend.SeedRefused as refused:
        print(refused, file=sys.stderr)
        return 2
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
