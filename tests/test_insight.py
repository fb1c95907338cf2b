"""The commissioners' insight against a hand-built fixture: fill and uptake by every breakdown, and unmet demand
(waiting lists, full sessions, searches that found nothing, refusals by reason, the council's funding run out, and
children with no break for their need in their area), noted through the real pages and never naming anyone."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from budgets import services as money
from budgets.models import BudgetKind, financial_year
from insight import demand, uptake
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import LONDON, utcnow
from providers.models import (
    Attendance,
    Body,
    Booking,
    BookingStatus,
    DemandEvent,
    DemandKind,
    PaymentRoute,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from .factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory


def _year() -> int:
    return financial_year(money.today())


def _at(month: int, day: int, hour: int = 10) -> datetime:
    """A moment in this financial year, London time (stored in UTC)."""
    year = _year() + (month < 4)
    return datetime(year, month, day, hour, tzinfo=LONDON).astimezone(timezone.utc)


def _born(age_on_10_april: int) -> date:
    return date(_year() - age_on_10_april, 1, 1)


def _book(session, child, *, attendance=None, status=BookingStatus.CONFIRMED, carer=False):
    booking = Booking(session=session, child=None if carer else child, is_carer_place=carer,
                      booked_by_id=child.parent_id, group_ref=str(uuid.uuid4()), status=status, funding="free",
                      attendance=attendance)
    db.session.add(booking)
    return booking


@pytest.fixture
def world(app):
    north, east = LocalityFactory(name="North"), LocalityFactory(name="East")
    acorn, birch = ProviderFactory(name="Acorn Play"), ProviderFactory(name="Birch Care")
    club = OfferFactory(provider=acorn, locality=north, tier=Tier.UNIVERSAL, min_age=5, max_age=10, needs=["autism"])
    nights = OfferFactory(provider=birch, locality=east, tier=Tier.SPECIALIST, min_age=11, max_age=17,
                          needs=["physical"], payment_route=PaymentRoute.PERSONAL_BUDGET, price_pence=5000)
    april = SessionFactory(offer=club, starts_at=_at(4, 10), capacity=10)
    may = SessionFactory(offer=club, starts_at=_at(5, 15), capacity=6)
    SessionFactory(offer=club, starts_at=_at(5, 22), capacity=50, status=SessionStatus.CANCELLED)  # not offered
    SessionFactory(offer=club, starts_at=_at(4, 10) - timedelta(days=365), capacity=99)  # last year
    overnight = SessionFactory(offer=nights, starts_at=_at(6, 5, hour=17), capacity=4)

    ali = ChildFactory(first_name="Ali", date_of_birth=_born(8), needs=["autism"], locality=north)
    bea = ChildFactory(first_name="Bea", date_of_birth=_born(6), needs=["autism", "adhd"], locality=north)
    cy = ChildFactory(first_name="Cy", date_of_birth=_born(13), needs=["physical"], locality=east)
    _book(april, ali, attendance=Attendance.ATTENDED)
    _book(april, bea, attendance=Attendance.DID_NOT_ATTEND)
    _book(april, ali, carer=True)  # a carer's place: not a child's break
    _book(may, ali)  # booked, register not marked
    _book(may, bea, status=BookingStatus.CANCELLED)  # cancelled: not booked
    _book(overnight, cy, attendance=Attendance.ATTENDED)
    db.session.commit()
    return {"north": north, "east": east, "acorn": acorn, "birch": birch, "club": club, "nights": nights,
            "april": april, "may": may, "overnight": overnight, "ali": ali, "bea": bea, "cy": cy}


def _line(lines, key):
    [line] = [line for line in lines if line.key == key]
    return (line.offered, line.booked, line.attended, line.no_shows)


def test_fill_and_uptake_by_every_breakdown(world):
    figures = uptake.uptake(_year())
    assert (figures.total.offered, figures.total.booked, figures.total.attended, figures.total.no_shows) == \
        (20, 4, 2, 1)
    assert figures.total.fill_percent == 20 and figures.total.attendance_percent == 67
    by = figures.by
    assert _line(by["tier"], "universal") == (16, 3, 1, 1) and _line(by["tier"], "specialist") == (4, 1, 1, 0)
    assert _line(by["locality"], str(world["north"].id)) == (16, 3, 1, 1)
    assert _line(by["provider"], str(world["birch"].id)) == (4, 1, 1, 0)
    # Offered and booked alike: for each need the break supports (Bea's ADHD is not one the club names).
    assert _line(by["need"], "autism") == (16, 3, 1, 1)
    assert _line(by["need"], "physical") == (4, 1, 1, 0)
    assert "adhd" not in [line.key for line in by["need"]]
    # Offered: each age band the break's ages reach into; booked: the child's band on the day.
    assert _line(by["age"], "5-10") == (16, 3, 1, 1)
    assert _line(by["age"], "11-15") == (4, 1, 1, 0) and _line(by["age"], "16-17") == (4, 0, 0, 0)
    assert _line(by["age"], "0-4") == (0, 0, 0, 0)
    year = _year()
    assert [line.key for line in by["month"]][:3] == [f"{year}-04", f"{year}-05", f"{year}-06"]
    assert _line(by["month"], f"{year}-04") == (10, 2, 1, 1) and _line(by["month"], f"{year}-05") == (6, 1, 0, 0)
    assert _line(by["month"], f"{year}-06") == (4, 1, 1, 0)


def test_the_uptake_page_and_its_csv(world, client_as):
    client = client_as(UserFactory(role=Role.COUNCIL))
    page = client.get("/insight/uptake?by=tier")
    assert page.status_code == 200
    row = page.text[page.text.index("<tbody"):]
    assert "Universal" in row and "Specialist" in row
    assert "19%" in row and "25%" in row  # 3 of 16 universal places booked, 1 of 4 specialist
    assert "Ali" not in page.text and "Bea" not in page.text
    rows = list(csv.reader(io.StringIO(client.get("/insight/uptake.csv").get_data(as_text=True))))
    assert rows[0] == ["dimension", "key", "name", "places_offered", "places_booked", "attended", "no_shows",
                       "fill_percent", "attendance_percent"]
    assert ["locality", str(world["north"].id), "North", "16", "3", "1", "1", "19", "50"] in rows
    assert ["need", "autism", "Autism", "16", "3", "1", "1", "19", "50"] in rows
    assert rows[-1] == ["all", "", "All breaks", "20", "4", "2", "1", "20", "67"]


# --- unmet demand -----------------------------------------------------------------------------------------------

def _events(kind: DemandKind) -> list[DemandEvent]:
    return db.session.scalars(select(DemandEvent).where(DemandEvent.kind == kind).order_by(DemandEvent.id)).all()


def test_a_search_that_finds_nothing_is_noted_by_its_filters_never_its_words(world, client, client_as):
    # Not signed in (a search engine following the filter links, or anyone): not counted as a family looking.
    assert client.get("/local-offer?need=vision").status_code == 200
    assert _events(DemandKind.SEARCH_EMPTY) == []
    family = client_as(UserFactory())
    assert family.get("/local-offer?need=hearing&q=Zebedee+Smith&age=3").status_code == 200
    assert family.get("/local-offer?need=hearing&q=Zebedee+Smith&age=3").status_code == 200  # again: counted once
    assert family.get("/local-offer?need=autism").status_code == 200  # found the club: not noted
    [event] = _events(DemandKind.SEARCH_EMPTY)
    assert event.filters == {"need": ["hearing"], "age": 3, "words": True}
    assert "Zebedee" not in str(event.filters)
    assert {column.name for column in DemandEvent.__table__.columns}.isdisjoint(
        {"user_id", "child_id", "family_id", "booked_by_id", "email", "words", "q"})


def test_the_booking_pages_note_each_reason_a_child_cannot_go_once_a_day(world, client_as):
    parent = UserFactory()
    too_young = ChildFactory(parent=parent, date_of_birth=_born(8), needs=["physical"])
    unassessed = ChildFactory(parent=parent, date_of_birth=_born(13), needs=["physical"])
    later = SessionFactory(offer=world["nights"], starts_at=utcnow() + timedelta(days=20), capacity=4)
    db.session.commit()
    client = client_as(parent)
    for _reload in range(3):
        assert client.get(f"/sessions/{later.id}/book").status_code == 200
    refused = _events(DemandKind.REFUSED)
    assert sorted(e.reason for e in refused) == ["age", "no_assessment"]
    assert {(e.offer_id, e.tier, e.locality_id, e.noted_on) for e in refused} == {
        (world["nights"].id, "specialist", world["east"].id, money.today())}
    assert too_young.id and unassessed.id
    # A family with a child who can go: a sibling too young is not a refusal (they came to book for the other).
    other = UserFactory()
    ChildFactory(parent=other, date_of_birth=_born(8))
    assessed = ChildFactory(parent=other, date_of_birth=_born(13))
    db.session.add(Assessment(child=assessed, status=AssessmentStatus.APPROVED, reason="Needs",
                              recorded_by_id=UserFactory(role=Role.TRUST).id))
    db.session.commit()
    assert client_as(other).get(f"/sessions/{later.id}/book").status_code == 200
    assert len(_events(DemandKind.REFUSED)) == 2


def test_full_sessions_refusals_over_budget_and_funding_run_out_are_noted(world, client_as, app):
    trust = UserFactory(role=Role.TRUST)
    council = UserFactory(role=Role.COUNCIL)
    parent = UserFactory()
    cy = ChildFactory(parent=parent, first_name="Cy", date_of_birth=_born(13), needs=["physical"],
                      locality=world["east"])
    db.session.add(Assessment(child=cy, status=AssessmentStatus.APPROVED, reason="Needs", recorded_by_id=trust.id))
    today = money.today()
    money.allocate_budget(cy, kind=BudgetKind.MANAGED, amount_pence=1000, starts_on=today,
                          ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=30),
                          reasons="Panel", by=trust)
    later = SessionFactory(offer=world["nights"], starts_at=utcnow() + timedelta(days=20), capacity=4)
    # A council-funded club, with the council's envelope for the year set at nothing.
    funded = OfferFactory(locality=world["north"], payment_route=PaymentRoute.COUNCIL_FUNDED, price_pence=2000,
                          min_age=5, max_age=17)
    funded_session = SessionFactory(offer=funded, starts_at=utcnow() + timedelta(days=20), capacity=1)
    money.set_envelope(Body.COUNCIL, financial_year(today), 0, by=council, reason="Nothing this year")
    db.session.commit()
    client = client_as(parent)
    # £50 a night, £10 in the budget: refused, over budget.
    refused = client.post(f"/sessions/{later.id}/book", data={"children": [cy.id], "funding": "personal_budget",
                                                               "carer_places": "0"})
    assert refused.status_code == 409
    assert [e.reason for e in _events(DemandKind.REFUSED)] == ["over_budget"]
    # The council-funded club: its page says the funding has run out.
    assert client.get(f"/sessions/{funded_session.id}/book").status_code == 200
    assert [e.offer_id for e in _events(DemandKind.FUNDING_EXHAUSTED)] == [funded.id]
    # Full: the last place goes to someone else; this family finds it full, then goes to the waiting list.
    other = UserFactory()
    _book(funded_session, ChildFactory(parent=other))
    funded_session.places_taken = 1
    db.session.commit()
    assert client.get(f"/sessions/{funded_session.id}/waiting-list").status_code == 200
    assert client.get(f"/sessions/{funded_session.id}/waiting-list").status_code == 200
    assert [e.offer_id for e in _events(DemandKind.FULL)] == [funded.id]


def test_unmet_demand_from_a_hand_built_fixture(world, client_as):
    year, today = _year(), money.today()
    # Waiting now, for sessions to come: two families for the club (3 and 10 days), one for the overnight (1 day).
    coming_club = SessionFactory(offer=world["club"], starts_at=utcnow() + timedelta(days=9), capacity=1)
    coming_nights = SessionFactory(offer=world["nights"], starts_at=utcnow() + timedelta(days=9), capacity=1)
    series_family = UserFactory()  # waiting on two of the club's sessions: one family waiting
    next_club = SessionFactory(offer=world["club"], starts_at=utcnow() + timedelta(days=16), capacity=1)
    for session, days, places, family in ((coming_club, 3, 1, series_family), (next_club, 3, 1, series_family),
                                          (coming_club, 10, 2, UserFactory()), (coming_nights, 1, 1, UserFactory())):
        db.session.add(WaitingListEntry(session=session, family=family, child_ids=[], places=places,
                                        status=WaitingStatus.WAITING, joined_at=utcnow() - timedelta(days=days)))
    # A family who left the list does not count.
    db.session.add(WaitingListEntry(session=coming_club, family=UserFactory(), child_ids=[], places=1,
                                    status=WaitingStatus.LEFT, joined_at=utcnow() - timedelta(days=30)))
    now = today
    last_year = today - timedelta(days=400)
    db.session.add_all([
        DemandEvent(kind=DemandKind.FULL, offer_id=world["club"].id, tier="universal",
                    locality_id=world["north"].id, noted_on=now),
        DemandEvent(kind=DemandKind.FULL, offer_id=world["club"].id, tier="universal",
                    locality_id=world["north"].id, noted_on=last_year),  # another year
        DemandEvent(kind=DemandKind.REFUSED, reason="age", tier="specialist", locality_id=world["east"].id, noted_on=now),
        DemandEvent(kind=DemandKind.REFUSED, reason="age", tier="universal", locality_id=world["north"].id, noted_on=now),
        DemandEvent(kind=DemandKind.REFUSED, reason="no_assessment", tier="specialist",
                    locality_id=world["east"].id, noted_on=now),
        DemandEvent(kind=DemandKind.FUNDING_EXHAUSTED, tier="universal", locality_id=world["north"].id, noted_on=now),
        DemandEvent(kind=DemandKind.SEARCH_EMPTY, filters={"need": ["hearing", "vision"], "age": 3}, noted_on=now),
        DemandEvent(kind=DemandKind.SEARCH_EMPTY, filters={"need": ["hearing"], "tier": ["specialist"]}, noted_on=now),
    ])
    # Children at home: with no break for their need in their own area, or with one.
    ChildFactory(needs=["physical"], date_of_birth=_born(8), locality=world["north"])  # North has no physical
    ChildFactory(needs=["autism"], date_of_birth=date(today.year - 14, 1, 1), locality=world["north"])  # too old
    ChildFactory(needs=["autism"], date_of_birth=date(today.year - 7, 1, 1), locality=world["north"])  # the club
    ChildFactory(needs=["physical"], date_of_birth=date(today.year - 13, 1, 1), locality=world["east"])  # nights
    ChildFactory(needs=["physical"], date_of_birth=_born(8), locality=None)  # nowhere known: not counted
    db.session.commit()

    found = demand.unmet_demand(year, today)
    assert [(w.key, w.families, w.places, w.median_days, w.longest_days) for w in found.waiting_by_tier] == [
        ("specialist", 1, 1, 1, 1), ("universal", 2, 4, 3, 10)]  # two families; the median of 3, 3 and 10 days
    assert found.waiting_families == 3
    assert found.waiting_median_days == 3  # over every entry: 1, 3, 3 and 10 days (the statement's gaps)
    assert found.full_by_tier == {"universal": 1} and found.full_by_locality == {str(world["north"].id): 1}
    assert found.refusals == {"age": 2, "no_assessment": 1}
    assert found.refusals_by_tier == {"specialist": 2, "universal": 1}
    assert found.funding_exhausted == 1 and found.funding_exhausted_by_locality == {str(world["north"].id): 1}
    assert found.searches == 2
    assert found.searches_by["need"] == {"hearing": 2, "vision": 1}
    assert found.searches_by["age"] == {"0-4": 1} and found.searches_by["tier"] == {"specialist": 1}
    # North: the physical child (no break for it) and Ali and Bea's... the fixture's world children too.
    gaps = {(g.locality_id, g.need): g.children for g in found.no_break}
    assert gaps[(world["north"].id, "physical")] == 1
    assert gaps[(world["north"].id, "autism")] == 1  # the 14-year-old: the club is for 5 to 10
    assert gaps[(world["north"].id, "adhd")] == 1  # Bea: nothing in North says it supports ADHD
    assert (world["east"].id, "physical") not in gaps

    client = client_as(UserFactory(role=Role.TRUST))
    page = client.get("/insight/demand")
    assert page.status_code == 200
    for words in ("Families on a waiting list now", "Searches that found nothing", "Deaf or hearing impairment",
                  "The child’s age is outside the break’s ages", "No assessment for specialist breaks"):
        assert words in page.text
    rows = list(csv.reader(io.StringIO(client.get("/insight/demand.csv").get_data(as_text=True))))
    assert ["waiting_list", "tier", "universal", "Universal", "2", "4", "3", "10"] in rows
    assert ["refused", "reason", "age", "The child’s age is outside the break’s ages", "2", "", "", ""] in rows
    assert ["search_found_nothing", "need", "hearing", "Deaf or hearing impairment", "2", "", "", ""] in rows
    assert ["no_break_nearby", "locality_need", f"{world['north'].id}:physical", "North: Physical disability", "1", "", "",
            ""] in rows
