"""The statement as a document: the range from the live offer, the HTML, the PDF read back (text, tags,
language, fonts) in English, Urdu and Polish, and the published files served exactly as stored.

Publishing is done here by hand (a draft with its sections, then published with its range frozen and a PDF per
language stored with its SHA-256), so these tests stand apart from the publishing service."""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from flask_babel import gettext
from pypdf import PdfReader
from sqlalchemy import update

from budgets.models import financial_year
from budgets.services import set_envelope
from portal.extensions import db
from portal.models import Role
from portal.timeutil import LONDON, utcnow
from providers.models import (
    Body,
    Category,
    OfferStatus,
    PaymentRoute,
    ProviderStatus,
    Tier,
)
from statements import document
from statements.document import (
    KIND_KEYS,
    SECTIONS,
    build_range,
    document_html,
    render_pdf,
)
from statements.i18n import in_language
from statements.models import (
    LANGUAGES,
    FilePart,
    Statement,
    StatementFile,
    StatementSection,
    StatementStatus,
)

from .conftest import empty_tables
from .factories import (
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .test_queries import count_queries

URDU_INTRODUCTION = "یہ بیان معذور بچوں اور ان کے خاندانوں کے لیے مختصر وقفوں کے بارے میں ہے۔"
POLISH_INTRODUCTION = "Ten dokument opisuje krótkie przerwy w opiece dla dzieci z niepełnosprawnościami."
COPIES_IN_ENGLISH = "Ask for large print, easy read or audio copies at any library."
EXTRA_UNIVERSAL = 45  # enough rows for the table of every break to run over several pages


# --- building blocks -------------------------------------------------------------------------------------

def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7)


SUMMER = date(utcnow().year + 1, 7, 1)    # British Summer Time: London is an hour ahead of UTC
WINTER = date(utcnow().year + 1, 1, 10)   # Greenwich Mean Time


def add_session(offer, starts: datetime, ends: datetime):
    return SessionFactory(offer=offer, starts_at=starts, ends_at=ends, weekday=starts.weekday())


def make_offer_range() -> dict[str, object]:
    """Published offers of each kind (and two that must not appear), with sessions that say when they run."""
    east, north = LocalityFactory(name="East"), LocalityFactory(name="North")
    provider = ProviderFactory(name="Moseley Play Trust")
    offers = {
        "swim": OfferFactory(title="Saturday Swim Club", category=Category.SPORT, locality=east, provider=provider),
        "after_school": OfferFactory(title="Sensory After-School Club", tier=Tier.TARGETED, locality=north,
                                     category=Category.AFTER_SCHOOL, price_pence=1200,
                                     payment_route=PaymentRoute.COUNCIL_FUNDED, family_contribution_pence=300),
        "arts": OfferFactory(title="Clay and Paint Studio", category=Category.ARTS, locality=east),
        "sitting": OfferFactory(title="Home Sitting Service", tier=Tier.SPECIALIST, category=Category.SITTING,
                                locality=north, min_age=0, max_age=17, price_pence=6000,
                                payment_route=PaymentRoute.PERSONAL_BUDGET),
        "overnight": OfferFactory(title="Oak House Overnight Stays", tier=Tier.SPECIALIST, locality=east,
                                  category=Category.OVERNIGHT, min_age=8, max_age=18, price_pence=21000,
                                  payment_route=PaymentRoute.PERSONAL_BUDGET),
        "holiday": OfferFactory(title="Holiday Play Scheme", tier=Tier.TARGETED, category=Category.HOLIDAY,
                                locality=north, price_pence=900, payment_route=PaymentRoute.PAY_PROVIDER),
    }
    saturday, tuesday = next_weekday(SUMMER, 5), next_weekday(SUMMER, 1)
    add_session(offers["swim"], london(saturday, 10), london(saturday, 12))
    # 4pm to 5.30pm in summer is 3pm to 4.30pm UTC: an evening session only if London time is used.
    add_session(offers["after_school"], london(tuesday, 16), london(tuesday, 17, 30))
    # Ends at 5pm on the dot, in summer and in winter: not the evening.
    add_session(offers["arts"], london(tuesday, 15), london(tuesday, 17))
    winter_tuesday = next_weekday(WINTER, 1)
    add_session(offers["arts"], london(winter_tuesday, 15, 30), london(winter_tuesday, 17))
    wednesday = next_weekday(SUMMER, 2)
    add_session(offers["sitting"], london(wednesday, 18), london(wednesday, 21))
    friday = next_weekday(WINTER, 4)
    add_session(offers["overnight"], london(friday, 17), london(friday + timedelta(days=1), 10))
    add_session(offers["holiday"], london(tuesday, 9), london(tuesday, 15))
    OfferFactory(title="Draft Club Nobody Sees", status=OfferStatus.DRAFT, locality=east)
    OfferFactory(title="Suspended Provider Club", locality=east,
                 provider=ProviderFactory(name="Suspended Ltd", status=ProviderStatus.SUSPENDED))
    return offers


def write_sections(statement: Statement, *, polish_missing: tuple[str, ...] = ("copies",)) -> None:
    for spec in SECTIONS:
        body = COPIES_IN_ENGLISH if spec.key == "copies" else f"What we say about {spec.title.lower()}."
        statement.sections.append(StatementSection(key=spec.key, language="en", body=body))
        statement.sections.append(StatementSection(
            key=spec.key, language="ur",
            body=URDU_INTRODUCTION if spec.key == "introduction" else "اس حصے کا متن اردو میں۔"))
        if spec.key not in polish_missing:
            statement.sections.append(StatementSection(
                key=spec.key, language="pl",
                body=POLISH_INTRODUCTION if spec.key == "introduction" else "Treść tej części po polsku."))


def draft(version: int = 1, **fields) -> Statement:
    statement = Statement(version=version, title=fields.pop("title", "Short Breaks Statement"),
                          review_on=date(utcnow().year + 1, 3, 31), written_by="Sam Patel, short breaks commissioner",
                          approved_by="Cabinet Member for Children", approved_on=date(utcnow().year, 3, 1), **fields)
    write_sections(statement)
    db.session.add(statement)
    db.session.flush()
    return statement


def publish(statement: Statement, pdfs: dict[tuple[str, FilePart], bytes] | None = None) -> Statement:
    """What publishing does, by hand: freeze the range, then store the statement's PDF and its annex's in each
    language, each with its SHA-256."""
    if statement.range_snapshot is None:
        statement.range_snapshot = build_range()
    statement.status, statement.published_at = StatementStatus.PUBLISHED, utcnow()
    db.session.flush()
    for language in LANGUAGES:
        for part in FilePart:
            content = pdfs[language, part] if pdfs else render_pdf(statement, language, part)
            db.session.add(StatementFile(statement=statement, language=language, part=part, content=content,
                                         size=len(content), sha256=hashlib.sha256(content).hexdigest()))
    db.session.commit()
    return statement


def flat(text: str) -> str:
    return " ".join(text.split())


def flatten(outline: list) -> list:
    items = []
    for item in outline:
        items += flatten(item) if isinstance(item, list) else [item]
    return items


# --- the PDFs, made once for the module ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered(app):
    """A statement published over the offer above (plus enough universal breaks to fill pages), and its PDFs."""
    offers = make_offer_range()
    for n in range(EXTRA_UNIVERSAL):
        OfferFactory(title=f"Community Club {n:02d}", locality=offers["swim"].locality)
    council = UserFactory(role=Role.COUNCIL)
    set_envelope(Body.COUNCIL, financial_year(utcnow().date()), 1_632_000_00, by=council, reason="This year's budget")
    db.session.commit()
    statement = publish(draft())
    pdfs = {(f.language, f.part): f.content for f in statement.files}
    titles = [o.title for o in offers.values()] + [f"Community Club {n:02d}" for n in range(EXTRA_UNIVERSAL)]
    result = {"pdfs": pdfs, "snapshot": statement.range_snapshot, "titles": titles,
              "readers": {language: PdfReader(io.BytesIO(content))
                          for (language, part), content in pdfs.items() if part is FilePart.STATEMENT},
              "annex_readers": {language: PdfReader(io.BytesIO(content))
                                for (language, part), content in pdfs.items() if part is FilePart.ANNEX}}
    result["text"] = {language: [page.extract_text() for page in reader.pages]
                      for language, reader in result["readers"].items()}
    result["annex_text"] = {language: [page.extract_text() for page in reader.pages]
                            for language, reader in result["annex_readers"].items()}
    empty_tables()
    return result


@pytest.fixture
def published(app, rendered):
    """Version 1 as the module published it: the same frozen range and the same stored PDFs."""
    statement = draft(range_snapshot=rendered["snapshot"])
    return publish(statement, rendered["pdfs"])


def translated(language: str, message: str) -> str:
    with in_language(language):
        return gettext(message)


# --- the PDF read back -----------------------------------------------------------------------------------------

def test_english_pdf_has_every_section_and_summarises_the_range(rendered):
    text = flat(" ".join(rendered["text"]["en"]))
    for spec in SECTIONS:
        assert spec.title in text, spec.title
    for heading in ("Contents", "The range of short breaks", "Kinds of break", "Breaks in each tier",
                    "Breaks in each locality", "Breaks for each age", "The money for short breaks this year",
                    "Help, advice and contacts", "Every break on offer", "Universal breaks", "Targeted breaks",
                    "Specialist breaks"):
        assert heading in text, heading
    # A summary with examples, not the list: most of the 51 breaks are in the annex only.
    assert sum(title in text for title in rendered["titles"]) <= 2 * len(document.KINDS) * document.EXAMPLES
    assert "Community Club 44" not in text
    assert "The local offer had 51 breaks on" in text
    for label in ("Version", "Review date", "Written by", "Sam Patel, short breaks commissioner", "Approved by",
                  "Cabinet Member for Children", "Published"):
        assert label in text
    assert "£1,632,000.00" in text


def test_english_annex_lists_every_published_offer_with_its_cost(rendered):
    text = flat(" ".join(rendered["annex_text"]["en"]))
    assert "Annex: every break on offer" in text
    squeezed = text.replace(" ", "")  # a narrow column breaks "After-School" after its hyphen
    for title in rendered["titles"]:
        assert title.replace(" ", "") in squeezed, title
    assert "Draft Club Nobody Sees" not in text and "Suspended Provider Club" not in text
    assert "You pay £3.00 a session and the council pays the rest of the £12.00" in text
    assert "£60.00 a session, paid from your child's personal budget or direct payment." in text


@pytest.mark.parametrize("language, title", [("en", "Short Breaks Statement"), ("ur", "مختصر وقفوں کا بیان"),
                                             ("pl", "Informacja o krótkich przerwach w opiece")])
def test_pdf_is_tagged_with_title_language_and_pdf_ua_identification(rendered, language, title):
    reader = rendered["readers"][language]
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == language
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == title
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    assert re.search(r"<dc:title>.*" + re.escape(title) + r".*</dc:title>", xmp, re.S)
    # Bookmarks from the headings.
    bookmarks = [item.title for item in flatten(reader.outline)]
    assert translated(language, "Contents") in bookmarks
    assert translated(language, "Every break on offer") in bookmarks


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_pdf_embeds_only_the_fonts_shipped_with_the_package(rendered, language):
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for page in rendered["readers"][language].pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    expected = {"PDF-Sans", "PDF-Sans-Bold"}  # Latin: English passages, numbers, addresses
    if language in ("ur", "pa-Arab", "ar"):
        expected |= {"PDF-Naskh", "PDF-Naskh-Bold"}
    if language == "bn":
        expected |= {"PDF-Bengali", "PDF-Bengali-Bold"}
    assert fonts == expected


def test_urdu_pdf_reads_back_as_urdu(rendered):
    text = flat(" ".join(rendered["text"]["ur"]))
    for heading in ("Contents", "Introduction", "The range of short breaks", "Kinds of break", "Version",
                    "Review date", "Who can use specialist breaks"):
        urdu = translated("ur", heading)
        assert urdu != heading and urdu in text, heading
    assert URDU_INTRODUCTION in text
    arabic_script = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    assert arabic_script > 2000
    # Urdu letters that Arabic lacks came through as themselves (ے ں ہ ٹ), not as look-alikes.
    for letter in "ےںہٹ":
        assert letter in text
    assert translated("ur", "Page %(page)s of %(pages)s").split("%")[0].strip() in text


def test_polish_pdf_has_polish_headings_and_polish_text(rendered):
    pages = rendered["text"]["pl"]
    text = flat(" ".join(pages))
    for heading in ("Contents", "Introduction", "The range of short breaks", "Kinds of break", "Version",
                    "Review date", "Who can use specialist breaks", "Every break on offer"):
        polish = translated("pl", heading)
        assert polish != heading and polish in text, heading
    assert "Spis treści" in text and "Wprowadzenie" in text  # read by a person, not only through the catalog
    assert POLISH_INTRODUCTION in text
    assert f"Strona 1 z {len(pages)}" in flat(pages[0])


def test_missing_translation_falls_back_to_english_marked_in_the_readers_language(rendered):
    text = flat(" ".join(rendered["text"]["pl"]))
    assert "Jeszcze nieprzetłumaczone. Do czasu przygotowania tłumaczenia ta część jest wyświetlana po angielsku." \
        in text
    assert COPIES_IN_ENGLISH in text
    assert "Kopie i inne formaty" in text  # the heading is still in Polish


def test_contents_page_gives_the_page_each_part_starts_on(rendered):
    pages = rendered["text"]["en"]
    contents = flat(pages[0])
    for title in ("Introduction", "The money for short breaks this year", "Every break on offer"):
        found = re.search(re.escape(title) + r" \.{3,} ?(\d+)", contents)
        assert found, title
        page = pages[int(found.group(1)) - 1]
        assert title in flat(page)
    assert re.search(r"Page 1 of \d+", contents)


def test_table_headers_repeat_on_every_page_of_a_long_table(rendered):
    pages = [flat(p) for p in rendered["annex_text"]["en"]]
    header = "Break Provider Ages Locality Cost How to get it Kinds of break"
    with_header = [n for n, page in enumerate(pages) if header in page]
    assert len(with_header) >= 2
    # Every page after the first with the table, up to the last break, shows the header again.
    last = max(n for n, page in enumerate(pages) if "Oak House Overnight Stays" in page)
    assert with_header == list(range(with_header[0], with_header[0] + len(with_header)))
    assert with_header[-1] >= last


# --- the HTML document -----------------------------------------------------------------------------------------

def test_document_html_is_one_semantic_document(app):
    make_offer_range()
    statement = draft()
    html = document_html(statement, "ur")
    assert re.search(r'<html lang="ur" dir="rtl">', html)
    assert "<title>مختصر وقفوں کا بیان</title>" in html
    headings = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:]))
    # The contents links to every second-level heading, and nothing else.
    h2_ids = re.findall(r'<h2 [^>]*id="([^"]+)"', html)
    links = re.findall(r'<li><a class="govuk-link" href="#([^"]+)">', html)
    assert links == [i for i in h2_ids if i != "contents"]
    assert html.count("<table") == html.count("<caption")
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", html))
    english = document_html(statement, "en")
    assert '<html lang="en" dir="ltr">' in english


def test_fallback_text_is_marked_english_and_a_custom_title_too(app):
    statement = draft(title="Birmingham Short Breaks Statement 2026")
    html = document_html(statement, "pl")
    assert re.search(r'<h1 [^>]*lang="en" dir="ltr">Birmingham Short Breaks Statement 2026</h1>', html)
    copies = html.split('id="copies"')[1].split("</section>")[0]
    assert "Jeszcze nieprzetłumaczone." in copies
    assert re.search(r'<div lang="en" dir="ltr">\s*<p class="govuk-body">' + re.escape(COPIES_IN_ENGLISH), copies)
    introduction = html.split('id="introduction"')[1].split("</section>")[0]
    assert POLISH_INTRODUCTION in introduction and "nieprzetłumaczone" not in introduction
    # A title entered in the language wins.
    statement.sections.append(StatementSection(key="title", language="pl", body="Krótkie przerwy 2026"))
    assert re.search(r"<h1 [^>]*>Krótkie przerwy 2026</h1>", document_html(statement, "pl"))


def test_unknown_language_is_english(app):
    statement = draft()
    assert '<html lang="en" dir="ltr">' in document_html(statement, "xx")


# --- the range ------------------------------------------------------------------------------------------------

def test_range_sorts_offers_by_kind_of_break_and_shows_gaps(app):
    offers = make_offer_range()
    statement_range = build_range()
    json.dumps(statement_range)  # can be frozen into the published version as it is
    kinds = {o["title"]: o["kinds"] for o in statement_range["offers"]}
    assert set(kinds) == {o.title for o in offers.values()}
    assert kinds["Saturday Swim Club"] == ["activities", "weekends"]
    assert kinds["Sensory After-School Club"] == ["day_care_elsewhere", "activities", "evenings"]
    assert kinds["Clay and Paint Studio"] == ["activities"]
    assert kinds["Home Sitting Service"] == ["day_care_home", "evenings"]
    assert kinds["Oak House Overnight Stays"] == ["overnight_elsewhere", "evenings", "weekends"]
    assert kinds["Holiday Play Scheme"] == ["day_care_elsewhere", "activities", "school_holidays"]
    assert [o["tier"] for o in statement_range["offers"]] == sorted(
        (o["tier"] for o in statement_range["offers"]), key=["universal", "targeted", "specialist"].index)
    swim = next(o for o in statement_range["offers"] if o["title"] == "Saturday Swim Club")
    assert (swim["provider"], swim["locality"], swim["min_age"], swim["max_age"]) == \
        ("Moseley Play Trust", "East", 5, 11)

    statement = draft(range_snapshot=statement_range)
    html = document_html(statement, "en")
    kinds_table = html.split('class="govuk-table statement-kinds"')[1].split("</table>")[0]
    rows = {flat(unescape(re.sub(r"<[^>]+>", " ", row))).split(" 0 ")[0]: row
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", kinds_table, re.S)[1:]}
    gap = rows["Overnight care in the child's home"]
    assert "A gap: there are no breaks of this kind at the moment." in gap
    assert sum("A gap" in row for row in rows.values()) == 1
    annex = document_html(statement, "en", part=FilePart.ANNEX)
    assert "How to get it" in annex and "Ask for an assessment" in annex and "Book it yourself" in annex


def test_school_holidays_from_the_councils_term_dates(app):
    make_offer_range()

    def clay_kinds() -> list[str]:
        return next(o for o in build_range()["offers"] if o["title"] == "Clay and Paint Studio")["kinds"]

    assert clay_kinds() == ["activities"]
    tuesday = next_weekday(SUMMER, 1)  # its summer session; the winter one stays in term time
    app.config["SCHOOL_HOLIDAYS"] = [(tuesday.isoformat(), (tuesday + timedelta(days=30)).isoformat())]
    try:
        assert clay_kinds() == ["activities", "school_holidays"]
    finally:
        del app.config["SCHOOL_HOLIDAYS"]


def test_range_includes_the_years_envelopes(app):
    make_offer_range()
    council = UserFactory(role=Role.COUNCIL)
    year = financial_year(utcnow().date())
    set_envelope(Body.COUNCIL, year, 450_000_00, by=council, reason="Budget for the year")
    db.session.commit()
    envelopes = {e["body"]: e for e in build_range()["envelopes"]}
    assert envelopes["council"] == {"body": "council", "year": year, "amount": 450_000_00, "committed": 0,
                                    "spent": 0, "available": 450_000_00}
    assert envelopes["trust"]["amount"] is None
    html = document_html(draft(), "en")
    money = html.split('id="money"')[1].split("</section>")[0]
    assert "£450,000.00" in money and "No budget has been set for this year yet." in money


def test_range_costs_the_same_queries_for_few_or_many_offers(app):
    def queries() -> int:
        with count_queries() as statements:
            build_range()
        return len(statements)

    make_offer_range()
    few = queries()
    locality = LocalityFactory()
    for n in range(20):
        offer = OfferFactory(title=f"More {n}", locality=locality)
        for day in range(3):
            start = london(next_weekday(SUMMER, day), 18)
            add_session(offer, start, start + timedelta(hours=2))
    assert queries() == few


def test_published_version_keeps_its_range_as_it_was(app):
    make_offer_range()
    statement = draft()
    statement.range_snapshot = build_range()
    statement.status, statement.published_at = StatementStatus.PUBLISHED, utcnow()
    db.session.commit()
    OfferFactory(title="Brand New Club After Publishing")
    db.session.expire_all()
    assert "Brand New Club After Publishing" not in document_html(db.session.get(Statement, statement.id), "en")


# --- served to the public ---------------------------------------------------------------------------------------

def test_statement_pdf_is_served_exactly_as_stored(client, published, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a published PDF must never be made again")

    monkeypatch.setattr(document, "render_pdf", never)
    monkeypatch.setattr("weasyprint.HTML", never)
    stored = {f.language: f for f in published.files if f.part is FilePart.STATEMENT}
    annexes = {f.language: f for f in published.files if f.part is FilePart.ANNEX}
    response = client.get("/statement.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == stored["en"].content
    assert hashlib.sha256(response.data).hexdigest() == stored["en"].sha256
    assert response.headers["ETag"] == f'"{stored["en"].sha256}"'
    assert response.headers["Content-Disposition"] == 'inline; filename="short-breaks-statement-version-1.pdf"'
    assert response.headers["Content-Length"] == str(stored["en"].size)
    again = client.get("/statement.pdf", headers={"If-None-Match": f'"{stored["en"].sha256}"'})
    assert again.status_code == 304 and again.data == b""

    urdu = client.get("/statement/ur.pdf")
    assert urdu.data == stored["ur"].content
    assert urdu.headers["Content-Disposition"] == 'inline; filename="short-breaks-statement-version-1-ur.pdf"'
    assert client.get("/statement/versions/1/pl.pdf").data == stored["pl"].content
    assert "immutable" in client.get("/statement/versions/1/pl.pdf").headers["Cache-Control"]
    annex = client.get("/statement/annex/ur.pdf")
    assert annex.data == annexes["ur"].content != stored["ur"].content
    assert annex.headers["Content-Disposition"] == 'inline; filename="short-breaks-statement-version-1-ur-annex.pdf"'
    assert client.get("/statement/versions/1/annex/bn.pdf").data == annexes["bn"].content
    for missing in ("/statement/de.pdf", "/statement/versions/1/xx.pdf", "/statement/versions/9/ur.pdf",
                    "/statement/annex/de.pdf", "/statement/versions/9/annex/en.pdf"):
        assert client.get(missing).status_code == 404


def test_a_stored_pdf_that_no_longer_matches_its_sha256_is_not_served(client, published):
    db.session.execute(update(StatementFile).where(StatementFile.language == "en",
                                                   StatementFile.part == FilePart.STATEMENT)
                       .values(content=b"%PDF-1.7 changed behind our back"))
    db.session.commit()
    assert client.get("/statement.pdf").status_code == 500
    assert client.get("/statement/ur.pdf").status_code == 200
    assert client.get("/statement/annex/en.pdf").status_code == 200


def test_statement_page_in_each_language(client, published):
    page = client.get("/statement")
    assert page.status_code == 200
    html = page.text
    assert '<article class="statement" lang="en" dir="ltr">' in html
    assert html.count("<h1") == 1 and "Short Breaks Statement" in html
    assert re.search(r'href="/statement\.pdf"[^>]*>.*\(PDF, <bdi>\d+ kB</bdi>\)', html)
    assert 'href="/statement?lang=ur" lang="ur" hreflang="ur" dir="rtl">اردو</a>' in html
    assert 'href="/statement?lang=pl" lang="pl" hreflang="pl" dir="ltr">Polski</a>' in html
    assert "Saturday Swim Club" in html  # an example of its kind of break
    assert re.search(r'href="/statement/annex/en\.pdf"[^>]*>.*\(PDF, <bdi>\d+ kB</bdi>\)', html)

    urdu = client.get("/statement?lang=ur").text
    assert '<article class="statement" lang="ur" dir="rtl">' in urdu
    assert "فہرستِ مضامین" in urdu and URDU_INTRODUCTION in urdu
    assert 'href="/statement/ur.pdf"' in urdu
    # The whole page is in Urdu, right to left, not only the statement.
    assert '<html lang="ur" dir="rtl"' in urdu

    polish = client.get("/statement?lang=pl").text
    assert "Spis treści" in polish and "Jeszcze nieprzetłumaczone." in polish


def test_versions_list_every_published_version_with_its_files(client, published):
    later = draft(version=2)
    assert client.get("/statement/versions/2").status_code == 404  # a draft is not public
    html = client.get("/statement/versions").text
    assert "Version 1" in html and "Version 2" not in html
    for stored in published.files:
        assert stored.sha256 in html
        annex = "annex/" if stored.part is FilePart.ANNEX else ""
        assert f'href="/statement/versions/1/{annex}{stored.language}.pdf"' in html
    assert "Annex to version 1 in" in html
    publish(later, {(f.language, f.part): f.content for f in published.files})
    newer = client.get("/statement").text
    assert "What changed since version 1" in newer
    older = client.get("/statement/versions/1").text
    assert "It is not the latest version" in older
    assert client.get("/statement.pdf").headers["Content-Disposition"].endswith('version-2.pdf"')


def test_nothing_published_yet(client, app):
    draft()
    page = client.get("/statement")
    assert page.status_code == 200
    assert "The Short Breaks Statement has not been published yet." in page.text
    assert client.get("/statement.pdf").status_code == 404
    assert client.get("/statement/ur.pdf").status_code == 404
    assert "No version has been published yet." in client.get("/statement/versions").text


def test_kinds_are_the_regulations_list():
    assert KIND_KEYS == ["day_care_home", "day_care_elsewhere", "overnight_home", "overnight_elsewhere", "activities",
                         "evenings", "weekends", "school_holidays"]


@pytest.mark.parametrize("language", ["ur", "pa_Arab", "bn", "ar", "pl"])
def test_catalogs_translate_everything_and_the_compiled_files_match(language):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from statements.i18n import TRANSLATIONS

    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = read_po(f)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    def messages(messages) -> dict:
        return {_hashable(m.id): _hashable(m.string) for m in messages if m.id}

    assert messages(template).keys() == messages(catalog).keys(), "run pybabel update"
    assert [m.id for m in catalog if m.id and (not all(_hashable(m.string)) or m.fuzzy)] == []
    assert [(m.id, errors) for m, errors in catalog.check()] == []  # placeholders match
    assert messages(catalog) == messages(compiled), "run pybabel compile -d translations"


def _hashable(value) -> tuple:
    return (value,) if isinstance(value, str) else tuple(value)


def test_changes_page_shows_what_changed_between_two_published_versions(client, published):
    later = draft(version=2)
    later.written_by = "Director of Children's Services"
    next(s for s in later.sections if s.key == "introduction" and s.language == "en").body = "A new introduction."
    publish(later, {(f.language, f.part): f.content for f in published.files})
    html = client.get("/statement/changes?from=1&to=2").text
    assert "<ins>A new introduction.</ins>" in html
    assert "<del>What we say about introduction.</del>" in html
    assert "Director of Children&#39;s Services" in html
    assert client.get("/statement/changes?from=2&to=2").status_code == 400
    assert client.get("/statement/changes?from=1&to=7").status_code == 400


def _struct_elements(reader: PdfReader):
    """Every structure element of the PDF's tag tree."""
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/Type") == "/StructElem":
                yield node
            kids = node.get("/K")
            kids = kids.get_object() if hasattr(kids, "get_object") else kids
            stack.extend(kids if isinstance(kids, list) else [kids] if kids is not None else [])
        elif isinstance(node, list):
            stack.extend(node)


@pytest.mark.parametrize("language", ["ur", "bn"])
def test_english_passages_and_table_headers_are_tagged_in_each_languages_pdfs(rendered, language):
    """Breaks' names and providers (as their providers wrote them) are tagged English in the annex, and every table
    header says whether it heads a row or a column, in the statement and the annex."""
    annex = list(_struct_elements(rendered["annex_readers"][language]))
    english = [e for e in annex if e.get("/Lang") == "en"]
    assert {e["/S"] for e in english} >= {"/TH", "/TD"}
    assert len(english) >= 2 * len(rendered["titles"])  # each break's name and its provider, at least
    for reader in (rendered["readers"][language], rendered["annex_readers"][language]):
        headers = [e for e in _struct_elements(reader) if e["/S"] == "/TH"]
        assert headers and all(e["/A"]["/Scope"] in ("/Row", "/Column") for e in headers)
        assert {e["/A"]["/Scope"] for e in headers} == {"/Row", "/Column"}
