"""Migrations of the bot's own database (`kilo-bot db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from kilo_db import migrations
from kilo_db.engine import private_sqlite_file

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    private_sqlite_file(url)  # it holds API keys and Slack tokens
    migrations.upgrade(url, MIGRATIONS)
