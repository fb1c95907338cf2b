"""Card payments: open a Checkout Session for held places, act on what Stripe says, refund.

We never act on what an event or a redirect claims: we re-read the Checkout Session from Stripe and
move our payment on from the state it is really in. Every move is idempotent, so a replayed event,
an event out of order, or the family's browser and the webhook arriving together change nothing twice.
Network calls to Stripe are made outside the transactions that hold places (before or after them).
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from budgets import ledger, stripe_gateway
from budgets.ledger import Dims, Leg, envelope_account
from budgets.models import (
    EntryKind,
    Payment,
    PaymentStatus,
    PersonalBudget,
    Refund,
    RefundStatus,
    StripeEvent,
)
from budgets.services import lock_budget
from portal import notify
from portal.errors import DomainError
from portal.extensions import db
from portal.locking import lock_rows
from portal.models import record
from portal.timeutil import utcnow
from providers.models import Booking, BookingStatus

from .funding import bookings_of, close_unpaid
from .places import confirmation_email, lock_capacity, release_places, settle

CHECKOUT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded",
                   "checkout.session.async_payment_failed", "checkout.session.expired"}
REFUND_EVENTS = {"refund.created", "refund.updated", "charge.refund.updated"}


def _lock_payment(payment: Payment) -> list:
    """Lock the places (their sessions' capacity) and then the payment, the same order booking uses."""
    bookings = bookings_of(payment)
    lock_capacity(list({b.session_id: b.session for b in bookings}.values()))
    lock_rows(Payment, [payment.id])
    db.session.refresh(payment)
    for booking in bookings:
        db.session.refresh(booking)
    return bookings


# --- opening a payment -------------------------------------------------------------------------------------

def start_checkout(payment: Payment) -> str:
    """Ask Stripe for a Checkout Session for a payment whose places are held; returns the page to send the family to.

    Called after the booking transaction has committed. If Stripe cannot be reached the places are released.
    """
    if payment.checkout_url:
        return payment.checkout_url
    bookings = bookings_of(payment)
    session = bookings[0].session
    places = len(bookings)
    try:
        checkout = stripe_gateway.create_checkout_session(
            amount_pence=payment.amount_pence,
            description=f"{session.offer.title}: {places} place{'s' if places != 1 else ''}",
            payment_id=payment.id, idempotency_key=payment.idempotency_key, expires_at=payment.expires_at,
            success_url=url_for("payments.returned", payment_id=payment.id, _external=True)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("payments.abandoned", payment_id=payment.id, _external=True),
            customer_email=payment.family.email, destination=payment.destination_account)
    except stripe_gateway.StripeUnavailable:
        _fail(payment)
        raise DomainError("We could not start the card payment just now, so the place has not been booked. "
                          "Please try again in a few minutes, or choose another way to pay.") from None
    payment.checkout_session_id = checkout.id
    payment.checkout_url = checkout.url
    record("checkout_started", payment, by=payment.family, checkout_session_id=checkout.id,
           amount_pence=payment.amount_pence)
    db.session.commit()
    return checkout.url


def _fail(payment: Payment) -> None:
    db.session.rollback()
    payment = db.session.get(Payment, payment.id)
    _lock_payment(payment)
    payment.status = PaymentStatus.FAILED
    release_places([b for b in bookings_of(payment)], reason="The card payment could not be started", by=None)
    db.session.commit()


# --- acting on Stripe's state ---------------------------------------------------------------------------------

def sync_from_stripe(payment: Payment) -> Payment:
    """Re-read the payment's Checkout Session from Stripe and act on it. Commits."""
    if not payment.checkout_session_id:
        return payment
    checkout = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
    apply_checkout_session(payment, checkout)
    db.session.commit()
    send_requested_refunds()
    return payment


def apply_checkout_session(payment: Payment, checkout) -> None:
    """Move the payment on from the Checkout Session's real state (inside a transaction; the caller commits)."""
    bookings = _lock_payment(payment)
    paid = field_of(checkout, "payment_status") in ("paid", "no_payment_required")
    if paid and payment.status in (PaymentStatus.PENDING, PaymentStatus.EXPIRED, PaymentStatus.FAILED):
        payment.status = PaymentStatus.PAID
        payment.paid_at = utcnow()
        payment.payment_intent_id = _id_of(field_of(checkout, "payment_intent"))
        ledger.move(EntryKind.PAYMENT, payment.amount_pence, f"family:{payment.family_id}",
                    f"provider:{payment.provider_id}", envelope_id=None, reason="Card payment taken",
                    by=payment.family, payment=payment)
        confirmed = []
        for booking in bookings:
            if booking.status is BookingStatus.HELD:
                booking.status = BookingStatus.CONFIRMED
                booking.hold_expires_at = None
                if booking.budget_id is not None:
                    _record_direct_payment_spend(booking, payment)
                record("place_paid", booking, by=payment.family, payment_id=payment.id)
                confirmed.append(booking)
            elif booking.price_pence:
                # Paid after the place had gone back (hold ran out, or the family gave up): give the money back.
                db.session.add(Refund(payment=payment, booking_id=None, amount_pence=booking.price_pence,
                                      reason="Paid after the place had been released"))
        record("payment_received", payment, by=None, amount_pence=payment.amount_pence,
               payment_intent=payment.payment_intent_id, confirmed=len(confirmed))
        if confirmed:
            confirmation_email(confirmed)
    elif not paid and field_of(checkout, "status") == "expired" and payment.status is PaymentStatus.PENDING:
        # The hold runs out with the Checkout Session: the same path as any hold running out.
        held = [b for b in bookings if b.status is BookingStatus.HELD]
        for booking in held:
            booking.hold_expires_at = min(booking.hold_expires_at, utcnow())
        for session in {b.session_id: b.session for b in held}.values():
            settle(session)
        close_unpaid({payment.id})


def field_of(stripe_object, name: str, default=None):
    """A field of a Stripe object or a plain dict (Stripe's objects are not dicts: they have no ``.get``)."""
    if stripe_object is None or name not in stripe_object:
        return default
    value = stripe_object[name]
    return default if value is None else value


def _id_of(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return field_of(value, "id")


def _record_direct_payment_spend(booking, payment: Payment) -> None:
    budget = db.session.get(PersonalBudget, booking.budget_id)
    ledger.post(EntryKind.DELIVERY, [
        Leg(budget.held_account, -booking.funded_pence, budget.envelope_id, ledger.SPECIALIST),
        Leg(envelope_account(budget.envelope_id, "spent"), booking.funded_pence, budget.envelope_id,
            Dims.of_offer(booking.session.offer)),
    ], reason="Paid by card from the direct payment", by=payment.family, booking=booking, payment=payment,
        budget=budget)


def abandon(payment: Payment, *, by) -> None:
    """The family came back from Checkout without paying: close the Checkout Session, and let the places go now.

    Stripe is asked first, so a family who did pay (in another tab, or just as they gave up) keeps the place
    rather than being charged and refunded. If Stripe cannot be reached the places go anyway: should it turn
    out to be paid, the webhook finds the places gone and refunds.
    """
    if payment.status is not PaymentStatus.PENDING:
        return
    if payment.checkout_session_id:
        try:
            checkout = stripe_gateway.expire_checkout_session(payment.checkout_session_id)
        except stripe_gateway.StripeUnavailable:
            checkout = None  # refused because it is no longer open, or Stripe is down: look again
            try:
                checkout = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
            except stripe_gateway.StripeUnavailable:
                pass
        if checkout is not None and field_of(checkout, "payment_status") in ("paid", "no_payment_required"):
            apply_checkout_session(payment, checkout)
            db.session.commit()
            send_requested_refunds()
            return
    bookings = _lock_payment(payment)
    if payment.status is not PaymentStatus.PENDING:
        db.session.rollback()  # let go of the locks
        return
    payment.status = PaymentStatus.EXPIRED
    record("payment_abandoned", payment, by=by)
    release_places([b for b in bookings if b.status is BookingStatus.HELD],
                   reason="You did not finish paying, so the place was released", by=by)
    db.session.commit()


# --- refunds -------------------------------------------------------------------------------------------------

def send_requested_refunds(limit: int = 100) -> int:
    """Send refunds asked for by cancelling transactions that have committed. Returns how many succeeded."""
    done = 0
    ids = db.session.scalars(select(Refund.id).where(Refund.status == RefundStatus.REQUESTED)
                             .order_by(Refund.id).limit(limit)).all()
    for refund_id in ids:
        refund = db.session.get(Refund, refund_id)
        lock_rows(Refund, [refund_id])
        db.session.refresh(refund)
        if refund.status is not RefundStatus.REQUESTED:
            db.session.rollback()
            continue
        payment = refund.payment
        try:
            stripe_refund = stripe_gateway.create_refund(
                payment_intent=payment.payment_intent_id, amount_pence=refund.amount_pence,
                idempotency_key=f"refund-{refund.id}", reason=refund.reason)
        except stripe_gateway.StripeUnavailable as exc:
            refund.attempts += 1
            refund.last_error = str(exc)[:500]
            db.session.commit()
            continue
        refund.stripe_refund_id = stripe_refund.id
        if field_of(stripe_refund, "status") in ("succeeded", "pending"):
            settle_refund(refund)
            done += 1
        elif field_of(stripe_refund, "status") == "failed":
            refund.status = RefundStatus.FAILED
            record("refund_failed", payment, by=None, refund_id=refund.id)
        db.session.commit()
    return done


def settle_refund(refund: Refund) -> None:
    """Stripe has accepted the refund: post it, and give a direct payment its money back."""
    if refund.status is RefundStatus.SUCCEEDED:
        return
    payment = refund.payment
    refund.status = RefundStatus.SUCCEEDED
    refund.settled_at = utcnow()
    legs = [Leg(f"provider:{payment.provider_id}", -refund.amount_pence), Leg(f"family:{payment.family_id}",
                                                                              refund.amount_pence)]
    booking = db.session.get(Booking, refund.booking_id) if refund.booking_id else None
    budget = db.session.get(PersonalBudget, booking.budget_id) if booking and booking.budget_id else None
    if budget is not None:
        lock_budget(budget)
        legs += [Leg(envelope_account(budget.envelope_id, "spent"), -refund.amount_pence, budget.envelope_id,
                     Dims.of_offer(booking.session.offer)),
                 Leg(ledger.returns_to(budget), refund.amount_pence, budget.envelope_id, ledger.SPECIALIST)]
    ledger.post(EntryKind.REFUND, legs, reason=refund.reason, by=None, payment=payment, booking=booking,
                budget=budget)
    record("refund_made", payment, by=None, refund_id=refund.id, amount_pence=refund.amount_pence,
           stripe_refund=refund.stripe_refund_id)
    notify.queue(payment.family.email, "Your refund is on its way", "refund_made", refund=refund, payment=payment)


# --- webhooks --------------------------------------------------------------------------------------------------

def handle_event(event) -> str:
    """Act on a verified webhook event once. Returns what happened, for the response and the log.

    The event only says which object to look at: we read that object back from Stripe (before taking any
    lock, so no lock is held across the network) and act on its state now, not on the event's snapshot.
    """
    if db.session.get(StripeEvent, event["id"]) is not None:
        return "already handled"
    kind = event["type"]
    obj = event["data"]["object"]
    payment = refund = current = None
    if kind in CHECKOUT_EVENTS:
        payment = _payment_for_checkout(obj)
        if payment is not None:
            current = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id or obj["id"])
    elif kind in REFUND_EVENTS:
        refund = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))
        if refund is not None:
            current = stripe_gateway.retrieve_refund(obj["id"])
    db.session.add(StripeEvent(id=event["id"], type=kind))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "already handled"
    outcome = "ignored"
    if payment is not None:
        if payment.checkout_session_id is None:
            payment.checkout_session_id = current.id
        apply_checkout_session(payment, current)
        outcome = f"payment {payment.id} is {payment.status.value}"
    elif refund is not None:
        lock_rows(Refund, [refund.id])
        db.session.refresh(refund)
        if refund.status is RefundStatus.REQUESTED and field_of(current, "status") in ("succeeded", "pending"):
            settle_refund(refund)
            outcome = f"refund {refund.id} settled"
    try:
        db.session.commit()
    except IntegrityError:
        # The same event delivered twice at once: the other delivery handled it.
        db.session.rollback()
        return "already handled"
    return outcome


def _payment_for_checkout(obj) -> Payment | None:
    payment = db.session.scalar(select(Payment).where(Payment.checkout_session_id == obj["id"]))
    if payment is None:
        reference = field_of(field_of(obj, "metadata"), "payment_id") or field_of(obj, "client_reference_id")
        if reference and str(reference).isdigit():
            payment = db.session.get(Payment, int(reference))
    return payment
