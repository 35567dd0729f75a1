"""Secrets at rest (API keys, tokens, signing secrets): Fernet encryption with keys from KILO_SECRET_KEY.

KILO_SECRET_KEY holds one urlsafe-base64 Fernet key, or several separated by commas for rotation: the
first encrypts, every one decrypts. To rotate, put a new key first and keep the old ones after it until
every stored value has been re-encrypted (`SecretBox.rotate`), then drop them. Without the variable (local
runs), a key is generated once into var/kilo-secret.key (mode 0600) and the log says so.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SECRET_KEY_VARIABLE = "KILO_SECRET_KEY"
LOCAL_KEY_PATH = Path("var") / "kilo-secret.key"

logger = logging.getLogger(__name__)


class SecretKeyError(ValueError):
    """A key that is not a Fernet key, or a stored value that none of the keys can open."""


@dataclass(frozen=True)
class SecretBox:
    """Encrypts with the first key, decrypts with any of them."""

    keys: tuple[Fernet, ...]

    @property
    def _all(self) -> MultiFernet:
        return MultiFernet(list(self.keys))

    def encrypt(self, plaintext: str) -> str:
        return self.keys[0].encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError(f"A stored secret cannot be decrypted with {SECRET_KEY_VARIABLE}'s keys.") from exc

    def is_current(self, token: str) -> bool:
        """Whether the value is encrypted with the first (current) key: if not, `rotate` it."""
        try:
            self.keys[0].decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same secret, encrypted with the current key (keeps its original timestamp)."""
        try:
            return self._all.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError(f"A stored secret cannot be decrypted with {SECRET_KEY_VARIABLE}'s keys.") from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()


def secret_box(keys: str | Sequence[str]) -> SecretBox:
    """A box from "key1,key2,…" (current first) or a list of keys."""
    parts = [k.strip() for k in (keys.split(",") if isinstance(keys, str) else keys) if k.strip()]
    if not parts:
        raise SecretKeyError(f"{SECRET_KEY_VARIABLE} holds no key.")
    try:
        return SecretBox(tuple(Fernet(part) for part in parts))
    except ValueError as exc:
        raise SecretKeyError(
            f"{SECRET_KEY_VARIABLE} must be urlsafe-base64 Fernet keys (32 bytes each), separated by commas; "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from exc


def load_secret_box(environ: Mapping[str, str] | None = None, local_key_path: Path = LOCAL_KEY_PATH) -> SecretBox:
    """The keys from KILO_SECRET_KEY; when unset, the local key file (created 0600 on first use)."""
    configured = (os.environ if environ is None else environ).get(SECRET_KEY_VARIABLE, "").strip()
    if configured:
        return secret_box(configured)
    if not local_key_path.exists() and _create_key_file(local_key_path):
        logger.warning(
            "%s is not set: generated a key for secrets at rest in %s (mode 0600). "
            "Set %s in production (README, Settings) and keep it: the stored secrets need it.",
            SECRET_KEY_VARIABLE,
            local_key_path,
            SECRET_KEY_VARIABLE,
        )
    logger.info("%s is not set: secrets at rest use the local key in %s.", SECRET_KEY_VARIABLE, local_key_path)
    return secret_box(local_key_path.read_text())


def _create_key_file(path: Path) -> bool:
    """Write a new key to `path` (0600) unless another process got there first; True when this one did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(generate_key() + "\n")
    try:
        os.link(draft, path)  # appears whole or not at all, and never replaces another process's key
    except FileExistsError:
        return False
    finally:
        draft.unlink()
    return True
