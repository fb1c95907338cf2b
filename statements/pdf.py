"""WeasyPrint alone: the statement's HTML to a tagged PDF/UA-1 with the fonts shipped in statements/fonts.

Kept apart from the app (no Flask, no database) so publishing can lay out each language in a process of its own
that starts quickly."""
from __future__ import annotations

import time
from pathlib import Path

FONTS = Path(__file__).resolve().parent / "fonts"


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML  # lazy: 0.5 s to import; the app loads this at start

    return HTML(string=html, base_url=FONTS.as_uri() + "/").write_pdf(pdf_variant="pdf/ua-1")


def timed_pdf_from_html(html: str) -> tuple[bytes, int]:
    """The PDF, and the milliseconds WeasyPrint took to make it."""
    began = time.perf_counter()
    content = pdf_from_html(html)
    return content, round((time.perf_counter() - began) * 1000)
