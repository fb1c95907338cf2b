"""The "So what?" summary against a hand-built fixture of last financial year (every session in it is over): money
spent, children reached, places, hours and nights, what families said (only where enough families answered), and
what was missing, by tier and by locality; as a page, a CSV and a tagged PDF read back with pdftotext, naming no one
and showing small counts of people as "fewer than 5"."""
from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from budgets import ledger
from budgets import services as money
from budgets.ledger import Dims, envelope_account
from budgets.models import EntryKind, Envelope, financial_year
from feedback.models import Feedback
from insight import summary
from portal.extensions import db
from portal.models import Role
from portal.timeutil import LONDON
from providers.models import (
    Attendance,
    Body,
    BookingStatus,
    DemandEvent,
    DemandKind,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from .factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from .leaks import english_leaks
from .test_insight import _book  # a place as the register left it


def _last_year() -> int:
    return financial_year(money.today()) - 1


def _at(month: int, day: int, hour: int = 10) -> datetime:
    """A moment in last financial year, London time (stored in UTC)."""
    year = _last_year() + (month < 4)
    return datetime(year, month, day, hour, tzinfo=LONDON).astimezone(timezone.utc)


def _feedback(booking, rating, child_outcomes, carer_outcomes, *, by=None):
    db.session.add(Feedback(booking=booking, offer_id=booking.session.offer_id,
                            provider_id=booking.session.offer.provider_id, given_by_id=by or booking.booked_by_id,
                            rating=rating, child_outcomes=child_outcomes, carer_outcomes=carer_outcomes))


def _spend(body: Body, pence: int, dims: Dims, *, spent=True):
    envelope = db.session.query(Envelope).filter_by(body=body, year=_last_year()).one_or_none()
    if envelope is None:
        envelope = Envelope(body=body, year=_last_year(), amount_pence=1_000_000)
        db.session.add(envelope)
        db.session.flush()
    target = envelope_account(envelope, "spent" if spent else "committed")
    ledger.move(EntryKind.DELIVERY if spent else EntryKind.COMMITMENT, pence, envelope_account(envelope, "available"),
                target, envelope_id=envelope.id, dims=dims, reason="fixture", by=None, at=_at(6, 1))


@pytest.fixture
def world(app):
    app.config["FEEDBACK_ANONYMITY_THRESHOLD"] = 2
    north, east = LocalityFactory(name="North"), LocalityFactory(name="East")
    acorn, birch = ProviderFactory(name="Acorn Play"), ProviderFactory(name="Birch Care")
    club = OfferFactory(provider=acorn, locality=north, tier=Tier.UNIVERSAL, min_age=5, max_age=10, needs=["autism"])
    nights = OfferFactory(provider=birch, locality=east, tier=Tier.SPECIALIST, min_age=11, max_age=17,
                          needs=["physical"])
    june = SessionFactory(offer=club, starts_at=_at(6, 10), ends_at=_at(6, 10, 13))  # 3 hours
    july = SessionFactory(offer=club, starts_at=_at(7, 10), ends_at=_at(7, 10, 12))  # 2 hours
    called_off = SessionFactory(offer=club, starts_at=_at(7, 17), status=SessionStatus.CANCELLED)
    # Friday 5pm to Sunday 10am: the nights of Friday and Saturday, 41 hours.
    weekend = SessionFactory(offer=nights, starts_at=_at(8, 7, 17), ends_at=_at(8, 9, 10))
    this_year = SessionFactory(offer=club, starts_at=_at(6, 10) + timedelta(days=365))

    names = ["Zorawar", "Ysolde", "Xanthe", "Wilhelmina", "Valdemar"]
    zor = ChildFactory(first_name=names[0], date_of_birth=date(_last_year() - 8, 1, 1), locality=north)
    ysolde = ChildFactory(first_name=names[1], date_of_birth=date(_last_year() - 7, 1, 1), locality=north)
    xan = ChildFactory(first_name=names[2], date_of_birth=date(_last_year() - 13, 1, 1), needs=["physical"],
                       locality=east)
    wil = ChildFactory(first_name=names[3], date_of_birth=date(_last_year() - 14, 1, 1), needs=["physical"],
                       locality=east)
    # Lives in the North, needs a break for a physical disability: none is held there (nor one for any need).
    ChildFactory(first_name=names[4], needs=["physical"], locality=north)

    club_place = _book(june, zor, attendance=Attendance.ATTENDED)
    _book(june, ysolde, attendance=Attendance.DID_NOT_ATTEND)  # missed: not reached
    _book(june, zor, carer=True)  # a carer's place: not a child's break
    _book(july, zor)  # register not marked: delivered
    _book(july, ysolde, status=BookingStatus.CANCELLED)
    _book(called_off, ysolde)  # the session was cancelled
    _book(this_year, ysolde)  # another year
    xan_place = _book(weekend, xan, attendance=Attendance.ATTENDED)
    wil_place = _book(weekend, wil, attendance=Attendance.ATTENDED)
    db.session.flush()

    _feedback(club_place, 3, ["enjoyment"], ["rest"])  # one family only: not shown
    _feedback(xan_place, 5, ["enjoyment", "friendships"], ["rest"])
    _feedback(wil_place, 4, ["enjoyment"], [])

    _spend(Body.COUNCIL, 1_500, Dims.of_offer(club))
    _spend(Body.TRUST, 10_000, Dims.of_offer(nights))
    _spend(Body.TRUST, 2_500, ledger.NO_DIMS)  # a direct payment spent: tied to no break
    _spend(Body.TRUST, 99_900, Dims.of_offer(nights), spent=False)  # committed, not spent

    day = _at(9, 1).date()
    events = [DemandEvent(noted_on=day, kind=DemandKind.FULL, tier="specialist", locality_id=east.id),
              DemandEvent(noted_on=day, kind=DemandKind.FULL, tier="specialist", locality_id=east.id),
              DemandEvent(noted_on=day, kind=DemandKind.REFUSED, reason="over_budget", tier="specialist"),
              DemandEvent(noted_on=day, kind=DemandKind.FUNDING_EXHAUSTED, tier="universal", locality_id=north.id),
              DemandEvent(noted_on=day, kind=DemandKind.SEARCH_EMPTY,
                          filters={"tier": ["universal"], "locality": [north.id]}),
              DemandEvent(noted_on=day + timedelta(days=365), kind=DemandKind.FULL, tier="universal",
                          locality_id=north.id)]  # this year
    db.session.add_all(events)
    db.session.commit()
    return {"north": north, "east": east, "names": names, "club": club, "nights": nights}


def _line(lines, key):
    return next(line for line in lines if line.key == str(key))


def test_what_breaks_reached_by_tier_and_locality(world):
    found = summary.summary(_last_year(), money.today(), current=False)
    universal, specialist = _line(found.tiers, "universal"), _line(found.tiers, "specialist")
    assert (universal.children, universal.places, universal.hours, universal.nights) == (1, 2, 5, 0)
    assert (specialist.children, specialist.places, specialist.hours, specialist.nights) == (2, 2, 82, 4)
    assert (universal.spent, specialist.spent, _line(found.tiers, "targeted").spent) == (1_500, 10_000, 0)
    assert (found.total.spent, found.spent_not_tied) == (14_000, 2_500)
    north, east = _line(found.localities, world["north"].id), _line(found.localities, world["east"].id)
    assert (north.children, north.places, north.hours, north.spent) == (1, 2, 5, 1_500)
    assert (east.children, east.nights, east.spent) == (2, 4, 10_000)
    assert (found.total.children, found.total.places, found.total.hours, found.total.nights) == (3, 4, 87, 4)


def test_what_families_said_and_what_was_missing(world):
    found = summary.summary(_last_year(), money.today(), current=False)
    specialist, universal = _line(found.tiers, "specialist"), _line(found.tiers, "universal")
    assert (specialist.responses, specialist.families_answering, specialist.average_tenths) == (2, 2, 45)
    assert specialist.child_percent("enjoyment") == 100 and specialist.child_percent("friendships") == 50
    assert specialist.carer_percent("rest") == 50 and specialist.carer_percent("work") == 0
    assert (universal.responses, universal.families_answering) == (1, 1)
    assert (found.total.responses, found.total.average_tenths) == (3, 40)

    assert (specialist.full, specialist.refused, universal.searches, universal.full) == (2, 1, 1, 0)
    north, east = _line(found.localities, world["north"].id), _line(found.localities, world["east"].id)
    assert (north.funding_exhausted, north.searches, north.no_break, east.full, east.no_break) == (1, 1, 1, 2, 0)
    assert north.refused is None  # a refusal is not kept by locality
    assert specialist.waiting is None and found.total.waiting is None  # waiting lists are today's: not last year's
    assert (found.total.full, found.total.refused, found.total.searches, found.total.funding_exhausted) == (2, 1, 1, 1)


def test_the_page_shows_the_summary_without_naming_anyone(world, client_as):
    council = client_as(UserFactory(role=Role.COUNCIL, name="Dr Priya Shah"))
    page = council.get(f"/insight/summary?year={_last_year()}")
    assert page.status_code == 200
    text = page.text
    assert "What short breaks achieved" in text and "£100.00" in text and "£140.00" in text
    assert "of which £25.00 from personal budgets and direct payments" in text
    assert "4.5" in text  # the specialist rating: two families answered
    assert "3.0" not in text  # the universal one: one family only
    assert text.count("fewer than 5") >= 3  # children reached in each tier and in all, the child with no break
    assert "Families waiting now" not in text  # last year: there is no waiting list to show
    assert not any(name in text for name in world["names"])
    assert "Families waiting now" in council.get("/insight/summary").text  # this year's


def test_the_csv_gives_the_same_figures_with_small_counts_hidden(world, client_as):
    council = client_as(UserFactory(role=Role.TRUST))
    response = council.get(f"/insight/summary.csv?year={_last_year()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {(row["dimension"], row["key"]): row for row in csv.DictReader(io.StringIO(response.text))}
    specialist = rows[("tier", "specialist")]
    assert (specialist["spent_pounds"], specialist["children_reached"], specialist["hours"],
            specialist["nights_away"]) == ("100.00", "<5", "82", "4")
    assert (specialist["average_rating"], specialist["child_enjoyment_percent"]) == ("4.5", "100")
    assert rows[("tier", "universal")]["average_rating"] == ""  # one family: not shown
    north = rows[("locality", str(world["north"].id))]
    assert (north["children_with_no_break_nearby"], north["council_funding_ran_out"], north["refused"]) == ("<5", "1", "")
    assert rows[("all", "all")]["spent_pounds"] == "140.00"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_pdf_is_tagged_and_reads_back(world, client_as, tmp_path):
    council = client_as(UserFactory(role=Role.COUNCIL))
    response = council.get(f"/insight/summary.pdf?year={_last_year()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "so-what-summary" in response.headers["Content-Disposition"]
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "What short breaks achieved" in text and "By locality" in text and "East" in text
    assert "4.5" in text and "£100.00" in text and "fewer than 5" in text
    assert not any(name in text for name in world["names"])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info


def test_a_year_with_nothing_in_it_shows_zeros_not_an_error(app, client_as):
    council = client_as(UserFactory(role=Role.COUNCIL))
    page = council.get(f"/insight/summary?year={_last_year()}")
    assert page.status_code == 200 and "£0.00" in page.text
    assert "Too few families have answered to show what they said." in page.text


def test_waiting_families_count_in_this_years_summary(app):
    club = OfferFactory(tier=Tier.TARGETED)
    session = SessionFactory(offer=club)
    family = UserFactory()
    db.session.add(WaitingListEntry(session=session, family_id=family.id, child_ids=[], places=1,
                                    status=WaitingStatus.WAITING))
    db.session.commit()
    found = summary.summary(financial_year(money.today()), money.today(), current=True)
    assert _line(found.tiers, "targeted").waiting == 1 and found.total.waiting == 1
    assert _line(found.localities, club.locality_id).waiting == 1


def test_the_summary_is_in_the_readers_language(world, client_as):
    """In Urdu, right to left: no English message is left in it (the catalogs' own check makes sure each language
    translates every message; this makes sure the page asks for each through them)."""
    code = "ur"
    council = client_as(UserFactory(role=Role.COUNCIL, name="Dr Priya Shah"))
    page = council.get(f"/insight/summary?year={_last_year()}&lang={code}")
    assert page.status_code == 200 and f'lang="{code}"' in page.text and 'dir="rtl"' in page.text
    main = page.text[page.text.index("<main"):page.text.index("</main>")]
    assert english_leaks(html.unescape(re.sub(r"<[^>]+>", " ", main)), code) == []  # the words, not the markup
    csv_text = council.get(f"/insight/summary.csv?year={_last_year()}").text
    assert not csv_text.startswith("dimension,")  # the headings are translated too
