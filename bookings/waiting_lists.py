"""Waiting lists: a family joins a full session's list, is offered a place that frees up (``places.settle``
offers it, in order, to the first group that fits), and accepts it or leaves. Everything under the capacity lock."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.access import may_manage
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import Child, User, record
from portal.timeutil import utcnow
from providers.models import Booking, Session, WaitingListEntry, WaitingStatus

from .family import entry_children
from .places import book_places, check_can_book, lock_capacity, settle, staff_needed


def join_waiting_list(family: User, session: Session, children: list[Child], *, carer_places: int = 0,
                      declared_meets_criteria: bool = False) -> WaitingListEntry:
    lock_capacity([session])
    room = settle(session)
    check_can_book(family, session, children, carer_places, declared_meets_criteria, utcnow())
    existing = db.session.scalar(
        select(WaitingListEntry).where(
            WaitingListEntry.session_id == session.id,
            WaitingListEntry.family_id == family.id,
            WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]),
        )
    )
    if existing is not None:
        raise DomainError(_("You are already on the waiting list for this session."))
    needed = len(children) + carer_places
    staff = staff_needed(children)
    if room.fits(needed, staff):
        raise DomainError(_("There are places left on this session, so you can book one now instead of waiting."))
    entry = WaitingListEntry(session=session, family=family, child_ids=[c.id for c in children],
                             carer_places=carer_places, places=needed, staff_units=staff)
    db.session.add(entry)
    db.session.flush()
    record("waiting_list_joined", entry, by=family, places=needed)
    return entry


def leave_waiting_list(entry: WaitingListEntry, *, by: User) -> None:
    if not may_manage(by, entry_children(entry)):
        raise NotAllowed(_("You can only change your own waiting list places."))
    if entry.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
        raise DomainError(_("You are no longer on this waiting list."))
    lock_capacity([entry.session])
    was_offered = entry.status is WaitingStatus.OFFERED
    entry.status = WaitingStatus.LEFT
    record("waiting_list_left", entry, by=by, declined_offer=was_offered)
    db.session.flush()
    settle(entry.session)


def accept_waiting_offer(entry: WaitingListEntry, funding: str, *, by: User,
                         declared_meets_criteria: bool = False) -> list[Booking]:
    """Turn the places offered to a waiting family into bookings."""
    if not may_manage(by, entry_children(entry)):
        raise NotAllowed(_("You can only accept places offered to you."))
    session = entry.session
    lock_capacity([session])
    db.session.refresh(entry)
    if entry.status is WaitingStatus.OFFERED and entry.offer_expires_at <= utcnow():
        settle(session)
    if entry.status is not WaitingStatus.OFFERED:
        raise DomainError(_("This offer of a place has expired or has already been answered."))
    children = [c for c in entry.children() if c is not None]
    bookings = book_places(by, session, children, funding, carer_places=entry.carer_places,
                           declared_meets_criteria=declared_meets_criteria, by=by, accepting=entry)
    record("waiting_offer_accepted", entry, by=by)
    return bookings


def positions(entries: list[WaitingListEntry]) -> dict[int, int]:
    """Each waiting entry's place in its session's queue (1 is next), counting only families still waiting."""
    positions = {}
    for entry in entries:
        positions[entry.id] = 1 + db.session.scalar(
            select(func.count(WaitingListEntry.id)).where(
                WaitingListEntry.session_id == entry.session_id, WaitingListEntry.status == WaitingStatus.WAITING,
                WaitingListEntry.id < entry.id))
    return positions
