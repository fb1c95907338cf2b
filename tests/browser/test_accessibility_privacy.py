"""axe-core finds no WCAG 2.2 AA violations on the privacy pages: the notice (signed out and as a family), "Your
data", deleting an account and removing a child (ready, with their error states, and refused while something is
in the way), and the readable copy inside the download. The world is built once and only read: every form is
refused or fails validation."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from portal.extensions import db
from portal.models import Role

from ..conftest import empty_tables
from ..factories import ChildFactory, SessionFactory, UserFactory
from .cases import Case, check, expect_heading, go, page_as_fixture, params, submit
from .world import book

pytestmark = pytest.mark.browser


@dataclass
class PrivacyWorld:
    parent: object = None  # nothing in the way: can delete the account
    child: object = None
    booked_parent: object = None  # a place still to come: cannot yet
    booked_child: object = None
    young_person: object = None


def build_privacy_world() -> PrivacyWorld:
    w = PrivacyWorld()
    w.parent = UserFactory(name="Nadia Rahman", email="nadia@example.com")
    w.child = ChildFactory(parent=w.parent, first_name="Sami", last_name="Rahman", needs_notes="Loves trains")
    w.booked_parent = UserFactory(name="Tom Price", email="tom@example.com")
    w.booked_child = ChildFactory(parent=w.booked_parent, first_name="Ella", last_name="Price")
    book(w.booked_parent, SessionFactory(), [w.booked_child])
    w.young_person = UserFactory(role=Role.YOUNG_PERSON, email="young@example.com")
    ChildFactory(parent=w.young_person, is_account_holder=True)
    db.session.commit()
    return w


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    world = build_privacy_world()
    yield world
    empty_tables()


page_as = page_as_fixture()


def _readable_copy(page, w):
    """The data.html inside the ZIP, opened in the browser as the family would open it."""
    response = page.context.request.get("/your-data/download")
    assert response.status == 200
    html = zipfile.ZipFile(io.BytesIO(response.body())).read("data.html").decode()
    page.goto("about:blank")  # a file on the family's computer: not under the portal's Content-Security-Policy
    page.set_content(html)
    expect_heading(page, "Your data")


CASES = [
    Case("privacy-notice-anonymous", "anonymous", go("/privacy", heading="Privacy notice")),
    Case("privacy-notice-parent", "parent", go("/privacy", heading="Privacy notice")),
    Case("your-data-parent", "parent", go("/your-data", heading="Your data")),
    Case("your-data-young-person", "young_person", go("/your-data", heading="Your data")),
    Case("delete-account-parent", "parent", go("/your-data/delete-account", heading="Delete your account")),
    Case("delete-account-no-password", "parent",
         submit("/your-data/delete-account", "Delete your account", status=422, error="Enter your password")),
    Case("delete-account-blocked", "booked_parent",
         go("/your-data/delete-account", heading="You cannot delete your account yet")),
    Case("remove-child-parent", "parent",
         go(lambda w: f"/children/{w.child.id}/remove", heading="Remove Sami Rahman's details")),
    Case("remove-child-not-ticked", "parent",
         submit(lambda w: f"/children/{w.child.id}/remove", "Remove their details", status=422,
                error="Tick the box")),
    Case("remove-child-blocked", "booked_parent",
         go(lambda w: f"/children/{w.booked_child.id}/remove", heading="You cannot remove these details yet")),
    Case("children-with-remove-links", "parent", go("/children", shows="Remove Sami")),
    Case("downloaded-readable-copy", "parent", _readable_copy),
]


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", params(CASES))
def test_privacy_page_has_no_accessibility_violations(case: Case, shared_world: PrivacyWorld, page_as):
    check(case, shared_world, page_as)
