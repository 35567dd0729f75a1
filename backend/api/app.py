"""The backend's FastAPI app: the routers under /api/v1, the guards in front of them, the error mapping."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from backend.api import credits, invoices, members, organization, subscription, usage
from backend.api.deps import Clock
from backend.api.errors import install_error_handlers, refusals
from backend.api.middleware import BodySizeLimit, RefuseNulCharacter
from kilo_db.engine import writing
from kilo_db.secrets import SecretBox, load_secret_box
from kilo_db.types import utcnow


def create_app(sessions: sessionmaker[Session], clock: Clock = utcnow, secret_box: SecretBox | None = None) -> FastAPI:
    """The API on a database; secrets at rest use `secret_box`, by default KILO_SECRET_KEY's keys."""
    app = FastAPI(
        title="Kilo for Teams reference backend",
        version="1",
        description="Organization, usage, credits, subscription and billing data. Money is integer microdollars. "
        'Every refusal has the same body: {"error": {"code", "message", "details"}}.',
        responses=refusals(400, 413),  # the guards below answer these before any route
    )
    app.state.sessions = sessions
    app.state.writer_sessions = sessionmaker(writing(sessions.kw["bind"]), expire_on_commit=False)
    app.state.clock = clock
    app.state.secret_box = secret_box or load_secret_box()
    app.add_middleware(RefuseNulCharacter)
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
