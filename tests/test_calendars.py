"""Calendars (calendars/, bookings/booked_events.py, portal/ics.py): each feed read back with ``icalendar``; times
across the October clock change, checked against the file's own VTIMEZONE read the way RFC 5545 says; a family's
feed updated by a cancelled booking and a moved session (same UID, higher SEQUENCE); the private links (only a
hash kept, reset stops the old one); the provider's counts without a child's details; the booking confirmation's
calendar file, by the in-memory outbox and over real SMTP; caching and the rate limit."""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from limits import parse_many
from sqlalchemy import select

from calendars.models import CalendarLink
from portal import rate_limits
from portal.extensions import db
from portal.models import AuditEvent, Role
from providers.models import Booking, OfferStatus, ProviderStatus

from .factories import ChildFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
# A client signed in as someone, as the provider session tests make them.
from .test_provider_sessions import _date
# The same app with limits on, and its client, as the other limits are tested with.
from .test_rate_limits import TOO_MANY, limited, limited_app  # noqa: F401 - fixtures

LONDON = ZoneInfo("Europe/London")


def _october_change() -> date:
    """The next Sunday the clocks go back (the last Sunday of October) at least a fortnight away."""
    year = date.today().year
    while True:
        last = date(year, 10, 31)
        sunday = last - timedelta(days=(last.weekday() + 1) % 7)
        if sunday - timedelta(days=14) > date.today():
            return sunday
        year += 1


CHANGE = _october_change()
BEFORE = CHANGE - timedelta(days=1)  # the Saturday before: British Summer Time, UTC+1
AFTER = CHANGE + timedelta(days=6)  # the Saturday after: Greenwich Mean Time, UTC


def at(day: date, hour: int) -> datetime:
    """The UTC instant of a London wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(timezone.utc)


# --- reading a calendar as RFC 5545 says ------------------------------------------------------------------------

def read(response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _onsets(calendar: Calendar) -> list[tuple[datetime, timedelta]]:
    """Europe/London's VTIMEZONE as (UTC instant, offset from then on): each onset (DTSTART and every RDATE) is a
    wall-clock time as read before the change, in TZOFFSETFROM (RFC 5545, 3.6.5)."""
    (zone,) = [z for z in calendar.walk("VTIMEZONE") if str(z["TZID"]) == "Europe/London"]
    onsets = []
    for observance in zone.subcomponents:
        before, after = observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td
        rdates = observance.get("RDATE", [])
        rdates = rdates if isinstance(rdates, list) else [rdates]
        for local in [observance["DTSTART"].dt] + [d.dt for rdate in rdates for d in rdate.dts]:
            assert local.tzinfo is None  # a local time, never UTC
            onsets.append((local.replace(tzinfo=timezone.utc) - before, after))
    return sorted(onsets)


def _offset(onsets, instant: datetime) -> timedelta:
    started = [offset for onset, offset in onsets if onset <= instant]
    assert started, f"the VTIMEZONE does not reach back to {instant}"
    return started[-1]


def _utc(onsets, local: datetime) -> datetime:
    """A wall-clock time in London as an instant, by the VTIMEZONE alone (not the zone database)."""
    found = {local.replace(tzinfo=timezone.utc) - offset for _, offset in onsets
             if _offset(onsets, local.replace(tzinfo=timezone.utc) - offset) == offset}
    assert len(found) == 1, (local, found)
    return found.pop()


def check_times(calendar: Calendar, expected: dict[str, tuple[datetime, datetime]]) -> None:
    """Each event starts and ends at the expected instants, written as London wall-clock times whose zone the file
    itself defines correctly (every half hour of the years it covers agrees with the zone database)."""
    onsets = _onsets(calendar)
    moment, end = onsets[0][0], onsets[-1][0] + timedelta(days=60)
    while moment < end:
        assert _offset(onsets, moment) == moment.astimezone(LONDON).utcoffset(), moment
        moment += timedelta(minutes=30)
    found = events(calendar)
    for uid, (starts, ends) in expected.items():
        event = found[uid]
        for name, instant in (("DTSTART", starts), ("DTEND", ends)):
            assert event[name].params["TZID"] == "Europe/London"
            assert event[name].dt.replace(tzinfo=None) == instant.astimezone(LONDON).replace(tzinfo=None)
            assert _utc(onsets, event[name].dt.replace(tzinfo=None)) == instant
            assert event.decoded(name) == instant  # and as icalendar reads it, with the zone database


# --- an offer's public calendar ---------------------------------------------------------------------------------

def test_an_offers_calendar_gives_its_upcoming_sessions_in_london_time_across_the_clock_change(app, client):
    offer = OfferFactory(title="Saturday Swim", venue="Leisure Centre, Pool Road")
    summer = SessionFactory(offer=offer, starts_at=at(BEFORE, 10), ends_at=at(BEFORE, 12))
    winter = SessionFactory(offer=offer, starts_at=at(AFTER, 10), ends_at=at(AFTER, 12))
    SessionFactory(offer=offer, starts_at=datetime.now(timezone.utc) - timedelta(days=2))  # past: not in it
    calendar = read(client.get(f"/local-offer/{offer.id}/calendar.ics"))
    assert summer.starts_at.hour == 9 and winter.starts_at.hour == 10  # the same wall-clock time, an hour apart
    check_times(calendar, {f"session-{summer.id}@localhost": (summer.starts_at, summer.ends_at),
                           f"session-{winter.id}@localhost": (winter.starts_at, winter.ends_at)})
    assert set(events(calendar)) == {f"session-{summer.id}@localhost", f"session-{winter.id}@localhost"}
    raw = client.get(f"/local-offer/{offer.id}/calendar.ics").text
    assert f"DTSTART;TZID=Europe/London:{BEFORE:%Y%m%d}T100000" in raw
    assert f"DTSTART;TZID=Europe/London:{AFTER:%Y%m%d}T100000" in raw
    event = events(calendar)[f"session-{winter.id}@localhost"]
    assert (str(event["SUMMARY"]), str(event["LOCATION"]), str(event["STATUS"])) == \
        ("Saturday Swim", "Leisure Centre, Pool Road", "CONFIRMED")
    assert event["SEQUENCE"] == 0 and f"http://localhost/local-offer/{offer.id}" in str(event["DESCRIPTION"])


def test_an_offers_calendar_is_cacheable_and_shows_a_cancelled_session_as_cancelled(app, client, client_as):
    staff = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id)
    offer = OfferFactory(provider=staff.provider)
    session = SessionFactory(offer=offer, starts_at=at(AFTER, 10), ends_at=at(AFTER, 12))
    first = client.get(f"/local-offer/{offer.id}/calendar.ics")
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    assert "max-age=300" in first.headers["Cache-Control"]
    again = client.get(f"/local-offer/{offer.id}/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client_as(staff).post(f"/provider/sessions/{session.id}/cancel",
                                 data={"reason": "The pool is closed"}).status_code == 302
    changed = client.get(f"/local-offer/{offer.id}/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    event = events(read(changed))[f"session-{session.id}@localhost"]
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    assert "The pool is closed" in str(event["DESCRIPTION"])


def test_only_offers_the_local_offer_shows_have_a_public_calendar(app, client):
    assert client.get(f"/local-offer/{OfferFactory(status=OfferStatus.DRAFT).id}/calendar.ics").status_code == 404
    suspended = OfferFactory(provider=ProviderFactory(status=ProviderStatus.SUSPENDED))
    assert client.get(f"/local-offer/{suspended.id}/calendar.ics").status_code == 404
    assert client.get("/local-offer/999999/calendar.ics").status_code == 404


def test_the_offer_page_links_to_its_calendar_in_the_pages_language(app, client):
    offer = OfferFactory()
    SessionFactory(offer=offer)
    page = client.get(f"/local-offer/{offer.id}").text
    assert f'href="webcal://localhost/local-offer/{offer.id}/calendar.ics"' in page
    assert f'href="http://localhost/local-offer/{offer.id}/calendar.ics"' in page
    polish = client.get(f"/local-offer/{offer.id}?lang=pl").text
    assert f"/local-offer/{offer.id}/calendar.ics?language=pl" in polish
    for asked, language in (("", "en"), ("?language=pl", "pl"), ("?language=xx", "en")):
        (event,) = events(read(client.get(f"/local-offer/{offer.id}/calendar.ics{asked}"))).values()
        assert event["DESCRIPTION"].params["LANGUAGE"] == language


# --- a family's private calendar ---------------------------------------------------------------------------------

def _make_link(client) -> str:
    page = client.post("/bookings/calendar")
    assert page.status_code == 200
    return re.search(r"http://localhost(/calendars/family/[^<\s]+\.ics)", unescape(page.text)).group(1)


def test_a_familys_calendar_follows_a_cancelled_booking_and_a_moved_session(app, client, client_as):
    staff = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory(name="Oakfield Play").id)
    offer = OfferFactory(provider=staff.provider, title="Saturday Club")
    family = UserFactory(email="amira@example.com")
    zara = ChildFactory(parent=family, first_name="Zara", last_name="Khan", needs_notes="Loves trains")
    stays = SessionFactory(offer=offer, starts_at=at(BEFORE - timedelta(days=7), 10),
                           ends_at=at(BEFORE - timedelta(days=7), 12))
    moves = SessionFactory(offer=offer, starts_at=at(BEFORE, 10), ends_at=at(BEFORE, 12))
    family_client = client_as(family)
    for session in (stays, moves):
        assert family_client.post(f"/sessions/{session.id}/book", data={
            "children": [zara.id], "carer_places": 0, "funding": "free"}).status_code == 302
    feed = _make_link(family_client)
    answer = client.get(feed)  # a calendar app: not signed in
    assert "no-store" in answer.headers["Cache-Control"] and "private" in answer.headers["Cache-Control"]
    assert answer.headers["X-Robots-Tag"] == "noindex"
    before = events(read(answer))
    stays_uid, moves_uid = (f"session-{s.id}-family-{family.id}@localhost" for s in (stays, moves))
    assert set(before) == {stays_uid, moves_uid}
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in before.values())
    assert "Zara" in str(before[moves_uid]["DESCRIPTION"])
    assert "Khan" not in answer.text and "Loves trains" not in answer.text  # first names only, nothing about needs

    booking = db.session.scalar(select(Booking).where(Booking.session_id == stays.id))
    assert family_client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    assert client_as(staff).post(f"/provider/sessions/{moves.id}/move", data={
        **_date("day", AFTER), "start_time": "11:00", "end_time": "13:00",
        "reason": "The hall is booked that morning"}).status_code == 302

    calendar = read(client.get(feed))
    after = events(calendar)
    assert set(after) == {stays_uid, moves_uid}
    assert str(after[stays_uid]["STATUS"]) == "CANCELLED" and str(after[stays_uid]["SUMMARY"]).startswith("Cancelled")
    assert after[stays_uid]["SEQUENCE"] > before[stays_uid]["SEQUENCE"]
    assert str(after[moves_uid]["STATUS"]) == "CONFIRMED"
    assert after[moves_uid]["SEQUENCE"] > before[moves_uid]["SEQUENCE"]
    assert after[moves_uid]["DTSTAMP"].dt >= before[moves_uid]["DTSTAMP"].dt
    # Moved across the clock change: 10:00 BST on the Saturday before, now 11:00 GMT on the Saturday after.
    check_times(calendar, {moves_uid: (at(AFTER, 11), at(AFTER, 13))})
    assert at(AFTER, 11).hour == 11 and at(BEFORE, 10).hour == 9

    # The provider cancels the moved session: the family's event is cancelled too, and its SEQUENCE goes up again.
    assert client_as(staff).post(f"/provider/sessions/{moves.id}/cancel",
                                 data={"reason": "Our minibus has broken down"}).status_code == 302
    last = events(read(client.get(feed)))[moves_uid]
    assert str(last["STATUS"]) == "CANCELLED" and last["SEQUENCE"] > after[moves_uid]["SEQUENCE"]
    assert "Our minibus has broken down" in str(last["DESCRIPTION"])


def test_only_a_hash_of_the_familys_link_is_kept_and_a_new_link_stops_the_old_one(app, client, client_as):
    family = UserFactory()
    family_client = client_as(family)
    assert "Make a calendar link" in family_client.get("/bookings/calendar").text
    first = _make_link(family_client)
    secret = first.rsplit("/", 1)[1].removesuffix(".ics")
    link = db.session.scalar(select(CalendarLink).where(CalendarLink.family_id == family.id))
    assert link.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([(c.name, getattr(link, c.name)) for c in CalendarLink.__table__.columns])
    assert read(client.get(first)).walk("VEVENT") == []
    page = family_client.get("/bookings/calendar").text
    assert secret not in page and "Make a new calendar link" in page  # shown once only
    second = _make_link(family_client)
    assert second != first
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "CalendarLink")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["calendar_link_made", "calendar_link_reset"]
    family.active = False  # a deleted (anonymised) or deactivated account
    db.session.commit()
    assert client.get(second).status_code == 404
    assert client.get("/calendars/family/not-a-real-secret.ics").status_code == 404


def test_the_familys_calendar_is_in_their_language(app, client, client_as):
    family = UserFactory(language="pl")
    child = ChildFactory(parent=family)
    session = SessionFactory()
    family_client = client_as(family)
    family_client.post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                             "funding": "free"})
    feed = _make_link(family_client)
    (event,) = events(read(client.get(feed))).values()  # fetched by a calendar app, which says no language
    assert event["DESCRIPTION"].params["LANGUAGE"] == "pl"


def test_the_bookings_and_account_pages_lead_to_the_calendar(app, client_as):
    family = UserFactory()
    child = ChildFactory(parent=family)
    session = SessionFactory()
    family_client = client_as(family)
    family_client.post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                             "funding": "free"})
    bookings = family_client.get("/bookings").text
    assert f'href="/bookings/sessions/{session.id}/calendar.ics"' in bookings
    assert 'href="/bookings/calendar"' in bookings
    assert 'href="/bookings/calendar"' in family_client.get("/account").text


def test_add_to_calendar_downloads_the_same_event_as_the_familys_calendar(app, client, client_as):
    family = UserFactory()
    child = ChildFactory(parent=family, first_name="Omar")
    session = SessionFactory()
    family_client = client_as(family)
    family_client.post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                             "funding": "free"})
    download = family_client.get(f"/bookings/sessions/{session.id}/calendar.ics")
    assert download.headers["Content-Disposition"] == 'attachment; filename="short-breaks.ics"'
    assert "no-store" in download.headers["Cache-Control"]
    calendar = read(download)
    assert str(calendar["METHOD"]) == "PUBLISH"
    feed = events(read(client.get(_make_link(family_client))))
    assert events(calendar).keys() == feed.keys() == {f"session-{session.id}-family-{family.id}@localhost"}
    uid = next(iter(feed))
    assert events(calendar)[uid]["SEQUENCE"] == feed[uid]["SEQUENCE"]
    assert client_as(UserFactory()).get(f"/bookings/sessions/{session.id}/calendar.ics").status_code == 404
    assert family_client.get(f"/bookings/sessions/{SessionFactory().id}/calendar.ics").status_code == 404


# --- the booking confirmation's calendar file -------------------------------------------------------------------

def _attached_calendar(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "short-breaks.ics"
    assert part.get_param("method") == "PUBLISH" and part.get_param("charset") == "utf-8"
    return Calendar.from_ical(part.get_content())


def test_the_confirmation_email_carries_the_booking_as_a_calendar_file(app, client_as, outbox):
    family = UserFactory(email="ella@example.com")
    child = ChildFactory(parent=family, first_name="Ella")
    session = SessionFactory(starts_at=at(AFTER, 10), ends_at=at(AFTER, 12))
    client_as(family).post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                                 "funding": "free"})
    (message,) = [m for m in outbox if "Booking confirmed" in m["Subject"]]
    assert "calendar file attached" in message.get_body(("plain",)).get_content()
    calendar = _attached_calendar(message)
    uid = f"session-{session.id}-family-{family.id}@localhost"
    assert set(events(calendar)) == {uid} and "Ella" in str(events(calendar)[uid]["DESCRIPTION"])
    check_times(calendar, {uid: (session.starts_at, session.ends_at)})


def test_the_calendar_file_reaches_the_family_over_smtp(app, client_as, smtp_server):
    family = UserFactory(email="sami@example.com")
    child = ChildFactory(parent=family)
    session = SessionFactory()
    client_as(family).post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                                 "funding": "free"})
    (message,) = [m for m in smtp_server.to("sami@example.com") if "Booking confirmed" in m["Subject"]]
    assert "Your booking is confirmed" in message.get_body(("plain",)).get_content()
    calendar = _attached_calendar(message)
    assert set(events(calendar)) == {f"session-{session.id}-family-{family.id}@localhost"}


# --- a provider's private calendar -------------------------------------------------------------------------------

def test_a_providers_calendar_counts_places_and_bookings_and_names_no_child(app, client, client_as):
    provider = ProviderFactory(name="Oakfield Play")
    admin = UserFactory(role=Role.PROVIDER, provider_id=provider.id, is_provider_admin=True)
    colleague = UserFactory(role=Role.PROVIDER, provider_id=provider.id)
    offer = OfferFactory(provider=provider, title="Holiday Club")
    session = SessionFactory(offer=offer, capacity=10, starts_at=at(BEFORE, 10), ends_at=at(BEFORE, 15))
    other = SessionFactory(offer=OfferFactory(), starts_at=at(AFTER, 10))  # another provider's
    family = UserFactory(name="Pat Parent", email="pat@example.com")
    child = ChildFactory(parent=family, first_name="Yusuf", last_name="Begum", needs_notes="Uses a wheelchair")
    client_as(family).post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 1,
                                                                 "funding": "free"})
    staff_client = client_as(colleague)
    assert "Ask one of your organisation" not in staff_client.get("/provider/calendar").text
    assert staff_client.post("/provider/calendar").status_code == 403  # only an admin makes or resets it
    page = client_as(admin).post("/provider/calendar")
    assert page.status_code == 200
    feed = re.search(r"http://localhost(/calendars/provider/[^<\s]+\.ics)", unescape(page.text)).group(1)
    assert "Ask one of your organisation" in staff_client.get("/provider/calendar").text
    answer = client.get(feed)
    assert "no-store" in answer.headers["Cache-Control"]
    calendar = read(answer)
    found = events(calendar)
    assert set(found) == {f"session-{session.id}@localhost"}
    event = found[f"session-{session.id}@localhost"]
    assert str(event["SUMMARY"]) == "Holiday Club: 2 of 10 places taken"
    description = str(event["DESCRIPTION"])
    assert "Places: 10" in description and "Booked: 2 (1 of them a carer place)" in description
    assert "Places left: 8" in description and f"/provider/sessions/{session.id}/register" in description
    for personal in ("Yusuf", "Begum", "wheelchair", "Pat Parent", "pat@example.com"):
        assert personal not in answer.text
    check_times(calendar, {f"session-{session.id}@localhost": (session.starts_at, session.ends_at)})
    assert other.id != session.id
    # A new link stops the old one.
    client_as(admin).post("/provider/calendar")
    assert client.get(feed).status_code == 404


# --- the rate limit ----------------------------------------------------------------------------------------------

def test_calendars_are_limited_per_address(limited):  # noqa: F811 - the fixture
    offer = OfferFactory()
    allowed = min(item.amount for item in parse_many(rate_limits.CALENDAR_PER_ADDRESS))
    answers = {limited.get(f"/local-offer/{offer.id}/calendar.ics").status_code for _ in range(allowed)}
    assert answers == {200}
    blocked = limited.get("/calendars/family/any-secret.ics")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert TOO_MANY in unescape(blocked.text)
    other = limited.get(f"/local-offer/{offer.id}/calendar.ics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
