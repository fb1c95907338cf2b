"""Every route × every role, with the expected allow or deny. A new route fails this test until it is listed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import reset_token
from portal.extensions import db
from portal.models import AssessmentRequest, Role
from providers.models import Booking, WaitingListEntry, WaitingStatus

from .conftest import sign_in
from .factories import ChildFactory, SessionFactory, UserFactory

ROLES = ["anonymous", "parent", "young_person", "provider", "council", "trust", "admin"]
OK, LOGIN, DENY, HIDDEN = 200, "login", 403, 404

PUBLIC = {r: OK for r in ROLES}
FAMILY = {"anonymous": LOGIN, "parent": OK, "young_person": OK, "provider": DENY, "council": DENY, "trust": DENY,
          "admin": DENY}
# The objects belong to the parent's family: the young person holds a family account too, but not this one.
FAMILY_OWNED = dict(FAMILY, young_person=HIDDEN)
TRUST = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY, "trust": OK,
         "admin": OK}
SIGNED_IN = {r: (LOGIN if r == "anonymous" else OK) for r in ROLES}
SIGN_OUT = {r: (LOGIN if r == "anonymous" else 302) for r in ROLES}

# (method, url rule, expectations)
TABLE = [
    ("GET", "/", PUBLIC),
    ("GET", "/healthz", PUBLIC),
    ("GET", "/accessibility", PUBLIC),
    ("GET", "/local-offer", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY),
    ("GET", "/register", PUBLIC),
    ("GET", "/sign-in", PUBLIC),
    ("POST", "/sign-out", SIGN_OUT),
    ("GET", "/reset-password", PUBLIC),
    ("GET", "/reset-password/<token>", PUBLIC),
    ("GET", "/account", SIGNED_IN),
    ("GET", "/children", FAMILY),
    ("GET", "/children/new", FAMILY),
    ("GET", "/children/<int:child_id>/edit", FAMILY_OWNED),
    ("GET", "/sessions/<int:session_id>/book", FAMILY),
    ("GET", "/sessions/<int:session_id>/waiting-list", FAMILY),
    ("GET", "/bookings", FAMILY),
    ("GET", "/bookings/<int:booking_id>/cancel", FAMILY_OWNED),
    ("GET", "/waiting-list/<int:entry_id>/accept", FAMILY_OWNED),
    ("POST", "/waiting-list/<int:entry_id>/leave", dict(FAMILY_OWNED, parent=302)),
    ("GET", "/trust/assessment-requests", TRUST),
    ("GET", "/trust/children/<int:child_id>/assessment", TRUST),
]
IGNORED = {"/static/<path:filename>", "/assets/<path:filename>"}


def test_every_route_is_in_the_table(app):
    listed = {rule for _, rule, _ in TABLE}
    routes = {rule.rule for rule in app.url_map.iter_rules()} - IGNORED
    assert routes - listed == set(), "add these routes to the access table"
    assert listed - routes == set(), "these routes no longer exist"


@pytest.fixture
def world():
    """One family (the parent) with a child, a booking and a waiting-list offer; one account per role."""
    users = {role: UserFactory(role=role_enum, email=f"{role}@example.com") for role, role_enum in [
        ("parent", Role.PARENT_CARER), ("young_person", Role.YOUNG_PERSON), ("provider", Role.PROVIDER),
        ("council", Role.COUNCIL), ("trust", Role.TRUST), ("admin", Role.ADMIN)]}
    child = ChildFactory(parent=users["parent"], first_name="Zebedee")
    ChildFactory(parent=users["young_person"], is_account_holder=True)
    session = SessionFactory()
    booking = Booking(session=session, child=child, booked_by_id=users["parent"].id, group_ref="g1", funding="free")
    session.places_taken = 1
    full = SessionFactory(capacity=1, places_taken=1, offer=session.offer)
    entry = WaitingListEntry(session=full, family=users["parent"], child_ids=[child.id], places=1,
                             status=WaitingStatus.OFFERED)
    from datetime import timedelta

    from portal.timeutil import utcnow
    entry.offered_at, entry.offer_expires_at = utcnow(), utcnow() + timedelta(hours=24)
    db.session.add_all([booking, entry, AssessmentRequest(requested_by_id=users["parent"].id, child_id=child.id,
                                                          offer_id=session.offer.id, message="Please assess")])
    db.session.commit()
    values = {"offer_id": session.offer.id, "session_id": session.id, "child_id": child.id,
              "booking_id": booking.id, "entry_id": entry.id, "token": reset_token(users["parent"])}
    return users, values


def _url(rule: str, values: dict) -> str:
    url = rule
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return url


@pytest.mark.parametrize("role", ROLES)
def test_route_role_table(app, world, role):
    users, values = world
    failures = []
    for method, rule, expectations in TABLE:
        client = app.test_client()
        if role != "anonymous":
            sign_in(client, users[role])
        response = client.open(_url(rule, values), method=method)
        expected = expectations[role]
        if expected == LOGIN:
            ok = response.status_code == 302 and "/sign-in" in response.location
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {rule} as {role}: got {response.status_code}, expected {expected}")
        if rule == "/waiting-list/<int:entry_id>/leave" and response.status_code == 302 and role == "parent":
            entry = db.session.get(WaitingListEntry, values["entry_id"])
            entry.status = WaitingStatus.OFFERED
            db.session.commit()
    assert failures == []


def test_family_never_sees_another_familys_children_or_bookings(app, world):
    users, values = world
    client = app.test_client()
    sign_in(client, users["young_person"])
    parent_child = db.session.get(Booking, values["booking_id"]).child
    for url in ["/bookings", "/children", f"/local-offer?child={parent_child.id}"]:
        assert parent_child.first_name not in client.get(url).text
    assert client.get(f"/children/{parent_child.id}/edit").status_code == 404
    assert client.post(f"/bookings/{values['booking_id']}/cancel").status_code == 404
    assert db.session.scalar(select(Booking)).status.value == "confirmed"
