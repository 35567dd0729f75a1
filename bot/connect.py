"""Connecting a Slack workspace to a Kilo organization: who may, and checking the URL and key work."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot import kilo_client
from bot.dashboard import AccessDenied
from bot.identity import IdentityResolver, NoEmail, NotConnected
from bot.interaction import ConnectForm, StaleInteraction
from bot.payloads import SlackIds
from bot.shapes import CurrentConnection
from bot.store import Connection
from kilo_api.enums import Role

MAX_URL_LENGTH = 500
MAX_KEY_LENGTH = 200
CHECK_TIMEOUT_SECONDS = 2.0  # the modal's answer must reach Slack within 3 s


class ConnectRefused(Exception):
    """A field of the connect form is wrong; shown next to that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


async def check_may_connect(
    identity: IdentityResolver, slack: AsyncWebClient, asker: SlackIds, now: datetime
) -> CurrentConnection:
    """An Owner of the connected organization may change it; before the first connection, a Slack admin."""
    try:
        connection = await identity.connection(asker.team_id)
    except NotConnected:
        user = (await slack.users_info(user=asker.user_id))["user"]
        if not (user.get("is_admin") or user.get("is_owner")):
            raise AccessDenied(
                "connect this workspace to Kilo the first time", [], who="Slack workspace admins"
            ) from None
        return CurrentConnection(None, None, None)
    caller, client = await identity.resolve(slack, asker.team_id, asker.user_id, now)
    if caller.member.role is not Role.OWNER:
        owners = await client.members(role=Role.OWNER, limit=3)
        raise AccessDenied("change this workspace's Kilo connection", [m.name for m in owners.members], who="Owners")
    return CurrentConnection(connection.organization_id or None, connection.api_url, caller.organization_name)


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
    """Check the backend answers with this key and the person is an Owner there; save; the org's name."""
    if form.team_id != asker.team_id:
        raise StaleInteraction(form.noun, form.rerun)
    api_url, api_key = api_url.strip().rstrip("/"), api_key.strip()
    if not api_url.startswith(("https://", "http://")) or len(api_url) > MAX_URL_LENGTH:
        raise ConnectRefused("url", "Give the backend's address, starting with https://")
    if not api_key or len(api_key) > MAX_KEY_LENGTH or any(c.isspace() for c in api_key):
        raise ConnectRefused("key", "Paste the organization's API key (one word, no spaces).")
    profile = await identity.profile(slack, asker.team_id, asker.user_id, now)
    if not profile.email:
        raise NoEmail
    async with kilo_client.KiloClient(
        api_url, api_key, timeout=CHECK_TIMEOUT_SECONDS, max_attempts=1, read_cache_seconds=0
    ) as client:
        try:
            organization = await client.organization()
            member = await client.member_by_email(profile.email)
        except kilo_client.Forbidden as exc:
            raise ConnectRefused("key", "Kilo did not accept this API key.") from exc
        except (kilo_client.BackendUnavailable, kilo_client.NotFound, kilo_client.ValidationFailed) as exc:
            raise ConnectRefused("url", "No Kilo backend answered at this address.") from exc
    if member is None or member.role is not Role.OWNER:
        raise ConnectRefused("key", f"Only an Owner of {organization.name} can connect it; {profile.email} is not one.")
    await identity.save_connection(Connection(asker.team_id, organization.id, api_url, api_key), asker.user_id, now)
    return organization.name
