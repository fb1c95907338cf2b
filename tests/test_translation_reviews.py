"""Each language's pages say how their translation was made and whether a qualified translator has checked it;
commissioners change that, and each change is in the audit trail."""
from __future__ import annotations

from portal.timeutil import london_today

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import in_language
from portal.models import AuditEvent, Role
from portal.translation_reviews import TranslationReview
from tests.conftest import sign_in
from tests.factories import UserFactory


def footer(response) -> str:
    text = response.text
    start = text.find('id="translation-note"')
    return text[start:text.find("</p>", start)] if start != -1 else ""


def test_english_pages_carry_no_translation_note_and_other_languages_say_unchecked_machine_translation(app, client):
    assert footer(client.get("/?lang=en")) == ""
    note = footer(client.get("/?lang=ur"))
    with app.test_request_context(), in_language("ur"):
        assert gettext("A qualified translator has not checked it yet. If something is unclear, ask us or read "
                       "the English page.") in note


def test_a_commissioner_records_a_translators_check_and_the_pages_say_so(app, client):
    commissioner = UserFactory(role=Role.COUNCIL)
    sign_in(client, commissioner)
    assert client.get("/commissioning/languages").status_code == 200
    response = client.post("/commissioning/languages/pl", data={"how_made": "translator", "reviewed": "yes",
                                                                "reviewed_by": "Anna Nowak, NRPSI 12345"})
    assert response.status_code == 302
    review = db.session.scalar(select(TranslationReview).where(TranslationReview.language == "pl"))
    assert (review.how_made.value, review.reviewed, review.reviewed_by) == ("translator", True, "Anna Nowak, NRPSI 12345")
    assert review.reviewed_on == london_today() and review.changed_by_id == commissioner.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "translation_review_changed"))
    assert event.actor_id == commissioner.id
    assert event.details["before"] == {"how_made": "machine", "reviewed": False}
    assert event.details["after"]["reviewed"] is True

    note = footer(client.get("/?lang=pl"))
    with app.test_request_context(), in_language("pl"):
        assert gettext("A qualified translator") in note
        assert gettext("A qualified translator has not checked it yet. If something is unclear, ask us or read "
                       "the English page.") not in note


def test_only_commissioners_change_the_setting(client):
    sign_in(client, UserFactory(role=Role.PARENT_CARER))
    assert client.get("/commissioning/languages").status_code == 403
    assert client.post("/commissioning/languages/ur", data={"how_made": "translator", "reviewed": "yes"}).status_code == 403
    assert db.session.scalar(select(TranslationReview)) is None


def test_a_missing_answer_is_explained_not_saved(client):
    sign_in(client, UserFactory(role=Role.TRUST))
    response = client.post("/commissioning/languages/ar", data={"how_made": "translator"})
    assert response.status_code == 422
    assert "Select whether a qualified translator has checked it" in response.text
    assert db.session.scalar(select(TranslationReview)) is None
