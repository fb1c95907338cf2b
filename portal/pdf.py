"""WeasyPrint alone: a document's HTML (the statement, the "So what?" summary) to a tagged PDF/UA-1 with the fonts
shipped in portal/fonts.

Kept apart from the app (no Flask, no database) so publishing can lay out each language in a process of its own
that starts quickly."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

FONTS = Path(__file__).resolve().parent / "fonts"

# Scripts whose glyphs are drawn in another order than their letters are read (Bengali vowel signs ি ে ৈ come
# before their consonant): a PDF reader cannot read such text back from the glyphs alone. (Not Arabic script:
# readers such as poppler reorder right-to-left text themselves, and would turn an /ActualText round again.)
REORDERED_SCRIPTS = re.compile("[\u0980-\u09ff]")

_installed = False


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML  # lazy: 0.5 s to import; the app loads this at start

    _complete_weasyprint_tagging()
    return HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=_shipped_fonts_only()).write_pdf(
        pdf_variant="pdf/ua-1")


def _shipped_fonts_only():
    """WeasyPrint's fetcher, allowed to read only the fonts in portal/fonts: whatever a provider or
    commissioner writes, a document can never make it read another file (file:///etc/passwd) or call an address
    (http://169.254.169.254/, an internal service). Anything else is refused, and left out of the PDF."""
    from weasyprint.urls import URLFetcher  # lazy, as above

    class ShippedFontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            if path is None or path.parent != FONTS or path.suffix not in (".ttf", ".otf"):
                raise ValueError(f"A PDF reads only its own fonts, not {url}")
            return super().fetch(url, headers)

    return ShippedFontsOnly(allowed_protocols={"file"}, allow_redirects=False)


def timed_pdf_from_html(html: str) -> tuple[bytes, int]:
    """The PDF, and the milliseconds WeasyPrint took to make it."""
    began = time.perf_counter()
    content = pdf_from_html(html)
    return content, round((time.perf_counter() - began) * 1000)


def _complete_weasyprint_tagging() -> None:
    """Make WeasyPrint 70 write what it leaves out of a tagged PDF, and PDF/UA and screen readers need:

    - the /Scope (/Row or /Column) of each table header cell;
    - the /Lang of each element whose lang attribute differs from the document's (the passages left in English
      in a translated statement);
    - the /ActualText of Bengali text, whose glyphs are not in reading order, so it reads back as written.

    WeasyPrint 70 has no hook for these, so this wraps two of its private functions: _build_box_tree in
    weasyprint.pdf.tags, which yields the structure element made from each box (it calls itself through the
    module's name, so the wrapper sees every element), and Stream.marked, which opens the marked content of each
    piece of text. Installing them a second time does nothing. If a WeasyPrint upgrade changes these internals,
    tests/test_statement_pdf_tags.py fails."""
    global _installed
    if _installed:
        return
    # Lazy, like WeasyPrint itself in pdf_from_html: the app imports this module at start.
    import pydyf
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.pdf import tags
    from weasyprint.pdf.stream import Stream

    build_box_tree, marked = tags._build_box_tree, Stream.marked

    def build_box_tree_with_scopes_and_languages(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
        made_from = getattr(box, "_box", box)  # as WeasyPrint does: an absolute placeholder stands for its box
        for element in build_box_tree(box, parent, pdf, *args):
            _add_scope_and_language(element, made_from, pdf.catalog.get("Lang"))
            yield element

    @contextmanager
    def marked_with_actual_text(self: Any, box: Any, tag: str) -> Iterator[None]:
        with marked(self, box, tag):
            properties = self.stream[-2] if self._tags is not None else None  # just written, before its BDC
            if isinstance(box, TextBox) and isinstance(properties, dict) and REORDERED_SCRIPTS.search(box.text):
                properties["ActualText"] = pydyf.String(box.text)
            yield

    tags._build_box_tree = build_box_tree_with_scopes_and_languages
    Stream.marked = marked_with_actual_text
    _installed = True


def _add_scope_and_language(element: Any, box: Any, document_lang: Any) -> None:
    """Add /Scope and /Lang to the structure element made from the box's HTML element. Elements made for
    something else (the list item WeasyPrint wraps around some boxes, the children html and body hand up) are
    left alone: their tag is not the one the box's HTML element maps to."""
    # Lazy: only ever called while WeasyPrint is making a PDF, so both are imported by then.
    import pydyf
    from weasyprint.pdf.tags import _get_pdf_tag

    if box.element is None or box.element_tag in ("html", "body"):
        return
    if element["S"] != f"/{_get_pdf_tag(box.element_tag)}":
        return
    attributes = box.element.attrib
    if element["S"] == "/TH":
        # As WeasyPrint links data cells to headers (/Headers): a row's header if scope="row", else a column's.
        element["A"]["Scope"] = "/Row" if attributes.get("scope") == "row" else "/Column"
    lang = attributes.get("lang")
    if lang and lang != getattr(document_lang, "string", None):
        element["Lang"] = pydyf.String(lang)
