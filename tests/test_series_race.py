"""Forty families book overlapping sets of a weekly series at the same moment, over HTTP, against the real portal
under gunicorn with several worker processes: no session is ever sold past its places, every family asking for all
or nothing gets all or nothing, and nobody deadlocks (each booking locks its sessions in one statement, in id
order). A control run with the lock switched off (CAPACITY_LOCKING=0) shows that the race is real: PostgreSQL
oversells; SQLite fails bookings with errors instead (see tests/test_race.py for why).

    .venv/bin/pytest -m race tests/test_series_race.py
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/pytest -m race tests/test_series_race.py
"""
from __future__ import annotations

import threading
import time as clock
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingStatus, Session
from providers.sessions import create_series, weekly_rule

from .conftest import TEST_PASSWORD
from .factories import ChildFactory, LocalityFactory, OfferFactory, UserFactory
from .live_server import live_server
from .test_race import CONTROL_SERVER, LOCKED_SERVER, TIMEOUT, csrf_token

pytestmark = pytest.mark.race

FAMILIES = 40
SESSIONS = 6
CAPACITY = 5
WINDOW = 3  # each family asks for three weeks in a row, starting at one of the first four: every set overlaps others


@dataclass
class Family:
    email: str
    child_id: int
    first: int  # the first of its sessions in the series
    take_what_has_places: bool
    http: requests.Session = field(default_factory=requests.Session)
    token: str = ""


@dataclass
class Race:
    statuses: Counter
    booked: dict[int, int]  # family's child id -> places booked
    confirmed: list[int]  # per session, in date order
    places_taken: list[int]


def _series():
    offer = OfferFactory(title="Wednesday Club")
    first = to_london(utcnow()).date() + timedelta(days=7)
    series = create_series(offer, rule=weekly_rule(first, first + timedelta(weeks=SESSIONS - 1), [first.weekday()]),
                           first_day=first, start=time(16), end=time(18), capacity=CAPACITY, by=None)
    db.session.commit()
    return series, db.session.scalars(select(Session.id).where(Session.series_id == series.id)
                                      .order_by(Session.starts_at)).all()


def _families() -> list[Family]:
    locality = LocalityFactory()
    users = [UserFactory.build(email=f"series-racer{n}@example.com") for n in range(FAMILIES)]
    children = [ChildFactory.build(parent=user, locality=locality) for user in users]
    db.session.add_all(users + children)
    db.session.commit()
    return [Family(user.email, child.id, n % (SESSIONS - WINDOW + 1), take_what_has_places=bool(n // 4 % 2))
            for n, (user, child) in enumerate(zip(users, children))]


def _sign_in_and_open_the_form(base: str, family: Family, series_id: int) -> None:
    http = family.http
    page = http.get(f"{base}/sign-in", timeout=TIMEOUT)
    response = http.post(f"{base}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                         data={"email": family.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302, (response.status_code, response.text[:500])
    page = http.get(f"{base}/series/{series_id}/book", timeout=TIMEOUT)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    family.token = csrf_token(page.text)
    http.close()


def _race(database_url: str, server: tuple[int, int], *, rounds: int = 1, enough=None, **env: str) -> list[Race]:
    families = _families()
    races = []
    with live_server(database_url, workers=server[0], threads=server[1], GUNICORN_CMD_ARGS="--preload",
                     **env) as base:
        for round_number in range(rounds):
            series, session_ids = _series()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(lambda f: _sign_in_and_open_the_form(base, f, series.id), families))
            barrier = threading.Barrier(FAMILIES)

            def attempt(family: Family, series_id=series.id, session_ids=session_ids) -> int:
                data = {"sessions": session_ids[family.first:family.first + WINDOW], "children": [family.child_id],
                        "carer_places": "0", "funding": "free", "csrf_token": family.token,
                        "if_some_cannot": "available" if family.take_what_has_places else "all"}
                barrier.wait(timeout=TIMEOUT)
                response = family.http.post(f"{base}/series/{series_id}/book/check", data=data, timeout=TIMEOUT,
                                            allow_redirects=False)
                if response.status_code == 302:
                    assert "/bookings/sets/" in response.headers["Location"], response.headers["Location"]
                return response.status_code

            raced = clock.monotonic()
            with ThreadPoolExecutor(max_workers=FAMILIES) as pool:
                statuses = Counter(pool.map(attempt, families))
            for family in families:
                family.http.close()
            db.session.rollback()
            live = (Booking.status == BookingStatus.CONFIRMED) & Booking.session_id.in_(session_ids)
            booked = dict(db.session.execute(select(Booking.child_id, func.count()).where(live)
                                             .group_by(Booking.child_id)).all())
            confirmed = [db.session.scalar(select(func.count()).select_from(Booking).where(
                Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED))
                for session_id in session_ids]
            places_taken = [db.session.scalar(select(Session.places_taken).where(Session.id == session_id))
                            for session_id in session_ids]
            print(f"\n[{db.engine.dialect.name}, CAPACITY_LOCKING={env.get('CAPACITY_LOCKING', '1')}, round "
                  f"{round_number + 1}] responses={dict(sorted(statuses.items()))} confirmed={confirmed} "
                  f"places_taken={places_taken} (race {clock.monotonic() - raced:.1f}s)")
            races.append(Race(statuses, booked, confirmed, places_taken))
            if enough is None or enough(races[-1]):
                break
    return races, families


def test_families_booking_overlapping_sets_at_once_never_oversell_a_session(app, database_url):
    [race], families = _race(database_url, LOCKED_SERVER)

    assert set(race.statuses) <= {302, 409}, race.statuses
    # Every session is full (each is in a window that five take-what-has-places families ask for), never over.
    assert race.confirmed == [CAPACITY] * SESSIONS
    assert race.places_taken == race.confirmed
    assert race.statuses[302] == len(race.booked)
    for family in families:
        if not family.take_what_has_places:
            assert race.booked.get(family.child_id, 0) in (0, WINDOW), "all or nothing booked some"


def test_control_without_the_lock_breaks_the_race(app, database_url):
    """The same race with CAPACITY_LOCKING=0: the locked test's assertions fail without the lock."""
    if db.engine.dialect.name == "postgresql":
        races, _families_ = _race(database_url, CONTROL_SERVER, rounds=3, CAPACITY_LOCKING="0",
                                  enough=lambda r: max(r.confirmed) > CAPACITY)
        assert max(races[-1].confirmed) > CAPACITY, f"the control did not oversell: {[r.confirmed for r in races]}"
    else:
        [race], _families_ = _race(database_url, CONTROL_SERVER, CAPACITY_LOCKING="0")
        assert max(race.confirmed) > CAPACITY or sum(n for status, n in race.statuses.items() if status >= 500), \
            "the race did not show without the lock"
