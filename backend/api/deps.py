"""What every endpoint depends on: the caller's organization (from the API key), the acting member
(X-Kilo-Actor), database transactions and the clock — as typing.Annotated dependencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from backend.api.errors import ApiError
from backend.models import Member, Subscription
from backend.services import access, organizations, subscriptions
from backend.services.errors import NotFound
from kilo_db.secrets import SecretBox

ORGANIZATION_PATH = "/api/v1/organizations/{organization_id}"
Clock = Callable[[], datetime]


class Context:
    """One request's view of the backend: the database, the clock, the caller's organization and actor."""

    def __init__(self, request: Request, organization_id: str, actor: str | None) -> None:
        self.request = request
        self.organization_id = organization_id
        self.actor_ref = actor
        self.readers: sessionmaker[Session] = request.app.state.sessions
        self.writers: sessionmaker[Session] = request.app.state.writer_sessions
        self.now: datetime = request.app.state.clock()
        self.secret_box: SecretBox = request.app.state.secret_box

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """write=False for pure reads, which then never wait for a writer (SQLite WAL)."""
        with (self.writers if write else self.readers).begin() as session:
            yield session

    def actor(self, session: Session) -> Member | None:
        return access.find_actor(session, self.organization_id, self.actor_ref)

    def subscription(self, session: Session, *, renew: bool = True) -> Subscription | None:
        """The subscription, renewed up to now (which writes: renew only in a write transaction)."""
        subscription = subscriptions.find_subscription(session, self.organization_id)
        if subscription is None or not renew:
            return subscription
        return subscriptions.roll_forward(session, subscription, self.now)

    def required_subscription(self, session: Session) -> Subscription:
        subscription = self.subscription(session)
        if subscription is None:
            raise NotFound("This organization has no subscription.")
        return subscription


def bearer_organization(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The organization whose API key is in `Authorization: Bearer <key>`."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "Send the organization's API key as 'Authorization: Bearer <key>'.")
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        organization_id = organizations.organization_for_key(session, authorization[7:].strip())
    if organization_id is None:
        raise ApiError(401, "unauthorized", "The API key is wrong or was revoked.")
    return organization_id


KeyOrganization = Annotated[str, Depends(bearer_organization)]


def context(
    request: Request,
    organization_id: str,
    key_organization: KeyOrganization,
    x_kilo_actor: Annotated[str | None, Header(max_length=320)] = None,
) -> Context:
    if key_organization != organization_id:
        # Another organization's ids look exactly like ids that do not exist.
        raise NotFound("No such organization.")
    return Context(request, organization_id, x_kilo_actor)


Ctx = Annotated[Context, Depends(context)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
