"""The backend's JSON API under /api/v1: one router per resource, bearer API keys per organization."""

from backend.api.app import create_app
from backend.api.middleware import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "create_app"]
