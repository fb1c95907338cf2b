"""axe-core finds no WCAG 2.2 AA violations on any provider page or commissioner's approval page, as the role
that can see it, including error states (empty forms, refusals, a bad CSV upload).

Each case is one test, named after the page and the role, so a failure names the page. The world is built
once for the module (named ``shared_world`` so that tests/browser/conftest.py does not empty the tables
after each case) and emptied when the module ends: the cases only read it, except that creating an API token
adds one token."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from portal.timeutil import utcnow
from providers import organisations
from providers.models import Body, Category, OfferStatus, ProviderStatus, Tier

from ..conftest import empty_tables
from ..factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .cases import (
    Case,
    check,
    expect_error_summary,
    expect_heading,
    fill_date,
    go,
    page_as_fixture,
    params,
    submit,
)
from .world import book, born_years_ago, days_ahead

pytestmark = pytest.mark.browser


@dataclass
class ProviderWorld:
    provider: object = None
    admin: object = None
    colleague: object = None
    pending: object = None
    council: object = None
    published: object = None
    submitted: object = None
    change_asked: object = None
    draft: object = None
    booked_session: object = None
    started_session: object = None


def build_provider_world() -> ProviderWorld:
    w = ProviderWorld()
    east = LocalityFactory(name="East", need_share=40)
    LocalityFactory(name="North", need_share=20)
    w.provider = ProviderFactory(name="Oakfield Play Trust", phone="0121 496 0000", charity_number="1012345",
                                 insurance_expires_on=date.today() + timedelta(days=200),
                                 safeguarding_lead="Grace Obi", dbs_policy_confirmed=True)
    w.admin = UserFactory(name="Sam Ward", email="sam@oakfield.example.org", role=Role.PROVIDER,
                          provider_id=w.provider.id, is_provider_admin=True)
    w.colleague = UserFactory(name="Jo Baker", email="jo@oakfield.example.org", role=Role.PROVIDER,
                              provider_id=w.provider.id)
    organisations.invite_staff(w.provider, "kim@oakfield.example.org", by=w.admin)
    db.session.commit()
    w.pending = ProviderFactory(name="Riverside Play Project", status=ProviderStatus.PENDING,
                                approving_body=Body.COUNCIL, company_number="01234567", ofsted_number="EY123456",
                                insurance_expires_on=date.today() + timedelta(days=20),
                                safeguarding_lead="Tom Reed", dbs_policy_confirmed=True)
    w.council = UserFactory(name="Nadia Hussain", email="nadia@council.example.gov.uk", role=Role.COUNCIL)

    w.published = OfferFactory(provider=w.provider, title="Splash Swimming Club", locality=east,
                               tier=Tier.UNIVERSAL, category=Category.SPORT, needs=["autism"],
                               features=["step_free"], support_offered=["one_to_one"])
    w.submitted = OfferFactory(provider=w.provider, title="Saturday Art Club", locality=east,
                               category=Category.ARTS, status=OfferStatus.SUBMITTED)
    w.change_asked = OfferFactory(provider=w.provider, title="Tuesday Youth Club", locality=east,
                                  tier=Tier.UNIVERSAL, category=Category.YOUTH_CLUB, pending_tier=Tier.TARGETED)
    w.draft = OfferFactory(provider=w.provider, title="Forest School", locality=east, category=Category.OUTDOOR,
                           status=OfferStatus.DRAFT)

    parent = UserFactory(name="Amira Khan", email="amira@example.com")
    zara = ChildFactory(parent=parent, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9),
                        locality=east)
    omar = ChildFactory(parent=parent, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7),
                        locality=east, needs=["health"])
    w.booked_session = SessionFactory(offer=w.published, starts_at=days_ahead(7), capacity=10)
    SessionFactory(offer=w.published, starts_at=days_ahead(14), capacity=1)
    book(parent, w.booked_session, [zara, omar])
    # A session that has started (its register can be marked): booked while open, then moved an hour back.
    w.started_session = SessionFactory(offer=w.published, starts_at=days_ahead(3), capacity=10)
    book(parent, w.started_session, [zara])
    started = utcnow().replace(microsecond=0) - timedelta(hours=1)
    w.started_session.starts_at, w.started_session.ends_at = started, started + timedelta(hours=2)
    db.session.commit()
    return w


# --- visiting pages -------------------------------------------------------------------------------

def _bad_sign_up(page, w):
    page.get_by_label("Organisation name").fill("Riverside Play Project")
    page.get_by_label("Organisation email address").fill("not-an-email")
    page.get_by_label("Registered charity number").fill("abc")
    fill_date(page, "When does your public liability insurance run out?", date.today() - timedelta(days=3))
    page.get_by_label("Create a password").fill("short")
    page.get_by_label("Type your password again").fill("different")


def _clear(label: str):
    def fill(page, w):
        page.get_by_label(label, exact=True).fill("")
    return fill


def _places_below_bookings(page, w):
    page.get_by_label("Places", exact=True).fill("1")


def _clear_move_reason(page, w):
    page.get_by_label("Why are you moving this session?").fill("")


def _create_api_token(page, w):
    page.goto("/provider/api-tokens")
    page.get_by_label("What will use this token?").fill("Booking system")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Token created")
    token = page.locator(".portal-token").inner_text().strip()
    assert len(token) > 20, token
    # Shown once: the next visit to the page lists the token by name but never shows it again.
    again = page.context.request.get("/provider/api-tokens").text()
    assert "Booking system" in again and token not in again


def _upload(content: str):
    def visit(page, w):
        page.goto("/provider/sessions/upload")
        page.get_by_label("Upload a CSV file").set_input_files(
            files=[{"name": "sessions.csv", "mimeType": "text/csv", "buffer": content(w).encode()}])
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Check the file").click()
        return navigation.value
    return visit


def _upload_bad_csv(page, w):
    response = _upload(lambda w: "offer,date,start time,end time,places,staff\n"
                                 "999999,31/02/2027,25:00,10:00,lots,\n"
                                 f"{w.published.id},01/01/2020,10:00,09:00,0,\n")(page, w)
    assert response.status == 422
    expect_error_summary(page)
    expect_heading(page, "Upload sessions from a CSV file")


def _upload_good_csv(page, w):
    day = (date.today() + timedelta(days=40)).strftime("%d/%m/%Y")
    later = (date.today() + timedelta(days=47)).strftime("%d/%m/%Y")
    response = _upload(lambda w: "offer,date,start time,end time,places,staff\n"
                                 f"{w.published.id},{day},10:00,12:00,8,\n"
                                 f"{w.submitted.id},{later},16:00,18:00,6,2\n")(page, w)
    assert response.status == 200
    expect_heading(page, "Check the sessions before you add them")


def _register(w):
    return f"/provider/sessions/{w.started_session.id}/register"


CASES = [
    # Signing up.
    Case("sign-up-anonymous", "anonymous",
         go("/provider/sign-up", heading="Register your organisation as a short breaks provider")),
    Case("sign-up-blank-submitted", "anonymous",
         submit("/provider/sign-up", "Send for approval", status=422, error="Enter the name of your organisation")),
    Case("sign-up-with-errors", "anonymous",
         submit("/provider/sign-up", "Send for approval", status=422, fill=_bad_sign_up,
                error="Enter a charity number like 1012345")),
    Case("sign-up-already-signed-in-admin", "admin",
         go("/provider/sign-up", heading="Register your organisation as a short breaks provider")),

    # The organisation.
    Case("dashboard-admin", "admin", go("/provider", heading="Dashboard")),
    Case("organisation-admin", "admin", go("/provider/organisation", heading="Your organisation's details")),
    Case("edit-organisation-admin", "admin",
         go("/provider/organisation/edit", heading="Change your organisation's details")),
    Case("edit-organisation-errors-admin", "admin",
         submit("/provider/organisation/edit", "Save changes", status=422, fill=_clear("Organisation name"),
                error="Enter the name of your organisation")),
    Case("staff-admin", "admin", go("/provider/staff", heading="Your staff")),
    Case("invite-admin", "admin", go("/provider/staff/invite", heading="Invite a colleague")),
    Case("invite-errors-admin", "admin",
         submit("/provider/staff/invite", "Send invitation", status=422,
                error="Enter your colleague's email address")),
    Case("api-tokens-admin", "admin", go("/provider/api-tokens", heading="API tokens")),
    Case("api-tokens-errors-admin", "admin",
         submit("/provider/api-tokens", "Create token", status=422, error="Enter a name for the token")),
    Case("api-tokens-created-shown-once-admin", "admin", _create_api_token),

    # Offers.
    Case("offers-admin", "admin", go("/provider/offers", heading="Your offers")),
    Case("offers-filtered-drafts-admin", "admin", go("/provider/offers?status=draft", heading="Your offers")),
    Case("new-offer-admin", "admin", go("/provider/offers/new", heading="Create an offer")),
    Case("new-offer-errors-admin", "admin",
         submit("/provider/offers/new", "Save as a draft", status=422, error="Enter a title")),
    Case("offer-published-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}", heading="Splash Swimming Club")),
    Case("offer-draft-admin", "admin", go(lambda w: f"/provider/offers/{w.draft.id}", heading="Forest School")),
    Case("offer-change-waiting-admin", "admin",
         go(lambda w: f"/provider/offers/{w.change_asked.id}", heading="Tuesday Youth Club")),
    Case("edit-offer-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/edit", heading="Change Splash Swimming Club")),
    Case("edit-offer-errors-admin", "admin",
         submit(lambda w: f"/provider/offers/{w.published.id}/edit", "Save changes", status=422,
                fill=_clear("Title"), error="Enter a title")),
    Case("withdraw-offer-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/withdraw",
            heading="Are you sure you want to withdraw this offer?")),

    # Sessions.
    Case("sessions-admin", "admin", go(lambda w: f"/provider/offers/{w.published.id}/sessions", heading="Sessions")),
    Case("sessions-past-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions?when=past", heading="Past sessions")),
    Case("sessions-none-yet-admin", "admin",
         go(lambda w: f"/provider/offers/{w.draft.id}/sessions", heading="Sessions")),
    Case("add-session-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions/new", heading="Add a session")),
    Case("add-session-errors-admin", "admin",
         submit(lambda w: f"/provider/offers/{w.published.id}/sessions/new", "Add the session", status=422,
                error="Enter the date of the session")),
    Case("add-series-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/series/new", heading="Add repeating sessions")),
    Case("add-series-errors-admin", "admin",
         submit(lambda w: f"/provider/offers/{w.published.id}/series/new", "Add the sessions", status=422,
                error="Enter the first date")),
    Case("change-places-admin", "admin",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/places", heading="Change places")),
    Case("change-places-refused-below-bookings-admin", "admin",
         submit(lambda w: f"/provider/sessions/{w.booked_session.id}/places", "Save places", status=409,
                fill=_places_below_bookings, error="You cannot reduce places to 1")),
    Case("cancel-session-admin", "admin",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/cancel",
            heading="Are you sure you want to cancel this session?")),
    Case("cancel-session-errors-admin", "admin",
         submit(lambda w: f"/provider/sessions/{w.booked_session.id}/cancel", "Yes, cancel this session", status=422,
                error="Give a reason for cancelling the session")),
    Case("move-session-admin", "admin",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/move", heading="Move a session")),
    Case("move-session-errors-admin", "admin",
         submit(lambda w: f"/provider/sessions/{w.booked_session.id}/move", "Move the session", status=422,
                fill=_clear_move_reason, error="Give a reason for moving the session")),
    Case("register-started-admin", "admin", go(_register, heading="Register")),
    Case("register-errors-nothing-marked-admin", "admin",
         submit(_register, "Save the register", status=409, error="Mark at least one child")),
    Case("register-not-yet-admin", "admin",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/register", heading="Register")),
    Case("upload-admin", "admin", go("/provider/sessions/upload", heading="Upload sessions from a CSV file")),
    Case("upload-errors-no-file-admin", "admin",
         submit("/provider/sessions/upload", "Check the file", status=422, error="Select a CSV file to upload")),
    Case("upload-errors-bad-csv-admin", "admin", _upload_bad_csv),
    Case("upload-preview-admin", "admin", _upload_good_csv),

    # Commissioners' approvals.
    Case("approvals-providers-council", "council", go("/approvals/providers", heading="Providers")),
    Case("approvals-providers-all-council", "council", go("/approvals/providers?show=all", heading="Providers")),
    Case("approvals-providers-insurance-council", "council",
         go("/approvals/providers?show=insurance", heading="Providers")),
    Case("approval-provider-pending-council", "council",
         go(lambda w: f"/approvals/providers/{w.pending.id}", heading="Riverside Play Project")),
    Case("approval-provider-errors-council", "council",
         submit(lambda w: f"/approvals/providers/{w.pending.id}", "Record the decision", status=422,
                error="Select your decision")),
    Case("approval-provider-approved-council", "council",
         go(lambda w: f"/approvals/providers/{w.provider.id}", heading="Oakfield Play Trust")),
    Case("approvals-offers-council", "council", go("/approvals/offers", heading="Offers waiting for a decision")),
    Case("approval-offer-submitted-council", "council",
         go(lambda w: f"/approvals/offers/{w.submitted.id}", heading="Saturday Art Club")),
    Case("approval-offer-change-asked-council", "council",
         go(lambda w: f"/approvals/offers/{w.change_asked.id}", heading="Tuesday Youth Club")),
    Case("approval-offer-errors-council", "council",
         submit(lambda w: f"/approvals/offers/{w.submitted.id}", "Record the decision", status=422,
                error="Select your decision")),
]

# Pages with a known violation or bug: the case is expected to fail until the page is fixed (see the reason).
KNOWN_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    """One world for every page in this module, emptied when the module ends (see _clean_database)."""
    world = build_provider_world()
    yield world
    empty_tables()


# One signed-in page per role: anonymous, admin (the provider's administrator) or council.
page_as = page_as_fixture()


@pytest.mark.parametrize("case", params(CASES, KNOWN_FAILURES))
def test_provider_page_has_no_accessibility_violations(case: Case, shared_world: ProviderWorld, page_as):
    check(case, shared_world, page_as)
