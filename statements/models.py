"""The Short Breaks Statement: versions, the sections commissioners write (in each language), consultation
comments, and the stored files of published versions.

A version moves draft → consultation → published. A published version never changes: the services refuse,
and a guard on the session refuses any flush that would change a published version's rows.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession

from flask_babel import gettext

from portal.extensions import db
from portal.i18n import LANGUAGES as PORTAL_LANGUAGES
from portal.i18n import N_
from portal.models import User
from portal.timeutil import UTCDateTime, utcnow

# The statement is written and published in every language the portal speaks (portal.i18n), each named in itself.
# Pages name them through portal.i18n (readers) and statements.views.ENGLISH_NAMES (commissioners).
LANGUAGES = {code: language.name for code, language in PORTAL_LANGUAGES.items()}


class FilePart(enum.Enum):
    """What a stored PDF holds: the statement itself, or its annex listing every break one by one."""

    STATEMENT = "statement"
    ANNEX = "annex"


class StatementStatus(enum.Enum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return gettext(STATUS_LABELS[self.value])


STATUS_LABELS = {"draft": N_("Draft"), "consultation": N_("Out for consultation"), "published": N_("Published")}


class Statement(db.Model):
    """One version of the statement."""

    __tablename__ = "statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[StatementStatus] = mapped_column(Enum(StatementStatus, native_enum=False, length=12),
                                                    default=StatementStatus.DRAFT)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200), default="Short Breaks Statement")
    review_on: Mapped[date | None] = mapped_column(Date)
    written_by: Mapped[str | None] = mapped_column(String(300))
    approved_by: Mapped[str | None] = mapped_column(String(300))
    approved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consultation_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Frozen at publishing: the range of breaks and the envelope summary as they were that day.
    range_snapshot: Mapped[dict | None] = mapped_column(JSON)

    based_on: Mapped[Statement | None] = relationship(remote_side="Statement.id")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    sections: Mapped[list[StatementSection]] = relationship(back_populates="statement", cascade="all, delete-orphan",
                                                            order_by="StatementSection.id")
    files: Mapped[list[StatementFile]] = relationship(back_populates="statement", order_by="StatementFile.language")

    @property
    def is_published(self) -> bool:
        return self.status is StatementStatus.PUBLISHED

    def text(self, key: str, language: str = "en") -> str | None:
        for section in self.sections:
            if section.key == key and section.language == language:
                return section.body
        return None


class StatementSection(db.Model):
    """What commissioners wrote for one section, in one language."""

    __tablename__ = "statement_sections"
    __table_args__ = (UniqueConstraint("statement_id", "key", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16), default="en")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    statement: Mapped[Statement] = relationship(back_populates="sections")


class StatementComment(db.Model):
    """A parent carer's comment on a draft out for consultation, and the commissioners' reply."""

    __tablename__ = "statement_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str | None] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])


class StatementFile(db.Model):
    """A published version's PDF in one language, of the statement or of its annex: generated once, stored with its
    SHA-256, served as stored.

    Kept in the database, so every app process behind the load balancer serves the same bytes."""

    __tablename__ = "statement_files"
    __table_args__ = (UniqueConstraint("statement_id", "language", "part"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="RESTRICT"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    part: Mapped[FilePart] = mapped_column(Enum(FilePart, native_enum=False, length=10), default=FilePart.STATEMENT,
                                           server_default=FilePart.STATEMENT.name)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generation_ms: Mapped[int] = mapped_column(default=0)

    statement: Mapped[Statement] = relationship(back_populates="files")


class PublishedStatementChanged(Exception):
    """Something tried to change a published version: a bug, refused at flush."""


@event.listens_for(OrmSession, "before_flush")
def _published_versions_never_change(session, flush_context, instances) -> None:
    """The last guard: no flush may change or delete a published version, its sections or its files."""
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, (Statement, StatementSection, StatementFile)):
            continue  # asked first: is_modified is the costlier question, and every flush (each booking's) asks
        if obj not in session.deleted and not session.is_modified(obj, include_collections=False):
            continue
        statement = None
        if isinstance(obj, Statement):
            history = db.inspect(obj).attrs.status.history
            was = history.deleted[0] if history.deleted else obj.status
            if was is StatementStatus.PUBLISHED:
                statement = obj
        elif isinstance(obj, (StatementSection, StatementFile)):
            parent = obj.statement
            if parent is not None and parent.status is StatementStatus.PUBLISHED:
                statement = parent
        if statement is not None:
            bug = f"Version {statement.version} is published and cannot be changed."  # i18n: not shown (a bug)
            raise PublishedStatementChanged(bug)
    for obj in session.new:
        if isinstance(obj, StatementSection) and obj.statement is not None and obj.statement.is_published:
            bug = f"Version {obj.statement.version} is published and cannot be changed."  # i18n: not shown (a bug)
            raise PublishedStatementChanged(bug)
