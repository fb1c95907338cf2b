"""A provider changes a session that families may have booked: its places, its time, or cancels it.

Each takes the capacity lock first, like booking, so a booking racing the change lands before it (and is
then changed with the rest) or sees it and is refused.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from portal import notify
from portal.errors import DomainError
from portal.extensions import db
from portal.models import User, record
from portal.timeutil import to_london, utcnow
from providers.models import (
    STAFF_UNITS_PER_ADULT,
    Booking,
    BookingStatus,
    Session,
    SessionMessage,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)
from providers.sessions import check_not_started, check_places, check_times

from .family import told_about
from .places import PROVIDER_CANCELLED, held, lock_capacity, release_places, settle, store_recount


def change_places(session: Session, capacity: int, *, staff: int | None = None, by: User | None,
                  reason: str = "") -> Session:
    """Set a session's places (and staff); never below what is already booked or offered."""
    check_places(capacity, staff)
    check_not_started(session)
    lock_capacity([session])
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session has been cancelled, so its places cannot change."))
    places_held, staff_held = held(session)
    if capacity < places_held:
        raise DomainError(ngettext(
            "You cannot reduce places to %(capacity)s: %(num)s place is already booked or offered to families on "
            "the waiting list. Cancel bookings first if you must.",
            "You cannot reduce places to %(capacity)s: %(num)s places are already booked or offered to families on "
            "the waiting list. Cancel bookings first if you must.", places_held, capacity=capacity))
    staff_units = None if staff is None else staff * STAFF_UNITS_PER_ADULT
    if staff_units is not None and staff_units < staff_held:
        raise DomainError(ngettext(
            "You cannot reduce staff to %(staff)s: the children already booked need at least %(num)s staff.",
            "You cannot reduce staff to %(staff)s: the children already booked need at least %(num)s staff.",
            -(-staff_held // STAFF_UNITS_PER_ADULT), staff=staff))
    before = (session.capacity, session.staff)
    session.capacity = capacity
    session.staff_units = staff_units
    record("places_changed", session, by=by, reason=reason or None, before=list(before), after=[capacity, staff])
    settle(session)  # more places may let the waiting list in
    return session


def cancel_session(session: Session, *, reason: str, by: User | None) -> list[Booking]:
    """Cancel a session: every booked family is told and their places released as if they had cancelled."""
    if not reason.strip():
        raise DomainError(_("Give a reason: families will see it."))
    check_not_started(session)
    lock_capacity([session])
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session has already been cancelled."))
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason.strip()
    record("session_cancelled", session, by=by, reason=reason)
    bookings = db.session.scalars(
        select(Booking).where(Booking.session_id == session.id,
                              Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]))
        .order_by(Booking.booked_by_id, Booking.id)
    ).all()
    released = []
    by_family: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_family.setdefault(booking.booked_by_id, []).append(booking)
    for family_bookings in by_family.values():
        # Stored in English with the provider's words; translated in the family's email (``places.shown_reason``).
        released += release_places(family_bookings, reason=PROVIDER_CANCELLED % {"reason": reason.strip()}, by=by)
    for entry in db.session.scalars(
        select(WaitingListEntry).where(WaitingListEntry.session_id == session.id,
                                       WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))
    ):
        entry.status = WaitingStatus.LEFT
        record("waiting_list_closed", entry, by=by, reason="Session cancelled")
        notify.queue(entry.family, _l("Session cancelled: %(title)s", title=session.offer.title),
                     "waiting_session_cancelled", session=session, when=to_london(session.starts_at),
                     reason=reason.strip())
    store_recount(session)
    return released


def move_session(session: Session, starts_at: datetime, ends_at: datetime, *, reason: str, by: User | None) -> Session:
    """Move a session to a new time; every booked family is told and can cancel if it no longer suits."""
    check_times(starts_at, ends_at)
    if starts_at <= utcnow():
        raise DomainError(_("The new time must be in the future."))
    if not reason.strip():
        raise DomainError(_("Give a reason: families will see it."))
    check_not_started(session)
    lock_capacity([session])
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session has been cancelled, so it cannot be moved."))
    old_start = session.starts_at
    session.starts_at, session.ends_at = starts_at, ends_at
    session.weekday = to_london(starts_at).weekday()
    record("session_moved", session, by=by, reason=reason, before=old_start.isoformat(), after=starts_at.isoformat())
    families = told_about(db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)).all())
    for family in families:
        notify.queue(family, _l("Session moved: %(title)s", title=session.offer.title), "session_moved",
                     session=session, old=to_london(old_start), new=to_london(starts_at), reason=reason.strip())
    return session


# How long after a session ends its families can still be sent a message (something left behind, say).
MESSAGE_DAYS_AFTER = 7


def can_message(session: Session, now: datetime | None = None) -> bool:
    """Whether the families booked on the session can be sent a message now: until a week after it ends."""
    return (session.status is SessionStatus.OPEN
            and session.ends_at + timedelta(days=MESSAGE_DAYS_AFTER) > (now or utcnow()))


def message_families(session: Session, body: str, *, by: User) -> SessionMessage:
    """Email every family with a place on the session (once each, however many places they have), and keep the
    message with their bookings. The provider's own words, sent as written. Under the capacity lock, like cancelling
    and moving, so a message and a cancellation at the same moment are taken one after the other."""
    body = body.strip()
    if not body:
        raise DomainError(_("Write the message to send to families"))
    lock_capacity([session])
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session has been cancelled: the families who booked it were told then."))
    if not can_message(session):
        raise DomainError(_("This session ended more than a week ago, so its families can no longer be sent a "
                            "message here."))
    # Accounts that have been closed (their address erased) are not written to, nor a parent who may no longer see the
    # young adult booked.
    families = told_about(db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)).all())
    if not families:
        raise DomainError(_("Nobody has a place on this session yet, so there is nobody to send a message to."))
    message = SessionMessage(session=session, sent_by_id=by.id, body=body, families=len(families))
    db.session.add(message)
    db.session.flush()
    record("families_messaged", session, by=by, message_id=message.id, families=len(families))
    for family in families:
        notify.queue(family, _l("A message about %(title)s", title=session.offer.title), "session_message",
                     session=session, when=to_london(session.starts_at), body=body,
                     link=notify.link("bookings.my_bookings"))
    return message
