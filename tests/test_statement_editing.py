"""Writing and publishing the statement: the checks before publishing, a version's life from draft through
consultation to published (through the routes, as commissioners and parent carers use it), a new draft started
from the last published one, what changed between the two, and a published version that nothing can change."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.timeutil import to_london, utcnow
from statements import services
from statements.document import SECTIONS
from statements.models import (
    LANGUAGES,
    FilePart,
    PublishedStatementChanged,
    Statement,
    StatementComment,
    StatementFile,
    StatementStatus,
)

from .conftest import sign_in
from .factories import OfferFactory, ServiceContactsFactory, UserFactory


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def people(app):
    ServiceContactsFactory()  # the contacts the statement gives families: needed to publish
    return {"council": UserFactory(role=Role.COUNCIL, name="Sam Patel"),
            "trust": UserFactory(role=Role.TRUST, name="Ade Okafor"),
            "parent": UserFactory(role=Role.PARENT_CARER, name="Priya Shah"),
            "provider": UserFactory(role=Role.PROVIDER)}


def as_(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def section_text(key: str, version: int = 1) -> str:
    return f"Version {version} says this about {key.replace('_', ' ')}."


def write_everything(client, statement_id: int, version: int = 1) -> None:
    review = utcnow().date() + timedelta(days=365)
    approved = utcnow().date() - timedelta(days=2)
    response = client.post(f"/commissioning/statement/{statement_id}/details", data={
        "title": "Short Breaks Statement", "review_on": [str(review.day), str(review.month), str(review.year)],
        "written_by": "Sam Patel, short breaks commissioner", "approved_by": "Cabinet Member for Children",
        "approved_on": [str(approved.day), str(approved.month), str(approved.year)]})
    assert response.status_code == 302, text_of(response)
    for spec in SECTIONS:
        response = client.post(f"/commissioning/statement/{statement_id}/sections/{spec.key}/en",
                               data={"body": section_text(spec.key, version)})
        assert response.status_code == 302, text_of(response)


def ready_to_publish(statement: Statement, council) -> None:
    """Every section written, the details complete, and out for consultation: all publishing needs."""
    for spec in SECTIONS:
        services.save_section(statement, spec.key, "en", section_text(spec.key), by=council)
    services.update_details(statement, title="Short Breaks Statement", review_on=utcnow().date() + timedelta(days=90),
                            written_by="Sam Patel", approved_by="Cabinet", approved_on=utcnow().date(), by=council)
    services.open_consultation(statement, by=council)


# --- checks before publishing ----------------------------------------------------------------------------------

def test_an_empty_draft_lists_exactly_what_is_missing_and_publishing_is_refused(app, people):
    council = as_(app, people["council"])
    response = council.post("/commissioning/statement/drafts")
    assert response.status_code == 302
    statement = db.session.scalar(select(Statement))
    assert statement.version == 1 and statement.status is StatementStatus.DRAFT

    response = council.post(f"/commissioning/statement/{statement.id}/publish")
    assert response.status_code == 409
    page = text_of(response)
    assert "Version 1 cannot be published yet" in page
    for missing in ("Share this draft for consultation with parent carers before publishing it.",
                    "Add the date the statement will be reviewed.", "Say who wrote the statement.",
                    "Say who approved the statement.",
                    "Write the eligibility criteria for universal breaks",
                    "Write the eligibility criteria for targeted breaks",
                    "Write the eligibility criteria for specialist breaks"):
        assert missing in page, missing
    for spec in SECTIONS:
        if not spec.key.startswith("eligibility"):
            assert f"Write the section “{spec.title}”." in page, spec.title
    # Each problem links to the page that puts it right.
    assert f'href="/commissioning/statement/{statement.id}/sections/eligibility_targeted/en"' in \
        response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).status is StatementStatus.DRAFT
    assert db.session.scalar(select(StatementFile)) is None


def test_one_missing_tier_criteria_and_a_past_review_date_are_named(app, people):
    council = as_(app, people["council"])
    council.post("/commissioning/statement/drafts")
    statement = db.session.scalar(select(Statement))
    write_everything(council, statement.id)
    council.post(f"/commissioning/statement/{statement.id}/consultation")
    council.post(f"/commissioning/statement/{statement.id}/sections/eligibility_targeted/en", data={"body": "  "})
    db.session.expire_all()
    statement = db.session.get(Statement, statement.id)
    assert [p.text for p in services.publication_problems(statement)] == [
        "Write the eligibility criteria for targeted breaks (“Who can use targeted breaks”)."]
    statement.review_on = utcnow().date() - timedelta(days=1)
    assert [p.fix for p in services.publication_problems(statement)] == ["details", "eligibility_targeted"]
    with pytest.raises(DomainError, match="review date has passed"):
        services.publish(statement, by=people["council"])
    db.session.rollback()


def test_an_approval_date_in_the_future_is_refused_and_a_draft_never_reads_as_approved(app, people):
    council = as_(app, people["council"])
    council.post("/commissioning/statement/drafts")
    statement = db.session.scalar(select(Statement))
    tomorrow = utcnow().date() + timedelta(days=2)
    response = council.post(f"/commissioning/statement/{statement.id}/details", data={
        "title": "Short Breaks Statement", "review_on": ["", "", ""], "written_by": "Sam Patel",
        "approved_by": "Cabinet Member for Children",
        "approved_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]})
    assert response.status_code == 422
    assert "The date approved must be today or in the past" in text_of(response)
    # Typed in by some other route, it still stops publishing.
    statement.approved_by, statement.approved_on = "Cabinet Member for Children", tomorrow
    db.session.commit()
    assert "The date approved is in the future" in " ".join(p.text for p in services.publication_problems(statement))
    # The draft shown to families does not claim an approval it has not had yet.
    preview = text_of(council.get(f"/commissioning/statement/{statement.id}/preview"))
    assert "Approved by Not yet" in preview


def test_what_changed_gives_dates_as_people_write_them_and_asks_for_the_older_version_first(app):
    from datetime import date

    older = Statement(version=1, title="Short Breaks Statement", review_on=date(2028, 3, 31),
                      approved_on=date(2027, 3, 1))
    newer = Statement(version=2, title="Short Breaks Statement", review_on=date(2029, 3, 31),
                      approved_on=date(2028, 3, 2))
    assert services.changes_between(older, newer).facts == [
        ("Review date", "31 March 2028", "31 March 2029"), ("Date approved", "1 March 2027", "2 March 2028")]
    for version in (1, 2):
        statement = Statement(version=version, title="Short Breaks Statement", status=StatementStatus.PUBLISHED,
                              published_at=utcnow())
        db.session.add(statement)
    db.session.commit()
    response = app.test_client().get("/statement/changes?from=2&to=1")
    assert response.status_code == 400
    assert "Choose the older version first, then the newer one." in text_of(response)


def test_details_form_keeps_what_was_typed_and_explains_a_bad_date(app, people):
    council = as_(app, people["council"])
    council.post("/commissioning/statement/drafts")
    statement = db.session.scalar(select(Statement))
    response = council.post(f"/commissioning/statement/{statement.id}/details", data={
        "title": "Our statement", "review_on": ["31", "2", "2030"], "written_by": "Sam Patel",
        "approved_by": "", "approved_on": ["", "", ""]})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page and "Review date must be a real date" in page
    assert 'value="Sam Patel"' in response.get_data(as_text=True)
    assert 'value="Our statement"' in response.get_data(as_text=True)


# --- a version's whole life, through the routes ---------------------------------------------------------------

def test_draft_consultation_publish_new_draft_publish_again_and_what_changed(app, people):
    OfferFactory(title="Saturday Swim Club")
    council, trust, parent = as_(app, people["council"]), as_(app, people["trust"]), as_(app, people["parent"])

    # Nothing out for consultation: families are told so, and cannot comment.
    assert "There is no draft out for consultation" in text_of(parent.get("/statement/consultation"))
    assert parent.post("/statement/consultation", data={"body": "Hello"}).status_code == 404

    council.post("/commissioning/statement/drafts")
    first = db.session.scalar(select(Statement))
    write_everything(council, first.id)
    urdu = "یہ بیان معذور بچوں کے لیے مختصر وقفوں کے بارے میں ہے۔"
    assert council.post(f"/commissioning/statement/{first.id}/sections/introduction/ur",
                        data={"body": urdu}).status_code == 302
    # The trust writes in the same version: the council and the trust write it together.
    assert trust.post(f"/commissioning/statement/{first.id}/sections/budgets/en",
                      data={"body": "Personal budgets are agreed by the resource panel."}).status_code == 302

    assert council.post(f"/commissioning/statement/{first.id}/consultation").status_code == 302
    page = text_of(parent.get("/statement/consultation"))
    assert "This is a draft, out for consultation" in page and section_text("introduction") in page

    # A parent carer comments; a mistake keeps what they typed.
    response = parent.post("/statement/consultation", data={"section": "", "body": "   "})
    assert response.status_code == 422 and "Enter your comment" in text_of(response)
    response = parent.post("/statement/consultation",
                           data={"section": "carers_needs", "body": "Please add more Saturday sessions in East."})
    assert response.status_code == 302
    comment = db.session.scalar(select(StatementComment))
    assert comment.section_key == "carers_needs" and comment.author_id == people["parent"].id

    # Every comment needs a reply before the version can be published.
    response = council.post(f"/commissioning/statement/{first.id}/publish")
    assert response.status_code == 409
    assert "Reply to every comment from families: 1 has no reply yet." in text_of(response)

    # Commissioners see who wrote it; other families do not.
    assert "Priya Shah" in text_of(trust.get(f"/commissioning/statement/{first.id}/comments"))
    assert trust.post(f"/commissioning/statement/comments/{comment.id}/reply",
                      data={"reply": "We have added four Saturday sessions in East."}).status_code == 302
    public = text_of(app.test_client().get("/statement/consultation"))
    assert "Please add more Saturday sessions in East." in public
    assert "We have added four Saturday sessions in East." in public
    assert "Priya Shah" not in public

    response = council.post(f"/commissioning/statement/{first.id}/publish")
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    first = db.session.get(Statement, first.id)
    assert first.status is StatementStatus.PUBLISHED and first.published_by_id == people["council"].id
    assert [o["title"] for o in first.range_snapshot["offers"]] == ["Saturday Swim Club"]
    files = {f.language: f for f in first.files if f.part is FilePart.STATEMENT}
    assert set(files) == set(LANGUAGES)
    for stored in first.files:
        assert stored.sha256 == hashlib.sha256(stored.content).hexdigest() and stored.size == len(stored.content)
    served = app.test_client().get("/statement.pdf")
    assert served.status_code == 200 and served.data == files["en"].content
    english = pdf_text(served.data)
    assert section_text("introduction") in english and "Saturday Swim Club" in english
    # The stored PDF carries the day it was published, not "Not published yet".
    published_day = to_london(first.published_at).date()
    assert "Not published yet" not in english
    assert f"Published {published_day.day} {published_day:%B %Y}" in english
    assert app.test_client().get("/statement/ur.pdf").data == files["ur"].content
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "statement_published")).actor_id == \
        people["council"].id
    # What families said is published with the version, with the replies and without their names.
    published_page = text_of(app.test_client().get("/statement"))
    assert "What families said about the draft, and our replies" in published_page
    assert "Please add more Saturday sessions in East." in published_page
    assert "We have added four Saturday sessions in East." in published_page and "Priya Shah" not in published_page
    # Consultation is over: the page says so.
    assert "There is no draft out for consultation" in text_of(parent.get("/statement/consultation"))

    # A new draft starts from what was published, in every language.
    assert trust.post("/commissioning/statement/drafts").status_code == 302
    second = db.session.scalar(select(Statement).where(Statement.version == 2))
    assert second.based_on_id == first.id and second.status is StatementStatus.DRAFT
    assert second.text("introduction", "ur") == urdu
    assert second.text("budgets", "en") == "Personal budgets are agreed by the resource panel."
    assert second.review_on is None and second.approved_by is None
    # Only one version is worked on at a time.
    council.post("/commissioning/statement/drafts")
    assert db.session.scalar(select(Statement).where(Statement.version == 3)) is None

    write_everything(trust, second.id, version=2)
    assert trust.post(f"/commissioning/statement/{second.id}/consultation").status_code == 302
    OfferFactory(title="Holiday Play Scheme")
    assert trust.post(f"/commissioning/statement/{second.id}/publish").status_code == 302

    versions = text_of(app.test_client().get("/statement/versions"))
    assert "Version 2" in versions and "Version 1" in versions
    assert app.test_client().get("/statement/versions/1/en.pdf").data == files["en"].content
    assert section_text("introduction", 2) in pdf_text(app.test_client().get("/statement.pdf").data)

    changes = text_of(app.test_client().get("/statement/changes?from=1&to=2"))
    assert section_text("introduction", 1) in changes and section_text("introduction", 2) in changes
    assert "Holiday Play Scheme" in changes


# --- published versions never change -----------------------------------------------------------------------

@pytest.fixture
def published(app, people):
    statement = services.start_draft(by=people["council"])
    ready_to_publish(statement, people["council"])
    comment = services.add_comment(statement, body="More sessions, please.", section_key=None, by=people["parent"])
    services.reply_to_comment(comment, reply="We have added some.", by=people["trust"])
    services.publish(statement, by=people["council"])
    db.session.commit()
    return statement, comment


def _snapshot(statement: Statement) -> tuple:
    db.session.expire_all()
    statement = db.session.get(Statement, statement.id)
    return (statement.title, statement.review_on, statement.status,
            sorted((s.key, s.language, s.body) for s in statement.sections),
            sorted((f.language, f.sha256) for f in statement.files),
            db.session.get(StatementComment, 1).reply if db.session.get(StatementComment, 1) else None)


def test_a_published_version_cannot_be_changed_through_the_routes(app, people, published):
    statement, comment = published
    before = _snapshot(statement)
    council = as_(app, people["council"])
    attempts = [
        council.post(f"/commissioning/statement/{statement.id}/sections/introduction/en", data={"body": "Changed"}),
        council.post(f"/commissioning/statement/{statement.id}/sections/introduction/pl", data={"body": "Zmiana"}),
        council.post(f"/commissioning/statement/{statement.id}/details", data={"title": "Changed"}),
        council.post(f"/commissioning/statement/{statement.id}/consultation"),
        council.post(f"/commissioning/statement/{statement.id}/publish"),
        council.post(f"/commissioning/statement/comments/{comment.id}/reply", data={"reply": "Too late"}),
    ]
    assert [r.status_code for r in attempts] == [409] * len(attempts)
    for refused in attempts:
        assert "Version 1 has been published and cannot be changed. Start a new draft" in text_of(refused)
    assert _snapshot(statement) == before


def test_a_published_version_cannot_be_changed_through_the_services(app, people, published):
    statement, comment = published
    before = _snapshot(statement)
    statement = db.session.get(Statement, statement.id)
    council = people["council"]
    for attempt in (
        lambda: services.save_section(statement, "introduction", "en", "Changed", by=council),
        lambda: services.update_details(statement, title="Changed", review_on=None, written_by=None,
                                        approved_by=None, approved_on=None, by=council),
        lambda: services.open_consultation(statement, by=council),
        lambda: services.publish(statement, by=council),
        lambda: services.reply_to_comment(db.session.get(StatementComment, comment.id), reply="Late", by=council),
        lambda: services.add_comment(statement, body="Late", section_key=None, by=people["parent"]),
    ):
        with pytest.raises(DomainError):
            attempt()
        db.session.rollback()
    # And the last guard, for code that goes round the services.
    statement = db.session.get(Statement, statement.id)
    statement.sections[0].body = "Changed behind the services' back"
    with pytest.raises(PublishedStatementChanged):
        db.session.flush()
    db.session.rollback()
    assert _snapshot(statement) == before


# --- who may do what --------------------------------------------------------------------------------------

def test_only_family_accounts_comment_and_anonymous_visitors_are_asked_to_sign_in(app, people):
    statement = services.start_draft(by=people["council"])
    services.open_consultation(statement, by=people["council"])
    db.session.commit()
    anonymous = app.test_client()
    page = text_of(anonymous.get("/statement/consultation"))
    assert "Sign in to comment" in page and "Comment on the draft" not in page.replace("Sign in to comment", "")
    response = anonymous.post("/statement/consultation", data={"body": "Hello"})
    assert response.status_code == 302 and "/sign-in" in response.location
    assert as_(app, people["provider"]).post("/statement/consultation", data={"body": "Hi"}).status_code == 403
    assert as_(app, people["council"]).post("/statement/consultation", data={"body": "Hi"}).status_code == 403
    with pytest.raises(DomainError, match="Only parent carers"):
        services.add_comment(statement, body="Hi", section_key=None, by=people["trust"])
    assert db.session.scalar(select(StatementComment)) is None


def test_clearing_a_translation_falls_back_to_english_marked(app, people):
    statement = services.start_draft(by=people["council"])
    services.save_section(statement, "introduction", "en", "Hello families.", by=people["council"])
    services.save_section(statement, "introduction", "pl", "Witajcie rodziny.", by=people["council"])
    db.session.commit()
    council = as_(app, people["council"])
    assert council.post(f"/commissioning/statement/{statement.id}/sections/introduction/pl",
                        data={"body": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).text("introduction", "pl") is None
    preview = council.get(f"/commissioning/statement/{statement.id}/preview?lang=pl")
    page = text_of(preview)
    assert "Hello families." in page and "Witajcie rodziny." not in page
    assert 'lang="pl"' in preview.get_data(as_text=True)
    states = services.translation_state(db.session.get(Statement, statement.id))
    assert states["introduction"] == {"en": "written", "ur": "english", "pa-Arab": "english", "bn": "english",
                                      "ar": "english", "pl": "english"}
    assert states["carers_needs"]["en"] == "missing"


@pytest.mark.parametrize("meanwhile, refusal", [
    ("UPDATE statement_sections SET body = 'Changed by a colleague' WHERE key = 'introduction'",
     "was changed while its PDFs were being made"),
    ("UPDATE statements SET status = 'PUBLISHED'", "has just been published by someone else"),
])
def test_a_change_while_the_pdfs_are_made_stops_publishing(app, people, monkeypatch, meanwhile, refusal):
    """Nothing is locked while the PDFs are made; what is published must still be exactly what they show."""
    from sqlalchemy import text

    statement = services.start_draft(by=people["council"])
    ready_to_publish(statement, people["council"])
    db.session.commit()
    made = []

    def render_while_a_colleague_works(statement, languages, progress=None):
        with db.engine.begin() as colleague:
            colleague.execute(text(meanwhile))
        made.extend(languages)
        return {(language, part): (b"%PDF-1.7 stand-in", 1) for language in languages for part in FilePart}

    monkeypatch.setattr(services, "render_pdfs", render_while_a_colleague_works)
    with pytest.raises(DomainError, match=refusal):
        services.publish(statement, by=people["council"])
    db.session.rollback()
    assert made == list(LANGUAGES)
    assert db.session.scalar(select(StatementFile)) is None


def test_pdfs_made_side_by_side_in_other_processes_read_the_same_as_made_here(app, people, monkeypatch):
    from statements.document import render_pdfs

    OfferFactory(title="Saturday Swim Club")
    statement = services.start_draft(by=people["council"])
    services.save_section(statement, "introduction", "en", "Short breaks for every family.", by=people["council"])
    services.save_section(statement, "introduction", "ur", "یہ بیان مختصر وقفوں کے بارے میں ہے۔", by=people["council"])
    db.session.commit()
    monkeypatch.setitem(app.config, "STATEMENT_PDF_PROCESSES", 1)
    here = render_pdfs(statement, ["en", "ur"])
    monkeypatch.setitem(app.config, "STATEMENT_PDF_PROCESSES", 2)
    told = []
    elsewhere = render_pdfs(statement, ["en", "ur"], lambda done, total: told.append((done, total)))
    assert told == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]  # how far publishing has got, for its progress page
    assert set(elsewhere) == {(language, part) for language in ("en", "ur") for part in FilePart}
    for key in elsewhere:
        assert pdf_text(elsewhere[key][0]) == pdf_text(here[key][0])
        assert elsewhere[key][1] > 0
    assert "Saturday Swim Club" in pdf_text(elsewhere["en", FilePart.ANNEX][0])
    assert "مختصر وقفوں" in pdf_text(elsewhere["ur", FilePart.STATEMENT][0])


def test_every_problem_links_to_the_page_that_puts_it_right(app, people):
    """Including the section called "consultation", which is not the same as sharing the draft."""
    council = as_(app, people["council"])
    council.post("/commissioning/statement/drafts")
    statement = db.session.scalar(select(Statement))
    page = council.get(f"/commissioning/statement/{statement.id}/publish").get_data(as_text=True)
    base = f"/commissioning/statement/{statement.id}"
    assert f'href="{base}#share"' in page and f'href="{base}/details"' in page
    assert f'href="{base}/sections/consultation/en"' in page


def test_publishing_from_the_command_line_checks_first_then_publishes(app, people):
    statement = services.start_draft(by=people["council"])
    db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["statement", "publish", "1", "--by", people["parent"].email])
    assert refused.exit_code != 0 and "is not the account of a council or trust commissioner" in refused.output
    refused = runner.invoke(args=["statement", "publish", "1", "--by", people["council"].email])
    assert refused.exit_code != 0
    assert "Version 1 cannot be published yet:" in refused.output
    assert "  - Share this draft for consultation with parent carers before publishing it." in refused.output
    assert runner.invoke(args=["statement", "publish", "9", "--by", people["council"].email]).exit_code != 0

    ready_to_publish(statement, people["council"])
    db.session.commit()
    published = runner.invoke(args=["statement", "publish", "1", "--by", people["trust"].email.upper()])
    assert published.exit_code == 0, published.output
    assert "Published version 1 in" in published.output
    db.session.expire_all()
    statement = db.session.get(Statement, statement.id)
    assert statement.is_published and statement.published_by_id == people["trust"].id
    for stored in statement.files:
        assert f"{stored.language}: " in published.output and stored.sha256 in published.output


def test_the_publish_page_warns_of_a_translation_older_or_much_shorter_than_its_english(app, people):
    statement = services.start_draft(by=people["council"])
    ready_to_publish(statement, people["council"])
    english = ("Families can ask us to look again at any decision, and we will give written reasons. "
               "This is a guide, not a rule that shuts anyone out.")
    services.save_section(statement, "introduction", "en", english, by=people["council"])
    services.save_section(statement, "introduction", "ur", "یہ ایک رہنما اصول ہے۔", by=people["council"])
    services.save_section(statement, "comments", "pl", "Stary przekład, sprzed zmiany angielskiego tekstu.",
                          by=people["council"])
    db.session.flush()
    polish = next(s for s in statement.sections if s.key == "comments" and s.language == "pl")
    polish.updated_at -= timedelta(days=3)  # translated before the English was last changed
    db.session.commit()
    assert [(s.language, s.key, s.older) for s in services.stale_translations(statement)] == [
        ("ur", "introduction", False), ("pl", "comments", True)]

    page = text_of(as_(app, people["council"]).get(f"/commissioning/statement/{statement.id}/publish"))
    assert "Translations that may be out of date" in page
    assert "Introduction in Urdu: much shorter than its English (" in page
    assert "in Polish: last changed before its English" in page
    services.save_section(statement, "introduction", "ur", english.replace("Families", "خاندان"), by=people["council"])
    services.save_section(statement, "comments", "pl", "Nowy przekład, po zmianie: rodziny mogą poprosić o ponowne rozpatrzenie.", by=people["council"])
    db.session.commit()
    assert services.stale_translations(statement) == []
