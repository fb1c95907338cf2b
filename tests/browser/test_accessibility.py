"""axe-core finds no WCAG 2.2 AA violations on any page of the portal, for each role that can see it,
including error states (error summaries, error pages) and every kind of row on a family's bookings page.

Each case is one test, named after the page and the role, so a failure names the page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import empty_tables
from .cases import (
    Case,
    check,
    expect_error_summary,
    expect_heading,
    filters_through_the_form,
    go,
    page_as_fixture,
    params,
    submit,
)
from .conftest import axe_violations
from .world import World, build_world, password_reset_path

pytestmark = pytest.mark.browser


def _fill_wrong_password(page, w):
    page.get_by_label("Email address").fill(w.parent.email)
    page.get_by_label("Password", exact=True).fill("not the right password")


def _clear_first_name(page, w):
    page.get_by_label("First name").fill("")


def _choose_zara(page, w):
    page.get_by_label("Zara Khan").check()


def _bad_email(page, w):
    page.get_by_label("Email address").fill("not-an-email")


def _good_email(page, w):
    page.get_by_label("Email address").fill(w.parent.email)


def _bookings_has_every_kind_of_row(page, w):
    page.goto("/bookings")
    expect(page.get_by_role("heading", name="Places offered to you")).to_be_visible()
    expect(page.get_by_text("Session cancelled")).to_be_visible()
    for caption in ("Upcoming", "Waiting lists", "Past", "Cancelled"):
        expect(page.locator("caption", has_text=caption)).to_be_visible()


def _form_without_csrf_token(page, w):
    """A form posted without its CSRF token (an old tab, say) gets the 400 page."""
    page.goto("/bookings")
    with page.expect_navigation() as navigation:
        page.evaluate("""(action) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            document.body.append(form);
            form.submit();
        }""", f"/waiting-list/{w.waiting_entry.id}/leave")
    assert navigation.value.status == 400
    expect_heading(page, "There is a problem with your request")


def _redirected_to_sign_in(page, w):
    page.goto("/bookings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sign in to continue")


def _child_filter(page, w):
    page.goto("/local-offer")
    page.get_by_label("Suitable for").select_option(label="Zara Khan")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Showing breaks that suit Zara's age and needs.")).to_be_visible()


def _no_results(page, w):
    page.goto("/local-offer?q=trampolining")
    expect(page.locator("#results-count")).to_have_text("0 short breaks found")


def _bad_age_and_dates(page, w):
    response = page.goto("/local-offer?age=eleventy&from=32/13/2027&to=someday")
    assert response.status == 400
    expect_error_summary(page, "Enter an age from 0 to 25")
    expect(page).to_have_title(re.compile(r"^Error: Find a short break"))


def _page_two(page, w):
    page.goto("/local-offer")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_title(re.compile(r"page 2 of 2"))


CASES = [
    # Public pages, as each kind of visitor (the header and navigation change with the role).
    *[Case(f"home-{role.removesuffix('_user')}", role, go("/", heading="Short breaks")) for role in
      ("anonymous", "parent", "young_person", "trust", "provider_user")],
    *[Case(f"local-offer-{role.removesuffix('_user')}", role, go("/local-offer", heading="Find a short break")) for role in
      ("anonymous", "parent", "young_person", "trust", "provider_user")],
    Case("local-offer-filters-anonymous", "anonymous", filters_through_the_form),
    Case("local-offer-suitable-for-child-parent", "parent", _child_filter),
    Case("local-offer-no-results-anonymous", "anonymous", _no_results),
    Case("local-offer-invalid-age-and-dates-anonymous", "anonymous", _bad_age_and_dates),
    Case("local-offer-page-2-anonymous", "anonymous", _page_two),
    Case("offer-universal-anonymous", "anonymous",
         go(lambda w: f"/local-offer/{w.universal.id}", heading="Splash Swimming Club")),
    Case("offer-universal-parent", "parent",
         go(lambda w: f"/local-offer/{w.universal.id}", heading="Splash Swimming Club")),
    Case("offer-targeted-anonymous", "anonymous",
         go(lambda w: f"/local-offer/{w.targeted.id}", heading="Tuesday Youth Club")),
    Case("offer-specialist-anonymous", "anonymous",
         go(lambda w: f"/local-offer/{w.specialist.id}", heading="Oak House Overnight Breaks")),
    Case("offer-specialist-parent-with-assessed-child", "parent",
         go(lambda w: f"/local-offer/{w.specialist.id}", heading="Oak House Overnight Breaks")),
    Case("offer-unpublished-404-anonymous", "anonymous", go("/local-offer/999999", status=404, heading="Page not found")),
    Case("accessibility-statement-anonymous", "anonymous", go("/accessibility", heading="Accessibility statement")),
    Case("accessibility-statement-parent", "parent", go("/accessibility", heading="Accessibility statement")),
    Case("error-404-anonymous", "anonymous", go("/no-such-page", status=404, heading="Page not found")),
    Case("error-404-parent", "parent", go("/no-such-page", status=404, heading="Page not found")),
    Case("error-403-parent-on-trust-page", "parent",
         go("/trust/assessment-requests", status=403, heading="You do not have permission")),
    Case("error-405-get-sign-out", "parent", go("/sign-out", status=405, heading="There is a problem")),
    Case("error-400-form-without-csrf-token", "parent", _form_without_csrf_token),

    # Accounts.
    Case("sign-in", "anonymous", go("/sign-in", heading="Sign in")),
    Case("sign-in-redirected-with-banner", "anonymous", _redirected_to_sign_in),
    Case("sign-in-empty", "anonymous", submit("/sign-in", "Sign in", status=422, error="Enter your email address")),
    Case("sign-in-failed", "anonymous", submit("/sign-in", "Sign in", status=422, fill=_fill_wrong_password,
                                               error="The email address or password is not right")),
    Case("register", "anonymous", go("/register", heading="Create an account")),
    Case("register-errors", "anonymous", submit("/register", "Create account", status=422,
                                                error="Enter your full name")),
    Case("reset-password", "anonymous", go("/reset-password", heading="Reset your password")),
    Case("reset-password-errors", "anonymous", submit("/reset-password", "Send me a reset link", status=422,
                                                      fill=_bad_email, error="correct format")),
    Case("reset-password-sent", "anonymous", submit("/reset-password", "Send me a reset link", status=200,
                                                    fill=_good_email, heading="Check your email")),
    Case("reset-password-new-password", "anonymous", go(lambda w: password_reset_path(w.parent),
                                                        heading="Choose a new password")),
    Case("reset-password-new-password-errors", "anonymous",
         submit(lambda w: password_reset_path(w.parent), "Change password", status=422,
                error="Enter a new password")),
    Case("reset-password-invalid-link", "anonymous",
         go("/reset-password/not-a-real-token", status=404, heading="This link does not work")),
    *[Case(f"account-{role.removesuffix('_user')}", role, go("/account", heading="Your account")) for role in
      ("parent", "young_person", "trust", "provider_user")],

    # A family's children.
    Case("children-parent", "parent", go("/children", heading="Your children")),
    Case("children-none-yet", "new_parent", go("/children", heading="Your children")),
    Case("children-young-person", "young_person", go("/children", heading="Your details")),
    Case("add-child", "parent", go("/children/new", heading="Add a child")),
    Case("add-child-errors", "parent", submit("/children/new", "Save", status=422,
                                              error="Enter their first name")),
    # The young person already holds their own record, and their account books only for themselves.
    Case("add-someone-else-young-person", "young_person",
         go("/children/new", status=403, heading="Your account is for booking breaks for yourself")),
    Case("edit-child", "parent", go(lambda w: f"/children/{w.zara.id}/edit", heading="Change Zara's details")),
    Case("edit-child-errors", "parent", submit(lambda w: f"/children/{w.zara.id}/edit", "Save", status=422,
                                               fill=_clear_first_name, error="Enter their first name")),

    # Booking, waiting lists, cancelling.
    Case("book", "parent", go(lambda w: f"/sessions/{w.open_session.id}/book", heading="Book a place")),
    Case("book-targeted-with-declaration", "parent",
         go(lambda w: f"/sessions/{w.targeted.sessions[0].id}/book", heading="Book a place")),
    Case("book-errors-no-child-chosen", "parent",
         submit(lambda w: f"/sessions/{w.open_session.id}/book", "Confirm booking", status=422,
                error="Select who the place is for")),
    Case("book-session-full", "parent",
         submit(lambda w: f"/sessions/{w.full_session.id}/book", "Confirm booking", status=409,
                fill=_choose_zara, error="This session is full")),
    Case("waiting-list", "parent",
         go(lambda w: f"/sessions/{w.full_session.id}/waiting-list", heading="Join the waiting list")),
    Case("waiting-list-errors", "parent",
         submit(lambda w: f"/sessions/{w.full_session.id}/waiting-list", "Join the waiting list", status=422,
                error="Select who the places are for")),
    Case("bookings-every-kind-of-row", "parent", _bookings_has_every_kind_of_row),
    Case("bookings-none-yet", "new_parent", go("/bookings", heading="Your bookings")),
    Case("bookings-young-person", "young_person", go("/bookings", heading="Your bookings")),
    Case("cancel", "parent", go(lambda w: f"/bookings/{w.upcoming.id}/cancel",
                                heading="Are you sure you want to cancel this booking?")),
    Case("cancel-too-late", "parent",
         go(lambda w: f"/bookings/{w.soon_booking.id}/cancel", heading="You can no longer cancel this booking online",
            shows="Cancelling online closed")),
    Case("cancel-what-comes-back", "parent", go(lambda w: f"/bookings/{w.upcoming.id}/cancel",
                                                heading="Are you sure you want to cancel this booking?",
                                                shows="What comes back")),
    Case("booking-closed", "parent", go(lambda w: f"/sessions/{w.past_session.id}/book", status=409,
                                        heading="Booking has closed for this session")),
    Case("accept-offer", "parent", go(lambda w: f"/waiting-list/{w.offered_entry.id}/accept",
                                      heading="Accept the place offered to you")),
    Case("ask-for-assessment", "parent", go(lambda w: f"/local-offer/{w.specialist.id}/ask-for-assessment",
                                            heading="Ask for an assessment")),
    Case("ask-for-assessment-errors", "parent",
         submit(lambda w: f"/local-offer/{w.specialist.id}/ask-for-assessment", "Ask for an assessment",
                status=422, error="Select who the assessment is for")),

    # Children's trust staff.
    Case("trust-assessment-requests", "trust", go("/trust/assessment-requests", heading="Requests for assessment")),
    Case("trust-record-assessment-with-history", "trust",
         go(lambda w: f"/trust/children/{w.omar.id}/assessment", heading="Record an assessment outcome")),
    Case("trust-record-assessment-errors", "trust",
         submit(lambda w: f"/trust/children/{w.zara.id}/assessment", "Record the decision", status=422,
                error="Select the outcome")),
]


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    """One world for every page in this module: the cases only read it (their forms fail validation, or
    are refused), so it is built once, and emptied when the module ends (see _clean_database)."""
    world = build_world(more_offers=25)
    yield world
    empty_tables()


# One signed-in page per role (the World attribute of the person: parent, trust, provider_user...).
page_as = page_as_fixture()


@pytest.mark.parametrize("case", params(CASES))
def test_page_has_no_accessibility_violations(case: Case, shared_world: World, page_as):
    check(case, shared_world, page_as)


def test_the_axe_check_itself_finds_violations(shared_world, page):
    """Guard against a check that passes because it checks nothing: break a real page and axe must say so."""
    page.goto("/accessibility")
    page.evaluate("""() => {
        const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend", '<img src="/assets/images/favicon.svg"><input type="text" id="unlabelled">'
            + '<p id="pale">Pale grey text</p>');
        // Through the CSSOM: the Content-Security-Policy refuses style attributes written into the page.
        Object.assign(document.getElementById("pale").style, {color: "#bbb", background: "#fff"});
    }""")
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found, found
