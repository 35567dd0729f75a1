"""Secrets the bot keeps in its database (each workspace's backend API key; Slack's bot, user and refresh
tokens) are encrypted with KILO_SECRET_KEY: Fernet keys, comma-separated; the first encrypts, every one
decrypts, so a key is rotated by putting a new one first and dropping the old once the bot has started
with both (it re-encrypts every secret with the first key at start). Unset in a local run, a key is
generated into a file next to the SQLite database (or var/), readable by its owner only, and logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "kilo-secret.key"
LOCAL_KEY_DIRECTORY = Path("var")
FERNET_TOKEN_PREFIX = "gAAAAA"  # version byte 0x80 and a timestamp, base64: every Fernet token starts so
SEALED_LENGTH = 1000  # a 200-character key or token takes 356 characters sealed


class SecretKeyMismatch(RuntimeError):
    """A stored secret was sealed with a key KILO_SECRET_KEY no longer holds."""


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("KILO_SECRET_KEY holds no key")
        self._primary = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_setting(cls, setting: str | None, database_url: str) -> SecretBox:
        if setting and setting.strip():
            return cls([key.strip() for key in setting.split(",") if key.strip()])
        return cls([_local_key(_key_directory(database_url))])

    def seal(self, secret: str) -> str:
        return self._all.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret; a value from before secrets were sealed is returned as it is (and resealed at start)."""
        try:
            return self._all.decrypt(stored.encode()).decode()
        except InvalidToken:
            if stored.startswith(FERNET_TOKEN_PREFIX):
                raise SecretKeyMismatch(
                    "a secret in the bot database was encrypted with a key KILO_SECRET_KEY does not hold; "
                    "put the old key back after the new one"
                ) from None
            return stored

    def needs_resealing(self, stored: str) -> bool:
        """Plaintext from before sealing, or sealed with a key that is no longer the first."""
        try:
            self._primary.decrypt(stored.encode())
        except InvalidToken:
            return True
        return False


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


def sqlite_path(database_url: str) -> Path | None:
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def private_sqlite_file(database_url: str) -> None:
    """A SQLite database (and its WAL files) readable and writable by its owner only, created so if new."""
    path = sqlite_path(database_url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)


def _key_directory(database_url: str) -> Path:
    path = sqlite_path(database_url)
    return path.parent if path is not None else LOCAL_KEY_DIRECTORY


def _local_key(directory: Path) -> str:
    key_file = directory / KEY_FILE_NAME
    directory.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            key = key_file.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{key_file} is empty; delete it or set KILO_SECRET_KEY") from None
    with os.fdopen(descriptor, "w") as written:
        written.write(Fernet.generate_key().decode())
    logger.warning(
        "KILO_SECRET_KEY is not set: secrets in the bot database are encrypted with a key generated into %s. "
        "Set KILO_SECRET_KEY (and keep it) for anything but a local run.",
        key_file,
    )
    return key_file.read_text().strip()
