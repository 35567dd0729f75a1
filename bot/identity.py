"""Who is asking: a Slack user mapped to a Kilo member by the email on their Slack profile."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cachetools import TTLCache
from slack_sdk.web.async_client import AsyncWebClient

from bot.kilo_client import KiloClient
from bot.outbound import AddressPolicy
from bot.shapes import Caller
from bot.store import BotStore, Connection, Profile
from kilo_api.enums import Role

PROFILE_TTL = timedelta(hours=1)
PROFILE_MEMORY_SECONDS = 300
CONNECTION_TTL_SECONDS = 30
UTC_ZONE = ZoneInfo("UTC")


class NotConnected(Exception):
    """The workspace has no Kilo organization to talk to."""


class NoEmail(Exception):
    """Slack did not share the user's email (a bot, a guest, or the users:read.email scope is missing)."""


class NotAMember(Exception):
    def __init__(self, email: str, organization_name: str, owners: list[str]) -> None:
        super().__init__(f"{email} is not a member of {organization_name}")
        self.email, self.organization_name, self.owners = email, organization_name, owners


class ClientPool:
    """One backend client (and its connection pool) per connected organization."""

    def __init__(self, timeout: float, read_cache_seconds: float, policy: AddressPolicy | None = None) -> None:
        self._clients: dict[tuple[str, str], KiloClient] = {}
        self._timeout = timeout
        self._read_cache_seconds = read_cache_seconds
        self.policy = policy or AddressPolicy(allow_local=True)

    def client(self, connection: Connection) -> KiloClient:
        key = (connection.api_url, connection.api_key)
        if key not in self._clients:
            self._clients[key] = KiloClient(
                connection.api_url,
                connection.api_key,
                timeout=self._timeout,
                read_cache_seconds=self._read_cache_seconds,
                transport=self.policy.transport(connection.api_url),
            )
        return self._clients[key]

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients.values()))


class IdentityResolver:
    """Slack user → Kilo member. Connections and profiles are also kept in memory for a short while, so
    a busy workspace does not query the bot's database (nor Slack) on every command."""

    def __init__(
        self, store: BotStore, pool: ClientPool, default: Connection | None = None, *, multi_workspace: bool = False
    ) -> None:
        self.store = store
        self.pool = pool
        # A workspace never sees another's data: the default connection (KILO_API_URL/KILO_API_KEY, or the
        # DEFAULT_TEAM row) belongs to a single-workspace install; with OAuth each workspace connects itself.
        self.multi_workspace = multi_workspace
        self.default = None if multi_workspace else default
        self._connections: TTLCache[str, Connection | None] = TTLCache(maxsize=10_000, ttl=CONNECTION_TTL_SECONDS)
        self._profiles: TTLCache[tuple[str, str], Profile] = TTLCache(maxsize=100_000, ttl=PROFILE_MEMORY_SECONDS)

    async def connection(self, team_id: str) -> Connection:
        if team_id not in self._connections:
            self._connections[team_id] = await self.current_connection(team_id)
        found = self._connections[team_id]
        if found is None:
            raise NotConnected
        return found

    async def current_connection(self, team_id: str) -> Connection | None:
        """The workspace's connection as stored now (not the short-lived copy in memory), or None."""
        stored = await asyncio.to_thread(self.store.connection, team_id, default=not self.multi_workspace)
        return stored or self.default

    async def save_connection(self, connection: Connection, connected_by: str, now: datetime) -> None:
        await asyncio.to_thread(self.store.save_connection, connection, connected_by=connected_by, now=now)
        self._connections.pop(connection.team_id, None)

    async def profile(self, slack: AsyncWebClient, team_id: str, user_id: str, now: datetime) -> Profile:
        remembered = self._profiles.get((team_id, user_id))
        if remembered is not None:
            return remembered
        cached = await asyncio.to_thread(self.store.cached_profile, team_id, user_id, now - PROFILE_TTL)
        if cached is not None:
            self._profiles[(team_id, user_id)] = cached
            return cached
        response = await slack.users_info(user=user_id)
        user = response["user"]
        profile = Profile(
            email=(user.get("profile") or {}).get("email"),
            time_zone=user.get("tz") or "UTC",
            real_name=user.get("real_name") or user.get("name") or user_id,
        )
        await asyncio.to_thread(self.store.save_profile, team_id, user_id, profile, now)
        self._profiles[(team_id, user_id)] = profile
        return profile

    async def resolve(
        self, slack: AsyncWebClient, team_id: str, user_id: str, now: datetime
    ) -> tuple[Caller, KiloClient]:
        client = self.pool.client(await self.connection(team_id))
        profile = await self.profile(slack, team_id, user_id, now)
        if not profile.email:
            raise NoEmail
        member = await client.member_by_email(profile.email)
        organization = await client.organization()
        if member is None:
            owners = await client.members(role=Role.OWNER, limit=5)
            raise NotAMember(profile.email, organization.name, [m.name for m in owners.members])
        return Caller(team_id, user_id, _zone(profile.time_zone), member, organization.name), client


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE
