"""Which bookings, waiting-list places, sets and payments a family account may see: those of the children the one
family access rule (``portal.access.family_children``) lets it see, whoever of the family booked them."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from budgets.models import Payment
from portal.access import can_see_child, family_child_ids
from portal.extensions import db
from portal.models import Child, User
from providers.models import Booking, BookingSet, BookingStatus, WaitingListEntry



def family_bookings(user: User):
    """A WHERE clause for the bookings ``user`` may see: their children's places, and the carer places booked with
    them."""
    ids = sorted(family_child_ids(user))
    with_them = select(Booking.group_ref).where(Booking.child_id.in_(ids))
    return or_(Booking.child_id.in_(ids), and_(Booking.child_id.is_(None), Booking.group_ref.in_(with_them)))


def booking_children(booking: Booking) -> list[Child]:
    """Who a place is about: its child, or for a carer place the children booked with it on that session."""
    if booking.child is not None:
        return [booking.child]
    return list(db.session.scalars(select(Child).join(Booking, Booking.child_id == Child.id).where(
        Booking.group_ref == booking.group_ref, Booking.session_id == booking.session_id)))


def told_about(bookings) -> list[User]:
    """Who is emailed about these places (cancelled, moved, a provider's message): each open family account that may
    see a child they are for, by the one family access rule, once each: the parent while they may (not after 18
    without consent or a legal basis, whoever booked), and the young person's own sign-in."""
    people: dict[int, User] = {}
    for child in {c.id: c for booking in bookings for c in booking_children(booking)}.values():
        for account in (child.parent, child.young_person):
            if account is not None and account.active and can_see_child(account, child):
                people[account.id] = account
    return [people[key] for key in sorted(people)]


def children_booked_on(session_id: int, children: list[Child]) -> list[Child]:
    """Those of ``children`` with a live place on the session."""
    booked = set(db.session.scalars(select(Booking.child_id).where(
        Booking.session_id == session_id, Booking.child_id.in_([c.id for c in children]),
        Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]))))
    return [child for child in children if child.id in booked]


def entry_children(entry: WaitingListEntry) -> list[Child]:
    return [child for child in entry.children() if child is not None]


def set_children(booking_set: BookingSet) -> list[Child]:
    return list(db.session.scalars(select(Child).where(Child.id.in_(
        select(Booking.child_id).where(Booking.group_ref == booking_set.group_ref)))))


def payment_children(payment: Payment) -> list[Child]:
    """The children whose places a card payment paid (or was to pay) for."""
    places = db.session.scalars(select(Booking).where(or_(Booking.payment_id == payment.id,
                                                          Booking.group_ref == payment.group_ref))).all()
    return list({child.id: child for booking in places for child in booking_children(booking)}.values())


def family_entries(user: User, entries) -> list[WaitingListEntry]:
    """Of these waiting-list places, those every child of which ``user`` may see."""
    ids = family_child_ids(user)
    return [entry for entry in entries if entry.child_ids and set(entry.child_ids) <= ids]


def family_accounts(user: User) -> set[int]:
    """The accounts of the family ``user`` may see the children of (a parent's, a young person's own sign-in),
    for finding what any of them put in a waiting list or booked as a set."""
    ids = sorted(family_child_ids(user))
    accounts = {user.id}
    for parent_id, young_person_id in db.session.execute(
            select(Child.parent_id, Child.young_person_id).where(Child.id.in_(ids))):
        accounts |= {parent_id} | ({young_person_id} if young_person_id else set())
    return accounts


def waiting_entries_query(user: User):
    return select(WaitingListEntry).where(WaitingListEntry.family_id.in_(sorted(family_accounts(user))))


def sets_query(user: User):
    return select(BookingSet).where(BookingSet.family_id.in_(sorted(family_accounts(user))))
