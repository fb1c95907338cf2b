"""Rate limits: how often someone may try to sign in, ask for a password reset, create an account, or call the API,
counted with Flask-Limiter's storage (in memory by default; Redis with RATELIMIT_STORAGE_URI when several app
processes run, so they share one count) and its moving-window strategy.

The limits are checked in the views with ``check()``, rather than with Flask-Limiter's decorators, because the
key is often in the request's body (the email address being tried) or its token, and each app (the tests make
several) keeps a limiter of its own. Over the limit: a 429 with Retry-After, as a plain-English page or, in the
API, an RFC 9457 problem."""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

# Each in Flask-Limiter's notation: several limits separated by ";".
SIGN_IN_PER_ACCOUNT = "5 per minute; 20 per hour"  # i18n: not shown (a limit)
SIGN_IN_PER_ADDRESS = "30 per minute; 300 per hour"  # i18n: not shown (a limit)
RESET_PER_ACCOUNT = "3 per hour"  # i18n: not shown (a limit)
RESET_PER_ADDRESS = "20 per hour"  # i18n: not shown (a limit)
SIGN_UP_PER_ADDRESS = "10 per hour"  # i18n: not shown (a limit)
API_PER_TOKEN = "120 per minute"  # i18n: not shown (a limit)
API_PER_ADDRESS = "600 per minute"  # i18n: not shown (a limit)
FEED_PER_ADDRESS = "300 per minute"  # i18n: not shown (a limit)
# Calendar apps fetch feeds about hourly, but one address may fetch for many people (a calendar service's servers).
CALENDAR_PER_ADDRESS = "300 per minute"  # i18n: not shown (a limit)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.extensions["portal.limiter"] = Limiter(get_remote_address, app=app, auto_check=False)


def check(scope: str, limits: str, key: str | None = None) -> None:
    """Count one more attempt for ``key`` (the address the request came from, unless given) in ``scope``; over
    any of the limits, answer 429 and say when to try again."""
    limiter: Limiter = current_app.extensions["portal.limiter"]
    if not limiter.enabled:
        return
    key = key if key is not None else (request.remote_addr or "unknown")
    for item in parse_many(limits):
        if not limiter.limiter.hit(item, scope, key):
            reset_at, _remaining = limiter.limiter.get_window_stats(item, scope, key)
            raise TooManyRequests(
                description=_("You have tried this too many times in a short time. Wait a few minutes, then try "
                              "again."),
                retry_after=max(1, round(reset_at - time.time())))


def account_key(email: str | None) -> str:
    """An email address as a key: any case, surrounding spaces ignored, and not kept in the store as typed."""
    return hashlib.sha256((email or "").strip().casefold().encode()).hexdigest()


