"""Charts render in recycled worker processes and come back identical to an in-process render."""

from __future__ import annotations

import asyncio
import os

from reports.charts import ChartKind, DailySpendChart, render_chart_now, render_digest_charts_now
from reports.render_pool import ChartRenderer, close_shared_renderer, render_chart, render_digest_charts
from tests.reports.digest_factory import generate_digest_data


def test_the_pool_renders_the_same_charts_as_this_process() -> None:
    data = generate_digest_data(101)

    async def render() -> list[object]:
        try:
            return list(await render_digest_charts(data))
        finally:
            close_shared_renderer()

    from_pool = asyncio.run(render())
    here = render_digest_charts_now(data)

    assert from_pool == here  # the same PNG bytes, alt text and plotted numbers
    daily = from_pool[0]
    assert isinstance(daily, DailySpendChart) and daily.png.startswith(b"\x89PNG")


def test_workers_are_separate_processes_replaced_after_their_quota() -> None:
    renderer = ChartRenderer(workers=1, digests_per_worker=1)

    async def two_warm_ups() -> tuple[set[int], set[int]]:
        try:
            return await renderer.warm_up(), await renderer.warm_up()
        finally:
            renderer.close()

    first, second = asyncio.run(two_warm_ups())

    assert os.getpid() not in first | second
    assert first != second  # the first worker left after its one task; a fresh one took the second


def test_a_backlog_longer_than_the_quota_still_completes() -> None:
    """ProcessPoolExecutor(max_tasks_per_child=2) hangs here on Python 3.11 (CPython gh-115634)."""
    renderer = ChartRenderer(workers=2, digests_per_worker=2)
    digests = [generate_digest_data(seed, model_count=3) for seed in range(120, 130)]

    async def render_all() -> list[int]:
        try:
            results = await asyncio.wait_for(asyncio.gather(*(renderer.render(d) for d in digests)), timeout=120)
        finally:
            renderer.close()
        return [len(result) for result in results]

    assert asyncio.run(render_all()) == [3] * 10


def test_digests_render_concurrently_while_the_event_loop_keeps_running() -> None:
    renderer = ChartRenderer(workers=2)
    digests = [generate_digest_data(seed) for seed in range(110, 114)]

    async def render_all() -> tuple[list[list[object]], int]:
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        beating = asyncio.create_task(heartbeat())
        try:
            results = await asyncio.gather(*(renderer.render(data) for data in digests))
        finally:
            beating.cancel()
            renderer.close()
        return [list(result) for result in results], ticks

    results, ticks = asyncio.run(render_all())

    assert [len(charts) for charts in results] == [3, 3, 3, 3]
    assert ticks > 5  # the loop was free while the workers drew (in-process it would not tick at all)


def test_the_pool_renders_one_chart_of_the_kind_asked_for() -> None:
    data = generate_digest_data(102)
    every = {chart.name: chart for chart in render_digest_charts_now(data)}
    assert set(every) == {kind.value for kind in ChartKind}

    async def one_each() -> list[object]:
        try:
            return [await render_chart(kind, data) for kind in ChartKind]
        finally:
            close_shared_renderer()

    for kind, chart in zip(ChartKind, asyncio.run(one_each()), strict=True):
        assert chart == every[kind.value] == render_chart_now(kind, data)
