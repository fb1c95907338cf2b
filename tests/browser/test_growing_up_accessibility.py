"""axe-core finds no WCAG 2.2 AA violations on the pages for control passing to the young adult at 18 (#15): the
young adult's consent page (and its error), the staff page for recording a legal basis (and its error), the
parent's invitation to a child's own sign-in, accepting it, and what a parent sees once their access has ended
(the 403 and the notice on their children's page). The world is built once and only read: every form is refused
or fails validation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest

from portal import growing_up
from portal.extensions import db
from portal.models import Role, YoungPersonInvite
from portal.timeutil import london_today, utcnow

from ..conftest import empty_tables
from ..factories import ChildFactory, UserFactory
from .cases import Case, check, go, page_as_fixture, params, submit

pytestmark = pytest.mark.browser

INVITE_TOKEN = "browser-young-person-invite"


def _years_ago(years: int, days: int) -> object:
    today = london_today()
    return today.replace(year=today.year - years) - timedelta(days=days)


@dataclass
class GrowingUpWorld:
    parent: object = None
    adult: object = None  # 18, no basis recorded: the parent has lost access
    sixteen: object = None
    young_adult: object = None  # the adult's own sign-in
    trust: object = None
    adults_staff: object = None


def build_world() -> GrowingUpWorld:
    w = GrowingUpWorld()
    w.parent = UserFactory(name="Nadia Rahman", email="nadia@example.com")
    w.adult = ChildFactory(parent=w.parent, first_name="Amira", last_name="Rahman", date_of_birth=_years_ago(18, 5))
    w.sixteen = ChildFactory(parent=w.parent, first_name="Sami", last_name="Rahman", date_of_birth=_years_ago(16, 5))
    w.young_adult = UserFactory(role=Role.YOUNG_PERSON, name="Amira Rahman", email="amira@example.com")
    w.adult.young_person_id = w.young_adult.id
    w.trust = UserFactory(role=Role.TRUST, email="trust@example.com")
    # Two-step sign-in set up already (the factory does so for the other staff roles).
    w.adults_staff = UserFactory(role=Role.ADULTS, email="adults@example.com", totp_secret=pyotp.random_base32(),
                                 two_step_since=utcnow())
    db.session.add(YoungPersonInvite(child_id=w.sixteen.id, email="sami@example.com",
                                     token_hash=growing_up.invite_token_hash(INVITE_TOKEN),
                                     invited_by_id=w.parent.id, created_at=utcnow()))
    db.session.commit()
    return w


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    world = build_world()
    yield world
    empty_tables()


page_as = page_as_fixture()

CASES = [
    Case("consent-page-young-adult", "young_adult", go("/your-record/sharing", heading="Who can see your record")),
    Case("consent-not-ticked", "young_adult",
         submit("/your-record/sharing", "Give consent", status=422, error="Tick the box to say you agree")),
    Case("legal-basis-page-trust", "trust", go(lambda w: f"/staff/children/{w.adult.id}/family-access",
                                               heading="Family access to Amira Rahman's record")),
    Case("legal-basis-page-adult-social-care", "adults_staff",
         go(lambda w: f"/staff/children/{w.adult.id}/family-access", heading="Family access to Amira Rahman's record")),
    Case("legal-basis-no-reference", "trust",
         submit(lambda w: f"/staff/children/{w.adult.id}/family-access", "Record the basis", status=422,
                error="Enter the reference")),
    Case("invite-own-sign-in-parent", "parent",
         go(lambda w: f"/children/{w.sixteen.id}/own-sign-in", heading="Give Sami their own sign-in")),
    Case("join-own-sign-in", "anonymous", go(f"/join/{INVITE_TOKEN}", heading="Set up your own sign-in")),
    Case("access-ended-403-parent", "parent",
         go(lambda w: f"/children/{w.adult.id}/edit", status=403, heading="You can no longer see this page")),
    Case("children-with-access-ended-notice", "parent", go("/children", shows="You can no longer see Amira")),
]


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", params(CASES))
def test_growing_up_page_has_no_accessibility_violations(case: Case, shared_world: GrowingUpWorld, page_as):
    check(case, shared_world, page_as)
