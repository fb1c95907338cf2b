"""A provider's system cuts a session's places through the API while families book it, all at once, over HTTP,
against the real portal under gunicorn with two worker processes: 25 API PATCHes, each lowering the
places to a different number, race 25 families (signed in through /sign-in with CSRF tokens) booking one
place each. The capacity lock makes every change see every booking and every booking see every change,
so the session is never oversold and its count of places is always true. A control run with the lock
switched off (CAPACITY_LOCKING=0) shows the race going wrong, so the first test can fail.

    .venv/bin/pytest -m race tests/test_api_race.py -s
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/pytest -m race tests/test_api_race.py -s
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role
from providers.models import Booking, BookingStatus, Session
from providers.tokens import create_token

from .conftest import TEST_PASSWORD
from .factories import ChildFactory, LocalityFactory, SessionFactory, UserFactory
from .live_server import live_server
from .test_race import csrf_token

pytestmark = pytest.mark.race

FAMILIES = 25
CHANGES = 25
START_CAPACITY = 40
# Each change asks for a different number of places, from well below 25 (refused once enough families
# have booked) to above it (allowed whatever happens), in a shuffled order.
NEW_CAPACITIES = list(range(12, 12 + CHANGES))
CONTROL_ROUNDS = 4
# Two gunicorn processes with 16 request threads each: all 50 requests are in flight at once, and the two
# SQLAlchemy pools (5 + 10 connections each) stay well inside PostgreSQL's 100 connections.
WORKERS, THREADS = 2, 16
TIMEOUT = 60


@dataclass
class Family:
    email: str
    child_id: int
    http: requests.Session = field(default_factory=requests.Session)
    token: str = ""

    def sign_in_and_open_the_booking_page(self, base: str, session_id: int) -> None:
        page = self.http.get(f"{base}/sign-in", timeout=TIMEOUT)
        response = self.http.post(f"{base}/sign-in", timeout=TIMEOUT, allow_redirects=False, data={
            "email": self.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(page.text)})
        assert response.status_code == 302, (response.status_code, response.text[:500])
        page = self.http.get(f"{base}/sessions/{session_id}/book", timeout=TIMEOUT)
        assert page.status_code == 200, (page.status_code, page.text[:500])
        self.token = csrf_token(page.text)
        # Drop the idle keep-alive connection (gunicorn closes it after 2 s): each family opens a fresh one
        # at the barrier instead of reusing one the server is closing.
        self.http.close()


def _families(count: int) -> list[Family]:
    """Parent carers, each with one child aged 9 (the offer is for ages 5 to 11)."""
    locality = LocalityFactory()
    users = [UserFactory.build(email=f"api-racer{n}@example.com") for n in range(count)]
    children = [ChildFactory.build(parent=user, locality=locality) for user in users]
    db.session.add_all(users + children)
    db.session.commit()
    return [Family(user.email, child.id) for user, child in zip(users, children)]


def _server(database_url: str, **env: str):
    # --preload: the port opens only once the app is imported, so the start-up probe is not kept waiting.
    return live_server(database_url, workers=WORKERS, threads=THREADS, GUNICORN_CMD_ARGS="--preload", **env)


@dataclass
class Answer:
    kind: str  # "change" or "booking"
    status: int
    capacity: int | None = None
    location: str = ""
    text: str = ""

    @property
    def booked(self) -> bool:
        return self.kind == "booking" and self.status == 302 and self.location.rstrip("/").endswith("/bookings")


@dataclass
class Outcome:
    answers: list[Answer]
    capacity: int
    places_taken: int
    confirmed: int

    @property
    def server_errors(self) -> int:
        return sum(a.status >= 500 for a in self.answers)

    @property
    def went_wrong(self) -> bool:
        return self.server_errors > 0 or self.confirmed > self.capacity or self.places_taken != self.confirmed


def _new_session_and_token() -> tuple[int, str]:
    session = SessionFactory(capacity=START_CAPACITY)
    admin = UserFactory(role=Role.PROVIDER, provider_id=session.offer.provider_id, is_provider_admin=True)
    _, plaintext = create_token(session.offer.provider, "Race", admin)
    db.session.commit()
    return session.id, plaintext


def _race(base: str, families: list[Family], session_id: int, token: str, label: str) -> Outcome:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda f: f.sign_in_and_open_the_booking_page(base, session_id), families))
    prepared = time.monotonic()
    capacities = random.sample(NEW_CAPACITIES, len(NEW_CAPACITIES))
    barrier = threading.Barrier(len(families) + len(capacities))

    def change(capacity: int) -> Answer:
        with requests.Session() as http:
            barrier.wait(timeout=TIMEOUT)
            response = http.patch(f"{base}/api/v1/sessions/{session_id}", json={"capacity": capacity}, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
        return Answer("change", response.status_code, capacity=capacity, text=response.text)

    def book(family: Family) -> Answer:
        data = {"children": [family.child_id], "carer_places": "0", "funding": "free", "csrf_token": family.token}
        barrier.wait(timeout=TIMEOUT)
        response = family.http.post(f"{base}/sessions/{session_id}/book", data=data, timeout=TIMEOUT,
                                    allow_redirects=False)
        return Answer("booking", response.status_code, location=response.headers.get("Location", ""),
                      text=response.text)

    with ThreadPoolExecutor(max_workers=len(families) + len(capacities)) as pool:
        changes = [pool.submit(change, capacity) for capacity in capacities]
        bookings = [pool.submit(book, family) for family in families]
        answers = [future.result() for future in changes + bookings]
    raced = time.monotonic()
    for family in families:
        family.http.close()

    db.session.rollback()
    session = db.session.get(Session, session_id)
    db.session.refresh(session)
    confirmed = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED))
    outcome = Outcome(answers, session.capacity, session.places_taken, confirmed)
    statuses = Counter((a.kind, a.status) for a in answers)
    print(f"\n[{db.engine.dialect.name}, {label}] {dict(sorted(statuses.items()))} capacity={outcome.capacity} "
          f"places_taken={outcome.places_taken} confirmed={confirmed} "
          f"(prepare {prepared - started:.1f}s, race {raced - prepared:.1f}s)")
    return outcome


def test_cutting_places_through_the_api_while_families_book_never_oversells(app, database_url):
    session_id, token = _new_session_and_token()
    families = _families(FAMILIES)
    with _server(database_url) as base:
        outcome = _race(base, families, session_id, token, "locked")

    assert outcome.server_errors == 0
    assert outcome.confirmed <= outcome.capacity
    assert outcome.places_taken == outcome.confirmed
    changes = [a for a in outcome.answers if a.kind == "change"]
    bookings = [a for a in outcome.answers if a.kind == "booking"]
    assert all(a.status == 200 or (a.status == 409 and "You cannot reduce places" in a.text) for a in changes)
    assert all(a.booked or (a.status == 409 and "full" in a.text) for a in bookings)
    assert sum(a.booked for a in bookings) == outcome.confirmed
    assert outcome.capacity in {a.capacity for a in changes if a.status == 200}
    # Changes to 25 places or more never clash with 25 one-place bookings.
    assert all(a.status == 200 for a in changes if a.capacity >= FAMILIES)


def test_control_without_the_lock_goes_wrong(app, database_url):
    """The same race with CAPACITY_LOCKING=0: a change counts the places held, then writes; a booking counts
    the places free, then writes; in between, the other lands. The result is an oversold session, a count
    of places that is wrong, or a 500 where the CHECK constraint (the last guard) refuses the write. The
    window is narrow, so the control races up to four times on one server and needs it to go wrong once."""
    people = [(f.email, f.child_id) for f in _families(FAMILIES)]
    with _server(database_url, CAPACITY_LOCKING="0") as base:
        for round_number in range(1, CONTROL_ROUNDS + 1):
            session_id, token = _new_session_and_token()
            families = [Family(email, child_id) for email, child_id in people]
            if _race(base, families, session_id, token, f"CAPACITY_LOCKING=0, round {round_number}").went_wrong:
                return
    pytest.fail(f"the control did not go wrong in {CONTROL_ROUNDS} rounds")
