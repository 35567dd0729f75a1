"""`/kilo` commands that change something: invite, policies, billing cycle, cancel, resume, buy credits, audit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    MAX_AUDIT_ENTRIES,
    Audit,
    BuyCredits,
    CancelSubscription,
    ChangeBillingCycle,
    Command,
    CommandError,
    Invite,
    Policies,
    ResumeSubscription,
    parse,
)
from kilo_api.enums import Role


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("invite", Invite()),
        ("invite ana@example.com", Invite(email="ana@example.com")),
        ("invite ana@example.com admin", Invite(email="ana@example.com", role=Role.ADMIN)),
        ("invite Admin ana@Example.COM", Invite(email="ana@example.com", role=Role.ADMIN)),
        ("INVITE <mailto:ana@example.com|ana@example.com> owner", Invite(email="ana@example.com", role=Role.OWNER)),
        ("invite member", Invite()),
        ("policies", Policies()),
        ("Policy", Policies()),
        ("subscription cycle", ChangeBillingCycle()),
        ("plan CYCLE", ChangeBillingCycle()),
        ("subscription cancel", CancelSubscription()),
        ("subscription resume", ResumeSubscription()),
        ("credits buy", BuyCredits()),
        ("billing buy 50", BuyCredits(amount_microdollars=50_000_000)),
        ("credits buy $1,250.005", BuyCredits(amount_microdollars=1_250_010_000)),
        ("audit", Audit()),
        ("audit 50", Audit(limit=50)),
        (f"audit {MAX_AUDIT_ENTRIES}", Audit(limit=MAX_AUDIT_ENTRIES)),
    ],
)
def test_commands_that_change_something(text: str, expected: Command):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("invite ana", "“ana” is not an email address (An email address must have an @-sign.). Try `/kilo invite"),
        ("invite a@b.com c@d.com", "Invite one person at a time"),
        ("invite admin owner", "Invite one person at a time"),
        ("invite a@b.com admin please", "Invite one person at a time: `/kilo invite ana@example.com admin`."),
        ("policies now", "`/kilo policies` takes no options (I got `now`)."),
        ("subscription upgrade", "`/kilo subscription upgrade` is not something I can do."),
        ("subscription cancel now", "`/kilo subscription cancel now` is not something I can do."),
        ("credits buy 5", "A credit purchase must be at least $10.00. Try `/kilo credits buy 50`."),
        ("credits buy 100000.01", "A credit purchase can be at most $100,000.00."),
        ("billing buy lots", "“lots” is not an amount in dollars"),
        ("credits buy -20", "A credit purchase can't be negative."),
        ("audit 0", "`/kilo audit` takes how many entries to show, 1 to 100: `/kilo audit 50`."),
        ("audit 101", "`/kilo audit` takes how many entries to show"),
        ("audit ten", "`/kilo audit` takes how many entries to show"),
        ("audit ٣", "`/kilo audit` takes how many entries to show"),
    ],
)
def test_bad_input_to_a_change_says_what_would_work(text: str, message: str):
    with pytest.raises(CommandError) as refused:
        parse(text)
    assert str(refused.value).startswith(message)


@given(st.sampled_from(["invite", "credits buy", "audit", "subscription"]), st.lists(st.text(max_size=15), max_size=3))
def test_anything_after_a_change_is_a_command_or_a_command_error(head: str, words: list[str]):
    try:
        command = parse(" ".join([head, *words]))
    except CommandError as refused:
        assert str(refused).endswith((".", "?", ")")) or "`" in str(refused)
        return
    assert isinstance(command, Command)
