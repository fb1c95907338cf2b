"""A personal budget's whole journey in headless Chromium, against the portal under gunicorn, with axe-core run on
every page anyone sees: trust staff record an assessment and the resource panel's decision, the family books a
specialist break with the budget and sees what is left go down, cancels and sees it come back, the break is
delivered, and a trust commissioner sees the spend on the dashboard."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from budgets import services as money
from budgets.dashboard import current_year
from budgets.models import BudgetKind, BudgetStatus, PersonalBudget, financial_year
from portal.extensions import db
from portal.models import AssessmentRequest, Role, SupportLevel
from portal.formatting import london_date
from portal.timeutil import utcnow
from providers.models import (
    Body,
    Booking,
    BookingStatus,
    Category,
    PaymentRoute,
    Session,
    Tier,
)

from ..factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .conftest import assert_accessible
from .world import born_years_ago, days_ahead, sign_in

pytestmark = pytest.mark.browser

OVERNIGHT_PENCE = 4500


def _days_ahead_this_year(days: int, *, before_year_end: int = 0):
    """A session ``days`` ahead, or sooner if that would fall after 31 March (a budget runs within one financial
    year, so a break after it is not paid from this year's budget), and at least ``before_year_end`` days before
    it, so that two sessions near the end of the year still fall on different days."""
    today = money.today()
    left = (date(financial_year(today) + 1, 3, 31) - today).days
    return days_ahead(max(1, min(days, left - before_year_end)))


@pytest.fixture
def people(app):
    """A specialist break at £45 a night with two sessions, a family who asked for an assessment for Omar, trust
    staff with this year's trust budget set, and the provider's staff."""
    east = LocalityFactory(name="East", need_share=40)
    provider = ProviderFactory(name="Oakfield Play Trust")
    overnight = OfferFactory(
        provider=provider, title="Oak House Overnight Breaks", locality=east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, min_age=5, max_age=17, needs=["health", "physical"],
        price_pence=OVERNIGHT_PENCE, payment_route=PaymentRoute.PERSONAL_BUDGET,
        eligibility="Children assessed by the children's trust as needing overnight care.")
    later = SessionFactory(offer=overnight, starts_at=_days_ahead_this_year(12), capacity=2)
    sooner = SessionFactory(offer=overnight, starts_at=_days_ahead_this_year(3, before_year_end=1), capacity=2)
    parent = UserFactory(name="Amira Khan", email="amira@example.com")
    omar = ChildFactory(parent=parent, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7),
                        needs=["health", "physical"], support_level=SupportLevel.ONE_TO_ONE, locality=east)
    trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    provider_staff = UserFactory(name="Sam Ward", email="sam@oakfield.example.org", role=Role.PROVIDER,
                                 provider_id=provider.id)
    db.session.add(AssessmentRequest(requested_by_id=parent.id, child_id=omar.id, offer_id=overnight.id,
                                     message="Omar needs nights away."))
    money.set_envelope(Body.TRUST, current_year(), 500_000_00, by=trust, reason="Trust budget for the year")
    db.session.commit()
    return {"overnight": overnight, "later": later, "sooner": sooner, "parent": parent, "omar": omar,
            "trust": trust, "provider_staff": provider_staff}


def _h1(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _row(page, caption: str, header: str):
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=header, exact=True))


def _spending_rows(page):
    return page.locator("table", has=page.locator("caption", has_text="was spent on")).locator("tbody tr")


def test_trust_allocates_a_budget_family_books_and_cancels_with_it_and_commissioner_sees_the_spend(
        people, new_page):
    omar, overnight = people["omar"], people["overnight"]
    year_end = date(financial_year(money.today()) + 1, 3, 31)
    until = f"until {year_end.day} {year_end:%B %Y}"
    later_day, sooner_day = london_date(people["later"].starts_at), london_date(people["sooner"].starts_at)

    # 1. Trust staff record the assessment: Omar needs specialist short breaks.
    trust = new_page()
    sign_in(trust, people["trust"])
    trust.get_by_role("link", name="Assessment requests").click()
    _h1(trust, "Requests for assessment")
    assert_accessible(trust, "requests for assessment")
    trust.get_by_role("link", name="Omar Khan").click()
    _h1(trust, "Record an assessment outcome")
    expect(trust.get_by_role("link", name=re.compile("Record a resource panel decision"))).to_have_count(0)
    assert_accessible(trust, "record an assessment outcome")
    trust.get_by_label("Specialist short breaks are needed").check()
    trust.get_by_label("Reasons").fill("Omar needs overnight care from two trained staff.")
    review = date.today() + timedelta(days=180)
    review_on = trust.get_by_role("group", name="Review date")
    review_on.get_by_label("Day").fill(str(review.day))
    review_on.get_by_label("Month").fill(str(review.month))
    review_on.get_by_label("Year").fill(str(review.year))
    trust.get_by_role("button", name="Record the decision").click()
    _banner(trust, "The assessment outcome for Omar Khan has been recorded.")
    assert_accessible(trust, "requests for assessment, outcome recorded")

    # 2. The resource panel agrees a managed personal budget of £1,240.
    trust.get_by_role("link", name="Omar Khan").click()
    assert_accessible(trust, "record an assessment outcome, approved")
    trust.get_by_role("link", name="Record a resource panel decision for Omar Khan").click()
    _h1(trust, "Record a resource panel decision")
    assert_accessible(trust, "record a resource panel decision")
    trust.get_by_label("Amount the panel agreed").fill("1,240")
    trust.get_by_label(re.compile("Managed budget: the trust holds it")).check()
    trust.get_by_label("The panel’s reasons").fill("Panel agreed 27 nights of overnight breaks a year.")
    trust.get_by_role("button", name="Continue").click()
    _h1(trust, "Check the panel decision before you record it")
    expect(trust.locator(".govuk-summary-list")).to_contain_text("£1,240.00")
    assert_accessible(trust, "check the panel decision")
    trust.get_by_role("button", name="Record the decision").click()
    expect(trust).to_have_url(re.compile(r"/trust/personal-budgets/\d+$"))
    _banner(trust, "The panel decision has been recorded and Omar’s family has been emailed.")
    _h1(trust, "Managed personal budget")
    expect(trust.locator(".govuk-body-l")).to_have_text(f"£1,240.00 left {until}")
    assert_accessible(trust, "the budget, just allocated")

    # 3. The family sees the budget on their money page.
    family = new_page()
    sign_in(family, people["parent"])
    family.get_by_role("link", name="Budgets and payments").click()
    _h1(family, "Budgets and payments")
    balance = family.locator(".govuk-inset-text")
    expect(balance).to_have_text(f"£1,240.00 left {until}")
    expect(family.get_by_text("Nothing has been booked with this budget yet.")).to_be_visible()
    assert_accessible(family, "money page, budget allocated")

    # 4. They book the overnight break, paid from Omar's personal budget.
    family.goto(f"/local-offer/{overnight.id}")
    _h1(family, "Oak House Overnight Breaks")
    assert_accessible(family, "the specialist break")
    family.get_by_role("link", name=f"Book a place on {later_day}").click()
    _h1(family, "Book a place")
    # Without Stripe keys, paying by card is shown as unavailable, with the reason.
    expect(family.locator(".govuk-inset-text")).to_contain_text(
        "Pay by card now is not available: Paying by card is not available on this portal at the moment.")
    assert_accessible(family, "book a place")
    family.get_by_label("Omar Khan").check()
    family.get_by_label("From my child’s personal budget").check()
    family.get_by_role("button", name="Confirm booking").click()
    expect(family).to_have_url(re.compile(r"/bookings$"))
    _banner(family, "Your booking is confirmed: 1 place on Oak House Overnight Breaks")
    assert_accessible(family, "your bookings")

    # 5. The balance drops by £45, set aside for the break.
    family.get_by_role("link", name="Budgets and payments").click()
    expect(balance).to_have_text(f"£1,195.00 left {until}")
    expect(family.get_by_text("£45.00 more is set aside for breaks you have booked that have not happened yet.")
           ).to_be_visible()
    booked = _spending_rows(family).last
    for text in ("Booked", f"Oak House Overnight Breaks, {later_day}", "−£45.00", "£1,195.00"):
        expect(booked).to_contain_text(text)
    assert_accessible(family, "money page, break booked")

    # 6. They cancel, and the £45 comes back.
    family.get_by_role("link", name="Your bookings").click()
    family.get_by_role("link", name="Cancel Omar Khan on Oak House Overnight Breaks").click()
    _h1(family, "Are you sure you want to cancel this booking?")
    assert_accessible(family, "cancel a booking")
    family.get_by_role("button", name="Yes, cancel this booking").click()
    _banner(family, "Your booking for Oak House Overnight Breaks has been cancelled")
    assert_accessible(family, "your bookings, after cancelling")
    family.get_by_role("link", name="Budgets and payments").click()
    expect(balance).to_have_text(f"£1,240.00 left {until}")
    expect(family.get_by_text(re.compile("more is set aside"))).to_have_count(0)
    given_back = _spending_rows(family).last
    for text in ("Given back to the budget", "+£45.00", "£1,240.00"):
        expect(given_back).to_contain_text(text)
    assert_accessible(family, "money page, booking cancelled")

    # 7. They book the sooner night instead; it takes place (moved to an hour ago in the database) and the
    # provider marks Omar as attended, so the money held becomes actual spend.
    family.goto(f"/local-offer/{overnight.id}")
    family.get_by_role("link", name=f"Book a place on {sooner_day}").click()
    _h1(family, "Book a place")
    assert_accessible(family, "book a place, again")
    family.get_by_label("Omar Khan").check()
    family.get_by_label("From my child’s personal budget").check()
    family.get_by_role("button", name="Confirm booking").click()
    _banner(family, "Your booking is confirmed: 1 place on Oak House Overnight Breaks")
    assert_accessible(family, "your bookings, booked again")
    db.session.rollback()
    sooner = db.session.get(Session, people["sooner"].id)
    started = utcnow().replace(microsecond=0) - timedelta(hours=1)
    sooner.starts_at, sooner.ends_at = started, started + timedelta(hours=2)
    db.session.commit()
    provider = new_page()
    sign_in(provider, people["provider_staff"])
    provider.goto(f"/provider/sessions/{sooner.id}/register")
    _h1(provider, "Register")
    assert_accessible(provider, "register, before marking")
    provider.get_by_role("group", name="Did Omar Khan attend?").get_by_label("Attended").check()
    provider.get_by_role("button", name="Save the register").click()
    _banner(provider, "Register saved: 1 attended, 0 did not attend")
    assert_accessible(provider, "register, Omar attended")

    family.get_by_role("link", name="Budgets and payments").click()
    expect(balance).to_have_text(f"£1,195.00 left {until}")
    expect(family.get_by_text(re.compile("more is set aside"))).to_have_count(0)
    delivered = _spending_rows(family).last
    for text in ("Break delivered", "No change", "£1,195.00"):
        expect(delivered).to_contain_text(text)
    assert_accessible(family, "money page, break delivered")

    # 8. A trust commissioner sees the spend on the dashboard, against the trust's budget for the year.
    trust.get_by_role("link", name="Spending").click()
    expect(trust).to_have_url(re.compile(r"/money/dashboard$"))
    year = current_year()
    _h1(trust, f"Children’s trust short breaks budget {year} to {year + 1}")
    figures = f"{year} to {year + 1}: the budget"
    expect(_row(trust, figures, "Budget for the year")).to_contain_text("£500,000.00")
    expect(_row(trust, figures, "Actual spend (places delivered)")).to_contain_text("£45.00")
    expect(_row(trust, figures, "Committed (places booked and personal budgets allocated, not yet delivered)")
           ).to_contain_text("£1,195.00")
    expect(_row(trust, figures, "Left to commit")).to_contain_text("£498,760.00")
    by_provider = _row(trust, "By provider", "Oakfield Play Trust")
    expect(by_provider.get_by_role("cell").nth(0)).to_have_text("£45.00")
    expect(by_provider.get_by_role("cell").nth(1)).to_have_text("£0.00")
    expect(_row(trust, "By kind of break", "Overnight short break").get_by_role("cell").nth(0)).to_have_text("£45.00")
    assert_accessible(trust, "spending dashboard")

    # The trust's list of budgets agrees with the family's page.
    trust.get_by_role("link", name="Personal budgets").click()
    row = trust.get_by_role("row", name=re.compile("Omar Khan"))
    expect(row).to_contain_text("£1,240.00")
    expect(row.get_by_role("cell").nth(3)).to_have_text("£1,195.00")
    assert_accessible(trust, "personal budgets")

    # What the portal recorded.
    db.session.rollback()
    budget = db.session.scalar(select(PersonalBudget).where(PersonalBudget.child_id == omar.id))
    assert (budget.kind, budget.status, budget.amount_pence) == (BudgetKind.MANAGED, BudgetStatus.ACTIVE, 124_000)
    assert money.unspent(budget) == 119_500
    bookings = {b.session_id: (b.status, b.budget_id, b.funded_pence, b.delivered_at is not None)
                for b in db.session.scalars(select(Booking).where(Booking.child_id == omar.id))}
    assert bookings == {people["later"].id: (BookingStatus.CANCELLED, budget.id, OVERNIGHT_PENCE, False),
                        sooner.id: (BookingStatus.CONFIRMED, budget.id, OVERNIGHT_PENCE, True)}
