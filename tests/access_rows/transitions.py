"""Access rows for the tracker of young people moving to adult services: the children's trust, adult social care and
administrators only. The tracker, its CSV and a young person's pages name them (their views are audited); the dashboard
names nobody."""
from datetime import date

from portal.extensions import db
from portal.models import Child
from transitions.models import Stage, Transition, TransitionStep
from transitions.services import due_dates

from . import CHILD_RECORD, LOGIN, NO_CHILD_RECORD, OK, DENY

TRANSITION_STAFF = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY,
                    "trust": OK, "adults": OK, "admin": OK}
# An empty form is shown again with its errors (422), naming the young person.
TRANSITION_STAFF_FORM = dict(TRANSITION_STAFF, trust=422, adults=422, admin=422)

ROWS = [
    ("GET", "/transitions", TRANSITION_STAFF, CHILD_RECORD),
    ("GET", "/transitions/tracker.csv", TRANSITION_STAFF, CHILD_RECORD),
    ("GET", "/transitions/dashboard", TRANSITION_STAFF, NO_CHILD_RECORD),
    ("GET", "/transitions/young-people/<int:child_id>", TRANSITION_STAFF, CHILD_RECORD),
    ("GET", "/transitions/young-people/<int:child_id>/stage", TRANSITION_STAFF, CHILD_RECORD),
    ("POST", "/transitions/young-people/<int:child_id>/stage", TRANSITION_STAFF_FORM, CHILD_RECORD),
    ("GET", "/transitions/young-people/<int:child_id>/review", TRANSITION_STAFF, CHILD_RECORD),
    ("POST", "/transitions/young-people/<int:child_id>/review", TRANSITION_STAFF_FORM, CHILD_RECORD),
    ("GET", "/transitions/young-people/<int:child_id>/owner", TRANSITION_STAFF, CHILD_RECORD),
    ("POST", "/transitions/young-people/<int:child_id>/owner", TRANSITION_STAFF_FORM, CHILD_RECORD),
]


def world(users, values):
    """The world's child on the tracker. The daily task starts a transition at 14 and Zebedee is 9 (the world's breaks
    are for 5 to 11), so it is written here as it would be, with the review held."""
    child = db.session.get(Child, values["child_id"])
    transition = Transition(child_id=child.id, stage=Stage.PFA_REVIEW, stage_on=date.today(),
                            owner_id=users["trust"].id)
    transition.steps = [TransitionStep(stage=stage, due_on=due_on,
                                       done_on=date.today() if stage.order <= Stage.PFA_REVIEW.order else None)
                        for stage, due_on in due_dates(child.date_of_birth).items()]
    db.session.add(transition)
    return {}
