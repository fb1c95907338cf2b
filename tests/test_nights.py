"""Nights away: counted as the nights a child is away at 3am, in any rolling twelve months and as the longest run
across bookings; a booking that reaches the trust's warning thresholds is shown to the family, flagged to the trust
(who was told, when) and never refused."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from bookings import nights
from bookings.places import book_places
from bookings.nights import NightsFlag
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.notify import OutboxEmail
from portal.timeutil import LONDON, london_today
from providers.models import Booking, BookingStatus, Category

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory


def _london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def test_a_night_is_an_evening_away_until_after_3am_in_london():
    friday = date(2026, 10, 23)
    assert nights.nights_of(_london(friday, 17), _london(friday + timedelta(days=1), 10)) == [friday]
    assert nights.nights_of(_london(friday, 22), _london(friday + timedelta(days=1), 0, 30)) == []  # a late disco
    assert nights.nights_of(_london(friday, 10), _london(friday, 16)) == []
    # The clocks go back at 2am on Sunday 25 October 2026: the weekend is still two nights.
    assert nights.nights_of(_london(friday, 17), _london(friday + timedelta(days=2), 10)) == [
        friday, friday + timedelta(days=1)]


def test_the_year_rolls_across_new_year_and_twelve_months_never_take_in_a_366th_day():
    christmas = {date(2026, 12, 27) + timedelta(days=n) for n in range(10)}  # 27 December to 5 January
    assert nights.most_in_a_year(christmas) == 10  # not split at 1 January (or at 31 March)
    first = date(2026, 3, 1)
    assert nights.most_in_a_year({first, first + timedelta(days=364)}) == 2  # 28 February 2027
    assert nights.most_in_a_year({first, first + timedelta(days=365)}) == 1  # 1 March 2027
    leap = date(2027, 3, 1)  # twelve months from here take in 29 February 2028: 366 days
    assert nights.most_in_a_year({leap, leap + timedelta(days=365)}) == 2
    assert nights.longest_run(christmas) == 10
    assert nights.longest_run({first, first + timedelta(days=2)}) == 1


@pytest.fixture
def overnight(app):
    return OfferFactory(title="Oak House Overnight Stays", category=Category.OVERNIGHT, min_age=5, max_age=17)


def _stay(offer, first_night: date, count: int):
    return SessionFactory(offer=offer, starts_at=_london(first_night, 17),
                          ends_at=_london(first_night + timedelta(days=count), 10), capacity=4)


def test_a_run_of_nights_goes_across_two_bookings(overnight):
    family = UserFactory()
    child = ChildFactory(parent=family)
    friday = london_today() + timedelta(days=30)
    for session in (_stay(overnight, friday, 2), _stay(overnight, friday + timedelta(days=2), 2)):
        db.session.add(Booking(session=session, child=child, booked_by_id=family.id, group_ref=f"g{session.id}",
                               funding="free"))
    cancelled = _stay(overnight, friday + timedelta(days=4), 3)
    db.session.add(Booking(session=cancelled, child=child, booked_by_id=family.id, group_ref="gone",
                           funding="free", status=BookingStatus.CANCELLED))
    db.session.commit()
    counted = nights.count(nights.booked_nights(child.id))
    assert (counted.run, counted.year) == (4, 4)  # Friday to Monday night; the cancelled stay does not count


def test_reaching_a_warning_is_shown_to_the_family_flagged_to_the_trust_and_never_refused(
        app, client_as, overnight, monkeypatch):
    monkeypatch.setitem(app.config, "NIGHTS_WARN_RUN", 5)
    monkeypatch.setitem(app.config, "NIGHTS_WARN_YEAR", 60)
    trust_staff = UserFactory(role=Role.TRUST, email="priya@trust.example.org")
    family = UserFactory()
    omar = ChildFactory(parent=family, first_name="Omar")
    start = london_today() + timedelta(days=20)
    first = _stay(overnight, start, 3)
    second = _stay(overnight, start + timedelta(days=3), 3)  # six nights in a row with the first
    db.session.commit()
    client = client_as(family)
    booked = client.post(f"/sessions/{first.id}/book", data={"children": [omar.id], "funding": "free",
                                                             "carer_places": "0"})
    assert booked.status_code == 302
    assert db.session.scalar(select(NightsFlag)) is None  # three nights: below the warning
    page = client.get(f"/sessions/{second.id}/book").text
    assert "Nights away: Omar" in page
    assert "Omar would have 6 nights away in 12 months, and 6 nights in a row at the longest" in page
    assert "This does not stop the booking." in page
    booked = client.post(f"/sessions/{second.id}/book", data={"children": [omar.id], "funding": "free",
                                                              "carer_places": "0"})
    assert booked.status_code == 302  # never refused
    assert db.session.scalar(select(Booking.status).where(Booking.session_id == second.id)) is BookingStatus.CONFIRMED
    flag = db.session.scalar(select(NightsFlag))
    assert (flag.child_id, flag.longest_run, flag.nights_in_year, flag.told) == (
        omar.id, 6, 6, ["priya@trust.example.org"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "nights_threshold_reached"))
    assert (event.subject_id, event.details["told"]) == (omar.id, ["priya@trust.example.org"])
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "priya@trust.example.org"))
    assert "6 nights in a row" in email.body and "/trust/nights-away" in email.body

    listed = client_as(trust_staff).get("/trust/nights-away")
    assert listed.status_code == 200
    assert omar.full_name in listed.text and "Near the limit" in listed.text


def test_a_booking_is_measured_by_the_year_around_it_and_the_trust_is_told_once(app, overnight, monkeypatch):
    monkeypatch.setitem(app.config, "NIGHTS_WARN_RUN", 5)
    UserFactory(role=Role.TRUST, email="priya@trust.example.org")
    family = UserFactory()
    child = ChildFactory(parent=family)
    # A busy spell long ago: eight nights in a row, two years back.
    long_ago = _stay(overnight, london_today() - timedelta(days=730), 8)
    db.session.add(Booking(session=long_ago, child=child, booked_by_id=family.id, group_ref="long-ago",
                           funding="free"))
    db.session.commit()
    start = london_today() + timedelta(days=20)
    book_places(family, _stay(overnight, start, 2), [child], "free")
    db.session.commit()
    assert db.session.scalar(select(NightsFlag)) is None  # two nights now: the old run is not this booking's
    _before, after = nights.with_sessions(child, [_stay(overnight, start + timedelta(days=2), 4)])
    assert (after.run, after.year) == (6, 6)
    book_places(family, _stay(overnight, start + timedelta(days=2), 4), [child], "free")
    db.session.commit()
    book_places(family, _stay(overnight, start + timedelta(days=6), 1), [child], "free")  # seven in a row
    db.session.commit()
    flags = db.session.scalars(select(NightsFlag)).all()
    assert [(f.longest_run, f.told) for f in flags] == [(6, ["priya@trust.example.org"])]  # told once, at six
