"""Whatever is typed or tampered with, every form answers without a 5xx."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Role
from portal.timeutil import utcnow

from .factories import ChildFactory, SessionFactory, UserFactory

junk = st.one_of(st.text(max_size=300), st.sampled_from(["", "0", "-1", "999999999999", "abc", "31", "<script>",
                                                         "\x00", "1e9", "free", "approved"]))
form_data = st.dictionaries(
    st.sampled_from(["children", "carer_places", "funding", "declared", "first_name", "last_name", "date_of_birth",
                     "needs", "has_ehc_plan", "support_level", "locality_id", "postcode", "emergency_contact",
                     "email", "password", "confirm", "name", "account_type", "child_id", "message", "status",
                     "reason", "review_on"]),
    st.lists(junk, min_size=0, max_size=3),
)


@pytest.fixture
def setting(app):
    family = UserFactory(role=Role.PARENT_CARER)
    child = ChildFactory(parent=family)
    trust = UserFactory(role=Role.TRUST)
    session = SessionFactory(starts_at=utcnow() + timedelta(days=3))
    return family, child, trust, session


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data)
def test_family_forms_never_fail_with_a_server_error(app, setting, data):
    family, child, trust, session = setting
    client = app.test_client()
    client.post("/sign-in", data={"email": family.email, "password": "correct horse battery"})
    for url in [f"/sessions/{session.id}/book", f"/sessions/{session.id}/waiting-list", "/children/new",
                f"/children/{child.id}/edit", f"/local-offer/{session.offer.id}/ask-for-assessment"]:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    db.session.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data)
def test_public_and_trust_forms_never_fail_with_a_server_error(app, setting, data):
    family, child, trust, session = setting
    client = app.test_client()
    for url in ["/register", "/sign-in", "/reset-password"]:
        assert client.post(url, data=data).status_code < 500, (url, data)
    client.post("/sign-in", data={"email": trust.email, "password": "correct horse battery"})
    assert client.post(f"/trust/children/{child.id}/assessment", data=data).status_code < 500


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.dictionaries(st.sampled_from(["q", "age", "need", "locality", "tier", "day", "from", "to", "cost",
                                             "feature", "child", "page"]), junk))
def test_search_filters_never_fail_with_a_server_error(app, client, args):
    response = client.get("/local-offer", query_string=args)
    assert response.status_code in (200, 400)
