"""Provider staff change a session families may have booked (places, time, cancel) and take its register."""
from __future__ import annotations

import math
from collections import Counter

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.access import role_required
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Role
from portal.templating import session_when
from portal.timeutil import to_london
from providers.access import provider_session_or_404
from providers.forms import (
    CancelSessionForm,
    MoveSessionForm,
    PlacesForm,
    register_form,
)
from providers.models import (
    STAFF_UNITS_PER_ADULT,
    Attendance,
    Booking,
    BookingStatus,
    Session,
)
from providers.sessions import london_moment

from . import registers, session_changes

bp = Blueprint("session_changes", __name__, url_prefix="/provider")

provider_required = role_required(Role.PROVIDER)


# --- changing one session -------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/places", methods=["GET", "POST"])
@provider_required
def change_places(session_id: int):
    session = provider_session_or_404(session_id)
    form = PlacesForm(places=session.capacity, staff=session.staff)
    if form.validate_on_submit():
        try:
            session_changes.change_places(session, form.places.data, staff=form.staff.data, by=current_user,
                                   reason=(form.reason.data or "").strip())
        except DomainError as problem:
            db.session.rollback()
            form.form_errors.append(str(problem))
            return _places_page(session, form), 409
        db.session.commit()
        staff = f" and {session.staff} staff" if session.staff else ""
        flash(f"Places saved: {session.capacity} places{staff} on {session_when(session)}.", "success")
        return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    return _places_page(session, form), 422 if form.errors else 200


def _places_page(session: Session, form: PlacesForm) -> str:
    return render_template("providers/sessions/places.html", session=session, when=session_when(session), form=form,
                           booked=_booked_count(session),
                           staff_needed=math.ceil(session.staff_units_taken / STAFF_UNITS_PER_ADULT))


def _booked_count(session: Session) -> int:
    return db.session.scalar(select(func.count(Booking.id)).where(Booking.session_id == session.id,
                                                                  Booking.status == BookingStatus.CONFIRMED))


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@provider_required
def cancel_session(session_id: int):
    session = provider_session_or_404(session_id)
    form = CancelSessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            released = session_changes.cancel_session(session, reason=form.reason.data, by=current_user)
        except DomainError as problem:
            db.session.rollback()
            form.form_errors.append(str(problem))
            status = 409
        else:
            families = len({b.booked_by_id for b in released})
            db.session.commit()
            told = (f" We have emailed {families} famil{'ies' if families != 1 else 'y'} and released their "
                    f"{len(released)} place{'s' if len(released) != 1 else ''}." if released else "")
            flash(f"The session on {session_when(session)} has been cancelled.{told}", "success")
            return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    elif form.errors:
        status = 422
    families = db.session.scalar(select(func.count(func.distinct(Booking.booked_by_id))).where(
        Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED))
    return render_template("providers/sessions/cancel.html", session=session, when=session_when(session), form=form,
                           booked=_booked_count(session), families=families), status


@bp.route("/sessions/<int:session_id>/move", methods=["GET", "POST"])
@provider_required
def move_session(session_id: int):
    session = provider_session_or_404(session_id)
    starts, ends = to_london(session.starts_at), to_london(session.ends_at)
    form = MoveSessionForm(day=starts.date(), start_time=starts.strftime("%H:%M"), end_time=ends.strftime("%H:%M"),
                           end_day=ends.date() if ends.date() != starts.date() else None)
    status = 200
    if form.validate_on_submit():
        starts_at = london_moment(form.day.data, form.start_time.clock)
        ends_at = london_moment(form.end_day.data or form.day.data, form.end_time.clock)
        was = session_when(session)
        try:
            session_changes.move_session(session, starts_at, ends_at, reason=form.reason.data, by=current_user)
        except DomainError as problem:
            db.session.rollback()
            form.form_errors.append(str(problem))
            status = 409
        else:
            families = db.session.scalar(select(func.count(func.distinct(Booking.booked_by_id))).where(
                Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED))
            db.session.commit()
            told = f" We have emailed {families} famil{'ies' if families != 1 else 'y'}." if families else ""
            flash(f"The session on {was} has moved to {session_when(session)}.{told}", "success")
            return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    elif form.errors:
        status = 422
    return render_template("providers/sessions/move.html", session=session, when=session_when(session), form=form), status


# --- registers ------------------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
@provider_required
def register(session_id: int):
    session = provider_session_or_404(session_id)
    sheet = registers.register_for(session)
    form = register_form(sheet.lines)
    status = 200
    if form.validate_on_submit():
        marks = {line.booking_id: Attendance(form[f"booking_{line.booking_id}"].data)
                 for line in sheet.lines if form[f"booking_{line.booking_id}"].data}
        try:
            registers.mark_attendance(session, marks, by=current_user)
        except DomainError as problem:
            db.session.rollback()
            form.form_errors.append(str(problem))
            status = 409
        else:
            db.session.commit()
            tally = Counter(marks.values())
            flash(f"Register saved: {tally[Attendance.ATTENDED]} attended, "
                  f"{tally[Attendance.DID_NOT_ATTEND]} did not attend.", "success")
            return redirect(url_for(".register", session_id=session.id))
    elif form.errors:
        status = 422
    return render_template("providers/registers/register.html", session=session, when=session_when(session),
                           sheet=sheet, form=form, can_mark=registers.can_mark(session),
                           opens=registers.marking_opens(session)), status


