"""`/kilo usage trend`'s chart: the daily spend by model over the answer's days, against the period before,
drawn by the digest's chart code in the render pool (the text answer stays for search and screen readers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.kilo_client import KiloClient
from kilo_api import schemas
from reports.charts import ChartKind, RenderedChart
from reports.collect import model_days, totals
from reports.digest_data import DigestData, DigestPeriod, PastPeriod
from reports.render_pool import render_chart

RenderChart = Callable[[ChartKind, DigestData], Awaitable[RenderedChart]]


async def trend_chart(
    client: KiloClient,
    summary: schemas.UsageSummaryOut,
    zone: ZoneInfo,
    now: datetime,
    render: RenderChart = render_chart,
) -> RenderedChart:
    """The trend's daily spend chart, and only that chart, drawn in the render pool."""
    return await render(ChartKind.DAILY_SPEND, await trend_data(client, summary, zone, now))


async def trend_data(client: KiloClient, summary: schemas.UsageSummaryOut, zone: ZoneInfo, now: datetime) -> DigestData:
    """The days of the trend that have happened, with the equally long period before as the reference
    (no models, seats or credits: the daily chart needs none)."""
    # the days begun by as_of (today so far included), never past the period's end
    start, end = summary.start, max(min(summary.end, summary.as_of.date() + timedelta(days=1)), summary.start)
    if end <= start:
        end = start.fromordinal(start.toordinal() + 1)
    before = start - (end - start)
    organization, current, previous = await asyncio.gather(
        client.organization(),
        client.daily_model_usage(start=start, end=end),
        client.daily_model_usage(start=before, end=start),
    )
    reference = (PastPeriod(before, start, sum(r.cost_microdollars for r in previous.days)),)
    founded = organization.created_at.date()
    return DigestData(
        organization_name=organization.name,
        period=DigestPeriod(start, end, zone),
        generated_at=now,
        totals=totals(current.days),
        previous_periods=reference if before >= founded else (),
        active_users=current.active_members,
        seats=None,
        credits=None,
        model_days=model_days(current.days),
        previous_model_days=model_days(previous.days) if before >= founded else (),
        models=(),
    )
