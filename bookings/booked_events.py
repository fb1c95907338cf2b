"""A family's places on a session as one calendar event: the same event in their private calendar (calendars/),
the "Add to calendar" download and the file attached to the booking confirmation, so that a later copy replaces an
earlier one in their calendar app.

The event has one ``UID`` per family and session, and a ``SEQUENCE`` that only ever goes up: by one each time the
session is moved or cancelled (counted in the audit trail, which ``session_changes`` writes), and as each of the
family's places on it is booked, then cancelled."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from portal import ics, notify
from portal.extensions import db
from portal.models import AuditEvent, User
from providers.models import Booking, BookingStatus, Offer, Session, SessionStatus

from .family import family_bookings

# What session_changes.py records when a session moves or is cancelled: what makes a calendar update its event.
SCHEDULE_CHANGES = ("session_moved", "session_cancelled")
# A family's calendar keeps their breaks of the past year, as well as those to come.
KEPT_FOR = timedelta(days=366)
# What each place adds to its event's SEQUENCE: a place only moves forward (held, then booked, then cancelled).
PLACE_STAGE = {BookingStatus.HELD: 0, BookingStatus.EXPIRED: 0, BookingStatus.CONFIRMED: 1,
               BookingStatus.CANCELLED: 2}
# Places a family's calendar shows: booked ones, and cancelled ones (as cancelled), not holds waiting for payment.
SHOWN = (BookingStatus.CONFIRMED, BookingStatus.CANCELLED)
FILE_NAME = "short-breaks.ics"  # i18n: not shown (a file name)


@dataclass(frozen=True)
class SessionHistory:
    """What the audit trail says about a session's calendar event: how many times it has been moved or cancelled,
    and when anything about it last changed (None: nothing recorded, as for the demo's sessions)."""

    schedule_changes: int = 0
    changed_at: datetime | None = None


def session_histories(session_ids) -> dict[int, SessionHistory]:
    """{session id: its history} for these sessions (a list of ids, or a query giving them), in one query."""
    rows = db.session.execute(
        select(AuditEvent.subject_id, func.count(case((AuditEvent.action.in_(SCHEDULE_CHANGES), 1))),
               func.max(AuditEvent.at))
        .where(AuditEvent.subject_type == "Session", AuditEvent.subject_id.in_(session_ids))
        .group_by(AuditEvent.subject_id))
    return {session_id: SessionHistory(changes, at) for session_id, changes, at in rows}


def family_events(family: User, *, since: datetime | None = None,
                  session_ids: list[int] | None = None) -> list[ics.Event]:
    """The family's booked sessions as events, in time order: every session from ``since`` on, or these ones."""
    query = (select(Booking).join(Booking.session).join(Session.offer).join(Offer.provider)
             .options(contains_eager(Booking.session).contains_eager(Session.offer).contains_eager(Offer.provider))
             .where(family_bookings(family), Booking.status.in_(SHOWN))
             .order_by(Session.starts_at, Session.id, Booking.id))
    if since is not None:
        query = query.where(Session.starts_at >= since)
    if session_ids is not None:
        query = query.where(Session.id.in_(session_ids))
    by_session: dict[int, list[Booking]] = {}
    for booking in db.session.scalars(query).unique():
        by_session.setdefault(booking.session_id, []).append(booking)
    histories = session_histories(list(by_session))
    return [_event(family, places[0].session, places, histories.get(session_id, SessionHistory()))
            for session_id, places in by_session.items()]


def _event(family: User, session: Session, places: list[Booking], history: SessionHistory) -> ics.Event:
    offer = session.offer
    booked = [p for p in places if p.status is BookingStatus.CONFIRMED]
    cancelled = session.status is SessionStatus.CANCELLED or not booked
    lines = [_("With %(provider)s.", provider=offer.provider.name)]
    if session.status is SessionStatus.CANCELLED:
        lines.append(_("%(provider)s cancelled this session: %(reason)s", provider=offer.provider.name,
                       reason=session.cancel_reason or ""))
    elif cancelled:
        lines.append(_("Your booking was cancelled."))
    else:
        lines.append(_("Booked for: %(who)s.", who=_who(booked)))
    lines.append(_("See or cancel your bookings: %(link)s", link=notify.link("bookings.my_bookings")))
    moments = [history.changed_at, offer.created_at] + [p.created_at for p in places] + \
        [p.cancelled_at for p in places]
    return ics.Event(
        uid=ics.uid("session", session.id, "family", family.id),
        sequence=history.schedule_changes + sum(PLACE_STAGE[p.status] for p in places),
        starts_at=session.starts_at, ends_at=session.ends_at, stamp=max(m for m in moments if m is not None),
        summary=_("Cancelled: %(title)s", title=offer.title) if cancelled else offer.title,
        location=offer.venue, description="\n".join(lines), url=notify.link("bookings.my_bookings"),
        cancelled=cancelled)


def _who(booked: list[Booking]) -> str:
    names = [p.child.first_name for p in booked if not p.is_carer_place]
    carers = sum(1 for p in booked if p.is_carer_place)
    if carers:
        names.append(ngettext("%(num)s carer place", "%(num)s carer places", carers))
    return _(", ").join(names)


def calendar_file(family: User, session_ids: list[int]) -> bytes | None:
    """An iCalendar file of the family's places on these sessions, to add to a calendar app (None: they have
    none)."""
    events = family_events(family, session_ids=session_ids)
    return ics.document(_("Short breaks"), events, publish=True) if events else None


def attachment(bookings: list[Booking]) -> notify.Attachment:
    """The confirmation email's calendar file for these places, made as the email is sent (by a job, after the
    booking has committed), in the family's language."""
    family_id, session_ids = bookings[0].booked_by_id, sorted({b.session_id for b in bookings})
    return notify.Attachment(FILE_NAME, ics.MEDIA_TYPE, notify.Made(CALENDAR_ATTACHMENT, family_id, session_ids),
                             {"charset": ics.CHARSET, "method": "PUBLISH"})


CALENDAR_ATTACHMENT = "family-calendar"  # i18n: not shown (the attachment maker's name)


@notify.attachment_maker(CALENDAR_ATTACHMENT)
def _calendar_attachment(family_id: int, session_ids: list[int]) -> bytes | None:
    family = db.session.get(User, family_id)
    return calendar_file(family, session_ids) if family is not None else None
