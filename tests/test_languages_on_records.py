"""The languages a family's records hold: the account's language (pages and emails), chosen on the account page
and set at sign-up from the page's language; and each child's home language and need for an interpreter."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Child, User

from .conftest import sign_in
from .factories import LocalityFactory, UserFactory
from .test_accounts import child_form


def page_language(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.text)
    assert match, response.text[:300]
    return match.group(1)


def test_the_child_form_saves_the_home_language_and_the_interpreter_and_shows_them(login):
    family = UserFactory()
    locality = LocalityFactory(name="East")
    client = login(family)
    response = client.post("/children/new", data=child_form(locality, home_language="  Mirpuri Punjabi ",
                                                            interpreter_needed="yes"))
    assert response.status_code == 302
    child = db.session.scalar(select(Child))
    assert (child.home_language, child.interpreter_needed) == ("Mirpuri Punjabi", True)

    page = " ".join(client.get("/children").text.split())
    assert "Language used at home </dt>" in page and '<span dir="auto">Mirpuri Punjabi</span>' in page
    assert re.search(r"Interpreter needed </dt> <dd [^>]*> Yes </dd>", page)

    form = client.get(f"/children/{child.id}/edit").text
    assert 'name="home_language"' in form and 'value="Mirpuri Punjabi"' in form
    assert re.search(r'name="interpreter_needed" type="radio" value="yes" checked', form)

    # Both are optional: cleared and set back to no, they are stored as nothing and False.
    response = client.post(f"/children/{child.id}/edit", data=child_form(locality, home_language=" ",
                                                                         interpreter_needed="no"))
    assert response.status_code == 302
    db.session.refresh(child)
    assert (child.home_language, child.interpreter_needed) == (None, False)


def test_a_new_child_needs_no_interpreter_unless_the_family_says_so(login):
    client = login(UserFactory())
    assert 'value="no" checked' in client.get("/children/new").text
    client.post("/children/new", data=child_form(LocalityFactory()))  # an older page: neither field posted
    child = db.session.scalar(select(Child))
    assert (child.home_language, child.interpreter_needed) == (None, False)


def test_an_interpreter_answer_that_is_not_yes_or_no_is_refused(login):
    client = login(UserFactory())
    response = client.post("/children/new", data=child_form(LocalityFactory(), interpreter_needed="maybe"))
    assert response.status_code == 422 and "Select one of the options" in response.text
    assert db.session.scalar(select(Child)) is None


def test_the_language_chosen_on_the_account_page_sticks(app, client):
    user = UserFactory()
    sign_in(client, user)
    page = client.get("/account").text
    # Each language is named in its own script, marked with its language and direction.
    assert re.search(r'<label class="govuk-label govuk-radios__label" lang="ur" dir="rtl" for="[^"]+">\s*اردو', page)
    assert re.search(r'lang="pl" dir="ltr" for="[^"]+">\s*Polski', page)
    assert re.search(r'value="en" checked', page)

    response = client.post("/account", data={"language": "ur"})
    assert response.status_code == 302 and response.location.endswith("/account")
    assert db.session.get(User, user.id).language == "ur"
    after = client.get("/account")
    assert page_language(after) == "ur" and 'value="ur" checked' in after.text
    assert "govuk-notification-banner--success" in after.text  # the confirmation

    # It is the account's, not the browser's: another browser that signs in gets it too.
    other = app.test_client()
    sign_in(other, user)
    assert page_language(other.get("/", headers={"Accept-Language": "pl"})) == "ur"


def test_a_language_the_portal_does_not_speak_is_not_saved(client):
    user = UserFactory()
    sign_in(client, user)
    response = client.post("/account", data={"language": "xx"})
    assert response.status_code == 422 and "govuk-error-summary" in response.text
    assert db.session.get(User, user.id).language == "en"


def test_signing_up_keeps_the_language_the_page_was_in(client):
    response = client.post("/register?lang=pl", data={"account_type": "parent_carer", "name": "Ola Nowak",
                                                      "email": "ola@example.com", "password": "a long enough pass",
                                                      "confirm": "a long enough pass"})
    assert response.status_code == 200
    assert db.session.scalar(select(User)).language == "pl"


def test_signing_up_from_a_browser_set_to_bengali_keeps_bengali(client):
    client.post("/register", data={"account_type": "young_person", "name": "Rumi Ahmed", "email": "rumi@example.com",
                                   "password": "a long enough pass", "confirm": "a long enough pass"},
                headers={"Accept-Language": "bn-GB,bn;q=0.9,en;q=0.5"})
    assert db.session.scalar(select(User)).language == "bn"
