"""The backend's declarative base and session factory."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kilo_db.engine import make_engine

__all__ = ["Base", "make_engine", "make_session_factory"]


class Base(DeclarativeBase):
    pass


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
