"""Access rows for providers' sessions, series, places, cancelling, moving, messages to families, uploads and
registers.

Provider staff reach only their own organisation's offers and sessions; administrators may look at session lists.
"""
from portal.extensions import db
from providers.models import Offer

from . import CHILD_RECORD, DENY, LOGIN, NO_CHILD_RECORD, OK

PROVIDER_ONLY = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": OK, "council": DENY,
                 "trust": DENY, "adults": DENY, "admin": DENY}
PROVIDER_OR_ADMIN = dict(PROVIDER_ONLY, admin=OK)
# Posting without the signed preview that the upload page sends is refused in plain English.
NO_PREVIEW = dict(PROVIDER_ONLY, provider=409)
# Nothing posted: the form is shown again with its errors, and nothing changes.
POSTED_NOTHING = dict(PROVIDER_ONLY, provider=422)
# The shared session has not started, so its register cannot be marked yet.
NOT_STARTED = dict(PROVIDER_ONLY, provider=409)

ROWS = [
    ("GET", "/provider/offers/<int:offer_id>/sessions", PROVIDER_OR_ADMIN, NO_CHILD_RECORD),
    ("GET", "/provider/offers/<int:offer_id>/sessions/new", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/offers/<int:offer_id>/sessions/new", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/offers/<int:offer_id>/series/new", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/offers/<int:offer_id>/series/new", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/<int:session_id>/places", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/<int:session_id>/places", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/<int:session_id>/cancel", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/<int:session_id>/cancel", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/<int:session_id>/move", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/<int:session_id>/move", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/<int:session_id>/message", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/<int:session_id>/message", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/<int:session_id>/register", PROVIDER_ONLY, CHILD_RECORD),
    ("POST", "/provider/sessions/<int:session_id>/register", NOT_STARTED, CHILD_RECORD),
    ("GET", "/provider/sessions/upload", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/upload", POSTED_NOTHING, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/upload/preview", NO_PREVIEW, NO_CHILD_RECORD),
    ("POST", "/provider/sessions/upload/confirm", NO_PREVIEW, NO_CHILD_RECORD),
    ("GET", "/provider/sessions/upload/template.csv", PROVIDER_ONLY, NO_CHILD_RECORD),
]


def world(users, values):
    """The shared session (values['offer_id'], values['session_id']) belongs to the provider user's organisation."""
    offer = db.session.get(Offer, values["offer_id"])
    if users["provider"].provider_id is None:
        users["provider"].provider_id = offer.provider_id
    else:
        offer.provider_id = users["provider"].provider_id
    db.session.commit()
    return {}
