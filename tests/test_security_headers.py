"""Every answer carries the security headers (portal/security_headers.py): on a public page, a signed-in page with
a child's details, the API and an error; and the policy allows the portal's own inline blocks only with the
answer's nonce."""
from __future__ import annotations

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


def test_a_public_page_has_every_header_and_its_inline_script_carries_the_nonce(client):
    response = client.get("/")
    check_every_answer(response)
    nonce = re.search(r"'nonce-([\w-]+)'", policy(response)["script-src"]).group(1)
    assert f'<script nonce="{nonce}">document.body.className' in response.text
    assert "no-store" not in response.headers.get("Cache-Control", "")  # public: a cache may keep it
    assert "Strict-Transport-Security" not in response.headers  # not in development or tests: no HTTPS there
    # A new nonce for each answer.
    assert re.search(r"'nonce-([\w-]+)'", policy(client.get("/"))["script-src"]).group(1) != nonce


def test_no_page_has_a_style_attribute_or_an_inline_block_without_the_nonce(client, login):
    parent = UserFactory(role=Role.PARENT_CARER)
    ChildFactory(parent=parent, first_name="Amira")
    login(parent)
    for path in ("/", "/local-offer", "/children", "/bookings", "/money", "/statement", "/accessibility"):
        html = client.get(path).text
        assert not re.search(r"<[a-z][^>]*\sstyle=", html), path
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
            assert "nonce=" in tag or "src=" in tag, (path, tag)


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
