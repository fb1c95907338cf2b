"""axe-core finds no WCAG 2.2 AA violations on the audit pages: the commissioners' audit screen (with entries,
with none matching, and with an impossible date in its error summary) and a family's page saying who has looked
at their child's record (with entries, and empty). The world is built once and only read."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal import audit
from portal.extensions import db
from portal.models import Role, record

from ..conftest import empty_tables
from ..factories import ChildFactory, ProviderFactory, UserFactory
from .cases import Case, check, go, page_as_fixture, params, submit

pytestmark = pytest.mark.browser


@dataclass
class AuditWorld:
    council: object = None
    parent: object = None
    seen: object = None  # looked at by a provider and by the trust
    unseen: object = None  # nobody outside the family has looked


def build_audit_world() -> AuditWorld:
    w = AuditWorld()
    w.council = UserFactory(role=Role.COUNCIL, name="Chris Council", email="chris@council.example.gov.uk")
    w.parent = UserFactory(name="Nadia Rahman", email="nadia@example.com")
    w.seen = ChildFactory(parent=w.parent, first_name="Sami", last_name="Rahman")
    w.unseen = ChildFactory(parent=w.parent, first_name="Lina", last_name="Rahman")
    provider = ProviderFactory(name="Oakfield Play Trust")
    staff = UserFactory(role=Role.PROVIDER, provider_id=provider.id, name="Pat Provider")
    trust = UserFactory(role=Role.TRUST, name="Tess Trust")
    audit.record_views([w.seen], by=staff, what="register")
    audit.record_views([w.seen], by=trust, what="assessment")
    record("assessment_recorded", w.seen, by=trust, reason="Needs overnight breaks", outcome="approved")
    db.session.commit()
    return w


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    world = build_audit_world()
    yield world
    empty_tables()


page_as = page_as_fixture()


def _impossible_from_date(page, w):
    group = page.get_by_role("group", name="From")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("2")
    group.get_by_label("Year").fill("2025")


CASES = [
    Case("audit-trail-entries", "council",
         go("/audit", heading="Audit trail", shows="Looked at: The register for a session")),
    Case("audit-trail-none-match", "council",
         go("/audit?child=Nobody", heading="Audit trail", shows="No entries match these filters")),
    Case("audit-trail-impossible-date", "council",
         submit("/audit", "Show entries", status=422, fill=_impossible_from_date, heading="Audit trail",
                error="From must be a real date")),
    Case("who-has-seen-entries", "parent",
         go(lambda w: f"/children/{w.seen.id}/who-has-seen", heading="Who has looked at Sami’s record",
            shows="Oakfield Play Trust")),
    Case("who-has-seen-empty", "parent",
         go(lambda w: f"/children/{w.unseen.id}/who-has-seen", heading="Who has looked at Lina’s record",
            shows="Nobody outside your family has looked")),
]


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", params(CASES))
def test_audit_page_has_no_accessibility_violations(case: Case, shared_world: AuditWorld, page_as):
    check(case, shared_world, page_as)
