"""Access rows for a provider's own money page, its CSV, and connecting a Stripe account (the world's provider
account is its organisation's administrator; Stripe is not configured, so connecting goes back to the page)."""
from . import DENY, LOGIN, NO_CHILD_RECORD, OK, ROLES

PROVIDER_STAFF = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "provider": OK}
BACK_TO_THE_PAGE = dict(PROVIDER_STAFF, provider=302)

ROWS = [
    ("GET", "/provider/money", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/money.csv", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/money/stripe", BACK_TO_THE_PAGE, NO_CHILD_RECORD),
    ("GET", "/provider/money/stripe/refresh", BACK_TO_THE_PAGE, NO_CHILD_RECORD),
    ("GET", "/provider/money/stripe/return", BACK_TO_THE_PAGE, NO_CHILD_RECORD),
]
