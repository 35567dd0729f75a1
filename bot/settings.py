"""Settings from environment variables (and a .env file), read once at start-up."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
EMBEDDED_BACKEND_HOST = "127.0.0.1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = Field(default=None, description="xapp- token: enables Socket Mode")
    slack_signing_secret: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL

    kilo_api_url: str | None = Field(default=None, description="unset: the embedded reference backend")
    kilo_api_key: SecretStr | None = None
    kilo_api_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    kilo_read_cache_seconds: float = Field(default=5.0, ge=0, le=300, description="0 turns read caching off")
    # Kept so existing environments still load: seat requests now expire in the tick (KILO_TICK_SECONDS).
    seat_request_sweep_seconds: float = Field(default=300, gt=0, description="unused: expiry runs in the tick")
    embedded_backend_port: int = Field(default=8765, ge=1, le=65535)
    kilo_connect_allow_local: bool = Field(
        default=False, description="/kilo connect may use http:// and loopback or private addresses (local runs, tests)"
    )

    kilo_secret_key: SecretStr | None = Field(
        default=None, description="Fernet keys, comma-separated, first encrypts: secrets in the bot database"
    )

    kilo_scheduler_enabled: bool = Field(
        default=True, description="tick every minute: digests, alerts, seat request expiry"
    )
    kilo_tick_seconds: float = Field(default=60.0, ge=1, le=3600, description="how often the tick runs")
    kilo_digest_grace_hours: float = Field(default=6.0, ge=0, le=168, description="how late a missed digest is sent")

    database_url: str = "sqlite:///var/kilo-bot.sqlite3"
    backend_database_url: str = "sqlite:///var/kilo-backend.sqlite3"

    @property
    def uses_embedded_backend(self) -> bool:
        return not self.kilo_api_url

    @cached_property
    def backend_url(self) -> str:
        """Where the bot reaches the backend: KILO_API_URL, or the embedded one on loopback."""
        return (self.kilo_api_url or f"http://{EMBEDDED_BACKEND_HOST}:{self.embedded_backend_port}").rstrip("/")

    @property
    def trusted_backend_urls(self) -> frozenset[str]:
        """Backends whoever runs the bot chose (KILO_API_URL, or the embedded one): reachable however local."""
        return frozenset({self.backend_url})

    @property
    def slack_api_base(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None and self.slack_bot_token is not None
