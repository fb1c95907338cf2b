"""Access rows for the availability API. The table signs in with the browser session, which never opens the
API: every /api/v1 route answers 401 without a token, whatever the role. The OpenAPI document is public."""
from . import CHILD_RECORD, NO_CHILD_RECORD, PUBLIC, ROLES

TOKEN_REQUIRED = {role: 401 for role in ROLES}

ROWS = [
    ("GET", "/api/v1/openapi.json", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/api/v1/offers", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("GET", "/api/v1/offers/<int:offer_id>/sessions", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("POST", "/api/v1/offers/<int:offer_id>/sessions", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("GET", "/api/v1/sessions/<int:session_id>", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("PATCH", "/api/v1/sessions/<int:session_id>", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("POST", "/api/v1/sessions/<int:session_id>/cancel", TOKEN_REQUIRED, NO_CHILD_RECORD),
    ("GET", "/api/v1/sessions/<int:session_id>/bookings", TOKEN_REQUIRED, CHILD_RECORD),
]
