"""Access rows for the audit trail: the screen and its CSV (council and trust commissioners, and admin), and the
family's page saying who has looked at their child's record. The screen names children but shows nothing from
their records, so looking at it is not a view of a child; downloading it is recorded as an export."""
from . import DENY, FAMILY_OWN, FAMILY_OWNED, LOGIN, NO_CHILD_RECORD, OK, ROLES

OVERSEERS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "admin": OK}

ROWS = [
    ("GET", "/audit", OVERSEERS, NO_CHILD_RECORD),
    ("GET", "/audit.csv", OVERSEERS, NO_CHILD_RECORD),
    ("GET", "/children/<int:child_id>/who-has-seen", FAMILY_OWNED, FAMILY_OWN),
]
