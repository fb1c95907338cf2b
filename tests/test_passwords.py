"""Passwords: every form that sets one refuses a common one, one made of the person's own email or name, only
spaces, too short or too long, and each refusal names the rule that was broken (portal/passwords.py)."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.passwords import common_passwords, password_problem

from .factories import UserFactory

TOO_SHORT = "Your password must be at least 10 characters long"
TOO_LONG = "Your password must be 200 characters or fewer"
SPACES = "Your password must have letters, numbers or symbols in it, not only spaces"
COMMON = "That is one of the most common passwords, so it is easy to guess. Choose a different one"
OWN = "Your password must not contain your email address or your name"


@pytest.mark.parametrize("password, problem", [
    ("1234567890", COMMON), ("password12", COMMON), ("PASSWORD12", COMMON), ("qwertyuiop", COMMON),
    (" " * 10, SPACES), ("x" * 9, TOO_SHORT), ("x" * 201, TOO_LONG),
    ("amira.khan@example.com", OWN), ("amira.khan1", OWN), ("Amira Khan 2026!", OWN),
    ("correct horse battery staple", None), ("x" * 200, None),
])
def test_each_rule_and_the_message_for_it(app, password, problem):
    found = password_problem(password, email="amira.khan@example.com", name="Amira Khan")
    assert (str(found) if found is not None else None) == problem


def test_the_shipped_list_is_the_twenty_thousand_most_common():
    common = common_passwords()
    assert len(common) > 19_000 and "password" in common and "correct horse battery staple" not in common


def register(client, password: str, **fields):
    data = {"account_type": "parent_carer", "name": "Amira Khan", "email": "amira@example.com",
            "password": password, "confirm": password}
    data.update(fields)
    return client.post("/register", data=data)


@pytest.mark.parametrize("password, message", [("password12", COMMON), ("amira@example.com", OWN),
                                               (" " * 12, SPACES), ("y" * 201, TOO_LONG)])
def test_registration_refuses_the_password_and_says_why(client, password, message):
    response = register(client, password)
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert db.session.scalar(select(User).where(User.email == "amira@example.com")) is None


def test_a_strong_password_registers(client):
    response = register(client, "seven purple lanterns drift")
    assert response.status_code == 200 and "Check your email" in response.text
    assert db.session.scalar(select(User).where(User.email == "amira@example.com")) is not None


def test_a_reset_refuses_the_accounts_own_email_address(client, outbox):
    UserFactory(email="reset.me@example.com", name="Reset Person")
    client.post("/reset-password", data={"email": "reset.me@example.com"})
    path = re.search(r"http://localhost(/reset-password/\S+)", outbox[-1].get_content()).group(1)
    response = client.post(path, data={"password": "reset.me@example.com", "confirm": "reset.me@example.com"})
    assert response.status_code == 422 and OWN in unescape(response.text)
    assert client.post(path, data={"password": "a fresh long secret", "confirm": "a fresh long secret"}).status_code \
        == 302


def test_a_provider_signing_up_cannot_use_their_own_email_as_the_password(client):
    email = "manager@riverside.example.org"
    response = client.post("/provider/sign-up", data={"admin_name": "Sam Lee", "admin_email": email,
                                                      "password": email, "confirm": email})
    assert OWN in unescape(response.text)


def test_sign_in_does_the_same_work_and_gives_the_same_answer_for_known_and_unknown_addresses(client, monkeypatch):
    """No way to tell which addresses have an account: one password hash either way, and the same page."""
    import portal.models  # noqa: PLC0415 - the module whose hash function is counted

    UserFactory(email="known@example.com")
    hashes = []
    real = portal.models.check_password_hash
    monkeypatch.setattr(portal.models, "check_password_hash", lambda *args: hashes.append(1) or real(*args))

    def attempt(email: str):
        hashes.clear()
        response = client.post("/sign-in", data={"email": email, "password": "not the right one"})
        # The page, less what differs on every answer (the CSRF token, the script's nonce) and the address typed.
        page = re.sub(r'name="csrf_token" value="[^"]*"|nonce="[^"]*"', "", response.text)
        return response.status_code, len(hashes), page.replace(email, "EMAIL")

    assert attempt("known@example.com") == attempt("nobody@example.com")
    assert attempt("nobody@example.com")[:2] == (422, 1)
