"""The backend's JSON API under /api/v1 (FastAPI): bearer API keys per organization, typed errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.models import CreditKind, Member, MemberStatus, Role, Subscription
from backend.services import access, audit, billing, invoice_pdf, members, organizations, usage
from backend.services.errors import DomainError, Forbidden, Invalid, NotFound
from backend.timeutil import utcnow
from kilo_api import schemas
from kilo_db.engine import writing

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 8 * 1024 * 1024
Clock = Callable[[], datetime]


class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message


def _error(status_code: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    body = schemas.ErrorOut(error=schemas.ErrorBody(code=code, message=message, details=details))
    return JSONResponse(status_code=status_code, content=body.model_dump(mode="json", exclude_none=True))


class BodySizeLimit:
    """Refuses request bodies over MAX_BODY_BYTES before they are read (413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                response = _error(413, "too_large", f"Request bodies are limited to {MAX_BODY_BYTES:,} bytes.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --- request context ---------------------------------------------------------------------------


class Context:
    """What every endpoint needs: the database, the clock, the caller's organization and actor."""

    def __init__(self, request: Request, organization_id: str, actor: str | None) -> None:
        self.request = request
        self.organization_id = organization_id
        self.actor_ref = actor
        self.readers: sessionmaker[Session] = request.app.state.sessions
        self.writers: sessionmaker[Session] = request.app.state.writer_sessions
        self.now: datetime = request.app.state.clock()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """write=False for pure reads, which then never wait for a writer (SQLite WAL)."""
        with (self.writers if write else self.readers).begin() as session:
            yield session

    def actor(self, session: Session) -> Member | None:
        return access.find_actor(session, self.organization_id, self.actor_ref)


def _bearer_organization(request: Request, authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "Send the organization's API key as 'Authorization: Bearer <key>'.")
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        organization_id = organizations.organization_for_key(session, authorization[7:].strip())
    if organization_id is None:
        raise ApiError(401, "unauthorized", "The API key is wrong or was revoked.")
    return organization_id


def context(
    request: Request,
    organization_id: str,
    authorization: Annotated[str | None, Header()] = None,
    x_kilo_actor: Annotated[str | None, Header(max_length=320)] = None,
) -> Context:
    if _bearer_organization(request, authorization) != organization_id:
        # Another organization's ids look exactly like ids that do not exist.
        raise NotFound("No such organization.")
    return Context(request, organization_id, x_kilo_actor)


Ctx = Annotated[Context, Depends(context)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


# --- helpers shared by several endpoints -------------------------------------------------------


def _organization_out(session: Session, ctx: Context) -> schemas.OrganizationOut:
    organization = organizations.get_organization(session, ctx.organization_id)
    subscription = _subscription(session, ctx, renew=False)  # a renewal keeps the seat count
    used = organizations.seats_used(session, ctx.organization_id, ctx.now)
    total = subscription.seat_count if subscription else 0
    return schemas.OrganizationOut(
        id=organization.id,
        name=organization.name,
        plan=organization.plan,
        created_at=organization.created_at,
        seats=schemas.SeatUsageOut(used=used, total=total, available=max(0, total - used)),
        members_by_role=organizations.members_by_role(session, ctx.organization_id, ctx.now),
        policies=schemas.PoliciesOut(
            code_training_opt_out=organization.code_training_opt_out,
            usage_analytics_enabled=organization.usage_analytics_enabled,
        ),
        purchase_url=organization.purchase_url,
    )


def _subscription(session: Session, ctx: Context, *, renew: bool = True) -> Subscription | None:
    """The subscription, renewed up to now (which writes: only in a write transaction)."""
    try:
        subscription = billing.get_subscription(session, ctx.organization_id)
    except NotFound:
        return None
    return billing.roll_forward(session, subscription, ctx.now) if renew else subscription


def _required_subscription(session: Session, ctx: Context) -> Subscription:
    subscription = _subscription(session, ctx)
    if subscription is None:
        raise NotFound("This organization has no subscription.")
    return subscription


def _subscription_out(session: Session, ctx: Context, subscription: Subscription) -> schemas.SubscriptionOut:
    charge = billing.next_charge(session, subscription)
    return schemas.SubscriptionOut(
        id=subscription.id,
        plan=subscription.plan,
        status=subscription.status.value,
        billing_cycle=subscription.billing_cycle,
        next_billing_cycle=subscription.next_billing_cycle,
        seat_count=subscription.seat_count,
        seats_used=organizations.seats_used(session, ctx.organization_id, ctx.now),
        price_per_seat_microdollars=subscription.price_per_seat_microdollars,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        auto_renew=subscription.auto_renew,
        cancel_effective_at=subscription.cancel_effective_at,
        next_charge_at=charge.date,
        next_charge_microdollars=charge.amount_microdollars,
        seat_history=[
            schemas.SeatChangeOut.model_validate(change)
            for change in billing.seat_history(session, ctx.organization_id, limit=20)
        ],
    )


def _invoice_out(session: Session, ctx: Context, invoice: Any) -> schemas.InvoiceOut:
    out = schemas.InvoiceOut.model_validate(invoice)
    query = invoice_pdf.sign_download(session, invoice.id, ctx.now + timedelta(days=7))
    base = str(ctx.request.base_url).rstrip("/")
    out.download_url = f"{base}/api/v1/organizations/{ctx.organization_id}/invoices/{invoice.id}/pdf?{query}"
    return out


PeriodName = Literal["current", "7d", "30d", "90d", "this-month", "last-month"]


def _period(
    session: Session, ctx: Context, period: PeriodName | None, start: date | None, end: date | None
) -> usage.Period:
    """An explicit [start, end) wins; otherwise a named period; by default the current billing period."""
    today = ctx.now.date()
    if start or end:
        if not (start and end):
            raise Invalid("Give both start and end (end is exclusive), or neither.")
        return usage.check_period(usage.Period(start, end))
    tomorrow = today + timedelta(days=1)
    if period in ("7d", "30d", "90d"):
        return usage.Period(tomorrow - timedelta(days=int(period[:-1])), tomorrow)
    if period == "this-month":
        first = today.replace(day=1)
        return usage.Period(first, (first + timedelta(days=32)).replace(day=1))
    if period == "last-month":
        first = today.replace(day=1)
        return usage.Period((first - timedelta(days=1)).replace(day=1), first)
    period_start, period_end = billing.billing_period(_subscription(session, ctx, renew=False), ctx.now)
    return usage.Period(period_start.date(), period_end.date())


# --- routes ------------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/organizations/{organization_id}")


@router.get("", response_model=schemas.OrganizationOut)
def get_organization(ctx: Ctx) -> schemas.OrganizationOut:
    with ctx.transaction(write=False) as session:
        return _organization_out(session, ctx)


@router.patch("/policies", response_model=schemas.PoliciesOut)
def change_policies(ctx: Ctx, body: schemas.PolicyPatchIn) -> schemas.PoliciesOut:
    with ctx.transaction() as session:
        actor = access.require_manager(ctx.actor(session))
        organization = organizations.change_policies(
            session,
            organizations.get_organization(session, ctx.organization_id),
            organizations.PolicyChange(body.code_training_opt_out, body.usage_analytics_enabled),
            actor,
            ctx.now,
        )
        return schemas.PoliciesOut.model_validate(organization)


@router.get("/audit-log", response_model=list[schemas.AuditEntryOut])
def audit_log(ctx: Ctx, limit: Limit = 50, offset: Offset = 0) -> list[schemas.AuditEntryOut]:
    with ctx.transaction(write=False) as session:
        access.require_manager(ctx.actor(session))
        entries = audit.list_entries(session, ctx.organization_id, limit=limit, offset=offset)
        return [schemas.AuditEntryOut.model_validate(entry) for entry in entries]


@router.get("/members", response_model=schemas.MemberPageOut)
def list_members(
    ctx: Ctx,
    role: Role | None = None,
    status: MemberStatus | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.MemberPageOut:
    with ctx.transaction(write=False) as session:
        page = members.list_members(
            session,
            ctx.organization_id,
            now=ctx.now,
            role=role,
            status=status,
            query=q,
            email=email,
            limit=limit,
            offset=offset,
        )
        return schemas.MemberPageOut(
            members=[schemas.MemberOut.model_validate(m) for m in page.members],
            total=page.total,
            limit=limit,
            offset=offset,
        )


@router.post("/members", response_model=schemas.MemberOut, status_code=201)
def invite_member(ctx: Ctx, body: schemas.InviteIn) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.invite_member(
            session,
            organization_id=ctx.organization_id,
            subscription=_required_subscription(session, ctx),
            email=str(body.email),
            name=body.name,
            role=body.role,
            actor=ctx.actor(session),
            now=ctx.now,
        )
        return schemas.MemberOut.model_validate(member)


@router.get("/members/{member_id}", response_model=schemas.MemberOut)
def get_member(ctx: Ctx, member_id: str) -> schemas.MemberOut:
    with ctx.transaction(write=False) as session:
        return schemas.MemberOut.model_validate(members.get_member(session, ctx.organization_id, member_id))


@router.patch("/members/{member_id}", response_model=schemas.MemberOut)
def change_member(ctx: Ctx, member_id: str, body: schemas.MemberPatchIn) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.get_member(session, ctx.organization_id, member_id)
        actor = ctx.actor(session)
        if body.role is not None:
            members.change_role(session, member, body.role, actor, ctx.now)
        if body.clear_daily_limit or body.daily_limit_microdollars is not None:
            limit = None if body.clear_daily_limit else body.daily_limit_microdollars
            members.change_daily_limit(session, member, limit, actor, ctx.now)
        return schemas.MemberOut.model_validate(member)


@router.delete("/members/{member_id}", response_model=schemas.MemberOut)
def remove_member(ctx: Ctx, member_id: str) -> schemas.MemberOut:
    with ctx.transaction() as session:
        member = members.get_member(session, ctx.organization_id, member_id)
        members.remove_member(session, member, ctx.actor(session), ctx.now)
        return schemas.MemberOut.model_validate(member)


@router.post("/usage/events", response_model=schemas.IngestOut)
def ingest_usage(ctx: Ctx, body: schemas.UsageBatchIn) -> schemas.IngestOut:
    # Concurrent batches with the same event ids are safe: ON CONFLICT DO NOTHING counts them as resent.
    with ctx.transaction() as session:
        result = usage.ingest(session, ctx.organization_id, body.events, ctx.now)
    return schemas.IngestOut(accepted=result.accepted, duplicates=result.duplicates)


@router.get("/usage/summary", response_model=schemas.UsageSummaryOut)
def usage_summary(
    ctx: Ctx, period: PeriodName | None = None, start: date | None = None, end: date | None = None
) -> schemas.UsageSummaryOut:
    with ctx.transaction(write=False) as session:
        return usage.summary(session, ctx.organization_id, _period(session, ctx, period, start, end), ctx.now.date())


@router.get("/usage/members", response_model=schemas.MemberUsagePageOut)
def usage_by_member(
    ctx: Ctx, period: PeriodName | None = None, start: date | None = None, end: date | None = None
) -> schemas.MemberUsagePageOut:
    with ctx.transaction(write=False) as session:
        access.require_manager(ctx.actor(session))
        chosen = _period(session, ctx, period, start, end)
        return usage.member_usage(session, ctx.organization_id, chosen, ctx.now.date())


@router.get("/usage/members/{member_id}", response_model=schemas.MyUsageOut)
def usage_of_member(
    ctx: Ctx,
    member_id: str,
    period: PeriodName | None = None,
    start: date | None = None,
    end: date | None = None,
) -> schemas.MyUsageOut:
    with ctx.transaction(write=False) as session:
        actor = access.require_actor(ctx.actor(session))
        member = members.get_member(session, ctx.organization_id, member_id)
        if member.id != actor.id and actor.role not in access.MANAGER_ROLES:
            raise Forbidden("Members can see their own usage only; Owners and Admins can see everyone's.")
        chosen = _period(session, ctx, period, start, end)
        return usage.my_usage(session, ctx.organization_id, member.id, chosen, ctx.now.date())


@router.get("/credits", response_model=schemas.CreditsOut)
def credits(ctx: Ctx, kind: CreditKind | None = None, limit: Limit = 50, offset: Offset = 0) -> schemas.CreditsOut:
    with ctx.transaction(write=False) as session:
        entries = billing.ledger(
            session, ctx.organization_id, kinds=[kind] if kind else None, limit=limit, offset=offset
        )
        return schemas.CreditsOut(
            balance_microdollars=billing.credit_balance(session, ctx.organization_id),
            entries=[schemas.CreditEntryOut.model_validate(e) for e in entries],
        )


@router.post("/credits/purchases", response_model=schemas.CreditEntryOut, status_code=201)
def purchase_credits(ctx: Ctx, body: schemas.CreditPurchaseIn) -> schemas.CreditEntryOut:
    with ctx.transaction() as session:
        entry = billing.purchase_credits(
            session,
            organization_id=ctx.organization_id,
            amount_microdollars=body.amount_microdollars,
            actor=access.require_manager(ctx.actor(session)),
            now=ctx.now,
            idempotency_key=body.idempotency_key,
        )
        return schemas.CreditEntryOut.model_validate(entry)


@router.get("/billing/history", response_model=list[schemas.HistoryEntryOut])
def purchase_history(ctx: Ctx, limit: Limit = 20) -> list[schemas.HistoryEntryOut]:
    with ctx.transaction(write=False) as session:
        return billing.purchase_history(session, ctx.organization_id, limit=limit)


@router.get("/subscription", response_model=schemas.SubscriptionOut)
def get_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        return _subscription_out(session, ctx, _required_subscription(session, ctx))


@router.patch("/subscription", response_model=schemas.SubscriptionOut)
def change_subscription(ctx: Ctx, body: schemas.SubscriptionPatchIn) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_manager(ctx.actor(session))
        subscription = _required_subscription(session, ctx)
        if body.billing_cycle is not None:
            billing.change_billing_cycle(session, subscription, body.billing_cycle, actor, ctx.now)
        return _subscription_out(session, ctx, subscription)


@router.post("/subscription/seats/preview", response_model=schemas.SeatQuoteOut)
def preview_seats(ctx: Ctx, body: schemas.SeatPreviewIn) -> schemas.SeatQuoteOut:
    with ctx.transaction() as session:
        access.require_manager(ctx.actor(session))
        return billing.quote_seat_change(session, _required_subscription(session, ctx), body.seats, ctx.now)


@router.post("/subscription/seats", response_model=schemas.SeatChangeOut)
def change_seats(ctx: Ctx, body: schemas.SeatChangeIn) -> schemas.SeatChangeOut:
    with ctx.transaction() as session:
        change = billing.change_seats(
            session,
            _required_subscription(session, ctx),
            new_seats=body.seats,
            actor=access.require_manager(ctx.actor(session)),
            now=ctx.now,
            idempotency_key=body.idempotency_key,
        )
        return schemas.SeatChangeOut.model_validate(change)


@router.post("/subscription/cancel", response_model=schemas.SubscriptionOut)
def cancel_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_owner(ctx.actor(session))
        subscription = billing.cancel(session, _required_subscription(session, ctx), actor, ctx.now)
        return _subscription_out(session, ctx, subscription)


@router.post("/subscription/resume", response_model=schemas.SubscriptionOut)
def resume_subscription(ctx: Ctx) -> schemas.SubscriptionOut:
    with ctx.transaction() as session:
        actor = access.require_owner(ctx.actor(session))
        subscription = billing.resume(session, _required_subscription(session, ctx), actor, ctx.now)
        return _subscription_out(session, ctx, subscription)


@router.get("/invoices", response_model=list[schemas.InvoiceOut])
def list_invoices(ctx: Ctx, limit: Limit = 20, offset: Offset = 0) -> list[schemas.InvoiceOut]:
    with ctx.transaction() as session:
        invoices = billing.list_invoices(session, ctx.organization_id, limit=limit, offset=offset)
        return [_invoice_out(session, ctx, invoice) for invoice in invoices]


@router.get("/invoices/{invoice_id}", response_model=schemas.InvoiceOut)
def get_invoice(ctx: Ctx, invoice_id: str) -> schemas.InvoiceOut:
    with ctx.transaction() as session:
        return _invoice_out(session, ctx, billing.get_invoice(session, ctx.organization_id, invoice_id))


@router.get("/payments", response_model=list[schemas.PaymentOut])
def list_payments(ctx: Ctx, limit: Limit = 20, offset: Offset = 0) -> list[schemas.PaymentOut]:
    with ctx.transaction(write=False) as session:
        payments = billing.list_payments(session, ctx.organization_id, limit=limit, offset=offset)
        return [schemas.PaymentOut.model_validate(p) for p in payments]


@router.get("/payment-method", response_model=schemas.PaymentMethodOut)
def payment_method(ctx: Ctx) -> schemas.PaymentMethodOut:
    with ctx.transaction(write=False) as session:
        card = billing.primary_payment_method(session, ctx.organization_id)
        if card is None:
            raise NotFound("No payment method on file.")
        return schemas.PaymentMethodOut.model_validate(card)


downloads = APIRouter()


@downloads.get("/api/v1/whoami", response_model=schemas.WhoAmIOut)
def whoami(request: Request, authorization: Annotated[str | None, Header()] = None) -> schemas.WhoAmIOut:
    """Which organization this API key belongs to: lets a client start from a URL and a key alone."""
    organization_id = _bearer_organization(request, authorization)
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        organization = organizations.get_organization(session, organization_id)
        return schemas.WhoAmIOut(organization_id=organization.id, organization_name=organization.name)


@downloads.get(
    "/api/v1/organizations/{organization_id}/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def invoice_pdf_download(
    request: Request,
    organization_id: str,
    invoice_id: str,
    expires: Annotated[int | None, Query(ge=0, le=2**40)] = None,
    signature: Annotated[str | None, Query(max_length=64)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """The invoice as a PDF: with the API key, or with the signed link from the invoice's download_url."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as session:
        if expires is not None and signature is not None:
            if not invoice_pdf.verify_download(session, invoice_id, expires, signature, request.app.state.clock()):
                raise ApiError(403, "link_expired", "This download link is invalid or has expired.")
        elif _bearer_organization(request, authorization) != organization_id:
            raise NotFound("No such invoice.")
        invoice = billing.get_invoice(session, organization_id, invoice_id)
        document = invoice_pdf.render_invoice_pdf(organizations.get_organization(session, organization_id), invoice)
    return Response(
        content=document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )


# --- the app -----------------------------------------------------------------------------------


def create_app(sessions: sessionmaker[Session], clock: Clock = utcnow) -> FastAPI:
    app = FastAPI(
        title="Kilo for Teams reference backend",
        version="1",
        description="Organization, usage, credits, subscription and billing data. Money is integer microdollars.",
    )
    app.state.sessions = sessions
    app.state.writer_sessions = sessionmaker(writing(sessions.kw["bind"]), expire_on_commit=False)
    app.state.clock = clock
    app.add_middleware(BodySizeLimit)
    app.include_router(router)
    app.include_router(downloads)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()[:20]
        ]
        first = details[0] if details else {"location": "body", "message": "invalid"}
        return _error(422, "invalid", f"{first['location']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return _error(409, "conflict", "The change conflicts with data stored at the same time; try again.")

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, _exc: OperationalError) -> JSONResponse:
        return _error(503, "unavailable", "The database is busy or unreachable; try again shortly.")

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return _error(500, "internal", "Something went wrong on the backend; it was logged.")

    return app
