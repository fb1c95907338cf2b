"""Feedback after a break: who may give it and when, giving it, the provider's reply, hiding a comment, the
invitation after the register is marked, and the figures shown on offer pages and to commissioners.

Services never commit: the view (or the register's unit of work) does."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import notify
from portal.access import can_see_child, family_child_ids
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.i18n import N_
from portal.models import Child, Locality, Role, User, record
from portal.timeutil import to_london, utcnow
from providers.models import (
    COMMISSIONED_BY,
    Attendance,
    Body,
    Booking,
    BookingStatus,
    Offer,
    Provider,
    Session,
    Tier,
)

from .models import Feedback

# How the break went, best first, as the form and the tables say it; the easy-read form adds a face to each.
RATINGS = {5: N_("Very good"), 4: N_("Good"), 3: N_("OK"), 2: N_("Not good"), 1: N_("Bad")}
FACES = {5: "😀", 4: "🙂", 3: "😐", 2: "🙁", 1: "😞"}

# What the child got from it: the words of the "So what?" review.
CHILD_OUTCOMES = {
    "enjoyment": N_("Enjoyment"),
    "friendships": N_("Friendships"),
    "independence": N_("Independence"),
    "confidence": N_("Confidence"),
    "new_things": N_("Trying new things"),
}
CHILD_OUTCOME_HINTS = {
    "enjoyment": N_("They had fun"),
    "friendships": N_("They made friends or saw friends"),
    "independence": N_("They did more for themselves"),
    "confidence": N_("They felt more sure of themselves"),
    "new_things": N_("They tried something they had not done before"),
}
# The easy-read form asks the child or young person, in their words, with a picture.
CHILD_OUTCOMES_EASY = {
    "enjoyment": ("🎉", N_("I had fun")),
    "friendships": ("🤝", N_("I was with friends")),
    "independence": ("🧭", N_("I did things by myself")),
    "confidence": ("💪", N_("I felt proud of myself")),
    "new_things": ("✨", N_("I tried something new")),
}
# What it gave the parent carer.
CARER_OUTCOMES = {
    "rest": N_("A rest"),
    "siblings": N_("Time for my other children"),
    "work": N_("Time to work or study"),
}
CARER_OUTCOMES_EASY = {"rest": "🛋️", "siblings": "👧", "work": "💼"}

# How long after a break its family may say how it went.
FEEDBACK_DAYS = 90

# What commissioners can see feedback by.
DIMENSIONS = {
    "provider": N_("Provider"),
    "offer": N_("Break"),
    "tier": N_("Tier"),
    "locality": N_("Child's area"),
}


def threshold() -> int:
    """How many families must have rated a break before its page shows the average and comments (config)."""
    return current_app.config["FEEDBACK_ANONYMITY_THRESHOLD"]


# --- giving it -----------------------------------------------------------------------------------------------

def why_not(booking: Booking, now: datetime | None = None) -> str | None:
    """Why this place cannot be given feedback now (None: it can)."""
    now = now or utcnow()
    if booking.is_carer_place or booking.child_id is None:
        return _("Feedback is given for each child's place, not for a carer's place.")
    if booking.status is not BookingStatus.CONFIRMED or booking.attendance is not Attendance.ATTENDED:
        return _("You can say how the break went once the provider has marked your child as attending it.")
    if db.session.scalar(select(Feedback.id).where(Feedback.booking_id == booking.id)) is not None:
        return _("You have already said how this break went. Thank you.")
    if booking.session.ends_at + timedelta(days=FEEDBACK_DAYS) < now:
        return _("This break was more than %(days)s days ago, so it is too late to say how it went.",
                 days=FEEDBACK_DAYS)
    return None


def give(booking: Booking, *, by: User, rating: int, child_outcomes: list[str], carer_outcomes: list[str],
         comment: str | None, easy_read: bool = False) -> Feedback:
    """Keep what the family said about one child's place. Once only, for a place the child attended."""
    if not can_see_child(by, booking.child):
        raise NotAllowed(_("Only the family who booked this place can say how it went."))
    reason = why_not(booking)
    if reason:
        raise DomainError(reason)
    if rating not in RATINGS:
        raise DomainError(_("Choose how the break went"))
    if set(child_outcomes) - set(CHILD_OUTCOMES) or set(carer_outcomes) - set(CARER_OUTCOMES):
        raise DomainError(_("Select from the options shown"))
    if by.role is Role.YOUNG_PERSON:
        carer_outcomes = []  # a young person's own account has no carer to ask
    offer = booking.session.offer
    feedback = Feedback(booking=booking, offer_id=offer.id, provider_id=offer.provider_id, given_by_id=by.id,
                        rating=rating, child_outcomes=[k for k in CHILD_OUTCOMES if k in child_outcomes],
                        carer_outcomes=[k for k in CARER_OUTCOMES if k in carer_outcomes],
                        comment=(comment or "").strip() or None, easy_read=easy_read)
    db.session.add(feedback)
    db.session.flush()
    record("feedback_given", booking, by=by, feedback_id=feedback.id, rating=rating, easy_read=easy_read)
    return feedback


def awaiting(family: User, now: datetime | None = None) -> list[Booking]:
    """The family's places, attended in the last FEEDBACK_DAYS days, that nobody has said how they went yet."""
    now = now or utcnow()
    return db.session.scalars(
        select(Booking).join(Session)
        .where(Booking.child_id.in_(sorted(family_child_ids(family))), Booking.status == BookingStatus.CONFIRMED,
               Booking.attendance == Attendance.ATTENDED, Booking.child_id.is_not(None),
               Session.ends_at > now - timedelta(days=FEEDBACK_DAYS),
               ~select(Feedback.id).where(Feedback.booking_id == Booking.id).exists())
        .order_by(Session.starts_at.desc(), Booking.id)
    ).all()


def given_for(bookings: list[Booking]) -> set[int]:
    """Which of these places have feedback (their booking ids)."""
    ids = [b.id for b in bookings]
    if not ids:
        return set()
    return set(db.session.scalars(select(Feedback.booking_id).where(Feedback.booking_id.in_(ids))))


def invite(bookings: list[Booking]) -> int:
    """Marked as attended for the first time: ask each family (once, however many of their children came) how
    the session went, by email. Returns how many families were asked."""
    by_family: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        if booking.child_id is not None and booking.attendance is Attendance.ATTENDED:
            by_family[booking.booked_by_id].append(booking)
    asked = 0
    for family_id, theirs in sorted(by_family.items()):
        family = db.session.get(User, family_id)
        if family is None or not family.active:
            continue
        session = theirs[0].session
        notify.queue(family, _l("How did it go? %(title)s", title=session.offer.title), "feedback_invite",
                     session=session, when=to_london(session.starts_at), names=[b.child.first_name for b in theirs],
                     days=FEEDBACK_DAYS, links=[(b.child.first_name, notify.link("feedback.give", booking_id=b.id))
                                                for b in theirs])
        asked += 1
    return asked


# --- the provider's reply and the commissioner's hiding --------------------------------------------------------

def reply(feedback: Feedback, text: str, *, by: User) -> None:
    """The provider's public reply (a new reply replaces the old one; both are in the audit trail)."""
    if by.role is not Role.PROVIDER or by.provider_id != feedback.provider_id:
        raise NotAllowed(_("Only the provider of this break can reply."))
    if feedback.offer_id not in shown_offers(feedback.provider_id):
        raise NotAllowed(_("Only the provider of this break can reply."))
    if not can_reply(feedback):
        raise DomainError(_("You can reply only to a comment that families can read."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reply"))
    before = feedback.reply
    feedback.reply, feedback.replied_at, feedback.replied_by_id = text, utcnow(), by.id
    record("feedback_replied", feedback, by=by, before=before, reply=text)


def can_moderate(user: User, feedback: Feedback) -> bool:
    """Commissioners moderate feedback on the tiers their body commissions; administrators on all."""
    body = Body.of_role(user.role)
    return user.role is Role.ADMIN or (body is not None and COMMISSIONED_BY[feedback.offer.tier] is body)


def hide(feedback: Feedback, reason: str, *, by: User) -> None:
    """Hide a comment from everyone but the commissioners, saying why (the rating still counts)."""
    if not can_moderate(by, feedback):
        raise NotAllowed(_("Only the body that commissions this break can hide its comments."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you are hiding this comment"))
    if feedback.hidden_at is not None:
        raise DomainError(_("This comment is already hidden."))
    if not feedback.comment:
        raise DomainError(_("There is no comment to hide."))
    feedback.hidden_at, feedback.hidden_by_id, feedback.hidden_reason = utcnow(), by.id, reason
    record("feedback_hidden", feedback, by=by, reason=reason)


# --- what is shown ---------------------------------------------------------------------------------------------

@dataclass
class Comment:
    """A comment as an offer page shows it: no name, only the month it was given."""

    rating: int
    text: str
    given: datetime
    reply: str | None


@dataclass
class OfferSummary:
    count: int                       # ratings (one for each child's place)
    families: int                    # the families who gave them
    shown: bool                      # enough families to show them without identifying one
    average: float | None = None
    comments: list[Comment] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)  # (child outcome key, % of ratings naming it)


RECENT_COMMENTS = 5


def offer_summary(offer_id: int) -> OfferSummary:
    """The offer's average rating and recent comments, if enough families have rated it (else only the count)."""
    count, total, families = db.session.execute(
        select(func.count(Feedback.id), func.coalesce(func.sum(Feedback.rating), 0),
               func.count(func.distinct(Booking.booked_by_id)))
        .join(Booking, Booking.id == Feedback.booking_id).where(Feedback.offer_id == offer_id)).one()
    if families < max(threshold(), 1):
        return OfferSummary(count=count, families=families, shown=False)
    rows = db.session.execute(
        select(Feedback.rating, Feedback.comment, Feedback.created_at, Feedback.reply)
        .where(Feedback.offer_id == offer_id, Feedback.comment.is_not(None), Feedback.hidden_at.is_(None))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(RECENT_COMMENTS)).all()
    named: dict[str, int] = defaultdict(int)
    for outcomes in db.session.scalars(select(Feedback.child_outcomes).where(Feedback.offer_id == offer_id)):
        for key in outcomes or []:
            named[key] += 1
    return OfferSummary(count=count, families=families, shown=True, average=round(total / count, 1),
                        comments=[Comment(r.rating, r.comment, r.created_at, r.reply) for r in rows],
                        outcomes=[(k, round(100 * named[k] / count)) for k in CHILD_OUTCOMES if named[k]])


@dataclass
class BreakdownRow:
    name: str
    count: int
    families: int           # below the anonymity threshold, the figures are not shown
    average: float
    child: dict[str, int]   # outcome key -> % of responses naming it
    carer: dict[str, int]   # % of responses from parent carers naming it


def tiers_for(user: User) -> list[Tier]:
    body = Body.of_role(user.role)
    return list(body.funds) if body is not None else list(Tier)


def breakdown(tiers: list[Tier], by: str) -> list[BreakdownRow]:
    """Ratings and outcomes on breaks of these tiers, one row per provider, offer, tier or child's area."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    # Grouped by id (two providers may both run a "Saturday Club"), named for people.
    key = {"provider": Provider.id, "offer": Offer.id, "tier": Offer.tier, "locality": Locality.id}[by]
    query = (select(key.label("key"), Offer.title, Provider.name.label("provider"), Offer.tier,
                    Locality.name.label("locality"), Feedback.rating, Feedback.child_outcomes,
                    Feedback.carer_outcomes, Booking.booked_by_id, User.role)
             .join(Offer, Offer.id == Feedback.offer_id).join(Provider, Provider.id == Feedback.provider_id)
             .join(Booking, Booking.id == Feedback.booking_id).join(Child, Child.id == Booking.child_id)
             .outerjoin(Locality, Locality.id == Child.locality_id)
             .outerjoin(User, User.id == Feedback.given_by_id)
             .where(Offer.tier.in_(tiers)))
    groups: dict[object, list] = defaultdict(list)
    for row in db.session.execute(query):
        groups[row.key].append(row)
    rows = []
    for items in groups.values():
        first = items[0]
        name = {"provider": first.provider, "offer": _("%(title)s (%(provider)s)", title=first.title,
                                                         provider=first.provider),
                "tier": first.tier.label, "locality": first.locality or _("Area not given")}[by]
        carers = [r for r in items if r.role is not Role.YOUNG_PERSON]
        rows.append(BreakdownRow(
            name=name, count=len(items), families=len({r.booked_by_id for r in items}),
            average=round(sum(r.rating for r in items) / len(items), 1),
            child={k: round(100 * sum(k in (r.child_outcomes or []) for r in items) / len(items))
                   for k in CHILD_OUTCOMES},
            carer={k: round(100 * sum(k in (r.carer_outcomes or []) for r in carers) / len(carers)) if carers else 0
                   for k in CARER_OUTCOMES}))
    return sorted(rows, key=lambda r: (-r.count, r.name))


def recent(tiers: list[Tier], page: int, per_page: int) -> tuple[list[Feedback], int]:
    """Feedback with a comment on breaks of these tiers, newest first, a page at a time (with the total)."""
    where = [Feedback.comment.is_not(None), Offer.tier.in_(tiers)]
    total = db.session.scalar(select(func.count(Feedback.id)).join(Offer, Offer.id == Feedback.offer_id).where(*where))
    items = db.session.scalars(
        select(Feedback).join(Offer, Offer.id == Feedback.offer_id).where(*where)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return items, total


def shown_offers(provider_id: int) -> set[int]:
    """The provider's offers that enough families have rated for the provider to read their feedback without
    telling who wrote it (the provider has the registers)."""
    return set(db.session.scalars(
        select(Feedback.offer_id).join(Booking, Booking.id == Feedback.booking_id)
        .where(Feedback.provider_id == provider_id).group_by(Feedback.offer_id)
        .having(func.count(func.distinct(Booking.booked_by_id)) >= max(threshold(), 1))))


def for_provider(provider_id: int, page: int, per_page: int) -> tuple[list[Feedback], int, int]:
    """The provider's feedback on the offers enough families have rated, newest first, a page at a time; with the
    total shown and how many more are kept back until their offers have enough."""
    offers = shown_offers(provider_id)
    where = [Feedback.provider_id == provider_id, Feedback.offer_id.in_(offers)]
    total = db.session.scalar(select(func.count(Feedback.id)).where(*where))
    held_back = db.session.scalar(select(func.count(Feedback.id)).where(Feedback.provider_id == provider_id)) - total
    items = db.session.scalars(select(Feedback).where(*where).order_by(Feedback.created_at.desc(), Feedback.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total, held_back


def can_reply(feedback: Feedback) -> bool:
    """A reply is shown under a comment anyone can read: there must be one, not hidden."""
    return bool(feedback.comment) and feedback.hidden_at is None
