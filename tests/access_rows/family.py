"""Access rows for the family journey: accounts, children, the local offer, bookings, assessment requests."""
from . import FAMILY, FAMILY_OWNED, LOGIN, PUBLIC, ROLES, SIGN_OUT, SIGNED_IN, TRUST

# Nothing posted: the form is shown again with its errors (422), and nothing changes.
POSTED_NOTHING = {r: 422 for r in ROLES}
FAMILY_POSTED_NOTHING = dict(FAMILY, parent=422, young_person=422)
OWNED_POSTED_NOTHING = dict(FAMILY_OWNED, parent=422)

ROWS = [
    ("GET", "/", PUBLIC),
    ("GET", "/healthz", PUBLIC),
    ("GET", "/accessibility", PUBLIC),
    ("GET", "/local-offer", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY),
    ("POST", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY_POSTED_NOTHING),
    ("GET", "/register", PUBLIC),
    ("POST", "/register", POSTED_NOTHING),
    ("GET", "/sign-in", PUBLIC),
    ("POST", "/sign-in", POSTED_NOTHING),
    ("POST", "/sign-out", SIGN_OUT),
    ("GET", "/reset-password", PUBLIC),
    ("POST", "/reset-password", POSTED_NOTHING),
    ("GET", "/reset-password/<token>", PUBLIC),
    ("POST", "/reset-password/<token>", POSTED_NOTHING),
    ("GET", "/account", SIGNED_IN),
    ("POST", "/account", dict(POSTED_NOTHING, anonymous=LOGIN)),  # no language chosen: asked again
    ("GET", "/children", FAMILY),
    # The young person already holds their own record, and their account books only for themselves.
    ("GET", "/children/new", dict(FAMILY, young_person=403)),
    ("POST", "/children/new", dict(FAMILY_POSTED_NOTHING, young_person=403)),
    ("GET", "/children/<int:child_id>/edit", FAMILY_OWNED),
    ("POST", "/children/<int:child_id>/edit", OWNED_POSTED_NOTHING),
    ("GET", "/sessions/<int:session_id>/book", FAMILY),
    ("POST", "/sessions/<int:session_id>/book", FAMILY_POSTED_NOTHING),
    ("GET", "/sessions/<int:session_id>/waiting-list", FAMILY),
    ("POST", "/sessions/<int:session_id>/waiting-list", FAMILY_POSTED_NOTHING),
    ("GET", "/bookings", FAMILY),
    ("GET", "/bookings/<int:booking_id>/cancel", FAMILY_OWNED),
    # The button is all this form has, so the parent really cancels; _restore in tests/test_access.py undoes it.
    ("POST", "/bookings/<int:booking_id>/cancel", dict(FAMILY_OWNED, parent=302)),
    ("GET", "/waiting-list/<int:entry_id>/accept", FAMILY_OWNED),
    ("POST", "/waiting-list/<int:entry_id>/accept", OWNED_POSTED_NOTHING),
    ("POST", "/waiting-list/<int:entry_id>/leave", dict(FAMILY_OWNED, parent=302)),
    ("GET", "/trust/assessment-requests", TRUST),
    ("GET", "/trust/children/<int:child_id>/assessment", TRUST),
    ("POST", "/trust/children/<int:child_id>/assessment", dict(TRUST, trust=422, admin=422)),
]
