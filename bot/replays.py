"""Each Slack request is handled once, whatever Slack retries (X-Slack-Retry-Num) or anyone replays
within the signature's five minutes, and however many bot processes share the bot database: the first
process to insert the request's key takes it; the others ack and do nothing."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.store import BotStore

# Slack retries an event three times within minutes and signatures expire after five; keys are kept
# well beyond both, then pruned.
KEEP_KEYS_FOR = timedelta(hours=1)
PRUNE_EVERY = timedelta(minutes=5)


def request_key(body: Mapping[str, Any]) -> str:
    """An event's own id (the same in every retry), else a digest of the whole payload, which carries a
    fresh trigger_id or action_ts each time a person acts, so only a replay repeats it."""
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and isinstance(event_id, str):
        return f"event:{event_id[:70]}"
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "body:" + hashlib.sha256(canonical.encode()).hexdigest()


class Replays:
    def __init__(self, store: BotStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._pruned_at: datetime | None = None

    async def first_time(self, body: Mapping[str, Any]) -> bool:
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            await asyncio.to_thread(self.store.forget_requests, now - KEEP_KEYS_FOR)
        return await asyncio.to_thread(self.store.claim_request, request_key(body), now)
