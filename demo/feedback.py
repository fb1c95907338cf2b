"""Demo feedback: what families said after the breaks their children attended.

About a third of the places attended are rated (most families say it went well; a few did not), with the
outcomes the review asks about, a comment on some and the provider's reply to some of those; the commissioners
have hidden a few comments, saying why. The two demo families' own bookings are all still to come, so they
have nothing to rate yet; the feedback from the other families fills the offer pages and the commissioners' figures."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from feedback.models import Feedback
from feedback.services import CARER_OUTCOMES, CHILD_OUTCOMES
from portal.extensions import db
from portal.models import Role, User
from portal.timeutil import utcnow
from providers.models import Attendance, Booking, BookingStatus, Offer, Session, Tier

from .common import bulk_insert

RANDOM_SEED = 13
RATED = 0.35
RATINGS = [5, 4, 3, 2, 1]
RATING_WEIGHTS = [46, 32, 12, 6, 4]
# How likely each outcome is to be named, for a break that went well (a poor one names fewer).
CHILD_CHANCE = {"enjoyment": 0.8, "friendships": 0.45, "independence": 0.3, "confidence": 0.4, "new_things": 0.35}
CARER_CHANCE = {"rest": 0.75, "siblings": 0.4, "work": 0.25}
COMMENTED = 0.4
REPLIED = 0.3
COMMENTS = {
    5: ["He talked about it all weekend and cannot wait for the next one.",
        "The staff understood her straight away. I had my first full night's sleep in weeks.",
        "Brilliant. He tried climbing for the first time and was so proud.",
        "She made a friend and they now message each other.",
        "Calm, kind staff and a quiet room when it got too much. Perfect."],
    4: ["Really good day. The drop-off was a bit rushed.",
        "He enjoyed it, and I got a few hours with his sister.",
        "Good activities. It would help to know the plan for the day in advance.",
        "Lovely staff. Parking was difficult."],
    3: ["It was fine, but there was not much for older children to do.",
        "OK. He found the hall very noisy.",
        "Some good parts; the group was much bigger than we expected."],
    2: ["The session started late and nobody told us.",
        "Staff did not seem to have read her support plan."],
    1: ["We were not told the venue had changed until we arrived.",
        "He came home upset and nobody could tell me what had happened."],
}
REPLIES = {
    5: "Thank you! It was lovely to have them with us.",
    4: "Thank you for telling us: we are looking at how drop-off works.",
    3: "Thank you. We are adding a quieter space and activities for older children.",
    2: "We are sorry. We now text every family if a session is running late.",
    1: "We are very sorry. Our manager will phone you this week.",
}
HIDE_REASON = "Names a member of staff."


def add_feedback(echo: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(RANDOM_SEED)
    now = utcnow()
    demo_families = set(db_ids(["parent@example.com", "young.person@example.com"]))
    council_id = next(iter(db_ids(["council@example.com"])), None)
    trust_id = next(iter(db_ids(["trust@example.com"])), None)
    young = set(_scalars(select(User.id).where(User.role == Role.YOUNG_PERSON)))
    staff_of = dict(_execute(select(User.provider_id, User.id).where(User.role == Role.PROVIDER,
                                                                    User.provider_id.is_not(None))))
    attended = _execute(
        select(Booking.id, Booking.booked_by_id, Session.ends_at, Session.offer_id, Offer.provider_id, Offer.tier)
        .join(Session, Session.id == Booking.session_id).join(Offer, Offer.id == Session.offer_id)
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.attendance == Attendance.ATTENDED,
               Booking.child_id.is_not(None))
        .order_by(Booking.id))
    rows, hidden = [], 0
    for booking_id, family_id, ended, offer_id, provider_id, tier in attended:
        if family_id in demo_families or rng.random() >= RATED:
            continue
        rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
        keen = 1.0 if rating >= 4 else 0.5 if rating == 3 else 0.2
        given = min(ended + timedelta(hours=rng.uniform(2, 96)), now)
        row = dict(booking_id=booking_id, offer_id=offer_id, provider_id=provider_id, given_by_id=family_id,
                   rating=rating, easy_read=rng.random() < 0.15, created_at=given,
                   child_outcomes=[k for k in CHILD_OUTCOMES if rng.random() < CHILD_CHANCE[k] * keen],
                   carer_outcomes=[] if family_id in young else
                   [k for k in CARER_OUTCOMES if rng.random() < CARER_CHANCE[k] * keen],
                   comment=None, hidden_at=None, hidden_by_id=None, hidden_reason=None,
                   reply=None, replied_at=None, replied_by_id=None)
        if rng.random() < COMMENTED:
            row["comment"] = rng.choice(COMMENTS[rating])
            if rng.random() < REPLIED and provider_id in staff_of:
                row.update(reply=REPLIES[rating], replied_at=min(given + timedelta(hours=rng.uniform(3, 48)), now),
                           replied_by_id=staff_of[provider_id])
            elif hidden < 3 and rating <= 2:
                # Hidden by the body that commissions the break, as the portal allows.
                moderator = trust_id if tier is Tier.SPECIALIST else council_id
                row.update(hidden_at=min(given + timedelta(days=1), now), hidden_by_id=moderator,
                           hidden_reason=HIDE_REASON)
                hidden += 1
        rows.append(row)
    counts: dict[str, int] = {}
    bulk_insert(Feedback, rows, "Feedback", counts, echo)
    return counts


def db_ids(emails: list[str]) -> list[int]:
    return _scalars(select(User.id).where(User.email.in_(emails)))


def _scalars(statement) -> list:
    return list(db.session.scalars(statement))


def _execute(statement) -> list:
    return list(db.session.execute(statement))
