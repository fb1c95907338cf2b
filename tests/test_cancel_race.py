"""A provider cancels a session while 50 families book it, over HTTP, against the real portal under gunicorn.

Every booking either lands before the cancel (and is then cancelled, released and emailed with the rest) or is
refused: none is left live on the cancelled session, and every family that was sent a confirmation is also
sent a cancellation. The control runs the same race with the checks made only before the capacity lock
(BOOKING_RECHECK_UNDER_LOCK=0), as the portal once did, and shows bookings left live on the cancelled session.

    .venv/bin/pytest -m race tests/test_cancel_race.py -s
"""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role
from providers.models import Booking, BookingStatus, Session, SessionStatus

from .conftest import TEST_PASSWORD, emails_sent
from .factories import SessionFactory, UserFactory
from .test_race import (
    Family,
    _create_families,
    _server,
    _sign_in_and_open_booking_page,
    csrf_token,
)

pytestmark = pytest.mark.race

FAMILIES = 50
SERVER = (2, 16)
TIMEOUT = 60
# The provider presses "Cancel session" a moment after the families press "Book", so that it lands among them.
CANCEL_DELAY_SECONDS = 0.05


class _Inbox:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        text = envelope.content.decode("utf-8", "replace")
        subject = next((line[9:] for line in text.splitlines() if line.startswith("Subject: ")), "")
        self.sent.extend((to, subject) for to in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@contextmanager
def _smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Round:
    booked: set[str]
    refused: int
    server_errors: int
    cancel_status: int
    live_on_cancelled: int
    confirmed_without_cancellation: set[str]


def _sign_in(base: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/sign-in", timeout=TIMEOUT)
    response = http.post(f"{base}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                         data={"email": email, "password": TEST_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302, response.text[:300]
    return http


def _race(database_url: str, rounds: int, *, enough=None, **env: str) -> list[Round]:
    first = SessionFactory(capacity=FAMILIES * 2)
    first_id, offer = first.id, first.offer
    provider_id = offer.provider_id
    staff = UserFactory(role=Role.PROVIDER, provider_id=provider_id, email="staff@provider.example")
    families: list[Family] = _create_families(FAMILIES)
    staff_email = staff.email
    results = []
    with _smtp() as (inbox, port), _server(database_url, *SERVER, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port),
                                            **env) as base:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda f: _sign_in_and_open_booking_page(base, f, first_id), families))
        provider = _sign_in(base, staff_email)
        for number in range(rounds):
            session_id = first_id if number == 0 else SessionFactory(capacity=FAMILIES * 2, offer=offer).id
            title = db.session.get(Session, session_id).offer.title
            db.session.commit()
            cancel_page = provider.get(f"{base}/provider/sessions/{session_id}/cancel", timeout=TIMEOUT)
            assert cancel_page.status_code == 200, cancel_page.status_code
            provider_token = csrf_token(cancel_page.text)
            inbox.sent.clear()
            barrier = threading.Barrier(FAMILIES + 1)

            def book(family: Family, session_id=session_id, barrier=barrier):
                data = {"children": [family.child_id], "carer_places": "0", "funding": "free",
                        "csrf_token": family.token}
                barrier.wait(timeout=TIMEOUT)
                response = family.http.post(f"{base}/sessions/{session_id}/book", data=data, timeout=TIMEOUT,
                                            allow_redirects=False)
                return family.email, response.status_code, response.headers.get("Location", "")

            def cancel(session_id=session_id, barrier=barrier, token=provider_token):
                barrier.wait(timeout=TIMEOUT)
                time.sleep(CANCEL_DELAY_SECONDS)
                return provider.post(f"{base}/provider/sessions/{session_id}/cancel", timeout=TIMEOUT,
                                     allow_redirects=False,
                                     data={"reason": "The hall is flooded", "csrf_token": token}).status_code

            with ThreadPoolExecutor(max_workers=FAMILIES + 1) as pool:
                cancelled = pool.submit(cancel)
                outcomes = list(pool.map(book, families))
                cancel_status = cancelled.result()
            for family in families:
                family.http.close()
            assert emails_sent()  # the server's job workers send them a moment after their commits

            db.session.rollback()
            assert db.session.get(Session, session_id).status is SessionStatus.CANCELLED
            live = db.session.scalar(select(func.count(Booking.id)).where(
                Booking.session_id == session_id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD])))
            booked = {email for email, status, location in outcomes
                      if status == 302 and location.rstrip("/").endswith("/bookings")}
            confirmed_to = {to for to, subject in inbox.sent if subject == f"Booking confirmed: {title}"}
            cancelled_to = {to for to, subject in inbox.sent if subject == f"Booking cancelled: {title}"}
            statuses = Counter(status for _, status, _ in outcomes)
            result = Round(booked=booked, refused=statuses[409], server_errors=sum(
                n for s, n in statuses.items() if s >= 500), cancel_status=cancel_status, live_on_cancelled=live,
                confirmed_without_cancellation=confirmed_to - cancelled_to)
            print(f"\n[{db.engine.dialect.name}, BOOKING_RECHECK_UNDER_LOCK={env.get('BOOKING_RECHECK_UNDER_LOCK', '1')}"
                  f", round {number + 1}] responses={dict(sorted(statuses.items()))} cancel={cancel_status} "
                  f"booked before the cancel={len(booked)} live on the cancelled session={live} "
                  f"confirmed but never told of the cancel={len(result.confirmed_without_cancellation)}")
            results.append(result)
            if enough is not None and enough(result):
                break
    return results


def test_a_booking_racing_a_provider_cancel_lands_before_it_or_is_refused(app, database_url):
    results = _race(database_url, rounds=3)
    for result in results:
        assert result.cancel_status == 302
        assert result.server_errors == 0
        assert result.live_on_cancelled == 0
        assert not result.confirmed_without_cancellation
    # The race was real: bookings landed both before the cancel and after it (which round is down to timing).
    assert any(r.booked for r in results) and any(r.refused for r in results)


def test_control_with_the_checks_only_before_the_lock_leaves_bookings_on_the_cancelled_session(app, database_url):
    results = _race(database_url, rounds=5, enough=lambda r: r.live_on_cancelled > 0, BOOKING_RECHECK_UNDER_LOCK="0")
    assert results[-1].live_on_cancelled > 0, "the control did not show the race"
    assert results[-1].confirmed_without_cancellation
