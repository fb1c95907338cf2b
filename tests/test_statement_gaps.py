"""The statement's gaps families met (issue #13), from the commissioners' unmet-demand figures (insight.demand)
against a hand-built fixture: families on waiting lists and how long they have waited, sessions full at booking,
searches that found nothing and the needs most searched for, refusals by reason, the council's funding run out, and
the localities and needs where children have no break for their need nearby.

The statement is public, so a count of children or families below 5 reads "fewer than 5" and no child is named; a
published version keeps its figures as they were; a version published before the gaps were reported still reads."""
from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from html import unescape

import pytest
from flask import current_app
from sqlalchemy import update

from budgets.dashboard import month_name
from budgets.models import financial_year
from portal import page_cache
from portal.extensions import db
from portal.models import Role
from portal.timeutil import london_today, utcnow
from providers.models import DemandEvent, DemandKind, Tier, WaitingListEntry, WaitingStatus
from statements.document import GAP_ROWS, build_range, document_html, render_pdf
from statements.models import LANGUAGES, FilePart

from .factories import ChildFactory, LocalityFactory, OfferFactory, SessionFactory, UserFactory
from .test_statement_pdf import draft, flat, publish

HEADING = "Gaps families have met this year"
# Needs searched for without finding a break, and how often: health is sixth, so not among the five shown.
SEARCHED = {"hearing": 6, "vision": 5, "autism": 4, "physical": 3, "adhd": 2, "health": 1}
SEARCHES = sum(SEARCHED.values()) + 1  # and one search with no need chosen
CHILDREN_NAMES = ["Zebedee", "Marigold", "Peregrine", "Clementine", "Barnaby", "Henrietta", "Ignatius", "Octavia",
                  "Rupert", "Wilhelmina", "Percival"]


def born(age: int) -> date:
    """A birthday that makes a child ``age`` today."""
    return date(london_today().year - age, 1, 1)


def wait(session, family, days: int) -> WaitingListEntry:
    entry = WaitingListEntry(session=session, family=family, child_ids=[], places=1, status=WaitingStatus.WAITING,
                             joined_at=utcnow() - timedelta(days=days))
    db.session.add(entry)
    return entry


def text_of(html: str) -> str:
    return flat(unescape(re.sub(r"<[^>]+>", " ", html)))


def gaps_part(html: str) -> str:
    return html.split('id="gaps"', 1)[1].split("</section>", 1)[0]


def table_rows(html: str) -> list[list[str]]:
    """The body rows of the table of localities and needs with no break nearby, as the text of each cell."""
    table = html.split('class="govuk-table statement-no-break"', 1)[1].split("</table>", 1)[0]
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody", 1)[1], re.S)]


@pytest.fixture
def world(app):
    """North has a published club for autistic children aged 5 to 10 and nothing else; East and South have none.
    Six families wait for the club's next session (2 to 12 days); signs of unmet demand were noted this year (and
    one last year, which does not count)."""
    north, east, south = LocalityFactory(name="North"), LocalityFactory(name="East"), LocalityFactory(name="South")
    club = OfferFactory(title="Autism Saturday Club", locality=north, tier=Tier.UNIVERSAL, min_age=5, max_age=10,
                        needs=["autism"])
    names = iter(CHILDREN_NAMES)
    children = []
    # North: six with a physical disability (no break for it), two autistic 8-year-olds (the club), one autistic
    # 14-year-old (too old for it). East: three deaf children. South: one blind child.
    for locality, need, age, count in ((north, "physical", 8, 6), (north, "autism", 8, 2), (north, "autism", 14, 1),
                                       (east, "hearing", 9, 3), (south, "vision", 6, 1)):
        for _ in range(count):
            children.append(ChildFactory(first_name=next(names, "Ottoline"), last_name="Fairweather-Quince",
                                         needs=[need], date_of_birth=born(age), locality=locality))
    coming = SessionFactory(offer=club, starts_at=utcnow() + timedelta(days=9), capacity=1)
    families = [UserFactory() for _ in range(6)]
    for family, days in zip(families, (2, 4, 6, 8, 10, 12)):
        wait(coming, family, days)
    today = london_today()
    events = [DemandEvent(kind=DemandKind.FULL, tier="universal", locality_id=north.id, noted_on=today)
              for _ in range(3)]
    events.append(DemandEvent(kind=DemandKind.FULL, tier="universal", locality_id=north.id,
                              noted_on=today - timedelta(days=400)))  # another year
    for need, count in SEARCHED.items():
        events += [DemandEvent(kind=DemandKind.SEARCH_EMPTY, filters={"need": [need]}, noted_on=today)
                   for _ in range(count)]
    events.append(DemandEvent(kind=DemandKind.SEARCH_EMPTY, filters={"age": 9}, noted_on=today))
    for reason, tier, count in (("age", "universal", 2), ("no_assessment", "specialist", 1)):
        events += [DemandEvent(kind=DemandKind.REFUSED, reason=reason, tier=tier, noted_on=today)
                   for _ in range(count)]
    events += [DemandEvent(kind=DemandKind.FUNDING_EXHAUSTED, tier="targeted", locality_id=north.id, noted_on=today)
               for _ in range(2)]
    db.session.add_all(events)
    db.session.commit()
    return {"north": north, "east": east, "south": south, "club": club, "coming": coming, "children": children,
            "families": families, "today": today}


def public_statement(client) -> str:
    page = client.get("/statement")
    assert page.status_code == 200
    return page.text


def published_now():
    """Version 1, published with its figures frozen as they are now (the stored PDFs stand in: not read here)."""
    return publish(draft(), {(language, part): b"%PDF-1.7 stand-in" for language in LANGUAGES for part in FilePart})


# --- what the statement says ---------------------------------------------------------------------------------------

def test_the_commissioners_preview_shows_the_gaps_families_met(world, client_as):
    statement = draft()
    db.session.commit()
    page = client_as(UserFactory(role=Role.COUNCIL)).get(f"/commissioning/statement/{statement.id}/preview")
    assert page.status_code == 200
    # A part of its own, listed in the contents, right after the range.
    assert re.search(r'href="#range">[^<]*</a></li>\s*<li><a class="govuk-link" href="#gaps">' + HEADING, page.text)
    gaps = text_of(gaps_part(page.text))
    year = financial_year(world["today"])
    assert f"These figures are for 1 April {year} to 31 March {year + 1}, up to " in gaps
    assert "6 families were on a waiting list for a break on " in gaps
    assert "Half of them had waited 7 days or more." in gaps  # the median of 2, 4, 6, 8, 10 and 12 days
    assert "Families found a session full when they came to book it 3 times this year." in gaps  # not last year's
    assert f"{SEARCHES} searches of the local offer found no breaks this year." in gaps
    needs = re.findall(r"<li>([^<]*searche?s?)</li>", gaps_part(page.text))
    assert needs == ["Deaf or hearing impairment: 6 searches", "Blind or visual impairment: 5 searches",
                     "Autism: 4 searches", "Physical disability: 3 searches", "ADHD: 2 searches"]
    assert "Complex health needs" not in gaps
    assert "3 bookings were refused this year. The reasons were:" in gaps
    assert "The child was outside the ages the break is for: 2" in gaps
    assert "The break is a specialist break and the child had no assessment for one: 1" in gaps
    assert "personal budget" not in gaps  # no refusal for money
    month = month_name(f"{world['today']:%Y-%m}")
    assert (f"The council's short breaks funding for the year ran out in {month}. "
            "Since then, 2 attempts to book a place the council pays for could not go ahead.") in gaps
    # The biggest gap first; the small ones, each "fewer than 5", by locality.
    assert table_rows(page.text) == [["North", "Physical disability", "6"], ["East", "Deaf or hearing impairment",
                                      "fewer than 5"], ["North", "Autism", "fewer than 5"],
                                     ["South", "Blind or visual impairment", "fewer than 5"]]
    assert "more localities" not in gaps


def test_small_counts_read_fewer_than_5_and_no_child_or_family_is_named(world, client):
    published_now()
    html = public_statement(client)
    gaps = gaps_part(html)
    rows = {(locality, need): children for locality, need, children in table_rows(html)}
    assert rows[("East", "Deaf or hearing impairment")] == "fewer than 5"  # three children
    assert rows[("South", "Blind or visual impairment")] == "fewer than 5"  # one
    assert rows[("North", "Autism")] == "fewer than 5"  # the one too old for the club
    assert not re.search(r"<td[^>]*>\s*[1-4]\s*</td>", gaps)
    for child in world["children"]:
        assert child.first_name not in html and child.last_name not in html
    for family in world["families"]:
        assert family.name not in html and family.email not in html
    # Families waiting, too: two families read "fewer than 5 families" (the plural a count of 5 takes).
    for family in world["families"][2:]:
        db.session.execute(update(WaitingListEntry).where(WaitingListEntry.family_id == family.id)
                           .values(status=WaitingStatus.LEFT))
    db.session.commit()
    few = text_of(gaps_part(document_html(draft(version=2), "en")))
    assert "fewer than 5 families were on a waiting list for a break on " in few
    assert "2 families" not in few


def test_a_published_version_keeps_its_figures_as_they_were(world, client):
    statement = published_now()
    json.dumps(statement.range_snapshot["demand"])  # frozen as plain data
    assert {row["locality"] for row in statement.range_snapshot["demand"]["no_break"]} == {"North", "East", "South"}
    # After publishing: more families wait, more searches find nothing, more deaf children, North is renamed.
    later = [UserFactory() for _ in range(4)]
    for family in later:
        wait(world["coming"], family, 1)
    db.session.add_all([DemandEvent(kind=DemandKind.SEARCH_EMPTY, filters={"need": ["hearing"]},
                                    noted_on=world["today"]) for _ in range(10)])
    for _ in range(4):
        ChildFactory(needs=["hearing"], date_of_birth=born(9), locality=world["east"])
    world["north"].name = "North and Central"
    db.session.commit()
    page_cache.move_on(current_app)  # a search noted moves no kept figures on by itself: within a minute
    # The draft of the next version reads the figures as they are now...
    now = text_of(gaps_part(document_html(draft(version=2), "en")))
    assert "10 families were on a waiting list" in now and f"{SEARCHES + 10} searches" in now
    assert "North and Central" in now
    # ...and the published version, on the public page, as they were.
    html = public_statement(client)
    then = text_of(gaps_part(html))
    assert "6 families were on a waiting list" in then and "10 families" not in then
    assert f"{SEARCHES} searches of the local offer found no breaks" in then
    assert ["North", "Physical disability", "6"] in table_rows(html)
    assert ["East", "Deaf or hearing impairment", "fewer than 5"] in table_rows(html)  # seven children now
    assert "North and Central" not in html


def test_a_version_published_before_the_gaps_were_reported_reads_without_them(world, client):
    statement_range = build_range()
    del statement_range["demand"]
    publish(draft(range_snapshot=statement_range),
            {(language, part): b"%PDF-1.7 stand-in" for language in LANGUAGES for part in FilePart})
    html = public_statement(client)
    assert "Kinds of break" in html and "Autism Saturday Club" in html  # the range as it was
    assert HEADING not in html and 'id="gaps"' not in html and "statement-no-break" not in html
    assert 'href="#gaps"' not in html


def test_with_nothing_to_report_the_statement_says_so_in_one_line(app):
    west = LocalityFactory(name="West")
    OfferFactory(title="Open To Everyone Club", locality=west, min_age=0, max_age=25)  # no needs named: any need
    ChildFactory(needs=["autism"], date_of_birth=born(8), locality=west)
    html = document_html(draft(), "en")
    gaps = gaps_part(html)
    assert HEADING in html
    assert "So far this year no family has met a gap: nobody was on a waiting list on " in text_of(gaps)
    assert "<h3" not in gaps and "<table" not in gaps and "<ul" not in gaps
    assert gaps.count("<p") == 2  # what the figures are, and that one line


def test_the_table_shows_the_biggest_gaps_first_and_counts_the_rest(app):
    # Twelve localities with one or two children each with no break nearby, and Zed with seven.
    for n in range(1, 13):
        locality = LocalityFactory(name=f"Ward {n:02d}")
        for _ in range(2 if n == 12 else 1):
            ChildFactory(needs=["physical"], date_of_birth=born(8), locality=locality)
    zed = LocalityFactory(name="Zed")
    for _ in range(7):
        ChildFactory(needs=["learning"], date_of_birth=born(8), locality=zed)
    html = document_html(draft(), "en")
    rows = table_rows(html)
    assert len(rows) == GAP_ROWS
    assert rows[0] == ["Zed", "Learning disability", "7"]
    # Small counts are ranked as one (Ward 12's two children do not lift it above Ward 01's one): by name.
    assert [row[0] for row in rows[1:]] == [f"Ward {n:02d}" for n in range(1, GAP_ROWS)]
    assert "There are 3 more localities and needs with no break nearby, not shown here." in text_of(gaps_part(html))


def test_the_gaps_are_tagged_for_a_screen_reader(world):
    gaps = gaps_part(document_html(draft(), "en"))
    assert gaps.count("<table") == gaps.count("<caption") == 1
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", gaps))
    assert len(re.findall(r'<th scope="col"', gaps)) == 3 and len(re.findall(r'<th scope="row"', gaps)) == 4
    headings = re.findall(r"<h([1-6])\b", gaps)
    assert headings and set(headings) == {"3"}  # under the part's own h2


def test_the_pdf_has_the_gaps(world):
    content = render_pdf(draft(), "en")
    text = flat(subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True,
                               check=True).stdout.decode())
    assert HEADING in text
    assert f"{SEARCHES} searches of the local offer found no breaks this year." in text
    assert "Where children have no break for their need" in text
    assert "fewer than 5" in text
    assert "Zebedee" not in text
