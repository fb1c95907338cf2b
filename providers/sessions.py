"""Providers publish sessions, one at a time or as repeating series, and keep their places true.

Changing a session that families may have booked (places, cancelling, moving) is the booking area's
(``bookings.session_changes``): it takes the capacity lock.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule, rrulestr
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.models import User, record
from portal.timeutil import LONDON, to_london, utcnow

from .models import (
    STAFF_UNITS_PER_ADULT,
    Offer,
    Session,
    SessionSeries,
)

MAX_SESSIONS_IN_SERIES = 400
WEEKDAYS = [MO, TU, WE, TH, FR, SA, SU]


def london_moment(day: date, clock: time) -> datetime:
    """A wall-clock time in London on a day, as an aware UTC datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(timezone.utc)


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError(_("The session must end after it starts."))
    if ends_at - starts_at > timedelta(days=14):
        raise DomainError(_("A session can last at most 14 days."))


def check_not_started(session: Session) -> None:
    # Attendance and payment hang off a session once it starts, so it is changed only before then.
    if session.starts_at <= utcnow():
        raise DomainError(_("This session has already started, so it cannot be changed."))


def check_places(capacity: int, staff: int | None) -> None:
    if capacity < 1 or capacity > 500:
        raise DomainError(_("Places must be a whole number from 1 to 500."))
    if staff is not None and (staff < 1 or staff > 200):
        raise DomainError(_("Staff must be a whole number from 1 to 200."))


def create_session(offer: Offer, starts_at: datetime, ends_at: datetime, capacity: int, *, staff: int | None = None,
                   by: User | None, series: SessionSeries | None = None, audit: bool = True) -> Session:
    check_times(starts_at, ends_at)
    check_places(capacity, staff)
    if starts_at <= utcnow():
        raise DomainError(_("The session must start in the future."))
    session = Session(offer=offer, starts_at=starts_at, ends_at=ends_at, weekday=to_london(starts_at).weekday(),
                      capacity=capacity, staff_units=None if staff is None else staff * STAFF_UNITS_PER_ADULT,
                      series=series)
    db.session.add(session)
    db.session.flush()
    if audit:
        record("session_created", session, by=by, capacity=capacity, staff=staff)
    return session


def weekly_rule(first_day: date, last_day: date, weekdays: list[int], interval: int = 1) -> str:
    """An RFC 5545 RRULE for sessions every week (interval 1) or fortnight (interval 2) on the given days."""
    if interval not in (1, 2):
        raise DomainError(_("Sessions can repeat every week or every fortnight."))
    if not weekdays:
        raise DomainError(_("Choose at least one day of the week."))
    if last_day < first_day:
        raise DomainError(_("The last date must be the same as or after the first date."))
    rule = rrule(WEEKLY, interval=interval, byweekday=[WEEKDAYS[d] for d in sorted(set(weekdays))],
                 dtstart=datetime.combine(first_day, time(0)), until=datetime.combine(last_day, time(23, 59)))
    return str(rule).split("\n", 1)[1]  # the RRULE line, without DTSTART


def expand(rule: str, first_day: date, exceptions: list[date]) -> list[date]:
    days = [moment.date() for moment in rrulestr(rule, dtstart=datetime.combine(first_day, time(0)))[:MAX_SESSIONS_IN_SERIES + 1]]
    if len(days) > MAX_SESSIONS_IN_SERIES:
        raise DomainError(_("A series can have at most %(most)s sessions. Choose a shorter date range.",
                            most=MAX_SESSIONS_IN_SERIES))
    skip = set(exceptions)
    return [d for d in days if d not in skip]


def create_series(offer: Offer, *, rule: str, first_day: date, start: time, end: time, capacity: int,
                  staff: int | None = None, exceptions: list[date] = (), by: User | None) -> SessionSeries:
    """Store the rule and expand it into dated sessions (times are London wall-clock times, so 4pm stays 4pm
    across the clock change)."""
    check_places(capacity, staff)
    if end <= start:
        raise DomainError(_("The session must end after it starts."))
    days = [d for d in expand(rule, first_day, list(exceptions)) if london_moment(d, start) > utcnow()]
    if not days:
        raise DomainError(_("That pattern has no dates in the future. Check the dates and days you chose."))
    series = SessionSeries(offer=offer, rrule=rule, first_day=first_day, start_time=start.strftime("%H:%M"),
                           end_time=end.strftime("%H:%M"), capacity=capacity, staff=staff,
                           exceptions=[d.isoformat() for d in exceptions], created_by_id=by.id if by else None)
    db.session.add(series)
    db.session.flush()
    for day in days:
        create_session(offer, london_moment(day, start), london_moment(day, end), capacity, staff=staff, by=by,
                       series=series, audit=False)
    record("series_created", series, by=by, rule=rule, sessions=len(days))
    return series
