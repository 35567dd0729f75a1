"""Digest charts render in a small process pool, so the bot's event loop keeps acking while they draw.

matplotlib holds the GIL for its whole draw (threads do not help) and its caches grow: workers are
recycled after a number of digests, and forked from a forkserver that has imported matplotlib once,
so a fresh worker starts in milliseconds instead of re-importing it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from reports.charts import RenderedChart, render_digest_charts_now
from reports.digest_data import DigestData

DEFAULT_WORKERS = 2
DIGESTS_PER_WORKER = 50  # then the worker is replaced, so memory stays flat however long the bot runs


def _warm_worker() -> int:
    """Load fonts and the Agg canvas once in a worker (the forkserver imported the modules already)."""
    from reports.charts import warm_up

    warm_up()
    return multiprocessing.current_process().pid or 0


class ChartRenderer:
    def __init__(self, workers: int = DEFAULT_WORKERS, digests_per_worker: int = DIGESTS_PER_WORKER) -> None:
        self.workers = workers
        self.digests_per_worker = digests_per_worker
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver, not fork: forking a process with an event loop and threads is unsafe, and
            # max_tasks_per_child refuses fork. Preloading the chart module makes each new worker cheap.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["reports.charts"])
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, max_tasks_per_child=self.digests_per_worker
            )
        return self._executor

    async def warm_up(self) -> set[int]:
        """Start the workers before the first digest is due; returns their process ids."""
        loop = asyncio.get_running_loop()
        pool = self._pool()
        return set(await asyncio.gather(*(loop.run_in_executor(pool, _warm_worker) for _ in range(self.workers))))

    async def render(self, data: DigestData) -> list[RenderedChart]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), render_digest_charts_now, data)
        except BrokenProcessPool:
            # A worker died (killed for memory, say): the pool is unusable from then on; start a new one once.
            self.close()
            return await loop.run_in_executor(self._pool(), render_digest_charts_now, data)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


_shared: ChartRenderer | None = None


def shared_renderer() -> ChartRenderer:
    """The process's one renderer (created on first use): every digest shares its two workers."""
    global _shared
    if _shared is None:
        _shared = ChartRenderer()
    return _shared


async def render_digest_charts(data: DigestData) -> list[RenderedChart]:
    """Every chart of a digest, rendered in the shared process pool."""
    return await shared_renderer().render(data)


def close_shared_renderer() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
