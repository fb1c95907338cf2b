"""Nights away: each child's overnight short breaks, counted in any twelve months and as the longest run of nights
in a row.

Short breaks of more than 17 nights in a row, or more than 75 nights in a year, change how the trust must arrange
and review them (the Care Planning, Placement and Case Review (England) Regulations 2010, reg. 48, and the Children
Act 1989 s.20(4) and s.22). The portal never refuses a booking for this: it tells the family the count when a booking
reaches the trust's warning thresholds (set below those figures, in config), and flags the booking to the trust's
staff, recording who was told and when. Each booking is measured by the periods of 12 months and the runs that hold
its own nights, so a busy year long ago does not count against a booking now.

A night is the London date of an evening a child spends away: a session from 5pm on Friday to 10am on Saturday is the
night of that Friday. Places booked or held on sessions that have not been cancelled count; cancelled places do not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import notify
from portal.extensions import db
from portal.locking import lock
from portal.models import Child, Role, User, record
from portal.timeutil import LONDON, UTCDateTime, london_midnight_utc, to_london, utcnow
from providers.models import Booking, BookingStatus, Session, SessionStatus

# The regulations' figures; the warnings come before them (config).
REGULATION_RUN = 17
REGULATION_YEAR = 75
YEAR_DAYS = 365
NIGHT_HOUR = 3  # away at this hour (London time): a night away


def nights_of(starts_at: datetime, ends_at: datetime) -> list[date]:
    """The nights a session covers, each as the London date of its evening: the nights on which the child is away
    at 3am (so a disco that ends at half past midnight is not a night away)."""
    nights = []
    day = to_london(starts_at).date() - timedelta(days=1)
    while day < to_london(ends_at).date():
        three_am = datetime.combine(day + timedelta(days=1), time(NIGHT_HOUR), tzinfo=LONDON)
        if starts_at <= three_am < ends_at:
            nights.append(day)
        day += timedelta(days=1)
    return nights


def longest_run(nights: set[date], including: set[date] | None = None) -> int:
    """The most nights in a row; with ``including``, of the runs that hold one of those nights."""
    best = run = 0
    previous, holds = None, False
    for night in sorted(nights):
        if previous is not None and night - previous == timedelta(days=1):
            run += 1
        else:
            run, holds = 1, False
        holds = holds or including is None or night in including
        if holds:
            best = max(best, run)
        previous = night
    return best


def year_after(day: date) -> date:
    """The same date a year on (1 March for 29 February): a period of 12 months runs up to the day before it."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def _first_start_holding(night: date) -> date:
    """The earliest day a period of 12 months can start and still hold this night."""
    try:
        return night.replace(year=night.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(night.year - 1, 3, 1)


def most_in_a_year(nights: set[date], including: set[date] | None = None) -> int:
    """The most nights in any period of 12 months (a rolling year, not a calendar or financial one); with
    ``including``, only periods that hold at least one of those nights (the nights a booking adds)."""
    ordered = sorted(nights)
    if including is None:
        starts = set(ordered)
    else:
        starts = set()
        for night in including:
            first = _first_start_holding(night)
            starts |= {n for n in ordered if first <= n <= night} | {first, night}
    best = 0
    for start in starts:
        ends = year_after(start)
        if including is not None and not any(start <= night < ends for night in including):
            continue
        best = max(best, sum(1 for n in ordered if start <= n < ends))
    return best


def booked_nights(child_id: int, *, around: set[date] | None = None, leaving_out: str | None = None) -> set[date]:
    """The nights of every place the child has booked, or holds while the hold lasts, on a session that is going
    ahead or has happened; ``around``: only within a year either side of those nights; ``leaving_out``: not the
    places booked together under this group reference."""
    now = utcnow()
    query = (select(Session.starts_at, Session.ends_at).join(Booking, Booking.session_id == Session.id)
             .where(Booking.child_id == child_id, Session.status != SessionStatus.CANCELLED,
                    (Booking.status == BookingStatus.CONFIRMED)
                    | ((Booking.status == BookingStatus.HELD) & (Booking.hold_expires_at > now))))
    if around:
        query = query.where(Session.ends_at > london_midnight_utc(min(around) - timedelta(days=YEAR_DAYS + 1)),
                            Session.starts_at < london_midnight_utc(max(around) + timedelta(days=YEAR_DAYS + 2)))
    if leaving_out is not None:
        query = query.where(Booking.group_ref != leaving_out)
    return {night for starts_at, ends_at in db.session.execute(query) for night in nights_of(starts_at, ends_at)}


@dataclass(frozen=True)
class Count:
    year: int          # the most nights in any rolling year
    run: int           # the longest run of nights in a row

    @property
    def warn_year(self) -> int:
        return min(current_app.config["NIGHTS_WARN_YEAR"], REGULATION_YEAR)  # never after the regulations' figure

    @property
    def warn_run(self) -> int:
        return min(current_app.config["NIGHTS_WARN_RUN"], REGULATION_RUN)

    @property
    def reaches_a_warning(self) -> bool:
        return self.year >= self.warn_year or self.run >= self.warn_run


def count(nights: set[date], including: set[date] | None = None) -> Count:
    """The most nights in a period of 12 months and the longest run; with ``including``, of the periods and runs
    that hold those nights (a booking is measured by the year around it, not by a busy year long ago)."""
    return Count(year=most_in_a_year(nights, including), run=longest_run(nights, including))


def with_sessions(child: Child, sessions: list[Session]) -> tuple[Count, Count]:
    """The child's count in the year either side of the nights these sessions add, before them, and with them
    (measured by the periods and runs that hold those nights)."""
    added = {night for session in sessions for night in nights_of(session.starts_at, session.ends_at)}
    nights = booked_nights(child.id, around=added)
    return count(nights), count(nights | added, added)


# --- flags to the trust ------------------------------------------------------------------------------------------

class NightsFlag(db.Model):
    """A booking that took a child's nights away to a warning threshold: the trust's staff were told, so they can
    plan (a review of the child's plan, or the looked-after duties if a stay goes past the law's figures)."""

    __tablename__ = "nights_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    group_ref: Mapped[str] = mapped_column(String(36))  # the booking (places booked together share it)
    nights_in_year: Mapped[int] = mapped_column(Integer)
    longest_run: Mapped[int] = mapped_column(Integer)
    told: Mapped[list[str]] = mapped_column(JSON, default=list)  # the trust staff's email addresses
    told_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    child: Mapped[Child] = relationship()


def lock_children_away(children: list[Child], sessions: list[Session]) -> None:
    """Before a booking writes places on these sessions (under their capacity locks): if any runs overnight, lock the
    children's rows, so that flag_if_needed counts every other booking of their nights that committed first.

    Two overnight bookings for one child on different sessions hold different capacity locks: without this each
    would count only the nights committed before it began, and the trust could be told twice, or not at all, when
    together they reach a warning. FOR NO KEY UPDATE, and before the places are written: a place's foreign key holds
    FOR KEY SHARE on its child, which a later FOR UPDATE (or a trust decision's, waiting on it) would deadlock with."""
    if not any(nights_of(session.starts_at, session.ends_at) for session in sessions):
        return
    ids = sorted({child.id for child in children})
    if ids:
        lock(select(Child.id).where(Child.id.in_(ids)).order_by(Child.id).with_for_update(key_share=True))


def flag_if_needed(bookings: list[Booking], *, by: User) -> list[NightsFlag]:
    """After places are written (under the capacity lock, and lock_children_away's): for each child whose nights
    away now reach a warning threshold, tell the trust's staff and keep who was told and when. Never refuses
    anything."""
    flags = []
    away = {b.child_id for b in bookings if b.child_id is not None and nights_of(b.session.starts_at, b.session.ends_at)}
    for child_id in sorted(away):
        theirs = [b for b in bookings if b.child_id == child_id]
        added = {night for b in theirs for night in nights_of(b.session.starts_at, b.session.ends_at)}
        # Already at a warning in the year either side of these nights (told then): not told again.
        before = count(booked_nights(child_id, around=added, leaving_out=theirs[0].group_ref))
        now = count(booked_nights(child_id, around=added), added)
        if not now.reaches_a_warning or before.reaches_a_warning:
            continue  # below the warnings, or the trust was told when the child first reached them
        staff = db.session.scalars(select(User).where(User.role == Role.TRUST, User.active.is_(True))
                                   .order_by(User.id)).all()
        child = theirs[0].child
        flag = NightsFlag(child_id=child_id, group_ref=theirs[0].group_ref, nights_in_year=now.year,
                          longest_run=now.run, told=[u.email for u in staff], booked_by_id=by.id)
        db.session.add(flag)
        db.session.flush()
        record("nights_threshold_reached", child, by=by, nights_in_year=now.year, longest_run=now.run,
               group_ref=flag.group_ref, told=flag.told)
        for person in staff:
            notify.queue(person, _l("Nights away: a child has reached a warning"), "nights_flag", child=child,
                         counted=now, link=notify.link("trust_nights.children"))
        flags.append(flag)
    return flags


@dataclass
class ChildNights:
    child: Child
    counted: Count
    last_flag: NightsFlag | None


def children_with_nights(page: int, per_page: int) -> tuple[list[ChildNights], int]:
    """Children with any overnight stay booked in the last year or ahead, most nights first, a page at a time.

    Only places on sessions that end on a later UTC date than they start are read (every stay that covers 3am in
    London does, unless it starts after midnight UTC); each child's nights are then counted in full."""
    since = utcnow() - timedelta(days=YEAR_DAYS)
    by_child: dict[int, set[date]] = {}
    for child_id, starts_at, ends_at in db.session.execute(
            select(Booking.child_id, Session.starts_at, Session.ends_at).join(Session, Session.id == Booking.session_id)
            .where(Booking.child_id.is_not(None), Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]),
                   Session.status != SessionStatus.CANCELLED, Session.ends_at > since,
                   func.date(Session.ends_at) != func.date(Session.starts_at))):
        by_child.setdefault(child_id, set()).update(n for n in nights_of(starts_at, ends_at) if n > since.date())
    counted = [(child_id, count(nights)) for child_id, nights in by_child.items() if nights]
    counted.sort(key=lambda item: (-item[1].year, -item[1].run, item[0]))
    shown = counted[(page - 1) * per_page:page * per_page]
    children = {c.id: c for c in db.session.scalars(select(Child).where(Child.id.in_([i for i, _c in shown])))}
    flags: dict[int, NightsFlag] = {}
    for flag in db.session.scalars(select(NightsFlag).where(NightsFlag.child_id.in_(list(children)))
                                   .order_by(NightsFlag.told_at)):
        flags[flag.child_id] = flag
    return [ChildNights(children[i], c, flags.get(i)) for i, c in shown], len(counted)
