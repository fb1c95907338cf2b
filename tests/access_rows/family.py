"""Access rows for the family journey: accounts, children, the local offer, bookings, assessment requests."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import AssessmentRequest

from . import (
    CHILD_RECORD,
    FAMILY,
    FAMILY_OWN,
    FAMILY_OWNED,
    LOGIN,
    NO_CHILD_RECORD,
    PANELS,
    PANELS_POSTED_NOTHING,
    PUBLIC,
    ROLES,
    SIGNED_IN,
    SIGN_OUT,
    TRUST,
)

# Nothing posted: the form is shown again with its errors (422), and nothing changes.
POSTED_NOTHING = {r: 422 for r in ROLES}
FAMILY_POSTED_NOTHING = dict(FAMILY, parent=422, young_person=422)
OWNED_POSTED_NOTHING = dict(FAMILY_OWNED, parent=422)

ROWS = [
    ("GET", "/", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/healthz", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/accessibility", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/local-offer", PUBLIC, FAMILY_OWN),
    ("GET", "/local-offer/<int:offer_id>", PUBLIC, FAMILY_OWN),
    ("GET", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY, FAMILY_OWN),
    ("POST", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/register", PUBLIC, NO_CHILD_RECORD),
    ("POST", "/register", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/sign-in", PUBLIC, NO_CHILD_RECORD),
    ("POST", "/sign-in", POSTED_NOTHING, NO_CHILD_RECORD),
    ("POST", "/sign-out", SIGN_OUT, NO_CHILD_RECORD),
    ("GET", "/reset-password", PUBLIC, NO_CHILD_RECORD),
    ("POST", "/reset-password", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/reset-password/<token>", PUBLIC, NO_CHILD_RECORD),
    ("POST", "/reset-password/<token>", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/account", SIGNED_IN, NO_CHILD_RECORD),
    ("POST", "/account", dict(POSTED_NOTHING, anonymous=LOGIN), NO_CHILD_RECORD),  # no language chosen: asked again
    ("GET", "/children", FAMILY, FAMILY_OWN),
    # The young person already holds their own record, and their account books only for themselves.
    ("GET", "/children/new", dict(FAMILY, young_person=403), NO_CHILD_RECORD),
    ("POST", "/children/new", dict(FAMILY_POSTED_NOTHING, young_person=403), NO_CHILD_RECORD),
    ("GET", "/children/<int:child_id>/edit", FAMILY_OWNED, FAMILY_OWN),
    ("POST", "/children/<int:child_id>/edit", OWNED_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/sessions/<int:session_id>/book", FAMILY, FAMILY_OWN),
    ("POST", "/sessions/<int:session_id>/book", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/sessions/<int:session_id>/waiting-list", FAMILY, FAMILY_OWN),
    ("POST", "/sessions/<int:session_id>/waiting-list", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/bookings", FAMILY, FAMILY_OWN),
    ("GET", "/bookings/<int:booking_id>/cancel", FAMILY_OWNED, FAMILY_OWN),
    # The button is all this form has, so the parent really cancels; _restore in tests/test_access.py undoes it.
    ("POST", "/bookings/<int:booking_id>/cancel", dict(FAMILY_OWNED, parent=302), FAMILY_OWN),
    ("GET", "/waiting-list/<int:entry_id>/accept", FAMILY_OWNED, FAMILY_OWN),
    ("POST", "/waiting-list/<int:entry_id>/accept", OWNED_POSTED_NOTHING, FAMILY_OWN),
    ("POST", "/waiting-list/<int:entry_id>/leave", dict(FAMILY_OWNED, parent=302), NO_CHILD_RECORD),
    ("GET", "/trust/assessment-requests", TRUST, CHILD_RECORD),
    # The search page before a search: it shows no child (a search's results are audited: tests/test_trust_tools.py).
    ("GET", "/trust/children", PANELS, NO_CHILD_RECORD),
    ("POST", "/trust/children", PANELS_POSTED_NOTHING, NO_CHILD_RECORD),  # nothing to search for
    ("GET", "/trust/children/<int:child_id>/assessment", TRUST, CHILD_RECORD),
    ("POST", "/trust/children/<int:child_id>/assessment", dict(TRUST, trust=422, admin=422), CHILD_RECORD),
    ("GET", "/assessments", FAMILY, FAMILY_OWN),
    # Taking a request: back to the list, with the family told who is handling it.
    ("POST", "/trust/assessment-requests/<int:request_id>/take", dict(TRUST, trust=302, admin=302), NO_CHILD_RECORD),
]


def world(users, values):
    """The world's request for assessment (the parent's, about the world's child)."""
    return {"request_id": db.session.scalar(select(AssessmentRequest.id).where(
        AssessmentRequest.child_id == values["child_id"]))}
