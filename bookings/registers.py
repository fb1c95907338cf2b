"""Registers: the children booked on a session, with only what the provider needs to care for them (and to reach
their parent or carer), and who came.

Attendance is what providers are paid for, so every mark is audited with who made it and what it was before.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from bookings import funding as funding_methods
from feedback import services as feedback
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import london_date, london_time
from portal.models import NEEDS, AuditEvent, Child, SupportLevel, User, record
from portal.timeutil import age_on, to_london, utcnow
from providers.models import Attendance, Booking, BookingStatus, Session, SessionStatus

from .places import lock_capacity


@dataclass(frozen=True)
class RegisterLine:
    """One booked child as the provider sees them: their age on the day of the session, not their date of birth; the
    parent or carer whose account the child is on, to call about the session; no address."""

    booking_id: int
    name: str
    age: int
    parent_name: str
    parent_phone: str | None
    parent_email: str
    needs: list[str]
    needs_notes: str | None
    support: str
    emergency_contact: str | None
    attendance: Attendance | None
    marked_at: datetime | None
    home_language: str | None = None  # as the family wrote it
    interpreter_needed: bool = False


@dataclass(frozen=True)
class Register:
    session: Session
    lines: list[RegisterLine]
    carer_places: int
    children: list[Child]  # whose records the register shows (portal.audit records who looked)


def register_for(session: Session) -> Register:
    rows = db.session.execute(
        select(Booking.id, Child, User.name.label("parent_name"), User.phone.label("parent_phone"),
               User.email.label("parent_email"), Booking.attendance, Booking.attendance_marked_at)
        .join(Child, Child.id == Booking.child_id).join(User, User.id == Child.parent_id)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Child.last_name, Child.first_name, Booking.id)
    ).all()
    carers = db.session.scalar(
        select(func.count(Booking.id)).where(Booking.session_id == session.id,
                                             Booking.status == BookingStatus.CONFIRMED,
                                             Booking.is_carer_place.is_(True))
    )
    day = to_london(session.starts_at).date()
    lines = [
        RegisterLine(booking_id=row.id, name=row.Child.full_name, age=age_on(row.Child.date_of_birth, day),
                     parent_name=row.parent_name, parent_phone=row.parent_phone, parent_email=row.parent_email,
                     needs=[NEEDS[n] for n in row.Child.needs or [] if n in NEEDS], needs_notes=row.Child.needs_notes,
                     support=SupportLevel(row.Child.support_level).label,
                     emergency_contact=row.Child.emergency_contact, attendance=row.attendance,
                     marked_at=row.attendance_marked_at, home_language=row.Child.home_language,
                     interpreter_needed=bool(row.Child.interpreter_needed))
        for row in rows
    ]
    return Register(session=session, lines=lines, carer_places=carers, children=[row.Child for row in rows])


def can_mark(session: Session, now: datetime | None = None) -> bool:
    """The register opens when the session starts: nobody can have attended before then."""
    return session.status is SessionStatus.OPEN and session.starts_at <= (now or utcnow())


def marking_opens(session: Session) -> str:
    """When the register opens, in London time: "10am on Saturday 6 June 2026"."""
    return _("%(time)s on %(day)s", time=london_time(session.starts_at), day=london_date(session.starts_at))


def mark_attendance(session: Session, marks: dict[int, Attendance], *, by: User) -> int:
    """Record who attended, by booking id; returns how many marks changed. Corrections are allowed and audited."""
    if session.status is SessionStatus.CANCELLED:
        raise DomainError(_("This session was cancelled, so there is no register to mark."))
    if not can_mark(session):
        raise DomainError(_("You can mark the register from %(opens)s, when the session starts.",
                            opens=marking_opens(session)))
    if not marks:
        raise DomainError(_("Mark at least one child as attended or did not attend."))
    lock_capacity([session])  # marking delivers the money; a family cancelling at the same moment waits
    bookings = {b.id: b for b in db.session.scalars(
        select(Booking).where(Booking.id.in_(list(marks)), Booking.session_id == session.id,
                              Booking.status == BookingStatus.CONFIRMED, Booking.child_id.is_not(None))
    )}
    if set(marks) - set(bookings):
        raise DomainError(_("The register has changed since you opened it. Check it and save again."))
    now = utcnow()
    changed = 0
    came: list[Booking] = []  # marked as attended for the first time: their families are asked how it went
    for booking_id, attendance in sorted(marks.items()):
        booking = bookings[booking_id]
        if booking.attendance is attendance:
            continue
        before = booking.attendance.value if booking.attendance else None
        booking.attendance = attendance
        booking.attendance_marked_at = now
        booking.attendance_marked_by_id = by.id
        if booking.delivered_at is None:
            # The place was held and staffed, attended or not: what was committed for it becomes actual spend.
            booking.delivered_at = now
            method = funding_methods.get(booking.funding)
            if method is not None:
                method.on_deliver(booking, by)
        if attendance is Attendance.ATTENDED and (before is None or not _attended_before(booking)):
            came.append(booking)  # the family is asked how it went the first time the child is marked as there
        record("attendance_marked", booking, by=by, session_id=session.id, attendance=attendance.value, before=before)
        changed += 1
    db.session.flush()
    feedback.invite(came)
    return changed


def _attended_before(booking: Booking) -> bool:
    """Whether the register has ever marked this place as attended (a correction back to it asks nobody again)."""
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "attendance_marked", AuditEvent.subject_type == "Booking",
        AuditEvent.subject_id == booking.id, AuditEvent.details["attendance"].as_string() == "attended").limit(1)) \
        is not None
