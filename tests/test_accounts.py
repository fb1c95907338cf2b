"""Registering, signing in, resetting a password, and adding children: errors in plain English, nothing lost."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Child, Role, User

from .conftest import TEST_PASSWORD
from .factories import LocalityFactory, UserFactory


def _link(message) -> str:
    return re.search(r"http://localhost(/\S+)", message.get_content()).group(1)


def test_register_creates_a_parent_carer_who_confirms_their_address_then_is_signed_in(client, outbox):
    response = client.post("/register", data={"account_type": "parent_carer", "name": "Jo Bloggs",
                                              "email": "Jo@Example.com", "password": "a long enough pass",
                                              "confirm": "a long enough pass"})
    assert response.status_code == 200 and "Check your email" in response.text
    user = db.session.scalar(select(User))
    assert user.email == "jo@example.com" and user.role is Role.PARENT_CARER and user.email_confirmed_at is None
    assert user.password_hash != "a long enough pass" and user.check_password("a long enough pass")
    assert client.get("/children").status_code == 302  # not signed in yet
    # Signing in before confirming sends a new link instead.
    early = client.post("/sign-in", data={"email": "jo@example.com", "password": "a long enough pass"})
    assert "You need to confirm your email address" in early.text and client.get("/children").status_code == 302
    assert [m["To"] for m in outbox] == ["jo@example.com", "jo@example.com"]
    confirmed = client.get(_link(outbox[0]))
    assert confirmed.status_code == 302 and confirmed.location.endswith("/children/new")
    assert client.get("/children").status_code == 200
    assert db.session.get(User, user.id).email_confirmed_at is not None
    again = client.get(_link(outbox[1]))  # a second link, once confirmed, goes to sign in
    assert again.status_code == 302 and again.location.endswith("/sign-in")
    assert client.get("/confirm-email/not-a-token").status_code == 404


def test_signing_up_with_a_taken_address_looks_the_same_and_tells_the_owner(client, outbox):
    owner = UserFactory(email="taken@example.com", name="Pat Owner")
    new = client.post("/register", data={"account_type": "parent_carer", "name": "Jo", "email": "new@example.com",
                                         "password": "a long enough pass", "confirm": "a long enough pass"})
    taken = client.post("/register", data={"account_type": "parent_carer", "name": "Jo",
                                           "email": "taken@example.com", "password": "a long enough pass",
                                           "confirm": "a long enough pass"})
    assert taken.status_code == new.status_code == 200
    def page(response, email):  # the page with the address typed, and each response's own CSP nonce, set aside
        return re.sub(r'nonce="[^"]+"', "", response.text.replace(email, "ADDRESS"))
    assert page(taken, "taken@example.com") == page(new, "new@example.com")
    assert "already" not in taken.text
    told = outbox[-1]
    assert told["To"] == "taken@example.com" and "Someone tried to create" in told["Subject"]
    assert "Hello Pat Owner" in told.get_content() and "/sign-in" in told.get_content()
    assert db.session.scalar(select(func.count(User.id))) == 2  # no second account
    assert db.session.get(User, owner.id).check_password(TEST_PASSWORD)  # and nothing about theirs changed


def test_young_person_can_hold_their_own_account(client):
    client.post("/register", data={"account_type": "young_person", "name": "Kai", "email": "kai@example.com",
                                   "password": "a long enough pass", "confirm": "a long enough pass"})
    assert db.session.scalar(select(User)).role is Role.YOUNG_PERSON


def test_register_errors_keep_what_was_typed(client):
    UserFactory(email="taken@example.com")
    response = client.post("/register", data={"account_type": "parent_carer", "name": "Jo Bloggs",
                                              "email": "taken@example.com", "password": "short", "confirm": "other"})
    assert response.status_code == 422
    page = response.text
    assert "govuk-error-summary" in page
    assert "An account already uses this email address" not in page or "at least 10 characters" in page
    assert "at least 10 characters" in page and 'value="Jo Bloggs"' in page


def test_sign_in_with_wrong_password_is_refused_plainly(client):
    user = UserFactory()
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 422
    assert "The email address or password is not right" in response.text
    assert client.get("/bookings").status_code == 302


def test_password_reset_by_emailed_link_that_expires_and_works_once(app, client, outbox):
    user = UserFactory(email="reset@example.com")
    client.post("/reset-password", data={"email": "reset@example.com"})
    assert outbox[-1]["To"] == "reset@example.com"
    link = re.search(r"http://localhost(/reset-password/\S+)", outbox[-1].get_content()).group(1)
    response = client.post(link, data={"password": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("brand new password")
    assert client.get(link).status_code == 404  # used links stop working
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        client.post("/reset-password", data={"email": "reset@example.com"})
        expired = re.search(r"http://localhost(/reset-password/\S+)", outbox[-1].get_content()).group(1)
        assert client.get(expired).status_code == 410
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_reset_for_unknown_address_gives_the_same_answer(client, outbox):
    response = client.post("/reset-password", data={"email": "nobody@example.com"})
    assert response.status_code == 200 and "Check your email" in response.text
    assert outbox == []


def child_form(locality, **overrides):
    born = date.today() - timedelta(days=9 * 365)
    data = {"first_name": "Sam", "last_name": "Khan", "date_of_birth": [str(born.day), str(born.month), str(born.year)],
            "needs": ["autism", "communication"], "needs_notes": "Likes trains", "has_ehc_plan": "yes",
            "support_level": "one_to_one", "locality_id": str(locality.id), "postcode": "b1 1aa",
            "emergency_contact": "Amira 07700 900000"}
    data.update(overrides)
    return data


def test_add_child_once_and_reuse(login):
    family = UserFactory()
    locality = LocalityFactory(name="East")
    client = login(family)
    response = client.post("/children/new", data=child_form(locality))
    assert response.status_code == 302
    child = db.session.scalar(select(Child))
    assert child.parent_id == family.id and child.needs == ["autism", "communication"] and child.has_ehc_plan
    assert child.postcode == "B1 1AA" and child.support_level.value == "one_to_one"
    assert "Sam Khan" in client.get("/children").text
    assert "Sam Khan" in client.get("/local-offer").text  # offered in "Suitable for"


@pytest.mark.parametrize("overrides, message", [
    ({"date_of_birth": [str((date.today() + timedelta(days=2)).day), str((date.today() + timedelta(days=2)).month),
                        str((date.today() + timedelta(days=2)).year)]}, "Date of birth must be today or in the past"),
    ({"date_of_birth": ["31", "2", "2015"]}, "Date of birth must be a real date"),
    ({"date_of_birth": ["", "", ""]}, "Enter their date of birth"),
    ({"first_name": ""}, "Enter their first name"),
    ({"locality_id": "0"}, "Select the area you live in"),
    ({"has_ehc_plan": ""}, "Select yes if they have an EHC plan"),
])
def test_child_form_errors_are_plain_and_keep_input(login, overrides, message):
    family = UserFactory()
    locality = LocalityFactory()
    client = login(family)
    response = client.post("/children/new", data=child_form(locality, **overrides))
    assert response.status_code == 422
    assert message in response.text and "govuk-error-summary" in response.text
    assert "Likes trains" in response.text  # what they typed is still there
    assert db.session.scalar(select(Child)) is None


def test_young_person_account_holder_must_be_16_to_25(login):
    young = UserFactory(role=Role.YOUNG_PERSON)
    locality = LocalityFactory()
    client = login(young)
    born_12 = date.today() - timedelta(days=12 * 365 + 10)
    response = client.post("/children/new", data=child_form(locality, date_of_birth=[
        str(born_12.day), str(born_12.month), str(born_12.year)]))
    assert response.status_code == 422 and "aged 16 to 25" in response.text
    born_17 = date.today() - timedelta(days=17 * 365 + 10)
    response = client.post("/children/new", data=child_form(locality, date_of_birth=[
        str(born_17.day), str(born_17.month), str(born_17.year)]))
    assert response.status_code == 302
    assert db.session.scalar(select(Child)).is_account_holder


def test_a_confirmation_link_stops_working_after_three_days(client, outbox, monkeypatch):
    client.post("/register", data={"account_type": "parent_carer", "name": "Jo", "email": "late@example.com",
                                   "password": "a long enough pass", "confirm": "a long enough pass"})
    monkeypatch.setattr("portal.email_addresses.CONFIRM_MAX_AGE", -1)  # as if three days had passed
    late = client.get(_link(outbox[-1]))
    assert late.status_code == 410 and "This link has expired" in late.text
    assert db.session.scalar(select(User).where(User.email == "late@example.com")).email_confirmed_at is None
    assert client.get("/children").status_code == 302
