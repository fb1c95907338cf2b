"""Public pages that a cache may keep: a page asked for by someone with no cookies (not signed in, no language
chosen, nothing in a session), and answered without setting one, is the same for everyone who asks the same way.
It gets an ETag (a hash of the page: the policy's hashes rather than nonces keep the bytes the same), may be kept
for a minute by a browser or a shared proxy (``Vary: Cookie, Accept-Language``: anyone with a cookie, or asking
for another language, is answered afresh), and a request that already has this version gets 304 Not Modified.

Places left may be up to a minute old on a kept copy; booking itself always checks under the capacity lock.
Answers that set their own caching (the Open Referral feed, files) are left as they are."""
from __future__ import annotations

from flask import Flask, Response, request, session
from flask_login import current_user

PUBLIC_MAX_AGE = 60  # seconds


def same_for_everyone(response: Response) -> bool:
    """An answer anyone asking the same way would get: a GET or HEAD from someone with no cookies (not signed in, no
    language chosen, nothing in a session), answered 200 without touching the session or setting a cookie. Also
    what portal.page_cache keeps."""
    return (request.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed
            and not request.cookies and not session and not session.modified
            and not (current_user and not current_user.is_anonymous)
            and "Set-Cookie" not in response.headers)


def _shareable(response: Response) -> bool:
    """A page (answers that set their own caching are left as they are)."""
    return (same_for_everyone(response) and response.mimetype == "text/html"
            and "Cache-Control" not in response.headers and "ETag" not in response.headers)


def _cache_public_pages(response: Response) -> Response:
    if _shareable(response):
        response.add_etag()
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
        response.vary.update(("Cookie", "Accept-Language"))  # i18n: not shown (HTTP headers)
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_cache_public_pages)
