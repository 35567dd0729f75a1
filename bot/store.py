"""The bot's own state (DATABASE_URL): which organization and API key each workspace is connected to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, String, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from bot.secrets_at_rest import SEALED_LENGTH, SecretBox
from bot.settings import Settings
from kilo_db.engine import make_engine
from kilo_db.types import UTCDateTime

DEFAULT_TEAM = "*"  # single-workspace installs (a plain bot token) use this row


class BotBase(DeclarativeBase):
    pass


# Slack's OAuth tables, defined by slack_sdk, migrated with the bot's own (multi-workspace installs).
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(BotBase.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(BotBase.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(BotBase.metadata, "slack_oauth_states")
# Slack's tokens are kept sealed (bot/secrets_at_rest.py), longer than the 200 characters slack_sdk allows.
SLACK_TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
for _table in (SLACK_INSTALLATIONS, SLACK_BOTS):
    for _name in SLACK_TOKEN_COLUMNS:
        if _name in _table.c:
            _table.c[_name].type = String(SEALED_LENGTH)


class WorkspaceConnection(BotBase):
    __tablename__ = "workspace_connections"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(40))
    api_url: Mapped[str] = mapped_column(String(500))
    # The backend's API key is the bot's credential for that organization, sealed like Slack's bot tokens.
    api_key: Mapped[str] = mapped_column(String(SEALED_LENGTH))
    connected_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime())


WORKSPACE_CONNECTIONS = BotBase.metadata.tables["workspace_connections"]


class SlackProfile(BotBase):
    """What users.info told us about a Slack user, cached so most commands skip that call."""

    __tablename__ = "slack_profiles"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    real_name: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HandledRequest(BotBase):
    """A Slack request one bot process has taken: its event id, or a digest of its signed body."""

    __tablename__ = "handled_requests"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Profile:
    email: str | None
    time_zone: str
    real_name: str


@dataclass(frozen=True)
class Connection:
    team_id: str
    organization_id: str
    api_url: str
    api_key: str


class BotStore:
    def __init__(self, url: str, secrets: SecretBox | None = None) -> None:
        self.engine: Engine = make_engine(url)  # a SQLite file is created 0600
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        if secrets is None:
            setting = Settings().kilo_secret_key
            secrets = SecretBox.from_setting(setting.get_secret_value() if setting else None, url)
        self.secrets = secrets

    def connection(self, team_id: str | None, *, default: bool = True) -> Connection | None:
        """The workspace's own connection, else (when `default`) the one of a single-workspace install."""
        team_id = team_id or ""
        teams = [team_id, DEFAULT_TEAM] if default else [team_id]
        with self.sessions() as session:
            rows = {
                row.team_id: row
                for row in session.scalars(select(WorkspaceConnection).where(WorkspaceConnection.team_id.in_(teams)))
            }
        row = rows.get(team_id) or rows.get(DEFAULT_TEAM)
        if row is None:
            return None
        return Connection(row.team_id, row.organization_id, row.api_url, self.secrets.open(row.api_key))

    def reseal_secrets(self) -> int:
        """Seal what was stored before secrets were sealed, and re-seal with the first of the keys (rotation)."""
        resealed = 0
        with self.engine.begin() as connection:
            for table, key_column, columns in (
                (WORKSPACE_CONNECTIONS, "team_id", ("api_key",)),
                (SLACK_BOTS, "id", ("bot_token", "bot_refresh_token")),
                (SLACK_INSTALLATIONS, "id", SLACK_TOKEN_COLUMNS),
            ):
                for row in connection.execute(select(table)).mappings():
                    changed = {
                        name: self.secrets.seal(self.secrets.open(row[name]))
                        for name in columns
                        if row[name] is not None and self.secrets.needs_resealing(row[name])
                    }
                    if changed:
                        connection.execute(update(table).where(table.c[key_column] == row[key_column]).values(changed))
                        resealed += 1
        return resealed

    def cached_profile(self, team_id: str, user_id: str, not_before: datetime) -> Profile | None:
        with self.sessions() as session:
            row = session.get(SlackProfile, (team_id, user_id))
        if row is None or row.fetched_at < not_before:
            return None
        return Profile(row.email, row.time_zone, row.real_name)

    def save_profile(self, team_id: str, user_id: str, profile: Profile, now: datetime) -> None:
        with self.sessions.begin() as session:
            row = session.get(SlackProfile, (team_id, user_id)) or SlackProfile(team_id=team_id, user_id=user_id)
            row.email, row.time_zone, row.real_name, row.fetched_at = (
                profile.email,
                profile.time_zone,
                profile.real_name,
                now,
            )
            session.add(row)

    def claim_request(self, key: str, now: datetime) -> bool:
        """True for the one caller whose insert of `key` wins, across threads, processes and replicas."""
        insert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        claim = (
            insert(HandledRequest)
            .values(key=key, received_at=now)
            .on_conflict_do_nothing()
            .returning(HandledRequest.key)  # psycopg reports no rowcount for ON CONFLICT DO NOTHING
        )
        with self.engine.begin() as connection:
            return connection.execute(claim).scalar_one_or_none() is not None

    def forget_requests(self, received_before: datetime) -> int:
        with self.engine.begin() as connection:
            deleted = connection.execute(delete(HandledRequest).where(HandledRequest.received_at < received_before))
            return deleted.rowcount

    def save_connection(self, connection: Connection, *, connected_by: str | None, now: datetime) -> None:
        with self.sessions.begin() as session:
            row = session.get(WorkspaceConnection, connection.team_id) or WorkspaceConnection(
                team_id=connection.team_id
            )
            row.organization_id = connection.organization_id
            row.api_url = connection.api_url
            row.api_key = self.secrets.seal(connection.api_key)
            row.connected_by = connected_by
            row.connected_at = now
            session.add(row)
