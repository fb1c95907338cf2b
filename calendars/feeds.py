"""The calendars: a family's bookings, a provider's sessions (counts only, never a child), and an offer's upcoming
sessions, each as an iCalendar file (portal.ics writes them).

Every session has one event, with the same UID in the provider's and the offer's calendars (a family's own event
for it has one of its own: bookings.booked_events), and a SEQUENCE that goes up each time it is moved or
cancelled. A cancelled session stays in the calendar as cancelled, so apps that subscribe take it out or strike it
through, rather than keep the old copy."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from bookings.booked_events import KEPT_FOR, SessionHistory, family_events, session_histories
from local_offer.search import OfferFilters, matching_offers
from portal import ics, notify
from portal.extensions import db
from portal.models import User
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingStatus,
    Offer,
    Provider,
    Session,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)

# A provider's calendar keeps the sessions of the past three months, as well as every one to come.
PROVIDER_KEPT_FOR = timedelta(days=92)


def family_calendar(family: User) -> bytes:
    return ics.document(_("Short breaks: your bookings"), family_events(family, since=utcnow() - KEPT_FOR),
                        feed=True)


def public_offer(offer_id: int) -> Offer | None:
    """The offer, if the local offer shows it to anyone (the same rule as its search and the Open Referral feed)."""
    return db.session.scalar(matching_offers(OfferFilters()).where(Offer.id == offer_id)
                             .options(contains_eager(Offer.provider)))


def offer_calendar(offer: Offer) -> bytes:
    """The offer's upcoming sessions, for anyone to subscribe to."""
    sessions = db.session.scalars(
        select(Session).where(Session.offer_id == offer.id, Session.starts_at > utcnow())
        .order_by(Session.starts_at, Session.id)).all()
    histories = session_histories([s.id for s in sessions])
    link = notify.link("local_offer.offer", offer_id=offer.id)
    events = []
    for session in sessions:
        history = histories.get(session.id, SessionHistory())
        cancelled = session.status is SessionStatus.CANCELLED
        lines = [_("With %(provider)s.", provider=offer.provider.name)]
        if cancelled:
            lines.append(_("%(provider)s cancelled this session: %(reason)s", provider=offer.provider.name,
                           reason=session.cancel_reason or ""))
        lines.append(_("Find out more and book: %(link)s", link=link))
        events.append(ics.Event(
            uid=ics.uid("session", session.id), sequence=history.schedule_changes,
            starts_at=session.starts_at, ends_at=session.ends_at, stamp=history.changed_at or offer.created_at,
            summary=_("Cancelled: %(title)s", title=offer.title) if cancelled else offer.title,
            location=offer.venue, description="\n".join(lines), url=link, cancelled=cancelled))
    return ics.document(_("%(title)s (%(provider)s)", title=offer.title, provider=offer.provider.name), events,
                        feed=True)


def provider_calendar(provider: Provider) -> bytes:
    """Every session of the provider's offers, from three months ago, with its places and how many are booked:
    counts only, no child's name or details (the register is behind the link, for staff who sign in)."""
    now = utcnow()
    shown = (Offer.provider_id == provider.id, Session.starts_at >= now - PROVIDER_KEPT_FOR)
    sessions = db.session.scalars(
        select(Session).join(Session.offer).options(contains_eager(Session.offer)).where(*shown)
        .order_by(Session.starts_at, Session.id)).all()
    # As a subquery, not a list: a provider may have thousands of sessions.
    ids = select(Session.id).join(Session.offer).where(*shown).scalar_subquery()
    histories = session_histories(ids)
    confirmed = Booking.status == BookingStatus.CONFIRMED
    booked = {session_id: (children, carers) for session_id, children, carers in db.session.execute(
        select(Booking.session_id, func.count(case((confirmed & ~Booking.is_carer_place, 1))),
               func.count(case((confirmed & Booking.is_carer_place, 1))))
        .where(Booking.session_id.in_(ids)).group_by(Booking.session_id))}
    waiting = dict(db.session.execute(
        select(WaitingListEntry.session_id, func.count())
        .where(WaitingListEntry.session_id.in_(ids), WaitingListEntry.status == WaitingStatus.WAITING)
        .group_by(WaitingListEntry.session_id)).all())
    events = []
    for session in sessions:
        history = histories.get(session.id, SessionHistory())
        children, carers = booked.get(session.id, (0, 0))
        cancelled = session.status is SessionStatus.CANCELLED
        title = session.offer.title
        if cancelled:
            lines = [_("Cancelled: %(reason)s", reason=session.cancel_reason or "")]
        else:
            lines = [_("Places: %(num)s", num=session.capacity),
                     _("Booked: %(num)s", num=children + carers)
                     + (" " + ngettext("(%(num)s of them a carer place)", "(%(num)s of them carer places)", carers)
                        if carers else ""),
                     _("Places left: %(num)s", num=session.places_left),
                     _("Families on the waiting list: %(num)s", num=waiting.get(session.id, 0))]
            if session.places_taken > children + carers:
                lines.append(_("Held for card payment or offered from the waiting list: %(num)s",
                               num=session.places_taken - children - carers))
        link = notify.link("session_changes.register", session_id=session.id)
        lines.append(_("Who is coming (sign in to see): %(link)s", link=link))
        events.append(ics.Event(
            uid=ics.uid("session", session.id), sequence=history.schedule_changes,
            # The counts are as they are now, so this copy of the event is from now.
            starts_at=session.starts_at, ends_at=session.ends_at, stamp=now,
            summary=_("Cancelled: %(title)s", title=title) if cancelled else
            _("%(title)s: %(taken)s of %(places)s places taken", title=title, taken=session.places_taken,
              places=session.capacity),
            location=session.offer.venue, description="\n".join(lines), url=link, cancelled=cancelled))
    return ics.document(_("%(provider)s: sessions", provider=provider.name), events, feed=True)
