"""Requests an attacker shapes: a forged Host header, JSON nested a thousand deep, an oversized body, and a document
that tries to make WeasyPrint read a file or call an address. Each is answered plainly, and none reaches further."""
from __future__ import annotations

import http.server
import io
import json
import re
import threading

import pytest
from flask import request
from pypdf import PdfReader
from weasyprint import HTML
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app
from portal.request_limits import MOST_JSON_NESTING, json_nesting
from portal.pdf import FONTS, pdf_from_html

from .factories import UserFactory


# --- links are built from BASE_URL, never from the Host header ----------------------------------------------

def test_a_reset_link_uses_the_portals_address_whatever_host_the_request_names(app, client, outbox):
    UserFactory(email="reset@example.com")
    client.post("/reset-password", data={"email": "reset@example.com"}, headers={"Host": "evil.example"})
    body = outbox[-1].get_content()
    assert "evil.example" not in body
    assert re.search(r"http://localhost/reset-password/\S+", body)


def test_production_will_not_start_without_its_address_and_then_answers_only_to_its_own_host(tmp_path):
    settings = {"SECRET_KEY": "a real secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"}
    with pytest.raises(RuntimeError, match="Set BASE_URL"):
        create_app("production", BASE_URL="", **settings)
    app = create_app("production", BASE_URL="https://shortbreaks.example.gov.uk", **settings)
    assert app.config["TRUSTED_HOSTS"] == ["shortbreaks.example.gov.uk"]
    client = app.test_client()
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
    assert client.get("/healthz", base_url="https://shortbreaks.example.gov.uk").status_code == 200


def test_behind_a_proxy_the_forwarded_scheme_and_address_are_trusted_only_when_configured(tmp_path):
    def scheme_seen(app):
        app.add_url_rule("/_scheme_seen", "scheme_seen", lambda: f"{request.scheme} {request.remote_addr}")
        return app.test_client().get("/_scheme_seen", headers={"X-Forwarded-Proto": "https",
                                                               "X-Forwarded-For": "203.0.113.9"}).text

    database = f"sqlite:///{tmp_path}/p.sqlite3"
    assert scheme_seen(create_app("test", SQLALCHEMY_DATABASE_URI=database)) == "http 127.0.0.1"
    behind = create_app("test", SQLALCHEMY_DATABASE_URI=database, PROXY_COUNT=1)
    assert isinstance(behind.wsgi_app, ProxyFix)
    assert scheme_seen(behind) == "https 203.0.113.9"


# --- JSON nested too deep, bodies too large ----------------------------------------------------------------

def test_json_nesting_counts_brackets_but_not_those_inside_strings():
    assert json_nesting(b'{"a": [1, {"b": 2}]}') == 3
    assert json_nesting(b'{"a": "[[[[{{{{ \\" ]]]"}') == 1
    assert json_nesting(b"[" * 1000 + b"]" * 1000) == 1000


@pytest.mark.parametrize("depth", [MOST_JSON_NESTING + 1, 1000, 100_000])
def test_json_nested_too_deep_is_a_400_problem_never_a_500(client, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/offers/1/sessions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == f"The JSON in the request is nested more than {MOST_JSON_NESTING} levels deep."


def test_json_within_the_limit_goes_on_to_the_api_itself(client):
    body = json.dumps({"a": [[[1]]]})
    response = client.post("/api/v1/offers/1/sessions", data=body, content_type="application/json")
    assert response.status_code == 401  # reached the API: it asks for a token


def test_a_body_larger_than_the_limit_is_a_413_problem(app, client):
    body = b'{"notes": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    response = client.post("/api/v1/offers/1/sessions", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


# --- WeasyPrint reads only the statement's own fonts ------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        type(self).asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"p { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def internal_service():
    """An address inside the network that a document must never make the portal call."""
    _Recorder.asked = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_statement_document_cannot_read_files_or_call_addresses(internal_service, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the council's private key")
    html = f"""<html lang="en"><head><title>x</title>
      <link rel="stylesheet" href="{internal_service}/from-a-link.css">
      <style>@import url("{internal_service}/from-an-import.css");
             @font-face {{ font-family: Own; src: url("{FONTS.as_uri()}/NotoSans-Regular.ttf"); }}
             body {{ font-family: Own }}</style></head>
      <body><p>Short breaks</p><img alt="" src="{secret.as_uri()}"><img alt="" src="{internal_service}/img.png">
      <object data="{secret.as_uri()}"></object></body></html>"""
    pdf = PdfReader(io.BytesIO(pdf_from_html(html)))
    assert _Recorder.asked == []
    assert "private key" not in " ".join(page.extract_text() for page in pdf.pages)
    fonts = {str(font.get_object()["/BaseFont"]) for page in pdf.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert any(name.endswith("+Own") for name in fonts), fonts  # its own font still loads
    # The control: WeasyPrint's own fetcher would have called the internal address.
    HTML(string=html).write_pdf()
    assert _Recorder.asked
