"""Database plumbing shared by the backend and the bot: engines, UTC datetimes, Alembic runs."""
