"""Invoices (with signed PDF download links), payments and the payment method on file."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from backend.api.deps import (
    ORGANIZATION_PATH,
    ORGANIZATION_REFUSALS,
    Context,
    Ctx,
    Limit,
    Offset,
    OptionalApiKey,
    organization_for_key,
)
from backend.api.errors import ApiError, refusals, unauthorized
from backend.models import Invoice
from backend.services import invoice_pdf, invoices, organizations
from backend.services.errors import NotFound
from kilo_api import schemas

router = APIRouter(prefix=ORGANIZATION_PATH, responses=ORGANIZATION_REFUSALS)
DOWNLOAD_LINK_VALIDITY = timedelta(days=7)


def _invoice_out(session: Session, ctx: Context, invoice: Invoice) -> schemas.InvoiceOut:
    out = schemas.InvoiceOut.model_validate(invoice)
    query = invoice_pdf.sign_download(session, ctx.secret_box, invoice.id, ctx.now + DOWNLOAD_LINK_VALIDITY)
    base = str(ctx.request.base_url).rstrip("/")
    out.download_url = f"{base}/api/v1/organizations/{ctx.organization_id}/invoices/{invoice.id}/pdf?{query}"
    return out


@router.get("/invoices", response_model=list[schemas.InvoiceOut], responses=refusals(409))
def list_invoices(ctx: Ctx, limit: Limit = 20, offset: Offset = 0) -> list[schemas.InvoiceOut]:
    with ctx.transaction() as session:
        found = invoices.list_invoices(session, ctx.organization_id, limit=limit, offset=offset)
        return [_invoice_out(session, ctx, invoice) for invoice in found]


@router.get("/invoices/{invoice_id}", response_model=schemas.InvoiceOut, responses=refusals(409))
def get_invoice(ctx: Ctx, invoice_id: str) -> schemas.InvoiceOut:
    with ctx.transaction() as session:
        return _invoice_out(session, ctx, invoices.get_invoice(session, ctx.organization_id, invoice_id))


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **refusals(403)},
    openapi_extra={"security": [{}]},  # or no key at all, with the signed link's expires and signature
)
def invoice_pdf_download(
    request: Request,
    organization_id: str,
    invoice_id: str,
    expires: Annotated[int | None, Query(ge=0, le=2**40)] = None,
    signature: Annotated[str | None, Query(max_length=64)] = None,
    key: OptionalApiKey = None,
) -> Response:
    """The invoice as a PDF: with the API key, or with the signed link from the invoice's download_url."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as session:
        if expires is not None and signature is not None:
            box = request.app.state.secret_box
            if not invoice_pdf.verify_download(session, box, invoice_id, expires, signature, request.app.state.clock()):
                raise ApiError(403, "link_expired", "This download link is invalid or has expired.")
        elif key is None:
            raise unauthorized()
        elif organization_for_key(request, key) != organization_id:
            raise NotFound("No such invoice.")
        invoice = invoices.get_invoice(session, organization_id, invoice_id)
        document = invoice_pdf.render_invoice_pdf(organizations.get_organization(session, organization_id), invoice)
    return Response(
        content=document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )


@router.get("/payments", response_model=list[schemas.PaymentOut])
def list_payments(ctx: Ctx, limit: Limit = 20, offset: Offset = 0) -> list[schemas.PaymentOut]:
    with ctx.transaction(write=False) as session:
        payments = invoices.list_payments(session, ctx.organization_id, limit=limit, offset=offset)
        return [schemas.PaymentOut.model_validate(p) for p in payments]


@router.get("/payment-method", response_model=schemas.PaymentMethodOut)
def payment_method(ctx: Ctx) -> schemas.PaymentMethodOut:
    with ctx.transaction(write=False) as session:
        card = invoices.primary_payment_method(session, ctx.organization_id)
        if card is None:
            raise NotFound("No payment method on file.")
        return schemas.PaymentMethodOut.model_validate(card)
