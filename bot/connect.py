"""Connecting a Slack workspace to a Kilo organization: who may, and checking the URL and key work."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pydantic
from slack_sdk.web.async_client import AsyncWebClient

from bot import kilo_client
from bot.dashboard import AccessDenied
from bot.identity import IdentityResolver, NoEmail
from bot.interaction import ConnectForm, StaleInteraction
from bot.outbound import AddressPolicy
from bot.payloads import SlackIds
from bot.shapes import CurrentConnection
from bot.store import Connection
from kilo_api import schemas
from kilo_api.enums import Role

MAX_URL_LENGTH = 500
MAX_KEY_LENGTH = 200
CHECK_TIMEOUT_SECONDS = 2.0  # the modal's answer must reach Slack within 3 s
CHECK_TOTAL_SECONDS = 2.5


class ConnectRefused(Exception):
    """A field of the connect form is wrong; shown next to that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


async def check_may_connect(
    identity: IdentityResolver, slack: AsyncWebClient, asker: SlackIds, now: datetime
) -> CurrentConnection:
    """Who may open the form: an Owner of the connected organization or a Slack workspace admin; before the
    first connection, a Slack workspace admin. Checked again, with fresh data, when the form is submitted."""
    connection = await identity.current_connection(asker.team_id)
    if await is_slack_admin(slack, asker.user_id):
        name = (await identity.pool.client(connection).organization()).name if connection else None
        return CurrentConnection(connection.organization_id or None if connection else None, _url(connection), name)
    if connection is None:
        raise AccessDenied("connect this workspace to Kilo the first time", [], who="Slack workspace admins")
    caller, client = await identity.resolve(slack, asker.team_id, asker.user_id, now)
    if caller.member.role is not Role.OWNER:
        owners = await client.members(role=Role.OWNER, limit=3)
        raise AccessDenied("change this workspace's Kilo connection", [m.name for m in owners.members], who="Owners")
    return CurrentConnection(connection.organization_id or None, connection.api_url, caller.organization_name)


def _url(connection: Connection | None) -> str | None:
    return connection.api_url if connection else None


async def is_slack_admin(slack: AsyncWebClient, user_id: str) -> bool:
    """Asked of Slack each time (never cached): a demoted admin must not keep the right."""
    user = (await slack.users_info(user=user_id))["user"]
    return bool(user.get("is_admin") or user.get("is_owner"))


async def connect(
    identity: IdentityResolver,
    slack: AsyncWebClient,
    asker: SlackIds,
    form: ConnectForm,
    *,
    api_url: str,
    api_key: str,
    now: datetime,
) -> str:
    """Check the person may change this workspace's connection and owns the target organization, and that
    the backend answers with this key; save; the organization's name."""
    if form.team_id != asker.team_id:
        raise StaleInteraction(form.noun, form.rerun)
    api_url, api_key = api_url.strip().rstrip("/"), api_key.strip()
    if not api_url.startswith(("https://", "http://")) or len(api_url) > MAX_URL_LENGTH:
        raise ConnectRefused("url", "Give the backend's address, starting with https://")
    if not api_key or len(api_key) > MAX_KEY_LENGTH or any(c.isspace() for c in api_key):
        raise ConnectRefused("key", "Paste the organization's API key (one word, no spaces).")
    policy = identity.pool.policy
    refusal = await policy.check(api_url)
    if refusal:
        raise ConnectRefused("url", refusal)
    current = await identity.current_connection(asker.team_id)
    if (current.organization_id or None if current else None) != form.organization_id:
        raise StaleInteraction(form.noun, form.rerun)  # someone else changed it since this form was opened
    profile = await identity.profile(slack, asker.team_id, asker.user_id, now)
    if not profile.email:
        raise NoEmail
    # Both sides are asked at once (Slack wants the answer within 3 s); the target's refusal is told first.
    try:
        async with asyncio.timeout(CHECK_TOTAL_SECONDS):
            target, authority = await asyncio.gather(
                _target(api_url, api_key, profile.email, policy),
                _check_may_change(slack, asker, current, profile.email, policy),
                return_exceptions=True,
            )
    except TimeoutError:
        raise ConnectRefused("url", "No Kilo backend answered in time at this address.") from None
    if isinstance(target, BaseException):
        raise target
    organization, member = target
    if member is None or member.role is not Role.OWNER:
        raise ConnectRefused("key", f"Only an Owner of {organization.name} can connect it; {profile.email} is not one.")
    if isinstance(authority, BaseException):
        raise authority
    await identity.save_connection(Connection(asker.team_id, organization.id, api_url, api_key), asker.user_id, now)
    return organization.name


async def _target(
    api_url: str, api_key: str, email: str, policy: AddressPolicy
) -> tuple[schemas.OrganizationOut, schemas.MemberOut | None]:
    async with _checking_client(api_url, api_key, policy) as client:
        try:
            return await client.organization(), await client.member_by_email(email)
        except kilo_client.Forbidden as exc:
            raise ConnectRefused("key", "Kilo did not accept this API key.") from exc
        except (kilo_client.KiloError, pydantic.ValidationError) as exc:  # pydantic: not a Kilo answer at all
            raise ConnectRefused("url", "No Kilo backend answered at this address.") from exc


async def _check_may_change(
    slack: AsyncWebClient, asker: SlackIds, current: Connection | None, email: str, policy: AddressPolicy
) -> None:
    """At submission, from fresh data: roles may have changed since the form was opened."""
    if await is_slack_admin(slack, asker.user_id):
        return
    if current is None:
        raise ConnectRefused("key", "Only a Slack workspace admin can connect this workspace the first time.")
    async with _checking_client(current.api_url, current.api_key, policy) as client:
        try:
            organization, member = await client.organization(), await client.member_by_email(email)
        except (kilo_client.KiloError, pydantic.ValidationError) as exc:
            raise ConnectRefused(
                "key",
                "I can't reach the organization connected now to check you are one of its Owners; "
                "a Slack workspace admin can change the connection.",
            ) from exc
    if member is None or member.role is not Role.OWNER:
        raise ConnectRefused(
            "key",
            f"Only an Owner of {organization.name} (connected now) or a Slack workspace admin can change it; "
            f"{email} is not one.",
        )


def _checking_client(api_url: str, api_key: str, policy: AddressPolicy) -> kilo_client.KiloClient:
    return kilo_client.KiloClient(
        api_url,
        api_key,
        timeout=CHECK_TIMEOUT_SECONDS,
        max_attempts=1,
        read_cache_seconds=0,
        transport=policy.transport(api_url),
    )
