"""Access rows for the family journey: accounts, children, the local offer, bookings, assessment requests."""
from . import FAMILY, FAMILY_OWNED, PUBLIC, SIGN_OUT, SIGNED_IN, TRUST

ROWS = [
    ("GET", "/", PUBLIC),
    ("GET", "/healthz", PUBLIC),
    ("GET", "/accessibility", PUBLIC),
    ("GET", "/local-offer", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>", PUBLIC),
    ("GET", "/local-offer/<int:offer_id>/ask-for-assessment", FAMILY),
    ("GET", "/register", PUBLIC),
    ("GET", "/sign-in", PUBLIC),
    ("POST", "/sign-out", SIGN_OUT),
    ("GET", "/reset-password", PUBLIC),
    ("GET", "/reset-password/<token>", PUBLIC),
    ("GET", "/account", SIGNED_IN),
    ("GET", "/children", FAMILY),
    ("GET", "/children/new", FAMILY),
    ("GET", "/children/<int:child_id>/edit", FAMILY_OWNED),
    ("GET", "/sessions/<int:session_id>/book", FAMILY),
    ("GET", "/sessions/<int:session_id>/waiting-list", FAMILY),
    ("GET", "/bookings", FAMILY),
    ("GET", "/bookings/<int:booking_id>/cancel", FAMILY_OWNED),
    ("GET", "/waiting-list/<int:entry_id>/accept", FAMILY_OWNED),
    ("POST", "/waiting-list/<int:entry_id>/leave", dict(FAMILY_OWNED, parent=302)),
    ("GET", "/trust/assessment-requests", TRUST),
    ("GET", "/trust/children/<int:child_id>/assessment", TRUST),
]
