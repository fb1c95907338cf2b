"""100 bookings at once against one child's personal budget that covers 10 of them, over HTTP, against the
real portal under gunicorn with several worker processes: exactly 10 are booked, 90 are told the budget has
run out, the budget ends at £0.00 and the ledger reconciles. Each booking is for a different session, so
nothing but the budget's lock stands between the bookings.

    .venv/bin/pytest -m race tests/test_money_race.py
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/pytest -m race tests/test_money_race.py
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select

from budgets import ledger
from budgets import services as money
from budgets.models import BudgetKind, financial_year
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingStatus, PaymentRoute, Tier

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory
from .test_race import TIMEOUT, _server, open_booking_page

pytestmark = pytest.mark.race

ATTEMPTS = 100
COVERS = 10
PRICE = 4500


def _world():
    trust = UserFactory(role=Role.TRUST)
    child = ChildFactory()
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Panel", recorded_by_id=trust.id))
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=PRICE, payment_route=PaymentRoute.PERSONAL_BUDGET)
    sessions = [SessionFactory(offer=offer, starts_at=(utcnow() + timedelta(days=3, hours=n)).replace(microsecond=0))
                for n in range(ATTEMPTS)]
    today = to_london(utcnow()).date()
    budget = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=COVERS * PRICE, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                   reasons="Panel agreed ten sessions", by=trust)
    db.session.commit()
    return child, [s.id for s in sessions], budget.id


def _signed_in(base: str, email: str, session_id: int) -> tuple[requests.Session, str]:
    http, token, page = open_booking_page(base, email, session_id)
    assert "personal budget" in page, page[:300]
    return http, token


def test_a_hundred_bookings_against_a_budget_that_covers_ten(app, database_url):
    child, session_ids, budget_id = _world()
    email = child.parent.email
    with _server(database_url, 2, 16) as base:
        with ThreadPoolExecutor(max_workers=25) as pool:
            browsers = list(pool.map(lambda sid: _signed_in(base, email, sid), session_ids))
        barrier = threading.Barrier(ATTEMPTS)

        def attempt(args):
            (http, token), session_id = args
            barrier.wait(timeout=TIMEOUT)
            response = http.post(f"{base}/sessions/{session_id}/book", timeout=TIMEOUT, allow_redirects=False,
                                 data={"children": [child.id], "carer_places": "0", "funding": "personal_budget",
                                       "csrf_token": token})
            return response.status_code, response.headers.get("Location", ""), response.text

        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            outcomes = list(pool.map(attempt, zip(browsers, session_ids)))
    booked = [o for o in outcomes if o[0] == 302 and o[1].rstrip("/").endswith("/bookings")]
    refused = [o for o in outcomes if o[0] == 409 and "budget has £0.00 left" in o[2]]
    print(f"\n[{db.engine.dialect.name}] responses={dict(Counter(o[0] for o in outcomes))} "
          f"booked={len(booked)} refused={len(refused)}")
    assert len(booked) == COVERS
    assert len(refused) == ATTEMPTS - COVERS
    db.session.rollback()
    confirmed = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.child_id == child.id, Booking.status == BookingStatus.CONFIRMED))
    assert confirmed == COVERS
    budget = db.session.get(money.PersonalBudget, budget_id)
    assert money.unspent(budget) == 0
    assert ledger.check() == []
