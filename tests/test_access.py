"""Every route × every role, with the expected allow or deny, and whether looking is audited. A new route fails
this test until it is listed and classified (tests/access_rows/__init__.py says how)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth import reset_token
from portal.extensions import db
from portal.audit import VIEWED
from portal.models import AssessmentRequest, AuditEvent, Role
from providers.models import Booking, BookingStatus, WaitingListEntry, WaitingStatus

from .access_rows import ACCESS_ROWS, CHILD_RECORD, EMPTY, EXTRA_RESTORE, EXTRA_WORLD, LOGIN, ROLES, SHOWS
from .conftest import sign_in
from .factories import ChildFactory, SessionFactory, UserFactory

# (method, url rule, expectations, shows); each area adds its own rows in tests/access_rows/<area>.py
TABLE = list(ACCESS_ROWS)
IGNORED = {"/static/<path:filename>", "/assets/<path:filename>"}
SHOWN_AGAIN = {409, 422}  # a page shown again with the reason it refused, or the form's errors


def test_every_route_is_in_the_table(app):
    """Every method of every rule (a POST handler too, not just the GET page beside it) has a row."""
    listed = [(method, rule) for method, rule, *_ in TABLE]
    assert len(listed) == len(set(listed)), "a (method, rule) pair is listed twice"
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule not in IGNORED
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routes - set(listed)) == [], "add these (method, rule) pairs to the access table"
    assert sorted(set(listed) - routes) == [], "these (method, rule) pairs no longer exist"


def test_every_route_says_whether_it_shows_a_childs_record():
    """A route that shows a child's data must record who looked: say which kind each route is."""
    unclassified = [f"{row[0]} {row[1]}" for row in TABLE if len(row) < 4 or row[3] not in SHOWS]
    assert unclassified == [], "classify these rows as CHILD_RECORD, FAMILY_OWN or NO_CHILD_RECORD"


@pytest.fixture
def world():
    """One family (the parent) with a child, a booking and a waiting-list offer; one account per role."""
    users = {role: UserFactory(role=role_enum, email=f"{role}@example.com") for role, role_enum in [
        ("parent", Role.PARENT_CARER), ("young_person", Role.YOUNG_PERSON), ("provider", Role.PROVIDER),
        ("council", Role.COUNCIL), ("trust", Role.TRUST), ("adults", Role.ADULTS), ("admin", Role.ADMIN)]}
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
    for add_to_world in EXTRA_WORLD:
        values.update(add_to_world(users, values))
    db.session.commit()
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
    for method, rule, expectations, *shows in TABLE:
        client = app.test_client()
        if role != "anonymous":
            sign_in(client, users[role])
        views_before = _views_of(values["child_id"])
        response = client.open(_url(rule, values), method=method)
        expected = expectations[role]
        if expected == LOGIN:
            ok = response.status_code == 302 and "/sign-in" in response.location
        elif expected == EMPTY:
            ok = response.status_code == 200
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {rule} as {role}: got {response.status_code}, expected {expected}")
        recorded = _views_of(values["child_id"]) > views_before
        # The world's child belongs to the parent: their family looking is not recorded, anyone else is, when the
        # page is shown (a form shown again with its errors or a refusal shows it too; a redirect or a deny does not).
        shown = 200 <= response.status_code < 300 or response.status_code in SHOWN_AGAIN
        must_record = shows == [CHILD_RECORD] and shown and role != "parent" and expected != EMPTY
        if recorded != must_record:
            failures.append(f"{method} {rule} as {role} ({shows[0] if shows else 'unclassified'}): "
                            + ("recorded a view of the child" if recorded else "did not record a view of the child"))
        if response.status_code < 400 and method != "GET":
            _restore(values)
    assert failures == []


def _views_of(child_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == VIEWED, AuditEvent.subject_type == "Child", AuditEvent.subject_id == child_id))


def _restore(values) -> None:
    """Undo what a successful POST in the table changed, so later rows see the same world."""
    entry = db.session.get(WaitingListEntry, values["entry_id"])
    entry.status = WaitingStatus.OFFERED
    booking = db.session.get(Booking, values["booking_id"])
    if booking.status is not BookingStatus.CONFIRMED:  # the family's cancel row cancelled it
        booking.status, booking.cancelled_at, booking.cancel_reason = BookingStatus.CONFIRMED, None, None
        booking.session.places_taken += 1
    for restore in EXTRA_RESTORE:
        restore(values)
    db.session.commit()


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
