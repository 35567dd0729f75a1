"""Acks before answers: work done after an ack waits while other requests still wait for theirs.

One event loop serves every Slack request. When fifty people run /kilo at once, the answers being
built (backend reads, Block Kit) would otherwise delay the acks of the requests that came in with
them; Slack wants an ack within 3 s and we aim for 100 ms.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

POLL_SECONDS = 0.002
MAX_DEFERRAL_SECONDS = 0.5


class AcksFirst:
    def __init__(self) -> None:
        self.waiting_for_ack = 0

    @contextmanager
    def request(self) -> Iterator[None]:
        """Around one HTTP request from Slack, until Bolt has its ack."""
        self.waiting_for_ack += 1
        try:
            yield
        finally:
            self.waiting_for_ack -= 1

    async def after_pending_acks(self) -> None:
        """Let every request that is still waiting for its ack go first (bounded, so answers always come)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_DEFERRAL_SECONDS
        while self.waiting_for_ack and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
