"""Control passes to the young adult at 18 (#15, item 4): one family access rule (portal.access), the young person's
own sign-in on the same record, consent and legal bases after 18 (audited), and the notice before the birthday."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select, update

from budgets.models import Payment, PaymentStatus
from portal import growing_up, jobs
from portal.access import Standing, family_child_ids, standing
from portal.commands import turning_18_now
from portal.extensions import db
from portal.notify import OutboxEmail
from portal.models import AccessBasis, AuditEvent, Child, FamilyAccess, Role, User, YoungPersonInvite
from portal.timeutil import london_today, utcnow
from providers.models import Booking, BookingSet, BookingStatus, WaitingListEntry, WaitingStatus

from .access_rows import DENY, LOGIN
from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory
from . import test_access
from .test_access import TABLE, _url

# The URL parameters that name one child's record or booking: a row with one of them, that the parent may open for
# their own child, is checked again for the young adult's.
ADULT_PARAMS = ("child_id", "booking_id", "entry_id", "payment_id", "group_ref")
ADULT_TITLE = "Evening Club for Young Adults"
table_world = test_access.world  # the access table's fixture ``world``, used here too


def born_years_ago(years: int, days: int = 0) -> date:
    today = london_today()
    return today.replace(year=today.year - years) - timedelta(days=days)


def _rows_about_one_child() -> list[tuple[str, str, object]]:
    rows = []
    for method, rule, expectations, *_shows in TABLE:
        if expectations["parent"] in (LOGIN, DENY, 404):
            continue
        if any(f"<{p}>" in rule or f"<int:{p}>" in rule for p in ADULT_PARAMS) \
                or rule == "/bookings/sessions/<int:session_id>/calendar.ics":
            rows.append((method, rule, expectations["parent"]))
    return rows


def _young_adult(users) -> dict:
    """The parent's child who turned 18 ten days ago, with a place booked, a place offered from a waiting list, a
    paid card payment and a set of bookings: the values for the table's URLs."""
    parent = users["parent"]
    adult = ChildFactory(parent=parent, first_name="Yolanda", date_of_birth=born_years_ago(18, days=10))
    offer = OfferFactory(title=ADULT_TITLE, min_age=16, max_age=25)
    session = SessionFactory(offer=offer, places_taken=2)
    payment = Payment(family_id=parent.id, provider_id=offer.provider_id, group_ref="g-adult", amount_pence=1500,
                      status=PaymentStatus.PAID, idempotency_key="adult-card", expires_at=utcnow() + timedelta(minutes=30),
                      paid_at=utcnow())
    db.session.add(payment)
    db.session.flush()
    booking = Booking(session=session, child=adult, booked_by_id=parent.id, group_ref="g-adult", funding="card",
                      payment_id=payment.id)
    full = SessionFactory(capacity=1, places_taken=1, offer=offer)
    entry = WaitingListEntry(session=full, family=parent, child_ids=[adult.id], places=1, status=WaitingStatus.OFFERED,
                             offered_at=utcnow(), offer_expires_at=utcnow() + timedelta(hours=24))
    in_set = Booking(session=SessionFactory(offer=offer, places_taken=1), child=adult, booked_by_id=parent.id,
                     group_ref="g-adult-set", funding="free")
    db.session.add_all([booking, entry, in_set, BookingSet(group_ref="g-adult-set", family_id=parent.id,
                                                           offer_id=offer.id, not_booked=[])])
    db.session.commit()
    return {"child_id": adult.id, "booking_id": booking.id, "entry_id": entry.id, "payment_id": payment.id,
            "group_ref": "g-adult-set", "session_id": session.id, "adult": adult}


def _check_rows(app, parent, values, expect_lost: bool) -> list[str]:
    failures = []
    for method, rule, expected in _rows_about_one_child():
        client = app.test_client()
        sign_in(client, parent)
        response = client.open(_url(rule, values), method=method)
        want = 403 if expect_lost else expected
        if response.status_code != want:
            failures.append(f"{method} {rule}: got {response.status_code}, expected {want}")
        elif expect_lost and "You can no longer see" not in response.text and method == "GET" \
                and response.mimetype == "text/html":
            failures.append(f"{method} {rule}: the 403 does not say why")
    return failures


def test_at_18_the_parent_loses_access_until_consent_is_recorded_and_regains_it(app, table_world):
    """The Done-when line: every family route that shows one child's record or booking, through the route × role
    table, for the young adult's objects: 403 with no basis, the table's answer with consent, 403 once withdrawn."""
    users, values = table_world
    adult_values = dict(values) | _young_adult(users)
    adult = adult_values.pop("adult")
    parent = users["parent"]
    assert len(_rows_about_one_child()) >= 20

    assert _check_rows(app, parent, adult_values, expect_lost=True) == []

    # The young adult has their own sign-in, and gives consent there.
    own = UserFactory(role=Role.YOUNG_PERSON, email="yolanda@example.com")
    db.session.get(Child, adult.id).young_person_id = own.id
    db.session.commit()
    client = app.test_client()
    sign_in(client, own)
    assert client.post("/your-record/sharing", data={"agree": "y"}).status_code == 302
    assert _check_rows(app, parent, adult_values, expect_lost=False) == []

    # The parent's cancelling rows really cancelled: put the places back, so the young adult still has them.
    for booking in db.session.scalars(select(Booking).where(Booking.child_id == adult.id)):
        booking.status, booking.cancelled_at, booking.cancel_reason = BookingStatus.CONFIRMED, None, None
    db.session.commit()
    access = db.session.scalar(select(FamilyAccess).where(FamilyAccess.child_id == adult.id))
    assert client.post(f"/your-record/sharing/{access.id}/withdraw", data={"reason": "I want privacy"}).status_code == 302
    assert _check_rows(app, parent, adult_values, expect_lost=True) == []

    trail = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "Child", AuditEvent.subject_id == adult.id,
        AuditEvent.action.in_(["family_access_granted", "family_access_withdrawn"])).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.details["basis"]) for e in trail] == [
        ("family_access_granted", own.id, "consent"), ("family_access_withdrawn", own.id, "consent")]
    assert trail[1].reason == "I want privacy" and trail[1].at is not None


def test_lists_and_the_calendar_feed_leave_out_a_young_adult_the_parent_cannot_see(app, table_world):
    users, values = table_world
    _young_adult(users)
    client = app.test_client()
    sign_in(client, users["parent"])
    bookings = client.get("/bookings").text
    assert ADULT_TITLE not in bookings and "Zebedee" in bookings
    assert "You can no longer see Yolanda" in bookings  # never a silent lock-out
    children = client.get("/children").text
    assert "You can no longer see Yolanda" in children and "Change Yolanda" not in children
    feed = client.get(f"/calendars/family/{values['family_secret']}.ics").text
    assert ADULT_TITLE not in feed
    assert "You can no longer see Yolanda" in client.get("/money").text


def test_someone_elses_child_stays_not_found(app, table_world):
    users, values = table_world
    adult_values = _young_adult(users)
    stranger = UserFactory()
    client = app.test_client()
    sign_in(client, stranger)
    assert client.get(f"/children/{adult_values['child_id']}/edit").status_code == 404
    assert client.get(f"/bookings/{adult_values['booking_id']}/cancel").status_code == 404


def test_one_rule_decides_under_18_over_18_own_record_and_someone_elses(app):
    parent = UserFactory()
    young, adult = (ChildFactory(parent=parent, date_of_birth=born_years_ago(17)),
                    ChildFactory(parent=parent, date_of_birth=born_years_ago(19)))
    own = UserFactory(role=Role.YOUNG_PERSON)
    adult.young_person_id = own.id
    db.session.commit()
    assert standing(parent, young) is Standing.PARENT and standing(parent, adult) is Standing.ENDED
    assert standing(own, adult) is Standing.OWN and standing(own, young) is Standing.NONE
    assert family_child_ids(parent) == {young.id} and family_child_ids(own) == {adult.id}



def test_the_rule_read_once_in_a_transaction_sees_what_that_transaction_changes(app):
    """family_children is worked out once per transaction (a booking asks it three times), and forgotten as soon as
    the transaction records or withdraws a basis, moves a child, or ends."""
    parent = UserFactory()
    young, adult = (ChildFactory(parent=parent, date_of_birth=born_years_ago(17)),
                    ChildFactory(parent=parent, date_of_birth=born_years_ago(19)))
    db.session.commit()
    assert family_child_ids(parent) == {young.id}
    db.session.add(FamilyAccess(child=adult, user=parent, basis=AccessBasis.CONSENT))
    db.session.flush()
    assert family_child_ids(parent) == {young.id, adult.id}
    db.session.execute(update(FamilyAccess).values(withdrawn_at=utcnow()))
    assert family_child_ids(parent) == {young.id}
    young.parent_id = UserFactory().id
    db.session.flush()
    assert family_child_ids(parent) == set()
    db.session.rollback()
    assert family_child_ids(parent) == {young.id}

# --- the young person's own sign-in ----------------------------------------------------------------------------------

def test_a_parent_invites_their_child_of_16_who_gets_a_sign_in_on_the_same_record(app, outbox):
    parent = UserFactory()
    child = ChildFactory(parent=parent, first_name="Rowan", date_of_birth=born_years_ago(16, days=3))
    client = app.test_client()
    sign_in(client, parent)
    assert client.post(f"/children/{child.id}/own-sign-in", data={"email": "rowan@example.com"}).status_code == 302
    [email] = [m for m in outbox if m["To"] == "rowan@example.com"]
    link = next(line for line in email.get_content().splitlines() if "/join/" in line).strip()
    token = link.rsplit("/", 1)[1]
    joining = app.test_client()
    page = joining.get(f"/join/{token}")
    assert page.status_code == 200 and "rowan@example.com" in page.text
    response = joining.post(f"/join/{token}", data={"name": "Rowan Quarrendon", "password": "correct horse battery",
                                                    "confirm": "correct horse battery"})
    assert response.status_code == 302, response.text
    rowan = db.session.scalar(select(User).where(User.email == "rowan@example.com"))
    assert rowan.role is Role.YOUNG_PERSON and db.session.get(Child, child.id).young_person_id == rowan.id
    assert db.session.scalar(select(Child.id).where(Child.young_person_id == rowan.id)) == child.id  # not a copy
    # Both see and manage the record while under 18; the young person's pages speak to them as "you".
    assert "Rowan" in client.get("/children").text
    mine = joining.get("/children")
    assert "Your details" in mine.text and "Change your details" in mine.text and "Change Rowan" not in mine.text
    assert joining.get(f"/children/{child.id}/edit").status_code == 200
    assert "Change your details" in joining.get(f"/children/{child.id}/edit").text
    assert joining.get(f"/join/{token}").status_code == 404  # used


def test_a_child_under_16_cannot_be_invited_yet(app):
    parent = UserFactory()
    child = ChildFactory(parent=parent, date_of_birth=born_years_ago(15))
    client = app.test_client()
    sign_in(client, parent)
    response = client.post(f"/children/{child.id}/own-sign-in", data={"email": "young@example.com"})
    assert response.status_code == 409 and "16th birthday" in response.text
    assert db.session.scalar(select(YoungPersonInvite.id)) is None


# --- staff record a legal basis -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.TRUST, Role.ADULTS])
def test_staff_record_a_deputyship_with_its_reference_and_the_parent_regains_access(app, role):
    parent = UserFactory()
    adult = ChildFactory(parent=parent, first_name="Ashton", date_of_birth=born_years_ago(20))
    staff = UserFactory(role=role)
    client = app.test_client()
    sign_in(client, staff)
    page = client.get(f"/staff/children/{adult.id}/family-access")
    assert page.status_code == 200 and "Ashton has no sign-in of their own" in page.text
    missing = client.post(f"/staff/children/{adult.id}/family-access", data={"basis": "deputyship"})
    assert missing.status_code == 422 and "Enter the reference" in missing.text
    assert client.post(f"/staff/children/{adult.id}/family-access",
                       data={"basis": "deputyship", "reference": "COP 1234567T"}).status_code == 302
    access = db.session.scalar(select(FamilyAccess))
    assert (access.basis, access.reference, access.granted_by_id) == (AccessBasis.DEPUTYSHIP, "COP 1234567T", staff.id)
    family = app.test_client()
    sign_in(family, parent)
    assert family.get(f"/children/{adult.id}/edit").status_code == 200
    # Ended by staff, with a reason: audited, and the parent is out again.
    assert client.post(f"/staff/children/{adult.id}/family-access/{access.id}/withdraw",
                       data={"reason": "The court discharged the order"}).status_code == 302
    assert family.get(f"/children/{adult.id}/edit").status_code == 403
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == adult.id,
                                                                 AuditEvent.subject_type == "Child")).all()
    assert "family_access_granted" in actions and "family_access_withdrawn" in actions


def test_a_parent_cannot_record_a_legal_basis_or_consent_for_themselves(app):
    parent = UserFactory()
    adult = ChildFactory(parent=parent, date_of_birth=born_years_ago(19))
    with pytest.raises(Exception, match="Only"):
        growing_up.grant(adult, AccessBasis.DEPUTYSHIP, by=parent, reference="mine")
    with pytest.raises(Exception, match="Only"):
        growing_up.grant(adult, AccessBasis.CONSENT, by=parent)


# --- the notice before the 18th birthday, and the end of access at it -----------------------------------------------

def test_the_young_person_and_the_parent_are_told_once_each_in_their_language_30_days_before(app, outbox):
    parent = UserFactory(language="pl")
    own = UserFactory(role=Role.YOUNG_PERSON, language="en")
    birthday = date(2027, 6, 15)
    child = ChildFactory(parent=parent, first_name="Kasia", date_of_birth=birthday.replace(year=2009))
    child.young_person_id = own.id
    db.session.commit()
    days = app.config["ADULTHOOD_NOTICE_DAYS"]
    assert days == 30
    with time_machine.travel(datetime(2027, 5, 15, 5, tzinfo=timezone.utc) - timedelta(days=1), tick=False):
        turning_18_now()
    assert outbox == []  # 31 days before: not yet
    with time_machine.travel(datetime(2027, 5, 16, 7, 20, tzinfo=timezone.utc), tick=False):
        turning_18_now()
        turning_18_now()  # the next run (or a second worker) sends nothing again
    with time_machine.travel(datetime(2027, 5, 17, 7, 20, tzinfo=timezone.utc), tick=False):
        turning_18_now()
    to_parent = [m for m in outbox if m["To"] == parent.email]
    to_young = [m for m in outbox if m["To"] == own.email]
    assert len(to_parent) == 1 and len(to_young) == 1
    assert "Kasia" in to_young[0].get_content() and "You turn 18" in to_young[0]["Subject"]
    # Each in their own language (the Polish words come with the lead's translation at merge).
    assert {e.to_address: e.language for e in db.session.scalars(select(OutboxEmail))} == {parent.email: "pl",
                                                                                          own.email: "en"}
    assert "give your consent" in to_young[0].get_content()


def test_at_the_birthday_the_end_of_the_parents_access_is_recorded_and_they_are_told_once(app, outbox):
    parent = UserFactory()
    child = ChildFactory(parent=parent, first_name="Morgan", date_of_birth=date(2009, 6, 15))
    with time_machine.travel(datetime(2027, 6, 14, 7, 20, tzinfo=timezone.utc), tick=False):
        turning_18_now()
        assert standing(parent, db.session.get(Child, child.id)) is Standing.PARENT
    with time_machine.travel(datetime(2027, 6, 15, 7, 20, tzinfo=timezone.utc), tick=False):
        turning_18_now()
        turning_18_now()
        assert standing(parent, db.session.get(Child, child.id)) is Standing.ENDED
    ended = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "parent_access_ended_at_18")).all()
    assert len(ended) == 1 and ended[0].subject_id == child.id
    told = [m for m in outbox if "no longer see Morgan" in m["Subject"]]
    assert len(told) == 1


def test_the_turning_18_task_is_daily():
    assert jobs.SCHEDULE["turning-18"].when == "20 7 * * *"


def test_a_provider_moving_or_messaging_a_young_adults_session_tells_only_those_who_may_see_it(app, outbox):
    """After 18, with no consent, the parent who booked is not emailed about the young adult's place (that would tell
    them what they may no longer see); the young adult's own sign-in is. With consent, both are."""
    from bookings.session_changes import message_families, move_session

    parent = UserFactory()
    adult = ChildFactory(parent=parent, first_name="Yolanda", date_of_birth=born_years_ago(18, days=3))
    own = UserFactory(role=Role.YOUNG_PERSON)
    adult.young_person_id = own.id
    session = SessionFactory(offer=OfferFactory(min_age=16, max_age=25), places_taken=1)
    db.session.add(Booking(session=session, child=adult, booked_by_id=parent.id, group_ref="g-yolanda",
                           funding="free"))
    staff = UserFactory(role=Role.PROVIDER, provider_id=session.offer.provider_id)
    db.session.commit()
    message_families(session, "Bring a packed lunch.", by=staff)
    db.session.commit()
    assert [m["To"] for m in outbox] == [own.email]
    growing_up.grant(adult, AccessBasis.CONSENT, by=own)
    db.session.commit()
    outbox.clear()
    later = session.starts_at + timedelta(days=1)
    move_session(session, later, later + timedelta(hours=2), reason="The hall is closed", by=staff)
    db.session.commit()
    assert sorted(m["To"] for m in outbox) == sorted([parent.email, own.email])
