"""axe-core finds no WCAG 2.2 AA violations on the calendar pages and the places that lead to them: a family's
calendar page (no link yet, a link made before, a new link just shown), their bookings page with "Add to calendar"
and the calendar section, their account page's calendar section; a provider's calendar page (as an admin with no
link, as an admin with one, a new link just shown, and as a colleague who is not an admin), the dashboard's link
to it; and an offer's page with its calendar links.

The world is built once for the module and emptied when it ends. Making a link changes only the link of the
account that makes it, which no other case looks at."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from calendars import links
from portal.extensions import db
from portal.models import Role

from ..conftest import empty_tables
from ..factories import ChildFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from .cases import Case, check, go, page_as_fixture, params, submit
from .world import book, days_ahead

pytestmark = pytest.mark.browser

HEADING = "Your bookings in your calendar"
PROVIDER_HEADING = "Your sessions in a calendar"


@dataclass
class CalendarWorld:
    offer: object = None
    new_family: object = None  # no calendar link yet
    linked_family: object = None  # made one before, and has a booking to come
    making_family: object = None  # makes one in a case
    new_admin: object = None  # a provider with no link
    linked_admin: object = None  # a provider with a link
    colleague: object = None  # staff of that provider, not an admin
    making_admin: object = None  # makes one in a case


def build_calendar_world() -> CalendarWorld:
    w = CalendarWorld()
    linked = ProviderFactory(name="Oakfield Play Trust")
    w.offer = OfferFactory(provider=linked, title="Saturday Swim", venue="Leisure Centre, Pool Road")
    session = SessionFactory(offer=w.offer, starts_at=days_ahead(10), ends_at=days_ahead(10, hour=12))
    w.new_family = UserFactory(name="Nadia Rahman", email="nadia@example.com")
    w.linked_family = UserFactory(name="Tom Price", email="tom@example.com")
    w.making_family = UserFactory(name="Ola Nowak", email="ola@example.com")
    book(w.linked_family, session, [ChildFactory(parent=w.linked_family, first_name="Ella", last_name="Price")])
    w.new_admin = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id, is_provider_admin=True,
                              email="admin@new.example.org")
    w.linked_admin = UserFactory(role=Role.PROVIDER, provider_id=linked.id, is_provider_admin=True,
                                 email="admin@oakfield.example.org")
    w.colleague = UserFactory(role=Role.PROVIDER, provider_id=linked.id, email="staff@oakfield.example.org")
    w.making_admin = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id, is_provider_admin=True,
                                 email="admin@making.example.org")
    links.make_family_link(w.linked_family, by=w.linked_family)
    links.make_provider_link(linked, by=w.linked_admin)
    db.session.commit()
    return w


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    world = build_calendar_world()
    yield world
    empty_tables()


page_as = page_as_fixture()


def _link_shown(page) -> None:
    expect(page.locator(".portal-calendar-link")).to_contain_text("/calendars/")


def _made(path: str, button: str, heading: str):
    visit = submit(path, button, status=200, heading=heading)

    def made(page, w):
        visit(page, w)
        _link_shown(page)
    return made


CASES = [
    Case("family-calendar-no-link", "new_family", go("/bookings/calendar", heading=HEADING,
                                                      shows="Make a calendar link")),
    Case("family-calendar-link-made-before", "linked_family",
         go("/bookings/calendar", heading=HEADING, shows="Make a new calendar link")),
    Case("family-calendar-new-link-shown", "making_family",
         _made("/bookings/calendar", "Make a calendar link", HEADING)),
    Case("bookings-with-calendar", "linked_family",
         go("/bookings", heading="Your bookings", shows="Add to calendar")),
    Case("account-with-calendar", "linked_family",
         go("/account", heading="Your account", shows="Get a private calendar link")),
    Case("provider-calendar-no-link", "new_admin",
         go("/provider/calendar", heading=PROVIDER_HEADING, shows="Make a calendar link")),
    Case("provider-calendar-link-made-before", "linked_admin",
         go("/provider/calendar", heading=PROVIDER_HEADING, shows="Make a new calendar link")),
    Case("provider-calendar-colleague", "colleague",
         go("/provider/calendar", heading=PROVIDER_HEADING, shows="Ask one of your organisation's admins")),
    Case("provider-calendar-new-link-shown", "making_admin",
         _made("/provider/calendar", "Make a calendar link", PROVIDER_HEADING)),
    Case("provider-dashboard-with-calendar", "linked_admin",
         go("/provider", heading="Dashboard", shows="Your sessions in a calendar")),
    Case("offer-with-calendar", "anonymous",
         go(lambda w: f"/local-offer/{w.offer.id}", heading="Saturday Swim",
            shows="Follow these sessions in your calendar app")),
]


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", params(CASES))
def test_calendar_page_has_no_accessibility_violations(case: Case, shared_world: CalendarWorld, page_as):
    check(case, shared_world, page_as)
