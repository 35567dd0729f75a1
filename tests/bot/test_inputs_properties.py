"""Typed amounts and emails: dollars become exact microdollars, half-up to the cent, within bounds; anything
else is a friendly refusal, never another error."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.inputs import InputRefused, dollars_to_microdollars, email_address

LOW, HIGH = 10_000_000, 100_000_000_000  # $10 … $100,000


def read(text: str | None) -> int:
    return dollars_to_microdollars(text, minimum=LOW, maximum=HIGH, what="the amount")


@given(st.integers(LOW // 10_000, HIGH // 10_000))
def test_whole_cents_are_read_exactly_with_or_without_thousands_separators(cents: int):
    dollars, rest = divmod(cents, 100)
    for text in (
        f"{dollars}.{rest:02d}",
        f"{dollars:,}.{rest:02d}",
        f"${dollars:,}.{rest:02d}",
        f" {dollars}.{rest:02d} ",
    ):
        assert read(text) == cents * 10_000
    if rest == 0:
        assert read(str(dollars)) == read(f"{dollars}.") == cents * 10_000


@given(st.decimals(min_value=Decimal("10"), max_value=Decimal("99999.99"), places=6, allow_nan=False))
def test_more_decimals_round_half_up_to_the_cent(amount: Decimal):
    expected = int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100) * 10_000
    assert read(format(amount, "f")) == expected


@pytest.mark.parametrize(("text", "microdollars"), [("10.005", 10_010_000), ("10.0049", 10_000_000), (".5e0", None)])
def test_ties_round_up_and_exponents_are_not_amounts(text: str, microdollars: int | None):
    if microdollars is None:
        with pytest.raises(InputRefused):
            read(text)
    else:
        assert read(text) == microdollars


@given(st.one_of(st.none(), st.text(max_size=60), st.from_regex(r"\A-?\$?[0-9,]{0,12}(\.[0-9]{0,8})?\Z")))
def test_any_text_is_an_amount_within_bounds_or_a_refusal(text: str | None):
    try:
        amount = read(text)
    except InputRefused as refused:
        assert str(refused).endswith(".") and "\n" not in str(refused)
        return
    assert LOW <= amount <= HIGH and amount % 10_000 == 0


@given(st.emails())
def test_valid_emails_are_kept_with_the_domain_lower_cased(address: str):
    try:
        read_back = email_address(address)
    except InputRefused:
        return  # hypothesis makes some Slack and the backend refuse too (e.g. special-use domains)
    local, _, domain = read_back.rpartition("@")
    assert local == address.rpartition("@")[0] and domain == domain.lower()


@given(st.one_of(st.none(), st.text(max_size=80)))
def test_any_text_is_an_email_or_a_refusal(text: str | None):
    try:
        assert "@" in email_address(text)
    except InputRefused as refused:
        assert str(refused)
