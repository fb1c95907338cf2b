"""A parent carer's whole journey in headless Chromium, against the portal under gunicorn, with axe-core
run on every page they see; and an anonymous visitor browsing the local offer."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Child, User
from portal.formatting import london_date
from providers.models import (
    Booking,
    BookingStatus,
    Category,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from ..conftest import TEST_PASSWORD
from ..factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .conftest import assert_accessible, open_page
from .world import book, born_years_ago, confirmation_path, days_ahead, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def local_offer(app):
    """Breaks to choose from: one suits a 9-year-old with autism who likes swimming; the others each miss
    on one filter. The swimming club's second session is full: another family holds its only place."""
    east, north = LocalityFactory(name="East", need_share=40), LocalityFactory(name="North", need_share=20)
    provider = ProviderFactory(name="Oakfield Play Trust")
    swimming = OfferFactory(provider=provider, title="Splash Swimming Club", tier=Tier.UNIVERSAL,
                            category=Category.SPORT, min_age=5, max_age=11, locality=east,
                            needs=["autism", "learning"], features=["step_free", "quiet_space"],
                            summary="Swimming with trained staff and a quiet changing room.")
    teen_swimming = OfferFactory(provider=provider, title="Swimming for Teenagers", min_age=13, max_age=18,
                                 locality=east, needs=["autism"])
    football = OfferFactory(provider=provider, title="Saturday Football", min_age=5, max_age=11, locality=north,
                            needs=["autism"])
    youth_club = OfferFactory(provider=provider, title="Tuesday Swimming Youth Club", tier=Tier.TARGETED,
                              min_age=8, max_age=18, locality=north, needs=["autism"])
    open_session = SessionFactory(offer=swimming, starts_at=days_ahead(7), capacity=10)
    full_session = SessionFactory(offer=swimming, starts_at=days_ahead(8), capacity=1)
    for offer in (teen_swimming, football, youth_club):
        SessionFactory(offer=offer, starts_at=days_ahead(9))
    other_parent = UserFactory(name="Ben Smith", email="ben@example.com")
    lily = ChildFactory(parent=other_parent, first_name="Lily", last_name="Smith", date_of_birth=born_years_ago(8))
    book(other_parent, full_session, [lily])
    return {"swimming": swimming, "open": open_session, "full": full_session, "other_parent": other_parent,
            "others": [teen_swimming, football, youth_club], "east": east}


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _table(page, caption: str):
    return page.locator("table", has=page.locator("caption", has_text=caption))


def test_parent_carer_registers_adds_a_child_books_cancels_and_gets_a_place_from_the_waiting_list(
        local_offer, new_page):
    open_session, full_session = local_offer["open"], local_offer["full"]
    open_day, full_day = london_date(open_session.starts_at), london_date(full_session.starts_at)
    page = new_page()

    # Register.
    page.goto("/")
    assert_accessible(page, "home")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page, "register")
    page.get_by_label("I am a parent or carer of a disabled child or young person").check()
    page.get_by_label("Your full name").fill("Amira Khan")
    page.get_by_label("Email address").fill("amira@example.com")
    page.get_by_label("Create a password").fill("three random words 42")
    page.get_by_label("Type your password again").fill("three random words 42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page, "check your email")

    # Confirm the address with the emailed link, and add a child.
    page.goto(confirmation_path("amira@example.com"))
    expect(page).to_have_url(re.compile(r"/children/new$"))
    _banner(page, "Your account has been created")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a child")
    assert_accessible(page, "add a child, after registering")
    born = born_years_ago(9)
    page.get_by_label("First name").fill("Zara")
    page.get_by_label("Last name").fill("Khan")
    date_of_birth = page.get_by_role("group", name="Date of birth")
    date_of_birth.get_by_label("Day").fill(str(born.day))
    date_of_birth.get_by_label("Month").fill(str(born.month))
    date_of_birth.get_by_label("Year").fill(str(born.year))
    page.get_by_label("Autism").check()
    page.get_by_label("Speech, language and communication needs").check()
    page.get_by_role("group", name=re.compile("EHC")).get_by_label("No", exact=True).check()
    page.get_by_label("Needs 1 adult to 2 children").check()
    page.get_by_label("Which area do you live in?").select_option(label="East")
    page.get_by_label("Emergency contact name and phone number").fill("Yusuf Khan 07700 900456")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/children$"))
    _banner(page, "Zara's details have been saved")
    expect(page.get_by_role("heading", name="Zara Khan")).to_be_visible()
    assert_accessible(page, "your children")

    # Find a break that suits Zara: the 'Suitable for' filter, a keyword and the type of break.
    page.get_by_role("link", name="Find a short break").first.click()
    page.get_by_label("Suitable for").select_option(label="Zara Khan")
    page.get_by_label("Search by keyword").fill("swimming")
    page.get_by_label("Universal: open to all").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("1 short break found")
    expect(page.get_by_text("Showing breaks that suit Zara's age and needs.")).to_be_visible()
    for other in local_offer["others"]:
        expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    assert_accessible(page, "local offer, filtered for Zara")

    # Open it and book a place.
    page.get_by_role("link", name="Splash Swimming Club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Splash Swimming Club")
    assert_accessible(page, "offer page")
    page.get_by_role("link", name=f"Book a place on {open_day}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a place")
    assert_accessible(page, "book a place")
    page.get_by_label("Zara Khan").check()
    expect(page.get_by_label("Free", exact=True)).to_be_checked()
    page.get_by_role("button", name="Confirm booking").click()

    # See it on the bookings page.
    expect(page).to_have_url(re.compile(r"/bookings$"))
    _banner(page, "Your booking is confirmed: 1 place on Splash Swimming Club")
    upcoming = _table(page, "Upcoming")
    expect(upcoming).to_contain_text("Splash Swimming Club")
    expect(upcoming).to_contain_text(open_day)
    expect(upcoming).to_contain_text("Zara Khan")
    assert_accessible(page, "your bookings, after booking")

    # Cancel it.
    page.get_by_role("link", name="Cancel Zara Khan on Splash Swimming Club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to cancel this booking?")
    assert_accessible(page, "cancel a booking")
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    _banner(page, "Your booking for Splash Swimming Club has been cancelled")
    expect(page.get_by_text("You have no upcoming bookings.")).to_be_visible()
    expect(_table(page, "Cancelled")).to_contain_text(open_day)
    assert_accessible(page, "your bookings, after cancelling")

    # The other session is full: join its waiting list.
    _table(page, "Cancelled").get_by_role("link", name="Splash Swimming Club").click()
    full_row = page.get_by_role("row", name=re.compile(full_day))
    expect(full_row).to_contain_text("Full")
    full_row.get_by_role("link", name=f"Join the waiting list for {full_day}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waiting list")
    assert_accessible(page, "join the waiting list")
    page.get_by_label("Zara Khan").check()
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    _banner(page, "You are on the waiting list for 1 place")
    expect(_table(page, "Waiting lists")).to_contain_text(full_day)
    assert_accessible(page, "your bookings, waiting")

    # Another family cancels their place, in their own browser.
    other = new_page()
    sign_in(other, local_offer["other_parent"])
    expect(other).to_have_url(re.compile(r"/bookings$"))
    other.get_by_role("link", name="Cancel Lily Smith on Splash Swimming Club").click()
    other.get_by_role("button", name="Yes, cancel this booking").click()
    _banner(other, "Your booking for Splash Swimming Club has been cancelled")

    # The place is offered to Zara's family: accept it.
    page.reload()
    expect(page.get_by_role("heading", name="Places offered to you")).to_be_visible()
    expect(page.locator(".govuk-inset-text")).to_contain_text(full_day)
    assert_accessible(page, "your bookings, with a place offered")
    page.get_by_role("link", name="Accept the place on Splash Swimming Club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept the place offered to you")
    assert_accessible(page, "accept the place offered")
    page.get_by_role("button", name="Accept the place").click()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    _banner(page, "You have accepted the place on Splash Swimming Club. Your booking is confirmed.")
    expect(page.get_by_role("heading", name="Places offered to you")).to_have_count(0)
    upcoming = _table(page, "Upcoming")
    expect(upcoming).to_contain_text(full_day)
    expect(upcoming).to_contain_text("Zara Khan")
    assert_accessible(page, "your bookings, place accepted")

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    _banner(page, "You have signed out")
    assert_accessible(page, "signed out")

    # What the portal recorded.
    db.session.rollback()
    amira = db.session.scalar(select(User).where(User.email == "amira@example.com"))
    zara = db.session.scalar(select(Child).where(Child.parent_id == amira.id))
    assert (zara.first_name, zara.date_of_birth, zara.needs, zara.has_ehc_plan, zara.locality_id) == (
        "Zara", born, ["autism", "communication"], False, local_offer["east"].id)
    places = {(b.session_id, b.status) for b in db.session.scalars(select(Booking).where(Booking.child_id == zara.id))}
    assert places == {(open_session.id, BookingStatus.CANCELLED), (full_session.id, BookingStatus.CONFIRMED)}
    entry = db.session.scalar(select(WaitingListEntry).where(WaitingListEntry.family_id == amira.id))
    assert entry.status is WaitingStatus.ACCEPTED
    db.session.refresh(full_session)
    assert full_session.places_taken == 1


def test_anonymous_visitor_filters_the_local_offer_and_opens_a_break(local_offer, page):
    page.goto("/local-offer")
    assert_accessible(page, "local offer")
    page.get_by_label("Child's age").fill("8")
    page.get_by_role("group", name="Needs supported").get_by_label("Autism").check()
    page.get_by_role("group", name="Area").get_by_label("East").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"age=8"))
    expect(page.locator("#results-count")).to_have_text("1 short break found")
    expect(page.get_by_role("link", name="Saturday Football")).to_have_count(0)
    expect(page.get_by_label("Child's age")).to_have_value("8")
    assert_accessible(page, "local offer, filtered")

    page.get_by_role("link", name="Splash Swimming Club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Splash Swimming Club")
    expect(page.get_by_text("Quiet space, Step-free access")).to_be_visible()
    assert_accessible(page, "offer page")

    # Booking needs an account: the visitor is asked to sign in and comes back afterwards.
    page.get_by_role("link", name=f"Book a place on {london_date(local_offer['open'].starts_at)}").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    _banner(page, "Sign in to continue")
    assert_accessible(page, "sign in to continue")


@pytest.mark.parametrize("next_url", [
    "/bookings", "//example.org/", "/%5Cexample.org/",
    "/%09/example.org/", "/%0A/example.org/",
])
def test_signing_in_never_sends_a_family_to_another_site(app, browser, base_url, next_url):
    """After signing in, ?next= may only lead to a page of the portal, however the browser reads the address."""
    family = UserFactory(email="amira@example.com")
    page = open_page(browser, base_url)  # not the page fixture: a failed off-site request is the expected failure
    try:
        requested, documents = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.on("response", lambda response: response.request.resource_type == "document"
                and documents.append((response.status, response.url)))
        page.goto(f"/sign-in?next={next_url}")
        page.get_by_label("Email address").fill(family.email)
        page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state("load")
        off_site = [url for url in requested if not url.startswith(base_url)]
        assert not off_site, f"signing in with ?next={next_url} went to {off_site[0]}"
        assert all(status < 500 for status, _ in documents), documents
        assert page.url.startswith(base_url), page.url
    finally:
        page.context.close()
