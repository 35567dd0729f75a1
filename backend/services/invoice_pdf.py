"""Invoice documents as real PDF files (fpdf2), and signed download links for them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from fpdf import FPDF
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.models import InstanceSecret, Invoice, Organization
from kilo_api.billing_days import billing_day, billing_days
from kilo_api.money import format_usd
from kilo_db.secrets import SecretBox

LINK_SECRET_NAME = "invoice_link_secret"


def render_invoice_pdf(organization: Organization, invoice: Invoice) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # WinAnsi: the en dash of a day range
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author("Kilo for Teams")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "Kilo for Teams", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, f"Invoice {invoice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Billed to: {organization.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        7,
        f"Period: {billing_days(invoice.period_start, invoice.period_end)} (UTC days)",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        0,
        7,
        f"Issued: {billing_day(invoice.created_at)}   Status: {invoice.status.value}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    with pdf.table(col_widths=(90, 20, 40, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(["Description", "Qty", "Unit price", "Amount"])
        for line in invoice.lines:
            table.row(
                [
                    line.description,
                    str(line.quantity),
                    format_usd(line.unit_amount_microdollars),
                    format_usd(line.amount_microdollars),
                ]
            )
        table.row(["Total", "", "", format_usd(invoice.total_microdollars)])
    return bytes(pdf.output())


def _link_secret(session: Session, box: SecretBox) -> bytes:
    """The instance's signing secret, created once (insert-if-absent: concurrent first requests agree on
    one), stored encrypted, and re-encrypted with the current key after a key rotation."""
    stored = session.get(InstanceSecret, LINK_SECRET_NAME)
    if stored is None:
        upsert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
        session.execute(
            upsert(InstanceSecret)
            .values(name=LINK_SECRET_NAME, value=box.encrypt(secrets.token_hex(32)))
            .on_conflict_do_nothing(index_elements=["name"])
        )
        stored = session.get(InstanceSecret, LINK_SECRET_NAME, populate_existing=True)
        assert stored is not None
    if not box.is_current(stored.value):
        stored.value = box.rotate(stored.value)
    return box.decrypt(stored.value).encode()


def _signature(secret: bytes, invoice_id: str, expires: int) -> str:
    return hmac.new(secret, f"{invoice_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def sign_download(session: Session, box: SecretBox, invoice_id: str, expires_at: datetime) -> str:
    """A query string that lets a browser fetch the PDF without the API key, until it expires."""
    expires = int(expires_at.timestamp())
    return f"expires={expires}&signature={_signature(_link_secret(session, box), invoice_id, expires)}"


def verify_download(
    session: Session, box: SecretBox, invoice_id: str, expires: int, signature: str, now: datetime
) -> bool:
    if expires < now.timestamp():
        return False
    expected = _signature(_link_secret(session, box), invoice_id, expires)
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a mismatch).
    return hmac.compare_digest(expected.encode(), signature.encode())
