"""Access rows for booking several sessions of a series in one go (#12): choosing, checking and confirming, the
set's own page, and cancelling the whole set.

The world gives the parent a weekly series of two sessions and a set booked on it for their child."""
from datetime import time, timedelta

from sqlalchemy import select

from bookings.places import book_series
from portal.extensions import db
from portal.models import Child, User
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingSet, BookingStatus, Offer, Session
from providers.sessions import create_series, weekly_rule

from . import FAMILY, FAMILY_OWN, FAMILY_OWNED

# Nothing posted: the form is shown again with its errors (422), and nothing is booked.
FAMILY_POSTED_NOTHING = dict(FAMILY, parent=422, young_person=422)

ROWS = [
    ("GET", "/series/<int:series_id>/book", FAMILY, FAMILY_OWN),
    ("POST", "/series/<int:series_id>/book", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    # No answers in the address: back to the form to give them.
    ("GET", "/series/<int:series_id>/book/check", dict(FAMILY, parent=302, young_person=302), FAMILY_OWN),
    ("POST", "/series/<int:series_id>/book/check", FAMILY_POSTED_NOTHING, FAMILY_OWN),
    ("GET", "/bookings/sets/<group_ref>", FAMILY_OWNED, FAMILY_OWN),
    ("GET", "/bookings/sets/<group_ref>/cancel", FAMILY_OWNED, FAMILY_OWN),
    # The button is all this form has, so the parent really cancels; restore() below undoes it.
    ("POST", "/bookings/sets/<group_ref>/cancel", dict(FAMILY_OWNED, parent=302), FAMILY_OWN),
]


def world(users, values):
    offer = db.session.get(Offer, values["offer_id"])
    today = to_london(utcnow()).date()
    first = today + timedelta(days=14)
    series = create_series(offer, rule=weekly_rule(first, first + timedelta(weeks=1), [first.weekday()]),
                           first_day=first, start=time(16), end=time(18), capacity=10, by=None)
    sessions = db.session.scalars(select(Session).where(Session.series_id == series.id)).all()
    child = db.session.get(Child, values["child_id"])
    booked = book_series(db.session.get(User, users["parent"].id), sessions, [child], "free")
    return {"series_id": series.id, "group_ref": booked.booking_set.group_ref}


def restore(values):
    """Undo the family's cancelling of the whole set."""
    booking_set = db.session.scalar(select(BookingSet).where(BookingSet.group_ref == values["group_ref"]))
    for booking in db.session.scalars(select(Booking).where(Booking.group_ref == booking_set.group_ref)):
        if booking.status is not BookingStatus.CONFIRMED:
            booking.status, booking.cancelled_at, booking.cancel_reason = BookingStatus.CONFIRMED, None, None
            booking.session.places_taken += 1
