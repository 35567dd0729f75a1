"""What every endpoint depends on: the caller's organization (from the API key), the acting member
(X-Kilo-Actor), database transactions and the clock — as typing.Annotated dependencies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Security
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from sqlalchemy.orm import Session, sessionmaker

from backend.api.errors import refusals, unauthorized
from backend.models import Member, Subscription
from backend.services import access, audit, organizations, subscriptions
from backend.services.errors import NotFound
from kilo_db.secrets import SecretBox

ORGANIZATION_PATH = "/api/v1/organizations/{organization_id}"
# Every organization route may answer these (the key, another organization's id, a bad parameter, the database).
ORGANIZATION_REFUSALS = refusals(401, 404, 422, 503)
Clock = Callable[[], datetime]


class Context:
    """One request's view of the backend: the database, the clock, the caller's organization and actor."""

    def __init__(self, request: Request, organization_id: str, actor: str | None, client: str | None = None) -> None:
        self.request = request
        self.organization_id = organization_id
        self.actor_ref = actor
        self.client = client
        self.readers: sessionmaker[Session] = request.app.state.sessions
        self.writers: sessionmaker[Session] = request.app.state.writer_sessions
        self.now: datetime = request.app.state.clock()
        self.secret_box: SecretBox = request.app.state.secret_box

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """write=False for pure reads, which then never wait for a writer (SQLite WAL)."""
        with (self.writers if write else self.readers).begin() as session:
            audit.made_by(session, self.client)
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


# RFC 9110 §11.1: the scheme is case-insensitive. RFC 6750 §2.1: one space, then the token (b64token).
# Anything else (other schemes, no or two spaces, a tab, trailing text) is refused the same way.
BEARER_CREDENTIALS = re.compile(r"(?i:bearer) ([A-Za-z0-9\-._~+/]+=*)")


class OrganizationApiKey(SecurityBase):
    """The organization's API key from `Authorization: Bearer <key>`, declared in the OpenAPI document as the
    `ApiKey` bearer scheme. With required=False a missing header gives None (a malformed one is still refused)."""

    def __init__(self, *, required: bool = True) -> None:
        self.model = HTTPBearerModel(
            description="The organization's API key: `Authorization: Bearer <key>` (the scheme in any case, one "
            "space). It is organization-wide trust: whoever holds it may act as any member via X-Kilo-Actor."
        )
        self.scheme_name = "ApiKey"
        self.required = required

    def __call__(self, request: Request) -> str | None:
        header = request.headers.get("Authorization")
        if header is None and not self.required:
            return None
        match = BEARER_CREDENTIALS.fullmatch(header or "")
        if match is None:
            raise unauthorized()
        return match.group(1)


def organization_for_key(request: Request, key: str) -> str:
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        organization_id = organizations.organization_for_key(session, key)
    if organization_id is None:
        raise unauthorized("The API key is wrong or was revoked.")
    return organization_id


def bearer_organization(request: Request, key: Annotated[str, Security(OrganizationApiKey())]) -> str:
    """The organization whose API key is in `Authorization: Bearer <key>`."""
    return organization_for_key(request, key)


KeyOrganization = Annotated[str, Depends(bearer_organization)]
OptionalApiKey = Annotated[str | None, Security(OrganizationApiKey(required=False))]
ACTOR_DESCRIPTION = (
    "Email or member id of the member on whose behalf the request is made; routes that change or reveal "
    "more than the team's figures check their role. Whoever holds the API key may name any member."
)


CLIENT_DESCRIPTION = (
    "Name of the program making the request (the Slack app sends `kilo-bot`); each change is recorded in the audit "
    "log with it (`client`), or with `api` when the request names none. A name, not a credential."
)
CLIENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"


def context(
    request: Request,
    organization_id: str,
    key_organization: KeyOrganization,
    x_kilo_actor: Annotated[
        str | None, Header(alias="X-Kilo-Actor", max_length=320, description=ACTOR_DESCRIPTION)
    ] = None,
    x_kilo_client: Annotated[
        str | None,
        Header(alias="X-Kilo-Client", max_length=64, pattern=CLIENT_PATTERN, description=CLIENT_DESCRIPTION),
    ] = None,
) -> Context:
    if key_organization != organization_id:
        # Another organization's ids look exactly like ids that do not exist.
        raise NotFound("No such organization.")
    return Context(request, organization_id, x_kilo_actor, x_kilo_client)


Ctx = Annotated[Context, Depends(context)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
