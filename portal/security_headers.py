"""The headers every answer carries, from one small after-request hook (a dozen lines are easier to read and test
than a library's options, and the policy is the portal's own):

- a Content-Security-Policy without 'unsafe-inline': scripts and styles from the portal itself, and the two inline
  blocks (GOV.UK's js-enabled line, the statement page's fonts) only by the SHA-256 of exactly what they say
  (``csp_inline``), so nothing injected runs, and a page is the same bytes every time it is the same page (an ETag
  can tell a cache it has not changed, portal.http_caching); no plugins, no <base>, and no framing by any site
  (frame-ancestors 'none', with X-Frame-Options for old browsers);
- X-Content-Type-Options: nosniff, a Referrer-Policy that never sends a path (reset tokens live in paths) to another
  site, and a Permissions-Policy that turns off what the portal never uses;
- HSTS in production (it only ever runs over HTTPS there);
- Cache-Control: no-store on every page shown to someone signed in, so children's details are never kept by a
  browser's or a proxy's cache."""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, current_app, g
from flask_login import current_user
from markupsafe import Markup

PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"  # i18n: not shown (an HTTP header)
HSTS = "max-age=31536000; includeSubDomains"  # i18n: not shown (an HTTP header)
# GOV.UK Frontend's line at the top of <body>: the page knows JavaScript runs, and whether GOV.UK Frontend supports
# this browser. templates/layout.html writes it with csp_inline.
GOVUK_JS_ENABLED = ("document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype "  # i18n: not shown (a script)
                    "? ' govuk-frontend-supported' : '');")  # i18n: not shown (a script)


def csp_inline(content: str) -> Markup:
    """Allow this inline <script> or <style> body, exactly as written, by its hash in this answer's policy; returns
    it to go between the tags (``<script>{{ csp_inline(...) }}</script>``)."""
    digest = base64.b64encode(hashlib.sha256(str(content).encode()).digest()).decode()
    g.setdefault("csp_hashes", set()).add(f"'sha256-{digest}'")  # i18n: not shown (a policy's source)
    return Markup(content)


def content_security_policy(hashes: set[str] = frozenset()) -> str:
    allowed = "".join(f" {h}" for h in sorted(hashes))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self'{allowed}",
        f"style-src 'self'{allowed}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_hashes", set())))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SEND_HSTS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    # is_anonymous, not is_authenticated: the latter reads the account again once a commit has expired it.
    if current_user and not current_user.is_anonymous:
        response.cache_control.no_store = True
        response.cache_control.private = True
        response.cache_control.public = False
        response.cache_control.max_age = None
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.add_template_global(csp_inline)
    app.add_template_global(GOVUK_JS_ENABLED, "govuk_js_enabled")
