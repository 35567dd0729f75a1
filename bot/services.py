"""What every listener needs, built once per app; Bolt hands it to a listener that takes a `kilo` argument."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.acks_first import AcksFirst
from bot.identity import IdentityResolver
from bot.replays import Replays
from bot.replies import Replies
from bot.scheduler import DueWork
from bot.settings import Settings
from bot.store import BotStore

CONTEXT_KEY = "kilo"  # Bolt injects context keys into listeners by argument name


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    store: BotStore
    identity: IdentityResolver
    clock: Callable[[], datetime]
    acks_first: AcksFirst
    replies: Replies
    replays: Replays
    oauth_engine: AsyncEngine | None = None
    work: DueWork | None = None  # digests and alerts (the scheduler's tick and the /kilo digest commands)

    @property
    def due(self) -> DueWork:
        if self.work is None:
            raise RuntimeError("digests and alerts are not set up in this app")
        return self.work
