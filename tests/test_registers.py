"""Registers: the provider sees only what they need to care for each booked child, and marks who came."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bookings.registers import can_mark, mark_attendance, marking_opens
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Role, SupportLevel
from portal.timeutil import age_on, to_london, utcnow
from providers.models import Attendance, Booking, BookingStatus, SessionStatus
from providers.sessions import london_moment

from .conftest import sign_in
from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)


def _booking(session, child, **fields):
    booking = Booking(session=session, child=child, booked_by_id=child.parent_id if child else fields.pop("family_id"),
                      group_ref=f"g{session.id}-{child.id if child else 'carer'}", funding="free", **fields)
    db.session.add(booking)
    session.places_taken += 1
    db.session.commit()
    return booking


@pytest.fixture
def setting(app):
    """Yesterday's session with Amara (and a carer), a cancelled booking, another session and another provider's."""
    provider = ProviderFactory()
    staff = UserFactory(role=Role.PROVIDER, provider_id=provider.id, name="Pat Provider")
    offer = OfferFactory(provider=provider)
    yesterday = SessionFactory(offer=offer, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    parent = UserFactory(email="philippa.private@example.com", name="Philippa Private", phone="07700 900123")
    amara = ChildFactory(parent=parent, first_name="Amara", last_name="Okafor", date_of_birth=date(2016, 3, 27),
                         needs=["autism", "hearing"], needs_notes="Needs ear defenders in the hall",
                         support_level=SupportLevel.ONE_TO_ONE, postcode="B12 9QT",
                         emergency_contact="Grandad Ken 07700 900456")
    booking = _booking(yesterday, amara, staff_units=4)
    _booking(yesterday, None, is_carer_place=True, family_id=parent.id)
    _booking(yesterday, ChildFactory(first_name="Cassius"), status=BookingStatus.CANCELLED)
    _booking(SessionFactory(offer=offer), ChildFactory(first_name="Otto"))
    _booking(SessionFactory(starts_at=yesterday.starts_at), ChildFactory(first_name="Xanthe"))
    return staff, yesterday, amara, booking


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def test_register_shows_support_details_age_and_parent_and_nothing_more(app, setting):
    staff, session, amara, booking = setting
    page = _client(app, staff).get(f"/provider/sessions/{session.id}/register")
    assert page.status_code == 200
    text = page.text
    age = age_on(amara.date_of_birth, to_london(session.starts_at).date())
    for shown in ["Amara Okafor", f"{age} years old", "Autism, Deaf or hearing impairment",
                  "Needs ear defenders in the hall", "Needs 1:1 support (1 adult all the time)",
                  "Grandad Ken 07700 900456",
                  # Phone and email keep their order on right-to-left pages.
                  '<span dir="auto">Philippa Private</span><br><span dir="ltr">07700 900123</span><br>'
                  '<span dir="ltr">philippa.private@example.com</span>',
                  "1 child booked", "1 carer place"]:
        assert shown in text, shown
    for hidden in ["27 March 2016", "27/03/2016", "2016-03-27", "Sunday 27 March 2016", "B12 9QT", "Cassius", "Otto",
                   "Xanthe"]:
        assert hidden not in text, hidden


def test_the_register_gives_each_childs_age_on_the_day_of_the_session(app, setting):
    """A child whose birthday falls between today and the session is shown at the age they will be that day."""
    staff, session, amara, booking = setting
    birthday = (to_london(utcnow()) + timedelta(days=10)).date()
    if (birthday.month, birthday.day) == (2, 29):  # a birthday that most years lack
        birthday += timedelta(days=1)
    born = birthday.replace(year=birthday.year - 8)
    later = SessionFactory(offer=session.offer, starts_at=london_moment(birthday, time(10)))
    child = ChildFactory(first_name="Bea", last_name="Birthday", date_of_birth=born)
    _booking(later, child)
    text = _client(app, staff).get(f"/provider/sessions/{later.id}/register").text
    assert "8 years old" in text and "7 years old" not in text
    assert age_on(born, to_london(utcnow()).date()) == 7  # today she is still 7


def test_marking_attendance_is_saved_and_audited(app, setting):
    staff, session, amara, booking = setting
    client = _client(app, staff)
    saved = client.post(f"/provider/sessions/{session.id}/register", data={f"booking_{booking.id}": "attended"})
    assert saved.status_code == 302
    db.session.refresh(booking)
    assert booking.attendance is Attendance.ATTENDED
    assert booking.attendance_marked_by_id == staff.id and booking.attendance_marked_at is not None
    page = client.get(saved.location).text
    assert "Register saved: 1 attended, 0 did not attend." in page
    assert 'value="attended" checked' in page
    corrected = client.post(f"/provider/sessions/{session.id}/register",
                            data={f"booking_{booking.id}": "did_not_attend"})
    assert corrected.status_code == 302
    db.session.refresh(booking)
    assert booking.attendance is Attendance.DID_NOT_ATTEND
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance_marked")
                                .order_by(AuditEvent.id)).all()
    assert [(e.subject_id, e.actor_id, e.details["attendance"], e.details["before"]) for e in events] == [
        (booking.id, staff.id, "attended", None), (booking.id, staff.id, "did_not_attend", "attended")]


def test_attendance_waits_for_the_session_to_start(app, setting):
    staff, yesterday, _, _ = setting
    # Later today: the day of the session, but nobody can have attended yet.
    later = SessionFactory(offer=yesterday.offer, starts_at=(utcnow() + timedelta(minutes=5)).replace(microsecond=0))
    booking = _booking(later, ChildFactory(first_name="Tomasz"))
    opens = marking_opens(later)
    with pytest.raises(DomainError, match=f"You can mark the register from {opens}, when the session starts."):
        mark_attendance(later, {booking.id: Attendance.ATTENDED}, by=staff)
    db.session.rollback()
    client = _client(app, staff)
    page = client.get(f"/provider/sessions/{later.id}/register")
    assert f"You can mark who attended from {opens}, when the session starts." in page.text and "Tomasz" in page.text
    assert 'value="attended"' not in page.text and "Save the register" not in page.text and "novalidate" not in page.text
    refused = client.post(f"/provider/sessions/{later.id}/register", data={f"booking_{booking.id}": "attended"})
    assert refused.status_code == 409 and f"You can mark the register from {opens}" in refused.text
    db.session.refresh(booking)
    assert booking.attendance is None

    later.starts_at = (utcnow() - timedelta(minutes=1)).replace(microsecond=0)
    db.session.commit()
    page = client.get(f"/provider/sessions/{later.id}/register")
    assert 'value="attended"' in page.text and "You can mark who attended from" not in page.text
    saved = client.post(f"/provider/sessions/{later.id}/register", data={f"booking_{booking.id}": "attended"})
    assert saved.status_code == 302
    db.session.refresh(booking)
    assert booking.attendance is Attendance.ATTENDED


def test_mistakes_on_the_register(app, setting):
    staff, session, amara, booking = setting
    client = _client(app, staff)
    junk = client.post(f"/provider/sessions/{session.id}/register", data={f"booking_{booking.id}": "maybe"})
    assert junk.status_code == 422 and "Select one of the options" in junk.text
    empty = client.post(f"/provider/sessions/{session.id}/register", data={})
    assert empty.status_code == 409 and "Mark at least one child" in empty.text
    session.status = SessionStatus.CANCELLED
    db.session.commit()
    cancelled = client.post(f"/provider/sessions/{session.id}/register", data={f"booking_{booking.id}": "attended"})
    assert cancelled.status_code == 409 and "was cancelled" in cancelled.text
    db.session.refresh(booking)
    assert booking.attendance is None


def test_only_the_owning_provider_sees_the_register(app, setting):
    staff, session, amara, booking = setting
    other = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id)
    for user, expected in [(other, 404), (UserFactory(role=Role.ADMIN), 403), (UserFactory(role=Role.TRUST), 403),
                           (amara.parent, 403), (UserFactory(role=Role.PROVIDER), 403)]:
        client = _client(app, user)
        assert client.get(f"/provider/sessions/{session.id}/register").status_code == expected
        assert client.post(f"/provider/sessions/{session.id}/register",
                           data={f"booking_{booking.id}": "attended"}).status_code == expected
    assert app.test_client().get(f"/provider/sessions/{session.id}/register").status_code == 302
    db.session.refresh(booking)
    assert booking.attendance is None


def test_the_register_opens_when_the_session_starts_and_says_so_in_london_time(app):
    day = date(date.today().year + 1, 3, 29)  # British Summer Time has begun: 23:30 in London is 22:30 UTC
    session = SessionFactory(starts_at=london_moment(day, time(23, 30)))
    starts = datetime(day.year, 3, 29, 22, 30, tzinfo=timezone.utc)
    assert not can_mark(session, now=starts - timedelta(days=1))
    assert not can_mark(session, now=starts - timedelta(seconds=1))
    assert can_mark(session, now=starts) and can_mark(session, now=starts + timedelta(days=30))
    assert marking_opens(session) == f"11:30pm on {day:%A} 29 March {day.year}"
    session.status = SessionStatus.CANCELLED
    assert not can_mark(session, now=starts + timedelta(hours=1))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=30), max_size=3)),
       mark=st.one_of(st.text(max_size=30), st.sampled_from(["attended", "did_not_attend", ""])))
def test_the_register_never_fails_with_a_server_error(app, setting, data, mark):
    staff, session, amara, booking = setting
    client = _client(app, staff)
    response = client.post(f"/provider/sessions/{session.id}/register", data={**data, f"booking_{booking.id}": mark})
    assert response.status_code in (302, 409, 422)
    db.session.rollback()
