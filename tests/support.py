"""Helpers shared by the test packages: reading an answer that must succeed."""

from __future__ import annotations

from typing import Any

import httpx


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have the given status (the body is shown when it has not)."""
    assert response.status_code == status, response.text
    return response.json()
