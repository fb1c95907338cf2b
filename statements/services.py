"""What the statement area can do: start a new draft from the last published version, write its details and
sections in each language, open it for consultation, take comments from parent carers and reply to them, check
it and publish it (freezing the range and storing a PDF per language with its SHA-256), and say what changed
between two versions.

Every function takes and returns model objects, raises a DomainError in plain words (in the reader's language)
when a rule is broken, records who did what in the audit trail, and never commits.
"""
from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import long_date, number
from portal.i18n import N_
from portal.locking import lock_rows
from portal.contacts import current_contacts, missing_contacts
from portal.models import Role, User, record
from portal.timeutil import utcnow
from providers.models import Tier

from .document import (
    DEFAULT_TITLE,
    ELIGIBILITY_KEYS,
    SECTIONS,
    build_range,
    render_pdfs,
)
from .models import (
    LANGUAGES,
    Statement,
    StatementComment,
    StatementFile,
    StatementSection,
    StatementStatus,
)

EDITORS = (Role.COUNCIL, Role.TRUST, Role.ADMIN)
COMMENTERS = (Role.PARENT_CARER, Role.YOUNG_PERSON)
SECTION_TITLES = {spec.key: spec.title for spec in SECTIONS}
# Translated titles are kept as a section of their own in each language other than English.
TITLE_KEY = "title"
MAX_SECTION_CHARACTERS = 20_000
MAX_COMMENT_CHARACTERS = 3_000


class PublishedVersionUnchangeable(DomainError):
    def __init__(self, statement: Statement):
        super().__init__(_("Version %(version)s has been published and cannot be changed. "
                           "Start a new draft to make changes.", version=statement.version))


# --- versions ----------------------------------------------------------------------------------------------

def current_draft() -> Statement | None:
    """The version being worked on (a draft, or out for consultation), if there is one."""
    return db.session.scalar(select(Statement).where(Statement.status != StatementStatus.PUBLISHED)
                             .order_by(Statement.version.desc()).limit(1))


def last_published() -> Statement | None:
    return db.session.scalar(select(Statement).where(Statement.status == StatementStatus.PUBLISHED)
                             .order_by(Statement.version.desc()).limit(1))


def start_draft(*, by: User) -> Statement:
    """A new version to work on, starting from the last published one (its details and every section in every
    language). Only one version can be worked on at a time, so comments and edits do not split between two."""
    working = current_draft()
    if working is not None:
        raise DomainError(_("Version %(version)s is already being worked on. "
                            "Finish or publish it before starting another.", version=working.version))
    previous = last_published()
    number = (db.session.scalar(select(func.max(Statement.version))) or 0) + 1
    statement = Statement(version=number, status=StatementStatus.DRAFT, created_by_id=by.id, created_at=utcnow())
    if previous is None:
        statement.title = DEFAULT_TITLE
    else:
        statement.based_on = previous
        statement.title, statement.written_by = previous.title, previous.written_by
        # The review date, and who approved the new text and when, are for this version to set.
        statement.sections = [StatementSection(key=s.key, language=s.language, body=s.body, updated_by_id=by.id)
                              for s in previous.sections]
    db.session.add(statement)
    db.session.flush()
    record("statement_draft_started", statement, by=by,
           based_on=previous.version if previous is not None else None)
    return statement


def _check_can_change(statement: Statement) -> None:
    if statement.is_published:
        raise PublishedVersionUnchangeable(statement)


def update_details(statement: Statement, *, title: str, review_on: date | None, written_by: str | None,
                   approved_by: str | None, approved_on: date | None, by: User) -> Statement:
    _check_can_change(statement)
    before = {"title": statement.title, "review_on": _iso(statement.review_on), "written_by": statement.written_by,
              "approved_by": statement.approved_by, "approved_on": _iso(statement.approved_on)}
    statement.title = title.strip() or DEFAULT_TITLE
    statement.review_on, statement.approved_on = review_on, approved_on
    statement.written_by = (written_by or "").strip() or None
    statement.approved_by = (approved_by or "").strip() or None
    after = {"title": statement.title, "review_on": _iso(statement.review_on), "written_by": statement.written_by,
             "approved_by": statement.approved_by, "approved_on": _iso(statement.approved_on)}
    changed = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if changed:
        record("statement_details_changed", statement, by=by, changed=changed)
    return statement


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def save_section(statement: Statement, key: str, language: str, body: str, *, by: User) -> StatementSection | None:
    """Write one section (or, in a language other than English, the translated title) in one language. Saving
    it empty removes it, so that language falls back to English again."""
    _check_can_change(statement)
    if language not in LANGUAGES:
        raise DomainError(_("The statement is not published in that language."))
    if key not in SECTION_TITLES and not (key == TITLE_KEY and language != "en"):
        raise DomainError(_("There is no such section in the statement."))
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_SECTION_CHARACTERS:
        raise DomainError(_("A section can be at most %(limit)s characters. Split it into shorter paragraphs or "
                            "move detail to the local offer.", limit=number(MAX_SECTION_CHARACTERS)))
    existing = next((s for s in statement.sections if s.key == key and s.language == language), None)
    if existing is not None and existing.body == body:
        return existing
    if not body:
        if existing is not None:
            statement.sections.remove(existing)
            record("statement_section_cleared", statement, by=by, section=key, language=language)
        return None
    if existing is None:
        existing = StatementSection(key=key, language=language, body=body, updated_by_id=by.id, updated_at=utcnow())
        statement.sections.append(existing)
    else:
        existing.body, existing.updated_by_id, existing.updated_at = body, by.id, utcnow()
    record("statement_section_saved", statement, by=by, section=key, language=language, characters=len(body))
    return existing


def open_consultation(statement: Statement, *, by: User) -> Statement:
    """Share the draft with parent carers, who can then read it and comment."""
    _check_can_change(statement)
    if statement.status is StatementStatus.CONSULTATION:
        raise DomainError(_("Version %(version)s is already out for consultation.", version=statement.version))
    statement.status, statement.consultation_opened_at = StatementStatus.CONSULTATION, utcnow()
    record("statement_consultation_opened", statement, by=by)
    return statement


def in_consultation() -> Statement | None:
    return db.session.scalar(select(Statement).where(Statement.status == StatementStatus.CONSULTATION)
                             .order_by(Statement.version.desc()).limit(1))


# --- consultation comments ---------------------------------------------------------------------------------

def add_comment(statement: Statement, *, body: str, section_key: str | None, by: User) -> StatementComment:
    if not by.has_role(*COMMENTERS):
        raise DomainError(_("Only parent carers and young people can comment on the draft."))
    if statement.status is not StatementStatus.CONSULTATION:
        raise DomainError(_("This version is not out for consultation, so it cannot take comments now."))
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(_("Enter your comment."))
    if len(body) > MAX_COMMENT_CHARACTERS:
        raise DomainError(_("Your comment can be at most %(limit)s characters.", limit=number(MAX_COMMENT_CHARACTERS)))
    if section_key and section_key not in SECTION_TITLES:
        raise DomainError(_("Choose a part of the statement from the list."))
    comment = StatementComment(statement=statement, section_key=section_key or None, author_id=by.id, body=body,
                               created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_on(statement: Statement) -> list[StatementComment]:
    """Families' comments on a version, oldest first, as everyone reads them."""
    return db.session.scalars(select(StatementComment).where(StatementComment.statement_id == statement.id)
                              .order_by(StatementComment.created_at, StatementComment.id)).all()


def reply_to_comment(comment: StatementComment, *, reply: str, by: User) -> StatementComment:
    """The commissioners' answer ("we did"), shown beside the comment. A reply can be corrected until the
    version is published."""
    if not by.has_role(*EDITORS):
        raise DomainError(_("Only commissioners can reply to comments."))
    _check_can_change(comment.statement)
    reply = (reply or "").replace("\r\n", "\n").strip()
    if not reply:
        raise DomainError(_("Enter your reply."))
    if len(reply) > MAX_COMMENT_CHARACTERS:
        raise DomainError(_("A reply can be at most %(limit)s characters.", limit=number(MAX_COMMENT_CHARACTERS)))
    comment.reply, comment.replied_by_id, comment.replied_at = reply, by.id, utcnow()
    record("statement_comment_replied", comment.statement, by=by, comment=comment.id)
    return comment


# --- checking and publishing -------------------------------------------------------------------------------

# Where a problem is put right, besides a section (its key): the details, sharing the draft, the replies.
DETAILS, SHARE, REPLIES, CONTACTS = "details", "share-the-draft", "reply-to-comments", "contacts"


@dataclass(frozen=True)
class Problem:
    """Something missing that stops publishing: what it is, and the page to put it right."""

    text: str  # in the reader's language (English on the command line)
    fix: str  # DETAILS, SHARE, REPLIES, CONTACTS or a section key


# One whole sentence for each tier's missing criteria (the section's title goes in the quotes).
MISSING_CRITERIA = {
    ELIGIBILITY_KEYS[Tier.UNIVERSAL]: N_("Write the eligibility criteria for universal breaks (“%(section)s”)."),
    ELIGIBILITY_KEYS[Tier.TARGETED]: N_("Write the eligibility criteria for targeted breaks (“%(section)s”)."),
    ELIGIBILITY_KEYS[Tier.SPECIALIST]: N_("Write the eligibility criteria for specialist breaks (“%(section)s”)."),
}


def publication_problems(statement: Statement) -> list[Problem]:
    """Everything that stops this version being published, in the order the statement reads."""
    problems = []
    if statement.review_on is None:
        problems.append(Problem(_("Add the date the statement will be reviewed."), DETAILS))
    elif statement.review_on <= utcnow().date():
        problems.append(Problem(_("The review date has passed: add a review date in the future."), DETAILS))
    if not statement.written_by:
        problems.append(Problem(_("Say who wrote the statement."), DETAILS))
    if not statement.approved_by:
        problems.append(Problem(_("Say who approved the statement."), DETAILS))
    if statement.approved_by and statement.approved_on is None:
        problems.append(Problem(_("Add the date the statement was approved."), DETAILS))
    elif statement.approved_on and statement.approved_on > utcnow().date():
        problems.append(Problem(_("The date approved is in the future: a statement is published once it has been "
                                  "approved."), DETAILS))
    if statement.status is StatementStatus.DRAFT:
        # The regulations: the statement is revised with regard to the views of local carers.
        problems.append(Problem(_("Share this draft for consultation with parent carers before publishing it."),
                                SHARE))
    else:
        waiting = db.session.scalar(select(func.count(StatementComment.id)).where(
            StatementComment.statement_id == statement.id, StatementComment.reply.is_(None))) or 0
        if waiting:
            problems.append(Problem(ngettext("Reply to every comment from families: %(num)s has no reply yet.",
                                             "Reply to every comment from families: %(num)s have no reply yet.",
                                             waiting), REPLIES))
    missing = missing_contacts(current_contacts())
    if missing:
        # The statement gives families these: the trust's phone, SENDIASS, the forum, the local offer.
        problems.append(Problem(_("Fill in the contacts the statement gives families: %(missing)s.",
                                  missing=", ".join(_(field.label) for field in missing)), CONTACTS))
    for spec in SECTIONS:
        if not spec.required or (statement.text(spec.key, "en") or "").strip():
            continue
        if spec.key in MISSING_CRITERIA:
            problems.append(Problem(_(MISSING_CRITERIA[spec.key], section=_(spec.title)), spec.key))
        else:
            problems.append(Problem(_("Write the section “%(title)s”.", title=_(spec.title)), spec.key))
    return problems


def publish(statement: Statement, *, by: User, progress: Callable[[int, int], None] | None = None,
            confirmed: str | None = None) -> Statement:
    """Check, freeze the range of breaks as it is today, make the PDF in every language and store each with its
    SHA-256. From here on the version never changes.

    The PDFs of a large local offer take a while to make, so they are made before any lock is taken (bookings
    go on meanwhile); then, under the statement's lock, the version is read again and published only if nobody
    published or changed it in the meantime. ``progress(done, total)`` is told as each PDF is made (publishing
    is a job, ``publishing.py``, whose page shows it). ``confirmed``: the ``fingerprint`` of the version when
    publishing was asked for; if it has changed since, nothing is published."""
    check_publishable(statement)
    if confirmed is not None and fingerprint(statement) != confirmed:
        raise DomainError(_("Version %(version)s was changed after publishing it was asked for. Check the changes, "
                            "then publish again.", version=statement.version))
    written = _fingerprint(statement)
    published_at = utcnow()
    with db.session.no_autoflush:
        statement_range = build_range()
        # The PDFs say when the version was published: the moment it will carry.
        statement.range_snapshot, statement.published_at = statement_range, published_at
        made = render_pdfs(statement, list(LANGUAGES), progress)
    files = [StatementFile(language=language, part=part, content=content, size=len(content),
                           sha256=hashlib.sha256(content).hexdigest(), generation_ms=milliseconds)
             for (language, part), (content, milliseconds) in made.items()]
    lock_rows(Statement, [statement.id], busy=_("Someone else is publishing the statement. Try again in a minute."))
    db.session.refresh(statement)
    if statement.is_published:
        raise DomainError(_("Version %(version)s has just been published by someone else.",
                            version=statement.version))
    if _fingerprint(statement) != written:
        raise DomainError(_("Version %(version)s was changed while its PDFs were being made. "
                            "Check the changes, then publish again.", version=statement.version))
    statement.range_snapshot = statement_range
    statement.published_at, statement.published_by_id = published_at, by.id
    statement.status = StatementStatus.PUBLISHED
    db.session.flush()
    for stored in files:
        stored.statement = statement
        db.session.add(stored)
    record("statement_published", statement, by=by, offers=len(statement_range["offers"]),
           generation_ms={f"{f.language} {f.part.value}": f.generation_ms for f in files})
    db.session.flush()
    return statement


def check_publishable(statement: Statement) -> None:
    """Refuse, saying why, a version that cannot be published now."""
    _check_can_change(statement)
    # What is checked and rendered must be what the database holds: it is read again under the lock in publish.
    db.session.flush()
    problems = publication_problems(statement)
    if problems:
        raise DomainError(_("Version %(version)s cannot be published yet: %(problems)s", version=statement.version,
                            problems=" ".join(p.text for p in problems)))


def fingerprint(statement: Statement) -> str:
    """A short hash of everything commissioners write in a version (what publishing is asked to publish)."""
    return hashlib.sha256(repr(_fingerprint(statement)).encode()).hexdigest()


def _fingerprint(statement: Statement) -> tuple:
    """Everything commissioners write in a version: the PDFs are made from exactly this."""
    return (statement.title, statement.review_on, statement.written_by, statement.approved_by, statement.approved_on,
            tuple(sorted((s.key, s.language, s.body) for s in statement.sections)))


def untranslated(statement: Statement) -> dict[str, list[str]]:
    """For each language other than English, the sections that will be shown in English, marked as not
    translated yet (their titles in English, marked with N_: translated where shown). This does not stop
    publishing: a family still gets the whole statement."""
    states = translation_state(statement)
    return {language: [SECTION_TITLES[key] for key, by_language in states.items()
                       if by_language[language] == "english"]
            for language in LANGUAGES if language != "en"}


# A translation under this share of its English's length has probably lost a sentence.
MUCH_SHORTER = 0.6


@dataclass(frozen=True)
class StaleTranslation:
    language: str
    key: str
    older: bool  # last changed before its English was
    percent: int  # its length as a share of the English's


def stale_translations(statement: Statement) -> list[StaleTranslation]:
    """Translations that may no longer say what their English says: last changed before the English, or much
    shorter than it. Publishing is not stopped (the commissioners decide), but the publish page warns."""
    by_key = {(s.key, s.language): s for s in statement.sections if (s.body or "").strip()}
    found = []
    for spec in SECTIONS:
        english = by_key.get((spec.key, "en"))
        if english is None:
            continue
        for language in LANGUAGES:
            translation = by_key.get((spec.key, language))
            if language == "en" or translation is None:
                continue
            percent = round(100 * len(translation.body.strip()) / max(1, len(english.body.strip())))
            older = translation.updated_at < english.updated_at
            if older or percent < MUCH_SHORTER * 100:
                found.append(StaleTranslation(language, spec.key, older, percent))
    return found


def translation_state(statement: Statement) -> dict[str, dict[str, str]]:
    """For each section and language: "written", "english" (shown in English until translated) or "missing"."""
    states: dict[str, dict[str, str]] = {}
    for spec in SECTIONS:
        english = bool((statement.text(spec.key, "en") or "").strip())
        states[spec.key] = {}
        for language in LANGUAGES:
            written = bool((statement.text(spec.key, language) or "").strip())
            states[spec.key][language] = "written" if written else ("english" if english else "missing")
    return states


# --- what changed between two versions ----------------------------------------------------------------

@dataclass
class Changes:
    sections: list[dict] = field(default_factory=list)  # {"title" (N_-marked), "removed": [...], "added": [...]}
    offers_added: list[str] = field(default_factory=list)
    offers_removed: list[str] = field(default_factory=list)
    # (label, before, after): the label in English, marked with N_ (translated where shown), the values in words
    facts: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.sections or self.offers_added or self.offers_removed or self.facts)


def _fact(value) -> str:
    if value is None or value == "":
        return _("Not set")
    if isinstance(value, date):
        return long_date(value)
    return str(value)


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _offer_names(statement: Statement) -> set[str]:
    offers = (statement.range_snapshot or {}).get("offers", [])
    return {f'{o["title"]} ({o["provider"]})' for o in offers}


def changes_between(older: Statement, newer: Statement, language: str = "en") -> Changes:
    """The English text of each section, paragraph by paragraph; breaks added to or gone from the range; and
    the dates and names on the front page."""
    changes = Changes()
    for spec in SECTIONS:
        before, after = _paragraphs(older.text(spec.key, language)), _paragraphs(newer.text(spec.key, language))
        if before == after:
            continue
        removed, added = [], []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if op in ("replace", "delete"):
                removed += before[a1:a2]
            if op in ("replace", "insert"):
                added += after[b1:b2]
        changes.sections.append({"title": spec.title, "removed": removed, "added": added})
    old_offers, new_offers = _offer_names(older), _offer_names(newer)
    changes.offers_added = sorted(new_offers - old_offers, key=str.casefold)
    changes.offers_removed = sorted(old_offers - new_offers, key=str.casefold)
    for label, name in ((N_("Title"), "title"), (N_("Review date"), "review_on"), (N_("Written by"), "written_by"),
                        (N_("Approved by"), "approved_by"), (N_("Date approved"), "approved_on")):
        before, after = getattr(older, name), getattr(newer, name)
        if before != after:
            changes.facts.append((label, _fact(before), _fact(after)))
    return changes
