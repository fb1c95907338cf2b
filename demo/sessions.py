"""The demo's sessions and bookings: a year of sessions for every offer from four weeks ago, with near sessions
filling up and far ones barely started, and the demo family's own bookings chosen by hand."""
from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from portal.timeutil import LONDON, age_on, birthday
from providers.models import (
    ADULT_AGE,
    STAFF_UNITS,
    Booking,
    BookingStatus,
    Category,
    Session,
    SessionSeries,
    SessionStatus,
    Tier,
)
from providers.sessions import weekly_rule

from .common import CLOSED, PAST_DAYS, RANDOM_SEED, Seed
from .people import AREAS, ChildPlan, Families
from .providers import OfferPlan
from .timetable import ANY, TERM, Calendar


@dataclass(eq=False, slots=True)
class SeriesPlan:
    """A weekly club's coming term as one series: every week on its day from the first to the last, less the
    weeks schools are off (the series' exceptions), as a provider would set it up (providers.sessions)."""

    offer: OfferPlan
    days: list[date]
    exceptions: list[date]
    id: int = 0


@dataclass(eq=False, slots=True)
class SessionPlan:
    offer: OfferPlan
    day: date  # the London date it starts on
    starts_at: datetime
    ends_at: datetime
    capacity: int
    cancelled: bool
    wanted: int = 0
    must_fill: bool = False
    from_everywhere: bool = False  # a well-attended break: families came from across the area
    booked: list[ChildPlan] = field(default_factory=list)
    series: SeriesPlan | None = None
    id: int = 0


# About this share of the weekly term-time clubs run their next term as a series, of up to this many weeks.
SERIES_SHARE = 0.4
SERIES_WEEKS = 12

# Children who stay overnight often, so the trust's nights-away page has something to show: one for about every
# 1,200 children (at least 3), taking turns at each kind of stay.
STAYERS_PER_CHILD = 1 / 1_200
STAYS = ("weekly", "fortnight", "near")
STAY_NIGHTS = {"weekly": 2, "near": 1}  # nights a week, every week from four weeks ago
STAY_WEEKS_AHEAD = 12  # how far ahead the families have booked their weekly stays
FORTNIGHT = 15  # nights in a row, booked in one go for a stay a few weeks ahead (past the warning of 14)
# The most popular universal and targeted breaks were well attended in the last four weeks, by families from across
# the area: even a small area has breaks that enough families have rated for their pages to show an average.
WELL_ATTENDED_OFFERS = 3
WELL_ATTENDED_SESSIONS = 2


class Stayer(NamedTuple):
    """A child who stays overnight often at one specialist overnight break: two nights every week (past the yearly
    warning, once the year so far is added), a fortnight in a row (past the run warning), or one night a week (near
    the yearly warning but not at it)."""

    kid: ChildPlan
    offer: OfferPlan
    stay: str


def pick_stayers(seed: Seed, families: Families, offers: list[OfferPlan]) -> list[Stayer]:
    """The children who stay overnight often (their assessments are approved first), each of an age for their
    break from four weeks ago to the weeks ahead they have booked. From a random stream of its own."""
    rng = random.Random(RANDOM_SEED + 3)
    overnight = [o for o in offers if o.tier is Tier.SPECIALIST and o.category is Category.OVERNIGHT]
    kids = [kid for kid in families.kids if kid.parent_id not in families.demo_family_ids]
    first, last = seed.today - timedelta(days=PAST_DAYS), seed.today + timedelta(weeks=STAY_WEEKS_AHEAD, days=7)
    stayers: list[Stayer] = []
    taken: set[int] = set()
    for number in range(max(3, round(len(families.kids) * STAYERS_PER_CHILD))):
        offer = overnight[number % len(overnight)]
        fits = [kid for kid in kids if kid.id not in taken
                and offer.min_age <= age_on(kid.born, first) and age_on(kid.born, last) <= offer.max_age]
        if not fits:
            continue
        kid = rng.choice(fits)
        taken.add(kid.id)
        stayers.append(Stayer(kid, offer, STAYS[number % len(STAYS)]))
    return stayers


def add_sessions_and_bookings(seed: Seed, sessions: int, bookings: int, offers: list[OfferPlan], families: Families,
                              assessed_ids: set[int], stayers: list[Stayer] = ()) -> None:
    """About ``sessions`` sessions of the offers and ``bookings`` places booked on them; specialist places only for
    children whose assessment was approved; the stayers' overnight stays."""
    timetable = Timetable(seed, offers, families, assessed_ids)
    timetable.plan_sessions(sessions)
    timetable.plan_stays(stayers)
    timetable.plan_bookings(bookings)
    timetable.insert()


class Timetable:
    def __init__(self, seed: Seed, offers: list[OfferPlan], families: Families, assessed_ids: set[int]):
        self.seed = seed
        self.rng = seed.rng
        self.offers = offers
        self.families = families
        self.assessed_ids = assessed_ids

    # -- sessions

    def plan_sessions(self, count: int) -> None:
        self.seed.echo("Planning sessions...")
        today = self.seed.today
        calendar = Calendar(today - timedelta(days=PAST_DAYS), today + timedelta(days=364))
        days = [calendar.days(offer.weekdays, offer.slot.when) for offer in self.offers]
        share = count / sum(map(len, days))
        quotas = [min(len(d), int(len(d) * share)) for d in days]
        spare = [n for n, d in enumerate(days) if quotas[n] < len(d)]
        for n in self.rng.sample(spare, min(len(spare), count - sum(quotas))):
            quotas[n] += 1
        self.sessions: list[SessionPlan] = []
        self.sessions_of: dict[OfferPlan, list[SessionPlan]] = {}
        self.calendar = calendar
        for offer, dates, quota in zip(self.offers, days, quotas):
            # Spread each offer's sessions evenly over the year rather than bunching them at the start.
            planned = [self._session(offer, dates[n * len(dates) // quota]) for n in range(quota)]
            self.sessions_of[offer] = planned
            self.sessions += planned
        self._plan_series(calendar)

    def _plan_series(self, calendar: Calendar) -> None:
        """Weekly term-time clubs (one day a week) run their next term as a series, so families can book several
        sessions in one go: the term's weeks that have no session yet get one."""
        self.series: list[SeriesPlan] = []
        start = self.seed.today + timedelta(days=3)
        for offer in self.offers:
            if offer.slot.when != TERM or len(offer.weekdays) != 1 or self.rng.random() >= SERIES_SHARE:
                continue
            term = [d for d in calendar.days(offer.weekdays, TERM) if d >= start][:SERIES_WEEKS]
            if len(term) < 3:
                continue
            weeks = [term[0] + timedelta(weeks=n) for n in range((term[-1] - term[0]).days // 7 + 1)]
            series = SeriesPlan(offer, term, [d for d in weeks if d not in set(term)])
            self.series.append(series)
            existing = {s.day: s for s in self.sessions_of[offer]}
            for day in term:
                session = existing.get(day)
                if session is None:
                    session = self._session(offer, day)
                    self.sessions_of[offer].append(session)
                    self.sessions.append(session)
                session.series, session.cancelled = series, False

    def _session_on(self, offer: OfferPlan, day: date) -> SessionPlan | None:
        """The offer's session on this day, added if it has none (None if it is cancelled)."""
        session = next((s for s in self.sessions_of[offer] if s.day == day), None)
        if session is None:
            session = self._session(offer, day)
            session.cancelled = False
            self.sessions_of[offer].append(session)
            self.sessions.append(session)
        return None if session.cancelled else session

    def _past_sessions(self, offer: OfferPlan, kid: ChildPlan | None = None, most: int = 1) -> list[SessionPlan]:
        """The latest sessions of the offer in the last four weeks (that the child was old enough for), delivered (at
        least three days ago, so their registers are marked); one added if the offer had none."""
        today = self.seed.today
        days = [d for d in self.calendar.days(offer.weekdays, ANY)
                if today - timedelta(days=PAST_DAYS) <= d <= today - timedelta(days=3)
                and (kid is None or offer.min_age <= age_on(kid.born, d) <= offer.max_age)]
        held = sorted((s for s in self.sessions_of[offer] if s.day in set(days) and not s.cancelled),
                      key=lambda s: s.day)
        if held:
            return held[-most:]
        added = self._session_on(offer, days[-1]) if days else None
        return [added] if added else []

    def _plan_well_attended(self) -> None:
        # The demo provider's showcase break first, so its staff can read and answer feedback in any area.
        popular = [self.offers[0]] + sorted((o for o in self.offers[1:] if o.tier is not Tier.SPECIALIST),
                                            key=lambda o: -o.popularity)[:WELL_ATTENDED_OFFERS - 1]
        for offer in popular:
            for session in self._past_sessions(offer, most=WELL_ATTENDED_SESSIONS):
                session.from_everywhere = True

    def plan_stays(self, stayers: list[Stayer]) -> None:
        """Each stayer's nights at their overnight break (sessions added on nights it had none): the demo families
        booked each week's stay as it came, and a fortnight in one go."""
        rng = random.Random(RANDOM_SEED + 4)
        today = self.seed.today
        self.stays: list[tuple[SessionPlan, ChildPlan]] = []
        self.grouped: dict[tuple[int, int], tuple[str, datetime]] = {}  # (id(session), child id): booked together
        for stayer in stayers:
            offer = stayer.offer
            if stayer.stay == "fortnight":
                start = today + timedelta(days=rng.randint(21, 42))
                days = [start + timedelta(days=n) for n in range(FORTNIGHT)]
                group = (str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                         self.seed.now - timedelta(days=rng.uniform(3, 10)))
            else:
                nights = offer.slot.weekdays[:STAY_NIGHTS[stayer.stay]]
                first = today - timedelta(days=PAST_DAYS)
                days = [first + timedelta(days=n) for n in range(PAST_DAYS + 7 * STAY_WEEKS_AHEAD)]
                days = [d for d in days if d.weekday() in nights and (d.month, d.day) not in CLOSED]
                group = None
            for day in days:
                session = self._session_on(offer, day)
                if session is None:
                    continue
                self.stays.append((session, stayer.kid))
                if group:
                    self.grouped[(id(session), stayer.kid.id)] = group

    def _session(self, offer: OfferPlan, day: date) -> SessionPlan:
        starts = datetime.combine(day, offer.slot.starts, tzinfo=LONDON)
        ends_day = day + timedelta(days=1) if offer.slot.ends <= offer.slot.starts else day
        ends = datetime.combine(ends_day, offer.slot.ends, tzinfo=LONDON)
        return SessionPlan(offer=offer, day=day, starts_at=starts.astimezone(timezone.utc),
                           ends_at=ends.astimezone(timezone.utc), capacity=offer.capacity,
                           cancelled=self.rng.random() < 0.005)

    # -- bookings

    def plan_bookings(self, count: int) -> None:
        self.seed.echo("Planning bookings...")
        self._plan_well_attended()
        self._set_demand(count)
        self._book_demo_family()
        today = self.seed.today
        everyone, assessed = defaultdict(list), defaultdict(list)
        for kid in self.families.kids:
            if kid.parent_id in self.families.demo_family_ids:
                continue
            key = (kid.area, age_on(kid.born, today))
            everyone[key].append(kid)
            if kid.id in self.assessed_ids:
                assessed[key].append(kid)
        busy: set[tuple[int, date]] = set()  # a child has at most one break a day
        for session, kid in self.stays:
            session.booked.append(kid)
            busy.add((kid.id, session.day))
        for offer, sessions in self.sessions_of.items():
            index = assessed if offer.tier is Tier.SPECIALIST else everyone
            local = _pool(offer, index, [offer.area])
            for session in sessions:
                if session.must_fill:
                    # A popular session draws families from across the whole area.
                    self._fill(session, _pool(offer, index, range(len(AREAS)), match_needs=False), busy)
                    # A small area may not have enough children of the right age to fill it.
                    session.capacity = len(session.booked)
                elif session.from_everywhere:
                    session.wanted = session.capacity
                    self._fill(session, _pool(offer, index, range(len(AREAS)), match_needs=False), busy)
                elif not session.cancelled:
                    self._fill(session, local, busy)

    def _set_demand(self, count: int) -> None:
        """How many places each session should have booked: near sessions fill up, far ones barely start."""
        demand = []
        for session in self.sessions:
            days_ahead = (session.day - self.seed.today).days
            recency = 0.8 if days_ahead < 0 else math.exp(-days_ahead / 30) + 0.02
            demand.append(0.0 if session.cancelled else session.capacity * session.offer.popularity * recency)
        scale = count / sum(demand)
        for session, wanted in zip(self.sessions, demand):
            session.wanted = min(session.capacity, int(wanted * scale + self.rng.random()))

    def _book_demo_family(self) -> None:
        soon = self.seed.now + timedelta(days=2)

        def upcoming(offer: OfferPlan, kid: ChildPlan) -> list[SessionPlan]:
            return [s for s in self.sessions_of[offer] if s.starts_at > soon and not s.cancelled
                    and offer.min_age <= age_on(kid.born, s.day) <= offer.max_age]

        younger, older = self.families.demo_younger, self.families.demo_older
        # Two breaks Zain went to in the last four weeks: his family has said how the first went, not yet the second.
        for offer in self.offers[:2]:
            for past in self._past_sessions(offer, younger):
                past.booked.append(younger)
        full, with_places = upcoming(self.offers[0], younger)[:2]
        full.must_fill = True  # shows the waiting list
        with_places.wanted = min(with_places.wanted, with_places.capacity - 2)
        for offer, kid in ((self.offers[1], younger), (self.offers[2], older)):
            session = upcoming(offer, kid)[0]
            session.booked.append(kid)
        # Robin, who turns 18 next month: the overnight break before his birthday and the first after it.
        robin = self.families.demo_turning_18
        turns_18 = birthday(robin.born, ADULT_AGE)
        stays = upcoming(self.offers[2], robin)
        for session in [next((s for s in stays if s.day < turns_18), None),
                        next((s for s in stays if s.day >= turns_18), None)]:
            if session is not None and robin not in session.booked:
                session.booked.append(robin)

    def _fill(self, session: SessionPlan, pool: list[ChildPlan], busy: set[tuple[int, date]]) -> None:
        offer = session.offer
        wanted = session.capacity if session.must_fill else session.wanted
        on_it = {kid.id for kid in session.booked}
        for _ in range(10 * wanted):
            if len(session.booked) >= wanted or not pool:
                return
            kid = pool[self.rng.randrange(len(pool))]
            if kid.id in on_it or (kid.id, session.day) in busy \
                    or not offer.min_age <= age_on(kid.born, session.day) <= offer.max_age:
                continue
            session.booked.append(kid)
            on_it.add(kid.id)
            busy.add((kid.id, session.day))

    # -- writing

    def insert(self) -> None:
        series_rows = [dict(offer_id=p.offer.id, rrule=weekly_rule(p.days[0], p.days[-1], list(p.offer.weekdays)),
                            first_day=p.days[0], start_time=p.offer.slot.starts.strftime("%H:%M"),
                            end_time=p.offer.slot.ends.strftime("%H:%M"), capacity=p.offer.capacity, staff=None,
                            exceptions=[d.isoformat() for d in p.exceptions], created_by_id=None)
                       for p in self.series]
        for plan, series_id in zip(self.series, self.seed.insert(SessionSeries, series_rows, "Series",
                                                                 returning=True)):
            plan.id = series_id
        rows = [dict(offer_id=s.offer.id, starts_at=s.starts_at, ends_at=s.ends_at, weekday=s.day.weekday(),
                     capacity=s.capacity, places_taken=len(s.booked), series_id=s.series.id if s.series else None,
                     staff_units_taken=sum(STAFF_UNITS[kid.support] for kid in s.booked),
                     status=SessionStatus.CANCELLED if s.cancelled else SessionStatus.OPEN)
                for s in self.sessions]
        for session, session_id in zip(self.sessions, self.seed.insert(Session, rows, "Sessions", returning=True)):
            session.id = session_id
        bookings = []
        for session in self.sessions:
            offer = session.offer
            for kid in session.booked:
                booked_at = min(session.starts_at, self.seed.now) - timedelta(hours=self.rng.uniform(2, 24 * 40))
                group_ref = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
                group_ref, booked_at = self.grouped.get((id(session), kid.id), (group_ref, booked_at))
                bookings.append(dict(
                    session_id=session.id, child_id=kid.id, is_carer_place=False, booked_by_id=kid.parent_id,
                    group_ref=group_ref,
                    status=BookingStatus.CONFIRMED, funding="free" if offer.price_pence == 0 else "pay_provider",
                    staff_units=STAFF_UNITS[kid.support],
                    price_pence=offer.price_pence, declared_meets_criteria=offer.tier is Tier.TARGETED,
                    created_at=booked_at, cancelled_at=None, cancel_reason=None,
                ))
        self.seed.insert(Booking, bookings, "Bookings")


def _pool(offer: OfferPlan, index: dict[tuple[int, int], list[ChildPlan]], areas,
          match_needs: bool = True) -> list[ChildPlan]:
    """Children who could go: in the area, about the right age (checked exactly per session), ideally with
    a need the offer supports."""
    # A child a year too young today may have had a birthday by the session.
    kids = [kid for area in areas for age in range(max(offer.min_age - 1, 0), offer.max_age + 1)
            for kid in index[(area, age)]]
    matching = [kid for kid in kids if not offer.needs.isdisjoint(kid.needs)] if match_needs else []
    return matching or kids
