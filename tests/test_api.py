"""The availability API: tokens, every endpoint, isolation between providers, idempotent writes, problem
details, and Schemathesis generating well over 1,000 requests from the app's own OpenAPI document."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import func, select

from bookings import api as availability_api
from bookings.places import book_places, cancel_booking
from portal.errors import DomainError, NotAllowed, TryAgain
from portal.extensions import db
from portal.models import AuditEvent, Role, SupportLevel
from portal.timeutil import LONDON, to_london, utcnow
from providers import organisations
from providers.models import (
    ApiToken,
    Attendance,
    Booking,
    BookingStatus,
    IdempotencyRecord,
    Session,
    SessionStatus,
)
from providers.tokens import create_token, revoke_token

from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

PROBLEM = "application/problem+json"


class Org:
    """A provider with an admin, an offer with two sessions, and a live API token."""

    def __init__(self, name: str):
        self.provider = ProviderFactory(name=name)
        self.admin = UserFactory(role=Role.PROVIDER, provider_id=self.provider.id, is_provider_admin=True)
        self.offer = OfferFactory(provider=self.provider)
        self.session = SessionFactory(offer=self.offer, capacity=10)
        self.later = SessionFactory(offer=self.offer, capacity=6, starts_at=self.session.starts_at + timedelta(days=7))
        self.token, self.plaintext = create_token(self.provider, "Booking system", self.admin)
        db.session.commit()

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.plaintext}"}


@pytest.fixture
def ours(app):
    return Org("Our Trust")


@pytest.fixture
def theirs(app):
    return Org("Their Trust")


def call(client, org: Org, method: str, url: str, body=None, key: str | None = None):
    headers = dict(org.auth)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.open(url, method=method, json=body, headers=headers)


def book(session: Session, *, support: SupportLevel = SupportLevel.GROUP, carer: bool = False, **child) -> Booking:
    family = UserFactory()
    bookings = book_places(family, session, [ChildFactory(parent=family, support_level=support, **child)],
                                    "free", carer_places=1 if carer else 0)
    db.session.commit()
    return bookings[0]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def future(days: int, hour: int = 10) -> datetime:
    day = date.today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


# --- tokens ----------------------------------------------------------------------------------------

def test_a_token_is_stored_hashed_and_its_plaintext_shown_only_once(client, ours):
    token, plaintext = ours.token, ours.plaintext
    assert plaintext.startswith("sbp_") and len(plaintext) > 40
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:12]
    stored = db.session.execute(select(ApiToken.__table__)).all()
    assert not any(plaintext in str(value) for row in stored for value in row)
    assert not any(plaintext in json.dumps(event.details) for event in db.session.scalars(select(AuditEvent)))
    # Nothing can show it again: only a fresh token has a plaintext.
    again, second = create_token(ours.provider, "Another system", ours.admin)
    assert second != plaintext and again.token_hash != token.token_hash

    assert token.last_used_at is None
    assert call(client, ours, "GET", "/api/v1/offers").status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)


def test_a_revoked_token_is_refused_at_once(client, ours):
    revoke_token(ours.token, ours.admin)
    db.session.commit()
    problem = assert_problem(call(client, ours, "GET", "/api/v1/offers"), 401)
    assert "revoked" in problem["detail"]
    with pytest.raises(DomainError, match="already been revoked"):
        revoke_token(ours.token, ours.admin)


def test_a_suspended_providers_tokens_stop_until_it_is_reinstated(client, ours, theirs):
    council = UserFactory(role=Role.COUNCIL)
    organisations.suspend_provider(ours.provider, "Safeguarding concern under review", by=council)
    db.session.commit()
    for method, url, body in [("GET", "/api/v1/offers", None),
                              ("GET", f"/api/v1/offers/{ours.offer.id}/sessions", None),
                              ("GET", f"/api/v1/sessions/{ours.session.id}", None),
                              ("GET", f"/api/v1/sessions/{ours.session.id}/bookings", None),
                              ("PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 3}),
                              ("POST", f"/api/v1/sessions/{ours.session.id}/cancel", {"reason": "Closed"})]:
        response = call(client, ours, method, url, body)
        problem = assert_problem(response, 401)
        assert problem["detail"] == ("Our Trust is suspended, so its API tokens do not work until it is reinstated. "
                                     "Contact the council about the suspension."), url
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    session = db.session.get(Session, ours.session.id)
    assert (session.capacity, session.status) == (10, SessionStatus.OPEN)
    assert call(client, theirs, "GET", "/api/v1/offers").status_code == 200
    assert db.session.get(ApiToken, ours.token.id).revoked_at is None

    organisations.reinstate_provider(ours.provider, "Review closed", by=council)
    db.session.commit()
    assert call(client, ours, "GET", "/api/v1/offers").status_code == 200
    assert call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 3}).status_code == 200


def test_only_the_providers_own_admins_create_and_revoke_tokens(ours, theirs):
    staff = UserFactory(role=Role.PROVIDER, provider_id=ours.provider.id, is_provider_admin=False)
    with pytest.raises(NotAllowed):
        create_token(ours.provider, "Sneaky", staff)
    with pytest.raises(NotAllowed):
        create_token(ours.provider, "Sneaky", theirs.admin)
    with pytest.raises(NotAllowed):
        revoke_token(ours.token, theirs.admin)
    with pytest.raises(DomainError, match="Give the token a name"):
        create_token(ours.provider, "   ", ours.admin)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic c2JwXzE6Mg==", "Bearer sbp_wrong",
                                           "Bearer not-even-ours", "Token sbp_x"])
def test_a_missing_or_unknown_token_is_401_with_a_challenge(client, ours, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/api/v1/offers", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for url in [f"/api/v1/sessions/{ours.session.id}", f"/api/v1/sessions/{ours.session.id}/bookings"]:
        assert_problem(client.get(url, headers=headers), 401)
    response = client.patch(f"/api/v1/sessions/{ours.session.id}", json={"capacity": 1}, headers=headers)
    assert_problem(response, 401)
    assert db.session.get(Session, ours.session.id).capacity == 10


def test_a_signed_in_browser_session_does_not_open_the_api(login, ours):
    client = login(ours.admin)
    assert_problem(client.get("/api/v1/offers"), 401)


# --- reading ---------------------------------------------------------------------------------------

def test_offers_are_the_providers_own_and_come_in_pages(client, ours, theirs):
    more = [OfferFactory(provider=ours.provider, title=f"Club {n}") for n in range(4)]
    first = call(client, ours, "GET", "/api/v1/offers?page_size=2").get_json()
    assert first["pagination"] == {"page": 1, "page_size": 2, "total_items": 5, "total_pages": 3}
    assert [o["id"] for o in first["items"]] == [ours.offer.id, more[0].id]
    last = call(client, ours, "GET", "/api/v1/offers?page=3&page_size=2").get_json()
    assert [o["id"] for o in last["items"]] == [more[3].id]
    everything = call(client, ours, "GET", "/api/v1/offers?page_size=100").get_json()["items"]
    assert theirs.offer.id not in {o["id"] for o in everything}
    assert everything[0] == {
        "id": ours.offer.id, "title": ours.offer.title, "status": "published", "tier": "universal",
        "category": "sport", "min_age": 5, "max_age": 11, "venue": ours.offer.venue, "price_pence": 0,
        "payment_route": "free",
    }
    problem = assert_problem(call(client, ours, "GET", "/api/v1/offers?page=0&page_size=500"), 422)
    assert {e["parameter"] for e in problem["errors"]} == {"page", "page_size"}


def test_sessions_of_an_offer_filtered_by_london_days(client, ours):
    # 23:30 on the 10th in London is already the 11th in UTC in summer and the same day in winter: the
    # filter goes by the London day either way.
    late = future(30, hour=23).replace(minute=30)
    late_session = SessionFactory(offer=ours.offer, starts_at=late.astimezone(timezone.utc),
                                  ends_at=(late + timedelta(minutes=20)).astimezone(timezone.utc))
    day = late.date().isoformat()
    found = call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions?from={day}&to={day}").get_json()
    assert [s["id"] for s in found["items"]] == [late_session.id]
    assert found["items"][0]["starts_at"] == late.isoformat()

    everything = call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions").get_json()
    assert [s["id"] for s in everything["items"]] == [ours.session.id, ours.later.id, late_session.id]
    until = to_london(ours.session.starts_at).date().isoformat()
    assert [s["id"] for s in call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions?to={until}")
            .get_json()["items"]] == [ours.session.id]
    problem = assert_problem(call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions"
                                                        f"?from=2030-01-02&to=2030-01-01"), 422)
    assert problem["errors"] == [{"parameter": "to", "detail": "Give a day on or after the from day."}]
    assert_problem(call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions?from=9999-12-31"), 422)


def test_a_session_shows_its_places(client, ours):
    book(ours.session)
    body = call(client, ours, "GET", f"/api/v1/sessions/{ours.session.id}").get_json()
    assert body == {
        "id": ours.session.id, "offer_id": ours.offer.id, "starts_at": to_london(ours.session.starts_at).isoformat(),
        "ends_at": to_london(ours.session.ends_at).isoformat(), "status": "open", "capacity": 10,
        "places_taken": 1, "places_left": 9, "staff": None, "cancel_reason": None,
    }


def test_places_left_counts_the_staff_as_booking_does(client, ours):
    url = f"/api/v1/sessions/{ours.session.id}"
    assert call(client, ours, "PATCH", url, {"staff": 2}).status_code == 200
    book(ours.session, support=SupportLevel.ONE_TO_ONE)
    body = call(client, ours, "GET", url).get_json()
    # One adult left: four more children in a group, though 9 seats are free.
    assert (body["capacity"], body["places_taken"], body["staff"], body["places_left"]) == (10, 1, 2, 4)
    book(ours.session, support=SupportLevel.ONE_TO_TWO)
    assert call(client, ours, "GET", url).get_json()["places_left"] == 2
    book(ours.session, support=SupportLevel.ONE_TO_TWO)
    body = call(client, ours, "GET", url).get_json()
    assert (body["places_taken"], body["places_left"]) == (3, 0)  # every adult is taken, 7 seats still free
    listed = call(client, ours, "GET", f"/api/v1/offers/{ours.offer.id}/sessions").get_json()["items"]
    assert [s["places_left"] for s in listed] == [0, 6]
    with pytest.raises(DomainError):
        book(ours.session)
    db.session.rollback()
    # With staff to spare, the seats decide.
    assert call(client, ours, "PATCH", url, {"staff": 20, "capacity": 4}).status_code == 200
    assert call(client, ours, "GET", url).get_json()["places_left"] == 1


def test_bookings_show_only_the_children_and_what_staff_need(client, ours):
    amira = book(ours.session, first_name="Amira", last_name="Khan", support=SupportLevel.ONE_TO_ONE,
                 needs=["autism", "communication"], emergency_contact="Sara Khan 07700 900001", carer=True)
    book(ours.session, first_name="Ben", last_name="Adams", needs=[], emergency_contact=None)
    cancelled = book(ours.session, first_name="Cal", last_name="Zed")
    cancel_booking(cancelled, by=cancelled.booked_by)
    amira.attendance = Attendance.ATTENDED
    db.session.commit()

    body = call(client, ours, "GET", f"/api/v1/sessions/{ours.session.id}/bookings").get_json()
    assert body == {"items": [
        {"first_name": "Ben", "last_name": "Adams", "support_level": "group", "needs": [],
         "emergency_contact": None, "attendance": None},
        {"first_name": "Amira", "last_name": "Khan", "support_level": "one_to_one",
         "needs": ["autism", "communication"], "emergency_contact": "Sara Khan 07700 900001",
         "attendance": "attended"},
    ]}


# --- writing ---------------------------------------------------------------------------------------

def test_adding_a_session(client, ours, outbox):
    starts = future(20)
    response = call(client, ours, "POST", f"/api/v1/offers/{ours.offer.id}/sessions",
                    {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=3)), "capacity": 12, "staff": 3})
    assert response.status_code == 201, response.text
    body = response.get_json()
    session = db.session.get(Session, body["id"])
    assert (session.offer_id, session.capacity, session.staff_units, session.starts_at) == (
        ours.offer.id, 12, 12, starts.astimezone(timezone.utc))
    assert body["starts_at"] == starts.isoformat() and body["staff"] == 3 and body["places_left"] == 12
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["session_created", "api_change"]


@pytest.mark.parametrize("body, pointers", [
    ({}, {"#/starts_at", "#/ends_at", "#/capacity"}),
    ({"starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T12:00:00+00:00", "capacity": 5}, {"#/starts_at"}),
    ({"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z", "capacity": 5}, {"#/ends_at"}),
    ({"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-02-01T09:00:00Z", "capacity": 5}, {"#/ends_at"}),
    ({"starts_at": "2001-01-01T10:00:00Z", "ends_at": "2001-01-01T12:00:00Z", "capacity": 5}, {"#/starts_at"}),
    ({"starts_at": "0001-01-01T00:00:00+01:00", "ends_at": "9999-12-31T23:59:59-01:00", "capacity": 5},
     {"#/starts_at", "#/ends_at"}),
    ({"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z", "capacity": 0, "staff": 0},
     {"#/capacity", "#/staff"}),
    ({"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z", "capacity": "5"}, {"#/capacity"}),
    ({"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z", "capacity": 5, "price": 1},
     {"#/price"}),
    ([1, 2], {"#"}),
])
def test_a_new_session_with_mistakes_is_422_listing_each_field(client, ours, body, pointers):
    before = count(Session)
    problem = assert_problem(call(client, ours, "POST", f"/api/v1/offers/{ours.offer.id}/sessions", body), 422)
    assert {e["pointer"] for e in problem["errors"]} == pointers
    assert all(e["detail"] for e in problem["errors"])
    assert count(Session) == before


def test_a_body_that_is_not_json_is_400(client, ours):
    response = client.post(f"/api/v1/offers/{ours.offer.id}/sessions", data="{not json",
                           headers={**ours.auth, "Content-Type": "application/json"})
    assert_problem(response, 400)


def test_changing_places_never_goes_below_what_is_booked(client, ours):
    for _ in range(3):
        book(ours.session)
    url = f"/api/v1/sessions/{ours.session.id}"
    problem = assert_problem(call(client, ours, "PATCH", url, {"capacity": 2}), 409)
    assert problem["detail"].startswith("You cannot reduce places to 2: 3 places are already booked")
    assert db.session.get(Session, ours.session.id).capacity == 10

    body = call(client, ours, "PATCH", url, {"capacity": 3, "staff": 2}).get_json()
    assert (body["capacity"], body["staff"], body["places_left"]) == (3, 2, 0)
    body = call(client, ours, "PATCH", url, {"capacity": 4}).get_json()
    assert (body["capacity"], body["staff"]) == (4, 2)  # staff left out: kept
    body = call(client, ours, "PATCH", url, {"staff": None}).get_json()
    assert (body["capacity"], body["staff"]) == (4, None)
    assert_problem(call(client, ours, "PATCH", url, {}), 422)
    assert_problem(call(client, ours, "PATCH", url, {"capacity": 501}), 422)


def test_reducing_staff_below_the_support_booked_is_409(client, ours):
    book(ours.session, support=SupportLevel.TWO_TO_ONE)
    problem = assert_problem(call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"staff": 1}), 409)
    assert "need at least 2 staff" in problem["detail"]


def test_moving_a_session_needs_a_reason_and_tells_each_family(client, ours, outbox):
    booking = book(ours.session)
    outbox.clear()
    url = f"/api/v1/sessions/{ours.session.id}"
    starts = future(12, hour=14)
    change = {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2))}
    problem = assert_problem(call(client, ours, "PATCH", url, change), 422)
    assert problem["errors"] == [{"pointer": "#/reason", "detail": "Give a reason: families will see it."}]
    problem = assert_problem(call(client, ours, "PATCH", url, {"starts_at": iso(starts), "reason": "Hall"}), 422)
    assert problem["errors"][0]["pointer"] == "#/ends_at"
    assert outbox == []

    body = call(client, ours, "PATCH", url, {**change, "reason": "The hall is booked for an election"}).get_json()
    assert body["starts_at"] == starts.isoformat()
    assert db.session.get(Session, ours.session.id).starts_at == starts.astimezone(timezone.utc)
    assert [m["To"] for m in outbox] == [booking.booked_by.email]
    assert "The hall is booked for an election" in outbox[0].get_content()


def test_cancelling_a_session_releases_places_and_tells_families(client, ours, outbox):
    bookings = [book(ours.session) for _ in range(2)]
    outbox.clear()
    url = f"/api/v1/sessions/{ours.session.id}/cancel"
    assert_problem(call(client, ours, "POST", url, {"reason": "   "}), 422)
    assert_problem(call(client, ours, "POST", url, {"reason": "Broken\x00boiler"}), 422)
    body = call(client, ours, "POST", url, {"reason": "The boiler has broken"}).get_json()
    assert (body["status"], body["places_taken"], body["cancel_reason"]) == ("cancelled", 0, "The boiler has broken")
    assert {db.session.get(Booking, b.id).status for b in bookings} == {BookingStatus.CANCELLED}
    assert sorted(m["To"] for m in outbox) == sorted(b.booked_by.email for b in bookings)
    problem = assert_problem(call(client, ours, "POST", url, {"reason": "Again"}), 409)
    assert problem["detail"] == "This session has already been cancelled."
    assert_problem(call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 3}), 409)


# --- isolation -------------------------------------------------------------------------------------

def test_another_providers_objects_are_not_found_and_never_change(client, ours, theirs):
    booking = book(theirs.session, first_name="Secret")
    starts = future(15)
    attempts = [
        ("GET", f"/api/v1/offers/{theirs.offer.id}/sessions", None),
        ("GET", f"/api/v1/sessions/{theirs.session.id}", None),
        ("GET", f"/api/v1/sessions/{theirs.session.id}/bookings", None),
        ("POST", f"/api/v1/offers/{theirs.offer.id}/sessions",
         {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=1)), "capacity": 3}),
        ("PATCH", f"/api/v1/sessions/{theirs.session.id}", {"capacity": 1}),
        ("PATCH", f"/api/v1/sessions/{theirs.session.id}", {"starts_at": iso(starts), "reason": "Mine now",
                                                            "ends_at": iso(starts + timedelta(hours=1))}),
        ("POST", f"/api/v1/sessions/{theirs.session.id}/cancel", {"reason": "Mine now"}),
    ]
    before = (count(Session), count(AuditEvent))
    for method, url, body in attempts:
        response = call(client, ours, method, url, body, key=f"k-{method}-{url}")
        problem = assert_problem(response, 404)
        assert "Secret" not in response.text and str(theirs.provider.name) not in response.text
        assert problem["type"] == "about:blank"
    # The same answer as for ids that exist nowhere, so nothing is revealed.
    missing = call(client, ours, "GET", "/api/v1/sessions/999999").get_json()
    theirs_answer = call(client, ours, "GET", f"/api/v1/sessions/{theirs.session.id}").get_json()
    assert missing["detail"].replace("999999", "N") == theirs_answer["detail"].replace(str(theirs.session.id), "N")
    listed = call(client, ours, "GET", "/api/v1/offers?page_size=100").get_json()["items"]
    assert {o["id"] for o in listed} == {ours.offer.id}

    assert (count(Session), count(AuditEvent)) == before
    assert count(IdempotencyRecord) == 0
    session = db.session.get(Session, theirs.session.id)
    assert (session.capacity, session.status, session.places_taken) == (10, SessionStatus.OPEN, 1)
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED


def test_ids_too_large_for_the_database_are_simply_not_found(client, ours):
    for url in ["/api/v1/sessions/99999999999999999999999", f"/api/v1/sessions/{2**31}/bookings",
                f"/api/v1/offers/{2**63}/sessions"]:
        assert_problem(call(client, ours, "GET", url), 404)


# --- idempotency -----------------------------------------------------------------------------------

def test_replaying_a_write_returns_the_first_answer_and_changes_nothing(client, ours, outbox):
    book(ours.session)
    starts = future(25)
    new = {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)), "capacity": 8}
    writes = [
        ("POST", f"/api/v1/offers/{ours.offer.id}/sessions", new, 201),
        ("PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 7}, 200),
        ("POST", f"/api/v1/sessions/{ours.later.id}/cancel", {"reason": "Snow"}, 200),
        ("PATCH", f"/api/v1/sessions/{ours.session.id}",
         {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=1)), "reason": "Snow"}, 200),
    ]
    for n, (method, url, body, status) in enumerate(writes):
        first = call(client, ours, method, url, body, key=f"write-{n}")
        assert first.status_code == status, first.text
        assert "Idempotent-Replayed" not in first.headers
        rows = {model: count(model) for model in (Session, Booking, AuditEvent, IdempotencyRecord)}
        session_rows = [(s.id, s.capacity, s.status, s.starts_at, s.places_taken)
                        for s in db.session.scalars(select(Session).order_by(Session.id))]
        emails = len(outbox)
        # The key order and spacing of the JSON do not make it a different request.
        replay = client.open(url, method=method, data=json.dumps(body, indent=2, sort_keys=True),
                             headers={**ours.auth, "Idempotency-Key": f"write-{n}",
                                      "Content-Type": "application/json"})
        assert (replay.status_code, replay.get_json()) == (status, first.get_json())
        assert replay.headers["Idempotent-Replayed"] == "true"
        db.session.expire_all()
        assert {model: count(model) for model in rows} == rows
        assert [(s.id, s.capacity, s.status, s.starts_at, s.places_taken)
                for s in db.session.scalars(select(Session).order_by(Session.id))] == session_rows
        assert len(outbox) == emails


def test_a_key_reused_for_a_different_request_is_422(client, ours):
    url = f"/api/v1/sessions/{ours.session.id}"
    assert call(client, ours, "PATCH", url, {"capacity": 7}, key="abc").status_code == 200
    for method, other_url, body in [("PATCH", url, {"capacity": 6}),
                                    ("POST", f"{url}/cancel", {"reason": "Snow"}),
                                    ("PATCH", f"/api/v1/sessions/{ours.later.id}", {"capacity": 7})]:
        problem = assert_problem(call(client, ours, method, other_url, body, key="abc"), 422)
        assert "different request" in problem["detail"]
    assert db.session.get(Session, ours.session.id).capacity == 7
    assert db.session.get(Session, ours.later.id).status is SessionStatus.OPEN


def test_keys_belong_to_one_provider(client, ours, theirs):
    assert call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 7}, key="same").status_code == 200
    response = call(client, theirs, "PATCH", f"/api/v1/sessions/{theirs.session.id}", {"capacity": 5}, key="same")
    assert response.status_code == 200 and response.get_json()["capacity"] == 5


def test_a_failed_write_is_not_kept_so_it_can_be_retried(client, ours):
    bookings = [book(ours.session) for _ in range(3)]
    url = f"/api/v1/sessions/{ours.session.id}"
    assert_problem(call(client, ours, "PATCH", url, {"capacity": 2}, key="retry-me"), 409)
    assert count(IdempotencyRecord) == 0
    cancel_booking(bookings[0], by=bookings[0].booked_by)
    db.session.commit()
    assert call(client, ours, "PATCH", url, {"capacity": 2}, key="retry-me").status_code == 200


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve", "tab\tkey"])
def test_a_malformed_key_is_400(client, ours, key):
    problem = assert_problem(call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 7},
                                  key=key), 400)
    assert problem["errors"] == [{"header": "Idempotency-Key",
                                  "detail": "Use 1 to 255 visible ASCII characters, such as a UUID."}]


def test_a_concurrent_twin_that_commits_first_wins_and_the_other_answers_with_its_result(client, ours, monkeypatch):
    """Two requests with one key both find no stored answer, both act; the unique key lets only the first
    commit. The second rolls back its own session and answers with the first one's."""
    starts = future(40)
    body = {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)), "capacity": 4}
    twin_answer = {"id": 12345, "note": "the twin's answer"}
    real_create = availability_api.sessions.create_session
    fingerprint = {}

    def create_while_the_twin_commits(*args, **kwargs):
        fingerprint["value"] = availability_api._fingerprint()
        with db.engine.begin() as other_connection:  # the twin, in its own transaction
            other_connection.execute(IdempotencyRecord.__table__.insert().values(
                provider_id=ours.provider.id, key="twins", request_fingerprint=fingerprint["value"],
                status_code=201, response_body=json.dumps(twin_answer), created_at=utcnow()))
        return real_create(*args, **kwargs)

    monkeypatch.setattr(availability_api.sessions, "create_session", create_while_the_twin_commits)
    before = count(Session)
    response = call(client, ours, "POST", f"/api/v1/offers/{ours.offer.id}/sessions", body, key="twins")
    assert (response.status_code, response.get_json()) == (201, twin_answer)
    assert response.headers["Idempotent-Replayed"] == "true"
    assert count(Session) == before
    assert count(IdempotencyRecord) == 1


# --- problems and the document ---------------------------------------------------------------------

def test_api_errors_are_problems_while_pages_keep_their_html_error_pages(client, ours):
    problem = assert_problem(call(client, ours, "GET", "/api/v1/nothing-here"), 404)
    assert problem["type"] == "about:blank" and problem["title"] == "Not Found"
    response = call(client, ours, "DELETE", f"/api/v1/sessions/{ours.session.id}")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}
    assert_problem(client.post("/api/v1/openapi.json"), 405)

    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html" and "Page not found" in page.text
    assert client.get("/local-offer/999999").mimetype == "text/html"


def test_a_lock_timeout_asks_to_try_again_and_keeps_nothing(client, ours, monkeypatch):
    def busy(*args, **kwargs):
        raise TryAgain()

    monkeypatch.setattr(availability_api.session_changes, "change_places", busy)
    response = call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 4}, key="busy")
    problem = assert_problem(response, 409)
    assert response.headers["Retry-After"] == "2" and problem["type"].endswith("try-again")
    assert count(IdempotencyRecord) == 0


def test_an_unexpected_failure_is_still_a_problem_and_rolls_back(app, client, ours, monkeypatch):
    """The safety net behind "no 5xx": if a bug slips through, the client still gets JSON, not a page."""
    def broken(session, *args, **kwargs):
        session.capacity = 1
        raise RuntimeError("a bug")

    monkeypatch.setattr(availability_api.session_changes, "change_places", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert_problem(call(client, ours, "PATCH", f"/api/v1/sessions/{ours.session.id}", {"capacity": 4}), 500)
    db.session.expire_all()
    assert db.session.get(Session, ours.session.id).capacity == 10


def test_the_openapi_document_is_generated_from_the_code_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/offers", "/api/v1/offers/{offer_id}/sessions", "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/bookings", "/api/v1/sessions/{session_id}/cancel",
    }
    assert set(document["paths"]["/api/v1/sessions/{session_id}"]) >= {"get", "patch"}
    session_schema = document["components"]["schemas"]["Session"]["properties"]
    assert set(session_schema) == set(availability_api.SessionSchema().fields)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    patch = document["paths"]["/api/v1/sessions/{session_id}"]["patch"]
    assert any(p["name"] == "Idempotency-Key" for p in patch["parameters"])
    assert PROBLEM in document["components"]["responses"]["NOT_FOUND"]["content"]


# --- Schemathesis ----------------------------------------------------------------------------------

EXAMPLES_PER_OPERATION = {"positive": 110, "negative": 50}


def _fuzz(operation, mode: str, client, auth: dict, ids: dict, sent: list) -> None:
    """Send one operation's generated requests. With ``steer``, the path names one of the given objects and
    a generated session gets times that the rules allow, so that requests reach the services rather than
    stopping at 404 or at validation."""
    @settings(max_examples=EXAMPLES_PER_OPERATION[mode], deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)),
           steer=st.booleans(), pick=st.integers(min_value=0, max_value=2),
           days=st.integers(min_value=1, max_value=90), hours=st.integers(min_value=1, max_value=48))
    def exercise(case, steer, pick, days, hours):
        if steer:
            for name in case.path_parameters or {}:
                if name in ids:
                    case.path_parameters[name] = ids[name][pick % len(ids[name])]
            if mode == "positive" and isinstance(case.body, dict) and "starts_at" in case.body:
                starts = utcnow() + timedelta(days=days)
                case.body.update(starts_at=iso(starts), ends_at=iso(starts + timedelta(hours=hours)))
        response = case.call(session=client, headers=auth)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        sent.append((operation.label, response.status_code))

    exercise()


def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_document(app, client, ours, theirs):
    """Positive and negative requests generated from /api/v1/openapi.json, sent with a valid token."""
    for n in range(3):
        book(ours.session, first_name=f"Child{n}", emergency_contact=None if n else "Jo 07700 900002")
    book(ours.later, support=SupportLevel.TWO_TO_ONE)
    ids = {"offer_id": [ours.offer.id, theirs.offer.id],
           "session_id": [ours.session.id, ours.later.id, theirs.session.id]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    sent = []
    started, cpu_started = time.monotonic(), time.process_time()
    for operation in operations:
        for mode in EXAMPLES_PER_OPERATION:
            _fuzz(operation, mode, client, ours.auth, ids, sent)
    statuses = {status for _, status in sent}
    print(f"\nSchemathesis: {len(sent)} generated requests in {time.monotonic() - started:.1f}s "
          f"({time.process_time() - cpu_started:.1f}s of CPU), answered {sorted(statuses)}")
    assert len(sent) >= 1000
    assert {label for label, _ in sent} == {operation.label for operation in operations}
    # The generated requests reached the services, not only the validation.
    assert {200, 201, 404, 409, 422} <= statuses
