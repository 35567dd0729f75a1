"""Migrations of the backend's database (`kilo-bot db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from kilo_db import migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.upgrade(url, MIGRATIONS)
