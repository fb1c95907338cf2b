"""Provider staff change a session families may have booked (places, time, cancel) and take its register."""
from __future__ import annotations

import math
from collections import Counter

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from portal.access import role_required
from portal.attempts import attempt, form_status
from portal.audit import showing, shows_children
from portal.extensions import db
from portal.formatting import session_when
from portal.models import Role
from portal.timeutil import to_london
from providers.access import provider_session_or_404
from providers.forms import (
    CancelSessionForm,
    MessageFamiliesForm,
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
    SessionMessage,
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
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            session_changes.change_places(session, form.places.data, staff=form.staff.data, by=current_user,
                                          reason=(form.reason.data or "").strip())
        if done.ok:
            if session.staff:
                saved = ngettext("Places saved: %(num)s place and %(staff)s staff on %(when)s.",
                                 "Places saved: %(num)s places and %(staff)s staff on %(when)s.",
                                 session.capacity, staff=session.staff, when=session_when(session))
            else:
                saved = ngettext("Places saved: %(num)s place on %(when)s.",
                                 "Places saved: %(num)s places on %(when)s.", session.capacity,
                                 when=session_when(session))
            flash(saved, "success")
            return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    return _places_page(session, form), form_status(form, done)


def _places_page(session: Session, form: PlacesForm) -> str:
    return render_template("providers/sessions/places.html", session=session, when=session_when(session), form=form,
                           booked=_booked_count(session),
                           staff_needed=math.ceil(session.staff_units_taken / STAFF_UNITS_PER_ADULT))


def _families_booked(session: Session) -> int:
    """How many families have a confirmed place on the session (each once, however many places)."""
    return db.session.scalar(select(func.count(func.distinct(Booking.booked_by_id))).where(
        Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED))


def _booked_count(session: Session) -> int:
    return db.session.scalar(select(func.count(Booking.id)).where(Booking.session_id == session.id,
                                                                  Booking.status == BookingStatus.CONFIRMED))


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@provider_required
def cancel_session(session_id: int):
    session = provider_session_or_404(session_id)
    form = CancelSessionForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            released = session_changes.cancel_session(session, reason=form.reason.data, by=current_user)
            families = len({b.booked_by_id for b in released})
        if done.ok:
            message = _("The session on %(when)s has been cancelled.", when=session_when(session))
            if released:
                their_places = ngettext("%(num)s place", "%(num)s places", len(released))
                message += " " + ngettext("We have emailed %(num)s family and released their %(places)s.",
                                          "We have emailed %(num)s families and released their %(places)s.",
                                          families, places=their_places)
            flash(message, "success")
            return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    families = _families_booked(session)
    return render_template("providers/sessions/cancel.html", session=session, when=session_when(session), form=form,
                           booked=_booked_count(session), families=families), form_status(form, done)


@bp.route("/sessions/<int:session_id>/move", methods=["GET", "POST"])
@provider_required
def move_session(session_id: int):
    session = provider_session_or_404(session_id)
    starts, ends = to_london(session.starts_at), to_london(session.ends_at)
    form = MoveSessionForm(day=starts.date(), start_time=starts.strftime("%H:%M"), end_time=ends.strftime("%H:%M"),
                           end_day=ends.date() if ends.date() != starts.date() else None)
    done = None
    if form.validate_on_submit():
        starts_at = london_moment(form.day.data, form.start_time.clock)
        ends_at = london_moment(form.end_day.data or form.day.data, form.end_time.clock)
        was = session_when(session)
        with attempt(form) as done:
            session_changes.move_session(session, starts_at, ends_at, reason=form.reason.data, by=current_user)
            families = _families_booked(session)
        if done.ok:
            message = _("The session on %(was)s has moved to %(when)s.", was=was, when=session_when(session))
            if families:
                message += " " + ngettext("We have emailed %(num)s family.", "We have emailed %(num)s families.",
                                          families)
            flash(message, "success")
            return redirect(url_for("provider_sessions.offer_sessions", offer_id=session.offer_id))
    return render_template("providers/sessions/move.html", session=session, when=session_when(session),
                           form=form), form_status(form, done)


# --- a message to the families booked ------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/message", methods=["GET", "POST"])
@provider_required
def message_families(session_id: int):
    session = provider_session_or_404(session_id)
    form = MessageFamiliesForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            message = session_changes.message_families(session, form.body.data, by=current_user)
            families = message.families
        if done.ok:
            flash(ngettext("Message sent: we have emailed %(num)s family about %(when)s.",
                           "Message sent: we have emailed %(num)s families about %(when)s.", families,
                           when=session_when(session)), "success")
            return redirect(url_for(".message_families", session_id=session.id))
    families = _families_booked(session)
    sent = db.session.scalars(select(SessionMessage).where(SessionMessage.session_id == session.id)
                              .order_by(SessionMessage.sent_at.desc(), SessionMessage.id.desc())).all()
    return render_template("providers/sessions/message.html", session=session, when=session_when(session), form=form,
                           families=families, sent=sent, can_message=session_changes.can_message(session)), \
        form_status(form, done)


# --- registers ------------------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
@provider_required
@shows_children("register")
def register(session_id: int):
    session = provider_session_or_404(session_id)
    sheet = registers.register_for(session)
    showing(sheet.children)
    form = register_form(sheet.lines)
    done = None
    if form.validate_on_submit():
        marks = {line.booking_id: Attendance(form[f"booking_{line.booking_id}"].data)
                 for line in sheet.lines if form[f"booking_{line.booking_id}"].data}
        with attempt(form) as done:
            registers.mark_attendance(session, marks, by=current_user)
        if done.ok:
            tally = Counter(marks.values())
            flash(_("Register saved: %(attended)s attended, %(absent)s did not attend.",
                    attended=tally[Attendance.ATTENDED], absent=tally[Attendance.DID_NOT_ATTEND]), "success")
            return redirect(url_for(".register", session_id=session.id))
    return render_template("providers/registers/register.html", session=session, when=session_when(session),
                           sheet=sheet, form=form, can_mark=registers.can_mark(session),
                           opens=registers.marking_opens(session)), form_status(form, done)


