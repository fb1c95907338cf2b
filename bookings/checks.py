"""Invariants of places that `flask ledger check` verifies beside the money: nothing is left live where it
should not be, and every session's stored count of places equals what is really held on it."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import AuditEvent
from providers.models import (
    Booking,
    BookingStatus,
    Offer,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)

LIVE = (BookingStatus.CONFIRMED, BookingStatus.HELD)


def check() -> list[str]:
    return _live_on_cancelled() + _booked_after_suspension() + _counts_differ()


def _live_on_cancelled() -> list[str]:
    rows = db.session.execute(
        select(Session.id, func.count(Booking.id)).join(Booking, Booking.session_id == Session.id)
        .where(Session.status == SessionStatus.CANCELLED, Booking.status.in_(LIVE))
        .group_by(Session.id).order_by(Session.id)
    ).all()
    # The ledger check's report, for operators (in English, like the rest of the command line).
    return [f"session {session_id} is cancelled but has "  # i18n: not shown (a CLI report)
            f"{count:,} live booking{'' if count == 1 else 's'}" for session_id, count in rows]


def _booked_after_suspension() -> list[str]:
    suspended_at = (
        select(AuditEvent.subject_id, func.max(AuditEvent.at).label("at"))
        .where(AuditEvent.subject_type == "Provider", AuditEvent.action == "provider_suspended")
        .group_by(AuditEvent.subject_id).subquery()
    )
    rows = db.session.execute(
        select(Provider.id, Booking.id)
        .join(Offer, Offer.provider_id == Provider.id).join(Session, Session.offer_id == Offer.id)
        .join(Booking, Booking.session_id == Session.id)
        .join(suspended_at, suspended_at.c.subject_id == Provider.id)
        .where(Provider.status == ProviderStatus.SUSPENDED, Booking.status.in_(LIVE),
               Booking.created_at > suspended_at.c.at)
        .order_by(Booking.id)
    ).all()
    return [f"booking {booking_id} was made after provider {provider_id} "  # i18n: not shown (a CLI report)
            "was suspended and is still live"
            for provider_id, booking_id in rows]


def _counts_differ() -> list[str]:
    """What the last recount stored, against what was held when it ran: live bookings (a card hold counts until
    the next recount releases it) and places offered to the waiting list."""
    booked = (select(Booking.session_id, func.count(Booking.id).label("places"),
                     func.coalesce(func.sum(Booking.staff_units), 0).label("staff"))
              .where(Booking.status.in_(LIVE)).group_by(Booking.session_id).subquery())
    offered = (select(WaitingListEntry.session_id, func.sum(WaitingListEntry.places).label("places"),
                      func.coalesce(func.sum(WaitingListEntry.staff_units), 0).label("staff"))
               .where(WaitingListEntry.status == WaitingStatus.OFFERED).group_by(WaitingListEntry.session_id)
               .subquery())
    places = func.coalesce(booked.c.places, 0) + func.coalesce(offered.c.places, 0)
    staff = func.coalesce(booked.c.staff, 0) + func.coalesce(offered.c.staff, 0)
    rows = db.session.execute(
        select(Session.id, Session.places_taken, places, Session.staff_units_taken, staff)
        .outerjoin(booked, booked.c.session_id == Session.id).outerjoin(offered, offered.c.session_id == Session.id)
        .where(or_(Session.places_taken != places, Session.staff_units_taken != staff))
        .order_by(Session.id)
    ).all()
    return [f"session {session_id} says {stored} places taken but {real} are held"  # i18n: not shown (a CLI report)
            + (f" (staff units: says {stored_staff}, holds {real_staff})"  # i18n: not shown (a CLI report)
               if stored_staff != real_staff else "")
            for session_id, stored, real, stored_staff, real_staff in rows]
