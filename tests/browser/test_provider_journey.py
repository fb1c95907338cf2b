"""A provider's whole journey in headless Chromium, against the portal under gunicorn, with axe-core run on
every page visited: sign up, approval by the council, an offer created, sent and approved, a weekly series
of sessions, a family's booking through the local offer, and the register."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User
from portal.formatting import london_date
from portal.timeutil import utcnow
from providers.models import (
    Attendance,
    Booking,
    BookingStatus,
    Offer,
    OfferStatus,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
)

from ..conftest import fresh_code
from ..factories import ChildFactory, LocalityFactory, UserFactory
from .conftest import assert_accessible
from .world import born_years_ago, confirmation_path, sign_in

pytestmark = pytest.mark.browser

PROVIDER_PASSWORD = "four quiet green lanterns"


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _h1(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def fill_date(page, legend: str, day: date) -> None:
    """A GOV.UK date input (Day, Month, Year) inside the fieldset with this legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def people(app):
    east = LocalityFactory(name="East", need_share=40)
    LocalityFactory(name="North", need_share=20)
    commissioner = UserFactory(name="Nadia Hussain", email="nadia@council.example.gov.uk", role=Role.COUNCIL)
    parent = UserFactory(name="Amira Khan", email="amira@example.com")
    zara = ChildFactory(parent=parent, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9),
                        needs=["autism"], locality=east)
    return {"east": east, "commissioner": commissioner, "parent": parent, "zara": zara}


def test_provider_signs_up_is_approved_publishes_an_offer_runs_sessions_and_takes_the_register(people, new_page):
    insurance_end = date.today() + timedelta(days=300)

    # 1. A new provider signs up.
    provider_page = new_page()
    provider_page.goto("/provider/sign-up")
    _h1(provider_page, "Register your organisation as a short breaks provider")
    assert_accessible(provider_page, "provider sign-up")
    p = provider_page
    p.get_by_label("Organisation name").fill("Riverside Play Project")
    p.get_by_label("Organisation email address").fill("hello@riverside.example.org")
    p.get_by_label("Phone number (optional)").fill("0121 496 0111")
    p.get_by_label("Website (optional)").fill("https://riverside.example.org")
    p.get_by_label("Registered charity number").fill("1012345")
    p.get_by_label("Company number").fill("01234567")
    p.get_by_label("Ofsted registration number (if you have one)").fill("EY123456")
    fill_date(p, "When does your public liability insurance run out?", insurance_end)
    p.get_by_label("Name of your safeguarding lead").fill("Grace Obi")
    p.get_by_label(re.compile("Everyone who works with children for us has an enhanced DBS check")).check()
    p.get_by_label("Universal: open to any disabled child, no referral needed").check()
    p.get_by_label("Your full name").fill("Tom Reed")
    p.get_by_label("Your email address").fill("tom@riverside.example.org")
    p.get_by_label("Create a password").fill(PROVIDER_PASSWORD)
    p.get_by_label("Type your password again").fill(PROVIDER_PASSWORD)
    p.get_by_role("button", name="Send for approval").click()
    _h1(p, "Check your email")

    # The emailed link confirms the address; a provider's administrator then sets up two-step sign-in.
    p.goto(confirmation_path("tom@riverside.example.org"))
    _h1(p, "Set up two-step sign-in")
    secret = p.locator(".portal-secret-key").inner_text().replace(" ", "")
    p.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    p.get_by_role("button", name="Continue").click()
    _h1(p, "Save your recovery codes")
    p.get_by_role("link", name="I have saved my recovery codes").click()
    expect(p).to_have_url(re.compile(r"/provider$"))
    expect(p.get_by_text("waiting for approval by the council")).to_be_visible()
    assert_accessible(p, "provider dashboard, waiting for approval")

    # 2. The council commissioner approves it.
    council = new_page()
    sign_in(council, people["commissioner"])
    council.goto("/approvals/providers")
    assert_accessible(council, "approvals: providers waiting")
    council.get_by_role("link", name="Riverside Play Project").click()
    _h1(council, "Riverside Play Project")
    assert_accessible(council, "approvals: provider application")
    council.get_by_label("Approve: the provider can publish offers").check()
    council.get_by_label("Reasons").fill("Insurance, DBS policy and safeguarding lead checked.")
    council.get_by_role("button", name="Record the decision").click()
    _banner(council, "Riverside Play Project has been approved")
    assert_accessible(council, "approvals: provider approved")

    # 3. The provider signs in and creates a universal offer, then sends it for approval.
    p = new_page()
    p.goto("/sign-in")
    assert_accessible(p, "sign in")
    p.get_by_label("Email address").fill("tom@riverside.example.org")
    p.get_by_label("Password", exact=True).fill(PROVIDER_PASSWORD)
    p.get_by_role("button", name="Sign in", exact=True).click()
    _h1(p, "Enter your security code")
    p.get_by_label("Security code").fill(fresh_code(db.session.scalar(
        select(User).where(User.email == "tom@riverside.example.org"))))
    p.get_by_role("button", name="Continue").click()
    expect(p).to_have_url(re.compile(r"/provider$"))
    _h1(p, "Dashboard")
    assert_accessible(p, "provider dashboard, approved")
    p.goto("/provider/offers/new")
    _h1(p, "Create an offer")
    assert_accessible(p, "new offer")
    p.get_by_label("Title").fill("Riverside Saturday Play")
    p.get_by_label("Summary").fill("Saturday play sessions with trained staff and a quiet room.")
    p.get_by_label("Description").fill("Games, crafts and outdoor play. Bring a packed lunch.")
    p.get_by_role("group", name="Which kind of break is it?").get_by_label("Universal").check()
    p.get_by_label("Type of break").select_option(label="Outdoor activity")
    p.get_by_label("Who is it for?").fill("Open to any disabled child or young person aged 5 to 11.")
    p.get_by_label("Youngest age").fill("5")
    p.get_by_label("Oldest age").fill("11")
    p.get_by_role("group", name="Which needs can you support?").get_by_label("Autism").check()
    p.get_by_label("Area").select_option(label="East")
    p.get_by_label("Venue").fill("Riverside Park Pavilion, Mill Lane")
    p.get_by_label("Price per session for the family, in pounds").fill("0")
    p.get_by_role("group", name="How is a place paid for?").get_by_label("Free").check()
    p.get_by_role("button", name="Save as a draft").click()
    _banner(p, "'Riverside Saturday Play' has been saved as a draft")
    _h1(p, "Riverside Saturday Play")
    assert_accessible(p, "offer page, draft")
    offer_id = int(re.search(r"/provider/offers/(\d+)$", p.url).group(1))
    p.get_by_role("button", name="Send for approval").click()
    _banner(p, "has been sent to the council for approval")
    assert_accessible(p, "offer page, submitted")

    # 4. The commissioner approves the offer, so it is published.
    council.goto("/approvals/offers")
    assert_accessible(council, "approvals: offers waiting")
    council.get_by_role("link", name="Riverside Saturday Play").click()
    _h1(council, "Riverside Saturday Play")
    assert_accessible(council, "approvals: offer")
    council.get_by_label("Approve and publish").check()
    council.get_by_role("button", name="Record the decision").click()
    expect(council).to_have_url(re.compile(r"/approvals/offers$"))
    _banner(council, "'Riverside Saturday Play' has been approved and published in the local offer")
    assert_accessible(council, "approvals: offers, after approving")

    # 5. The provider adds a weekly series of sessions.
    p.goto(f"/provider/offers/{offer_id}")
    expect(p.locator(".govuk-tag").first).to_contain_text("Published")
    assert_accessible(p, "offer page, published")
    p.get_by_role("link", name="Sessions for this offer").click()
    _h1(p, "Sessions")
    assert_accessible(p, "sessions, none yet")
    p.get_by_role("link", name="Add repeating sessions").click()
    expect(p).to_have_url(re.compile(rf"/provider/offers/{offer_id}/series/new$"))
    assert_accessible(p, "add repeating sessions")
    first_day = date.today() + timedelta(days=7)
    last_day = first_day + timedelta(weeks=3)
    fill_date(p, "First date", first_day)
    fill_date(p, "Last date", last_day)
    weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][first_day.weekday()]
    p.get_by_role("group", name="Which days of the week?").get_by_label(weekday).check()
    p.get_by_role("group", name="How often?").get_by_label("Every week").check()
    p.get_by_label("Start time").fill("10:00")
    p.get_by_label("End time").fill("12:30")
    p.get_by_label("Places", exact=True).fill("8")
    p.get_by_role("button", name="Add the sessions").click()
    expect(p).to_have_url(re.compile(rf"/provider/offers/{offer_id}/sessions$"))
    _banner(p, f"4 sessions added: every {weekday}")
    expect(p.locator("caption")).to_contain_text("4 upcoming sessions")
    assert_accessible(p, "sessions, after adding a series")

    # 6. A family books a place on the first session through the local offer.
    family = new_page()
    sign_in(family, people["parent"])
    family.goto("/local-offer")
    family.get_by_role("link", name="Riverside Saturday Play").click()
    _h1(family, "Riverside Saturday Play")
    assert_accessible(family, "local offer: the new offer")
    family.get_by_role("link", name=f"Book a place on {london_date(first_day)}").click()
    _h1(family, "Book a place")
    assert_accessible(family, "book a place")
    family.get_by_label("Zara Khan").check()
    family.get_by_role("button", name="Confirm booking").click()
    expect(family).to_have_url(re.compile(r"/bookings$"))
    _banner(family, "Your booking is confirmed: 1 place on Riverside Saturday Play")
    assert_accessible(family, "your bookings")

    # 7. The session starts: move it into the past (an hour ago) directly in the database.
    db.session.rollback()
    offer = db.session.scalar(select(Offer).where(Offer.title == "Riverside Saturday Play"))
    booking = db.session.scalar(select(Booking).where(Booking.child_id == people["zara"].id))
    session = db.session.get(Session, booking.session_id)
    started = utcnow().replace(microsecond=0) - timedelta(hours=1)
    session.starts_at, session.ends_at = started, started + timedelta(hours=2)
    db.session.commit()
    session_id = session.id

    # 8. The provider takes the register.
    p.goto(f"/provider/offers/{offer_id}/sessions")
    assert_accessible(p, "sessions, one started")
    p.get_by_role("link", name=re.compile(r"^Register for ")).first.click()
    expect(p).to_have_url(re.compile(rf"/provider/sessions/{session_id}/register$"))
    _h1(p, "Register")
    assert_accessible(p, "register, before marking")
    p.get_by_role("group", name="Did Zara Khan attend?").get_by_label("Attended").check()
    p.get_by_role("button", name="Save the register").click()
    _banner(p, "Register saved: 1 attended, 0 did not attend")
    assert_accessible(p, "register, after marking")

    # What the portal recorded.
    db.session.rollback()
    provider = db.session.scalar(select(Provider).where(Provider.name == "Riverside Play Project"))
    assert provider.status is ProviderStatus.APPROVED
    assert (provider.charity_number, provider.company_number, provider.insurance_expires_on,
            provider.dbs_policy_confirmed) == ("1012345", "01234567", insurance_end, True)
    admin = db.session.scalar(select(User).where(User.email == "tom@riverside.example.org"))
    assert (admin.role, admin.provider_id, admin.is_provider_admin) == (Role.PROVIDER, provider.id, True)
    db.session.refresh(offer)
    assert (offer.provider_id, offer.status, offer.tier, offer.locality_id) == (
        provider.id, OfferStatus.PUBLISHED, Tier.UNIVERSAL, people["east"].id)
    sessions = db.session.scalars(select(Session).where(Session.offer_id == offer.id)
                                  .order_by(Session.starts_at)).all()
    assert len(sessions) == 4
    assert all(s.series_id is not None and s.capacity == 8 and s.status is SessionStatus.OPEN for s in sessions)
    assert len({s.series_id for s in sessions}) == 1
    db.session.refresh(booking)
    assert (booking.session_id, booking.status, booking.booked_by_id) == (
        session_id, BookingStatus.CONFIRMED, people["parent"].id)
    assert booking.attendance is Attendance.ATTENDED
    assert booking.attendance_marked_by_id == admin.id and booking.attendance_marked_at is not None
    assert db.session.get(Session, session_id).places_taken == 1
