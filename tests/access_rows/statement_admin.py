"""Access rows for writing the statement (council and trust commissioners, and admin) and for the consultation
(anyone reads it; parent carers and young people comment). The world has version 2 out for consultation, with a
comment from the parent; version 1 is published (statement_public's world)."""
from portal.extensions import db
from statements.models import (
    Statement,
    StatementComment,
    StatementSection,
    StatementStatus,
)

from . import DENY, LOGIN, NO_CHILD_RECORD, OK, PUBLIC, ROLES

EDITORS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "admin": OK}
# Nothing posted: the form is shown again with its errors, and nothing changes.
POSTED_NOTHING = dict(EDITORS, council=422, trust=422, admin=422)
# Refused with the reason on the page: version 2 is already out for consultation, or not ready to publish.
REFUSED = dict(EDITORS, council=409, trust=409, admin=409)
# Saved (an empty section as empty, so a translation falls back to English), then back to the version page.
REDIRECTED = dict(EDITORS, council=302, trust=302, admin=302)
COMMENT_POSTED_NOTHING = {"anonymous": LOGIN, "parent": 422, "young_person": 422, "provider": DENY, "council": DENY,
                          "trust": DENY, "adults": DENY, "admin": DENY}

ROWS = [
    ("GET", "/commissioning/statement", EDITORS, NO_CHILD_RECORD),
    ("POST", "/commissioning/statement/drafts", REDIRECTED, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>", EDITORS, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>/details", EDITORS, NO_CHILD_RECORD),
    # Nothing posted: kept as it was.
    ("POST", "/commissioning/statement/<int:statement_id>/details", REDIRECTED, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>/sections/<key>/<lang>", EDITORS, NO_CHILD_RECORD),
    ("POST", "/commissioning/statement/<int:statement_id>/sections/<key>/<lang>", REDIRECTED, NO_CHILD_RECORD),
    ("POST", "/commissioning/statement/<int:statement_id>/consultation", REFUSED, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>/publish", EDITORS, NO_CHILD_RECORD),
    ("POST", "/commissioning/statement/<int:statement_id>/publish", REFUSED, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>/preview", EDITORS, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/<int:statement_id>/comments", EDITORS, NO_CHILD_RECORD),
    ("GET", "/commissioning/statement/comments/<int:comment_id>/reply", EDITORS, NO_CHILD_RECORD),
    ("POST", "/commissioning/statement/comments/<int:comment_id>/reply", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/statement/consultation", PUBLIC, NO_CHILD_RECORD),
    ("POST", "/statement/consultation", COMMENT_POSTED_NOTHING, NO_CHILD_RECORD),
]


def world(users, values):
    statement = Statement(version=2, status=StatementStatus.CONSULTATION, title="Short Breaks Statement")
    statement.sections = [StatementSection(key="introduction", language="en", body="The draft's introduction.")]
    db.session.add(statement)
    db.session.flush()
    comment = StatementComment(statement=statement, author_id=users["parent"].id, body="More Saturday sessions.")
    db.session.add(comment)
    db.session.flush()
    return {"statement_id": statement.id, "comment_id": comment.id, "key": "introduction"}
