"""Secrets the bot keeps in its database (each workspace's backend API key; Slack's bot, user and refresh
tokens) are encrypted with KILO_SECRET_KEY: Fernet keys, comma-separated; the first encrypts, every one
decrypts, so a key is rotated by putting a new one first and dropping the old once the bot has started
with both (it re-encrypts every secret with the first key at start). Unset in a local run, a key is
generated into kilo-secret.key next to the SQLite database (or var/), 0600, and logged (kilo_db.secrets).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from kilo_db import secrets as kilo_secrets
from kilo_db.engine import sqlite_path

FERNET_TOKEN_PREFIX = "gAAAAA"  # version byte 0x80 and a timestamp, base64: every Fernet token starts so
SEALED_LENGTH = 1000  # a 200-character key or token takes 356 characters sealed


class SecretKeyMismatch(kilo_secrets.SecretKeyError):
    """A stored secret was sealed with a key KILO_SECRET_KEY no longer holds."""


class SecretBox:
    """kilo_db's SecretBox for the bot's columns: values stored before sealing existed still read."""

    def __init__(self, keys: Sequence[str] | kilo_secrets.SecretBox) -> None:
        self._box = keys if isinstance(keys, kilo_secrets.SecretBox) else kilo_secrets.secret_box(keys)

    @classmethod
    def from_setting(cls, setting: str | None, database_url: str) -> SecretBox:
        """KILO_SECRET_KEY's keys; unset, the local key file beside the SQLite database (or in var/)."""
        if setting and setting.strip():
            return cls(setting)  # "key1,key2" is split by kilo_db
        path = sqlite_path(database_url)
        directory = path.parent if path is not None else kilo_secrets.LOCAL_KEY_PATH.parent
        return cls(kilo_secrets.load_secret_box({}, directory / kilo_secrets.LOCAL_KEY_PATH.name))

    def seal(self, secret: str) -> str:
        return self._box.encrypt(secret)

    def open(self, stored: str) -> str:
        """The secret; a value from before secrets were sealed is returned as it is (and resealed at start)."""
        if not stored.startswith(FERNET_TOKEN_PREFIX):
            return stored
        try:
            return self._box.decrypt(stored)
        except kilo_secrets.SecretKeyError:
            raise SecretKeyMismatch(
                "a secret in the bot database was encrypted with a key KILO_SECRET_KEY does not hold; "
                "put the old key back after the new one"
            ) from None

    def needs_resealing(self, stored: str) -> bool:
        """Plaintext from before sealing, or sealed with a key that is no longer the first."""
        return not (stored.startswith(FERNET_TOKEN_PREFIX) and self._box.is_current(stored))


class SealedString(TypeDecorator[str]):
    """A string column whose values are sealed on the way in and opened on the way out."""

    impl = String(SEALED_LENGTH)
    cache_ok = True

    def __init__(self, box: SecretBox) -> None:
        super().__init__()
        self.box = box

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.box.seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.box.open(str(value))
