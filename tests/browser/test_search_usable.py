"""The local offer's search on a phone and from the keyboard (#12), in a real browser, with axe finding nothing:

* on a 320 px wide screen the page never scrolls sideways, the results come before the filters (folded under
  "Filter"), and the filters open and work, with and without JavaScript;
* from the home page to the first result takes at most 10 Tabs (the skip links do the work);
* each result's places left and whether it suits the child picked; a page past the end; "Back to search"."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import SupportLevel
from portal.timeutil import utcnow

from ..factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from .conftest import TIMEOUT_MS, assert_accessible
from .world import quick_sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def _days_ahead(days: int):
    return (utcnow() + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def offer_area(app):
    east = LocalityFactory(name="East")
    LocalityFactory(name="North")
    provider = ProviderFactory(name="Oakfield Play Trust With A Rather Long Name For A Small Screen")
    swimming = OfferFactory(provider=provider, title="Splash Swimming Club", locality=east, needs=["autism"],
                            summary="Swimming with trained staff and a quiet changing room.")
    SessionFactory(offer=swimming, starts_at=_days_ahead(3), capacity=10, places_taken=4)
    for n in range(24):
        club = OfferFactory(provider=provider, title=f"Art Club {n:02d}", locality=east, needs=["autism"])
        SessionFactory(offer=club, starts_at=_days_ahead(5 + n), capacity=6)
    family = UserFactory(name="Amira Khan")
    zara = ChildFactory(parent=family, first_name="Zara", last_name="Khan", needs=["autism"], locality=east,
                        support_level=SupportLevel.ONE_TO_ONE,
                        date_of_birth=date.today().replace(year=date.today().year - 9) - timedelta(days=40))
    db.session.commit()
    return {"family": family, "zara": zara, "swimming": swimming}


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen"


def _top(locator) -> float:
    return locator.bounding_box()["y"]


def test_on_a_phone_the_results_come_first_and_the_filters_fold_away(offer_area, page):
    page.set_viewport_size(PHONE)
    page.goto("/local-offer")
    first_result = page.locator(".portal-result h3 a").first
    expect(first_result).to_have_text("Splash Swimming Club")
    expect(page.get_by_role("group", name="Needs supported")).to_be_hidden()
    filter_toggle = page.locator("summary", has_text="Filter")
    expect(filter_toggle).to_be_visible()
    assert _top(first_result) < 2 * PHONE["height"], "the first result is more than two screens down"
    _no_sideways_scroll(page)
    assert_accessible(page, "search on a phone")

    # The filters open on demand, below which the results follow, and work.
    filter_toggle.click()
    needs = page.get_by_role("group", name="Needs supported")
    expect(needs).to_be_visible()
    _no_sideways_scroll(page)
    assert_accessible(page, "search on a phone, filters open")
    page.get_by_role("group", name="Type of break").get_by_label("Universal: open to all").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"tier=universal"))
    expect(page.locator("#results-count")).to_have_text("25 short breaks found")
    expect(page.locator("summary", has_text="Filter (1 chosen)")).to_be_visible()
    expect(page.get_by_role("group", name="Needs supported")).to_be_hidden()
    _no_sideways_scroll(page)


def test_on_a_phone_without_javascript_the_filters_still_work(offer_area, browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/local-offer")
        expect(page.get_by_role("group", name="Needs supported")).to_be_hidden()
        page.locator("summary", has_text="Filter").click()
        page.get_by_role("group", name="Area").get_by_label("North").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("#results-count")).to_have_text("0 short breaks found")
        page.get_by_label("Search by keyword").fill("swiming")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("#results-count")).to_have_text("0 short breaks found")  # North is still chosen
        page.goto("/local-offer?q=swiming")
        expect(page.locator(".portal-result h3 a")).to_have_text(["Splash Swimming Club"])
        _no_sideways_scroll(page)
    finally:
        context.close()


def test_on_a_wide_screen_the_filters_sit_open_beside_the_results(offer_area, page):
    page.goto("/local-offer")
    needs = page.get_by_role("group", name="Needs supported")
    expect(needs).to_be_visible()
    first_result = page.locator(".portal-result h3 a").first
    assert needs.bounding_box()["x"] < first_result.bounding_box()["x"]


def test_from_the_home_page_to_the_first_result_in_ten_tabs_or_fewer(offer_area, page):
    """A keyboard user follows the skip links and the start button: Enter on each, Tab between them."""
    page.goto("/")
    follow = {"Skip to main content", "Find a short break", "Skip to results"}
    tabs = 0
    while tabs < 10:
        page.keyboard.press("Tab")
        tabs += 1
        focused, href = page.evaluate(
            "() => [document.activeElement.textContent.trim(), document.activeElement.getAttribute('href') || '']")
        if focused == "Splash Swimming Club" and "/local-offer" in page.url:
            break
        if focused in follow and href.startswith("#"):
            page.keyboard.press("Enter")
        elif focused in follow:
            with page.expect_navigation():
                page.keyboard.press("Enter")
    expect(page.locator(".portal-result h3 a").first).to_be_focused()
    assert tabs <= 10
    assert_accessible(page, "search, first result focused")


def test_results_say_places_left_and_whether_they_suit_the_child(offer_area, page):
    quick_sign_in(page, offer_area["family"])
    page.goto("/local-offer")
    page.get_by_label("Suitable for").select_option(label="Zara Khan")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_label("Sort by").select_option(label="Nearest to Zara's area")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=nearest"))
    first = page.locator(".portal-result").first
    expect(first).to_contain_text("6 places left")
    expect(first).to_contain_text("May not suit Zara")
    expect(first).to_contain_text("It does not say it offers 1:1 support.")
    assert_accessible(page, "search for Zara, nearest first")

    # The offer's "Back to search" comes back to the same search.
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Splash Swimming Club")
    assert_accessible(page, "an offer reached from a search")
    page.get_by_role("link", name="Back to search").click()
    expect(page).to_have_url(re.compile(r"child=\d+.*sort=nearest"))
    expect(page.get_by_label("Sort by")).to_have_value("nearest")
    expect(page.get_by_text("Showing breaks that suit Zara's age and needs.")).to_be_visible()


def test_a_page_past_the_end(offer_area, page):
    page.set_viewport_size(PHONE)
    page.goto("/local-offer?page=101")
    expect(page.locator("#past-the-end")).to_have_text(
        "There is no page 101: there are only 2 pages of results. This is the last page.")
    expect(page.locator(".portal-result")).to_have_count(5)
    expect(page).to_have_title(re.compile(r"page 2 of 2"))
    _no_sideways_scroll(page)
    assert_accessible(page, "a page past the end")
