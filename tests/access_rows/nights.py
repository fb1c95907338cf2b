"""Access rows for the trust's pages of children's nights away on short breaks (bookings/nights_views.py) and the
register of disabled children (portal/disabled_register.py)."""
from datetime import datetime, time, timedelta, timezone

from portal.extensions import db
from portal.models import Child
from portal.timeutil import LONDON, london_today
from providers.models import Booking, Offer
from tests.factories import SessionFactory

from . import CHILD_RECORD, NO_CHILD_RECORD, OK, TRUST

ROWS = [
    ("GET", "/trust/nights-away", TRUST, CHILD_RECORD),
    # The register counts every child and names none; the export names those whose family consented (the world's
    # child's family did).
    ("GET", "/trust/register-of-disabled-children", dict(TRUST, council=OK), NO_CHILD_RECORD),
    ("GET", "/trust/register-of-disabled-children.csv", TRUST, CHILD_RECORD),
]


def world(users, values):
    """The world's child has an overnight stay booked (a night away), so the page lists them."""
    offer = db.session.get(Offer, values["offer_id"])
    evening = datetime.combine(london_today() + timedelta(days=40), time(17), tzinfo=LONDON).astimezone(timezone.utc)
    stay = SessionFactory(offer=offer, starts_at=evening, ends_at=evening + timedelta(hours=17), places_taken=1)
    db.session.add(Booking(session=stay, child_id=values["child_id"], booked_by_id=users["parent"].id,
                           group_ref="g-overnight", funding="free"))
    db.session.get(Child, values["child_id"]).register_consent = True
    db.session.commit()
    return {}
