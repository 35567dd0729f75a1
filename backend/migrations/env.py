"""Alembic environment of the backend database."""

from backend.db import Base
from backend.models import Organization  # noqa: F401  (importing the models registers their tables)
from kilo_db.migrations import run_environment

run_environment(Base.metadata, version_table="backend_alembic_version")
