"""The headers every answer carries, from one small after-request hook (a dozen lines are easier to read and test
than a library's options, and the policy is the portal's own):

- a Content-Security-Policy without 'unsafe-inline': scripts and styles from the portal itself, and the two inline
  blocks (GOV.UK's js-enabled line, the statement page's fonts) only with this answer's nonce; no plugins, no
  <base>, and no framing by any site (frame-ancestors 'none', with X-Frame-Options for old browsers);
- X-Content-Type-Options: nosniff, a Referrer-Policy that never sends a path (reset tokens live in paths) to another
  site, and a Permissions-Policy that turns off what the portal never uses;
- HSTS in production (it only ever runs over HTTPS there);
- Cache-Control: no-store on every page shown to someone signed in, so children's details are never kept by a
  browser's or a proxy's cache."""
from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g
from flask_login import current_user

PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"  # i18n: not shown (an HTTP header)
HSTS = "max-age=31536000; includeSubDomains"  # i18n: not shown (an HTTP header)


def csp_nonce() -> str:
    """This answer's nonce, for an inline <script> or <style> the portal writes itself."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SEND_HSTS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if current_user and current_user.is_authenticated:
        response.cache_control.no_store = True
        response.cache_control.private = True
        response.cache_control.public = False
        response.cache_control.max_age = None
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.add_template_global(csp_nonce)
