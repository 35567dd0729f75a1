"""The backend's FastAPI app: the routers under /api/v1, the body size limit, the error mapping."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api import credits, invoices, members, organization, subscription, usage
from backend.api.deps import Clock
from backend.api.errors import error_response, install_error_handlers
from kilo_db.engine import writing
from kilo_db.secrets import SecretBox, load_secret_box
from kilo_db.types import utcnow

MAX_BODY_BYTES = 8 * 1024 * 1024


class BodySizeLimit:
    """Refuses request bodies over MAX_BODY_BYTES before they are read (413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                response = error_response(413, "too_large", f"Request bodies are limited to {MAX_BODY_BYTES:,} bytes.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(sessions: sessionmaker[Session], clock: Clock = utcnow, secret_box: SecretBox | None = None) -> FastAPI:
    """The API on a database; secrets at rest use `secret_box`, by default KILO_SECRET_KEY's keys."""
    app = FastAPI(
        title="Kilo for Teams reference backend",
        version="1",
        description="Organization, usage, credits, subscription and billing data. Money is integer microdollars.",
    )
    app.state.sessions = sessions
    app.state.writer_sessions = sessionmaker(writing(sessions.kw["bind"]), expire_on_commit=False)
    app.state.clock = clock
    app.state.secret_box = secret_box or load_secret_box()
    app.add_middleware(BodySizeLimit)
    for router in (
        organization.router,
        members.router,
        usage.router,
        credits.router,
        subscription.router,
        invoices.router,
        organization.whoami_router,
    ):
        app.include_router(router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_error_handlers(app)
    return app
