"""Providers' session pages: the list, one-off sessions, repeating series, places, cancelling and moving."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bookings.places import book_places
from bookings.waiting_lists import join_waiting_list
from portal.extensions import db
from portal.models import AuditEvent, Role, SupportLevel, User
from portal.timeutil import to_london, utcnow
from providers.models import (
    Booking,
    BookingStatus,
    Session,
    SessionSeries,
    SessionStatus,
    WaitingListEntry,
)

from .conftest import sign_in
from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

NEXT_YEAR = date.today().year + 1
SUMMER_DAY = date(NEXT_YEAR, 7, 1)  # British Summer Time: London is UTC+1
WINTER_DAY = date(NEXT_YEAR, 1, 15)  # Greenwich Mean Time: London is UTC


def _date(prefix: str, day: date) -> dict:
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


@pytest.fixture
def staff(app):
    provider = ProviderFactory()
    return UserFactory(role=Role.PROVIDER, provider_id=provider.id)


@pytest.fixture
def offer(staff):
    return OfferFactory(provider=staff.provider)


def _book(session, support=SupportLevel.GROUP, family=None):
    family = family or UserFactory()
    child = ChildFactory(parent=family, support_level=support)
    bookings = book_places(family, session, [child], "free")
    db.session.commit()
    return bookings[0]


# --- the list --------------------------------------------------------------------------------------

def test_list_shows_places_booked_left_staff_and_waiting_list(client_as, staff, offer):
    session = SessionFactory(offer=offer, capacity=2, staff_units=8)
    _book(session, SupportLevel.ONE_TO_ONE)
    _book(session)
    waiting = UserFactory()
    join_waiting_list(waiting, session, [ChildFactory(parent=waiting)])
    db.session.commit()
    page = client_as(staff).get(f"/provider/offers/{offer.id}/sessions")
    assert page.status_code == 200
    row = next(r for r in page.text.split("<tr") if f"/provider/sessions/{session.id}/places" in r)
    # places, booked, left, families waiting
    assert re.findall(r'govuk-table__cell--numeric">(\d+)<', row) == ["2", "2", "0", "1"]
    assert "Full" in row
    assert "2 (2 needed for the children booked)" in row  # a 1:1 child takes a whole member of staff, a group child a quarter
    assert f"Offer number {offer.id}" in page.text


def test_list_is_paginated_and_past_sessions_are_separate(client_as, staff, offer, app):
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    for n in range(app.config["PAGE_SIZE"] + 5):
        SessionFactory(offer=offer, starts_at=start + timedelta(days=n))
    old = SessionFactory(offer=offer, starts_at=start - timedelta(days=30))
    client = client_as(staff)
    first = client.get(f"/provider/offers/{offer.id}/sessions")
    assert f"{app.config['PAGE_SIZE'] + 5} upcoming sessions" in first.text
    assert first.text.count("/places\"") == app.config["PAGE_SIZE"]
    second = client.get(f"/provider/offers/{offer.id}/sessions?page=2")
    assert second.text.count("/places\"") == 5
    assert f"/provider/sessions/{old.id}/" not in first.text + second.text
    past = client.get(f"/provider/offers/{offer.id}/sessions?when=past")
    assert f"/provider/sessions/{old.id}/register" in past.text
    assert f"/provider/sessions/{old.id}/places" not in past.text  # a past session can no longer change
    assert client.get(f"/provider/offers/{offer.id}/sessions?page=²").status_code == 200


# --- one-off sessions ------------------------------------------------------------------------------

def test_add_a_session_in_london_time(client_as, staff, offer):
    client = client_as(staff)
    response = client.post(f"/provider/offers/{offer.id}/sessions/new", data={
        **_date("day", SUMMER_DAY), "start_time": "4pm", "end_time": "18:30", "places": "12", "staff": "3"})
    assert response.status_code == 302
    session = db.session.scalar(select(Session).where(Session.offer_id == offer.id))
    assert session.starts_at == datetime(NEXT_YEAR, 7, 1, 15, 0, tzinfo=timezone.utc)  # 4pm BST
    assert session.ends_at == datetime(NEXT_YEAR, 7, 1, 17, 30, tzinfo=timezone.utc)
    assert (session.capacity, session.staff, session.weekday) == (12, 3, SUMMER_DAY.weekday())
    banner = client.get(response.location).text
    assert "govuk-notification-banner--success" in banner and "Session added" in banner and "4pm to 6:30pm" in banner


def test_an_overnight_session_ends_on_a_later_day(client_as, staff, offer):
    response = client_as(staff).post(f"/provider/offers/{offer.id}/sessions/new", data={
        **_date("day", WINTER_DAY), "start_time": "18:00", "end_time": "10:00",
        **_date("end_day", WINTER_DAY + timedelta(days=1)), "places": "4"})
    assert response.status_code == 302
    session = db.session.scalar(select(Session))
    assert session.ends_at - session.starts_at == timedelta(hours=16)


def test_mistakes_are_explained_and_what_was_typed_is_kept(client_as, staff, offer):
    response = client_as(staff).post(f"/provider/offers/{offer.id}/sessions/new", data={
        "day": ["31", "2", str(NEXT_YEAR)], "start_time": "25:00", "end_time": "", "places": "lots", "staff": "0"})
    assert response.status_code == 422
    text = response.text
    assert "There is a problem" in text
    for message in ["Date must be a real date", "Start time must be a real time", "Enter the end time",
                    "Places must be a whole number", "Staff must be from 1 to 200"]:
        assert message in text
    assert 'value="25:00"' in text and 'value="lots"' in text and 'value="31"' in text
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_end_before_start_and_the_hour_the_clocks_skip(client_as, staff, offer):
    client = client_as(staff)
    response = client.post(f"/provider/offers/{offer.id}/sessions/new", data={
        **_date("day", SUMMER_DAY), "start_time": "16:00", "end_time": "15:00", "places": "5"})
    assert response.status_code == 422 and "The end time must be after the start time" in response.text
    march_31 = date(NEXT_YEAR, 3, 31)
    clocks_change = march_31 - timedelta(days=(march_31.weekday() + 1) % 7)  # last Sunday in March
    response = client.post(f"/provider/offers/{offer.id}/sessions/new", data={
        **_date("day", clocks_change), "start_time": "01:30", "end_time": "03:00", "places": "5"})
    assert response.status_code == 422 and "The clocks go forward" in response.text


def test_a_session_in_the_past_is_refused_by_the_rule_with_409(client_as, staff, offer):
    yesterday = date.today() - timedelta(days=1)
    response = client_as(staff).post(f"/provider/offers/{offer.id}/sessions/new", data={
        **_date("day", yesterday), "start_time": "10:00", "end_time": "12:00", "places": "5"})
    assert response.status_code == 409
    assert "The session must start in the future." in response.text and "There is a problem" in response.text
    assert 'value="10:00"' in response.text


# --- repeating series -------------------------------------------------------------------------------

def test_weekly_series_on_two_days_with_exception_dates(client_as, staff, offer):
    first = date(NEXT_YEAR, 1, 5)
    first += timedelta(days=-first.weekday() % 7)  # a Monday
    last = first + timedelta(days=27)
    response = client_as(staff).post(f"/provider/offers/{offer.id}/series/new", data={
        **_date("first_day", first), **_date("last_day", last), "weekdays": ["0", "2"], "interval": "1",
        "start_time": "15:30", "end_time": "17:30", "places": "8", "staff": "",
        "exceptions": f"{(first + timedelta(days=7)):%d/%m/%Y}\n\n{(first + timedelta(days=9)):%d/%m/%Y}\n"})
    assert response.status_code == 302, response.text
    series = db.session.scalar(select(SessionSeries))
    assert series.rrule.startswith("RRULE:FREQ=WEEKLY") and "BYDAY=MO,WE" in series.rrule
    days = [to_london(s.starts_at).date() for s in sorted(series.sessions, key=lambda s: s.starts_at)]
    assert len(days) == 6  # 4 Mondays and 4 Wednesdays, less two exceptions
    assert first + timedelta(days=7) not in days and first + timedelta(days=9) not in days
    assert {to_london(s.starts_at).strftime("%H:%M") for s in series.sessions} == {"15:30"}
    assert all(s.staff is None and s.capacity == 8 for s in series.sessions)


def test_fortnightly_series_keeps_4pm_across_the_clock_change(client_as, staff, offer):
    first = date(NEXT_YEAR, 3, 2)
    response = client_as(staff).post(f"/provider/offers/{offer.id}/series/new", data={
        **_date("first_day", first), **_date("last_day", date(NEXT_YEAR, 4, 30)), "weekdays": [str(first.weekday())],
        "interval": "2", "start_time": "16:00", "end_time": "17:00", "places": "6", "staff": "2"})
    assert response.status_code == 302
    sessions = db.session.scalars(select(Session).order_by(Session.starts_at)).all()
    gaps = {(b.starts_at.date() - a.starts_at.date()).days for a, b in zip(sessions, sessions[1:])}
    assert gaps == {14}
    assert {to_london(s.starts_at).strftime("%H:%M") for s in sessions} == {"16:00"}
    assert {s.starts_at.hour for s in sessions} == {15, 16}  # UTC moves with British Summer Time
    assert {s.staff for s in sessions} == {2}


def test_series_mistakes(client_as, staff, offer):
    client = client_as(staff)
    first = date(NEXT_YEAR, 1, 5)
    response = client.post(f"/provider/offers/{offer.id}/series/new", data={
        **_date("first_day", first), **_date("last_day", first - timedelta(days=1)), "interval": "3",
        "start_time": "9", "end_time": "10:00", "places": "8", "exceptions": "someday"})
    assert response.status_code == 422
    for message in ["The last date must be the same as or after the first date", "Select at least one day",
                    "Select one of the options", "Start time must be a real time", "is not a real date"]:
        assert message in response.text
    response = client.post(f"/provider/offers/{offer.id}/series/new", data={
        **_date("first_day", first), **_date("last_day", first + timedelta(days=20)), "weekdays": ["0"],
        "interval": "1", "start_time": "09:00", "end_time": "10:00", "places": "8",
        "exceptions": f"{(first + timedelta(days=1)):%d/%m/%Y}"})
    assert response.status_code == 422 and "is not one of the days in this pattern" in response.text
    response = client.post(f"/provider/offers/{offer.id}/series/new", data={
        **_date("first_day", first), **_date("last_day", first + timedelta(days=7 * 500)), "weekdays": ["0", "1"],
        "interval": "1", "start_time": "09:00", "end_time": "10:00", "places": "8"})
    assert response.status_code == 409 and "A series can have at most 400 sessions" in response.text
    assert db.session.scalar(select(func.count(Session.id))) == 0


# --- places and staff ------------------------------------------------------------------------------

def test_places_never_go_below_what_is_booked_and_they_are_told_why(client_as, staff, offer):
    session = SessionFactory(offer=offer, capacity=5)
    _book(session)
    _book(session)
    client = client_as(staff)
    form = client.get(f"/provider/sessions/{session.id}/places")
    assert form.status_code == 200 and 'value="5"' in form.text
    refused = client.post(f"/provider/sessions/{session.id}/places", data={"places": "1", "staff": ""})
    assert refused.status_code == 409
    assert "There is a problem" in refused.text and "You cannot reduce places to 1: 2 places are already booked" in refused.text
    assert 'value="1"' in refused.text  # what was typed stays
    db.session.refresh(session)
    assert session.capacity == 5
    saved = client.post(f"/provider/sessions/{session.id}/places", data={"places": "2", "reason": "Smaller room"})
    assert saved.status_code == 302
    db.session.refresh(session)
    assert session.capacity == 2
    assert "Places saved: 2 places" in client.get(saved.location).text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "places_changed")).reason == "Smaller room"


def test_a_one_to_one_child_needs_a_whole_member_of_staff(client_as, staff, offer):
    session = SessionFactory(offer=offer, capacity=10, staff_units=12)
    _book(session, SupportLevel.ONE_TO_ONE)
    _book(session, SupportLevel.ONE_TO_ONE)
    client = client_as(staff)
    refused = client.post(f"/provider/sessions/{session.id}/places", data={"places": "10", "staff": "1"})
    assert refused.status_code == 409
    assert "You cannot reduce staff to 1: the children already booked need at least 2 staff." in refused.text
    assert client.post(f"/provider/sessions/{session.id}/places", data={"places": "10", "staff": "2"}).status_code == 302
    db.session.refresh(session)
    assert session.staff_units == 8


def test_more_places_go_to_the_waiting_list(client_as, staff, offer, outbox):
    session = SessionFactory(offer=offer, capacity=1)
    _book(session)
    waiting = UserFactory(email="waiting@example.com")
    entry = join_waiting_list(waiting, session, [ChildFactory(parent=waiting)])
    db.session.commit()
    assert client_as(staff).post(f"/provider/sessions/{session.id}/places", data={"places": "2"}).status_code == 302
    db.session.refresh(entry)
    assert entry.status.value == "offered"
    assert "waiting@example.com" in [m["To"] for m in outbox]


# --- cancelling and moving -------------------------------------------------------------------------

def test_cancel_asks_for_confirmation_then_tells_families_and_frees_places(client_as, staff, offer, outbox):
    session = SessionFactory(offer=offer, capacity=5)
    first = _book(session, family=UserFactory(email="first@example.com"))
    _book(session, family=UserFactory(email="second@example.com"))
    client = client_as(staff)
    page = client.get(f"/provider/sessions/{session.id}/cancel")
    assert "Are you sure you want to cancel this session?" in page.text and "We will email 2 families" in page.text
    missing = client.post(f"/provider/sessions/{session.id}/cancel", data={"reason": "  "})
    assert missing.status_code == 422 and "Give a reason for cancelling the session" in missing.text
    outbox.clear()
    done = client.post(f"/provider/sessions/{session.id}/cancel", data={"reason": "The hall roof is leaking"})
    assert done.status_code == 302
    db.session.refresh(session)
    db.session.refresh(first)
    assert session.status is SessionStatus.CANCELLED and session.places_taken == 0
    assert first.status is BookingStatus.CANCELLED
    assert sorted(m["To"] for m in outbox) == ["first@example.com", "second@example.com"]
    assert all("The hall roof is leaking" in m.get_content() for m in outbox)
    assert "released their 2 places" in client.get(done.location).text
    again = client.post(f"/provider/sessions/{session.id}/cancel", data={"reason": "Again"})
    assert again.status_code == 409 and "already been cancelled" in again.text


def test_invisible_characters_are_dropped_from_reasons(client_as, staff, offer):
    session = SessionFactory(offer=offer)
    client = client_as(staff)
    assert client.post(f"/provider/sessions/{session.id}/places",
                       data={"places": "9", "reason": "Bigger\x00 room\x07"}).status_code == 302
    done = client.post(f"/provider/sessions/{session.id}/cancel", data={"reason": " The hall\x00 is flooded "})
    assert done.status_code == 302  # PostgreSQL refuses NUL in text; the form drops it rather than fail
    db.session.refresh(session)
    assert session.cancel_reason == "The hall is flooded"
    nul_only = client.post(f"/provider/sessions/{SessionFactory(offer=offer).id}/cancel", data={"reason": "\x00"})
    assert nul_only.status_code == 422


def test_move_a_session_with_a_reason(client_as, staff, offer, outbox):
    session = SessionFactory(offer=offer, starts_at=datetime(NEXT_YEAR, 7, 1, 9, tzinfo=timezone.utc))
    _book(session, family=UserFactory(email="moved@example.com"))
    client = client_as(staff)
    page = client.get(f"/provider/sessions/{session.id}/move")
    assert 'value="10:00"' in page.text and 'value="12:00"' in page.text  # shown in London time
    missing = client.post(f"/provider/sessions/{session.id}/move", data={
        **_date("day", SUMMER_DAY + timedelta(days=1)), "start_time": "13:00", "end_time": "15:00"})
    assert missing.status_code == 422 and "Give a reason for moving the session" in missing.text
    assert 'value="13:00"' in missing.text
    outbox.clear()
    moved = client.post(f"/provider/sessions/{session.id}/move", data={
        **_date("day", SUMMER_DAY + timedelta(days=1)), "start_time": "13:00", "end_time": "15:00",
        "reason": "The pool is closed that morning"})
    assert moved.status_code == 302
    db.session.refresh(session)
    assert session.starts_at == datetime(NEXT_YEAR, 7, 2, 12, tzinfo=timezone.utc)
    assert session.weekday == (SUMMER_DAY + timedelta(days=1)).weekday()
    assert [m["To"] for m in outbox] == ["moved@example.com"]
    assert "has moved to" in client.get(moved.location).text


def test_a_session_that_has_started_cannot_be_cancelled_or_moved(client_as, staff, offer):
    session = SessionFactory(offer=offer, starts_at=utcnow() - timedelta(minutes=30))
    client = client_as(staff)
    cancelled = client.post(f"/provider/sessions/{session.id}/cancel", data={"reason": "Too late"})
    assert cancelled.status_code == 409 and "already started" in cancelled.text
    moved = client.post(f"/provider/sessions/{session.id}/move", data={
        **_date("day", SUMMER_DAY), "start_time": "13:00", "end_time": "15:00", "reason": "Late"})
    assert moved.status_code == 409
    db.session.refresh(session)
    assert session.status is SessionStatus.OPEN


# --- who may do what -------------------------------------------------------------------------------

SESSION_PAGES = ["places", "cancel", "move", "register"]


def test_another_providers_offers_and_sessions_are_not_found(client_as, staff, offer):
    theirs = SessionFactory()  # another provider's offer and session
    client = client_as(staff)
    assert client.get(f"/provider/offers/{theirs.offer_id}/sessions").status_code == 404
    assert client.get(f"/provider/offers/{theirs.offer_id}/sessions/new").status_code == 404
    assert client.post(f"/provider/offers/{theirs.offer_id}/series/new", data={}).status_code == 404
    for page in SESSION_PAGES:
        assert client.get(f"/provider/sessions/{theirs.id}/{page}").status_code == 404
        assert client.post(f"/provider/sessions/{theirs.id}/{page}", data={"reason": "x", "places": "1"}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is SessionStatus.OPEN and theirs.capacity == 10
    assert client.get("/provider/offers/999999/sessions").status_code == 404


def test_staff_without_an_organisation_and_other_roles_are_refused(client_as, offer):
    session = SessionFactory(offer=offer)
    for user in [UserFactory(role=Role.PROVIDER), UserFactory(role=Role.COUNCIL), UserFactory()]:
        client = client_as(user)
        assert client.get(f"/provider/offers/{offer.id}/sessions").status_code == 403
        assert client.get(f"/provider/sessions/{session.id}/places").status_code == 403
    admin = client_as(UserFactory(role=Role.ADMIN))
    page = admin.get(f"/provider/offers/{offer.id}/sessions")
    assert page.status_code == 200 and "Add a session" not in page.text and "/places" not in page.text
    assert admin.post(f"/provider/sessions/{session.id}/cancel", data={"reason": "x"}).status_code == 403


# --- whatever is posted, never a server error ------------------------------------------------------

junk = st.one_of(st.text(max_size=60), st.sampled_from(["", "0", "-1", "99999999999999999999", "²", "31", "13",
                                                       "24:00", "4pm", "\x00", "1e9", "attended"]))
form_data = st.dictionaries(
    st.sampled_from(["day", "start_time", "end_time", "end_day", "places", "staff", "first_day", "last_day",
                     "weekdays", "interval", "exceptions", "reason"]),
    st.lists(junk, min_size=0, max_size=3),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data)
def test_session_forms_never_fail_with_a_server_error(app, staff, offer, data):
    session = SessionFactory(offer=offer)
    client = app.test_client()
    sign_in(client, staff)
    for url in [f"/provider/offers/{offer.id}/sessions/new", f"/provider/offers/{offer.id}/series/new",
                f"/provider/sessions/{session.id}/places", f"/provider/sessions/{session.id}/cancel",
                f"/provider/sessions/{session.id}/move"]:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    db.session.rollback()
    assert db.session.scalar(select(func.count(WaitingListEntry.id))) == 0
    assert db.session.scalar(select(func.count(Booking.id))) == 0


# --- a message to the families booked --------------------------------------------------------------

def test_a_provider_messages_the_families_booked_once_each_and_they_read_it_with_their_booking(
        client_as, staff, offer, outbox):
    session = SessionFactory(offer=offer, capacity=6)
    twins = UserFactory(email="twins@example.com")
    _book(session, family=twins)
    _book(session, family=twins)  # two children: one email
    _book(session, family=UserFactory(email="other@example.com"))
    gone = _book(session, family=UserFactory(email="cancelled@example.com"))
    gone.status = BookingStatus.CANCELLED
    _book(SessionFactory(offer=offer), family=UserFactory(email="another.session@example.com"))
    db.session.commit()
    client = client_as(staff)
    page = client.get(f"/provider/sessions/{session.id}/message")
    assert page.status_code == 200 and "2 families have a place on this session" in page.text
    empty = client.post(f"/provider/sessions/{session.id}/message", data={"body": " \x00 "})
    assert empty.status_code == 422 and "Write the message to send to families" in empty.text
    outbox.clear()
    words = "Please bring swimwear and a towel.\nWe meet at the side door."
    sent = client.post(f"/provider/sessions/{session.id}/message", data={"body": words})
    assert sent.status_code == 302
    assert "we have emailed 2 families" in client.get(sent.location).text
    assert sorted(m["To"] for m in outbox) == ["other@example.com", "twins@example.com"]
    assert all(words in m.get_content() for m in outbox)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "families_messaged"))
    assert (event.subject_type, event.subject_id, event.actor_id, event.details["families"]) == (
        "Session", session.id, staff.id, 2)
    # Kept with the booking: the family reads it on their bookings page; a family on another session does not.
    family_page = client_as(twins).get("/bookings").text
    assert "Messages from providers" in family_page and "Please bring swimwear and a towel." in family_page
    other_session = db.session.scalar(select(User).where(User.email == "another.session@example.com"))
    assert "Please bring swimwear" not in client_as(other_session).get("/bookings").text
    assert "Please bring swimwear" in client.get(f"/provider/sessions/{session.id}/message").text  # sent, listed
    # A family that books after the message was sent was not written to, and does not read it.
    late = UserFactory(email="late@example.com")
    _book(session, family=late)
    assert "Please bring swimwear" not in client_as(late).get("/bookings").text


def test_a_message_is_shown_as_text_and_not_sent_to_closed_accounts_or_long_after_the_session(
        client_as, staff, offer, outbox):
    session = SessionFactory(offer=offer)
    family = UserFactory(email="open@example.com")
    _book(session, family=family)
    closed = UserFactory(email="erased-1@erased.invalid")
    _book(session, family=closed)
    closed.active = False
    db.session.commit()
    client = client_as(staff)
    page = client.get(f"/provider/sessions/{session.id}/message").text
    assert 'data-prevent-double-click="true"' in page  # a double click does not email everyone twice
    outbox.clear()
    sent = client.post(f"/provider/sessions/{session.id}/message", data={"body": "<script>alert(1)</script> & more"})
    assert sent.status_code == 302
    assert [m["To"] for m in outbox] == ["open@example.com"]
    for text in (client.get(sent.location).text, client_as(family).get("/bookings").text):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text and "<script>alert(1)" not in text
    ended = SessionFactory(offer=offer, starts_at=utcnow() - timedelta(days=9), ends_at=utcnow() - timedelta(days=8))
    db.session.add(Booking(session=ended, child=ChildFactory(parent=family), booked_by_id=family.id,
                           group_ref="ended", funding="free"))
    db.session.commit()
    assert "more than a week ago" in client.get(f"/provider/sessions/{ended.id}/message").text
    refused = client.post(f"/provider/sessions/{ended.id}/message", data={"body": "Lost property"})
    assert refused.status_code == 409 and "more than a week ago" in refused.text


def test_only_the_sessions_own_provider_can_message_and_only_when_someone_is_booked(client_as, staff, offer):
    session = SessionFactory(offer=offer)
    client = client_as(staff)
    nobody = client.post(f"/provider/sessions/{session.id}/message", data={"body": "Hello"})
    assert nobody.status_code == 409 and "there is nobody to send a message to" in nobody.text
    _book(session)
    stranger = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id)
    assert client_as(stranger).post(f"/provider/sessions/{session.id}/message",
                                    data={"body": "Hello"}).status_code == 404
    session.status = SessionStatus.CANCELLED
    db.session.commit()
    cancelled = client.post(f"/provider/sessions/{session.id}/message", data={"body": "Hello"})
    assert cancelled.status_code == 409 and "were told then" in cancelled.text
    too_long = client.post(f"/provider/sessions/{SessionFactory(offer=offer).id}/message", data={"body": "x" * 2001})
    assert too_long.status_code == 422 and "2,000 characters or fewer" in too_long.text
