"""Digest charts render in a small process pool, so the bot's event loop keeps acking while they draw:
all of a digest's charts (`render_digest_charts`), or just one (`render_chart`, for /kilo usage trend).

matplotlib holds the GIL for its whole draw (threads do not help) and a long-lived process's memory
creeps up, so the workers are replaced after a number of digests. They are forked from a forkserver
that imported matplotlib once, so a fresh worker costs milliseconds, not a re-import.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from reports.charts import ChartKind, RenderedChart, render_chart_now, render_digest_charts_now, warm_up
from reports.digest_data import DigestData

DEFAULT_WORKERS = 2
DIGESTS_PER_WORKER = 50  # then the worker is replaced, so memory stays flat however long the bot runs
WORKER_NICENESS = 10  # charts are background work: on a small machine the bot's acks get the CPU first

Result = TypeVar("Result")


def _background_priority() -> None:
    os.nice(WORKER_NICENESS)


def _warm_worker() -> int:
    """Load fonts and the Agg canvas in a worker (the forkserver imported the modules already)."""
    warm_up()
    return os.getpid()


class ChartRenderer:
    """A pool of chart workers, replaced as a whole after workers × digests_per_worker tasks.

    Not ProcessPoolExecutor(max_tasks_per_child=…): on Python 3.11 it deadlocks once tasks queue up
    behind a worker that leaves at its limit (CPython gh-115634, fixed only from 3.13). Instead the
    renderer starts a new pool when the quota is used and lets the old one finish what it has.
    """

    def __init__(self, workers: int = DEFAULT_WORKERS, digests_per_worker: int = DIGESTS_PER_WORKER) -> None:
        self.workers = workers
        self.quota = workers * digests_per_worker
        self._executor: ProcessPoolExecutor | None = None
        self._submitted = 0

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None or self._submitted >= self.quota:
            if self._executor is not None:
                self._executor.shutdown(wait=False)  # its queued tasks still run; then its workers exit
            # forkserver, not fork: forking a process that runs an event loop and threads is unsafe.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["reports.charts"])
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_background_priority
            )
            self._submitted = 0
        self._submitted += 1
        return self._executor

    async def _run(self, task: Callable[..., Result], *args: object) -> Result:
        loop = asyncio.get_running_loop()
        pool = self._pool()
        try:
            return await loop.run_in_executor(pool, task, *args)
        except BrokenProcessPool:
            # A worker died (killed for memory, say) and took the pool with it: start a new one, once.
            if self._executor is pool:
                self._executor = None
                pool.shutdown(wait=False, cancel_futures=True)
            return await loop.run_in_executor(self._pool(), task, *args)

    async def warm_up(self) -> set[int]:
        """Start the workers before the first digest is due; returns the process ids that answered."""
        return set(await asyncio.gather(*(self._run(_warm_worker) for _ in range(self.workers))))

    async def render(self, data: DigestData) -> list[RenderedChart]:
        return await self._run(render_digest_charts_now, data)

    async def render_chart(self, kind: ChartKind, data: DigestData) -> RenderedChart:
        """Only the chart of that kind (the others are not drawn)."""
        return await self._run(render_chart_now, kind, data)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


_shared: ChartRenderer | None = None


def shared_renderer() -> ChartRenderer:
    """The process's one renderer (created on first use): every digest shares its workers."""
    global _shared
    if _shared is None:
        _shared = ChartRenderer()
    return _shared


async def render_digest_charts(data: DigestData) -> list[RenderedChart]:
    """Every chart of a digest, rendered in the shared process pool."""
    return await shared_renderer().render(data)


async def render_chart(kind: ChartKind, data: DigestData) -> RenderedChart:
    """One chart of a digest's data, rendered in the shared process pool."""
    return await shared_renderer().render_chart(kind, data)


def close_shared_renderer() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
