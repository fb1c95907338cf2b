"""The register of disabled children: everyone up to 25 is counted by need, age band and area; only children whose
family consented (on the child's record, withdrawn there at any time) are named in the trust's export."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import disabled_register
from portal.audit import VIEWED
from portal.extensions import db
from portal.models import AuditEvent, Role

from .factories import ChildFactory, LocalityFactory, UserFactory
from .test_accounts import child_form


def _years_ago(years: int) -> date:
    today = date.today() - timedelta(days=20)
    return date(today.year - years, today.month, min(today.day, 28))


def _named(client) -> list[str]:
    response = client.get("/trust/register-of-disabled-children.csv")
    assert response.status_code == 200
    return [row[0] for row in list(csv.reader(io.StringIO(response.text)))[1:]]


def test_everyone_is_counted_and_only_children_whose_family_consented_are_named(client_as):
    north = LocalityFactory(name="North")
    listed = ChildFactory(first_name="Ayesha", needs=["autism", "hearing"], date_of_birth=_years_ago(8),
                          locality=north, register_consent=True)
    ChildFactory(first_name="Ben", needs=["autism"], date_of_birth=_years_ago(16), locality=north)
    ChildFactory(first_name="Carl", needs=["physical"], date_of_birth=_years_ago(30), register_consent=True)  # over 25
    db.session.commit()

    counted = disabled_register.counts()
    assert (counted.total, counted.consented) == (2, 1)
    assert dict(counted.by_need)["Autism"] == 2 and dict(counted.by_need)["Deaf or hearing impairment"] == 1
    assert dict(counted.by_age) == {"Under 5": 0, "5 to 10": 1, "11 to 15": 0, "16 and 17": 1, "18 to 25": 0}
    assert dict(counted.by_area)["North"] == 2

    trust_user = UserFactory(role=Role.TRUST, name="Dr Priya Shah")  # no name containing Ben or Ayesha
    trust = client_as(trust_user)
    page = trust.get("/trust/register-of-disabled-children")
    assert page.status_code == 200 and "2 children are counted; 1 can be named." in page.text
    assert "Ayesha" not in page.text and "Ben" not in page.text  # the counts name nobody
    assert _named(trust) == ["Ayesha"]
    viewed = db.session.scalars(select(AuditEvent.subject_id).where(AuditEvent.action == VIEWED,
                                                                   AuditEvent.actor_id == trust_user.id)).all()
    assert viewed == [listed.id]
    council = client_as(UserFactory(role=Role.COUNCIL))
    assert council.get("/trust/register-of-disabled-children.csv").status_code == 403  # the counts, not the names
    counts_page = council.get("/trust/register-of-disabled-children")
    assert counts_page.status_code == 200 and "Download the named register" not in counts_page.text


def test_a_family_gives_and_withdraws_consent_on_the_childs_record_and_each_change_is_recorded(client_as):
    north = LocalityFactory(name="North")
    parent = UserFactory()
    family = client_as(parent)
    assert family.post("/children/new", data=child_form(north, first_name="Sam")).status_code == 302
    child = parent.children[0]
    assert child.register_consent is False  # not asked, not named
    trust = client_as(UserFactory(role=Role.TRUST))
    assert _named(trust) == []

    assert family.post(f"/children/{child.id}/edit", data=child_form(north, first_name="Sam",
                                                                     register_consent="yes")).status_code == 302
    db.session.refresh(child)
    assert child.register_consent is True and child.register_consent_at is not None
    assert _named(trust) == ["Sam"]
    assert "Named on the register of disabled children" in family.get("/children").text

    # An older page without the question keeps the answer given.
    assert family.post(f"/children/{child.id}/edit", data=child_form(north, first_name="Sam")).status_code == 302
    assert _named(trust) == ["Sam"]
    assert family.post(f"/children/{child.id}/edit", data=child_form(north, first_name="Sam",
                                                                     register_consent="no")).status_code == 302
    assert _named(trust) == []
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "Child",
                                                                AuditEvent.action.like("register_consent%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["register_consent_given", "register_consent_withdrawn"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "register_consent_given", AuditEvent.actor_id == parent.id)) == 1
