"""Rules families are told about, enforced in one place (under the capacity lock) and shown on the pages:
the booking cut-off, the cancellation notice and what comes back, the waiting list's hold and order, young
people's own accounts, and the invariants `flask ledger check` now verifies for places."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from bookings.places import book_places, census, held, release_places, settle
from bookings.waiting_lists import join_waiting_list
from portal.errors import DomainError, NotAllowed, SessionFull
from portal.extensions import db
from portal.models import Role, record
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingStatus,
    ProviderStatus,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory


def _session_starting_in(hours: float, *, booking_cutoff: int = 24, cancel_cutoff: int = 48, **extra):
    starts = utcnow() + timedelta(hours=hours)
    offer = OfferFactory(booking_cutoff_hours=booking_cutoff, cancel_cutoff_hours=cancel_cutoff)
    return SessionFactory(offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=2), **extra)


# --- the booking cut-off ---------------------------------------------------------------------------------

def test_booking_inside_the_cut_off_is_refused_by_the_service(app):
    session = _session_starting_in(1)
    family = UserFactory()
    with pytest.raises(DomainError, match="Booking for this session closed"):
        book_places(family, session, [ChildFactory(parent=family)], "free")
    db.session.rollback()
    assert db.session.scalar(select(Booking)) is None


def test_booking_before_the_cut_off_goes_through(app):
    session = _session_starting_in(25)
    family = UserFactory()
    assert book_places(family, session, [ChildFactory(parent=family)], "free")[0].status is BookingStatus.CONFIRMED


def test_pages_stop_offering_booking_after_the_cut_off_and_say_when_it_closed(login):
    session = _session_starting_in(1)
    family = UserFactory()
    child = ChildFactory(parent=family)
    db.session.commit()
    client = login(family)
    offer_page = client.get(f"/local-offer/{session.offer_id}").text
    assert f"/sessions/{session.id}/book" not in offer_page
    assert "Booking closed" in offer_page and "Book online up to 24 hours before a session starts." in offer_page
    page = client.get(f"/sessions/{session.id}/book")
    assert page.status_code == 409 and "Booking has closed for this session" in page.text
    assert 'name="children"' not in page.text
    posted = client.post(f"/sessions/{session.id}/book", data={"children": [child.id], "carer_places": 0,
                                                                "funding": "free"})
    assert posted.status_code == 409 and "Booking for this session closed" in posted.text
    assert "govuk-error-summary" in posted.text
    assert client.get(f"/sessions/{session.id}/waiting-list").status_code == 409


def test_a_waiting_list_offer_cannot_be_accepted_after_the_cut_off_and_never_outlasts_it(login):
    session = _session_starting_in(30, capacity=1)
    holder, waiting = UserFactory(), UserFactory()
    [booking] = book_places(holder, session, [ChildFactory(parent=holder)], "free")
    entry = join_waiting_list(waiting, session, [ChildFactory(parent=waiting)])
    release_places([booking], reason="Cancelled by the family", by=holder)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.status is WaitingStatus.OFFERED
    # Offered 30 hours before the start with a 24-hour cut-off: the offer ends when booking closes, not 24h later.
    assert entry.offer_expires_at <= session.starts_at - timedelta(hours=24)
    entry.offer_expires_at = session.starts_at - timedelta(hours=1)  # as if offered under an older rule
    session.starts_at = utcnow() + timedelta(hours=2)
    session.ends_at = session.starts_at + timedelta(hours=2)
    db.session.commit()
    response = login(waiting).post(f"/waiting-list/{entry.id}/accept", data={"funding": "free"})
    assert response.status_code == 409 and "Booking for this session closed" in response.text
    assert db.session.scalar(select(Booking).where(Booking.booked_by_id == waiting.id)) is None


# --- the cancellation notice -------------------------------------------------------------------------------

def test_inside_the_notice_the_cancel_link_goes_and_the_page_says_why(login):
    session = _session_starting_in(30, booking_cutoff=0, cancel_cutoff=48)
    family = UserFactory()
    [booking] = book_places(family, session, [ChildFactory(parent=family)], "free")
    db.session.commit()
    client = login(family)
    bookings_page = client.get("/bookings").text
    assert f"/bookings/{booking.id}/cancel" not in bookings_page
    assert "Cancelling online closed" in bookings_page and session.offer.provider.name in bookings_page
    page = client.get(f"/bookings/{booking.id}/cancel").text
    assert "You can no longer cancel this booking online" in page and "Yes, cancel this booking" not in page
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 409
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED


def test_the_booking_page_says_before_booking_whether_the_place_can_be_cancelled_online(login):
    inside = _session_starting_in(30, booking_cutoff=0, cancel_cutoff=48)
    outside = _session_starting_in(72, booking_cutoff=0, cancel_cutoff=48)
    family = UserFactory()
    ChildFactory(parent=family)
    db.session.commit()
    client = login(family)
    late = client.get(f"/sessions/{inside.id}/book").text
    assert "Cancelling online closed" in late and inside.offer.provider.name in late
    assert "Cancel online up to 48 hours" not in late
    early = client.get(f"/sessions/{outside.id}/book").text
    assert "Cancel online up to 48 hours before a session starts." in early and "Cancelling online closed" not in early


@pytest.mark.parametrize("funding, price, contribution, expected", [  # council funding: test_money_core
    ("free", 0, 0, "This place is free, so there is nothing to give back."),
    ("pay_provider", 1500, 0, "ask them to give back anything you have paid (£15.00)"),
])
def test_the_cancel_page_says_what_comes_back_and_to_whom(login, funding, price, contribution, expected):
    family = UserFactory()
    offer = OfferFactory(price_pence=price, family_contribution_pence=contribution)
    session = SessionFactory(offer=offer)
    [booking] = book_places(family, session, [ChildFactory(parent=family)], funding)
    db.session.commit()
    page = login(family).get(f"/bookings/{booking.id}/cancel").text
    assert "What comes back" in page and expected in page


# --- the waiting list: held for it, offered to the first group that fits -------------------------------------

def _full_session_with_waiting(needs: list[int]):
    session = SessionFactory(capacity=2)
    holders = [UserFactory() for _ in range(2)]
    bookings = [book_places(h, session, [ChildFactory(parent=h)], "free")[0] for h in holders]
    entries = []
    for n in needs:
        family = UserFactory()
        children = [ChildFactory(parent=family) for _ in range(n)]
        entries.append(join_waiting_list(family, session, children))
    db.session.commit()
    return session, bookings, entries


def test_a_freed_place_goes_to_the_first_waiting_family_whose_group_fits(app):
    session, bookings, (two, one) = _full_session_with_waiting([2, 1])
    release_places([bookings[0]], reason="Cancelled by the family", by=None)
    db.session.commit()
    db.session.refresh(two), db.session.refresh(one)
    assert two.status is WaitingStatus.WAITING  # needs 2, keeps its place at the head of the list
    assert one.status is WaitingStatus.OFFERED
    outsider = UserFactory()  # never joined the list: the freed place is held for the family it was offered to
    with pytest.raises(SessionFull):
        book_places(outsider, session, [ChildFactory(parent=outsider)], "free")


def test_a_place_held_for_the_waiting_list_cannot_be_booked_by_anyone_else(app):
    session, bookings, (one,) = _full_session_with_waiting([1])
    release_places([bookings[0]], reason="Cancelled by the family", by=None)
    db.session.commit()
    outsider = UserFactory()
    with pytest.raises(SessionFull):
        book_places(outsider, session, [ChildFactory(parent=outsider)], "free")
    db.session.rollback()
    # Once the offer runs out and nobody else is waiting, the place is back on general sale.
    db.session.refresh(one)
    one.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert book_places(outsider, session, [ChildFactory(parent=outsider)], "free")


def test_a_family_sees_its_place_in_the_queue(login):
    session, _bookings, entries = _full_session_with_waiting([1, 1, 1])
    third = db.session.get(WaitingListEntry, entries[2].id).family
    page = login(third).get("/bookings").text
    assert "Your place in the queue" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page


# --- young people book only for themselves ------------------------------------------------------------------

def test_a_young_persons_account_books_only_for_themselves(app):
    young = UserFactory(role=Role.YOUNG_PERSON)
    themselves = ChildFactory(parent=young, is_account_holder=True)
    someone_else = ChildFactory(parent=young, is_account_holder=False)
    session = SessionFactory()
    with pytest.raises(NotAllowed, match="for yourself"):
        book_places(young, session, [someone_else], "free")
    db.session.rollback()
    assert book_places(young, session, [themselves], "free")


def test_a_young_persons_account_cannot_add_anyone_else(login):
    young = UserFactory(role=Role.YOUNG_PERSON)
    ChildFactory(parent=young, is_account_holder=True)
    db.session.commit()
    response = login(young).get("/children/new")
    assert response.status_code == 403
    assert "for yourself" in response.text


# --- ledger check: the invariants of places ---------------------------------------------------------------

def _check(runner):
    result = runner.invoke(args=["ledger", "check"])
    return result.exit_code, result.output


def test_ledger_check_passes_on_honest_places(runner):
    session, _bookings, _entries = _full_session_with_waiting([1])
    assert _check(runner) == (0, _check(runner)[1]) and "reconciles" in _check(runner)[1]


def test_ledger_check_finds_a_live_booking_on_a_cancelled_session(runner):
    session, _bookings, _entries = _full_session_with_waiting([])
    session.status = SessionStatus.CANCELLED  # planted: cancelled without releasing its places
    db.session.commit()
    code, output = _check(runner)
    assert code == 1 and f"session {session.id} is cancelled but has 2 live bookings" in output


def test_ledger_check_finds_a_booking_made_after_the_provider_was_suspended(runner):
    session = SessionFactory()
    provider = session.offer.provider
    provider.status = ProviderStatus.SUSPENDED
    record("provider_suspended", provider, by=None, reason="Planted")
    db.session.commit()
    family = UserFactory()
    planted = Booking(session=session, child=ChildFactory(parent=family), booked_by_id=family.id, group_ref="x",
                      funding="free", price_pence=0, staff_units=1, created_at=utcnow() + timedelta(seconds=1))
    db.session.add(planted)
    session.places_taken = 1
    session.staff_units_taken = 1
    db.session.commit()
    code, output = _check(runner)
    assert code == 1 and f"booking {planted.id} was made after provider {provider.id} was suspended" in output


def test_ledger_check_finds_a_places_count_that_does_not_match(runner):
    session, _bookings, _entries = _full_session_with_waiting([])
    session.places_taken = 1  # planted: two places are booked
    db.session.commit()
    code, output = _check(runner)
    assert code == 1 and f"session {session.id} says 1 places taken but 2 are held" in output
    settle(session)
    db.session.commit()
    assert _check(runner)[0] == 0


# --- one read of what a session holds (the census) --------------------------------------------------------------

def _hold(session, family, child, *, minutes: int):
    """A place held for a card payment that runs out in ``minutes`` (negative: already run out)."""
    booking = Booking(session=session, child=child, booked_by_id=family.id, group_ref=f"hold-{child.id}",
                      status=BookingStatus.HELD, funding="card", price_pence=500, staff_units=4,
                      hold_expires_at=utcnow() + timedelta(minutes=minutes))
    db.session.add(booking)
    return booking


def test_the_census_counts_confirmed_places_live_holds_and_live_offers_only(app):
    session = SessionFactory(capacity=10)
    family = UserFactory()
    kids = [ChildFactory(parent=family) for _ in range(4)]
    book_places(family, session, kids[:1], "free")
    _hold(session, family, kids[1], minutes=20)
    gone = _hold(session, family, kids[2], minutes=-1)
    db.session.add(WaitingListEntry(session=session, family_id=family.id, child_ids=[kids[3].id], places=2,
                                    staff_units=0, status=WaitingStatus.OFFERED,
                                    offered_at=utcnow(), offer_expires_at=utcnow() + timedelta(hours=1)))
    db.session.flush()
    counted = census(session, utcnow(), [kids[0], kids[2], kids[3]])
    # 1 confirmed + 1 live hold + 2 offered; the run-out hold counts as run out, not as held.
    assert (counted.places, counted.holds_run_out, counted.open_entries) == (4, 1, 1)
    assert counted.children_booked == 2  # kids[0] confirmed, kids[2] still marked held until settled
    assert held(session)[0] == 4
    room = settle(session)
    assert gone.status is BookingStatus.EXPIRED and room.places == 6 and room.children_booked is None


def test_a_child_already_on_a_session_is_refused_whether_or_not_anything_needed_settling(app):
    family = UserFactory()
    child = ChildFactory(parent=family)
    quiet, busy = SessionFactory(capacity=10), SessionFactory(capacity=10)
    for session in (quiet, busy):
        book_places(family, session, [child], "free")
    # An open waiting-list entry on one of them sends its booking down the path that settles first.
    db.session.add(WaitingListEntry(session=busy, family_id=UserFactory().id, child_ids=[], places=20,
                                    staff_units=0, status=WaitingStatus.WAITING))
    db.session.commit()
    for session in (quiet, busy):
        with pytest.raises(DomainError, match=f"{child.first_name} already has a place on this session"):
            book_places(family, session, [child], "free")
        db.session.rollback()
        assert db.session.scalar(select(func.count(Booking.id)).where(Booking.session_id == session.id)) == 1


def test_a_booking_reads_what_its_form_needs_before_it_takes_the_lock(login):
    """The form (the family's children, the session for its choices) is read and checked before the capacity lock is
    taken; under the lock, booking reads the session again as it locks it, then only recounts and writes."""
    session = SessionFactory(capacity=10)
    family = UserFactory()
    child = ChildFactory(parent=family)
    db.session.commit()
    client = login(family)
    client.get(f"/sessions/{session.id}/book")
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    def commit(conn):
        statements.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "commit", commit)
    try:
        response = client.post(f"/sessions/{session.id}/book", data={
            "children": [child.id], "carer_places": "0", "funding": "free"})
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "commit", commit)
    assert response.status_code == 302 and response.headers["Location"].endswith("/bookings")
    statements = statements[:statements.index("COMMIT")]  # the booking's transaction (its email is sent after it)
    reads = [n for n, statement in enumerate(statements)
             if statement.upper().startswith("SELECT") and "FROM sessions" in statement]
    assert len(reads) == 2, statements  # the form's, then the lock's
    locked = statements[reads[1]]
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE OF sessions FOR SHARE OF offers, providers" in locked
        assert "FOR UPDATE" not in statements[reads[0]]
    under_lock = statements[reads[1] + 1:]
    assert not [s for s in under_lock if "FROM children" in s or "FROM users" in s], under_lock


def test_a_booking_form_that_cannot_have_the_lock_in_time_says_try_again_and_books_nothing(login, monkeypatch):
    from bookings import places
    from portal.errors import TryAgain

    session = SessionFactory(capacity=10)
    family = UserFactory()
    child = ChildFactory(parent=family)
    db.session.commit()
    client = login(family)

    def busy(sessions):
        raise TryAgain()

    monkeypatch.setattr(places, "lock_capacity", busy)
    response = client.post(f"/sessions/{session.id}/book",
                           data={"children": [child.id], "carer_places": "0", "funding": "free"})
    assert response.status_code == 409
    assert "Lots of people are booking right now" in response.text
    assert f'value="{child.id}" checked' in response.text  # what the family chose is still chosen
    assert db.session.scalar(select(func.count(Booking.id))) == 0
