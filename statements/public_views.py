"""The published statement, for everyone and without signing in: the latest version as a page and as a PDF in
each language (served exactly as stored at publishing, never made again), every published version with its
files, and what changed between two versions."""
from __future__ import annotations

import hashlib
import logging

from babel.units import format_unit
from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import language as portal_language
from portal.timeutil import to_london

from . import publishing
from .document import FONTS, SECTIONS, document_context, long_date
from .i18n import page_language
from .models import LANGUAGES, FilePart, Statement, StatementFile, StatementStatus
from .services import changes_between, comments_on

bp = Blueprint("statement", __name__)
log = logging.getLogger(__name__)

# Each language the statement is written in, in its own words (as the portal's language switcher names it).
NATIVE_NAMES = {code: portal_language(code).name for code in LANGUAGES}
# Pages in Urdu, Punjabi, Arabic and Bengali use the fonts the PDF ships with (statement.css).
WEB_FONTS = {"NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", "NotoSansBengali-Regular.ttf",
             "NotoSansBengali-Bold.ttf"}
YEAR = 365 * 24 * 3600


def _published():
    return select(Statement).where(Statement.status == StatementStatus.PUBLISHED)


def latest_published() -> Statement | None:
    return db.session.scalar(_published().order_by(Statement.version.desc()).limit(1))


def _latest_or_404() -> Statement:
    statement = latest_published()
    if statement is None:
        abort(404)
    return statement


def _published_or_404(version: int) -> Statement:
    statement = db.session.scalar(_published().where(Statement.version == version))
    if statement is None:
        abort(404)
    return statement


def _language_or_404(lang: str) -> str:
    if lang not in LANGUAGES:
        abort(404)
    return lang


def _files(statement_ids: list[int]) -> dict[int, list]:
    """The stored PDFs of these versions, without their content (which can be megabytes)."""
    rows = db.session.execute(
        select(StatementFile.statement_id, StatementFile.language, StatementFile.part, StatementFile.size,
               StatementFile.sha256, StatementFile.generated_at)
        .where(StatementFile.statement_id.in_(statement_ids))
    ).all()
    found: dict[int, list] = {statement_id: [] for statement_id in statement_ids}
    order = list(LANGUAGES)
    for row in sorted(rows, key=lambda r: (r.part is FilePart.ANNEX,
                                           order.index(r.language) if r.language in LANGUAGES else 99)):
        found[row.statement_id].append(row)
    return found


def file_size(size: int) -> str:
    """A file size the way people read them: "240 kB", "1.4 MB" (in the reader's language)."""
    if size < 1_000_000:
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", "short", locale=get_locale())
    return format_unit(round(size / 1_000_000, 1), "digital-megabyte", "short", locale=get_locale())


def _published_on(statement: Statement) -> str:
    return long_date(to_london(statement.published_at).date()) if statement.published_at else ""


def _file_href(statement: Statement, language: str, part: FilePart, latest: bool) -> str:
    if part is FilePart.ANNEX:
        if latest:
            return url_for(".latest_annex_pdf", lang=language)
        return url_for(".version_annex_pdf", version=statement.version, lang=language)
    if latest:
        return url_for(".latest_pdf") if language == "en" else url_for(".latest_pdf_in", lang=language)
    return url_for(".version_pdf", version=statement.version, lang=language)


def _downloads(statement: Statement, latest: bool) -> list[dict]:
    """The version's PDFs: the statement in each language, then its annex in each."""
    return [{"language": row.language, "name": NATIVE_NAMES.get(row.language, row.language),
             "annex": row.part is FilePart.ANNEX, "href": _file_href(statement, row.language, row.part, latest),
             "size": file_size(row.size), "sha256": row.sha256}
            for row in _files([statement.id])[statement.id]]


def _page(statement: Statement, language: str, latest: bool) -> str:
    newest = statement if latest else latest_published()
    # What families said in the consultation on this version and the replies, published with it (never names).
    comments = comments_on(statement)
    doc = document_context(statement, language)
    return render_template("statements/public/statement.html", doc=doc, embedded=True, latest=latest,
                           newest=newest, downloads=_downloads(statement, latest),
                           published_on=_published_on(statement), comments=comments,
                           titles={spec.key: spec.title for spec in SECTIONS})


def _pdf(statement: Statement, language: str, latest: bool, part: FilePart = FilePart.STATEMENT) -> Response:
    stored = db.session.scalar(select(StatementFile).where(StatementFile.statement_id == statement.id,
                                                           StatementFile.language == language,
                                                           StatementFile.part == part))
    if stored is None:
        abort(404)
    if hashlib.sha256(stored.content).hexdigest() != stored.sha256:
        log.error("Statement version %s (%s): the stored PDF does not match its SHA-256", statement.version, language)
        abort(500)
    suffix = ("" if language == "en" else f"-{language}") + ("-annex" if part is FilePart.ANNEX else "")
    response = Response(stored.content, mimetype="application/pdf")
    name = f"short-breaks-statement-version-{statement.version}{suffix}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'  # i18n: not shown (an HTTP header)
    response.set_etag(stored.sha256)
    response.last_modified = stored.generated_at
    response.cache_control.public = True
    if latest:
        # The latest version changes when a new one is published: check each time (a 304 costs nothing).
        response.cache_control.no_cache = True
    else:
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response.make_conditional(request, accept_ranges=True, complete_length=stored.size)


@bp.get("/statement")
def latest():
    language = page_language()
    statement = latest_published()
    if statement is None:
        return render_template("statements/public/empty.html", preparing=publishing.being_published() is not None)
    return _page(statement, language, latest=True)


@bp.get("/statement.pdf")
def latest_pdf():
    return _pdf(_latest_or_404(), "en", latest=True)


@bp.get("/statement/<lang>.pdf")
def latest_pdf_in(lang):
    return _pdf(_latest_or_404(), _language_or_404(lang), latest=True)


@bp.get("/statement/annex/<lang>.pdf")
def latest_annex_pdf(lang):
    """The latest version's annex: every break on offer, one by one."""
    return _pdf(_latest_or_404(), _language_or_404(lang), latest=True, part=FilePart.ANNEX)


@bp.get("/statement/versions")
def versions():
    statements = db.session.scalars(_published().order_by(Statement.version.desc())).all()
    files = _files([s.id for s in statements])
    rows = [{"statement": s, "published_on": _published_on(s),
             "review_on": long_date(s.review_on) if s.review_on else "",
             "files": [{"name": NATIVE_NAMES.get(f.language, f.language), "language": f.language,
                        "annex": f.part is FilePart.ANNEX,
                        "href": _file_href(s, f.language, f.part, latest=False),
                        "size": file_size(f.size), "sha256": f.sha256} for f in files[s.id]]}
            for s in statements]
    return render_template("statements/public/versions.html", rows=rows)


@bp.get("/statement/versions/<int:version>")
def version(version):
    statement = _published_or_404(version)
    return _page(statement, page_language(), latest=False)


@bp.get("/statement/versions/<int:version>/<lang>.pdf")
def version_pdf(version, lang):
    language = _language_or_404(lang)
    return _pdf(_published_or_404(version), language, latest=False)


@bp.get("/statement/versions/<int:version>/annex/<lang>.pdf")
def version_annex_pdf(version, lang):
    language = _language_or_404(lang)
    return _pdf(_published_or_404(version), language, latest=False, part=FilePart.ANNEX)


@bp.get("/statement/fonts/<font>")
def font(font):
    if font not in WEB_FONTS:
        abort(404)
    return send_from_directory(FONTS, font, mimetype="font/ttf", max_age=YEAR)


@bp.get("/statement/changes")
def changes():
    """What changed between two published versions (?from=1&to=2); without them, a form to choose."""
    published = db.session.scalars(_published().order_by(Statement.version)).all()
    numbers = [s.version for s in published]
    chosen = {}
    for name in ("from", "to"):
        value = request.args.get(name, "")
        chosen[name] = int(value) if value.isascii() and value.isdigit() else None
    if chosen["from"] is None and chosen["to"] is None:
        if len(numbers) >= 2:
            chosen = {"from": numbers[-2], "to": numbers[-1]}
        return render_template("statements/public/changes.html", numbers=numbers, chosen=chosen, change=None,
                               problem=None)
    by_number = {s.version: s for s in published}
    problem = None
    if chosen["from"] not in by_number or chosen["to"] not in by_number:
        problem = _("Choose two published versions.")
    elif chosen["from"] == chosen["to"]:
        problem = _("Choose two different versions.")
    elif chosen["from"] > chosen["to"]:
        problem = _("Choose the older version first, then the newer one.")
    if problem:
        return render_template("statements/public/changes.html", numbers=numbers, chosen=chosen, change=None,
                               problem=problem), 400
    change = changes_between(by_number[chosen["from"]], by_number[chosen["to"]])
    return render_template("statements/public/changes.html", numbers=numbers, chosen=chosen, change=change,
                           problem=None, older=by_number[chosen["from"]], newer=by_number[chosen["to"]])
