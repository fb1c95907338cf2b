"""Demo feedback: what families said after the breaks their children attended.

About a third of the places attended are rated (most families say it went well; a few did not), with the
outcomes the review asks about, a comment on some and the provider's reply to some of those (on breaks enough
families have rated for the provider to read them); the commissioners have hidden a few comments, saying why. In a
small area the most attended breaks are rated by more of their families, so that some offer pages show an average.
The demo parent has said how Zain's first break of the last four weeks went; the latest is waiting for them to rate.
The feedback from the other families fills the offer pages and the commissioners' figures."""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
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
SHOWN_OFFERS = 3  # at least this many breaks rated by enough families to show their average
DEMO_COMMENT = ("Zain was nervous at first, but the coaches gave him a quiet corner and his ear defenders were no "
                "problem. He came home beaming.")


def add_feedback(echo: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(RANDOM_SEED)
    now = utcnow()
    demo_families = set(db_ids(["parent@example.com", "young.person@example.com"]))
    demo_parent = next(iter(db_ids(["parent@example.com"])), None)
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

    def rate(booking_id, family_id, ended, offer_id, provider_id, tier) -> dict:
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
            elif hidden[0] < 3 and rating <= 2:
                hide(row, tier)
        return row

    def hide(row: dict, tier: Tier) -> None:
        # Hidden by the body that commissions the break, as the portal allows.
        row.update(hidden_at=min(row["created_at"] + timedelta(days=1), now),
                   hidden_by_id=trust_id if tier is Tier.SPECIALIST else council_id, hidden_reason=HIDE_REASON)
        hidden[0] += 1

    rows, hidden, unrated, demo_attended = [], [0], [], []
    for place in attended:
        family_id = place[1]
        if family_id in demo_families:
            if family_id == demo_parent:
                demo_attended.append(place)
            continue
        if rng.random() >= RATED:
            unrated.append(place)
            continue
        rows.append(rate(*place))
    rows += _enough_to_show(rows, unrated, rate)
    # The demo parent said how Zain's first break went; the latest is waiting for them to say (feedback.awaiting).
    demo_attended.sort(key=lambda place: place[2])
    if len(demo_attended) >= 2:
        booking_id, family_id, ended, offer_id, provider_id, _tier = demo_attended[0]
        rows.append(dict(booking_id=booking_id, offer_id=offer_id, provider_id=provider_id, given_by_id=family_id,
                         rating=5, easy_read=False, created_at=min(ended + timedelta(hours=20), now),
                         child_outcomes=["enjoyment", "confidence", "new_things"], carer_outcomes=["rest", "siblings"],
                         comment=DEMO_COMMENT, hidden_at=None, hidden_by_id=None, hidden_reason=None,
                         reply=None, replied_at=None, replied_by_id=None))
    # A provider can reply only where enough families have rated the break for it to read their feedback
    # (feedback.services.reply).
    shown = _shown(rows)
    for row in rows:
        if row["reply"] and row["offer_id"] not in shown:
            row.update(reply=None, replied_at=None, replied_by_id=None)
    if not any(row["reply"] for row in rows):  # a small area: the demo provider has answered one comment
        answerable = sorted((row for row in rows if row["comment"] and not row["hidden_at"] and row["offer_id"] in shown
                             and row["provider_id"] in staff_of),
                            key=lambda row: (row["created_at"], row["booking_id"]))
        if answerable:
            row = answerable[-1]
            row.update(reply=REPLIES[row["rating"]], replied_at=min(row["created_at"] + timedelta(hours=5), now),
                       replied_by_id=staff_of[row["provider_id"]])
    if not hidden[0]:  # a small area: a commissioner has still hidden one comment, saying why
        commented = sorted((row for row in rows if row["comment"] and not row["reply"]),
                           key=lambda row: (row["rating"], row["booking_id"]))
        tiers = {place[0]: place[5] for place in attended}
        if commented:
            hide(commented[0], tiers[commented[0]["booking_id"]])
    counts: dict[str, int] = {}
    bulk_insert(Feedback, rows, "Feedback", counts, echo)
    return counts


def _shown(rows: list[dict]) -> set[int]:
    """The offers enough families have rated for their average to be shown (feedback.services.offer_summary)."""
    families: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        families[row["offer_id"]].add(row["given_by_id"])
    return {offer_id for offer_id, given in families.items() if len(given) >= _threshold()}


def _enough_to_show(rows: list[dict], unrated: list, rate) -> list[dict]:
    """In a small area few breaks have been rated by enough families for their pages to show an average: the most
    attended breaks get ratings from more of the families who went, until SHOWN_OFFERS of them can (a large area has
    many already)."""
    shown = _shown(rows)
    if len(shown) >= SHOWN_OFFERS:
        return []
    rated: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        rated[row["offer_id"]].add(row["given_by_id"])
    waiting: dict[int, list] = defaultdict(list)
    for place in unrated:
        waiting[place[3]].append(place)
    went = {offer_id: rated[offer_id] | {place[1] for place in places} for offer_id, places in waiting.items()}
    candidates = sorted((offer_id for offer_id in went
                         if offer_id not in shown and len(went[offer_id]) >= _threshold()),
                        key=lambda offer_id: (-len(went[offer_id]), offer_id))
    added = []
    for offer_id in candidates[:SHOWN_OFFERS - len(shown)]:
        for place in waiting[offer_id]:
            if len(rated[offer_id]) >= _threshold():
                break
            if place[1] not in rated[offer_id]:
                added.append(rate(*place))
                rated[offer_id].add(place[1])
    return added


def _threshold() -> int:
    return max(current_app.config["FEEDBACK_ANONYMITY_THRESHOLD"], 1)


def db_ids(emails: list[str]) -> list[int]:
    return _scalars(select(User.id).where(User.email.in_(emails)))


def _scalars(statement) -> list:
    return list(db.session.scalars(statement))


def _execute(statement) -> list:
    return list(db.session.execute(statement))
