"""The accessibility tagging portal.pdf adds to WeasyPrint's tagged PDF: table header scopes, language
changes, Bengali text that reads back, and the shipped fonts for every script. Small handmade documents, laid out
with the statement's own stylesheet (templates/statements/document.css); no app, no database."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import jinja2
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from portal.pdf import FONTS, pdf_from_html

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def render(lang: str, body: str, direction: str = "ltr") -> bytes:
    """The PDF of a document in ``lang`` with this body, styled as a statement is."""
    stylesheet = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES)).get_template("statements/document.css")
    css = stylesheet.render(doc={"fonts": FONTS.as_uri(), "page_label": "counter(page)"})
    return pdf_from_html(f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
                         f"<title>Test</title><style>{css}</style></head><body>{body}</body></html>")


def struct_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element under the document's, in reading order."""
    found: list[DictionaryObject] = []

    def walk(node: Any) -> None:
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/StructElem":
                found.append(kid)
                walk(kid)

    document, = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    walk(document.get_object())
    return found


def embedded_fonts(content: bytes) -> set[str]:
    """The PostScript names of the font programs embedded in the PDF (the /BaseFont carries the @font-face family
    name, "PDF-Sans", so the name is read from the font program itself)."""
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor["/FontFile2"].get_object().get_data()
            names.add(TTFont(io.BytesIO(program))["name"].getDebugName(6))
    return names


def shipped_fonts() -> set[str]:
    return {TTFont(path)["name"].getDebugName(6) for path in FONTS.glob("*.ttf")}


def text_of(content: bytes) -> str:
    """The text poppler's pdftotext reads from the PDF, without bidi controls and with spaces collapsed."""
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(BIDI_CONTROLS.sub("", text).split())


def test_table_header_cells_have_the_scope_of_their_scope_attribute():
    reader = PdfReader(io.BytesIO(render("en", """
        <table><caption>Breaks</caption>
          <thead><tr><th scope="col">Break</th><th>Ages</th></tr></thead>
          <tbody><tr><th scope="row">Oak House</th><td>5 to 18</td></tr>
                 <tr><th scope="row">Play Club</th><td>8 to 12</td></tr></tbody>
        </table>""")))
    headers = [element for element in struct_elements(reader) if element["/S"] == "/TH"]
    assert [header["/A"].get("/Scope") for header in headers] == ["/Column", "/Column", "/Row", "/Row"]
    assert all(header["/A"]["/O"] == "/Table" for header in headers)


def test_english_passages_in_an_urdu_document_are_tagged_english():
    reader = PdfReader(io.BytesIO(render("ur", """
        <h1>مختصر وقفوں کا بیان</h1>
        <p>یہ حصہ <span lang="en">Short Breaks</span> کے بارے میں ہے۔</p>
        <div lang="en" dir="ltr"><p>This section is shown in English.</p></div>
        <p lang="ur">اردو میں</p>
        <table><tbody><tr><th scope="row" lang="en" dir="ltr">Oak House</th><td>پانچ</td></tr></tbody></table>
        <ul style="list-style: none"><li lang="en">Play Club</li><li>اردو</li></ul>""", "rtl")))
    assert reader.trailer["/Root"]["/Lang"] == "ur"
    elements = struct_elements(reader)
    tagged = [(element["/S"], element["/Lang"]) for element in elements if "/Lang" in element]
    assert tagged == [("/Span", "en"), ("/Div", "en"), ("/TH", "en"), ("/LI", "en")]
    # The paragraphs say nothing: two have no lang attribute, the third's is the document's own.
    assert [element.get("/Lang") for element in elements if element["/S"] == "/P"] == [None, None, None]


@pytest.mark.parametrize("lang, direction, text", [
    ("en", "ltr", "Short Breaks Statement"),
    ("ur", "rtl", "مختصر وقفوں کا بیان"),
    ("pa-Arab", "rtl", "چھوٹیاں چھٹیاں"),
    ("bn", "ltr", "সংক্ষিপ্ত বিরতির বিবৃতি"),
    ("ar", "rtl", "بيان الاستراحات القصيرة"),
    ("pl", "ltr", "Krótkie przerwy"),
], ids=["en", "ur", "pa-Arab", "bn", "ar", "pl"])
def test_each_language_is_tagged_with_its_language(lang, direction, text):
    reader = PdfReader(io.BytesIO(render(lang, f"<h1>{text}</h1>", direction)))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]
    assert [element["/S"] for element in struct_elements(reader)] == ["/H1", "/Span"]


@pytest.mark.parametrize("lang, direction, text, fonts", [
    # Bengali letters in Noto Sans Bengali, the Latin around them in Noto Sans; the vowel signs ি ে ৈ are drawn
    # before their consonant, and still read back in order.
    ("bn", "ltr", "বিবৃতি: কেন্দ্র দৈনিক ২০২৬। Short Breaks 2026",
     {"NotoSansBengali-Regular", "NotoSansBengali-Bold", "NotoSans-Regular", "NotoSans-Bold"}),
    # Urdu's own letters ٹ ڈ ڑ ں ھ ے, and Punjabi's in Shahmukhi ݨ ݪ ڻ: all in Noto Naskh Arabic.
    ("ur", "rtl", "ٹوٹا ڈبہ بڑا کہاں ہے", {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"}),
    ("pa-Arab", "rtl", "اوہناں ݨ ݪ ڻ پنجابی", {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"}),
    ("ar", "rtl", "بيان الاستراحات", {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"}),
], ids=["bn", "ur", "pa-Arab", "ar"])
def test_each_script_is_set_in_a_shipped_font_and_reads_back(lang, direction, text, fonts):
    content = render(lang, f"<p>{text}</p><p><strong>{text}</strong></p>", direction)
    assert embedded_fonts(content) == fonts
    assert text_of(content) == f"{text} {text} 1"  # both paragraphs, then the page number


def test_only_shipped_fonts_are_embedded_in_a_document_mixing_every_script():
    content = render("ur", """<p>اردو ٹ ڈ ڑ ں ھ ے</p><p lang="pa-Arab">ݨ ݪ ڻ</p><p lang="ar">العربية</p>
        <p lang="bn">বাংলা</p><p lang="en"><strong>English</strong> and Polish: Zażółć</p>""", "rtl")
    assert embedded_fonts(content) <= shipped_fonts()
    assert {"NotoNaskhArabic-Regular", "NotoSansBengali-Regular", "NotoSans-Regular"} <= embedded_fonts(content)


def test_the_additions_are_installed_once():
    from weasyprint.pdf import stream, tags

    render("en", "<p>One</p>")
    installed = (tags._build_box_tree, stream.Stream.marked)
    render("en", "<p>Two</p>")
    assert (tags._build_box_tree, stream.Stream.marked) == installed
    assert installed[0].__module__ == "portal.pdf"
