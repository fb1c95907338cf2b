"""Each offer's kept next sessions (providers.next_sessions, table offer_next_sessions): the triggers keep them true
whatever writes the sessions, the search uses an offer's row only while it answers and asks the sessions otherwise,
and the scheduled check works out again the rows whose next session has started."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from portal.extensions import db
from portal.timeutil import to_london, utcnow
from providers import next_sessions
from providers.commands import check_next_sessions
from providers.models import Offer, Session, SessionStatus, offer_next_sessions

from .factories import OfferFactory, SessionFactory
from .test_search_usable import titles as search_titles


def days_ahead(days: float):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


def kept(offer_id: int) -> dict | None:
    row = db.session.execute(select(offer_next_sessions).where(offer_next_sessions.c.offer_id == offer_id)).first()
    return None if row is None else {day: row._mapping[f"day_{day}"] for day in range(7)}


def checked_at(offer_id: int):
    return db.session.scalar(select(offer_next_sessions.c.checked_at).where(offer_next_sessions.c.offer_id == offer_id))


def truth(offer_id: int) -> dict:
    """Worked out from the sessions: the next open session on each weekday."""
    found = {day: None for day in range(7)}
    for session in db.session.scalars(select(Session).where(
            Session.offer_id == offer_id, Session.status == SessionStatus.OPEN, Session.starts_at > utcnow())
            .order_by(Session.starts_at.desc())):
        found[session.weekday] = session.starts_at
    return found


def add_in_bulk(offer: Offer, *starts) -> None:
    """Sessions inserted as the CSV import and the demo builder do, without the ORM."""
    db.session.execute(insert(Session.__table__), [
        {"offer_id": offer.id, "starts_at": start, "ends_at": start + timedelta(hours=2),
         "weekday": to_london(start).weekday(), "capacity": 8, "places_taken": 0, "staff_units_taken": 0,
         "status": SessionStatus.OPEN} for start in starts])


def test_the_triggers_keep_each_offers_next_sessions_whatever_writes_the_sessions(app):
    club, quiet = OfferFactory(), OfferFactory()
    first = SessionFactory(offer=club, starts_at=days_ahead(3))
    SessionFactory(offer=club, starts_at=days_ahead(10))  # the same weekday a week later
    SessionFactory(offer=club, starts_at=days_ahead(-4))  # started already: not a next session
    db.session.commit()
    assert kept(club.id) == truth(club.id) and kept(club.id)[first.weekday] == first.starts_at
    assert kept(quiet.id) is None  # never had a session

    add_in_bulk(club, days_ahead(1), days_ahead(2), days_ahead(-1))
    db.session.commit()
    assert kept(club.id) == truth(club.id)
    assert sum(value is not None for value in kept(club.id).values()) == 3

    first.status = SessionStatus.CANCELLED  # the week after's session on that day becomes the next
    db.session.commit()
    assert kept(club.id) == truth(club.id) and kept(club.id)[first.weekday] == first.starts_at + timedelta(days=7)

    first.status = SessionStatus.OPEN  # reopened
    db.session.commit()
    assert kept(club.id)[first.weekday] == first.starts_at

    first.starts_at, first.ends_at = days_ahead(4), days_ahead(4) + timedelta(hours=1)  # moved to the next day
    first.weekday = to_london(first.starts_at).weekday()
    db.session.commit()
    assert kept(club.id) == truth(club.id)

    db.session.execute(delete(Session).where(Session.id == first.id))
    db.session.commit()
    assert kept(club.id) == truth(club.id)

    before = checked_at(club.id)
    db.session.execute(update(Session).where(Session.offer_id == club.id).values(places_taken=1))  # a booking
    db.session.commit()
    assert checked_at(club.id) == before  # places changing does not touch the row

    db.session.execute(delete(Offer).where(Offer.id == club.id))
    db.session.commit()
    assert kept(club.id) is None


def test_the_search_asks_the_sessions_for_an_offer_whose_row_is_out_of_date(app, client, monkeypatch):
    """Once an offer's kept next session has started, its row no longer answers: the search works that offer's next
    session out from the sessions (so it is never wrong), and the scheduled check brings the row up to date."""
    soon, later = OfferFactory(title="Soon Club"), OfferFactory(title="Later Club")
    SessionFactory(offer=soon, starts_at=days_ahead(1))
    week_on = SessionFactory(offer=soon, starts_at=days_ahead(6))
    SessionFactory(offer=later, starts_at=days_ahead(3))
    db.session.commit()

    def titles(asked: int) -> list[str]:
        # A different address each time: the page cache keeps anonymous pages, and the clock moves between asks.
        return search_titles(client.get(f"/local-offer?sort=soonest&ask={asked}"))

    assert titles(1) == ["Soon Club", "Later Club"]
    # Two days on: Soon Club's next session is in four days, Later Club's in one.
    moved = utcnow() + timedelta(days=2)
    monkeypatch.setattr("local_offer.search.utcnow", lambda: moved)
    assert next_sessions.out_of_date(moved) == [soon.id]
    assert titles(2) == ["Later Club", "Soon Club"]

    assert check_next_sessions(moved) == 1
    assert next_sessions.out_of_date(moved) == []
    assert min(v for v in kept(soon.id).values() if v) == week_on.starts_at
    assert titles(3) == ["Later Club", "Soon Club"]


def test_a_day_filter_finds_offers_by_their_kept_sessions_and_by_their_sessions_when_out_of_date(app, client,
                                                                                               monkeypatch):
    club = OfferFactory(title="Weekly Club")
    session = SessionFactory(offer=club, starts_at=days_ahead(2))
    db.session.commit()
    day = session.weekday
    assert "Weekly Club" in client.get(f"/local-offer?day={day}").text
    assert "Weekly Club" not in client.get(f"/local-offer?day={(day + 1) % 7}").text
    # After it has started there is no session to come on that day.
    moved = utcnow() + timedelta(days=3)
    monkeypatch.setattr("local_offer.search.utcnow", lambda: moved)
    assert "Weekly Club" not in client.get(f"/local-offer?day={day}&ask=later").text


def test_two_transactions_adding_and_cancelling_the_same_offers_sessions_at_once_both_count(app):
    """PostgreSQL: a cancellation works the row out again while another transaction adds an earlier session; the
    row waits for the other and includes its session (it is not worked out from what was there before)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    club = OfferFactory()
    later = SessionFactory(offer=club, starts_at=days_ahead(9))
    db.session.commit()
    offer_id, later_id, earlier_start = club.id, later.id, days_ahead(2)
    engine = db.engine
    adding = engine.connect()
    try:
        transaction = adding.begin()
        adding.execute(insert(Session.__table__).values(
            offer_id=offer_id, starts_at=earlier_start, ends_at=earlier_start + timedelta(hours=1),
            weekday=to_london(earlier_start).weekday(), capacity=5, places_taken=0, staff_units_taken=0,
            status=SessionStatus.OPEN))
        failures = []

        def cancel():
            try:
                with engine.begin() as other:
                    other.execute(update(Session.__table__).where(Session.__table__.c.id == later_id)
                                  .values(status=SessionStatus.CANCELLED))
            except Exception as error:  # noqa: BLE001 - reported by the test below
                failures.append(error)

        worker = threading.Thread(target=cancel)
        worker.start()
        worker.join(1)
        assert worker.is_alive(), failures  # waiting for the row the adding transaction holds
        transaction.commit()
    finally:
        adding.close()
    worker.join(10)
    assert not worker.is_alive() and not failures
    db.session.expire_all()
    assert kept(offer_id)[to_london(earlier_start).weekday()] == earlier_start
    assert kept(offer_id) == truth(offer_id)
