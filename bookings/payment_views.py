"""Card payment pages (going to Stripe Checkout and coming back) and Stripe's webhook endpoint."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from budgets import stripe_gateway
from budgets.models import Payment, PaymentStatus
from portal.access import family_object_or_abort, family_required
from portal.extensions import csrf, db
from portal.forms import ConfirmForm
from providers.models import BookingSet

from . import payments
from .family import payment_children

bp = Blueprint("payments", __name__)


@bp.get("/payments/<int:payment_id>/pay")
@family_required
def pay(payment_id: int):
    payment = family_object_or_abort(Payment, payment_id, payment_children)
    if payment.status is not PaymentStatus.PENDING:
        return redirect(url_for("payments.returned", payment_id=payment.id))
    if not stripe_gateway.configured():
        # Without Stripe keys there is nowhere to pay: that page says so, and lets the family give up the place.
        return redirect(url_for("payments.abandoned", payment_id=payment.id))
    checkout_url = payments.start_checkout(payment)
    db.session.commit()
    if checkout_url is None:
        flash(str(payments.CHECKOUT_UNAVAILABLE), "error")
        return redirect(url_for("bookings.my_bookings"))
    return redirect(checkout_url, 303)


@bp.get("/payments/<int:payment_id>/paid")
@family_required
def returned(payment_id: int):
    """Stripe sends the family back here; we ask Stripe rather than trusting the address.

    Asked whatever our payment says short of paid: a family who paid just as the hold ran out is told they
    paid (and are being refunded), not that they did not pay.
    """
    payment = family_object_or_abort(Payment, payment_id, payment_children)
    if payment.status is not PaymentStatus.PAID and stripe_gateway.configured():
        try:
            payments.sync_from_stripe(payment)
        except stripe_gateway.StripeUnavailable:
            db.session.rollback()
        else:
            db.session.commit()
    booking_set = db.session.scalar(select(BookingSet).where(BookingSet.group_ref == payment.group_ref))
    if booking_set is not None:
        # Sessions booked in one go: their page says what was paid for, and which sessions were not booked.
        return redirect(url_for("bookings.booked_set", group_ref=booking_set.group_ref))
    return render_template("payments/returned.html", payment=payment, bookings=payments.bookings_of(payment))


@bp.route("/payments/<int:payment_id>/not-paid", methods=["GET", "POST"])
@family_required
def abandoned(payment_id: int):
    """The family left Checkout without paying: they can go back, or let the place go now."""
    payment = family_object_or_abort(Payment, payment_id, payment_children)
    form = ConfirmForm()
    if form.validate_on_submit():
        payments.abandon(payment, by=current_user)
        db.session.commit()
        if payment.status is PaymentStatus.PAID:
            return redirect(url_for("payments.returned", payment_id=payment.id))
        flash(_("You have not paid, so the place has been released."), "success")
        return redirect(url_for("bookings.my_bookings"))
    return render_template("payments/abandoned.html", payment=payment, bookings=payments.bookings_of(payment),
                           form=form, card_available=stripe_gateway.configured())


@bp.post("/stripe/webhook")
@csrf.exempt
def webhook():
    if not stripe_gateway.configured():
        abort(404)
    try:
        event = stripe_gateway.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except ValueError as problem:
        current_app.logger.warning("Rejected a Stripe webhook: %s", problem)
        return jsonify(error="The signature did not match."), 400
    try:
        outcome = payments.handle_event(event)
        db.session.commit()
    except stripe_gateway.StripeUnavailable:
        db.session.rollback()
        # Not recorded as handled: Stripe sends it again later.
        return jsonify(error="Could not read the object back from Stripe."), 503
    except IntegrityError:
        db.session.rollback()  # the same event delivered twice at once: the other delivery handled it
        outcome = "already handled"  # i18n: not shown (the webhook's answer to Stripe)
    return jsonify(received=True, outcome=outcome)
