"""The local offer search and the offer page cost the same number of SQL queries at any size."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.notify import OutboxEmail
from portal.timeutil import utcnow
from providers.models import Booking

from .factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)


@contextmanager
def count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def build(offers: int, sessions_each: int):
    locality = LocalityFactory()
    providers = [ProviderFactory() for _ in range(max(offers // 5, 1))]
    made = []
    for i in range(offers):
        offer = OfferFactory(provider=providers[i % len(providers)], locality=locality, title=f"Club {i:04d}")
        offer.needs = ["autism", "learning"]
        offer.features = ["step_free", "quiet_space"]
        made.append(offer)
        for day in range(sessions_each):
            SessionFactory(offer=offer, starts_at=utcnow() + timedelta(days=day + 1))
    db.session.commit()
    return made


def measure(client, url: str) -> int:
    client.get(url)  # warm up: the first request loads the signed-in user
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


SEARCHES = ["/local-offer", "/local-offer?q=club&age=8&need=autism&tier=universal&day=0&day=5&cost=free&feature=step_free",
            "/local-offer?page=2"]


@pytest.mark.parametrize("url", SEARCHES)
def test_search_queries_do_not_grow_with_data(app, login, url):
    family = UserFactory(role=Role.PARENT_CARER)
    ChildFactory(parent=family)
    client = login(family)
    build(offers=25, sessions_each=2)
    small = measure(client, url)
    build(offers=250, sessions_each=2)
    large = measure(client, url)
    assert small == large, f"{url}: {small} queries with 25 offers, {large} with 275"


def test_offer_page_queries_do_not_grow_with_sessions(app, client):
    small_offer = build(offers=1, sessions_each=3)[0]
    large_offer = build(offers=1, sessions_each=30)[0]
    assert measure(client, f"/local-offer/{small_offer.id}") == measure(client, f"/local-offer/{large_offer.id}")


def test_booking_reads_the_familys_children_once(app, login):
    """The booking view, its form and the booking service each ask which children the family may book for: the
    answer is read from the database once per request, whatever the number of children."""
    family = UserFactory(role=Role.PARENT_CARER)
    children = [ChildFactory(parent=family) for _ in range(3)]
    offer = OfferFactory(price_pence=0, min_age=0, max_age=25)
    session = SessionFactory(offer=offer, starts_at=utcnow() + timedelta(days=3), capacity=10)
    db.session.commit()
    client = login(family)
    client.get("/")  # the first request loads the signed-in user
    with count_queries() as statements:
        response = client.post(f"/sessions/{session.id}/book",
                               data={"children": [children[0].id], "carer_places": "0", "funding": "free"})
    assert response.status_code == 302, response.get_data(as_text=True)
    # Up to the commit: the tests then send the confirmation email at once, as a job, in the same process.
    request = statements[:next(i for i, s in enumerate(statements) if s.startswith("UPDATE outbox_emails"))]
    reads = [s for s in request if "FROM children" in s and "family_access" in s]
    assert len(reads) == 1, request
    assert not [s for s in request if s.lstrip().startswith("SELECT family_access")], request


def test_a_booking_writes_its_places_in_one_flush_and_its_record_and_email_as_one_insert_each(app, login):
    """The places and the session's count of them are written by one flush of the ORM's unit of work, and the audit
    entry and the confirmation email each by one INSERT of their own, so that the commit has nothing left to
    flush (each flush cost about a millisecond of CPU a booking). What is written is still all there."""
    family = UserFactory(role=Role.PARENT_CARER)
    child = ChildFactory(parent=family)
    offer = OfferFactory(price_pence=0, min_age=0, max_age=25)
    session = SessionFactory(offer=offer, starts_at=utcnow() + timedelta(days=3), capacity=10)
    db.session.commit()
    client = login(family)
    client.get("/")
    flushed = []

    def after_flush(orm_session, _context):
        flushed.append({type(o).__name__ for o in [*orm_session.new, *orm_session.dirty]})

    event.listen(db.session(), "after_flush", after_flush)
    try:
        with count_queries() as statements:
            response = client.post(f"/sessions/{session.id}/book",
                                   data={"children": [child.id], "carer_places": "0", "funding": "free"})
    finally:
        event.remove(db.session(), "after_flush", after_flush)
    assert response.status_code == 302, response.get_data(as_text=True)
    # Up to the commit: the tests then send the confirmation email at once, as a job, in the same process.
    request = statements[:next(i for i, s in enumerate(statements) if s.startswith("UPDATE outbox_emails"))]
    booking_flushes = [names for names in flushed if names & {"Booking", "Session"}]
    assert len(booking_flushes) == 1 and {"Booking", "Session"} <= booking_flushes[0], flushed
    assert sum(s.startswith("INSERT INTO audit_events") for s in request) == 1, request
    assert sum(s.startswith("INSERT INTO outbox_emails") for s in request) == 1, request
    db.session.expire_all()
    booking = db.session.scalars(select(Booking).where(Booking.child_id == child.id)).one()
    assert db.session.get(type(session), session.id).places_taken == 1
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "place_booked")).one()
    assert (entry.subject_id, entry.actor_id, entry.details["group_ref"]) == (booking.id, family.id, booking.group_ref)
    assert db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == family.email)).one().body
