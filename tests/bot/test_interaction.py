"""Button values and private_metadata: what is encoded decodes to the same state; anything else is out of date."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.interaction import MAX_ENCODED_LENGTH, ConnectForm, MembersPage, StaleInteraction, decode, encode
from kilo_api.enums import Role

# Built through lambdas: hypothesis would otherwise also fill the aliased fields by their aliases.
members_pages = st.builds(
    lambda role, query, offset: MembersPage(role=role, query=query, offset=offset),
    st.none() | st.sampled_from(Role),
    st.none() | st.text(min_size=1, max_size=100),
    st.integers(min_value=0, max_value=1_000_000),
)
connect_forms = st.builds(
    lambda team_id, organization_id: ConnectForm(team_id=team_id, organization_id=organization_id),
    st.from_regex(r"\AT[A-Z0-9]{1,20}\Z"),
    st.none() | st.from_regex(r"\Aorg_[0-9a-f]{16}\Z"),
)


@given(members_pages)
def test_members_page_round_trips_within_a_button_value(page: MembersPage):
    encoded = encode(page)
    assert len(encoded) <= MAX_ENCODED_LENGTH
    assert decode(encoded, MembersPage) == page


@given(connect_forms)
def test_connect_form_round_trips(form: ConnectForm):
    assert decode(encode(form), ConnectForm) == form


def test_encoding_is_compact_and_names_its_kind_and_version():
    assert encode(MembersPage(role=Role.ADMIN, offset=20)) == '{"k":"members_page","v":1,"role":"admin","offset":20}'
    assert (
        encode(ConnectForm(team_id="T123", organization_id="org_1"))
        == '{"k":"connect_form","v":1,"t":"T123","o":"org_1"}'
    )


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "null",
        "[]",
        '"members_page"',
        '{"role": "admin", "q": null, "offset": 20}',
        '{"k":"members_page","v":2,"offset":20}',
        '{"k":"members_page","v":1,"offset":-1}',
        '{"k":"members_page","v":1,"offset":"20"}',
        '{"k":"members_page","v":1,"offset":20,"price":1}',
        '{"k":"members_page","v":1,"offset":20,"role":"superuser"}',
        '{"k":"connect_form","v":1,"t":"T1"}',
        "[" * 50_000,
        json.dumps({"k": "members_page", "v": 1, "offset": 0, "q": "x" * 101}),
    ],
)
def test_anything_else_is_out_of_date(raw: object):
    with pytest.raises(StaleInteraction, match=r"^That button is out of date; run `/kilo members` again\.$"):
        decode(raw, MembersPage)


near_misses = st.builds(
    json.dumps, st.dictionaries(st.sampled_from(["k", "v", "q", "offset"]), st.integers() | st.text())
)


@given(st.text(max_size=300) | near_misses)
def test_random_text_is_a_valid_page_or_out_of_date_never_another_error(raw: str):
    try:
        state = decode(raw, MembersPage)
    except StaleInteraction:
        return
    assert decode(encode(state), MembersPage) == state


def test_forms_say_form():
    with pytest.raises(StaleInteraction, match=r"^That form is out of date; run `/kilo connect` again\.$"):
        decode(encode(MembersPage(offset=0)), ConnectForm)
