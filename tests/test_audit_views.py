"""Audit you can read: every look at a child's record by someone outside the family is in the trail (registers,
the API, the trust's pages, exports); commissioners search it and download it; a family sees who looked, by role
and organisation, never by name."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import redirect
from sqlalchemy import event, select

from budgets import services as money
from budgets.models import BudgetKind, financial_year
from portal import audit
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Role, record
from portal.timeutil import LONDON, utcnow
from providers.models import Booking
from providers.tokens import create_token

from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def _views(child=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == audit.VIEWED).order_by(AuditEvent.id)
    if child is not None:
        query = query.where(AuditEvent.subject_type == "Child", AuditEvent.subject_id == child.id)
    return db.session.scalars(query).all()


def _book(session, child) -> Booking:
    booking = Booking(session=session, child=child, booked_by_id=child.parent_id, group_ref=f"g{child.id}",
                      funding="free")
    session.places_taken += 1
    db.session.add(booking)
    db.session.commit()
    return booking


@pytest.fixture
def sunny(app):
    """Sunny Days, with a member of staff and a session booked for Amara."""
    provider = ProviderFactory(name="Sunny Days")
    staff = UserFactory(role=Role.PROVIDER, provider_id=provider.id, name="Pat Provider",
                        email="pat@sunny.example.org")
    session = SessionFactory(offer=OfferFactory(provider=provider), capacity=40)
    amara = ChildFactory(first_name="Amara", last_name="Okafor")
    _book(session, amara)
    return provider, staff, session, amara


# --- recording --------------------------------------------------------------------------------------

def _statements_during(app, call) -> int:
    count = 0

    def counted(*args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count


def test_opening_a_register_records_one_view_per_child_without_a_query_per_child(app, sunny):
    provider, staff, session, amara = sunny
    client = _client(app, staff)
    client.get(f"/provider/sessions/{session.id}/register")
    _book(session, ChildFactory())
    few = _statements_during(app, lambda: client.get(f"/provider/sessions/{session.id}/register"))
    for _ in range(28):
        _book(session, ChildFactory())
    many = _statements_during(app, lambda: client.get(f"/provider/sessions/{session.id}/register"))
    assert many == few, "the views of 30 children cost no more queries than the views of two"

    views = _views()
    assert len(views) == 1 + 2 + 30 and len({v.subject_id for v in views[3:]}) == 30
    seen = _views(amara)[-1]
    assert seen.actor_id == staff.id and seen.subject_type == "Child"
    assert seen.details == {"what": "register", "page": "session_changes.register", "role": "provider",
                            "provider_id": provider.id, "organisation": "Sunny Days"}


def test_a_family_looking_at_its_own_child_is_not_recorded_but_anyone_else_is(app, sunny):
    provider, staff, session, amara = sunny
    assert audit.record_views([amara, amara], by=amara.parent, what="assessment") == 0
    young = UserFactory(role=Role.YOUNG_PERSON)
    themselves = ChildFactory(parent=young, is_account_holder=True)
    assert audit.record_views([themselves], by=young, what="assessment") == 0
    trust = UserFactory(role=Role.TRUST)
    assert audit.record_views([amara, amara, themselves], by=trust, what="assessment") == 2
    assert [(e.subject_id, e.actor_id, e.details["organisation"], e.details["role"]) for e in _views()] == [
        (amara.id, trust.id, None, "trust_commissioner"), (themselves.id, trust.id, None, "trust_commissioner")]
    with pytest.raises(ValueError, match="SHOWN"):
        audit.record_views([amara], by=trust, what="somewhere new")


def test_the_api_records_which_organisation_and_token_read_the_bookings(app, client, sunny):
    provider, staff, session, amara = sunny
    staff.is_provider_admin = True
    token, plaintext = create_token(provider, "Booking system", staff)
    db.session.commit()
    response = client.get(f"/api/v1/sessions/{session.id}/bookings", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200 and response.json["items"][0]["first_name"] == "Amara"
    seen = _views(amara)
    assert len(seen) == 1 and seen[0].actor_id is None
    assert seen[0].details | {"page": None} == {
        "what": "api_bookings", "page": None, "role": "provider", "provider_id": provider.id,
        "organisation": "Sunny Days", "api_token": f"Booking system ({token.prefix})"}


@pytest.fixture
def assessed(app, sunny):
    """Amara assessed by the trust, with a direct payment agreed."""
    provider, staff, session, amara = sunny
    trust = UserFactory(role=Role.TRUST, name="Tess Trust", email="tess@trust.example.org")
    db.session.add(Assessment(child=amara, status=AssessmentStatus.APPROVED, reason="Needs breaks",
                              recorded_by_id=trust.id))
    today = money.today()
    money.allocate_budget(amara, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=30_000, starts_on=today,
                          ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                          reasons="Panel agreed", by=trust)
    db.session.commit()
    return trust, amara


def test_the_trusts_pages_and_exports_record_what_was_seen(app, assessed):
    trust, amara = assessed
    client = _client(app, trust)
    for url in [f"/trust/children/{amara.id}/assessment", "/trust/direct-payments", "/trust/direct-payments.csv"]:
        assert client.get(url).status_code == 200
    assert [v.details["what"] for v in _views(amara)] == ["assessment", "direct_payments", "direct_payments_csv"]
    assert {v.actor_id for v in _views(amara)} == {trust.id}


def test_a_redirect_records_nothing_and_a_view_that_forgets_to_say_whose_fails(app, sunny):
    provider, staff, session, amara = sunny
    @audit.shows_children("assessment")
    def moves_on():
        audit.showing([amara], by=audit.Viewer.of(staff))
        return redirect("/elsewhere")

    @audit.shows_children("assessment")
    def forgets():
        return "Amara's details"

    with app.test_request_context("/"):
        moves_on()
        with pytest.raises(RuntimeError, match="showing"):
            forgets()
    assert _views(amara) == []


# --- the audit screen -------------------------------------------------------------------------------

@pytest.fixture
def trail(app, sunny):
    """Views of Amara by Sunny Days yesterday; of Bo by Rainbow today; a change to Amara's record by the trust."""
    provider, staff, session, amara = sunny
    rainbow = ProviderFactory(name="Rainbow Club")
    rainbow_staff = UserFactory(role=Role.PROVIDER, provider_id=rainbow.id, name="Robin Rainbow",
                                email="robin@rainbow.example.org")
    bo = ChildFactory(first_name="Bo", last_name="Quinn")
    trust = UserFactory(role=Role.TRUST, name="Tess Trust", email="tess@trust.example.org")
    yesterday = utcnow() - timedelta(days=1)
    audit.record_views([amara], by=staff, what="register")
    _views(amara)[0].at = yesterday
    audit.record_views([bo], by=rainbow_staff, what="register")
    record("assessment_recorded", amara, by=trust, reason="Needs overnight breaks", outcome="approved")
    db.session.commit()
    council = UserFactory(role=Role.COUNCIL)
    return _client(app, council), council, provider, rainbow, amara, bo


def _rows(page: str) -> list[str]:
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in page else ""
    return body.split("<tr")[1:]


def test_the_screen_shows_the_trail_newest_first_with_who_why_and_what(trail):
    client, council, sunny_days, rainbow, amara, bo = trail
    page = client.get("/audit")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 3
    assert "Assessment recorded" in rows[0] and "Tess Trust" in rows[0] and "Needs overnight breaks" in rows[0]
    assert "Bo Quinn" in rows[1] and "Robin Rainbow" in rows[1] and "Rainbow Club" in rows[1]
    assert "Looked at: The register for a session" in rows[2] and "Sunny Days" in rows[2]
    assert "Provider staff" in rows[2] and f"Record {amara.id}" in rows[2]


@pytest.mark.parametrize("query, names", [
    ("child=okafor", ["Tess Trust", "Pat Provider"]),
    ("child={bo_id}", ["Robin Rainbow"]),
    ("person=RAINBOW.example", ["Robin Rainbow"]),
    ("person=tess", ["Tess Trust"]),
    ("provider={sunny_id}", ["Pat Provider"]),
    ("provider={rainbow_id}&child=amara", []),
    ("from_day={today.day}&from_day={today.month}&from_day={today.year}", ["Tess Trust", "Robin Rainbow"]),
    ("to_day={yesterday.day}&to_day={yesterday.month}&to_day={yesterday.year}", ["Pat Provider"]),
])
def test_the_filters(trail, query, names):
    client, council, sunny_days, rainbow, amara, bo = trail
    today = datetime.now(LONDON).date()
    url = "/audit?" + query.format(bo_id=bo.id, sunny_id=sunny_days.id, rainbow_id=rainbow.id, today=today,
                                   yesterday=today - timedelta(days=1))
    page = client.get(url)
    assert page.status_code == 200
    everyone = ["Tess Trust", "Robin Rainbow", "Pat Provider"]
    found = [name for row in _rows(page.text) for name in everyone if name in row]
    assert found == names
    if not names:
        assert "No entries match these filters" in page.text


def test_an_impossible_date_or_a_backwards_range_is_explained(trail):
    client = trail[0]
    page = client.get("/audit?from_day=31&from_day=2&from_day=2025")
    assert page.status_code == 422 and "There is a problem" in page.text
    assert 'href="#from_day-day"' in page.text and "From must be a real date" in page.text
    assert not _rows(page.text)
    page = client.get("/audit?from_day=2&from_day=3&from_day=2025&to_day=1&to_day=3&to_day=2025")
    assert page.status_code == 422 and "must be the same as or after" in page.text
    assert client.get("/audit.csv?provider=nonsense").status_code == 422


def test_the_csv_holds_the_filtered_rows_and_its_download_is_recorded(trail):
    client, council, sunny_days, rainbow, amara, bo = trail
    amara.first_name = "=HYPERLINK(1)"
    db.session.commit()
    export = client.get(f"/audit.csv?child={amara.id}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["What happened"], r["Person"], r["Organisation"], r["Child ID"]) for r in rows] == [
        ("assessment_recorded", "Tess Trust", "", str(amara.id)),
        ("viewed", "Pat Provider", "Sunny Days", str(amara.id))]
    assert rows[1]["What was seen"] == "The register for a session" and rows[1]["Role"] == "Provider staff"
    assert rows[0]["Child"].startswith("'=HYPERLINK"), "a typed formula is never run by a spreadsheet"
    assert rows[0]["Reason"] == "Needs overnight breaks"
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_exported")).one()
    assert exported.actor_id == council.id and exported.details == {"filters": {"child": [str(amara.id)]}}


@pytest.mark.parametrize("role", [Role.PARENT_CARER, Role.PROVIDER])
def test_only_commissioners_and_admins_read_the_trail(app, trail, role):
    client = _client(app, UserFactory(role=role))
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403


# --- the family's page ------------------------------------------------------------------------------

def test_a_family_sees_who_looked_by_role_and_organisation_never_by_name(app, trail):
    client, council, sunny_days, rainbow, amara, bo = trail
    family = _client(app, amara.parent)
    children = family.get("/children")
    assert f"/children/{amara.id}/who-has-seen" in children.text
    page = family.get(f"/children/{amara.id}/who-has-seen")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 1, "views only: the trust's change is not a view"
    assert "Provider staff" in rows[0] and "Sunny Days" in rows[0] and "The register for a session" in rows[0]
    for private in ("Pat Provider", "pat@sunny.example.org", "Tess Trust"):
        assert private not in page.text


def test_a_family_with_no_views_is_told_so_and_cannot_see_another_familys(app, trail):
    client, council, sunny_days, rainbow, amara, bo = trail
    family = _client(app, amara.parent)
    quiet = ChildFactory(parent=amara.parent, first_name="Quentin")
    page = family.get(f"/children/{quiet.id}/who-has-seen")
    assert page.status_code == 200 and "Nobody outside your family has looked at Quentin’s record yet." in page.text
    assert family.get(f"/children/{bo.id}/who-has-seen").status_code == 404
    assert _views(quiet) == [], "the family looking at its own child's page is not recorded"


def test_times_are_shown_in_london(trail):
    client = trail[0]
    event_ = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment_recorded")).one()
    event_.at = datetime(2025, 7, 1, 9, 30, tzinfo=timezone.utc)
    db.session.commit()
    assert "1 July 2025 at 10:30am" in client.get("/audit").text
