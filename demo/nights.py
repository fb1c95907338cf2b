"""Demo nights-away flags: the trust's staff were told when a booking took a child's nights away to a warning.

Once the area's bookings and their year so far are in, each child's overnight places are replayed in the order the
family booked them, as ``bookings.nights.flag_if_needed`` measures a booking when it is made: the nights of the places
booked together, counted in the year either side of them with the child's places booked before, and a flag when
that count reaches a warning threshold (config) that the count without them had not. The audit trail records it as
the booking path does; the emails the trust's staff were sent then are not queued again.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from bookings.nights import REGULATION_RUN, REGULATION_YEAR, YEAR_DAYS, NightsFlag, count, nights_of
from portal.extensions import db
from portal.models import AuditEvent, Role, User
from providers.models import Booking, BookingStatus, Session, SessionStatus

from .common import bulk_insert


def add_nights_flags(echo: Callable[[str], None] = print) -> dict[str, int]:
    told = list(db.session.scalars(select(User.email).where(User.role == Role.TRUST, User.active.is_(True))
                                   .order_by(User.id)))
    fewest = min(current_app.config["NIGHTS_WARN_RUN"], REGULATION_RUN,
                 current_app.config["NIGHTS_WARN_YEAR"], REGULATION_YEAR)
    # Places booked on sessions going ahead or held, read as flag_if_needed reads them (booked_nights): only sessions
    # that end on a later UTC date than they start can hold a night away (as the trust's nights page reads them).
    groups: dict[int, dict[str, list]] = defaultdict(dict)
    for child_id, group_ref, created_at, booked_by_id, starts_at, ends_at in db.session.execute(
            select(Booking.child_id, Booking.group_ref, Booking.created_at, Booking.booked_by_id, Session.starts_at,
                   Session.ends_at)
            .join(Session, Session.id == Booking.session_id)
            .where(Booking.child_id.is_not(None), Booking.status == BookingStatus.CONFIRMED,
                   Session.status != SessionStatus.CANCELLED,
                   func.date(Session.ends_at) != func.date(Session.starts_at))):
        nights = nights_of(starts_at, ends_at)
        if nights:
            group = groups[child_id].setdefault(group_ref, [created_at, booked_by_id, set()])
            group[0] = min(group[0], created_at)
            group[2].update(nights)
    flags, events = [], []
    for child_id, theirs in sorted(groups.items()):
        every = set().union(*(nights for _, _, nights in theirs.values()))
        if len(every) < fewest or not count(every).reaches_a_warning:
            continue  # no booking of theirs can have reached a warning
        for group_ref, (booked_at, booked_by_id, nights, before) in _in_booking_order(theirs):
            flag = _measure(child_id, group_ref, booked_at, booked_by_id, nights, before, told)
            if flag:
                flags.append(flag)
                events.append(dict(at=booked_at, actor_id=booked_by_id, action="nights_threshold_reached",
                                   subject_type="Child", subject_id=child_id, reason=None,
                                   details=dict(nights_in_year=flag["nights_in_year"],
                                                longest_run=flag["longest_run"], group_ref=group_ref, told=told)))
    counts: dict[str, int] = {}
    bulk_insert(NightsFlag, flags, "Nights flags", counts, echo)
    bulk_insert(AuditEvent, events, "Audit events", counts, echo)
    return counts


def _in_booking_order(theirs: dict[str, list]):
    """Each booking of the child's, oldest first, with the nights of the places booked before it."""
    booked: set[date] = set()
    for group_ref, (booked_at, booked_by_id, nights) in sorted(theirs.items(), key=lambda g: (g[1][0], g[0])):
        yield group_ref, (booked_at, booked_by_id, nights, set(booked))
        booked |= nights


def _measure(child_id: int, group_ref: str, booked_at: datetime, booked_by_id: int | None, added: set[date],
             earlier: set[date], told: list[str]) -> dict | None:
    """flag_if_needed for one booking: a flag if it takes the child to a warning the places before it had not."""
    low, high = min(added) - timedelta(days=YEAR_DAYS + 1), max(added) + timedelta(days=YEAR_DAYS + 1)
    around = {night for night in earlier if low <= night <= high}
    before = count(around)
    now = count(around | added, added)
    if not now.reaches_a_warning or before.reaches_a_warning:
        return None
    return dict(child_id=child_id, group_ref=group_ref, nights_in_year=now.year, longest_run=now.run, told=told,
                told_at=booked_at, booked_by_id=booked_by_id)
