"""axe-core finds no WCAG 2.2 AA violations on the page states test_accessibility.py and
test_provider_accessibility.py leave out:

* the public pages as a council commissioner, trust staff and a portal administrator (their header
  navigation differs from a family's);
* the error pages: 403 as several roles, 404 as the staff roles, and the real 500 page, served by a second
  live server whose app is the portal plus one test-only route that fails (tests/browser/failing_app.py);
* the approval pages as trust staff (who approve specialist providers and offers) and as an administrator;
* the provider pages as plain provider staff (not the organisation's administrator), and the admin-only
  pages refused to them;
* removing a member of staff and accepting an invitation, with their error states.

Each case is one test, named after the page and the role, so a failure names the page. As in the other two
modules the world is built once (``shared_world``) and only read: every form is refused or fails validation,
except that a CSV upload preview is kept for a while."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from providers import offers as offer_services
from providers import organisations, safeguards
from providers.models import (
    Body,
    Category,
    OfferStatus,
    PaymentRoute,
    ProviderStatus,
    Safeguard,
    Tier,
)

from ..conftest import TEST_PASSWORD, empty_tables
from ..factories import OfferFactory, ProviderFactory, SessionFactory, UserFactory
from ..live_server import live_server
from .cases import (
    Case,
    check,
    expect_heading,
    expect_status,
    filters_through_the_form,
    go,
    page_as_fixture,
    params,
    submit,
)
from .failing_app import FAILING_PATH
from .test_provider_accessibility import (  # the provider world, and fills and visits for its pages
    ProviderWorld,
    _clear,
    _clear_move_reason,
    _places_below_bookings,
    _register,
    _upload_bad_csv,
    _upload_good_csv,
    build_provider_world,
)
from .world import LIVE_SECRET_KEY, days_ahead

pytestmark = pytest.mark.browser


@dataclass
class MoreWorld(ProviderWorld):
    """The provider world (an approved council provider with its administrator ``admin`` and plain member of
    staff ``colleague``, a council provider waiting for approval, offers in every state, booked sessions)
    plus trust staff, a portal administrator, a family, specialist providers and offers for the trust to
    decide on, and invitations."""

    trust: object = None
    portal_admin: object = None
    parent: object = None
    specialist: object = None
    specialist_submitted: object = None
    specialist_change_asked: object = None
    specialist_pending: object = None
    specialist_suspended: object = None
    invite_token: str = ""
    taken_invite_token: str = ""
    cancelled_invite_token: str = ""
    failing_server: str = ""


def build_more_world() -> MoreWorld:
    w = MoreWorld(**vars(build_provider_world()))
    east = w.published.locality
    w.trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    w.portal_admin = UserFactory(name="Alex Morgan", email="alex@portal.example.gov.uk", role=Role.ADMIN)
    w.parent = UserFactory(name="Chris Green", email="chris@example.com")

    # Specialist offers, which the trust approves: one published (the public pages), one sent back with
    # comments and sent again (waiting, with a history), one published with a new price waiting.
    w.specialist = OfferFactory(
        provider=w.provider, title="Oak House Overnight Breaks", locality=east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, min_age=5, max_age=17, needs=["health", "physical"],
        features=["hoist", "changing_places"], price_pence=4500, payment_route=PaymentRoute.PERSONAL_BUDGET,
        eligibility="Children assessed by the children's trust as needing overnight care.",
        how_to_get="Ask the children's trust for an assessment first.")
    SessionFactory(offer=w.specialist, starts_at=days_ahead(12), capacity=2)
    w.specialist_submitted = OfferFactory(
        provider=w.provider, title="Riverside Respite Nights", locality=east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, min_age=8, max_age=18, needs=["autism", "health"], price_pence=6000,
        payment_route=PaymentRoute.PERSONAL_BUDGET, status=OfferStatus.DRAFT,
        eligibility="Young people assessed by the children's trust.", support_offered=["one_to_one"])
    offer_services.submit_offer(w.specialist_submitted, by=w.admin)
    offer_services.return_offer(w.specialist_submitted, "Say how many staff stay overnight.", by=w.trust)
    offer_services.submit_offer(w.specialist_submitted, by=w.colleague)
    w.specialist_change_asked = OfferFactory(
        provider=w.provider, title="Maple Lodge Weekends", locality=east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, price_pence=3000, pending_price_pence=3500,
        payment_route=PaymentRoute.PERSONAL_BUDGET, eligibility="Children assessed by the children's trust.")

    # Specialist providers: one waiting for the trust, one the trust approved and then suspended.
    insured = date.today() + timedelta(days=300)
    w.specialist_pending = ProviderFactory(
        name="Hazel House Care", status=ProviderStatus.PENDING, approving_body=Body.TRUST,
        company_number="07654321", ofsted_number="SC123456", insurance_expires_on=insured,
        safeguarding_lead="Ruth Ellis", dbs_policy_confirmed=True)
    w.specialist_suspended = ProviderFactory(
        name="Willow Lodge Short Breaks", status=ProviderStatus.PENDING, approving_body=Body.TRUST,
        charity_number="1098765", insurance_expires_on=insured, safeguarding_lead="Ian Cole",
        dbs_policy_confirmed=True, ofsted_number="SC654321")
    safeguards.verify(w.specialist_suspended, Safeguard.OFSTED, "Ofsted register entry", None, by=w.trust)
    organisations.approve_provider(w.specialist_suspended, by=w.trust, reason="References checked.")
    organisations.suspend_provider(w.specialist_suspended, "A safeguarding concern is being looked into.",
                                   by=w.trust)

    # Invitations: one open, one whose address has since got an account, one cancelled.
    _, w.invite_token = organisations.invite_staff(w.provider, "lee@oakfield.example.org", by=w.admin)
    _, w.taken_invite_token = organisations.invite_staff(w.provider, "taken@oakfield.example.org", by=w.admin)
    cancelled, w.cancelled_invite_token = organisations.invite_staff(w.provider, "gone@oakfield.example.org",
                                                                     by=w.admin)
    organisations.revoke_invite(cancelled, by=w.admin)
    db.session.commit()
    UserFactory(name="Taylor Reed", email="taken@oakfield.example.org")
    return w


# --- visiting pages -------------------------------------------------------------------------------

ROLES = {  # the role's name in a case -> the MoreWorld attribute of the person signed in
    "provider_admin": "admin", "provider_staff": "colleague", "council": "council", "trust": "trust",
    "admin": "portal_admin", "parent": "parent",
}


def _server_error(signed_in: bool):
    def visit(page, w):
        expect_status(page, page.goto(w.failing_server + FAILING_PATH), 500)
        expect_heading(page, "Sorry, there is a problem with the service")
        # The portal's own page in its own style (not gunicorn's plain one), with the role's header.
        expect(page.get_by_role("link", name="Accessibility statement")).to_be_visible()
        expect(page.get_by_text("Signed in as")).to_have_count(1 if signed_in else 0)
    return visit


def _fill_new_account(page, w):
    page.get_by_label("Your full name").fill("Taylor Reed")
    page.get_by_label("Create a password").fill(TEST_PASSWORD)
    page.get_by_label("Type your password again").fill(TEST_PASSWORD)


def _invite(attribute: str):
    return lambda w: f"/provider/invites/{getattr(w, attribute)}"


def _remove(attribute: str):
    return lambda w: f"/provider/staff/{getattr(w, attribute).id}/remove"


FORBIDDEN = "You do not have permission"

CASES = [
    # Public pages as the commissioning and administering roles (each has its own header navigation).
    *[case for role in ("council", "trust", "admin") for case in (
        Case(f"home-{role}", role, go("/", heading="Short breaks")),
        Case(f"local-offer-{role}", role, go("/local-offer", heading="Find a short break")),
        Case(f"local-offer-filters-{role}", role, filters_through_the_form),
        Case(f"offer-universal-{role}", role,
             go(lambda w: f"/local-offer/{w.published.id}", heading="Splash Swimming Club")),
        Case(f"offer-specialist-{role}", role,
             go(lambda w: f"/local-offer/{w.specialist.id}", heading="Oak House Overnight Breaks")),
        Case(f"accessibility-statement-{role}", role, go("/accessibility", heading="Accessibility statement")),
        Case(f"error-404-{role}", role, go("/no-such-page", status=404, heading="Page not found")),
    )],
    # The commissioners' insight (its pages with figures in them: tests/browser/test_insight_journey.py).
    Case("insight-uptake-council", "council", go("/insight/uptake", shows="Places offered")),
    Case("insight-uptake-by-provider-trust", "trust", go("/insight/uptake?by=provider", shows="Fill and uptake by")),
    Case("insight-demand-admin", "admin", go("/insight/demand", shows="Waiting lists now")),
    Case("offer-unpublished-404-provider-staff", "provider_staff",
         go(lambda w: f"/local-offer/{w.draft.id}", status=404, heading="Page not found")),
    Case("error-404-provider-staff", "provider_staff", go("/no-such-page", status=404, heading="Page not found")),

    # The 500 page (a test-only route on a second live server) as each kind of person.
    *[Case(f"error-500-{role.replace('_', '-')}", role, _server_error(role != "anonymous")) for role in
      ("anonymous", "parent", "provider_staff", "provider_admin", "council", "trust", "admin")],

    # 403 pages: the header and navigation differ with the role refused.
    Case("error-403-parent-on-provider-dashboard", "parent", go("/provider", status=403, heading=FORBIDDEN)),
    Case("error-403-provider-staff-on-approvals", "provider_staff",
         go("/approvals/providers", status=403, heading=FORBIDDEN)),
    Case("error-403-council-on-trust-assessments", "council",
         go("/trust/assessment-requests", status=403, heading=FORBIDDEN)),
    Case("error-403-council-on-specialist-provider", "council",
         go(lambda w: f"/approvals/providers/{w.specialist_pending.id}", status=403, heading=FORBIDDEN)),
    Case("error-403-council-on-specialist-offer", "council",
         go(lambda w: f"/approvals/offers/{w.specialist_submitted.id}", status=403, heading=FORBIDDEN)),
    Case("error-403-trust-on-council-provider", "trust",
         go(lambda w: f"/approvals/providers/{w.pending.id}", status=403, heading=FORBIDDEN)),
    Case("error-403-trust-on-council-offer", "trust",
         go(lambda w: f"/approvals/offers/{w.submitted.id}", status=403, heading=FORBIDDEN)),
    Case("error-403-admin-on-provider-dashboard", "admin", go("/provider", status=403, heading=FORBIDDEN)),

    # The approval queues as trust staff: specialist providers and offers.
    Case("approvals-providers-trust", "trust", go("/approvals/providers", heading="Providers")),
    Case("approvals-providers-all-trust", "trust", go("/approvals/providers?show=all", heading="Providers")),
    Case("approvals-providers-suspended-trust", "trust",
         go("/approvals/providers?show=suspended", heading="Providers")),
    Case("approvals-providers-insurance-trust", "trust",
         go("/approvals/providers?show=insurance", heading="Providers")),
    Case("approval-provider-specialist-pending-trust", "trust",
         go(lambda w: f"/approvals/providers/{w.specialist_pending.id}", heading="Hazel House Care")),
    Case("approval-provider-specialist-errors-trust", "trust",
         submit(lambda w: f"/approvals/providers/{w.specialist_pending.id}", "Record the decision", status=422,
                error="Select your decision")),
    Case("approval-provider-suspended-with-history-trust", "trust",
         go(lambda w: f"/approvals/providers/{w.specialist_suspended.id}", heading="Willow Lodge Short Breaks")),
    Case("approval-provider-reinstate-errors-trust", "trust",
         submit(lambda w: f"/approvals/providers/{w.specialist_suspended.id}", "Reinstate provider", status=422,
                error="Give the reasons for your decision")),
    Case("approvals-offers-trust", "trust", go("/approvals/offers", heading="Offers waiting for a decision")),
    Case("approval-offer-specialist-submitted-trust", "trust",
         go(lambda w: f"/approvals/offers/{w.specialist_submitted.id}", heading="Riverside Respite Nights")),
    Case("approval-offer-specialist-price-change-trust", "trust",
         go(lambda w: f"/approvals/offers/{w.specialist_change_asked.id}", heading="Maple Lodge Weekends")),
    Case("approval-offer-specialist-errors-trust", "trust",
         submit(lambda w: f"/approvals/offers/{w.specialist_submitted.id}", "Record the decision", status=422,
                error="Select your decision")),
    Case("approval-offer-published-trust", "trust",
         go(lambda w: f"/approvals/offers/{w.specialist.id}", heading="Oak House Overnight Breaks")),

    # ... and as a portal administrator, who may decide for either body.
    Case("approvals-providers-admin", "admin", go("/approvals/providers?show=all", heading="Providers")),
    Case("approval-provider-specialist-pending-admin", "admin",
         go(lambda w: f"/approvals/providers/{w.specialist_pending.id}", heading="Hazel House Care")),
    Case("approval-provider-council-pending-admin", "admin",
         go(lambda w: f"/approvals/providers/{w.pending.id}", heading="Riverside Play Project")),
    Case("approvals-offers-admin", "admin", go("/approvals/offers", heading="Offers waiting for a decision")),
    Case("approval-offer-specialist-submitted-admin", "admin",
         go(lambda w: f"/approvals/offers/{w.specialist_submitted.id}", heading="Riverside Respite Nights")),
    Case("approval-offer-council-submitted-admin", "admin",
         go(lambda w: f"/approvals/offers/{w.submitted.id}", heading="Saturday Art Club")),
    Case("provider-sessions-admin", "admin",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions", heading="Sessions")),

    # Provider pages as a plain member of staff (not the organisation's administrator).
    Case("dashboard-staff", "provider_staff", go("/provider", heading="Dashboard")),
    Case("organisation-staff", "provider_staff", go("/provider/organisation", heading="Your organisation's details")),
    Case("staff-list-staff", "provider_staff", go("/provider/staff", heading="Your staff")),
    Case("offers-staff", "provider_staff", go("/provider/offers", heading="Your offers")),
    Case("offers-filtered-submitted-staff", "provider_staff",
         go("/provider/offers?status=submitted", heading="Your offers")),
    Case("new-offer-staff", "provider_staff", go("/provider/offers/new", heading="Create an offer")),
    Case("new-offer-errors-staff", "provider_staff",
         submit("/provider/offers/new", "Save as a draft", status=422, error="Enter a title")),
    Case("offer-published-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}", heading="Splash Swimming Club")),
    Case("offer-draft-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.draft.id}", heading="Forest School")),
    Case("offer-specialist-waiting-with-history-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.specialist_submitted.id}", heading="Riverside Respite Nights")),
    Case("edit-offer-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/edit", heading="Change Splash Swimming Club")),
    Case("edit-offer-errors-staff", "provider_staff",
         submit(lambda w: f"/provider/offers/{w.published.id}/edit", "Save changes", status=422,
                fill=_clear("Title"), error="Enter a title")),
    Case("withdraw-offer-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/withdraw",
            heading="Are you sure you want to withdraw this offer?")),
    Case("sessions-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions", heading="Sessions")),
    Case("sessions-past-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions?when=past", heading="Past sessions")),
    Case("add-session-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/sessions/new", heading="Add a session")),
    Case("add-session-errors-staff", "provider_staff",
         submit(lambda w: f"/provider/offers/{w.published.id}/sessions/new", "Add the session", status=422,
                error="Enter the date of the session")),
    Case("add-series-staff", "provider_staff",
         go(lambda w: f"/provider/offers/{w.published.id}/series/new", heading="Add repeating sessions")),
    Case("change-places-staff", "provider_staff",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/places", heading="Change places")),
    Case("change-places-refused-below-bookings-staff", "provider_staff",
         submit(lambda w: f"/provider/sessions/{w.booked_session.id}/places", "Save places", status=409,
                fill=_places_below_bookings, error="You cannot reduce places to 1")),
    Case("cancel-session-staff", "provider_staff",
         go(lambda w: f"/provider/sessions/{w.booked_session.id}/cancel",
            heading="Are you sure you want to cancel this session?")),
    Case("move-session-errors-staff", "provider_staff",
         submit(lambda w: f"/provider/sessions/{w.booked_session.id}/move", "Move the session", status=422,
                fill=_clear_move_reason, error="Give a reason for moving the session")),
    Case("register-started-staff", "provider_staff", go(_register, heading="Register")),
    Case("register-errors-nothing-marked-staff", "provider_staff",
         submit(_register, "Save the register", status=409, error="Mark at least one child")),
    Case("upload-staff", "provider_staff", go("/provider/sessions/upload", heading="Upload sessions from a CSV file")),
    Case("upload-errors-bad-csv-staff", "provider_staff", _upload_bad_csv),
    Case("upload-preview-staff", "provider_staff", _upload_good_csv),
    # The administrator's pages, refused to plain staff.
    Case("edit-organisation-403-staff", "provider_staff",
         go("/provider/organisation/edit", status=403, heading=FORBIDDEN)),
    Case("invite-403-staff", "provider_staff", go("/provider/staff/invite", status=403, heading=FORBIDDEN)),
    Case("api-tokens-403-staff", "provider_staff", go("/provider/api-tokens", status=403, heading=FORBIDDEN)),
    Case("remove-staff-403-staff", "provider_staff", go(_remove("admin"), status=403, heading=FORBIDDEN)),

    # Removing a member of staff.
    Case("remove-staff-admin", "provider_admin",
         go(_remove("colleague"), heading="Are you sure you want to remove Jo Baker?")),
    Case("remove-staff-refused-yourself-admin", "provider_admin",
         submit(_remove("admin"), "Yes, remove Sam Ward", status=409, error="You cannot remove yourself")),
    Case("staff-list-with-invitations-admin", "provider_admin", go("/provider/staff", heading="Your staff")),

    # Accepting an invitation.
    Case("accept-invite-anonymous", "anonymous", go(_invite("invite_token"), heading="Join Oakfield Play Trust")),
    Case("accept-invite-signed-in-parent", "parent", go(_invite("invite_token"), heading="Join Oakfield Play Trust")),
    Case("accept-invite-errors-anonymous", "anonymous",
         submit(_invite("invite_token"), "Create account", status=422, error="Enter your full name")),
    Case("accept-invite-refused-email-taken-anonymous", "anonymous",
         submit(_invite("taken_invite_token"), "Create account", status=409, fill=_fill_new_account,
                error="An account already uses this email address")),
    Case("accept-invite-cancelled-link-anonymous", "anonymous",
         go(_invite("cancelled_invite_token"), status=404, heading="This invitation link does not work")),
    Case("accept-invite-unknown-link-anonymous", "anonymous",
         go("/provider/invites/not-a-real-token", status=404, heading="This invitation link does not work")),
    Case("accept-invite-unknown-link-provider-staff", "provider_staff",
         go("/provider/invites/not-a-real-token", status=404, heading="This invitation link does not work")),
]


@pytest.fixture(scope="module")
def failing_server(browser, app, database_url):
    """A second live server: the portal plus a test-only route that fails (see failing_app.py), on the same
    database with the same secret, so a browser signed in on the main server is signed in here too (cookies
    do not depend on the port)."""
    with live_server(database_url, workers=1, threads=2, app="tests.browser.failing_app:create_app()",
                     SECRET_KEY=LIVE_SECRET_KEY) as url:
        yield url


@pytest.fixture(scope="module")
def shared_world(app, base_url, failing_server):
    """One world for every page in this module, emptied when the module ends (see _clean_database)."""
    world = build_more_world()
    world.failing_server = failing_server
    yield world
    empty_tables()


# One signed-in page per role (see ROLES).
page_as = page_as_fixture(user=lambda world, role: getattr(world, ROLES[role]))


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("case", params(CASES))
def test_more_pages_have_no_accessibility_violations(case: Case, shared_world: MoreWorld, page_as):
    check(case, shared_world, page_as)
