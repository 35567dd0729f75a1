"""The admin forms' private_metadata, member menus and organization buttons: ids only, round-trips, and
within Slack's limits (an overflow option's value: 150 characters)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.interaction import AdminForm, MemberMenu, OrganizationButton, StaleInteraction, decode, encode

KILO_IDS = st.from_regex(r"\A[A-Za-z0-9_-]{1,40}\Z")
TEAM_IDS = st.from_regex(r"\AT[A-Z0-9]{1,31}\Z")
OVERFLOW_OPTION_VALUE = 150


@given(KILO_IDS, KILO_IDS, st.sampled_from(["role", "limit", "remove"]))
def test_a_member_menu_choice_fits_an_overflow_option(organization_id: str, member_id: str, change: str):
    menu = MemberMenu(organization_id=organization_id, member_id=member_id, change=change)  # type: ignore[arg-type]
    encoded = encode(menu)
    assert len(encoded) <= OVERFLOW_OPTION_VALUE
    assert decode(encoded, MemberMenu) == menu


@given(TEAM_IDS, KILO_IDS, st.none() | KILO_IDS)
def test_an_admin_form_round_trips(team_id: str, organization_id: str, member_id: str | None):
    form = AdminForm(team_id=team_id, organization_id=organization_id, member_id=member_id)
    assert decode(encode(form), AdminForm) == form


@pytest.mark.parametrize(
    "raw",
    [
        '{"k":"organization_button","v":1,"o":"org_1"}',  # another kind
        '{"k":"admin_form","v":2,"t":"T1","o":"org_1"}',  # a newer version
        '{"k":"admin_form","v":1,"t":"T1","o":"org_1","price":1}',  # anything but ids is refused
        '{"k":"admin_form","v":1,"t":"T1","o":"org 1"}',
        None,
    ],
)
def test_anything_else_is_an_out_of_date_form(raw: str | None):
    with pytest.raises(StaleInteraction, match=r"That form is out of date"):
        decode(raw, AdminForm)


def test_organization_buttons_carry_the_organization_only():
    assert encode(OrganizationButton(organization_id="org_abc")) == '{"k":"organization_button","v":1,"o":"org_abc"}'
