"""Access rows for feedback: the family's form, the provider's list and replies, the commissioners' figures and
hiding a comment.

The world's booking has not been attended, so its family is told it cannot give feedback yet (409). The feedback in
the world is on a universal break: the council may hide its comment, the trust and adult social care may not (not found)."""
from datetime import timedelta

from feedback.models import Feedback
from portal.extensions import db
from portal.timeutil import utcnow
from providers.models import Attendance, Booking, Offer
from tests.factories import ChildFactory, SessionFactory, UserFactory

from . import DENY, FAMILY_OWN, FAMILY_OWNED, LOGIN, NO_CHILD_RECORD, OK

NOT_YET = dict(FAMILY_OWNED, parent=409)
PROVIDER_ONLY = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": OK, "council": DENY,
                 "trust": DENY, "adults": DENY, "admin": DENY}
PROVIDER_POSTED_NOTHING = dict(PROVIDER_ONLY, provider=422)
COMMISSIONERS = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": OK,
                 "trust": OK, "adults": OK, "admin": OK}
COUNCIL_TIER = dict(COMMISSIONERS, trust=404, adults=404)
COUNCIL_TIER_POSTED_NOTHING = dict(COUNCIL_TIER, council=422, admin=422)

ROWS = [
    ("GET", "/bookings/<int:booking_id>/feedback", NOT_YET, FAMILY_OWN),
    ("POST", "/bookings/<int:booking_id>/feedback", NOT_YET, FAMILY_OWN),
    ("GET", "/provider/feedback", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("GET", "/provider/feedback/<int:feedback_id>/reply", PROVIDER_ONLY, NO_CHILD_RECORD),
    ("POST", "/provider/feedback/<int:feedback_id>/reply", PROVIDER_POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/insight/feedback", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/feedback/<int:feedback_id>/hide", COUNCIL_TIER, NO_CHILD_RECORD),
    ("POST", "/insight/feedback/<int:feedback_id>/hide", COUNCIL_TIER_POSTED_NOTHING, NO_CHILD_RECORD),
]


def world(users, values):
    """A past session of the world's (universal) offer that the world's child and four other children attended, each
    family's feedback on it (the parent's with a comment); the offer belongs to the provider user's organisation."""
    offer = db.session.get(Offer, values["offer_id"])
    if users["provider"].provider_id is None:
        users["provider"].provider_id = offer.provider_id
    else:
        offer.provider_id = users["provider"].provider_id
    started = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    past = SessionFactory(offer=offer, starts_at=started, ends_at=started + timedelta(hours=2), places_taken=1)
    booking = Booking(session=past, child_id=values["child_id"], booked_by_id=users["parent"].id, group_ref="g-past",
                      funding="free", attendance=Attendance.ATTENDED, delivered_at=past.ends_at)
    db.session.add(booking)
    db.session.flush()
    feedback = Feedback(booking=booking, offer_id=offer.id, provider_id=offer.provider_id,
                        given_by_id=users["parent"].id, rating=4, child_outcomes=["enjoyment"], carer_outcomes=[],
                        comment="Lovely staff.")
    db.session.add(feedback)
    # Four more families rated it: enough (FEEDBACK_ANONYMITY_THRESHOLD) for its provider to read and reply.
    for n in range(4):
        family = UserFactory()
        theirs = Booking(session=past, child=ChildFactory(parent=family), booked_by_id=family.id,
                         group_ref=f"g-past-{n}", funding="free", attendance=Attendance.ATTENDED,
                         delivered_at=past.ends_at)
        db.session.add(theirs)
        db.session.flush()
        db.session.add(Feedback(booking=theirs, offer_id=offer.id, provider_id=offer.provider_id,
                                given_by_id=family.id, rating=5, child_outcomes=[], carer_outcomes=[]))
    past.places_taken = 5
    db.session.commit()
    return {"feedback_id": feedback.id}
