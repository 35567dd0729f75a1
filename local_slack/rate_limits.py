"""Opt-in rate limits for the fake Slack, as Slack applies them: per method and workspace (the tiers), and
for messages about one per second per channel; an over-limit call gets HTTP 429 with Retry-After.

Token buckets refilled continuously; `floor_seconds` says how long a given load takes at best, so a
benchmark can tell how close to the limits a sender gets.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Calls that post a message into a channel (a shared file is a message too).
MESSAGE_METHODS = frozenset({"chat.postMessage", "files.completeUploadExternal"})


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float


@dataclass
class RateLimits:
    """per_minute: the workspace-wide limit of each listed method (Slack's tiers: 1+, 20+, 50+, 100+ a
    minute; bursts up to one second's worth). per_channel_per_second: messages into one channel."""

    per_minute: Mapping[str, int] = field(default_factory=dict)
    per_channel_per_second: float | None = 1.0
    clock: Callable[[], float] = time.monotonic
    limited: Counter[str] = field(default_factory=Counter)  # 429s answered, by method
    _buckets: dict[tuple[str, ...], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _bucket(self, key: tuple[str, ...], rate: float, now: float) -> _Bucket:
        if key not in self._buckets:
            capacity = max(1.0, rate)  # one second's worth
            self._buckets[key] = _Bucket(rate, capacity, capacity, now)
        return self._buckets[key]

    def retry_after(self, team_id: str, method: str, channel: str | None) -> int | None:
        """None if the call may go ahead (its tokens are taken), else Retry-After in whole seconds."""
        with self._lock:
            now = self.clock()
            checks: list[tuple[tuple[str, ...], float]] = []
            if method in self.per_minute:
                checks.append(((team_id, method), self.per_minute[method] / 60))
            if channel and method in MESSAGE_METHODS and self.per_channel_per_second:
                checks.append(((team_id, "channel", channel), self.per_channel_per_second))
            waits = []
            for key, rate in checks:
                bucket = self._bucket(key, rate, now)
                bucket.tokens = min(bucket.capacity, bucket.tokens + max(0.0, now - bucket.updated) * rate)
                bucket.updated = now
                waits.append(0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / rate)
            if any(waits):
                self.limited[method] += 1
                return max(1, math.ceil(max(waits)))  # Slack sends whole seconds
            for key, _rate in checks:
                self._buckets[key].tokens -= 1
            return None

    def floor_seconds(self, calls: Mapping[str, int], messages_per_channel: int = 0) -> float:
        """The least time `calls` (method → count in one workspace) can take under these limits."""
        floors = [
            max(0.0, (count - max(1.0, self.per_minute[method] / 60)) / (self.per_minute[method] / 60))
            for method, count in calls.items()
            if method in self.per_minute
        ]
        if self.per_channel_per_second and messages_per_channel > 1:
            floors.append((messages_per_channel - 1) / self.per_channel_per_second)
        return max(floors, default=0.0)
