"""Every answer carries the security headers (portal/security_headers.py): on a public page, a signed-in page with
a child's details, the API and an error; and the policy allows the portal's own inline blocks only with the
answer's nonce."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

from portal import create_app
from portal.models import Role

from .factories import ChildFactory, UserFactory

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def policy(response) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in response.headers["Content-Security-Policy"].split(";")}


def check_every_answer(response) -> None:
    for name, value in EVERY_ANSWER.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    csp = policy(response)
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'" and csp["base-uri"] == "base-uri 'none'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def _hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode()).digest()).decode() + "'"


def test_a_public_page_has_every_header_and_its_inline_script_is_allowed_by_its_hash(client):
    response = client.get("/")
    check_every_answer(response)
    script = re.search(r"<script>(document\.body\.className[^<]*)</script>", response.text).group(1)
    assert policy(response)["script-src"] == f"script-src 'self' {_hash(script)}"
    assert _hash("window.injected = true") not in response.headers["Content-Security-Policy"]
    assert "no-store" not in response.headers.get("Cache-Control", "")  # public: a cache may keep it
    assert "Strict-Transport-Security" not in response.headers  # not in development or tests: no HTTPS there


def test_no_page_has_a_style_attribute_or_an_inline_block_the_policy_does_not_name(client, login):
    parent = UserFactory(role=Role.PARENT_CARER)
    ChildFactory(parent=parent, first_name="Amira")
    login(parent)
    for path in ("/", "/local-offer", "/children", "/bookings", "/money", "/statement", "/accessibility"):
        response = client.get(path)
        html = response.text
        assert not re.search(r"<[a-z][^>]*\sstyle=", html), path
        for _name, attributes, body in re.findall(r"<(script|style)\b([^>]*)>(.*?)</\1>", html, flags=re.S):
            assert "src=" in attributes or _hash(body) in response.headers["Content-Security-Policy"], (path, body)


def test_a_public_page_can_be_kept_by_a_cache_and_revalidated(client):
    first, again = client.get("/local-offer"), client.get("/local-offer")
    assert first.status_code == 200 and first.headers["ETag"] == again.headers["ETag"]
    assert first.text == again.text  # the same bytes: no nonce, no token
    cache = first.headers["Cache-Control"]
    assert "public" in cache and "max-age=60" in cache
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    unchanged = client.get("/local-offer", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""


def test_pages_for_someone_with_a_session_or_a_form_are_not_shared(app, client, login):
    with_csrf = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    sign_in_page = with_csrf.test_client().get("/sign-in")  # its form's CSRF token lives in the session
    assert "csrf_token" in sign_in_page.text and "Set-Cookie" in sign_in_page.headers
    assert "public" not in sign_in_page.headers.get("Cache-Control", "") and "ETag" not in sign_in_page.headers
    login(UserFactory(role=Role.PARENT_CARER))
    signed_in = client.get("/local-offer")
    assert "ETag" not in signed_in.headers and "no-store" in signed_in.headers["Cache-Control"]


def test_a_signed_in_page_with_a_childs_details_is_never_stored(client, login):
    parent = UserFactory(role=Role.PARENT_CARER)
    ChildFactory(parent=parent, first_name="Amira")
    login(parent)
    response = client.get("/children")
    assert "Amira" in response.text
    check_every_answer(response)
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path, status", [("/api/v1/openapi.json", 200), ("/api/v1/offers", 401),
                                          ("/no-such-page", 404)])
def test_the_api_and_error_pages_have_the_headers_too(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    check_every_answer(response)


def test_production_adds_hsts(tmp_path):
    app = create_app("production", SECRET_KEY="a real secret", BASE_URL="https://shortbreaks.example.gov.uk",
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.sqlite3")
    response = app.test_client().get("/healthz", base_url="https://shortbreaks.example.gov.uk")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
