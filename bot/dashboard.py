"""What each /kilo answer and the Home tab show, gathered from the backend with access rules applied.

Plain data in, plain data out: handlers turn it into Block Kit with bot.views.
"""

from __future__ import annotations

import asyncio

from bot.kilo_client import KiloClient
from bot.periods import PeriodChoice
from bot.shapes import BillingOverview, Caller, HomeData
from kilo_api import schemas
from kilo_api.enums import Role

MEMBERS_PAGE_SIZE = 20


class AccessDenied(Exception):
    """The caller's role does not allow this; says who may, and who can help."""

    def __init__(self, action: str, helpers: list[str], who: str = "Owners and Admins") -> None:
        super().__init__(f"Only {who} can {action}.")
        self.sentence, self.helpers = f"Only {who} can {action}.", helpers


class Dashboard:
    def __init__(self, client: KiloClient, caller: Caller) -> None:
        self.client = client
        self.caller = caller

    async def _managers(self) -> list[str]:
        owners, admins = await asyncio.gather(
            self.client.members(role=Role.OWNER, limit=3), self.client.members(role=Role.ADMIN, limit=3)
        )
        return [m.name for m in owners.members + admins.members]

    async def require_manager(self, action: str) -> None:
        if not self.caller.is_manager:
            raise AccessDenied(action, await self._managers())

    async def usage(self, period: PeriodChoice) -> schemas.UsageSummaryOut:
        return await self.client.usage_summary(period=period.name, start=period.start, end=period.end)

    async def usage_by_member(self, period: PeriodChoice) -> schemas.MemberUsagePageOut:
        await self.require_manager("see usage per person")
        return await self.client.usage_by_member(
            self.caller.actor, period=period.name, start=period.start, end=period.end
        )

    async def my_usage(self, period: PeriodChoice) -> schemas.MyUsageOut:
        return await self.client.usage_of_member(
            self.caller.actor,
            self.caller.member.id,
            period=period.name,
            start=period.start,
            end=period.end,
        )

    async def organization(self) -> schemas.OrganizationOut:
        return await self.client.organization()

    async def members(self, role: Role | None, query: str | None, offset: int) -> schemas.MemberPageOut:
        return await self.client.members(role=role, query=query, limit=MEMBERS_PAGE_SIZE, offset=offset)

    async def billing(self) -> BillingOverview:
        await self.require_manager("see billing")
        credits, invoices, method, history, organization = await asyncio.gather(
            self.client.credits(limit=5),
            self.client.invoices(limit=5),
            self.client.payment_method(),
            self.client.purchase_history(limit=8),
            self.client.organization(),
        )
        return BillingOverview(credits, invoices, method, history, organization.purchase_url)

    async def subscription(self) -> schemas.SubscriptionOut:
        await self.require_manager("see the subscription and seats")
        return await self.client.subscription()

    async def home(self) -> HomeData:
        """Everyone sees the team's totals and their own usage; money and people only for managers."""
        organization, summary, mine = await asyncio.gather(
            self.client.organization(),
            self.client.usage_summary(),
            self.client.usage_of_member(self.caller.actor, self.caller.member.id),
        )
        if not self.caller.is_manager:
            return HomeData(organization, summary, mine, None, None, None)
        credits, subscription, top = await asyncio.gather(
            self.client.credits(limit=1),
            self.client.subscription(),
            self.client.usage_by_member(self.caller.actor),
        )
        return HomeData(organization, summary, mine, credits, subscription, top)
