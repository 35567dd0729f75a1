"""What Owners and Admins can change from Slack, as plain calls on the backend (nothing here knows Slack).

Each change re-reads what it needs and re-checks who is asking; the backend checks the role again on every
write. Prices, roles and names are never taken from what Slack sends back, only ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot import kilo_client
from bot.admin_shapes import (
    AuditLine,
    CancelTerms,
    CreditsBought,
    CreditTerms,
    CycleChanged,
    CycleTerms,
    Invited,
    InviteTerms,
    MemberChanged,
    MemberTarget,
    PoliciesChanged,
    PolicyChoice,
    Removed,
)
from bot.dashboard import AccessDenied, Dashboard
from bot.interaction import StaleInteraction
from bot.kilo_client import KiloClient
from bot.seats import SeatMode, SeatPlan, plan_from_quote, target_seats
from bot.shapes import Caller
from kilo_api import schemas
from kilo_api.enums import AuditAction, BillingCycle, MemberStatus, Role

MEMBER_ACTIONS = frozenset(
    {
        AuditAction.MEMBER_INVITE,
        AuditAction.MEMBER_ACCEPT_INVITE,
        AuditAction.MEMBER_REMOVE,
        AuditAction.MEMBER_CHANGE_ROLE,
        AuditAction.MEMBER_CHANGE_LIMIT,
    }
)


class ActionRefused(Exception):
    """The change cannot be made as things stand; says why and what to do instead."""

    def __init__(self, sentence: str, hint: str = "Nothing was changed.") -> None:
        super().__init__(sentence)
        self.sentence, self.hint = sentence, hint


class SeatsFull(Exception):
    """Every seat is taken: an invitation needs a seat added first."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InviteRefused(Exception):
    """This invitation cannot be made by this person (`field`: the email or the role); nothing was charged."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class PriceChanged(Exception):
    """The price of a seat is not the one the person was shown: show the new one instead of charging."""

    def __init__(self, plan: SeatPlan) -> None:
        super().__init__("the price changed since it was shown")
        self.plan = plan


@dataclass(frozen=True)
class SeatInviteTerms:
    """What adding one seat for an invitation costs now, and which roles this person may invite."""

    organization_name: str
    plan: SeatPlan
    may_invite_owner: bool


@dataclass(frozen=True)
class SeatAndInvite:
    """A seat added for an invitation, and the invitation, or why it failed after the seat was added."""

    change: schemas.SeatChangeOut
    email: str
    role: Role
    member: schemas.MemberOut | None
    seats: schemas.SeatUsageOut | None
    invite_error: Exception | None = None

    @property
    def seats_before(self) -> int:
        return self.change.seats_after - self.change.delta


class NameMismatch(Exception):
    """The typed confirmation is not the organization's name."""

    def __init__(self, expected: str) -> None:
        super().__init__(f"That isn't the organization's name; type “{expected}” to cancel.")
        self.expected = expected


class AdminActions:
    def __init__(self, client: KiloClient, caller: Caller, organization_id: str) -> None:
        self.client = client
        self.caller = caller
        self.organization_id = organization_id
        self._dashboard = Dashboard(client, caller)

    @property
    def actor(self) -> str:
        return self.caller.actor

    def check_organization(self, organization_id: str, *, noun: str, rerun: str) -> None:
        """A button or form made for another organization than this workspace's (reconnected, or forged)."""
        if organization_id != self.organization_id:
            raise StaleInteraction(noun, rerun)

    async def require_manager(self, action: str) -> None:
        await self._dashboard.require_manager(action)

    async def require_owner(self, action: str) -> None:
        if self.caller.member.role is not Role.OWNER:
            owners = await self.client.members(role=Role.OWNER, limit=3)
            raise AccessDenied(action, [m.name for m in owners.members], who="Owners")

    # --- invitations ---------------------------------------------------------------------------

    async def invite_terms(self) -> InviteTerms:
        """Everyone may open the invite form; a Member is told who can invite (and offered a seat request)."""
        organization = await self.client.organization()
        managers = [] if self.caller.is_manager else await self._managers()
        return InviteTerms(
            organization_name=organization.name,
            seats=organization.seats,
            may_invite=self.caller.is_manager,
            may_invite_owner=self.caller.member.role is Role.OWNER,
            managers=managers,
        )

    async def invite(self, email: str, role: Role) -> Invited:
        await self.require_manager("invite people")
        try:
            member = await self.client.invite_member(self.actor, email, role)
        except kilo_client.Conflict as conflict:
            if conflict.code == "seat_limit_reached":
                raise SeatsFull(conflict.message) from conflict
            raise
        organization = await self.client.organization()
        return Invited(member, organization.seats)

    async def seat_invite_terms(self) -> SeatInviteTerms:
        await self.require_manager("add seats")
        return SeatInviteTerms(
            self.caller.organization_name, await self.seat_plan(1), self.caller.member.role is Role.OWNER
        )

    async def seat_plan(self, seats: int) -> SeatPlan:
        """Adding `seats` as the backend quotes it now (the add-seats modal's own plan and fingerprint)."""
        subscription = await self.client.subscription()
        target = target_seats(SeatMode.ADD, seats, subscription)
        return plan_from_quote(SeatMode.ADD, subscription, await self.client.preview_seats(self.actor, target))

    async def check_invitable(self, email: str, role: Role, now: datetime) -> None:
        """Refuse before charging for a seat the invitation could not use."""
        if role is Role.OWNER and self.caller.member.role is not Role.OWNER:
            raise InviteRefused("role", "Only Owners can invite another Owner.")
        found = (await self.client.members(email=email, limit=1)).members
        existing = found[0] if found else None
        if existing is None:
            return
        if existing.status is MemberStatus.ACTIVE:
            raise InviteRefused("email", f"{existing.email} is already a member; no seat is needed.")
        if existing.status is MemberStatus.INVITED and (existing.invite_expires_at or now) > now:
            raise InviteRefused("email", f"{existing.email} is already invited and holds a seat.")

    async def add_seat_and_invite(
        self,
        email: str,
        role: Role,
        shown_fingerprint: str | None,
        key: Callable[[int], str],
        now: datetime,
        *,
        resumed_target: int | None = None,
        before_charge: Callable[[int], Awaitable[None]] | None = None,
    ) -> SeatAndInvite:
        """One seat added (once per `key`) at the price shown, then the invitation. A failed invitation
        after the seat was added is returned, not raised: the seat is paid for and stays.

        `before_charge(new_seats)` is awaited just before the charge; `resumed_target` is what an earlier
        attempt at this form passed it before its process died. If the seats stand at that target, that
        attempt's charge is asked for again (same key, same target: Kilo answers with the earlier change and
        charges nothing) and its invitation is finished, instead of quoting an 11th seat as a new price."""
        await self.require_manager("add seats")
        if resumed_target is not None:
            earlier = await self._earlier_seat_change(resumed_target, key)
            if earlier is not None:
                return await self._invite_on(earlier, email, role, now, resumed=True)
        await self.check_invitable(email, role, now)
        plan = await self.seat_plan(1)
        if plan.fingerprint != shown_fingerprint:
            raise PriceChanged(plan)
        if before_charge is not None:
            await before_charge(plan.new_seats)
        change = await self.client.change_seats(self.actor, plan.new_seats, key(plan.new_seats))
        return await self._invite_on(change, email, role, now, resumed=False)

    async def _earlier_seat_change(self, target: int, key: Callable[[int], str]) -> schemas.SeatChangeOut | None:
        """The change an interrupted attempt made, if the seats are where it was taking them; None: it did not
        charge (the seats are still below), or other changes came since (then the price is shown again)."""
        if (await self.client.subscription()).seat_count != target:
            return None
        try:
            return await self.client.change_seats(self.actor, target, key(target))
        except kilo_client.ValidationFailed:  # "already has N seats": another change reached it, not that attempt
            return None

    async def _invite_on(
        self, change: schemas.SeatChangeOut, email: str, role: Role, now: datetime, *, resumed: bool
    ) -> SeatAndInvite:
        try:
            # an interrupted attempt may have sent the invitation already: it is the one this seat is for
            member = await self._live_invitation(email, now) if resumed else None
            member = member or await self.client.invite_member(self.actor, email, role)
        except kilo_client.KiloError as error:
            return SeatAndInvite(change, email, role, None, None, error)
        organization = await self.client.organization()
        return SeatAndInvite(change, email, role, member, organization.seats)

    async def _live_invitation(self, email: str, now: datetime) -> schemas.MemberOut | None:
        found = (await self.client.members(email=email, status=MemberStatus.INVITED, limit=1)).members
        if found and (found[0].invite_expires_at or now) > now:
            return found[0]
        return None

    # --- members ---------------------------------------------------------------------------------

    async def member_target(self, member_id: str) -> MemberTarget:
        await self.require_manager("change members")
        member = await self.client.member(member_id)
        if member.status is MemberStatus.REMOVED:
            raise ActionRefused(f"{member.name} ({member.email}) was removed from the organization.")
        spend_today = 0
        if member.status is MemberStatus.ACTIVE:
            usage = await self.client.usage_of_member(self.actor, member.id)
            spend_today = usage.member.spend_today_microdollars
        return MemberTarget(member, self.caller.member.role is Role.OWNER, spend_today)

    async def change_role(self, member_id: str, role: Role) -> MemberChanged:
        target = await self.member_target(member_id)
        after = await self.client.change_member(self.actor, member_id, role=role)
        return MemberChanged(target.member, after)

    async def set_daily_limit(self, member_id: str, limit_microdollars: int | None) -> MemberChanged:
        target = await self.member_target(member_id)
        if limit_microdollars == target.member.daily_limit_microdollars:
            return MemberChanged(target.member, target.member)  # nothing to change, nothing to audit
        if limit_microdollars is None:
            after = await self.client.change_member(self.actor, member_id, clear_daily_limit=True)
        else:
            after = await self.client.change_member(self.actor, member_id, daily_limit_microdollars=limit_microdollars)
        return MemberChanged(target.member, after)

    async def remove(self, member_id: str) -> Removed:
        target = await self.member_target(member_id)
        await self.client.remove_member(self.actor, member_id)
        organization = await self.client.organization()
        return Removed(target.member, organization.seats)

    # --- policies --------------------------------------------------------------------------------

    async def policies(self) -> schemas.PoliciesOut:
        await self.require_manager("change data-collection policies")
        return (await self.client.organization()).policies

    async def change_policies(self, shown: PolicyChoice, chosen: PolicyChoice) -> PoliciesChanged:
        """PATCH only what this person changed in the form, and only where it differs from now: a policy
        someone else changed meanwhile, and this person left alone, stays as they set it."""
        current = await self.policies()
        changes = {
            name: getattr(chosen, name)
            for name in ("code_training_opt_out", "usage_analytics_enabled")
            if getattr(chosen, name) != getattr(shown, name) and getattr(chosen, name) != getattr(current, name)
        }
        after = await self.client.change_policies(self.actor, **changes) if changes else current
        return PoliciesChanged(current, after, tuple(changes))

    # --- subscription ----------------------------------------------------------------------------

    async def cycle_terms(self) -> CycleTerms:
        await self.require_manager("change the billing cycle")
        subscription = await self.client.subscription()
        monthly, yearly = await asyncio.gather(
            self.client.preview_billing_cycle(self.actor, BillingCycle.MONTHLY),
            self.client.preview_billing_cycle(self.actor, BillingCycle.YEARLY),
        )
        return CycleTerms(subscription, {BillingCycle.MONTHLY: monthly, BillingCycle.YEARLY: yearly})

    async def change_cycle(self, cycle: BillingCycle) -> CycleChanged:
        await self.require_manager("change the billing cycle")
        subscription = await self.client.subscription()
        before = subscription.next_billing_cycle or subscription.billing_cycle
        if before is not cycle:
            subscription = await self.client.change_billing_cycle(self.actor, cycle)
        return CycleChanged(before, subscription, await self.client.preview_billing_cycle(self.actor, cycle))

    async def cancel_terms(self) -> CancelTerms:
        await self.require_owner("cancel the subscription")
        subscription, credits = await asyncio.gather(self.client.subscription(), self.client.credits(limit=1))
        if subscription.status != "active":
            raise ActionRefused(
                "The subscription is already set to end."
                if subscription.status == "pending_cancel"
                else "The subscription has ended.",
                "`/kilo subscription` shows when; `/kilo subscription resume` keeps it until then.",
            )
        return CancelTerms(self.caller.organization_name, subscription, credits.balance_microdollars)

    async def cancel(self, typed_name: str) -> schemas.SubscriptionOut:
        await self.require_owner("cancel the subscription")
        name = (await self.client.organization()).name
        if " ".join(typed_name.split()).casefold() != " ".join(name.split()).casefold():
            raise NameMismatch(name)
        try:
            return await self.client.cancel_subscription(self.actor)
        except kilo_client.Conflict:
            subscription = await self.client.subscription()
            if subscription.status == "pending_cancel":  # a double submit, or another Owner just now
                return subscription
            raise

    async def resume(self) -> schemas.SubscriptionOut:
        await self.require_owner("resume the subscription")
        try:
            return await self.client.resume_subscription(self.actor)
        except kilo_client.Conflict:
            subscription = await self.client.subscription()
            if subscription.status == "active":  # resumed already: by a double click, or another Owner
                return subscription
            raise

    # --- credits ---------------------------------------------------------------------------------

    async def credit_terms(self) -> CreditTerms:
        await self.require_manager("buy credits")
        credits, method, organization = await asyncio.gather(
            self.client.credits(limit=1), self.client.payment_method(), self.client.organization()
        )
        return CreditTerms(credits.balance_microdollars, method, organization.purchase_url)

    async def buy_credits(self, amount_microdollars: int, idempotency_key: str) -> CreditsBought:
        await self.require_manager("buy credits")
        entry = await self.client.purchase_credits(self.actor, amount_microdollars, idempotency_key)
        credits, method = await asyncio.gather(self.client.credits(limit=1), self.client.payment_method())
        return CreditsBought(entry, credits.balance_microdollars, method)

    # --- audit -----------------------------------------------------------------------------------

    async def audit(self, limit: int) -> list[AuditLine]:
        await self.require_manager("read the audit log")
        entries = await self.client.audit_log(self.actor, limit=limit)
        people = {e.actor_member_id for e in entries if e.actor_member_id}
        people |= {e.target for e in entries if e.action in MEMBER_ACTIONS}
        names = dict(zip(people, await asyncio.gather(*(self._name(p) for p in people)), strict=True))
        return [
            AuditLine(
                at=entry.created_at,
                actor=names.get(entry.actor_member_id or "") if entry.actor_member_id else None,
                action=entry.action,
                target=names.get(entry.target, entry.target),
                before=entry.before,
                after=entry.after,
                client=entry.client,
            )
            for entry in entries
        ]

    async def _name(self, member_id: str) -> str:
        try:
            member = await self.client.member(member_id)
        except kilo_client.NotFound:
            return member_id
        return member.name

    async def _managers(self) -> list[str]:
        owners, admins = await asyncio.gather(
            self.client.members(role=Role.OWNER, limit=3), self.client.members(role=Role.ADMIN, limit=3)
        )
        return [m.name for m in owners.members + admins.members]
