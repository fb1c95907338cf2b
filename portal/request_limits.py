"""Hostile input answered plainly: JSON nested deeper than any real request is refused with a 400 before anything
parses it (Python's parser would otherwise fail with a RecursionError, a 500). Bodies larger than
MAX_CONTENT_LENGTH are refused by Flask with a 413. In the API both come back as RFC 9457 problems."""
from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_babel import gettext as _

# The deepest a real request goes is 3 (a session's list of needs); 32 leaves room for any honest client.
MOST_JSON_NESTING = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_nesting(body: bytes) -> int:
    """How deep the arrays and objects in a JSON text nest (brackets inside strings do not count)."""
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_deep_json() -> None:
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype and request.mimetype.endswith("json"):
        if json_nesting(request.get_data(cache=True)) > MOST_JSON_NESTING:
            abort(400, description=_("The JSON in the request is nested more than %(most)s levels deep.",
                                     most=MOST_JSON_NESTING))


def init_app(app: Flask) -> None:
    app.before_request(_refuse_deep_json)
