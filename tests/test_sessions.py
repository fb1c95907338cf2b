"""Providers publish sessions and series, change places, cancel and move sessions."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from bookings.places import book_places
from bookings.session_changes import cancel_session, change_places, move_session
from bookings.waiting_lists import join_waiting_list
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Role
from portal.timeutil import to_london
from providers.models import (
    Booking,
    BookingStatus,
    Session,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)
from providers.sessions import create_series, weekly_rule

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory


def test_weekly_series_expands_with_exceptions_and_keeps_london_wall_clock(app):
    offer = OfferFactory()
    staff = UserFactory(role=Role.PROVIDER)
    today = date.today()
    first = today + timedelta(days=1)
    last = first + timedelta(days=7 * 30)
    exception = first + timedelta(days=7)
    rule = weekly_rule(first, last, [first.weekday()], 1)
    series = create_series(offer, rule=rule, first_day=first, start=time(16, 0), end=time(18, 0), capacity=8,
                           exceptions=[exception], by=staff)
    db.session.commit()
    sessions = db.session.scalars(select(Session).where(Session.series_id == series.id).order_by(Session.starts_at)).all()
    assert series.rrule.startswith("RRULE:FREQ=WEEKLY")
    assert len(sessions) == 30  # 31 weeks less the exception
    assert exception not in {to_london(s.starts_at).date() for s in sessions}
    assert {to_london(s.starts_at).strftime("%H:%M") for s in sessions} == {"16:00"}  # across the clock change too
    assert {s.weekday for s in sessions} == {first.weekday()}


def test_fortnightly_series(app):
    offer = OfferFactory()
    first = date.today() + timedelta(days=1)
    rule = weekly_rule(first, first + timedelta(days=55), [first.weekday()], 2)
    series = create_series(offer, rule=rule, first_day=first, start=time(10), end=time(12), capacity=5, by=None)
    assert len(series.sessions) == 4


def test_lowering_places_below_bookings_is_refused_with_the_reason(app):
    session = SessionFactory(capacity=5)
    family = UserFactory()
    book_places(family, session, [ChildFactory(parent=family), ChildFactory(parent=family)], "free")
    db.session.commit()
    with pytest.raises(DomainError, match="2 places are already booked"):
        change_places(session, 1, by=None)
    db.session.rollback()
    change_places(session, 2, by=None)
    db.session.commit()
    assert session.capacity == 2


def test_adding_places_offers_them_to_the_waiting_list(app):
    session = SessionFactory(capacity=1)
    first, second = UserFactory(), UserFactory()
    book_places(first, session, [ChildFactory(parent=first)], "free")
    entry = join_waiting_list(second, session, [ChildFactory(parent=second)])
    db.session.commit()
    change_places(session, 2, by=None)
    db.session.commit()
    assert entry.status is WaitingStatus.OFFERED


def test_cancelling_a_session_tells_every_family_by_real_smtp_and_frees_places(app, smtp_server):
    session = SessionFactory(capacity=3)
    families = [UserFactory(email=f"family{i}@example.com") for i in range(3)]
    for family in families:
        book_places(family, session, [ChildFactory(parent=family)], "free")
    waiting = UserFactory(email="waiting@example.com")
    join_waiting_list(waiting, session, [ChildFactory(parent=waiting)])
    db.session.commit()
    smtp_server.messages.clear()
    released = cancel_session(session, reason="The hall is flooded", by=UserFactory(role=Role.PROVIDER))
    db.session.commit()
    assert len(released) == 3
    assert session.status is SessionStatus.CANCELLED and session.places_taken == 0
    assert db.session.scalar(select(func.count()).where(Booking.status == BookingStatus.CONFIRMED)) == 0
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == ["family0@example.com", "family1@example.com", "family2@example.com", "waiting@example.com"]
    assert all("The hall is flooded" in m.get_content() for m in smtp_server.messages)
    assert db.session.scalar(select(WaitingListEntry)).status is WaitingStatus.LEFT


def test_moving_a_session_tells_booked_families(app, smtp_server):
    session = SessionFactory()
    family = UserFactory(email="moved@example.com")
    book_places(family, session, [ChildFactory(parent=family)], "free")
    db.session.commit()
    smtp_server.messages.clear()
    new_start = session.starts_at + timedelta(days=2)
    move_session(session, new_start, new_start + timedelta(hours=2), reason="Venue change", by=None)
    db.session.commit()
    assert [m["To"] for m in smtp_server.messages] == ["moved@example.com"]
    assert session.weekday == to_london(new_start).weekday()


def test_suspended_provider_sessions_cannot_be_booked(app):
    from providers.models import ProviderStatus

    session = SessionFactory()
    session.offer.provider.status = ProviderStatus.SUSPENDED
    db.session.commit()
    family = UserFactory()
    with pytest.raises(DomainError, match="not taking bookings"):
        book_places(family, session, [ChildFactory(parent=family)], "free")
