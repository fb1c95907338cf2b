"""Places: booking, cancelling and waiting lists, all under a lock on the session's capacity.

Every change to a session's places follows one path: lock the session, recount what is held
(confirmed bookings plus places offered to the waiting list), check, write. The recount, not a
cached counter, decides; the CHECK constraint on ``sessions`` is the last guard.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, case, func, select, true
from sqlalchemy.orm import contains_eager

from portal import notify
from portal.access import can_see_child, is_own_record, may_manage
from portal.errors import DomainError, NotAllowed, SessionFull
from portal.extensions import db
from portal.formatting import london, pounds
from portal.i18n import N_, translated
from portal.locking import read_locked
from portal.models import Child, Role, User, has_approved_assessment, record
from portal.timeutil import to_london, utcnow
from providers.models import (
    STAFF_UNITS,
    Booking,
    BookingSet,
    BookingStatus,
    Funding,
    Offer,
    OfferStatus,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from . import booked_events
from . import funding as funding_methods
from . import nights
from .family import booking_children, set_children, told_about

# Why the portal itself gives places back. Stored in English as written (on the booking and the refund, in the
# ledger and the audit trail); translated where a family is shown them (the cancellation and refund emails).
CANCELLED_BY_FAMILY = N_("Cancelled by the family")
CHECKOUT_FAILED = N_("The card payment could not be started")
PAYMENT_ABANDONED = N_("You did not finish paying, so the place was released")
PAID_TOO_LATE = N_("Paid after the place had been released")
# Stored with the provider's own words in place of %(reason)s.
PROVIDER_CANCELLED = N_("The provider cancelled this session: %(reason)s")
_OUR_REASONS = {CANCELLED_BY_FAMILY, CHECKOUT_FAILED, PAYMENT_ABANDONED, PAID_TOO_LATE}
_PROVIDER_CANCELLED_START = PROVIDER_CANCELLED.partition("%(reason)s")[0]


def _provider_cancelled(their_words: str) -> str:
    return translated(PROVIDER_CANCELLED) % {"reason": their_words}


def shown_reason(reason: str | None):
    """A reason as a family reads it in an email: one of ours translated (lazily, so in the recipient's language);
    the words a provider or member of staff typed, as they wrote them."""
    if reason in _OUR_REASONS:
        return LazyString(translated, reason)
    if reason and reason.startswith(_PROVIDER_CANCELLED_START):
        return LazyString(_provider_cancelled, reason[len(_PROVIDER_CANCELLED_START):])
    return reason

# --- the lock -----------------------------------------------------------------------------------

# One statement takes every lock a change of places needs, in one order, and reads what it locked: each session for
# update (sorted by id, so two writers never deadlock), its offer and provider for sharing, so that a withdrawal or
# suspension (which locks them for update) waits for the bookings in flight, and the bookings after it see it.
_CAPACITY_LOCK = "FOR UPDATE OF sessions FOR SHARE OF offers, providers"  # i18n: not shown (SQL)


def lock_capacity(sessions: list[Session]) -> None:
    """Take the write lock on these sessions' capacity until the transaction ends, and read them, their offers and
    their providers again as it is taken: what was loaded before may have changed while we waited. Sessions this
    transaction has already read under the lock are not read again."""
    if not current_app.config["CAPACITY_LOCKING"]:
        return
    ids = sorted({s.id for s in sessions})
    if not _locked_here().issuperset(ids):
        _read_locked(ids)


# contains_eager, not a plain select of the three: a reload with populate_existing leaves session.offer unloaded,
# and its lazy load would carry populate_existing and read the offer again. Made once: every booking runs it; one
# session (each booking of one session) binds its id rather than expanding a list into the SQL each time.
_WITH_OFFER_AND_PROVIDER = (select(Session).join(Session.offer).join(Offer.provider)
                            .options(contains_eager(Session.offer).contains_eager(Offer.provider)))
_SESSIONS_OFFERS_PROVIDERS = (_WITH_OFFER_AND_PROVIDER.where(Session.id.in_(bindparam("ids", expanding=True)))
                              .order_by(Session.id))
_SESSION_OFFER_PROVIDER = _WITH_OFFER_AND_PROVIDER.where(Session.id == bindparam("id"))


def _read_locked(ids: list[int]) -> list[Session]:
    if len(ids) == 1:
        sessions = read_locked(_SESSION_OFFER_PROVIDER, _CAPACITY_LOCK, params={"id": ids[0]})
    else:
        sessions = read_locked(_SESSIONS_OFFERS_PROVIDERS, _CAPACITY_LOCK, params={"ids": ids})
    _locked_here().update(ids)
    return sessions


def _locked_here() -> set[int]:
    """The sessions whose capacity lock this transaction holds (kept with the transaction, or the savepoint, they
    were locked in: a savepoint rolled back gives its locks back, so nothing locked in one is trusted after it)."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    kept = db.session.info.get("capacity_locked")
    if kept is None or kept[0] is not transaction:
        kept = db.session.info["capacity_locked"] = (transaction, set())
    return kept[1]


def booking_closes_at(session: Session) -> datetime:
    """When online booking (and accepting a waiting-list offer) closes: the offer's cut-off before the start."""
    return session.starts_at - timedelta(hours=session.offer.booking_cutoff_hours)


def cancelling_closes_at(session: Session) -> datetime:
    """When a family can no longer cancel online: the offer's cancellation notice before the start."""
    return session.starts_at - timedelta(hours=session.offer.cancel_cutoff_hours)


def bookings_open(session: Session, now: datetime | None = None) -> bool:
    return (now or utcnow()) < booking_closes_at(session)


def booking_closed_reason(session: Session, now: datetime | None = None) -> str | None:
    """Why this session can no longer be booked online because of the time, or None while booking is open."""
    now = now or utcnow()
    if session.starts_at <= now:
        return _("This session has already started or finished, so it cannot be booked.")
    if not bookings_open(session, now):
        return ngettext("Booking for this session closed %(when)s, %(num)s hour before it starts.",
                        "Booking for this session closed %(when)s, %(num)s hours before it starts.",
                        session.offer.booking_cutoff_hours, when=london(booking_closes_at(session)))
    return None


def can_cancel_online(session: Session, now: datetime | None = None) -> bool:
    return (now or utcnow()) <= cancelling_closes_at(session)


@dataclass(frozen=True)
class Room:
    """What is still free on a session: places, and staff time in quarter-adults (None: no staff limit)."""

    places: int
    staff: int | None
    # Set by ``settle(session, children)`` when it counted them in the same read: how many of those children
    # already have a place on the session (None: not counted, so look).
    children_booked: int | None = None

    def fits(self, places: int, staff: int) -> bool:
        return places <= self.places and (self.staff is None or staff <= self.staff)

    @classmethod
    def on(cls, session: Session, places_held: int, staff_held: int) -> Room:
        """What is left of a session's places and staff once what is held is taken away."""
        return cls(session.capacity - places_held,
                   None if session.staff_units is None else session.staff_units - staff_held)

    def less(self, places: int, staff: int) -> Room:
        return Room(self.places - places, None if self.staff is None else self.staff - staff)


def staff_needed(children: list[Child]) -> int:
    return sum(STAFF_UNITS[child.support_level] for child in children)


@dataclass(frozen=True)
class Census:
    """What a session's places are doing, read in one statement: places and staff held (confirmed bookings,
    places held for card payment, unexpired waiting-list offers), and whether anything needs settling (holds
    that have run out, and open waiting-list entries, whose offers may have run out or who may fit)."""

    places: int
    staff: int
    holds_run_out: int
    open_entries: int
    children_booked: int  # of the children asked about, how many have a confirmed or held place on it


def _census_statement():
    def total(column, when):
        return func.coalesce(func.sum(case((when, column), else_=0)), 0)

    session_id, now = bindparam("session_id"), bindparam("now")
    children = bindparam("children", expanding=True)
    live = (Booking.status == BookingStatus.CONFIRMED) | (
        (Booking.status == BookingStatus.HELD) & (Booking.hold_expires_at > now))
    booked = (select(total(1, live).label("places"), total(Booking.staff_units, live).label("staff"),
                     total(1, (Booking.status == BookingStatus.HELD) & (Booking.hold_expires_at <= now))
                     .label("run_out"),
                     total(1, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD])
                           & Booking.child_id.in_(children)).label("children"))
              .where(Booking.session_id == session_id).subquery())
    offered = (WaitingListEntry.status == WaitingStatus.OFFERED) & (WaitingListEntry.offer_expires_at > now)
    waiting = (select(total(WaitingListEntry.places, offered).label("places"),
                      total(WaitingListEntry.staff_units, offered).label("staff"), func.count().label("open"))
               .where(WaitingListEntry.session_id == session_id,
                      WaitingListEntry.status.in_([WaitingStatus.OFFERED, WaitingStatus.WAITING])).subquery())
    return (select(booked.c.places + waiting.c.places, booked.c.staff + waiting.c.staff, booked.c.run_out,
                   waiting.c.open, booked.c.children).select_from(booked.join(waiting, true())))


# Made once: every booking runs it, and a statement made afresh each time is worked out afresh each time.
_CENSUS = _census_statement()


def census(session: Session, now: datetime, children: list[Child] = ()) -> Census:
    """``children``: also count how many of them already have a place on the session."""
    row = db.session.execute(_CENSUS, {"session_id": session.id, "now": now,
                                       "children": [c.id for c in children]}).one()
    return Census(*(int(value) for value in row))


def held(session: Session) -> tuple[int, int]:
    """Places and staff units held: confirmed bookings, places held for card payment, and unexpired
    waiting-list offers."""
    counted = census(session, utcnow())
    return counted.places, counted.staff


def room_left(session: Session) -> Room:
    """What is still free on a session right now (places and staff), counted the way booking counts it.

    For showing and for the API; booking itself recounts under the capacity lock."""
    return Room.on(session, *held(session))


def store_recount(session: Session) -> Room:
    db.session.flush()
    places, staff = held(session)
    session.places_taken = places
    session.staff_units_taken = staff
    db.session.flush()
    return Room.on(session, places, staff)


def _expire_holds(session: Session, now) -> None:
    """Places held for a card payment that was not made in time go back (the Checkout Session expired with them)."""
    stale = db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status == BookingStatus.HELD,
                              Booking.hold_expires_at <= now).order_by(Booking.id)
    ).all()
    for booking in stale:
        booking.status = BookingStatus.EXPIRED
        booking.cancelled_at = now
        booking.cancel_reason = "Not paid for in time"  # i18n: not shown (stored on the booking)
        method = funding_methods.get(booking.funding)
        if method is not None:
            method.on_expire(booking)
        record("place_hold_expired", booking, by=None, session_id=session.id)
    if stale:
        funding_methods.close_unpaid({b.payment_id for b in stale if b.payment_id is not None})


def settle(session: Session, children: list[Child] = ()) -> Room:
    """Under the lock: release unpaid holds and stale waiting-list offers, offer what is free to the waiting list,
    store the recount, and return what is still free (and, when nothing needed settling, how many of ``children``
    already have a place on it, read with the count).

    A place that frees up is held for the waiting list: it is offered at once to the first family in order whose
    group fits, so it counts as held and nobody else can book it. When an offer runs out or is declined, the next
    family that fits is offered it; once no waiting family fits, the place is back on general sale."""
    now = utcnow()
    db.session.flush()
    counted = census(session, now, children)
    if not counted.holds_run_out and not counted.open_entries:
        # Nothing to settle (the usual case): the count is the one just read.
        session.places_taken, session.staff_units_taken = counted.places, counted.staff
        return replace(Room.on(session, counted.places, counted.staff), children_booked=counted.children_booked)
    _expire_holds(session, now)
    # The session's open waiting-list entries in one read: offers that have run out, and families still waiting.
    entries = db.session.scalars(
        select(WaitingListEntry)
        .where(WaitingListEntry.session_id == session.id,
               WaitingListEntry.status.in_([WaitingStatus.OFFERED, WaitingStatus.WAITING]))
        .order_by(WaitingListEntry.id)
    ).all()
    stale = [e for e in entries if e.status is WaitingStatus.OFFERED and e.offer_expires_at <= now]
    for entry in stale:
        entry.status = WaitingStatus.EXPIRED
        record("waiting_offer_expired", entry, by=None, reason="Not accepted in time", places=entry.places)
    room = store_recount(session)
    if session.status is SessionStatus.OPEN and bookings_open(session, now) and room.places > 0:
        hours = current_app.config["WAITING_LIST_OFFER_HOURS"]
        offer_ends = min(now + timedelta(hours=hours), booking_closes_at(session))
        waiting = [e for e in entries if e.status is WaitingStatus.WAITING]
        for entry in waiting:
            # In order of joining, to the first whose group fits: a family needing more than is free keeps its
            # place in the list, and the family behind it who needs less is offered what is free.
            if not room.fits(entry.places, entry.staff_units):
                continue
            entry.status = WaitingStatus.OFFERED
            entry.offered_at = now
            entry.offer_expires_at = offer_ends
            room = room.less(entry.places, entry.staff_units)
            record("waiting_offer_made", entry, by=None, places=entry.places)
            notify.queue(
                entry.family,
                _l("A place has come free for you"),
                "waiting_offer",
                entry=entry,
                session=session,
                expires=to_london(entry.offer_expires_at),
                link=notify.link("bookings.my_bookings"),
            )
        if any(entry.status is WaitingStatus.OFFERED for entry in waiting):
            room = store_recount(session)
    return room


# --- booking --------------------------------------------------------------------------------------

def check_can_book(family: User, session: Session, children: list[Child], carer_places: int,
                   declared_meets_criteria: bool, now: datetime) -> None:
    """Everything that decides whether these places may be booked, apart from room. Called under the capacity
    lock, on rows re-read after it was taken, so nothing checked here can change before the booking commits."""
    offer = session.offer
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session has been cancelled, so it cannot be booked."))
    if offer.status is not OfferStatus.PUBLISHED or offer.provider.status is not ProviderStatus.APPROVED:
        raise DomainError(_("This break is not taking bookings at the moment."))
    if closed := booking_closed_reason(session, now):
        raise DomainError(closed)
    if not children:
        raise DomainError(_("Choose at least one child to book a place for."))
    if carer_places < 0 or carer_places > len(children):
        raise DomainError(_("You can book at most one carer place for each child."))
    day = to_london(session.starts_at).date()
    for child in children:
        if not can_see_child(family, child):
            raise NotAllowed(_("You can only book places for children on your account."))
        if family.role is Role.YOUNG_PERSON and not is_own_record(family, child):
            raise NotAllowed(_("Your account is for booking breaks for yourself. A parent or carer can book for "
                               "someone else from their own account."))
        too_old_or_young = _age_refusal(child, offer, day)
        if too_old_or_young:
            raise DomainError(too_old_or_young, unmet={"kind": "refused", "reason": "age", "session_id": session.id})
        if offer.tier is Tier.TARGETED and not declared_meets_criteria:
            raise DomainError(
                _("Confirm that %(name)s meets the criteria for this break. "
                  "If they do not, you can still ask for an assessment.", name=child.first_name)
            )
        if offer.tier is Tier.SPECIALIST and not has_approved_assessment(child):
            raise DomainError(_assessment_refusal(child),
                              unmet={"kind": "refused", "reason": "no_assessment", "session_id": session.id})


def _age_refusal(child: Child, offer, day) -> str | None:
    age = child.age_on(day)
    if offer.suits_age(age):
        return None
    return _("%(name)s will be %(age)s on the day. This break is for ages %(min)s to %(max)s.",
             name=child.first_name, age=age, min=offer.min_age, max=offer.max_age)


def _assessment_refusal(child: Child) -> str:
    return _("%(name)s needs an assessment by the children's trust before booking this break. "
             "You can ask for one from the break's page.", name=child.first_name)


class CannotGo(str):
    """Why a child cannot go, in the family's words, with ``code`` ("age" or "no_assessment") for the insight."""

    code: str

    def __new__(cls, words: str, code: str) -> CannotGo:
        reason = super().__new__(cls, words)
        reason.code = code
        return reason


def children_who_cannot_go(session: Session, children: list[Child]) -> dict[int, CannotGo]:
    """The children a family could never book on this session, whatever else they choose, each with the reason
    (the same words ``book_places`` refuses with), so the form can say so before they try."""
    offer, day = session.offer, to_london(session.starts_at).date()
    reasons = {}
    for child in children:
        if too_old_or_young := _age_refusal(child, offer, day):
            reasons[child.id] = CannotGo(too_old_or_young, "age")
        elif offer.tier is Tier.SPECIALIST and not has_approved_assessment(child):
            reasons[child.id] = CannotGo(_assessment_refusal(child), "no_assessment")
    return reasons


def book_places(family: User, session: Session, children: list[Child], funding: str, *, carer_places: int = 0,
                declared_meets_criteria: bool = False, by: User | None = None,
                accepting: WaitingListEntry | None = None) -> list[Booking]:
    """Book places on one session for one or more children (and carers), all or nothing.

    Read it top to bottom: lock the session's capacity (and share-lock its offer and provider), settle what has
    run out, re-check everything that could have changed while we waited (session, offer and provider status,
    cut-off, the family, ages, eligibility), check there is room, then the funding method takes its money (and a
    card payment is opened), then the places are written and the confirmation queued for after the commit.

    ``accepting``: the waiting-list offer whose held places this booking takes up.
    """
    by = by or family
    method = funding_methods.get(funding)
    recheck = current_app.config["BOOKING_RECHECK_UNDER_LOCK"]
    if not recheck:  # only the race test's control: check before waiting for the lock, as the portal once did
        check_can_book(family, session, children, carer_places, declared_meets_criteria, utcnow())
    lock_capacity([session])
    nights.lock_children_away(children, [session])
    room = settle(session, children)
    if recheck:
        check_can_book(family, session, children, carer_places, declared_meets_criteria, utcnow())
    _check_method(method, session.offer)
    _check_room(session, room, children, carer_places, accepting)
    if accepting is not None:
        accepting.status = WaitingStatus.ACCEPTED
    bookings = _write_places(family, session, children, carer_places, method, str(uuid.uuid4()),
                             declared_meets_criteria, accepting)
    method.on_book(bookings, by)
    _record_booked(bookings, by)
    nights.flag_if_needed(bookings, by=by)  # tells the trust; never refuses
    if not method.takes_card_payment:
        confirmation_email(bookings)
    return bookings


def _check_method(method, offer: Offer) -> None:
    if method is None or not method.available_for(offer):
        raise DomainError(_("Choose how this place will be paid for."))


def _check_room(session: Session, room: Room, children: list[Child], carer_places: int,
                accepting: WaitingListEntry | None = None) -> None:
    """Under the lock, after ``settle``: none of the children is already booked on the session, and the places and
    staff they need are free (what a waiting-list offer holds for this family counts as theirs)."""
    already = [] if room.children_booked == 0 else db.session.scalars(
        select(Booking.child_id).where(
            Booking.session_id == session.id,
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]),
            Booking.child_id.in_([c.id for c in children]),
        )
    ).all()
    if already:
        names = _(", ").join(c.first_name for c in children if c.id in already)
        raise DomainError(_("%(names)s already has a place on this session.", names=names))
    needed = len(children) + carer_places
    staff = staff_needed(children)
    if accepting is not None:
        # What is held for this family is theirs to take, not the next family's.
        room = room.less(-accepting.places, -accepting.staff_units)
    if not room.fits(needed, staff):
        if room.places <= 0:
            raise SessionFull(session_id=session.id)
        if needed > room.places:
            raise SessionFull(ngettext("Only %(num)s place left on this session, and you asked for %(needed)s. "
                                       "Book fewer places or join the waiting list.",
                                       "Only %(num)s places left on this session, and you asked for %(needed)s. "
                                       "Book fewer places or join the waiting list.", room.places, needed=needed),
                              session_id=session.id)
        raise SessionFull(_("There are not enough staff left on this session for the support your children need. "
                            "Join the waiting list, or ask the provider whether they can add staff."),
                          session_id=session.id)


def _write_places(family: User, session: Session, children: list[Child], carer_places: int, method, group: str,
                  declared_meets_criteria: bool, accepting: WaitingListEntry | None = None) -> list[Booking]:
    price = method.price_for(session.offer)
    bookings = []
    for child in children:
        bookings.append(Booking(session=session, child=child, booked_by_id=family.id, group_ref=group,
                                funding=method.code, price_pence=price, staff_units=STAFF_UNITS[child.support_level],
                                declared_meets_criteria=declared_meets_criteria))
    for _carer in range(carer_places):
        bookings.append(Booking(session=session, child=None, is_carer_place=True, booked_by_id=family.id,
                                group_ref=group, funding=Funding.FREE, price_pence=0, staff_units=0))
    db.session.add_all(bookings)
    # settle() stored the recount under this lock; what changed since is exactly these places (and the waiting
    # list's offer they take up), so the count moves by them. `flask ledger check` recounts every session. Moved
    # before the flush that writes the places, so that one flush writes both.
    session.places_taken += len(bookings) - (accepting.places if accepting is not None else 0)
    session.staff_units_taken += staff_needed(children) - (accepting.staff_units if accepting is not None else 0)
    db.session.flush()
    return bookings


def _record_booked(bookings: list[Booking], by: User) -> None:
    for booking in bookings:
        record("place_held" if booking.status is BookingStatus.HELD else "place_booked", booking, by=by,
               session_id=booking.session_id, funding=booking.funding, price_pence=booking.price_pence,
               funded_pence=booking.funded_pence, group_ref=booking.group_ref)


# --- booking several sessions of a series in one go ------------------------------------------------------------

class SomeSessionsCannotBeBooked(DomainError):
    """Sessions the family chose cannot be booked, so nothing was: ``refusals`` says which and why."""

    def __init__(self, refusals: list[tuple[Session, str]], chosen: int):
        self.refusals = refusals
        if len(refusals) == chosen:
            message = ngettext("The session you chose cannot be booked.",
                               "None of the %(num)s sessions you chose can be booked.", chosen)
        else:
            message = ngettext("%(num)s of the sessions you chose cannot be booked, so none have been booked. "
                               "Choose other sessions, or book the ones that have places.",
                               "%(num)s of the sessions you chose cannot be booked, so none have been booked. "
                               "Choose other sessions, or book the ones that have places.", len(refusals))
        super().__init__(message)


@dataclass
class SetBooked:
    """What booking a set of sessions did: the places booked (sharing the set's group reference) and the sessions
    chosen but not booked, each with why."""

    booking_set: BookingSet
    bookings: list[Booking]
    not_booked: list[tuple[Session, str]]


def book_series(family: User, sessions: list[Session], children: list[Child], funding: str, *,
                carer_places: int = 0, declared_meets_criteria: bool = False, take_what_has_places: bool = False,
                by: User | None = None) -> SetBooked:
    """Book places on several sessions of one break in one go, for the same children (and carers).

    The same path as ``book_places``, once for the set: lock every session's capacity in one statement (sorted by
    id, so two families booking overlapping sets never deadlock), then for each session settle, re-check and look
    for room exactly as a single booking does, setting aside a session that cannot be booked with the reason.
    Then all or nothing (nothing is booked, and the family is told which sessions and why), or, if the family
    chose so, the sessions that can be booked. The funding method then takes its money once for the set (one
    lock and one check of the total on each envelope or budget, one card payment), the places are written with
    one group reference, and one confirmation is queued.
    """
    by = by or family
    method = funding_methods.get(funding)
    sessions = sorted({s.id: s for s in sessions}.values(), key=lambda s: (s.starts_at, s.id))
    if not sessions:
        raise DomainError(_("Choose at least one session to book."))
    if len({s.offer_id for s in sessions}) > 1:
        raise DomainError(_("Choose sessions of one break at a time."))
    lock_capacity(sessions)
    nights.lock_children_away(children, sessions)
    now = utcnow()
    bookable, refusals = [], []
    for session in sessions:
        room = settle(session, children)
        try:
            check_can_book(family, session, children, carer_places, declared_meets_criteria, now)
            _check_room(session, room, children, carer_places)
        except NotAllowed:
            raise
        except DomainError as refusal:
            refusals.append((session, str(refusal)))
        else:
            bookable.append(session)
    if not bookable or (refusals and not take_what_has_places):
        raise SomeSessionsCannotBeBooked(refusals, len(sessions))
    offer = bookable[0].offer
    _check_method(method, offer)
    group = str(uuid.uuid4())
    series_ids = {s.series_id for s in sessions}
    booking_set = BookingSet(group_ref=group, family_id=family.id, offer_id=offer.id,
                             series_id=series_ids.pop() if len(series_ids) == 1 else None,
                             take_what_has_places=take_what_has_places,
                             not_booked=[{"session_id": s.id, "reason": reason} for s, reason in refusals])
    db.session.add(booking_set)
    bookings = []
    for session in bookable:
        bookings += _write_places(family, session, children, carer_places, method, group, declared_meets_criteria)
    method.on_book(bookings, by)
    _record_booked(bookings, by)
    nights.flag_if_needed(bookings, by=by)  # tells the trust; never refuses
    record("set_booked", booking_set, by=by, funding=method.code, sessions=[s.id for s in bookable],
           not_booked=booking_set.not_booked, places=len(bookings),
           price_pence=sum(b.price_pence for b in bookings), funded_pence=sum(b.funded_pence for b in bookings))
    if not method.takes_card_payment:
        confirmation_email(bookings)
    return SetBooked(booking_set, bookings, refusals)


def quote(method, offer: Offer, children: list[Child], sessions: int) -> tuple[int, int]:
    """What a set of places would cost, before it is booked: what the family pays and what an envelope or budget
    pays, in all (carer places are free)."""
    places = len(children) * sessions
    return method.price_for(offer) * places, method.funded_for(offer) * places


def set_bookings(booking_set: BookingSet) -> list[Booking]:
    """Every place booked in a set, live or not, in the order of the sessions."""
    return db.session.scalars(
        select(Booking).join(Session).where(Booking.group_ref == booking_set.group_ref)
        .order_by(Session.starts_at, Booking.is_carer_place, Booking.id)
    ).all()


def cancel_set(booking_set: BookingSet, *, by: User, reason: str = CANCELLED_BY_FAMILY) -> tuple[list, list]:
    """A family cancels every place of a set in one go: the places, the budget or envelope's money and any card
    refund all go back in one transaction, through the path every cancellation takes (``release_places``).
    Places on sessions too close to cancel online stay booked. Returns (released, kept)."""
    if not may_manage(by, set_children(booking_set)):
        raise NotAllowed(_("You can only cancel your own bookings."))
    live = [b for b in set_bookings(booking_set) if b.status in (BookingStatus.CONFIRMED, BookingStatus.HELD)]
    if not live:
        raise DomainError(_("These bookings have already been cancelled."))
    cancellable = [b for b in live if can_cancel_online(b.session)]
    if not cancellable:
        raise DomainError(_("It is too late to cancel any of these sessions online. %(why)s",
                            why=cancelling_closed_reason(live[0].session)))
    released = release_places(cancellable, reason=reason, by=by)
    return released, [b for b in live if b not in cancellable]


def confirmation_email(bookings: list[Booking]) -> None:
    session, family = bookings[0].session, bookings[0].booked_by
    if len({b.session_id for b in bookings}) > 1:
        notify.queue(family, _l("Bookings confirmed: %(title)s", title=session.offer.title), "set_booked",
                     family=family, offer=session.offer, sessions=by_session(bookings),
                     to_pay=LazyString(what_to_pay, bookings), link=notify.link("bookings.my_bookings"),
                     attachments=(booked_events.attachment(bookings),))
        return
    # What to pay is worked out as the email is written, in the family's language.
    notify.queue(family, _l("Booking confirmed: %(title)s", title=session.offer.title), "booking_confirmed",
                 family=family, session=session, bookings=bookings, when=to_london(session.starts_at),
                 to_pay=LazyString(what_to_pay, bookings), link=notify.link("bookings.my_bookings"),
                 attachments=(booked_events.attachment(bookings),))


def by_session(bookings: list[Booking]) -> list[tuple[Session, list[Booking]]]:
    sessions: dict[int, tuple[Session, list[Booking]]] = {}
    for booking in bookings:
        sessions.setdefault(booking.session_id, (booking.session, []))[1].append(booking)
    return sorted(sessions.values(), key=lambda pair: pair[0].starts_at)


def what_to_pay(bookings: list[Booking]) -> str:
    """What the family pays for places booked together (on one session, or on several in a set), to whom and when,
    in plain words, from how the places are really funded and what each one costs them."""
    places = [b for b in bookings if not b.is_carer_place]
    if not places:
        return _("Carer places are free. You have nothing to pay.")
    provider = bookings[0].session.offer.provider.name
    family_pays = pounds(sum(b.price_pence for b in bookings))
    funding = Funding(places[0].funding)
    paid = places[0].status is BookingStatus.CONFIRMED
    several = len({b.session_id for b in places}) > 1
    if funding is Funding.PAY_PROVIDER:
        if several:
            return _("Pay %(provider)s %(amount)s in all, for each session on or before its day. "
                     "%(provider)s will tell you how to pay.", provider=provider, amount=family_pays)
        return _("Pay %(provider)s %(amount)s on or before the day of the session. "
                 "%(provider)s will tell you how to pay.", provider=provider, amount=family_pays)
    if funding is Funding.COUNCIL_FUNDED:
        council_pays = pounds(sum(b.funded_pence for b in places))
        if not any(b.price_pence for b in places):
            return _("The council pays %(funded)s. You have nothing to pay.", funded=council_pays)
        if several:
            return _("The council pays %(funded)s. Pay %(provider)s your contributions of %(amount)s in all, for each "
                     "session on or before its day. %(provider)s will tell you how to pay.", funded=council_pays,
                     provider=provider, amount=family_pays)
        return _("The council pays %(funded)s. Pay %(provider)s your contribution of %(amount)s on or before the day "
                 "of the session. %(provider)s will tell you how to pay.", funded=council_pays, provider=provider,
                 amount=family_pays)
    # Each child once, though a set books them on several sessions.
    names = list(dict.fromkeys(b.child.first_name for b in places))
    one = len(names) == 1
    values = dict(name=names[0], names=_(", ").join(names), provider=provider, amount=family_pays)
    if funding is Funding.PERSONAL_BUDGET:
        values["amount"] = pounds(sum(b.funded_pence for b in places))
        if one:
            return _("%(amount)s is taken from %(name)s’s managed personal budget. You have nothing to pay.", **values)
        return _("%(amount)s in all is taken from each child’s managed personal budget (%(names)s). "
                 "You have nothing to pay.", **values)
    if funding is Funding.DIRECT_PAYMENT:
        if paid:
            if one:
                return _("You paid %(provider)s %(amount)s by card from %(name)s’s direct payment.", **values)
            return _("You paid %(provider)s %(amount)s by card from each child’s direct payment (%(names)s).",
                     **values)
        if one:
            return ngettext("Pay %(amount)s by card from %(name)s’s direct payment to keep the place.",
                            "Pay %(amount)s by card from %(name)s’s direct payment to keep the places.",
                            len(bookings), **values)
        return _("Pay %(amount)s by card from each child’s direct payment (%(names)s) to keep the places.", **values)
    if funding is Funding.CARD:
        if paid:
            return _("You paid %(provider)s %(amount)s by card.", **values)
        return ngettext("Pay %(amount)s by card to keep the place.", "Pay %(amount)s by card to keep the places.",
                        len(bookings), amount=family_pays)
    return _("This place is free. You have nothing to pay.")


def what_comes_back(booking: Booking) -> str:
    """What comes back, and to whom, if this place is cancelled, in plain words, from how it was really paid."""
    provider = booking.session.offer.provider.name
    if booking.is_carer_place:
        return _("Carer places are free, so there is nothing to give back.")
    paid = booking.status is BookingStatus.CONFIRMED
    funding = Funding(booking.funding)
    name = booking.child.first_name if booking.child else None
    if funding is Funding.COUNCIL_FUNDED:
        if booking.price_pence:
            return _("The council’s funding of %(funded)s goes back into its short breaks budget, so another family "
                     "can use it. If you have already paid %(provider)s your contribution of %(amount)s, ask them for "
                     "it back.", funded=pounds(booking.funded_pence), provider=provider,
                     amount=pounds(booking.price_pence))
        return _("The council’s funding of %(funded)s goes back into its short breaks budget, so another family can "
                 "use it.", funded=pounds(booking.funded_pence))
    if funding is Funding.PERSONAL_BUDGET:
        amount = pounds(booking.funded_pence)
        if name:
            return _("%(amount)s goes back to %(name)s’s personal budget.", amount=amount, name=name)
        return _("%(amount)s goes back to your child’s personal budget.", amount=amount)
    if funding is Funding.DIRECT_PAYMENT:
        amount = pounds(booking.price_pence)
        if paid:
            if name:
                return _("%(amount)s is refunded to the direct payment card you paid with, and goes back to "
                         "%(name)s’s direct payment. Refunds usually take 5 to 10 working days.", amount=amount,
                         name=name)
            return _("%(amount)s is refunded to the direct payment card you paid with, and goes back to your "
                     "child’s direct payment. Refunds usually take 5 to 10 working days.", amount=amount)
        if name:
            return _("You have not paid yet, so nothing is taken from %(name)s’s direct payment.", name=name)
        return _("You have not paid yet, so nothing is taken from your child’s direct payment.")
    if funding is Funding.CARD:
        if paid:
            return _("%(amount)s is refunded to the card you paid with. Refunds usually take 5 to 10 working days.",
                     amount=pounds(booking.price_pence))
        return _("You have not paid yet, so there is nothing to refund.")
    if funding is Funding.PAY_PROVIDER:
        return _("You pay %(provider)s directly: ask them to give back anything you have paid (%(amount)s).",
                 provider=provider, amount=pounds(booking.price_pence))
    return _("This place is free, so there is nothing to give back.")


def what_comes_back_for_set(bookings: list[Booking]) -> str:
    """What comes back, and to whom, if these places of a set are cancelled together, in plain words."""
    places = [b for b in bookings if not b.is_carer_place]
    if not places:
        return _("Carer places are free, so there is nothing to give back.")
    funding = Funding(places[0].funding)
    paid = places[0].status is BookingStatus.CONFIRMED
    names = _(", ").join(dict.fromkeys(b.child.first_name for b in places if b.child))
    values = dict(amount=pounds(sum(b.price_pence for b in places)), funded=pounds(sum(b.funded_pence for b in places)),
                  names=names, provider=bookings[0].session.offer.provider.name)
    if funding is Funding.COUNCIL_FUNDED:
        if any(b.price_pence for b in places):
            return _("The council’s funding of %(funded)s goes back into its short breaks budget, so another family "
                     "can use it. If you have already paid %(provider)s contributions of %(amount)s, ask them for "
                     "them back.", **values)
        return _("The council’s funding of %(funded)s goes back into its short breaks budget, so another family can "
                 "use it.", **values)
    if funding is Funding.PERSONAL_BUDGET:
        return _("%(funded)s goes back to the personal budget it was taken from (%(names)s).", **values)
    if funding is Funding.DIRECT_PAYMENT:
        if paid:
            return _("%(amount)s is refunded to the direct payment card you paid with, and goes back to the direct "
                     "payment (%(names)s). Refunds usually take 5 to 10 working days.", **values)
        return _("You have not paid yet, so nothing is taken from the direct payment (%(names)s).", **values)
    if funding is Funding.CARD:
        if paid:
            return _("%(amount)s is refunded to the card you paid with. Refunds usually take 5 to 10 working days.",
                     **values)
        return _("You have not paid yet, so there is nothing to refund.")
    if funding is Funding.PAY_PROVIDER:
        return _("You pay %(provider)s directly: ask them to give back anything you have paid (%(amount)s).", **values)
    return _("These places are free, so there is nothing to give back.")


def cancelling_closed_reason(session: Session) -> str:
    return ngettext("Cancelling online closed %(when)s, %(num)s hour before the session. Please contact %(provider)s.",
                    "Cancelling online closed %(when)s, %(num)s hours before the session. Please contact %(provider)s.",
                    session.offer.cancel_cutoff_hours, when=london(cancelling_closes_at(session)),
                    provider=session.offer.provider.name)


def cancel_booking(booking: Booking, *, by: User, reason: str = CANCELLED_BY_FAMILY) -> list[Booking]:
    """A family cancels a place (and the carer places booked with it), before the offer's cut-off."""
    if not may_manage(by, booking_children(booking)):
        raise NotAllowed(_("You can only cancel your own bookings."))
    if booking.status is BookingStatus.CANCELLED:
        raise DomainError(_("This booking has already been cancelled."))
    session = booking.session
    if not can_cancel_online(session):
        raise DomainError(_("It is too late to cancel online. %(why)s", why=cancelling_closed_reason(session)))
    group = [booking]
    if not booking.is_carer_place:
        # A carer place only exists alongside a child's: cancel it once no child in the group is left.
        siblings = db.session.scalars(
            # A set shares one group reference across its sessions: the carer places to look at are this session's.
            select(Booking).where(Booking.group_ref == booking.group_ref, Booking.session_id == booking.session_id,
                                  Booking.id != booking.id, Booking.status == BookingStatus.CONFIRMED)
        ).all()
        children_left = [b for b in siblings if not b.is_carer_place]
        carers = [b for b in siblings if b.is_carer_place]
        if len(carers) > len(children_left):
            group.extend(carers[: len(carers) - len(children_left)])
    return release_places(group, reason=reason, by=by)


def release_places(bookings: list[Booking], *, reason: str, by: User | None) -> list[Booking]:
    """Free booked places. The one path for families cancelling and providers cancelling sessions."""
    sessions = {b.session_id: b.session for b in bookings}
    lock_capacity(list(sessions.values()))
    released = []
    for booking in bookings:
        db.session.refresh(booking)
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.HELD):
            continue
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = utcnow()
        booking.cancel_reason = reason
        method = funding_methods.get(booking.funding)
        if method is not None:
            method.on_release(booking, by, reason)
        record("place_released", booking, by=by, reason=reason, session_id=booking.session_id)
        released.append(booking)
    db.session.flush()
    for session in sessions.values():
        settle(session)
    for person in told_about(released):
        first = released[0]
        if len({b.session_id for b in released}) > 1:
            notify.queue(person, _l("Bookings cancelled: %(title)s", title=first.session.offer.title),
                         "set_cancelled", offer=first.session.offer, sessions=by_session(released),
                         reason=shown_reason(reason))
        else:
            notify.queue(person, _l("Booking cancelled: %(title)s", title=first.session.offer.title),
                         "booking_cancelled", bookings=released, session=first.session,
                         when=to_london(first.session.starts_at), reason=shown_reason(reason))
    return released
