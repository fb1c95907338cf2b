"""Access rows for confirming an email address, two-step sign-in and administrators' care of accounts
(portal/auth.py, portal/two_step.py, portal/people.py)."""
from . import DENY, HIDDEN, LOGIN, NO_CHILD_RECORD, ROLES

ALL_LOGIN = {r: LOGIN for r in ROLES}  # nobody is part-way through signing in: back to the sign-in page
SIGNED_IN_POSTED_NOTHING = {r: (LOGIN if r == "anonymous" else 422) for r in ROLES}
# In the table's world staff have two-step sign-in set up (they must: the provider is its organisation's
# administrator); families do not.
HAS_IT = {"anonymous": LOGIN, "parent": HIDDEN, "young_person": HIDDEN, "provider": 200, "council": 200,
          "trust": 200, "adults": 200, "admin": 200}
HAS_IT_POSTED_NOTHING = {r: (422 if v == 200 else v) for r, v in HAS_IT.items()}
# Staff may not turn it off; with nothing to turn off, there is no such page.
TURN_OFF = dict(HAS_IT, provider=403, council=403, trust=403, adults=403, admin=403)
ADMIN = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY, "trust": DENY,
         "adults": DENY, "admin": 200}
ADMIN_POSTED_NOTHING = dict(ADMIN, admin=422)


def world(users, values):
    return {"user_id": users["council"].id}


# Nothing here shows a child's record (the people pages show accounts only).
ROWS = [
    # The table's world has no confirmation link (its token is a password reset's): not found, for everyone.
    ("GET", "/confirm-email/<token>", {r: HIDDEN for r in ROLES}, NO_CHILD_RECORD),
    ("GET", "/sign-in/code", ALL_LOGIN, NO_CHILD_RECORD),
    ("POST", "/sign-in/code", ALL_LOGIN, NO_CHILD_RECORD),
    ("GET", "/two-step/set-up", {r: (LOGIN if r == "anonymous" else 200) for r in ROLES}, NO_CHILD_RECORD),
    ("POST", "/two-step/set-up", SIGNED_IN_POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/two-step/recovery-codes", HAS_IT, NO_CHILD_RECORD),
    ("POST", "/two-step/recovery-codes", HAS_IT_POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/two-step/turn-off", TURN_OFF, NO_CHILD_RECORD),
    ("POST", "/two-step/turn-off", TURN_OFF, NO_CHILD_RECORD),
    ("GET", "/admin/people", ADMIN, NO_CHILD_RECORD),
    ("GET", "/admin/people/<int:user_id>", ADMIN, NO_CHILD_RECORD),
    ("GET", "/admin/people/<int:user_id>/sign-out-everywhere", ADMIN, NO_CHILD_RECORD),
    ("POST", "/admin/people/<int:user_id>/sign-out-everywhere", ADMIN_POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/admin/people/<int:user_id>/reset-two-step", ADMIN, NO_CHILD_RECORD),
    ("POST", "/admin/people/<int:user_id>/reset-two-step", ADMIN_POSTED_NOTHING, NO_CHILD_RECORD),
]
