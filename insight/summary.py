"""The "So what?" summary: for a financial year, what short breaks achieved and what was missing, for each tier and
each locality (the break's), as Birmingham's review asks commissioners to judge them with the Parent Carer Forum.

- Spent: money actually spent on delivered breaks from the council's and the trust's envelopes (the ledger's "spent"
  bucket, as the money dashboard shows it). Personal budget money not yet spent with a provider is tied to no tier
  or locality: it counts in the total only.
- Children reached: children with a place on a break delivered in the year (a session that has started, not cancelled;
  a booked child's place, not a carer's, that the register does not mark as missed), each child once per line.
- Hours and nights: of those places, the hours of break they gave (each place, the session's length) and the nights
  away (``bookings.nights``: a night is one on which the child was away at 3am).
- What families said: ratings and the review's outcome words, from feedback on the year's breaks. A line shows them
  only once enough families have answered to keep them anonymous (FEEDBACK_ANONYMITY_THRESHOLD).
- What was missing: ``insight.demand``'s signs of unmet demand, on the lines each is kept by (a refusal knows its
  tier, not a locality; the council's funding running out knows its locality, not a tier; children with no break for
  their need nearby belong to their locality). Families waiting are those waiting now, so shown for the current year.

Worked out in a few grouped queries and kept as the other insight figures are (``page_cache.remember``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, Integer, cast, extract, func, or_, select

from budgets.models import Bucket, Envelope, Rollup
from bookings.nights import nights_of
from feedback.models import Feedback
from feedback.services import CARER_OUTCOMES, CHILD_OUTCOMES
from portal import page_cache
from portal.extensions import db
from portal.models import Locality, Role, User
from portal.timeutil import utcnow
from providers.models import Attendance, Booking, BookingStatus, Offer, Session, SessionStatus, Tier

from . import demand as demand_figures
from .uptake import year_bounds

# A session that crosses a UTC midnight, or starts before 4am UTC, may hold a night away (3am London is 2am or 3am
# UTC); only those are read one by one to count their nights.
MAYBE_OVERNIGHT_BEFORE_HOUR = 4


@dataclass
class Line:
    """One tier, one locality (by id), or the whole year ("all")."""

    key: str
    spent: int = 0  # pence
    children: int = 0
    places: int = 0
    hours: int = 0
    nights: int = 0
    responses: int = 0
    families_answering: int = 0
    ratings: int = 0  # the sum of the ratings given
    child: dict[str, int] = field(default_factory=dict)  # outcome -> responses naming it
    carer_responses: int = 0  # responses from parent carers (a young person answering for themselves is not one)
    carer: dict[str, int] = field(default_factory=dict)  # outcome -> parent carers' responses naming it
    # What was missing: None where the figure is not kept by this kind of line.
    waiting: int | None = None  # families waiting now
    full: int | None = None  # times a family found a session full
    refused: int | None = None
    searches: int | None = None  # searches of the local offer that found nothing
    funding_exhausted: int | None = None  # times the council's funding for a place had run out
    no_break: int | None = None  # children with no break for their need in their locality

    @property
    def average_tenths(self) -> int | None:
        """The average rating, in tenths (42: 4.2 out of 5)."""
        return round(self.ratings * 10 / self.responses) if self.responses else None

    def child_percent(self, outcome: str) -> int | None:
        return round(self.child.get(outcome, 0) * 100 / self.responses) if self.responses else None

    def carer_percent(self, outcome: str) -> int | None:
        return round(self.carer.get(outcome, 0) * 100 / self.carer_responses) if self.carer_responses else None


@dataclass
class Summary:
    year: int
    current: bool  # the year running now (waiting lists are today's)
    tiers: list[Line]
    localities: list[Line]  # every locality, in name order
    total: Line
    spent_not_tied: int = 0  # personal budget money spent but not with a provider on the portal (pence)


def summary(year: int, today: date, current: bool) -> Summary:
    return page_cache.remember(f"insight-summary:{year}:{today.isoformat()}:{int(current)}",
                               lambda: _work_out(year, today, current))


def _work_out(year: int, today: date, current: bool) -> Summary:
    tiers = {tier.value: Line(tier.value) for tier in Tier}
    localities = {str(locality_id): Line(str(locality_id)) for locality_id, _name in db.session.execute(
        select(Locality.id, Locality.name).order_by(func.lower(Locality.name), Locality.id))}
    total = Line("all")
    found = Summary(year, current, list(tiers.values()), list(localities.values()), total)

    def line_of(lines: dict[str, Line], key) -> Line:
        key = str(key.value if isinstance(key, Tier) else key)
        if key not in lines:
            lines[key] = Line(key)
        return lines[key]

    _spend(found, year, tiers, localities, line_of)
    _reach(year, tiers, localities, total, line_of)
    _said(year, tiers, localities, total, line_of)
    _missing(year, today, current, tiers, localities, total)
    found.tiers, found.localities = list(tiers.values()), list(localities.values())
    return found


def _spend(found: Summary, year: int, tiers, localities, line_of) -> None:
    def spent(*columns):
        return (select(*columns, func.sum(Rollup.amount_pence)).join(Envelope, Envelope.id == Rollup.envelope_id)
                .where(Envelope.year == year, Rollup.bucket == Bucket.SPENT))

    for tier, pence in db.session.execute(spent(Rollup.tier).group_by(Rollup.tier)):
        found.total.spent += int(pence or 0)
        if tier:
            line_of(tiers, tier).spent += int(pence or 0)
        else:
            found.spent_not_tied += int(pence or 0)
    for locality_id, pence in db.session.execute(spent(Rollup.locality_id).group_by(Rollup.locality_id)):
        if locality_id:
            line_of(localities, locality_id).spent += int(pence or 0)


def _seconds(column):
    return cast(extract("epoch", column), BigInteger)


def _reach(year: int, tiers, localities, total: Line, line_of) -> None:
    starts, ends = year_bounds(year)
    delivered = (Session.starts_at >= starts, Session.starts_at < ends, Session.starts_at < utcnow(),
                 Session.status != SessionStatus.CANCELLED, Booking.status == BookingStatus.CONFIRMED,
                 Booking.is_carer_place.is_(False), Booking.child_id.is_not(None),
                 or_(Booking.attendance.is_(None), Booking.attendance != Attendance.DID_NOT_ATTEND))

    def places(*columns):
        """The year's delivered children's places (see the module's docstring)."""
        return (select(*columns).select_from(Booking).join(Session, Session.id == Booking.session_id)
                .join(Offer, Offer.id == Session.offer_id).where(*delivered))

    children = func.count(func.distinct(Booking.child_id))
    length = func.sum(_seconds(Session.ends_at) - _seconds(Session.starts_at))
    seconds_in_all = 0
    for lines, column in ((tiers, Offer.tier), (localities, Offer.locality_id)):
        for key, reached, count, seconds in db.session.execute(
                places(column, children, func.count(Booking.id), length).group_by(column)):
            line = line_of(lines, key)
            line.children, line.places, line.hours = int(reached), int(count), round(int(seconds or 0) / 3600)
            if lines is tiers:
                seconds_in_all += int(seconds or 0)
                total.places += int(count)
    total.children = int(db.session.scalar(places(children)) or 0)
    total.hours = round(seconds_in_all / 3600)

    maybe_overnight = or_(func.date(Session.starts_at) != func.date(Session.ends_at),
                          cast(extract("hour", Session.starts_at), Integer) < MAYBE_OVERNIGHT_BEFORE_HOUR)
    for tier, locality_id, starts_at, ends_at, count in db.session.execute(
            places(Offer.tier, Offer.locality_id, Session.starts_at, Session.ends_at, func.count(Booking.id))
            .where(maybe_overnight)
            .group_by(Session.id, Offer.tier, Offer.locality_id, Session.starts_at, Session.ends_at)):
        nights = len(nights_of(starts_at, ends_at)) * int(count)
        if nights:
            line_of(tiers, tier).nights += nights
            line_of(localities, locality_id).nights += nights
            total.nights += nights


def _said(year: int, tiers, localities, total: Line, line_of) -> None:
    starts, ends = year_bounds(year)
    rows = db.session.execute(
        select(Offer.tier, Offer.locality_id, Feedback.rating, Feedback.child_outcomes, Feedback.carer_outcomes,
               Booking.booked_by_id, User.role)
        .join(Booking, Booking.id == Feedback.booking_id).join(Session, Session.id == Booking.session_id)
        .join(Offer, Offer.id == Feedback.offer_id).outerjoin(User, User.id == Feedback.given_by_id)
        .where(Session.starts_at >= starts, Session.starts_at < ends))
    families: dict[str, set[int]] = {}  # by line's key: a tier's, a locality's id and "all" never clash
    for tier, locality_id, rating, child_outcomes, carer_outcomes, family_id, role in rows:
        for line in (line_of(tiers, tier), line_of(localities, locality_id), total):
            line.responses += 1
            line.ratings += rating
            families.setdefault(line.key, set()).add(family_id)
            for outcome in child_outcomes or []:
                if outcome in CHILD_OUTCOMES:
                    line.child[outcome] = line.child.get(outcome, 0) + 1
            if role is not Role.YOUNG_PERSON:
                line.carer_responses += 1
                for outcome in carer_outcomes or []:
                    if outcome in CARER_OUTCOMES:
                        line.carer[outcome] = line.carer.get(outcome, 0) + 1
    for line in (*tiers.values(), *localities.values(), total):
        line.families_answering = len(families.get(line.key, ()))


def _missing(year: int, today: date, current: bool, tiers, localities, total: Line) -> None:
    demand = demand_figures.unmet_demand(year, today)
    waiting_tier = {w.key: w.families for w in demand.waiting_by_tier}
    waiting_locality = {w.key: w.families for w in demand.waiting_by_locality}
    no_break = Counter()
    for gap in demand.no_break:
        no_break[str(gap.locality_id)] += gap.children
    searches = demand.searches_by
    for key, line in tiers.items():
        line.waiting = waiting_tier.get(key, 0) if current else None
        line.full = demand.full_by_tier.get(key, 0)
        line.refused = demand.refusals_by_tier.get(key, 0)
        line.searches = searches.get("tier", {}).get(key, 0)
    for key, line in localities.items():
        line.waiting = waiting_locality.get(key, 0) if current else None
        line.full = demand.full_by_locality.get(key, 0)
        line.searches = searches.get("locality", {}).get(key, 0)
        line.funding_exhausted = demand.funding_exhausted_by_locality.get(key, 0)
        line.no_break = no_break.get(key, 0)
    total.waiting = demand.waiting_families if current else None
    total.full, total.refused, total.searches = demand.full, demand.refused, demand.searches
    total.funding_exhausted, total.no_break = demand.funding_exhausted, demand.children_without_a_break
