"""Reading a page number safely: anything that is not a plain positive number means the first page."""
from __future__ import annotations

from flask import request


def page_number(raw: str | None, limit: int = 100_000) -> int:
    raw = raw or "1"
    # isascii: "²" is a digit to isdigit() but not a number to int().
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < limit else 1


def page_arg() -> int:
    return page_number(request.args.get("page"))
