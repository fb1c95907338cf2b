"""One child's overnight breaks booked all at once, each on a different session (so no capacity lock stands between
them), against the real portal under gunicorn with several worker processes: the trust is told exactly once, by the
booking that took the child's nights away to the warning, however the bookings interleave. Without the child's lock
each booking counted the nights of the bookings committed before it started, and the warning could be missed.

    .venv/bin/pytest -m race tests/test_nights_race.py
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/pytest -m race tests/test_nights_race.py
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bookings.nights import NightsFlag
from portal.extensions import db
from portal.models import Role
from portal.timeutil import LONDON, to_london, utcnow
from providers.models import Booking, BookingStatus, Category

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory
from .test_race import TIMEOUT, _server, open_booking_page

pytestmark = pytest.mark.race

WEEKENDS = 16
NIGHTS_EACH = 2  # Friday 5pm to Sunday 10am
WARN_YEAR = 16  # reached by the eighth weekend, whichever it is


def _world():
    UserFactory(role=Role.TRUST)
    child = ChildFactory()
    offer = OfferFactory(category=Category.OVERNIGHT, title="Weekend Away")
    today = to_london(utcnow()).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 + 7)
    sessions = []
    for week in range(WEEKENDS):
        day = friday + timedelta(weeks=week)
        starts = datetime(day.year, day.month, day.day, 17, tzinfo=LONDON)
        ends = datetime(day.year, day.month, day.day, 10, tzinfo=LONDON) + timedelta(days=NIGHTS_EACH)
        sessions.append(SessionFactory(offer=offer, starts_at=starts, ends_at=ends, capacity=4))
    db.session.commit()
    return child, [s.id for s in sessions]


def test_the_trust_is_told_once_when_overnight_bookings_race(app, database_url):
    child, session_ids = _world()
    email = child.parent.email
    with _server(database_url, 2, 8, NIGHTS_WARN_YEAR=str(WARN_YEAR)) as base:
        with ThreadPoolExecutor(max_workers=WEEKENDS) as pool:
            browsers = [(http, token) for http, token, _page in
                        pool.map(lambda sid: open_booking_page(base, email, sid), session_ids)]
        barrier = threading.Barrier(WEEKENDS)

        def attempt(args):
            (http, token), session_id = args
            barrier.wait(timeout=TIMEOUT)
            response = http.post(f"{base}/sessions/{session_id}/book", timeout=TIMEOUT, allow_redirects=False,
                                 data={"children": [child.id], "carer_places": "0", "funding": "free",
                                       "csrf_token": token})
            return response.status_code, response.headers.get("Location", "")

        with ThreadPoolExecutor(max_workers=WEEKENDS) as pool:
            outcomes = list(pool.map(attempt, zip(browsers, session_ids)))
    print(f"\n[{db.engine.dialect.name}] responses={dict(Counter(code for code, _where in outcomes))}")
    assert all(code == 302 and where.rstrip("/").endswith("/bookings") for code, where in outcomes), outcomes
    db.session.expire_all()
    booked = db.session.scalar(select(func.count(Booking.id)).where(Booking.child_id == child.id,
                                                                    Booking.status == BookingStatus.CONFIRMED))
    assert booked == WEEKENDS  # never refused: the warning is for the trust to plan
    flags = db.session.scalars(select(NightsFlag).where(NightsFlag.child_id == child.id)).all()
    assert len(flags) == 1, [(f.nights_in_year, f.group_ref) for f in flags]
    assert flags[0].nights_in_year == WARN_YEAR
