"""Alembic environment of the bot database."""

from bot import alert_store, digest_store  # noqa: F401  (their tables join BotBase.metadata)
from bot.store import BotBase
from kilo_db.migrations import run_environment

run_environment(BotBase.metadata, version_table="bot_alembic_version")
