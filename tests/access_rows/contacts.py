"""Access rows for the commissioners' contacts page: the contacts the Short Breaks Statement gives families
(council and trust commissioners, and admin)."""
from . import DENY, LOGIN, NO_CHILD_RECORD, OK, ROLES

COMMISSIONERS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "admin": OK}
# Nothing posted: the form is shown again with its errors, and nothing changes.
POSTED_NOTHING = dict(COMMISSIONERS, council=422, trust=422, admin=422)

ROWS = [
    ("GET", "/commissioning/contacts", COMMISSIONERS, NO_CHILD_RECORD),
    ("POST", "/commissioning/contacts", POSTED_NOTHING, NO_CHILD_RECORD),
]
