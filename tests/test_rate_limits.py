"""Rate limits (portal/rate_limits.py): sign-in per account and per address, password reset, sign-up and the API
per token answer 429 with Retry-After, as a page or an RFC 9457 problem.

These run in an app of their own with limits on (the rest of the suite signs in hundreds of times a minute from
one address). Counts are kept in memory, or in Redis when TEST_RATELIMIT_STORAGE_URI names one (.ci/run does
when Redis is reachable), as several app processes would share them."""
from __future__ import annotations

import os
from html import unescape

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Role
from providers.tokens import create_token

from .conftest import mail_to
from .factories import ProviderFactory, UserFactory

STORAGE = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://")
TOO_MANY = "You have tried this too many times in a short time. Wait a few minutes, then try again."


@pytest.fixture
def limited_app(app):
    """An app with rate limits on, over the same database, its counts emptied first."""
    limited_app = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=STORAGE)
    limited_app.extensions["portal.limiter"].reset()
    yield limited_app
    limited_app.extensions["portal.limiter"].reset()


@pytest.fixture
def limited(limited_app):
    return limited_app.test_client()


def test_sign_in_is_limited_per_account_even_with_the_right_password(limited):
    user = UserFactory(email="target@example.com")
    for _ in range(5):
        response = limited.post("/sign-in", data={"email": "target@example.com", "password": "a wrong guess"})
        assert response.status_code == 422
    blocked = limited.post("/sign-in", data={"email": "Target@Example.com ", "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert TOO_MANY in unescape(blocked.text) and "<h1" in blocked.text
    # Another account from the same address is not held up by it.
    other = UserFactory(email="someone.else@example.com")
    assert limited.post("/sign-in", data={"email": other.email, "password": "correct horse battery"}).status_code \
        == 302
    assert user.email == "target@example.com"


def test_sign_in_is_limited_per_address_across_accounts(limited):
    for n in range(30):
        limited.post("/sign-in", data={"email": f"guess{n}@example.com", "password": "a wrong guess"})
    assert limited.post("/sign-in", data={"email": "guess99@example.com", "password": "x"}).status_code == 429


def test_password_reset_is_limited_per_address_whether_or_not_it_has_an_account(limited_app, limited, mail_inbox):
    UserFactory(email="real@example.com")
    with mail_to(limited_app, mail_inbox) as outbox:
        for email in ("real@example.com", "made.up@example.com"):
            answers = [limited.post("/reset-password", data={"email": email}).status_code for _ in range(4)]
            assert answers == [200, 200, 200, 429], email
        assert len(outbox) == 3  # no more than three emails to the real address


def test_sign_up_is_limited_per_address(limited):
    answers = [limited.post("/register", data={"account_type": "parent_carer", "name": "Sam", "email": f"s{n}@x.org",
                                                "password": "x", "confirm": "x"}).status_code for n in range(11)]
    assert answers[:10] == [422] * 10 and answers[10] == 429
    # The same count for a provider's sign-up from that address.
    assert limited.post("/provider/sign-up", data={"admin_email": "p@x.org"}).status_code == 429


def test_the_api_is_limited_per_token_with_a_problem(limited):
    provider = ProviderFactory()
    admin = UserFactory(role=Role.PROVIDER, provider=provider, is_provider_admin=True)
    _token, secret = create_token(provider, "Booking system", by=admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    answers = [limited.get("/api/v1/offers", headers=headers).status_code for _ in range(121)]
    assert answers[:120] == [200] * 120
    assert answers[120] == 429
    blocked = limited.get("/api/v1/offers", headers=headers)
    assert blocked.mimetype == "application/problem+json"
    assert blocked.json["status"] == 429 and blocked.json["detail"] == TOO_MANY
    assert int(blocked.headers["Retry-After"]) > 0
