"""Data for the browser tests, made with the factories and the booking services (both commit), and
helpers to drive the portal's forms the way a person does."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit
from dataclasses import dataclass
from datetime import date, timedelta
from unittest import mock

from flask import current_app
from sqlalchemy import select

from bookings.places import book_places, cancel_booking
from bookings.waiting_lists import join_waiting_list
from portal import email_addresses
from portal.auth import reset_token
from portal.extensions import db
from portal.models import (
    Assessment,
    AssessmentRequest,
    AssessmentStatus,
    Role,
    SupportLevel,
    User,
)
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    Category,
    PaymentRoute,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from ..conftest import TEST_PASSWORD, fresh_code
from ..factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

# The live server's secret (passed to it by the base_url fixture), so tests can make a real reset link.
LIVE_SECRET_KEY = "browser-tests-live-secret"


def days_ahead(days: int, hour: int = 10):
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def born_years_ago(years: int) -> date:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=40)


def book(family, session, children):
    """Book places the way the portal does (under the capacity lock), and commit."""
    bookings = book_places(family, session, children, "free")
    db.session.commit()
    return bookings


def password_reset_path(user) -> str:
    """A working reset link for the live server, made by the portal's own code with the server's secret."""
    with mock.patch.dict(current_app.config, SECRET_KEY=LIVE_SECRET_KEY):
        return f"/reset-password/{reset_token(user)}"


def confirmation_path(email: str) -> str:
    """The link emailed to someone who signed up with ``email``, made by the portal's own code with the live
    server's secret (the live server's emails go nowhere the test can read)."""
    user = db.session.scalar(select(User).where(User.email == email))
    with mock.patch.dict(current_app.config, SECRET_KEY=LIVE_SECRET_KEY):
        return urlsplit(email_addresses.confirmation_link(user)).path


@dataclass
class World:
    """A small local offer with families at every stage of booking, and the staff who look at it."""

    east: object = None
    north: object = None
    provider: object = None
    universal: object = None
    targeted: object = None
    specialist: object = None
    open_session: object = None
    full_session: object = None
    offered_session: object = None
    soon_session: object = None
    cancelled_session: object = None
    past_session: object = None
    parent: object = None
    zara: object = None
    omar: object = None
    other_parent: object = None
    other_child: object = None
    new_parent: object = None
    young_person: object = None
    trust: object = None
    provider_user: object = None
    upcoming: object = None
    soon_booking: object = None
    waiting_entry: object = None
    offered_entry: object = None
    assessment_request: object = None


def build_world(*, more_offers: int = 0) -> World:
    w = World()
    w.east = LocalityFactory(name="East", need_share=40)
    w.north = LocalityFactory(name="North", need_share=20)
    w.provider = ProviderFactory(name="Oakfield Play Trust", phone="0121 496 0000")
    w.universal = OfferFactory(
        provider=w.provider, title="Splash Swimming Club", locality=w.east, tier=Tier.UNIVERSAL,
        category=Category.SPORT, min_age=5, max_age=11, needs=["autism", "learning"],
        features=["step_free", "quiet_space", "accessible_toilet"],
        summary="Swimming sessions with trained staff and a quiet changing room.")
    w.targeted = OfferFactory(
        provider=w.provider, title="Tuesday Youth Club", locality=w.north, tier=Tier.TARGETED,
        category=Category.YOUTH_CLUB, min_age=8, max_age=18, needs=["autism", "adhd"],
        eligibility="Children with an EHC plan or a diagnosis of autism.", payment_route=PaymentRoute.COUNCIL_FUNDED)
    w.specialist = OfferFactory(
        provider=w.provider, title="Oak House Overnight Breaks", locality=w.east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, min_age=5, max_age=17, needs=["health", "physical"],
        features=["hoist", "changing_places"], price_pence=4500, payment_route=PaymentRoute.PERSONAL_BUDGET,
        eligibility="Children assessed by the children's trust as needing overnight care.",
        how_to_get="Ask the children's trust for an assessment first.")
    for n in range(more_offers):
        OfferFactory(provider=w.provider, locality=w.north, title=f"Art Club {n:02d}", category=Category.ARTS)

    w.open_session = SessionFactory(offer=w.universal, starts_at=days_ahead(7), capacity=10)
    w.full_session = SessionFactory(offer=w.universal, starts_at=days_ahead(8), capacity=1)
    w.offered_session = SessionFactory(offer=w.universal, starts_at=days_ahead(9), capacity=1)
    w.soon_session = SessionFactory(offer=w.universal, starts_at=days_ahead(1, hour=23), capacity=10)
    w.cancelled_session = SessionFactory(offer=w.universal, starts_at=days_ahead(14), capacity=10)
    w.past_session = SessionFactory(offer=w.universal, starts_at=utcnow().replace(microsecond=0) - timedelta(days=5),
                                    capacity=10)
    SessionFactory(offer=w.targeted, starts_at=days_ahead(10), capacity=6)
    SessionFactory(offer=w.specialist, starts_at=days_ahead(12), capacity=2)

    w.parent = UserFactory(name="Amira Khan", email="amira@example.com")
    w.zara = ChildFactory(parent=w.parent, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9),
                          needs=["autism"], locality=w.east)
    w.omar = ChildFactory(parent=w.parent, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7),
                          needs=["health", "physical"], support_level=SupportLevel.ONE_TO_ONE, has_ehc_plan=True,
                          locality=w.east)
    w.other_parent = UserFactory(name="Ben Smith", email="ben@example.com")
    w.other_child = ChildFactory(parent=w.other_parent, first_name="Lily", last_name="Smith",
                                 date_of_birth=born_years_ago(8), locality=w.north)
    w.new_parent = UserFactory(name="Chris Green", email="chris@example.com")
    w.young_person = UserFactory(name="Jordan Lee", email="jordan@example.com", role=Role.YOUNG_PERSON)
    ChildFactory(parent=w.young_person, first_name="Jordan", last_name="Lee", date_of_birth=born_years_ago(17),
                 is_account_holder=True, locality=w.north)
    w.trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    w.provider_user = UserFactory(name="Sam Ward", email="sam@oakfield.example.org", role=Role.PROVIDER,
                                  provider_id=w.provider.id)

    # The parent's bookings: upcoming, one too close to cancel online, one on a session the provider
    # cancelled, one the family cancelled, and a past one.
    w.upcoming = book(w.parent, w.open_session, [w.zara])[0]
    w.soon_booking = book(w.parent, w.soon_session, [w.zara])[0]
    book(w.parent, w.cancelled_session, [w.omar])
    w.cancelled_session.status = SessionStatus.CANCELLED  # the provider called it off; the booking stands
    db.session.commit()
    cancelled = book(w.parent, w.open_session, [w.omar])[0]
    cancel_booking(cancelled, by=w.parent)
    db.session.commit()
    db.session.add(Booking(session=w.past_session, child=w.zara, booked_by_id=w.parent.id,
                           group_ref=str(uuid.uuid4()), funding="free", price_pence=0))
    w.past_session.places_taken = 1
    db.session.commit()

    # The full session: the other family holds its only place; the parent waits for it.
    book(w.other_parent, w.full_session, [w.other_child])
    w.waiting_entry = join_waiting_list(w.parent, w.full_session, [w.zara])
    db.session.commit()

    # A place that came free and is offered to the parent.
    now = utcnow()
    w.offered_entry = WaitingListEntry(session=w.offered_session, family=w.parent, child_ids=[w.zara.id],
                                       places=1, status=WaitingStatus.OFFERED, offered_at=now,
                                       offer_expires_at=now + timedelta(hours=24))
    db.session.add(w.offered_entry)
    w.offered_session.places_taken = 1
    db.session.commit()

    # Requests for assessment: one waiting, one decided (Omar may book specialist breaks).
    w.assessment_request = AssessmentRequest(requested_by_id=w.parent.id, child_id=w.zara.id,
                                             offer_id=w.specialist.id, message="Zara finds nights away hard.")
    decided = Assessment(child_id=w.omar.id, status=AssessmentStatus.APPROVED, recorded_by_id=w.trust.id,
                         reason="Omar needs overnight care from two trained staff.",
                         review_on=date.today() + timedelta(days=180))
    db.session.add_all([w.assessment_request, decided])
    db.session.flush()
    db.session.add(AssessmentRequest(requested_by_id=w.parent.id, child_id=w.omar.id, offer_id=w.specialist.id,
                                     message="Omar needs nights away.", assessment_id=decided.id,
                                     created_at=now - timedelta(days=30)))
    db.session.commit()
    return w


# --- driving the forms ----------------------------------------------------------------------------

def sign_in(page, user, password: str = TEST_PASSWORD) -> None:
    """Sign in through the sign-in page, as a person does."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    if page.url.endswith("/sign-in/code"):  # two-step sign-in: the code the person's app shows
        page.get_by_label("Security code").fill(fresh_code(user))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
    assert "/sign-in" not in page.url, f"could not sign in as {user.email}"


def quick_sign_in(page, user, password: str = TEST_PASSWORD) -> None:
    """Sign in by posting the real sign-in form (with its CSRF token) from the page's browser context,
    without rendering it: the session cookie lands in the context, so the next page is signed in."""
    request = page.context.request
    html = request.get("/sign-in").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert token, "no CSRF token on the sign-in page"
    response = request.post("/sign-in", form={"csrf_token": token.group(1), "email": user.email,
                                              "password": password}, max_redirects=0)
    assert response.status == 302, f"could not sign in as {user.email}: {response.status}"
    if response.headers["location"].endswith("/sign-in/code"):  # two-step sign-in
        response = request.post("/sign-in/code", form={"csrf_token": token.group(1), "code": fresh_code(user)},
                                max_redirects=0)
        assert response.status == 302, f"the security code was refused for {user.email}: {response.status}"
