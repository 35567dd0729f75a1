"""The demo organization is deterministic and believable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from backend.db import make_engine, make_session_factory
from backend.demo import DemoSpec, seed_demo
from backend.migrate import upgrade
from backend.models import MemberStatus, Role
from backend.services import credits, invoices, members
from backend.services.usage_queries import Period, summary
from kilo_api.schemas import UsageSummaryOut

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


def seeded(path: Path) -> tuple[str, UsageSummaryOut, list[tuple[str, str, str]], int, int]:
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    demo = seed_demo(sessions, DemoSpec(events=4_000), NOW)
    with sessions() as session:
        page = members.list_members(session, demo.organization_id, now=NOW, limit=200)
        people = sorted((m.email, m.role.value, m.status.value) for m in page.members)
        figures = summary(session, demo.organization_id, Period(NOW.date().replace(day=1), NOW.date()), NOW)
        invoice_count = len(invoices.list_invoices(session, demo.organization_id, limit=100, offset=0))
        balance = credits.credit_balance(session, demo.organization_id)
    engine.dispose()
    return demo.organization_id, figures, people, invoice_count, balance


def test_same_spec_and_time_give_the_same_organization(tmp_path: Path):
    first, second = seeded(tmp_path / "a.sqlite3"), seeded(tmp_path / "b.sqlite3")
    assert first == second


def test_demo_has_roles_models_invoices_and_credits(tmp_path: Path):
    _org, figures, people, invoices, balance = seeded(tmp_path / "c.sqlite3")
    roles = [role for _email, role, _status in people]
    assert roles.count(Role.OWNER.value) == 2 and roles.count(Role.ADMIN.value) == 4
    assert [status for *_rest, status in people].count(MemberStatus.INVITED.value) == 2
    assert len(people) == 40
    assert len(figures.models) == 14 and len(figures.providers) >= 8
    assert invoices >= 6  # three monthly renewals, a seat addition, credit purchases, a declined card
    assert balance > 0
