"""Demo money: envelopes, personal budgets and a year of ledger entries for the demo area.

Called by ``flask --app portal seed-demo`` once the area's sessions and bookings are in. It reads them
back and, as the portal would have done had the year really happened:

- fills in the financial year so far: sessions of the council-funded and specialist offers before the
  seeded window are the window's four weeks repeated back to 1 April (same weekday and London time, the
  same children where they were old enough), all delivered;
- adds places booked and later cancelled by the family (about a fifth of all funded places booked),
  money committed and given back;
- funds places: council-funded offers (targeted, and any universal ones) from the council's envelope,
  specialist breaks from each assessed child's managed personal budget (the children's trust's until the 18th
  birthday, adult social care's from it: a young person who turns 18 during the year has one of each, agreed in one
  joint decision); marks places delivered up to two days ago (registers of the last two days are left for providers
  to mark);
- sets each body's envelope for the years the places fall in, and records a resource panel decision for
  every budget;
- writes the matching ledger transactions and lines in bulk, in time order: each posting's legs are the ones the
  booking and panel paths post (accounts from ``budgets.ledger`` and the personal budget rows, dimensions as
  ``Dims``), made into lines by ``budgets.ledger.posting_lines`` as ``post`` makes them; then fills the cached
  account balances and dashboard roll-ups from the lines with INSERT ... SELECT ... GROUP BY, so that
  ``budgets.ledger.check()`` finds nothing to report;
- puts a few families on the waiting lists of full upcoming sessions.

The envelopes are set from the year's seeded activity so that the demo shows a fixed budget under pressure:
the council about 82% used with its run-rate forecast a little over, the trust's panel decisions just
beyond its envelope. At the seeded prices and volume a year costs several million pounds, more than
Birmingham's £1,632,000, which would be used up by early summer.
"""
from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.sql.expression import bindparam

from budgets import ledger
from budgets.ledger import NO_DIMS, SPECIALIST, Dims, Leg, envelope_account
from budgets.models import (
    Bucket,
    BudgetKind,
    BudgetStatus,
    DecisionKind,
    EntryKind,
    Envelope,
    LedgerLine,
    LedgerTransaction,
    PanelDecision,
    PersonalBudget,
    Recovery,
    Rollup,
    financial_year,
    year_label,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Child, User
from portal.timeutil import LONDON, age_on, birthday, to_london, utcnow
from providers.models import (
    ADULT_AGE,
    STAFF_UNITS,
    Attendance,
    Body,
    Booking,
    BookingStatus,
    Offer,
    PaymentRoute,
    Session,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
    paying_body,
)

from .common import CHUNK, CLOSED, PAST_DAYS, RANDOM_SEED, bulk_insert
from .words import (
    ADULTS_REASON,
    BUDGET_PLACE_BOOKED,
    CANCELLED,
    COUNCIL_PLACE_BOOKED,
    COUNCIL_REASON,
    DIRECT_PAYMENT_REASON,
    ENDED_DIRECT_PAYMENT_REASON,
    PANEL_REASONS,
    PLACE_DELIVERED,
    RECOVERY_REASON,
    TRUST_REASON,
)

BLOCK_DAYS = PAST_DAYS // 7 * 7   # the seeded past window, repeated back in whole weeks
CANCELLED_SHARE = 0.3             # for each place booked, the chance that another was booked and cancelled
DID_NOT_ATTEND = 0.06
COUNCIL_USED = 0.82               # the council's envelope: this share committed or spent at the end of the seed
TRUST_COVERED = 0.985             # the trust's (and adult social care's) envelope covers this share of its panel's decisions
WAITING_SESSIONS = 150            # full upcoming sessions given a waiting list (fewer in a small area)
DEMO_DIRECT_PAYMENT = 1_200_00
# One family's direct payment for a personal assistant over a few months ended this many days ago; the trust has since
# recovered what the prepaid card statement showed unspent.
ENDED_DIRECT_PAYMENT = 1_800_00
ENDED_DAYS_AGO = 35
RECOVERED = 312_40


@dataclass(eq=False, slots=True)
class OfferRow:
    id: int
    tier: Tier
    route: PaymentRoute
    price: int
    contribution: int
    min_age: int
    max_age: int
    dims: Dims

    @property
    def body(self) -> Body | None:
        """Who pays for a place, by the booking's rule (``budgets.funding``): the council for any council-funded
        universal or targeted break, the trust for a priced specialist one; nobody for free or family-paid breaks."""
        if self.tier is Tier.SPECIALIST:
            return Body.TRUST if self.price > 0 else None
        if self.route is PaymentRoute.COUNCIL_FUNDED and self.price > 0:
            return Body.COUNCIL
        return None

    @property
    def funded(self) -> int:
        return self.price - min(self.contribution, self.price) if self.body is Body.COUNCIL else self.price


@dataclass(eq=False, slots=True)
class SessionRow:
    offer: OfferRow
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_taken: int
    cancelled: bool
    id: int = 0
    bookings: list = field(default_factory=list)

    @property
    def day(self) -> date:
        return to_london(self.starts_at).date()


@dataclass(eq=False, slots=True)
class BookingRow:
    session: SessionRow
    child_id: int
    parent_id: int
    created_at: datetime
    id: int = 0
    cancelled_at: datetime | None = None
    delivered_at: datetime | None = None
    attendance: Attendance | None = None
    budget: BudgetRow | None = None
    changed: bool = False


@dataclass(eq=False, slots=True)
class BudgetRow:
    child_id: int
    year: int
    kind: BudgetKind
    decided_at: datetime
    reasons: str
    amount: int = 0
    body: Body = Body.TRUST
    joint_with: BudgetRow | None = None  # the other half of a joint decision across the 18th birthday
    id: int = 0
    decision_id: int = 0
    over_envelope: bool = False
    row: PersonalBudget | None = None  # once written: its accounts are the model's
    # A budget for part of the year (else from the decision or 1 April to 31 March), and what was recovered from it.
    starts_on: date | None = None
    ends_on: date | None = None
    recovery: dict | None = None


def add_money(echo: Callable[[str], None] = print) -> dict[str, int]:
    """Add the demo area's money (see the module docstring); returns counts of what was added."""
    return MoneySeed(echo).build()


class MoneySeed:
    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo
        self.rng = random.Random(RANDOM_SEED)
        self.now = utcnow()
        self.today = to_london(self.now).date()
        self.year = financial_year(self.today)
        self.counts: dict[str, int] = {}
        self.transactions: list[tuple] = []

    def build(self) -> dict[str, int]:
        self._load()
        self._add_history()
        self._add_cancelled_places()
        self._mark_delivered()
        self._plan_budgets()
        self._write_sessions_and_envelopes()
        self._write_budgets()
        self._write_bookings()
        self._plan_ledger()
        self._write_ledger()
        self._write_recoveries()
        self._add_waiting_lists()
        return self.counts

    # -- reading the area back

    def _load(self) -> None:
        self.echo("Money: reading the area back...")
        staff = dict(db.session.execute(select(User.email, User.id).where(
            User.email.in_(["council@example.com", "trust@example.com", "adults@example.com", "parent@example.com",
                            "young.person@example.com"]))).all())
        self.council_id, self.trust_id = staff["council@example.com"], staff["trust@example.com"]
        self.adults_id = staff["adults@example.com"]
        self.demo_parent_id = staff["parent@example.com"]
        self.demo_family_ids = {staff["parent@example.com"], staff["young.person@example.com"]}
        self.offers = {row.id: OfferRow(row.id, row.tier, row.payment_route, row.price_pence,
                                        row.family_contribution_pence, row.min_age, row.max_age,
                                        Dims.of_offer(row))
                       for row in db.session.execute(select(
                           Offer.id, Offer.tier, Offer.payment_route, Offer.price_pence,
                           Offer.family_contribution_pence, Offer.min_age, Offer.max_age, Offer.provider_id,
                           Offer.locality_id, Offer.category))}
        self.children = {row.id: row for row in db.session.execute(
            select(Child.id, Child.parent_id, Child.first_name, Child.date_of_birth, Child.support_level)
            .order_by(Child.id))}
        self.approved_on: dict[int, datetime] = {}
        for child_id, decided_at in db.session.execute(
                select(Assessment.child_id, Assessment.decided_at)
                .where(Assessment.status == AssessmentStatus.APPROVED).order_by(Assessment.id)):
            self.approved_on.setdefault(child_id, decided_at)
        self.sessions: dict[int, SessionRow] = {}
        for row in db.session.execute(select(Session.id, Session.offer_id, Session.starts_at, Session.ends_at,
                                             Session.capacity, Session.places_taken, Session.status)
                                      .order_by(Session.id)):
            self.sessions[row.id] = SessionRow(self.offers[row.offer_id], row.starts_at, row.ends_at, row.capacity,
                                               row.places_taken, row.status is SessionStatus.CANCELLED, row.id)
        self.bookings: list[BookingRow] = []
        for row in db.session.execute(
                select(Booking.id, Booking.session_id, Booking.child_id, Booking.booked_by_id, Booking.created_at)
                .where(Booking.status == BookingStatus.CONFIRMED, Booking.child_id.is_not(None))
                .order_by(Booking.id)):
            session = self.sessions[row.session_id]
            booking = BookingRow(session, row.child_id, row.booked_by_id, row.created_at, id=row.id)
            session.bookings.append(booking)
            self.bookings.append(booking)
        self.new_sessions: list[SessionRow] = []
        self.new_bookings: list[BookingRow] = []

    def _payer(self, booking: BookingRow) -> Body | None:
        """The body whose money pays for the place: for a specialist break, the trust's or adult social care's by the
        young person's age on the day (``providers.models.paying_body``)."""
        body = booking.session.offer.body
        if body is Body.TRUST:
            return paying_body(Tier.SPECIALIST, age_on(self.children[booking.child_id].date_of_birth,
                                                       booking.session.day))
        return body

    def _suits(self, offer: OfferRow, child_id: int, day: date) -> bool:
        child = self.children[child_id]
        if not offer.min_age <= age_on(child.date_of_birth, day) <= offer.max_age:
            return False
        return offer.body is not Body.TRUST or (
            child_id in self.approved_on and to_london(self.approved_on[child_id]).date() <= day)

    # -- the year so far

    def _add_history(self) -> None:
        """Repeat the seeded window's funded sessions back, four weeks at a time, to the start of the year."""
        first_day = date(self.year, 4, 1)
        window = self.today - timedelta(days=PAST_DAYS)
        sources = [s for s in self.sessions.values()
                   if s.offer.body is not None and window <= s.day < self.today]
        shift = BLOCK_DAYS
        while window - timedelta(days=shift - BLOCK_DAYS) > first_day:
            for source in sources:
                day = source.day - timedelta(days=shift)
                if day < first_day or (day.month, day.day) in CLOSED:
                    continue
                copy = SessionRow(source.offer, _back(source.starts_at, shift), _back(source.ends_at, shift),
                                  source.capacity, 0, source.cancelled)
                for booking in source.bookings:
                    if booking.parent_id in self.demo_family_ids or not self._suits(source.offer, booking.child_id,
                                                                                   day):
                        continue
                    copied = BookingRow(copy, booking.child_id, booking.parent_id,
                                        booking.created_at - timedelta(days=shift), changed=True)
                    copy.bookings.append(copied)
                    self.new_bookings.append(copied)
                copy.places_taken = len(copy.bookings)
                self.new_sessions.append(copy)
            shift += BLOCK_DAYS
        self.echo(f"Money: {len(self.new_sessions):,} earlier sessions this year with "
                  f"{len(self.new_bookings):,} delivered places.")

    def _add_cancelled_places(self) -> None:
        """Families book and cancel: on some funded sessions a place was booked, committed, then given back."""
        pool: dict[int, list[int]] = defaultdict(list)
        for booking in self.bookings + self.new_bookings:
            if booking.parent_id not in self.demo_family_ids:
                pool[booking.session.offer.id].append(booking.child_id)
        sessions = [s for s in list(self.sessions.values()) + self.new_sessions
                    if s.offer.body is not None and not s.cancelled and pool[s.offer.id]]
        added = 0
        for session in sessions:
            on_it = {b.child_id for b in session.bookings}
            candidates = pool[session.offer.id]
            for _ in range(max(len(session.bookings), 1)):
                if self.rng.random() >= CANCELLED_SHARE:
                    continue
                child_id = candidates[self.rng.randrange(len(candidates))]
                if child_id in on_it or not self._suits(session.offer, child_id, session.day):
                    continue
                on_it.add(child_id)
                booked = min(session.starts_at, self.now) - timedelta(hours=self.rng.uniform(24 * 5, 24 * 40))
                cancelled = booked + (min(session.starts_at, self.now) - booked) * self.rng.uniform(0.2, 0.9)
                self.new_bookings.append(BookingRow(session, child_id, self.children[child_id].parent_id, booked,
                                                    cancelled_at=cancelled, changed=True))
                added += 1
        self.counts["places booked and cancelled"] = added

    def _mark_delivered(self) -> None:
        """Registers are marked on the day: every place up to two days ago was delivered."""
        last_marked = self.today - timedelta(days=2)
        for booking in self.bookings + self.new_bookings:
            session = booking.session
            if booking.cancelled_at is None and not session.cancelled and session.day <= last_marked:
                booking.delivered_at = session.ends_at + timedelta(minutes=self.rng.randint(5, 90))
                booking.attendance = (Attendance.DID_NOT_ATTEND if self.rng.random() < DID_NOT_ATTEND
                                      else Attendance.ATTENDED)
                if booking.parent_id in self.demo_family_ids:
                    booking.attendance = Attendance.ATTENDED  # so the demo family has breaks to say how they went
                booking.changed = True

    # -- personal budgets

    def _plan_budgets(self) -> None:
        """A managed personal budget for every assessed child this year (and next year, for children already
        booked then), big enough for their booked breaks with some left; a direct payment for some."""
        cost: dict[tuple[int, int, Body], int] = defaultdict(int)
        earliest: dict[tuple[int, int], datetime] = {}
        for booking in self.bookings + self.new_bookings:
            if booking.session.offer.body is Body.TRUST:
                key = (booking.child_id, financial_year(booking.session.day), self._payer(booking))
                cost[key] += booking.session.offer.funded
                earliest[key[:2]] = min(earliest.get(key[:2], booking.created_at), booking.created_at)
        keys = set(cost) | {(child_id, self.year, paying_body(
            Tier.SPECIALIST, age_on(self.children[child_id].date_of_birth, self.today))) for child_id in self.approved_on}
        self.budgets: dict[tuple[int, int, Body], BudgetRow] = {}
        self.direct_payments: list[BudgetRow] = []
        for child_id, year, body in sorted(keys, key=lambda k: (k[0], k[1], k[2] is Body.ADULTS)):
            child = self.children[child_id]
            approved = self.approved_on.get(child_id, _year_start(year))
            # Renewed at the start of the year, or decided after an assessment during it; next year's in advance.
            # Both halves of a joint decision are decided at once.
            decided = self.now - timedelta(days=14) if year > self.year else max(approved, _year_start(year))
            if (child_id, year) in earliest:
                decided = min(decided, earliest[(child_id, year)] - timedelta(hours=1))
            reason = self.rng.choice(PANEL_REASONS).format(name=child.first_name, year=year_label(year))
            budget = BudgetRow(child_id, year, BudgetKind.MANAGED, decided, reason, body=body)
            eighteen = birthday(child.date_of_birth, ADULT_AGE)
            if body is Body.TRUST and eighteen <= date(year + 1, 3, 31):
                budget.ends_on = eighteen - timedelta(days=1)
            elif body is Body.ADULTS and eighteen > date(year, 4, 1):
                budget.starts_on = eighteen
            other = self.budgets.get((child_id, year, Body.TRUST))
            if body is Body.ADULTS and other is not None:
                budget.joint_with, other.joint_with = other, budget
                budget.decided_at = other.decided_at = min(budget.decided_at, other.decided_at)
                budget.reasons = other.reasons
            needed = cost.get((child_id, year, body), 0)
            if needed:
                budget.amount = _round_up(int(needed * self.rng.uniform(1.1, 1.35)), 100_00)
            else:
                budget.amount = self.rng.randrange(1_500_00, 6_000_01, 100_00)
                if self.rng.random() < 0.3 and child.parent_id not in self.demo_family_ids and budget.joint_with is None:
                    budget.kind = BudgetKind.DIRECT_PAYMENT
                    budget.reasons = DIRECT_PAYMENT_REASON.format(name=child.first_name)
            self.budgets[(child_id, year, body)] = budget
        # The demo parent's assessed child: a managed budget for her breaks and a direct payment for a
        # personal assistant the family employs themselves.
        for child_id in sorted(c for c in self.approved_on if self.children[c].parent_id == self.demo_parent_id):
            managed = self.budgets[(child_id, self.year, Body.TRUST)]
            managed.kind = BudgetKind.MANAGED
            self.direct_payments.append(BudgetRow(
                child_id, self.year, BudgetKind.DIRECT_PAYMENT, managed.decided_at + timedelta(minutes=5),
                DIRECT_PAYMENT_REASON.format(name=self.children[child_id].first_name), DEMO_DIRECT_PAYMENT))
        self._plan_ended_direct_payment()
        for booking in self.bookings + self.new_bookings:
            if booking.session.offer.body is Body.TRUST:
                booking.budget = self.budgets[(booking.child_id, financial_year(booking.session.day),
                                               self._payer(booking))]
                booking.changed = True
            elif booking.session.offer.body is Body.COUNCIL:
                booking.changed = True

    def _plan_ended_direct_payment(self) -> None:
        """A direct payment for a personal assistant over a few months, for a child assessed before it began, that
        ended five weeks ago; three weeks later the family's prepaid card statement showed money unspent, which the
        trust recovered (as ``budgets.services.recover_direct_payment`` records it)."""
        ends = self.today - timedelta(days=ENDED_DAYS_AGO)
        year = financial_year(ends)
        starts = max(date(year, 4, 1), ends - timedelta(days=120))
        begins = datetime.combine(starts, time(10), tzinfo=LONDON).astimezone(timezone.utc)
        candidates = [child_id for child_id, approved in sorted(self.approved_on.items())
                      if self.children[child_id].parent_id not in self.demo_family_ids
                      and approved <= begins - timedelta(days=14)
                      and age_on(self.children[child_id].date_of_birth, self.today) < ADULT_AGE - 1
                      and self.budgets.get((child_id, year, Body.TRUST),
                                           BudgetRow(0, 0, BudgetKind.MANAGED, self.now, "")).kind
                      is BudgetKind.MANAGED]
        if not candidates:
            return
        child_id = candidates[len(candidates) // 2]
        received = ends + timedelta(days=21)
        recorded = datetime.combine(received + timedelta(days=2), time(10, 30), tzinfo=LONDON).astimezone(timezone.utc)
        name = self.children[child_id].first_name
        self.direct_payments.append(BudgetRow(
            child_id, year, BudgetKind.DIRECT_PAYMENT, begins - timedelta(days=14),
            ENDED_DIRECT_PAYMENT_REASON.format(name=name), ENDED_DIRECT_PAYMENT, starts_on=starts, ends_on=ends,
            recovery=dict(amount_pence=RECOVERED, received_on=received, at=min(recorded, self.now),
                          reference=f"FIN-{received.year}-{child_id % 10_000:04d}",
                          reasons=RECOVERY_REASON.format(amount=f"£{RECOVERED // 100:,}.{RECOVERED % 100:02d}"))))

    # -- writing

    def _insert(self, model, rows: list[dict], label: str, returning: bool = False) -> list[int]:
        return bulk_insert(model, rows, label, self.counts, self.echo, returning=returning)

    def _write_sessions_and_envelopes(self) -> None:
        rows = [dict(offer_id=s.offer.id, starts_at=s.starts_at, ends_at=s.ends_at,
                     weekday=to_london(s.starts_at).weekday(), capacity=s.capacity, places_taken=s.places_taken,
                     staff_units_taken=sum(STAFF_UNITS[self.children[b.child_id].support_level] for b in s.bookings),
                     status=SessionStatus.CANCELLED if s.cancelled else SessionStatus.OPEN)
                for s in self.new_sessions]
        for session, session_id in zip(self.new_sessions, self._insert(Session, rows, "Earlier sessions",
                                                                         returning=True)):
            session.id = session_id
        # What each body's year costs, to set its envelope (see the module docstring).
        council: dict[int, int] = defaultdict(int)
        for booking in self.bookings + self.new_bookings:
            if booking.session.offer.body is Body.COUNCIL:
                council[financial_year(booking.session.day)] += (
                    0 if booking.cancelled_at else booking.session.offer.funded)
        panels: dict[tuple[Body, int], int] = defaultdict(int)
        for budget in list(self.budgets.values()) + self.direct_payments:
            panels[(budget.body, budget.year)] += budget.amount
        years = sorted(set(council) | {year for _, year in panels} | {self.year})
        council_amount = max(_round_up(int(council[self.year] / COUNCIL_USED), 1_000_00), 10_000_00)
        trust_amount = max(_round_down(int(panels[(Body.TRUST, self.year)] * TRUST_COVERED), 1_000_00), 10_000_00)
        adults_amount = max(_round_down(int(panels[(Body.ADULTS, self.year)] * TRUST_COVERED), 1_000_00), 10_000_00)
        self.envelopes: dict[tuple[Body, int], dict] = {}
        for year in years:
            for body, amount, by in ((Body.COUNCIL, council_amount, self.council_id),
                                     (Body.TRUST, trust_amount, self.trust_id),
                                     (Body.ADULTS, adults_amount, self.adults_id)):
                self.envelopes[(body, year)] = dict(body=body, year=year, amount_pence=amount, warn_first=75,
                                                    warn_second=90, alerted_percent=0, updated_by_id=by,
                                                    updated_at=self.now)
        keys = sorted(self.envelopes, key=lambda k: (k[1], k[0].value))
        ids = self._insert(Envelope, [self.envelopes[k] for k in keys], "Envelopes", returning=True)
        for key, envelope_id in zip(keys, ids):
            self.envelopes[key]["id"] = envelope_id

    def _write_budgets(self) -> None:
        budgets = sorted(list(self.budgets.values()) + self.direct_payments, key=lambda b: (b.decided_at, b.child_id))
        available: dict[tuple[Body, int], int] = {}
        for budget in budgets:
            key = (budget.body, budget.year)
            left = available.setdefault(key, self.envelopes[key]["amount_pence"])
            budget.over_envelope = left < budget.amount
            available[key] = left - budget.amount
        rows = [dict(child_id=b.child_id, envelope_id=self.envelopes[(b.body, b.year)]["id"], kind=b.kind,
                     status=BudgetStatus.ACTIVE, amount_pence=b.amount, starts_on=b.starts_on or _starts_on(b),
                     ends_on=b.ends_on or date(b.year + 1, 3, 31),
                     review_on=b.ends_on or _starts_on(b) + timedelta(days=91), created_at=b.decided_at)
                for b in budgets]
        for budget, budget_id in zip(budgets, self._insert(PersonalBudget, rows, "Personal budgets", returning=True)):
            budget.id = budget_id
        rows = [dict(budget_id=b.id, kind=DecisionKind.ALLOCATE, change_pence=b.amount, reasons=b.reasons,
                     decided_by_id=self._panel(b), decided_at=b.decided_at, applied_at=b.decided_at,
                     over_envelope=b.over_envelope,
                     agreed_by_id=self.adults_id if b.joint_with is not None else None)
                for b in budgets]
        for budget, decision_id in zip(budgets, self._insert(PanelDecision, rows, "Panel decisions", returning=True)):
            budget.decision_id = decision_id
        # Each half of a joint decision names the other (recorded by the trust, agreed by adult social care).
        joint = [dict(d_id=b.decision_id, joint=b.joint_with.decision_id) for b in budgets if b.joint_with is not None]
        if joint:
            table = PanelDecision.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("d_id"))
                               .values(joint_with_id=bindparam("joint")), joint)
        self.counts["joint decisions across an 18th birthday"] = len(joint) // 2
        written = {row.id: row for row in db.session.scalars(
            select(PersonalBudget).where(PersonalBudget.id.in_([b.id for b in budgets])))}
        for budget in budgets:
            budget.row = written[budget.id]
        self.budget_list = budgets

    def _panel(self, budget: BudgetRow) -> int:
        """Who recorded the decision: the trust's officer (a joint decision too), or adult social care's."""
        return self.adults_id if budget.body is Body.ADULTS and budget.joint_with is None else self.trust_id

    def _write_bookings(self) -> None:
        rows = [self._booking_row(b) | dict(
            session_id=b.session.id, child_id=b.child_id, is_carer_place=False, booked_by_id=b.parent_id,
            group_ref=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            status=BookingStatus.CANCELLED if b.cancelled_at else BookingStatus.CONFIRMED,
            declared_meets_criteria=b.session.offer.tier is Tier.TARGETED, created_at=b.created_at,
            cancelled_at=b.cancelled_at, cancel_reason=CANCELLED if b.cancelled_at else None,
            staff_units=STAFF_UNITS[self.children[b.child_id].support_level])
            for b in self.new_bookings]
        for booking, booking_id in zip(self.new_bookings, self._insert(Booking, rows, "Earlier and cancelled bookings",
                                                                         returning=True)):
            booking.id = booking_id
        changed = [self._booking_row(b) | {"b_id": b.id} for b in self.bookings if b.changed]
        table = Booking.__table__
        statement = update(table).where(table.c.id == bindparam("b_id")).values(
            {name: bindparam(name) for name in changed[0] if name != "b_id"}) if changed else None
        for start in range(0, len(changed), CHUNK):
            db.session.execute(statement, changed[start:start + CHUNK])
            self.echo(f"Bookings funded or delivered: {start + len(changed[start:start + CHUNK]):,}/{len(changed):,}")

    def _booking_row(self, booking: BookingRow) -> dict:
        offer = booking.session.offer
        if offer.body is Body.COUNCIL:
            money = dict(funding="council_funded", price_pence=offer.price - offer.funded, funded_pence=offer.funded,
                         budget_id=None, paid_by=Body.COUNCIL)
        elif offer.body is Body.TRUST:
            money = dict(funding="personal_budget", price_pence=0, funded_pence=offer.funded,
                         budget_id=booking.budget.id, paid_by=booking.budget.body)
        else:
            money = dict(funding="free" if offer.price == 0 else "pay_provider", price_pence=offer.price,
                         funded_pence=0, budget_id=None, paid_by=None)
        return money | dict(delivered_at=booking.delivered_at, attendance=booking.attendance,
                            attendance_marked_at=booking.delivered_at)

    # -- the ledger

    def _post(self, kind: EntryKind, at: datetime, reason: str, by_id: int | None, legs: list[Leg], *,
              envelope_id: int | None = None, booking_id: int | None = None, decision_id: int | None = None,
              budget_id: int | None = None) -> None:
        """Plan one posting: its lines are what ``ledger.post`` would write for these legs."""
        lines = ledger.posting_lines(kind, legs, at)
        if lines:
            self.transactions.append((at, kind, reason, by_id, envelope_id, booking_id, decision_id, budget_id, lines))

    def _plan_ledger(self) -> None:
        """The postings the booking path (``bookings.funding``) and the panel (``budgets.services``) make, leg for
        leg."""
        self.echo("Money: planning the ledger...")
        earliest: dict[int, datetime] = {}
        for booking in self.bookings + self.new_bookings:
            offer = booking.session.offer
            if offer.body is None:
                continue
            year = financial_year(booking.session.day)
            amount = offer.funded
            if offer.body is Body.COUNCIL:
                envelope_id = self.envelopes[(Body.COUNCIL, year)]["id"]
                available = envelope_account(envelope_id, "available")
                committed = envelope_account(envelope_id, "committed")
                common = dict(envelope_id=envelope_id, booking_id=booking.id)
                self._post(EntryKind.COMMITMENT, booking.created_at, COUNCIL_PLACE_BOOKED, booking.parent_id,
                           [Leg(available, -amount, envelope_id, NO_DIMS), Leg(committed, amount, envelope_id, offer.dims)],
                           **common)
                if booking.cancelled_at is not None:
                    self._post(EntryKind.RELEASE, booking.cancelled_at, CANCELLED, booking.parent_id,
                               [Leg(committed, -amount, envelope_id, offer.dims),
                                Leg(available, amount, envelope_id, NO_DIMS)], **common)
                delivered_from = Leg(committed, -amount, envelope_id, offer.dims)
            else:
                budget = booking.budget.row
                envelope_id = budget.envelope_id
                common = dict(booking_id=booking.id, budget_id=budget.id)
                self._post(EntryKind.COMMITMENT, booking.created_at, BUDGET_PLACE_BOOKED, booking.parent_id,
                           [Leg(budget.account, -amount, envelope_id, SPECIALIST),
                            Leg(budget.held_account, amount, envelope_id, SPECIALIST)], **common)
                if booking.cancelled_at is not None:
                    self._post(EntryKind.RELEASE, booking.cancelled_at, CANCELLED, booking.parent_id,
                               [Leg(budget.held_account, -amount, envelope_id, SPECIALIST),
                                Leg(ledger.returns_to(budget), amount, envelope_id, SPECIALIST)], **common)
                delivered_from = Leg(budget.held_account, -amount, envelope_id, SPECIALIST)
            if booking.delivered_at is not None:
                self._post(EntryKind.DELIVERY, booking.delivered_at, PLACE_DELIVERED, None,
                           [delivered_from, Leg(envelope_account(envelope_id, "spent"), amount, envelope_id, offer.dims)],
                           envelope_id=envelope_id if offer.body is Body.COUNCIL else None, booking_id=booking.id,
                           budget_id=budget.id if offer.body is Body.TRUST else None)
            earliest[envelope_id] = min(earliest.get(envelope_id, booking.created_at), booking.created_at)
        for budget in self.budget_list:
            row = budget.row
            self._post(EntryKind.ALLOCATION, budget.decided_at, budget.reasons, self._panel(budget),
                       [Leg(envelope_account(row.envelope_id, "available"), -budget.amount, row.envelope_id, SPECIALIST),
                        Leg(row.account, budget.amount, row.envelope_id, SPECIALIST)],
                       envelope_id=row.envelope_id, decision_id=budget.decision_id, budget_id=row.id)
            earliest[row.envelope_id] = min(earliest.get(row.envelope_id, budget.decided_at), budget.decided_at)
        for budget in self.budget_list:
            if budget.recovery is not None:
                row, amount = budget.row, budget.recovery["amount_pence"]
                # The posting recover_direct_payment makes: out of the direct payment, back to the envelope.
                self._post(EntryKind.RECOVERY, budget.recovery["at"], budget.recovery["reasons"], self.trust_id,
                           [Leg(row.account, -amount, row.envelope_id, SPECIALIST),
                            Leg(envelope_account(row.envelope_id, "available"), amount, row.envelope_id, SPECIALIST)],
                           envelope_id=row.envelope_id, budget_id=row.id)
        self.audit: list[dict] = []
        for (body, year), envelope in sorted(self.envelopes.items(), key=lambda item: item[1]["id"]):
            at = min(_year_start(year), earliest.get(envelope["id"], self.now) - timedelta(days=1),
                     self.now - timedelta(days=1))
            reason = {Body.COUNCIL: COUNCIL_REASON, Body.TRUST: TRUST_REASON, Body.ADULTS: ADULTS_REASON}[body].format(
                year=year_label(year))
            self._post(EntryKind.ALLOCATION, at, reason, envelope["updated_by_id"],
                       # The account money comes from is named where the live path posts it (budgets.services).
                       [Leg(f"source:{body.value}", -envelope["amount_pence"], envelope["id"]),
                        Leg(envelope_account(envelope["id"], "available"), envelope["amount_pence"], envelope["id"])],
                       envelope_id=envelope["id"])
            self.audit.append(dict(at=at, actor_id=envelope["updated_by_id"], action="envelope_set",
                                   subject_type="Envelope", subject_id=envelope["id"], reason=reason,
                                   details=dict(before_pence=0, amount_pence=envelope["amount_pence"], warn_first=75,
                                                warn_second=90)))
            envelope["updated_at"] = at
        for budget in self.budget_list:
            self.audit.append(dict(at=budget.decided_at, actor_id=self._panel(budget),
                                   action="personal_budget_allocated", subject_type="PersonalBudget",
                                   subject_id=budget.id, reason=budget.reasons,
                                   details=dict(amount_pence=budget.amount, kind=budget.kind.value,
                                                over_envelope=budget.over_envelope, body=budget.body.value,
                                                agreed_by_id=self.adults_id if budget.joint_with else None)))

    def _write_ledger(self) -> None:
        self.transactions.sort(key=lambda t: (t[0], t[5] or 0, t[1].value))
        statement = insert(LedgerTransaction.__table__).returning(LedgerTransaction.__table__.c.id,
                                                                  sort_by_parameter_order=True)
        lines = 0
        for start in range(0, len(self.transactions), CHUNK):
            chunk = self.transactions[start:start + CHUNK]
            ids = db.session.scalars(statement, [
                dict(at=at, kind=kind, reason=reason, by_id=by_id, envelope_id=envelope_id, booking_id=booking_id,
                     payment_id=None, decision_id=decision_id, budget_id=budget_id)
                for at, kind, reason, by_id, envelope_id, booking_id, decision_id, budget_id, _ in chunk]).all()
            rows = [line | {"transaction_id": transaction_id}
                    for transaction_id, (*_, lines) in zip(ids, chunk) for line in lines]
            db.session.execute(insert(LedgerLine.__table__), rows)
            lines += len(rows)
            self.echo(f"Ledger: {start + len(chunk):,}/{len(self.transactions):,} transactions, {lines:,} lines")
        self.counts["ledger transactions"] = len(self.transactions)
        self.counts["ledger lines"] = lines
        fill_caches()
        self._insert(AuditEvent, self.audit, "Audit events")
        for envelope in self.envelopes.values():
            used = db.session.scalar(select(func.coalesce(func.sum(Rollup.amount_pence), 0)).where(
                Rollup.envelope_id == envelope["id"], Rollup.bucket.in_([Bucket.COMMITTED, Bucket.SPENT])))
            percent = used * 100 // envelope["amount_pence"]
            crossed = [t for t in (75, 90, 100) if percent >= t]
            db.session.execute(update(Envelope).where(Envelope.id == envelope["id"]).values(
                alerted_percent=crossed[-1] if crossed else 0, updated_at=envelope["updated_at"]))

    def _write_recoveries(self) -> None:
        """Each recovery, with the posting planned for it, and its audit entry (as recover_direct_payment writes)."""
        posted = dict(db.session.execute(select(LedgerTransaction.budget_id, LedgerTransaction.id)
                                         .where(LedgerTransaction.kind == EntryKind.RECOVERY)).all())
        recovered = [b for b in self.budget_list if b.recovery is not None]
        rows = [dict(budget_id=b.id, amount_pence=b.recovery["amount_pence"], received_on=b.recovery["received_on"],
                     reference=b.recovery["reference"], reasons=b.recovery["reasons"], recorded_by_id=self.trust_id,
                     recorded_at=b.recovery["at"], transaction_id=posted[b.id]) for b in recovered]
        ids = self._insert(Recovery, rows, "Direct payment recoveries", returning=True)
        self._insert(AuditEvent, [
            dict(at=b.recovery["at"], actor_id=self.trust_id, action="direct_payment_recovered",
                 subject_type="PersonalBudget", subject_id=b.id, reason=b.recovery["reasons"],
                 details=dict(amount_pence=b.recovery["amount_pence"],
                              received_on=b.recovery["received_on"].isoformat(), reference=b.recovery["reference"],
                              recovery_id=recovery_id, transaction_id=posted[b.id]))
            for b, recovery_id in zip(recovered, ids)], "Audit events")

    # -- waiting lists

    def _add_waiting_lists(self) -> None:
        """Families waiting for places on some full upcoming sessions, so commissioners see the pressure."""
        soon = self.now + timedelta(days=60)
        full = [s for s in self.sessions.values()
                if not s.cancelled and self.now < s.starts_at < soon and s.places_taken >= s.capacity > 0]
        chosen = self.rng.sample(full, min(WAITING_SESSIONS, len(full) // 3))
        children = [c for c in self.children.values() if c.parent_id not in self.demo_family_ids]
        rows = []
        for session in sorted(chosen, key=lambda s: s.id):
            on_it = {b.child_id for b in session.bookings}
            waiting = 0
            for _ in range(40):
                if waiting >= self.rng.randint(1, 4):
                    break
                child = children[self.rng.randrange(len(children))]
                if child.id in on_it or not session.offer.min_age <= age_on(child.date_of_birth, session.day) \
                        <= session.offer.max_age:
                    continue
                if session.offer.body is Body.TRUST and child.id not in self.approved_on:
                    continue
                on_it.add(child.id)
                waiting += 1
                rows.append(dict(session_id=session.id, family_id=child.parent_id, child_ids=[child.id],
                                 carer_places=0, places=1, staff_units=STAFF_UNITS[child.support_level],
                                 status=WaitingStatus.WAITING,
                                 joined_at=self.now - timedelta(hours=self.rng.uniform(1, 24 * 10))))
        self._insert(WaitingListEntry, rows, "Waiting-list entries")


def fill_caches() -> None:
    """Recompute the cached account balances and dashboard roll-ups from every ledger line."""
    ledger.rebuild_caches()


def _back(moment: datetime, days: int) -> datetime:
    """The same London wall-clock time ``days`` earlier (summer and winter time differ)."""
    local = to_london(moment)
    return datetime.combine(local.date() - timedelta(days=days), local.time(), tzinfo=LONDON).astimezone(timezone.utc)


def _starts_on(budget: BudgetRow) -> date:
    return max(to_london(budget.decided_at).date(), date(budget.year, 4, 1), budget.starts_on or date.min)


def _year_start(year: int) -> datetime:
    return datetime.combine(date(year, 4, 1), time(9), tzinfo=LONDON).astimezone(timezone.utc)


def _round_up(pence: int, step: int) -> int:
    return -(-pence // step) * step


def _round_down(pence: int, step: int) -> int:
    return pence // step * step
