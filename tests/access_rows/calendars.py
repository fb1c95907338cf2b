"""Access rows for the calendars (calendars/). An offer's calendar is public. A private calendar opens to whoever
holds its secret address, signed in or not (a calendar app cannot sign in): the family's shows their own children's
first names, so it counts as the family's own; the provider's has counts only. The "Add to calendar" download is
the family's own booking (the young person has no booking on the world's session: not found). The world's parent
and the world offer's provider each have a link made already; restore() puts their secrets back after a row makes
a new one."""
from sqlalchemy import select

from calendars.models import CalendarLink
from portal.extensions import db
from providers.models import Offer
from providers.tokens import token_hash

from . import DENY, FAMILY, FAMILY_OWN, FAMILY_OWNED, LOGIN, NO_CHILD_RECORD, OK, PUBLIC, ROLES

FAMILY_SECRET = "access-family-calendar"
PROVIDER_SECRET = "access-provider-calendar"
# The world's provider account is an admin of the offer's provider (tests/access_rows/provider_orgs.py).
PROVIDER_STAFF = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "provider": OK}

ROWS = [
    ("GET", "/local-offer/<int:offer_id>/calendar.ics", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/calendars/family/<family_secret>.ics", PUBLIC, FAMILY_OWN),
    ("GET", "/calendars/provider/<provider_secret>.ics", PUBLIC, NO_CHILD_RECORD),
    ("GET", "/bookings/sessions/<int:session_id>/calendar.ics", FAMILY_OWNED, FAMILY_OWN),
    ("GET", "/bookings/calendar", FAMILY, NO_CHILD_RECORD),
    # The button is all the form has: a new link is made and shown.
    ("POST", "/bookings/calendar", FAMILY, NO_CHILD_RECORD),
    ("GET", "/provider/calendar", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/calendar", PROVIDER_STAFF, NO_CHILD_RECORD),
]


def world(users, values) -> dict:
    family_id = users["parent"].id
    provider_id = db.session.get(Offer, values["offer_id"]).provider_id
    db.session.add_all([CalendarLink(family_id=family_id, token_hash=token_hash(FAMILY_SECRET)),
                        CalendarLink(provider_id=provider_id, token_hash=token_hash(PROVIDER_SECRET))])
    return {"family_secret": FAMILY_SECRET, "provider_secret": PROVIDER_SECRET, "calendar_family_id": family_id,
            "calendar_provider_id": provider_id}


def restore(values) -> None:
    for owner, secret in ((CalendarLink.family_id == values["calendar_family_id"], FAMILY_SECRET),
                          (CalendarLink.provider_id == values["calendar_provider_id"], PROVIDER_SECRET)):
        db.session.scalar(select(CalendarLink).where(owner)).token_hash = token_hash(secret)
