"""A family books places, cancels them, and waits for places on full sessions."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from bookings import funding as funding_methods
from budgets.models import Payment
from feedback import services as feedback
from portal.access import family_children, family_object_or_abort, family_required, get_or_404
from portal.attempts import attempt, form_status
from portal.errors import NotAllowed, SessionFull
from portal.extensions import db
from portal.formatting import session_when
from portal.forms import AcceptOfferForm, BookingForm, ConfirmForm, WaitingListForm
from portal.i18n import translated
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingSet,
    BookingStatus,
    Funding,
    Offer,
    Session,
    SessionMessage,
    SessionSeries,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from . import demand, nights, payments, places, waiting_lists
from .family import (booking_children, entry_children, family_bookings, family_entries, set_children, sets_query,
                     waiting_entries_query)
from .forms import SeriesBookingForm

bp = Blueprint("bookings", __name__)


def _chosen_children(ids: list[int]):
    mine = {c.id: c for c in family_children(current_user)}
    if any(i not in mine for i in ids):
        raise NotAllowed(_("You can only book places for children on your account."))
    return [mine[i] for i in ids]


def _prepare_places(form, session: Session) -> dict[int, str]:
    """Offer every child on the account; return the ones who cannot go, with why, so the form can say so."""
    family = family_children(current_user)
    cannot_go = places.children_who_cannot_go(session, family)
    # Those who can go first, so the error summary's link lands on a checkbox that can take the focus.
    children = sorted(family, key=lambda c: c.id in cannot_go)
    form.children.choices = [(c.id, c.full_name) for c in children]
    form.carer_places.choices = [(n, _("No carer place") if n == 0 else
                                  ngettext("%(num)s carer place", "%(num)s carer places", n))
                                 for n in range(0, max(len(family), 1) + 1)]
    return cannot_go


def _funding_step(form, session: Session, *, only_chosen: bool = False,
                  codes: list | None = None) -> list[tuple[str, str]]:
    """Offer the ways to pay that can pay for this session now; return the others with the reason why not (and
    add their codes to ``codes``, when given).

    ``only_chosen``: a form being submitted needs only the way it chose checked (booking checks it again under
    the lock); the others are looked at when the form is shown."""
    choices, unavailable = [], []
    chosen = request.form.get("funding")
    for method in funding_methods.methods_for(session.offer):
        if only_chosen and method.code != chosen:
            choices.append((method.code, translated(method.label)))
            continue
        reason = method.unavailable_reason(session, [])
        if reason is None:
            choices.append((method.code, translated(method.label)))
        else:
            unavailable.append((translated(method.label), reason))
            if codes is not None:
                codes.append(method.code)
    form.funding.choices = choices
    if len(choices) == 1 and not form.is_submitted():
        form.funding.data = choices[0][0]
    return unavailable


def _next_step(bookings, session: Session, message: str):
    """Where the family goes once the booking commits: confirmed places to the bookings page, held ones on to card
    payment. Worked out inside the transaction, while the places are loaded (after the commit they would all be
    read again); call what it returns after the commit."""
    payment_id = bookings[0].payment_id
    if payment_id is None:
        told = _("%(booked)s %(to_pay)s We have sent you an email.", booked=message,
                 to_pay=places.what_to_pay(bookings))

        def confirmed():
            flash(told, "success")
            return redirect(url_for("bookings.my_bookings"))
        return confirmed
    back = url_for("bookings.book", session_id=session.id)
    return lambda: _to_checkout(payment_id, back)


def _to_checkout(payment_id: int, back: str):
    """After held places commit: on to Stripe Checkout (or back to ``back``, saying why, if it cannot open)."""
    payment = db.session.get(Payment, payment_id)
    checkout_url = payments.start_checkout(payment)
    db.session.commit()
    if checkout_url is None:
        flash(str(payments.CHECKOUT_UNAVAILABLE), "error")
        return redirect(back)
    return redirect(checkout_url, 303)


# Made once: every booking page reads it. The provider is not on these pages (booking reads it under the lock).
_SESSION_AND_OFFER = select(Session).options(joinedload(Session.offer)).where(Session.id == bindparam("session_id"))


def _bookable_session_or_404(session_id: int) -> Session:
    session = db.session.scalar(_SESSION_AND_OFFER, {"session_id": session_id})
    if session is None:
        abort(404)
    return session


@bp.route("/sessions/<int:session_id>/book", methods=["GET", "POST"])
@family_required
def book(session_id: int):
    # The form is read and checked before the session's capacity lock is taken (book_places takes it, and reads the
    # session, offer and provider again under it): every booking of the session waits in line for that lock, so it
    # is held only while the places are recounted, checked and written. If it cannot be had in time, the booking
    # says to try again, keeping what was chosen.
    session = _bookable_session_or_404(session_id)
    if not family_children(current_user):
        flash(_("Add your child's details before you book a place."), "info")
        return redirect(url_for("families.add_child"))
    # A form posted as booking closed gets the refusal in its error summary, from the service's own check.
    if request.method == "GET" and (closed := places.booking_closed_reason(session)):
        return render_template("bookings/closed.html", session=session, reason=closed), 409
    form = BookingForm()
    cannot_go = _prepare_places(form, session)
    _funding_step(form, session, only_chosen=form.is_submitted())
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            bookings = places.book_places(current_user, session, _chosen_children(form.children.data),
                                          form.funding.data, carer_places=form.carer_places.data,
                                          declared_meets_criteria=bool(form.declared.data))
            next_step = _next_step(bookings, session, ngettext(
                "Your booking is confirmed: %(num)s place on %(title)s.",
                "Your booking is confirmed: %(num)s places on %(title)s.", len(bookings), title=session.offer.title))
        if done.ok:
            return next_step()
    full = done is not None and isinstance(done.problem, SessionFull)
    if request.method == "POST":
        db.session.rollback()  # nothing was booked: give back any lock the refusal left before the page is drawn
    unavailable_codes: list = []
    unavailable = _funding_step(form, session, codes=unavailable_codes)
    if request.method == "GET":
        demand.note_booking_page(session, cannot_go, len(family_children(current_user)),
                                 Funding.COUNCIL_FUNDED in unavailable_codes)
        db.session.commit()
    # Said before the family confirms: a place booked inside the offer's cancellation notice cannot be cancelled online.
    cancelling_closed = None if places.can_cancel_online(session) else places.cancelling_closed_reason(session)
    return render_template("bookings/book.html", session=session, form=form, full=full,
                           unavailable=unavailable, cannot_go=cannot_go, cancelling_closed=cancelling_closed,
                           away=_nights_away(session)), form_status(form, done)


def _nights_away(session: Session) -> list[tuple]:
    """For an overnight session: the family's children whose nights away this booking would take to the trust's
    warning thresholds, each with the count it would make (the family is told; the booking is never refused)."""
    if not nights.nights_of(session.starts_at, session.ends_at):
        return []
    reached = []
    for child in family_children(current_user):
        _now, after = nights.with_sessions(child, [session])
        if after.reaches_a_warning:
            reached.append((child, after))
    return reached


@bp.route("/sessions/<int:session_id>/waiting-list", methods=["GET", "POST"])
@family_required
def join_waiting_list(session_id: int):
    session = _bookable_session_or_404(session_id)
    if not family_children(current_user):
        flash(_("Add your child's details before you join a waiting list."), "info")
        return redirect(url_for("families.add_child"))
    if request.method == "GET" and (closed := places.booking_closed_reason(session)):
        return render_template("bookings/closed.html", session=session,
                               reason=_("%(closed)s Places are no longer offered from its waiting list.",
                                        closed=closed)), 409
    form = WaitingListForm()
    cannot_go = _prepare_places(form, session)
    if request.method == "GET":
        # A family who came to book and found the session full (its stored count of places taken says so).
        demand.note_booking_page(session, cannot_go, len(family_children(current_user)), False,
                                 full=session.places_taken >= session.capacity)
        db.session.commit()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            entry = waiting_lists.join_waiting_list(
                current_user, session, _chosen_children(form.children.data), carer_places=form.carer_places.data,
                declared_meets_criteria=bool(form.declared.data))
        if done.ok:
            flash(ngettext("You are on the waiting list for %(num)s place. We will email you if a place comes free.",
                           "You are on the waiting list for %(num)s places. We will email you if a place comes free.",
                           entry.places), "success")
            return redirect(url_for("bookings.my_bookings"))
    return render_template("bookings/waiting_list.html", session=session, form=form,
                           cannot_go=cannot_go), form_status(form, done)


@bp.get("/bookings")
@family_required
def my_bookings():
    now = utcnow()
    bookings = db.session.scalars(
        select(Booking).join(Session)
        .options(joinedload(Booking.session).joinedload(Session.offer).joinedload(Offer.provider),
                 joinedload(Booking.child))
        .where(family_bookings(current_user))
        .order_by(Session.starts_at, Booking.id)
    ).all()
    entries = family_entries(current_user, db.session.scalars(
        waiting_entries_query(current_user).join(Session)
        .options(joinedload(WaitingListEntry.session).joinedload(Session.offer))
        .where(WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))
        .order_by(Session.starts_at)
    ).all())
    held = [b for b in bookings if b.status is BookingStatus.HELD and b.hold_expires_at > now]
    upcoming = [b for b in bookings if b.status is BookingStatus.CONFIRMED and b.session.starts_at > now]
    past = [b for b in bookings if b.status is BookingStatus.CONFIRMED and b.session.starts_at <= now]
    cancelled = [b for b in bookings if b.status is BookingStatus.CANCELLED]
    offered = [e for e in entries if e.status is WaitingStatus.OFFERED and e.offer_expires_at > now]
    waiting = [e for e in entries if e.status is WaitingStatus.WAITING]
    to_pay = {b.id: places.what_to_pay([b]) for b in upcoming}
    cancel_closed = {b.id: places.cancelling_closed_reason(b.session) for b in upcoming
                     if not places.can_cancel_online(b.session, now)}
    live_groups = {b.group_ref for b in upcoming + held}
    sets = [s for s in db.session.scalars(
        sets_query(current_user).options(joinedload(BookingSet.offer)).order_by(BookingSet.created_at.desc())
    ) if s.group_ref in live_groups]
    set_sessions = {s.group_ref: sorted({b.session_id: b.session for b in upcoming + held
                                         if b.group_ref == s.group_ref}.values(), key=lambda x: x.starts_at)
                    for s in sets}
    # What providers wrote to the families on the sessions this family has a place on, newest first: those sent
    # since the family booked (what was emailed to them), not what was written to others before.
    booked_since: dict[int, datetime] = {}
    for b in upcoming + past:
        booked_since[b.session_id] = min(b.created_at, booked_since.get(b.session_id, b.created_at))
    messages = [m for m in db.session.scalars(
        select(SessionMessage).options(joinedload(SessionMessage.session).joinedload(Session.offer)
                                       .joinedload(Offer.provider))
        .where(SessionMessage.session_id.in_(booked_since))
        .order_by(SessionMessage.sent_at.desc(), SessionMessage.id.desc())) if m.sent_at >= booked_since[m.session_id]]
    return render_template("bookings/my_bookings.html", held=held, upcoming=upcoming, past=past[::-1], cancelled=cancelled,
                           offered=offered, waiting=waiting, to_pay=to_pay, cancel_closed=cancel_closed,
                           positions=waiting_lists.positions(waiting), form=ConfirmForm(), sets=sets,
                           set_sessions=set_sessions, messages=messages, to_rate=feedback.awaiting(current_user))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@family_required
def cancel(booking_id: int):
    booking = family_object_or_abort(Booking, booking_id, booking_children)
    form = ConfirmForm()
    page = dict(booking=booking, form=form, comes_back=places.what_comes_back(booking),
                closed=None if places.can_cancel_online(booking.session) else places.cancelling_closed_reason(booking.session))
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            released = places.cancel_booking(booking, by=current_user)
        if done.ok:
            if len(released) > 1:
                message = _("Your booking for %(title)s has been cancelled (with the carer place booked with it). "
                            "%(comes_back)s", title=booking.session.offer.title, comes_back=page["comes_back"])
            else:
                message = _("Your booking for %(title)s has been cancelled. %(comes_back)s",
                            title=booking.session.offer.title, comes_back=page["comes_back"])
            flash(message, "success")
            return redirect(url_for("bookings.my_bookings"))
    return render_template("bookings/cancel.html", **page), form_status(form, done)


@bp.route("/waiting-list/<int:entry_id>/accept", methods=["GET", "POST"])
@family_required
def accept_offer(entry_id: int):
    entry = family_object_or_abort(WaitingListEntry, entry_id, entry_children)
    session = entry.session
    form = AcceptOfferForm()
    unavailable = _funding_step(form, session)
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            bookings = waiting_lists.accept_waiting_offer(entry, form.funding.data, by=current_user,
                                                          declared_meets_criteria=bool(form.declared.data))
            next_step = _next_step(bookings, session, _(
                "You have accepted the place on %(title)s. Your booking is confirmed.", title=session.offer.title))
        if done.ok:
            return next_step()
    return render_template("bookings/accept_offer.html", entry=entry, session=session, form=form,
                           targeted=session.offer.tier is Tier.TARGETED,
                           unavailable=unavailable), form_status(form, done)


@bp.post("/waiting-list/<int:entry_id>/leave")
@family_required
def leave_waiting_list(entry_id: int):
    entry = family_object_or_abort(WaitingListEntry, entry_id, entry_children)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        waiting_lists.leave_waiting_list(entry, by=current_user)
    if done.ok:
        flash(_("You have left the waiting list for %(title)s.", title=entry.session.offer.title), "success")
    return redirect(url_for("bookings.my_bookings"))


# --- several sessions of a series in one go ----------------------------------------------------------------------

def _series_or_404(series_id: int) -> tuple[SessionSeries, list[Session]]:
    """The series and its sessions that have not finished (those that cannot be booked are shown with why)."""
    series = get_or_404(SessionSeries, series_id)
    sessions = db.session.scalars(
        select(Session).options(joinedload(Session.offer).joinedload(Offer.provider))
        .where(Session.series_id == series.id, Session.ends_at > utcnow()).order_by(Session.starts_at)
    ).all()
    return series, sessions


def _why_not_bookable(session: Session) -> str | None:
    """Why a session cannot be chosen at all now (cancelled, or booking closed), for its hint; None if it can."""
    if session.status is SessionStatus.CANCELLED:
        return _("Cancelled by the provider.")
    return places.booking_closed_reason(session)


def _prepare_set(form: SeriesBookingForm, sessions: list[Session]) -> tuple[dict, dict, list]:
    """Offer the sessions, the children and the ways to pay. Returns the sessions that cannot be chosen and the
    children who could go to none of them (each with why, for their hints), and the ways to pay that are
    unavailable. Nothing here decides a booking: ``book_series`` checks everything again under the lock."""
    closed = {s.id: reason for s in sessions if (reason := _why_not_bookable(s))}
    form.sessions.choices = [(s.id, session_when(s)) for s in sessions]
    open_sessions = [s for s in sessions if s.id not in closed]
    cannot_go = {}
    family = family_children(current_user)
    for child in family:
        reasons = [places.children_who_cannot_go(s, [child]).get(child.id) for s in open_sessions]
        if reasons and all(reasons):
            cannot_go[child.id] = reasons[0]
    children = sorted(family, key=lambda c: c.id in cannot_go)
    form.children.choices = [(c.id, c.full_name) for c in children]
    form.carer_places.choices = [(n, _("No carer place") if n == 0 else
                                  ngettext("%(num)s carer place", "%(num)s carer places", n))
                                 for n in range(0, max(len(family), 1) + 1)]
    unavailable = _funding_step(form, open_sessions[0] if open_sessions else sessions[0]) if sessions else []
    if not form.is_submitted() and not request.args:
        # Every remaining session that has a place is ticked to start with.
        form.sessions.data = [s.id for s in open_sessions if places.room_left(s).places > 0]
    return closed, cannot_go, unavailable


def _set_page(template: str, series: SessionSeries, sessions: list[Session], form: SeriesBookingForm, **page):
    closed, cannot_go, unavailable = page.pop("prepared")
    room = {s.id: places.room_left(s).places for s in sessions if s.id not in closed}
    return render_template(template, series=series, offer=series.offer, sessions=sessions, form=form, closed=closed,
                           cannot_go=cannot_go, unavailable=unavailable, room=room, **page)


def _chosen(form: SeriesBookingForm, sessions: list[Session]) -> list[Session]:
    wanted = set(form.sessions.data or [])
    return [s for s in sessions if s.id in wanted]


@bp.route("/series/<int:series_id>/book", methods=["GET", "POST"])
@family_required
def book_series(series_id: int):
    """Choose sessions, children, carer places and how to pay; then check the answers."""
    series, sessions = _series_or_404(series_id)
    if not family_children(current_user):
        flash(_("Add your child's details before you book a place."), "info")
        return redirect(url_for("families.add_child"))
    # Coming back to change an answer: the answers so far are in the address.
    form = SeriesBookingForm(**({"formdata": request.args} if request.method == "GET" and request.args else {}))
    prepared = _prepare_set(form, sessions)
    if form.validate_on_submit():
        return redirect(url_for("bookings.check_series", series_id=series.id, **form.answers()))
    return _set_page("bookings/book_series.html", series, sessions, form, prepared=prepared), form_status(form)


@bp.route("/series/<int:series_id>/book/check", methods=["GET", "POST"])
@family_required
def check_series(series_id: int):
    """Check the answers (the sessions, who, what it costs), then confirm: the set is booked in one go."""
    series, sessions = _series_or_404(series_id)
    if request.method == "GET":
        # The answers come in the address; the confirm button posts them back with the form's CSRF token.
        form = SeriesBookingForm(formdata=request.args, meta={"csrf": False})
        prepared = _prepare_set(form, sessions)
        if not form.validate():
            return redirect(url_for("bookings.book_series", series_id=series.id, **request.args.to_dict(flat=False)))
        return _check_page(series, sessions, form, prepared, ConfirmForm()), 200
    form = SeriesBookingForm()
    prepared = _prepare_set(form, sessions)
    if not form.validate_on_submit():
        return _set_page("bookings/book_series.html", series, sessions, form, prepared=prepared), form_status(form)
    with attempt(form) as done:
        booked = places.book_series(current_user, _chosen(form, sessions), _chosen_children(form.children.data),
                                    form.funding.data, carer_places=form.carer_places.data,
                                    declared_meets_criteria=bool(form.declared.data),
                                    take_what_has_places=form.take_what_has_places)
    if done.ok:
        set_page = url_for("bookings.booked_set", group_ref=booked.booking_set.group_ref)
        if booked.bookings[0].payment_id is None:
            return redirect(set_page)
        return _to_checkout(booked.bookings[0].payment_id, url_for("bookings.book_series", series_id=series.id, **form.answers()))
    refusals = getattr(done.problem, "refusals", [])
    return _check_page(series, sessions, form, prepared, form, refusals=refusals), done.status


def _check_page(series, sessions, form, prepared, confirm, refusals=()):
    chosen = _chosen(form, sessions)
    children = [c for c in family_children(current_user) if c.id in set(form.children.data)]
    method = funding_methods.get(form.funding.data)
    family_pays, funded = places.quote(method, series.offer, children, len(chosen))
    refused = {session.id for session, _reason in refusals}
    return _set_page("bookings/check_series.html", series, sessions, form, prepared=prepared, chosen=chosen,
                     children=children, method_label=translated(method.label), family_pays=family_pays,
                     funded=funded, confirm=confirm, refusals=refusals, answers=form.answers(),
                     change=url_for("bookings.book_series", series_id=series.id, **form.answers()),
                     can_take_some=bool(refusals) and len(refused) < len(chosen))


def _own_set_or_404(group_ref: str) -> BookingSet:
    booking_set = db.session.scalar(select(BookingSet).where(BookingSet.group_ref == group_ref))
    if booking_set is None:
        abort(404)
    return family_object_or_abort(BookingSet, booking_set.id, set_children)


def _not_booked(booking_set: BookingSet) -> list[tuple[Session, str]]:
    found = {s.id: s for s in db.session.scalars(select(Session).where(
        Session.id.in_([n["session_id"] for n in booking_set.not_booked])))}
    return sorted(((found[n["session_id"]], n["reason"]) for n in booking_set.not_booked if n["session_id"] in found),
                  key=lambda pair: pair[0].starts_at)


@bp.get("/bookings/sets/<group_ref>")
@family_required
def booked_set(group_ref: str):
    """What a set booked, and which sessions it did not book and why; paid, waiting for payment, or cancelled."""
    booking_set = _own_set_or_404(group_ref)
    bookings = places.set_bookings(booking_set)
    live = [b for b in bookings if b.status in (BookingStatus.CONFIRMED, BookingStatus.HELD)]
    held = [b for b in live if b.status is BookingStatus.HELD]
    cancellable = [b for b in live if places.can_cancel_online(b.session)]
    return render_template("bookings/booked_set.html", booking_set=booking_set, offer=booking_set.offer,
                           sessions=places.by_session(bookings), live=live, held=held,
                           confirmed=[b for b in live if b.status is BookingStatus.CONFIRMED],
                           not_booked=_not_booked(booking_set), to_pay=places.what_to_pay(live) if live else None,
                           can_cancel=bool(cancellable))


@bp.route("/bookings/sets/<group_ref>/cancel", methods=["GET", "POST"])
@family_required
def cancel_set(group_ref: str):
    """Cancel every session of a set in one go (one session alone is cancelled from the bookings page)."""
    booking_set = _own_set_or_404(group_ref)
    live = [b for b in places.set_bookings(booking_set) if b.status in (BookingStatus.CONFIRMED, BookingStatus.HELD)]
    form = ConfirmForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            released, kept = places.cancel_set(booking_set, by=current_user)
        if done.ok:
            message = ngettext("Your booking for %(num)s session of %(title)s has been cancelled.",
                               "Your bookings for %(num)s sessions of %(title)s have been cancelled.",
                               len({b.session_id for b in released}), title=booking_set.offer.title)
            if kept:
                message += " " + ngettext("%(num)s session is too close to cancel online, so it is still booked.",
                                          "%(num)s sessions are too close to cancel online, so they are still booked.",
                                          len({b.session_id for b in kept}))
            flash(message, "success")
            return redirect(url_for("bookings.my_bookings"))
    going = [b for b in live if places.can_cancel_online(b.session)]
    staying = [b for b in live if b not in going]
    return render_template("bookings/cancel_set.html", booking_set=booking_set, offer=booking_set.offer, form=form,
                           going=places.by_session(going), staying=places.by_session(staying),
                           comes_back=places.what_comes_back_for_set(going) if going else None,
                           closed=places.cancelling_closed_reason(staying[0].session) if staying else None,
                           ), form_status(form, done)
