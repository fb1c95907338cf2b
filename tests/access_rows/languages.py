"""Access rows for the commissioners' languages page: how each translation was made, and whether a qualified
translator has checked it (council and trust commissioners, and admin)."""
from . import DENY, LOGIN, NO_CHILD_RECORD, OK, ROLES

COMMISSIONERS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "admin": OK}
# Nothing posted: the form is shown again with its errors, and nothing changes.
POSTED_NOTHING = dict(COMMISSIONERS, council=422, trust=422, admin=422)

ROWS = [
    ("GET", "/commissioning/languages", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/commissioning/languages/<code>", COMMISSIONERS, NO_CHILD_RECORD),
    ("POST", "/commissioning/languages/<code>", POSTED_NOTHING, NO_CHILD_RECORD),
]


def world(users, values) -> dict:
    return {"code": "ur"}
