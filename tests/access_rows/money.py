"""Access rows for the commissioner's money pages: envelopes, the dashboard, its CSV, the provider table and
the monthly remittance. The world sets an envelope for each body this year."""
from budgets import services as money
from budgets.dashboard import current_year
from portal.extensions import db
from providers.models import Body

from . import DENY, LOGIN, NO_CHILD_RECORD, OK, ROLES

COMMISSIONERS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "adults": OK, "admin": OK}
# Nothing posted: the form is shown again with its errors, and nothing changes.
POSTED_NOTHING = dict(COMMISSIONERS, council=422, trust=422, adults=422, admin=422)

ROWS = [
    ("GET", "/money/envelopes", COMMISSIONERS, NO_CHILD_RECORD),
    ("POST", "/money/envelopes", POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/money/dashboard", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/money/dashboard.csv", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/money/providers", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/money/remittance.csv", COMMISSIONERS, NO_CHILD_RECORD),
]


def world(users, values) -> dict:
    for body, role in ((Body.COUNCIL, "council"), (Body.TRUST, "trust"), (Body.ADULTS, "adults")):
        money.set_envelope(body, current_year(), 100_000_00, by=users[role], reason="Access table")
    db.session.commit()
    return {}
