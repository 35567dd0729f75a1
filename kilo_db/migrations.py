"""Alembic, run programmatically: one migrations folder for the backend, one for the bot."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from kilo_db.engine import make_engine


def alembic_config(url: str, directory: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(directory))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, directory: Path, revision: str = "heads") -> None:
    # "heads": branches started in parallel from one revision all apply, without a merge revision
    command.upgrade(alembic_config(url, directory), revision)


def downgrade(url: str, directory: Path, revision: str) -> None:
    command.downgrade(alembic_config(url, directory), revision)


def run_environment(metadata: MetaData, version_table: str) -> None:
    """The body of each env.py: migrate the database named by sqlalchemy.url.

    Each schema keeps its own version table, so the bot and the backend may share one database."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url must be set (kilo-bot db upgrade sets it)")
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True, version_table=version_table
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            version_table=version_table,
            include_name=lambda name, kind, _parent: kind != "table" or name in metadata.tables,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
