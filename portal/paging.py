"""Reading ?page= safely: anything that is not a plain positive number means the first page."""
from __future__ import annotations

from flask import request


def page_arg(name: str = "page", limit: int = 100_000) -> int:
    raw = request.args.get(name, "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= limit else 1
