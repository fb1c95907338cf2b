"""Unmet demand from a family's searches and bookings to the commissioner's page, in headless Chromium against the
portal under gunicorn, with axe-core on every page: a search that finds nothing, and a specialist break a child cannot
book without an assessment, appear on the unmet demand page (never naming the family); fill and uptake shows the
year's places by need with its chart; the "So what?" summary counts the refusal by its tier."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from providers.models import PaymentRoute, Tier

from ..factories import ChildFactory, LocalityFactory, OfferFactory, SessionFactory, UserFactory
from .conftest import assert_accessible
from .world import born_years_ago, days_ahead, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app):
    east = LocalityFactory(name="East")
    nights = OfferFactory(title="Oak House Overnight Breaks", locality=east, tier=Tier.SPECIALIST, min_age=5,
                          max_age=17, needs=["physical"], payment_route=PaymentRoute.PERSONAL_BUDGET, price_pence=4500)
    session = SessionFactory(offer=nights, starts_at=days_ahead(12), capacity=4)
    parent = UserFactory(name="Hana Begum", email="hana@example.com")
    ChildFactory(parent=parent, first_name="Yusuf", last_name="Begum", date_of_birth=born_years_ago(9),
                 needs=["physical"], locality=east)
    council = UserFactory(name="Carol Council", email="carol@council.example.org", role=Role.COUNCIL)
    db.session.commit()
    return {"session": session, "parent": parent, "council": council}


def test_a_familys_search_and_refusal_show_as_unmet_demand(people, new_page):
    family = new_page()
    sign_in(family, people["parent"])
    family.goto("/local-offer?need=hearing&tier=universal")
    expect(family.locator("main")).to_contain_text("No")
    family.goto(f"/sessions/{people['session'].id}/book")
    expect(family.locator("main")).to_contain_text("needs an assessment by the children's trust")

    council = new_page()
    sign_in(council, people["council"])
    council.get_by_role("navigation", name="Menu").get_by_role("link", name="Insight").click()
    expect(council.get_by_role("heading", level=1)).to_contain_text("Fill and uptake")
    assert_accessible(council, "fill and uptake")
    council.get_by_role("link", name="Need", exact=True).click()
    expect(council.locator("table")).to_contain_text("Physical disability")
    assert_accessible(council, "fill and uptake by need")
    council.get_by_role("link", name="Unmet demand").click()
    expect(council.get_by_role("heading", level=1)).to_contain_text("Unmet demand")
    searches = council.locator("table", has=council.locator("caption", has_text="Searches that found nothing, by: Need"))
    expect(searches).to_contain_text("Deaf or hearing impairment")
    refusals = council.locator("table", has=council.locator("caption", has_text="Children who could not go, by reason"))
    expect(refusals.get_by_role("row", name="No assessment for specialist breaks 1")).to_be_visible()
    expect(council.locator("main")).not_to_contain_text("Yusuf")
    expect(council.locator("main")).not_to_contain_text("Begum")
    assert_accessible(council, "unmet demand with figures")

    council.get_by_role("link", name="What short breaks achieved").click()
    expect(council.get_by_role("heading", level=1)).to_contain_text("What short breaks achieved")
    missing = council.locator("table", has=council.locator("caption", has_text="What was missing, by tier"))
    expect(missing.get_by_role("row", name="Specialist")).to_contain_text("1")  # the refusal, by its tier
    expect(council.locator("main")).not_to_contain_text("Yusuf")
    assert_accessible(council, "the so what summary")
    assert council.get_by_role("link", name="Download this summary as a PDF").get_attribute("href").startswith(
        "/insight/summary.pdf")
