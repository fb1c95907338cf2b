"""Booking a series of sessions for two children in one go (#12), in headless Chromium against the portal under
gunicorn, with axe-core run on every page and every error state the family sees: from the break's page to
choosing sessions and children, checking the answers, a session that cannot be booked (all or nothing), taking the
sessions that have places, the confirmation of what was and was not booked, and cancelling the whole set."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.formatting import london_date
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingStatus, Session
from providers.sessions import create_series, weekly_rule

from ..factories import ChildFactory, OfferFactory, ProviderFactory, UserFactory
from .cases import expect_answer, expect_heading
from .conftest import assert_accessible
from .world import book, born_years_ago, sign_in

pytestmark = pytest.mark.browser

WEEKS = 4


@pytest.fixture
def club(app):
    """A weekly club of four Wednesdays with three places each; another family holds two places on the third."""
    offer = OfferFactory(provider=ProviderFactory(name="Oakfield Play Trust"), title="Wednesday Club", min_age=5,
                         max_age=11)
    today = to_london(utcnow()).date()
    first = today + timedelta(days=7 + (2 - today.weekday()) % 7)
    series = create_series(offer, rule=weekly_rule(first, first + timedelta(weeks=WEEKS - 1), [2]), first_day=first,
                           start=time(16), end=time(18), capacity=3, by=None)
    db.session.commit()
    sessions = db.session.scalars(select(Session).where(Session.series_id == series.id)
                                  .order_by(Session.starts_at)).all()
    other = UserFactory(name="Ben Smith")
    book(other, sessions[2], [ChildFactory(parent=other, date_of_birth=born_years_ago(8)) for _ in range(2)])
    family = UserFactory(name="Amira Khan", email="amira@example.com")
    zara = ChildFactory(parent=family, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9))
    omar = ChildFactory(parent=family, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7))
    return {"offer": offer, "series": series, "sessions": sessions, "family": family, "children": [zara, omar]}


def _press(page, name: str, status: int = 200, error: str | None = None) -> None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=name, exact=True).click()
    expect_answer(page, navigation.value, status, error)


def test_a_family_books_a_series_of_sessions_for_two_children_and_cancels_it(club, page):
    sessions, family = club["sessions"], club["family"]
    full_day = london_date(sessions[2].starts_at)
    sign_in(page, family)

    page.goto(f"/local-offer/{club['offer'].id}")
    assert_accessible(page, "the break's page")
    with page.expect_navigation():
        page.get_by_role("link", name="Book more than one session").click()
    expect_heading(page, "Book more than one session")
    # Every remaining session is ticked to start with.
    sessions_group = page.get_by_role("group", name="Which sessions?")
    for checkbox in sessions_group.get_by_role("checkbox").all():
        expect(checkbox).to_be_checked()
    assert_accessible(page, "choosing sessions")

    # Nobody chosen: the error summary says so, and the sessions ticked are kept.
    _press(page, "Continue", 422, "Select who the places are for")
    for checkbox in page.get_by_role("group", name="Which sessions?").get_by_role("checkbox").all():
        expect(checkbox).to_be_checked()
    assert_accessible(page, "choosing sessions, with an error")

    page.get_by_label("Zara Khan").check()
    page.get_by_label("Omar Khan").check()
    _press(page, "Continue")
    expect_heading(page, "Check your answers before booking")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Zara Khan")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Omar Khan")
    assert_accessible(page, "checking the answers")

    # All or nothing: the third Wednesday has one place left, so nothing is booked, and the page says why.
    _press(page, f"Book {WEEKS} sessions", 409, "1 of the sessions you chose cannot be booked")
    refused = page.locator("table", has=page.locator("caption", has_text="Sessions that cannot be booked"))
    expect(refused).to_contain_text(full_day)
    expect(refused).to_contain_text("Only 1 place left on this session, and you asked for 2")
    assert_accessible(page, "a session that cannot be booked")
    db.session.expire_all()
    assert db.session.scalars(select(Booking).where(Booking.booked_by_id == family.id)).all() == []

    # The family takes the sessions that have places, and is told what was and was not booked.
    _press(page, "Book the sessions that have places")
    expect_heading(page, "Sessions booked")
    expect(page.locator(".govuk-panel")).to_contain_text(f"{WEEKS - 1} sessions of Wednesday Club")
    not_booked = page.locator("#not-booked")
    expect(not_booked).to_contain_text(full_day)
    expect(not_booked).to_contain_text("Only 1 place left")
    assert_accessible(page, "the set's confirmation")
    db.session.expire_all()
    booked = db.session.scalars(select(Booking).where(Booking.booked_by_id == family.id)).all()
    assert len(booked) == 2 * (WEEKS - 1) and len({b.group_ref for b in booked}) == 1

    with page.expect_navigation():
        page.get_by_role("link", name="Cancel all these sessions").click()
    expect_heading(page, "Are you sure you want to cancel all these sessions?")
    assert_accessible(page, "cancelling the whole set")
    _press(page, "Yes, cancel all these sessions")
    expect_heading(page, "Your bookings")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Your bookings for {WEEKS - 1} sessions of Wednesday Club have been cancelled")
    assert_accessible(page, "the bookings page after cancelling the set")
    db.session.expire_all()
    assert all(b.status is BookingStatus.CANCELLED
               for b in db.session.scalars(select(Booking).where(Booking.booked_by_id == family.id)))
