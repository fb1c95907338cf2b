"""A family books places, cancels them, and waits for places on full sessions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bookings import funding as funding_methods
from budgets.models import Payment
from portal.access import family_required, owned_or_404
from portal.attempts import attempt, form_status
from portal.errors import NotAllowed, SessionFull
from portal.extensions import db
from portal.forms import AcceptOfferForm, BookingForm, ConfirmForm, WaitingListForm
from portal.i18n import translated
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingStatus,
    Offer,
    Session,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from . import payments, places, waiting_lists

bp = Blueprint("bookings", __name__)


def _chosen_children(ids: list[int]):
    mine = {c.id: c for c in current_user.children}
    if any(i not in mine for i in ids):
        raise NotAllowed(_("You can only book places for children on your account."))
    return [mine[i] for i in ids]


def _prepare_places(form, session: Session) -> dict[int, str]:
    """Offer every child on the account; return the ones who cannot go, with why, so the form can say so."""
    cannot_go = places.children_who_cannot_go(session, current_user.children)
    # Those who can go first, so the error summary's link lands on a checkbox that can take the focus.
    children = sorted(current_user.children, key=lambda c: c.id in cannot_go)
    form.children.choices = [(c.id, c.full_name) for c in children]
    form.carer_places.choices = [(n, _("No carer place") if n == 0 else
                                  ngettext("%(num)s carer place", "%(num)s carer places", n))
                                 for n in range(0, max(len(current_user.children), 1) + 1)]
    return cannot_go


def _funding_step(form, session: Session) -> list[tuple[str, str]]:
    """Offer the ways to pay that can pay for this session now; return the others with the reason why not."""
    choices, unavailable = [], []
    for method in funding_methods.methods_for(session.offer):
        reason = method.unavailable_reason(session, [])
        if reason is None:
            choices.append((method.code, translated(method.label)))
        else:
            unavailable.append((translated(method.label), reason))
    form.funding.choices = choices
    if len(choices) == 1 and not form.is_submitted():
        form.funding.data = choices[0][0]
    return unavailable


def _booked(bookings, session: Session, message: str):
    """After the booking commits: confirmed places go to the bookings page, held ones on to card payment."""
    if bookings[0].payment_id is None:
        flash(_("%(booked)s %(to_pay)s We have sent you an email.", booked=message,
                to_pay=places.what_to_pay(bookings)), "success")
        return redirect(url_for("bookings.my_bookings"))
    payment = db.session.get(Payment, bookings[0].payment_id)
    checkout_url = payments.start_checkout(payment)
    db.session.commit()
    if checkout_url is None:
        flash(str(payments.CHECKOUT_UNAVAILABLE), "error")
        return redirect(url_for("bookings.book", session_id=session.id))
    return redirect(checkout_url, 303)


def _bookable_session_or_404(session_id: int) -> Session:
    session = db.session.scalar(
        select(Session).options(joinedload(Session.offer).joinedload(Offer.provider)).where(Session.id == session_id)
    )
    if session is None:
        abort(404)
    return session


@bp.route("/sessions/<int:session_id>/book", methods=["GET", "POST"])
@family_required
def book(session_id: int):
    session = _bookable_session_or_404(session_id)
    if not current_user.children:
        flash(_("Add your child's details before you book a place."), "info")
        return redirect(url_for("families.add_child"))
    # A form posted as booking closed gets the refusal in its error summary, from the service's own check.
    if request.method == "GET" and (closed := places.booking_closed_reason(session)):
        return render_template("bookings/closed.html", session=session, reason=closed), 409
    form = BookingForm()
    cannot_go = _prepare_places(form, session)
    unavailable = _funding_step(form, session)
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            bookings = places.book_places(current_user, session, _chosen_children(form.children.data),
                                          form.funding.data, carer_places=form.carer_places.data,
                                          declared_meets_criteria=bool(form.declared.data))
        if done.ok:
            return _booked(bookings, session, ngettext("Your booking is confirmed: %(num)s place on %(title)s.",
                                                       "Your booking is confirmed: %(num)s places on %(title)s.",
                                                       len(bookings), title=session.offer.title))
    full = done is not None and isinstance(done.problem, SessionFull)
    return render_template("bookings/book.html", session=session, form=form, full=full,
                           unavailable=unavailable, cannot_go=cannot_go), form_status(form, done)


@bp.route("/sessions/<int:session_id>/waiting-list", methods=["GET", "POST"])
@family_required
def join_waiting_list(session_id: int):
    session = _bookable_session_or_404(session_id)
    if not current_user.children:
        flash(_("Add your child's details before you join a waiting list."), "info")
        return redirect(url_for("families.add_child"))
    if request.method == "GET" and (closed := places.booking_closed_reason(session)):
        return render_template("bookings/closed.html", session=session,
                               reason=_("%(closed)s Places are no longer offered from its waiting list.",
                                        closed=closed)), 409
    form = WaitingListForm()
    cannot_go = _prepare_places(form, session)
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
        .where(Booking.booked_by_id == current_user.id)
        .order_by(Session.starts_at, Booking.id)
    ).all()
    entries = db.session.scalars(
        select(WaitingListEntry).join(Session)
        .options(joinedload(WaitingListEntry.session).joinedload(Session.offer))
        .where(WaitingListEntry.family_id == current_user.id,
               WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))
        .order_by(Session.starts_at)
    ).all()
    held = [b for b in bookings if b.status is BookingStatus.HELD and b.hold_expires_at > now]
    upcoming = [b for b in bookings if b.status is BookingStatus.CONFIRMED and b.session.starts_at > now]
    past = [b for b in bookings if b.status is BookingStatus.CONFIRMED and b.session.starts_at <= now]
    cancelled = [b for b in bookings if b.status is BookingStatus.CANCELLED]
    offered = [e for e in entries if e.status is WaitingStatus.OFFERED and e.offer_expires_at > now]
    waiting = [e for e in entries if e.status is WaitingStatus.WAITING]
    to_pay = {b.id: places.what_to_pay([b]) for b in upcoming}
    cancel_closed = {b.id: places.cancelling_closed_reason(b.session) for b in upcoming
                     if not places.can_cancel_online(b.session, now)}
    return render_template("bookings/my_bookings.html", held=held, upcoming=upcoming, past=past[::-1], cancelled=cancelled,
                           offered=offered, waiting=waiting, to_pay=to_pay, cancel_closed=cancel_closed,
                           positions=waiting_lists.positions(waiting), form=ConfirmForm())


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@family_required
def cancel(booking_id: int):
    booking = owned_or_404(Booking, booking_id, "booked_by_id")
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
    entry = owned_or_404(WaitingListEntry, entry_id, "family_id")
    session = entry.session
    form = AcceptOfferForm()
    unavailable = _funding_step(form, session)
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            bookings = waiting_lists.accept_waiting_offer(entry, form.funding.data, by=current_user,
                                                          declared_meets_criteria=bool(form.declared.data))
        if done.ok:
            return _booked(bookings, session,
                           _("You have accepted the place on %(title)s. Your booking is confirmed.",
                             title=session.offer.title))
    return render_template("bookings/accept_offer.html", entry=entry, session=session, form=form,
                           targeted=session.offer.tier is Tier.TARGETED,
                           unavailable=unavailable), form_status(form, done)


@bp.post("/waiting-list/<int:entry_id>/leave")
@family_required
def leave_waiting_list(entry_id: int):
    entry = owned_or_404(WaitingListEntry, entry_id, "family_id")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        waiting_lists.leave_waiting_list(entry, by=current_user)
    if done.ok:
        flash(_("You have left the waiting list for %(title)s.", title=entry.session.offer.title), "success")
    return redirect(url_for("bookings.my_bookings"))
