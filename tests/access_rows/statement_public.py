"""Access rows for the published statement: anyone may read it, its files and its versions, signed in or not.

The world publishes version 1 with a (stand-in) PDF of the statement and of its annex in each language."""
import hashlib

from portal.extensions import db
from portal.timeutil import utcnow
from statements.models import (
    LANGUAGES,
    FilePart,
    Statement,
    StatementFile,
    StatementSection,
    StatementStatus,
)

from . import NO_CHILD_RECORD, PUBLIC

ROWS = [
    ("GET", "/statement", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement.pdf", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/<lang>.pdf", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/versions", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/versions/<int:version>", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/versions/<int:version>/<lang>.pdf", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/annex/<lang>.pdf", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/versions/<int:version>/annex/<lang>.pdf", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/changes", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/statement/fonts/<font>", PUBLIC, NO_CHILD_RECORD),
]


def world(users, values):
    statement = Statement(version=1, title="Short Breaks Statement", review_on=utcnow().date(),
                          range_snapshot={"generated_at": utcnow().isoformat(), "year": 2025, "offers": [],
                                          "envelopes": []})
    statement.sections = [StatementSection(key="introduction", language="en", body="What short breaks there are.")]
    db.session.add(statement)
    db.session.flush()
    statement.status, statement.published_at = StatementStatus.PUBLISHED, utcnow()
    for language in LANGUAGES:
        for part in FilePart:
            content = f"%PDF-1.7 stand-in for the access table ({language} {part.value})".encode()
            db.session.add(StatementFile(statement=statement, language=language, part=part, content=content,
                                         size=len(content), sha256=hashlib.sha256(content).hexdigest()))
    db.session.flush()
    return {"version": statement.version, "lang": "ur", "font": "NotoNaskhArabic-Regular.ttf"}
