"""Helpers the test packages share: reading an answer that must succeed, and starting `kilo-bot` processes."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import httpx

from kilo_db.secrets import SECRET_KEY_VARIABLE

KILO_BOT = str(Path(sys.executable).with_name("kilo-bot"))


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have the given status (the body is shown when it has not)."""
    assert response.status_code == status, response.text
    return response.json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_environment() -> dict[str, str]:
    """The environment for a `kilo-bot` process a test starts: this one without the developer's Slack and Kilo
    settings (each test adds its own), but with the test run's secret key, so no process writes var/."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith(("SLACK_", "KILO_"))}
    return {**kept, SECRET_KEY_VARIABLE: os.environ[SECRET_KEY_VARIABLE]}
