"""Access rows for control passing to the young adult at 18 (#15): the parent inviting their child to their own
sign-in, the young person accepting, giving and withdrawing consent, and staff recording a basis.

The world has a consent to the parent's seeing Zebedee's record recorded by the trust (so a withdraw address
exists), and an open invitation to Zebedee's own sign-in."""
from datetime import timedelta

from portal import growing_up
from portal.extensions import db
from portal.models import AccessBasis, FamilyAccess, YoungPersonInvite
from portal.timeutil import utcnow

from . import CHILD_RECORD, DENY, FAMILY_OWN, FAMILY_OWNED, LOGIN, NO_CHILD_RECORD, OK, ROLES

INVITE_TOKEN = "access-young-person-invite"
YOUNG_PERSON = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "young_person": OK}
STAFF = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "trust": OK, "adults": OK, "admin": OK}
STAFF_POSTED_NOTHING = dict(STAFF, trust=422, adults=422, admin=422)

ROWS = [
    ("GET", "/children/<int:child_id>/own-sign-in", FAMILY_OWNED, FAMILY_OWN),
    ("POST", "/children/<int:child_id>/own-sign-in", dict(FAMILY_OWNED, parent=422), FAMILY_OWN),
    ("GET", "/join/<young_person_token>", {r: OK for r in ROLES}, NO_CHILD_RECORD),
    ("POST", "/join/<young_person_token>", {r: 422 for r in ROLES}, NO_CHILD_RECORD),
    # The world's young person made their own record: nobody else is linked to it.
    ("GET", "/your-record/sharing", YOUNG_PERSON, FAMILY_OWN),
    ("POST", "/your-record/sharing", dict(YOUNG_PERSON, young_person=422), FAMILY_OWN),
    # Zebedee's consent is not the world's young person's to withdraw.
    ("POST", "/your-record/sharing/<int:access_id>/withdraw", dict(YOUNG_PERSON, young_person=404), FAMILY_OWN),
    ("GET", "/staff/children/<int:child_id>/family-access", STAFF, CHILD_RECORD),
    ("POST", "/staff/children/<int:child_id>/family-access", STAFF_POSTED_NOTHING, CHILD_RECORD),
    ("POST", "/staff/children/<int:child_id>/family-access/<int:access_id>/withdraw", STAFF_POSTED_NOTHING,
     CHILD_RECORD),
    ("POST", "/staff/children/<int:child_id>/own-sign-in", STAFF_POSTED_NOTHING, CHILD_RECORD),
]


def world(users, values):
    access = FamilyAccess(child_id=values["child_id"], user_id=users["parent"].id, basis=AccessBasis.CONSENT,
                          reference="Told the trust at a review", granted_by_id=users["trust"].id)
    db.session.add_all([access, YoungPersonInvite(
        child_id=values["child_id"], email="zebedee@example.com", token_hash=growing_up.invite_token_hash(INVITE_TOKEN),
        invited_by_id=users["parent"].id, created_at=utcnow() - timedelta(hours=1))])
    db.session.flush()
    return {"access_id": access.id, "young_person_token": INVITE_TOKEN}
