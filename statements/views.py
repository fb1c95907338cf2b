"""Writing the statement (council and trust commissioners together) and the consultation with parent carers.

Commissioners start a new draft from the last published version, write its details and each section in each
language, share it for consultation, reply to comments, check it and publish it. Parent carers and young people
read the draft out for consultation and comment on it; everyone can read the comments and replies, without the
names of the families who wrote them.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import jobs
from portal.access import get_or_404, role_required
from portal.attempts import attempt, form_status
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.i18n import N_

from . import publishing, services
from .document import SECTIONS, blocks, document_context
from .forms import CommentForm, DetailsForm, ReplyForm, SectionForm
from .i18n import page_language
from .models import LANGUAGES, Statement, StatementComment, StatementFile

bp = Blueprint("statements", __name__)

editor_required = role_required(*services.EDITORS)
# The statement's languages named on the commissioners' pages, in the page's language (gettext where shown);
# readers see each in its own words (portal.i18n).
ENGLISH_NAMES = {"en": N_("English"), "ur": N_("Urdu"), "pl": N_("Polish")}
TITLE = N_("Title")  # the translated title, written like a section in each language other than English


def _statement_or_404(statement_id: int) -> Statement:
    return get_or_404(Statement, statement_id)


def _comment_counts(statement_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each version: how many comments, and how many still wait for a reply."""
    if not statement_ids:
        return {}
    rows = db.session.execute(
        select(StatementComment.statement_id, func.count(),
               func.count().filter(StatementComment.reply.is_(None)))
        .where(StatementComment.statement_id.in_(statement_ids)).group_by(StatementComment.statement_id)
    ).all()
    return {statement_id: (total, waiting) for statement_id, total, waiting in rows}


def fix_href(statement: Statement, problem: services.Problem) -> str:
    """The page that puts a problem right."""
    if problem.fix == services.DETAILS:
        return url_for(".details", statement_id=statement.id)
    if problem.fix == services.SHARE:
        return url_for(".version", statement_id=statement.id) + "#share"
    if problem.fix == services.REPLIES:
        return url_for(".comments", statement_id=statement.id)
    if problem.fix == services.CONTACTS:
        return url_for("contacts.edit")
    return url_for(".section", statement_id=statement.id, key=problem.fix, lang="en")


@bp.app_context_processor
def _statement_helpers():
    # consultation_open is called only by the pages that invite families to comment (one small query).
    return {"fix_href": fix_href, "consultation_open": services.in_consultation}


def _version_page(statement: Statement, refusal: str | None = None, status: int = 200):
    problems = [] if statement.is_published else services.publication_problems(statement)
    total, waiting = _comment_counts([statement.id]).get(statement.id, (0, 0))
    return render_template("statements/admin/version.html", statement=statement, sections=SECTIONS,
                           states=services.translation_state(statement), languages=LANGUAGES, names=ENGLISH_NAMES,
                           problems=problems, comments_total=total, comments_waiting=waiting, form=ConfirmForm(),
                           refusal=refusal), status


def _refuse_published(statement: Statement):
    """A change asked of a published version: the version's page, saying why nothing changed."""
    refusal = services.PublishedVersionUnchangeable(statement)
    return _version_page(statement, str(refusal), refusal.status)


# --- commissioners ------------------------------------------------------------------------------------------

@bp.get("/commissioning/statement")
@editor_required
def index():
    statements = db.session.scalars(select(Statement).order_by(Statement.version.desc())).all()
    files = {}
    for statement_id, language in db.session.execute(
            select(StatementFile.statement_id, StatementFile.language)).all():
        files.setdefault(statement_id, []).append(language)
    return render_template("statements/admin/index.html", statements=statements, files=files,
                           comments=_comment_counts([s.id for s in statements]),
                           working=services.current_draft(), form=ConfirmForm())


@bp.post("/commissioning/statement/drafts")
@editor_required
def start_draft():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt() as done:
        statement = services.start_draft(by=current_user)
    if not done.ok:
        return redirect(url_for(".index"))
    if statement.based_on:
        flash(_("Version %(version)s has been started from version %(based_on)s.", version=statement.version,
                based_on=statement.based_on.version), "success")
    else:
        flash(_("Version %(version)s has been started.", version=statement.version), "success")
    return redirect(url_for(".version", statement_id=statement.id))


@bp.get("/commissioning/statement/<int:statement_id>")
@editor_required
def version(statement_id: int):
    return _version_page(_statement_or_404(statement_id))


@bp.route("/commissioning/statement/<int:statement_id>/details", methods=["GET", "POST"])
@editor_required
def details(statement_id: int):
    statement = _statement_or_404(statement_id)
    if statement.is_published:
        return _refuse_published(statement)
    form = DetailsForm(obj=statement)
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_details(statement, title=form.title.data, review_on=form.review_on.data,
                                    written_by=form.written_by.data, approved_by=form.approved_by.data,
                                    approved_on=form.approved_on.data, by=current_user)
        if done.ok:
            flash(_("The statement’s details have been saved."), "success")
            return redirect(url_for(".version", statement_id=statement.id))
    return render_template("statements/admin/details.html", statement=statement, form=form), form_status(form, done)


@bp.route("/commissioning/statement/<int:statement_id>/sections/<key>/<lang>", methods=["GET", "POST"])
@editor_required
def section(statement_id: int, key: str, lang: str):
    statement = _statement_or_404(statement_id)
    titles = dict(services.SECTION_TITLES, **({services.TITLE_KEY: TITLE} if lang != "en" else {}))
    if key not in titles or lang not in LANGUAGES:
        abort(404)
    if statement.is_published:
        return _refuse_published(statement)
    spec = next((s for s in SECTIONS if s.key == key), None)
    english = statement.title if key == services.TITLE_KEY else statement.text(key, "en")
    form = SectionForm(body=statement.text(key, lang) or "")
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            saved = services.save_section(statement, key, lang, form.body.data, by=current_user)
        if done.ok:
            flash(_saved_message(key, _(titles[key]), _(ENGLISH_NAMES[lang]), removed=saved is None and lang != "en"),
                  "success")
            return redirect(url_for(".version", statement_id=statement.id) + f"#section-{key.replace('_', '-')}")
    return render_template("statements/admin/section.html", statement=statement, form=form, key=key, lang=lang,
                           title=_(titles[key]), spec=spec, english=english, english_blocks=blocks(english or ""),
                           language_name=_(ENGLISH_NAMES[lang]),
                           rtl=lang == "ur"), form_status(form, done)


def _saved_message(key: str, title: str, language: str, *, removed: bool) -> str:
    """What the flash says once a section (or the translated title) is saved in one language, or removed."""
    if key == services.TITLE_KEY:
        if removed:
            return _("Title in %(language)s has been removed: it is shown in English until it is translated.",
                     language=language)
        return _("Title in %(language)s has been saved.", language=language)
    if removed:
        return _("“%(section)s” in %(language)s has been removed: it is shown in English until it is translated.",
                 section=title, language=language)
    return _("“%(section)s” in %(language)s has been saved.", section=title, language=language)


@bp.post("/commissioning/statement/<int:statement_id>/consultation")
@editor_required
def open_consultation(statement_id: int):
    statement = _statement_or_404(statement_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(form) as done:
        services.open_consultation(statement, by=current_user)
    if not done.ok:
        return _version_page(statement, str(done.problem), done.status)  # the version's page says why
    flash(_("Version %(version)s is out for consultation. Parent carers can read it and comment on it.",
            version=statement.version), "success")
    return redirect(url_for(".version", statement_id=statement.id))


@bp.route("/commissioning/statement/<int:statement_id>/publish", methods=["GET", "POST"])
@editor_required
def publish(statement_id: int):
    statement = _statement_or_404(statement_id)
    if statement.is_published:
        return _refuse_published(statement)
    form = ConfirmForm()
    done = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with attempt(form) as done:
            try:
                job = publishing.start(statement, by=current_user)
            except jobs.AlreadyRunning as running:  # someone asked a moment ago: watch theirs
                job = running.job
        if done.ok:
            return redirect(url_for("jobs.progress", job_id=job.id))
    problems = services.publication_problems(statement)
    if problems:
        form.form_errors.clear()  # the page lists each problem: the refusal, which repeats them all, is not shown
    return render_template("statements/admin/publish.html", statement=statement, problems=problems, form=form,
                           untranslated=services.untranslated(statement), stale=services.stale_translations(statement),
                           titles=services.SECTION_TITLES, names=ENGLISH_NAMES), form_status(form, done)


@bp.get("/commissioning/statement/<int:statement_id>/preview")
@editor_required
def preview(statement_id: int):
    statement = _statement_or_404(statement_id)
    doc = document_context(statement, page_language())
    return render_template("statements/admin/preview.html", statement=statement, doc=doc, embedded=True, draft=True)


@bp.get("/commissioning/statement/<int:statement_id>/comments")
@editor_required
def comments(statement_id: int):
    statement = _statement_or_404(statement_id)
    comments = db.session.scalars(
        select(StatementComment).where(StatementComment.statement_id == statement.id)
        .options(joinedload(StatementComment.author), joinedload(StatementComment.replied_by))
        .order_by(StatementComment.reply.is_not(None), StatementComment.created_at, StatementComment.id)
    ).all()
    return render_template("statements/admin/comments.html", statement=statement, comments=comments,
                           titles=services.SECTION_TITLES)


@bp.route("/commissioning/statement/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@editor_required
def reply(comment_id: int):
    comment = get_or_404(StatementComment, comment_id)
    statement = comment.statement
    if statement.is_published:
        return _refuse_published(statement)
    form = ReplyForm(reply=comment.reply or "")
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            services.reply_to_comment(comment, reply=form.reply.data, by=current_user)
        if done.ok:
            flash(_("Your reply has been saved. Families can read it beside the comment."), "success")
            return redirect(url_for(".comments", statement_id=statement.id))
    return render_template("statements/admin/reply.html", statement=statement, comment=comment, form=form,
                           titles=services.SECTION_TITLES), form_status(form, done)


# --- the consultation, for families -------------------------------------------------------------------------

@bp.route("/statement/consultation", methods=["GET", "POST"])
def consultation():
    statement = services.in_consultation()
    if statement is None:
        if request.method == "POST":
            abort(404)
        return render_template("statements/consultation_closed.html")
    may_comment = current_user.is_authenticated and current_user.has_role(*services.COMMENTERS)
    form = CommentForm()
    done = None
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=url_for(".consultation")))
        if not may_comment:
            abort(403)
        if form.validate_on_submit():
            with attempt(form) as done:
                services.add_comment(statement, body=form.body.data, section_key=form.section.data or None,
                                     by=current_user)
            if done.ok:
                flash(_("Thank you. Your comment has been sent to the commissioners. Their reply will appear here."),
                      "success")
                return redirect(url_for(".consultation"))
    comments = services.comments_on(statement)
    doc = document_context(statement, page_language())
    return render_template("statements/consultation.html", statement=statement, doc=doc, embedded=True, draft=True,
                           comments=comments, form=form, may_comment=may_comment,
                           titles=services.SECTION_TITLES), form_status(form, done)
