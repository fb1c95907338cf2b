"""Access rows for privacy: the notice, a family's own data, deleting an account, removing a child."""
from . import FAMILY, FAMILY_OWN, FAMILY_OWNED, NO_CHILD_RECORD, PUBLIC

# Nothing posted (no password, the box not ticked): the form is shown again with its errors, and nothing is erased.
FAMILY_POSTED_NOTHING = dict(FAMILY, parent=422, young_person=422)
OWNED_POSTED_NOTHING = dict(FAMILY_OWNED, parent=422)

ROWS = [
    ("GET", "/privacy", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/your-data", FAMILY, FAMILY_OWN),
    ("GET", "/your-data/download", FAMILY, FAMILY_OWN),
    ("GET", "/your-data/delete-account", FAMILY, FAMILY_OWN),
    ("POST", "/your-data/delete-account", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/children/<int:child_id>/remove", FAMILY_OWNED, FAMILY_OWN),
    ("POST", "/children/<int:child_id>/remove", OWNED_POSTED_NOTHING, FAMILY_OWN),
]
