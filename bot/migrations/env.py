"""Alembic environment of the bot database."""

import bot.seat_requests
import bot.submissions  # noqa: F401  (its table is part of the bot's metadata)
from bot import alert_store, digest_store  # noqa: F401  (their tables join BotBase.metadata)
from bot.store import BotBase
from kilo_db.migrations import run_environment

run_environment(BotBase.metadata, version_table="bot_alembic_version")
