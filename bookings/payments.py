"""Card payments: open a Checkout Session for held places, act on what Stripe says, refund.

We never act on what an event or a redirect claims: we re-read the Checkout Session from Stripe and
move our payment on from the state it is really in. Every move is idempotent, so a replayed event,
an event out of order, or the family's browser and the webhook arriving together change nothing twice.
Network calls to Stripe are made outside the transactions that hold places (before or after them).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from budgets import ledger, stripe_connect, stripe_gateway
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
from budgets.stripe_gateway import field_of
from portal import notify
from portal.errors import DomainError
from portal.extensions import db
from portal.locking import lock_rows
from portal.models import record
from portal.timeutil import utcnow
from providers.models import BookingStatus

from . import refunds
from .funding import bookings_of, close_unpaid
from .places import (
    CHECKOUT_FAILED,
    PAID_TOO_LATE,
    PAYMENT_ABANDONED,
    confirmation_email,
    lock_capacity,
    release_places,
    settle,
)

CHECKOUT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded",
                   "checkout.session.async_payment_failed", "checkout.session.expired"}
REFUND_EVENTS = {"refund.created", "refund.updated", "charge.refund.updated"}
CARD_PAYMENT_TAKEN = "Card payment taken"  # i18n: not shown (a ledger record)


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

# Lazy: translated when shown (flash ``str(CHECKOUT_UNAVAILABLE)``: the session cannot store a lazy string).
CHECKOUT_UNAVAILABLE = _l("We could not start the card payment just now, so the place has not been booked. "
                          "Please try again in a few minutes, or choose another way to pay.")

# The payment's states and the moves between them; each move is one of the service functions below.
MOVES = {
    PaymentStatus.PENDING: {PaymentStatus.PAID, PaymentStatus.EXPIRED, PaymentStatus.FAILED},
    # Paid after the hold ran out or the checkout failed: the money is taken, and refunded if the places are gone.
    PaymentStatus.EXPIRED: {PaymentStatus.PAID},
    PaymentStatus.FAILED: {PaymentStatus.PAID},
    PaymentStatus.PAID: set(),
}


def _move(payment: Payment, to: PaymentStatus) -> None:
    if to not in MOVES[payment.status]:
        # Every caller checks the move first, so this guard is never shown to anyone.
        raise DomainError(f"This payment is {payment.status.value}, "  # i18n: not shown (a guard)
                          f"so it cannot become {to.value}.")
    payment.status = to


def start_checkout(payment: Payment) -> str | None:
    """Ask Stripe for a Checkout Session for a payment whose places are held; returns the page to send the family to.

    Called after the booking transaction has committed, so no lock is held across the network. If Stripe cannot
    be reached the payment fails and its places are released, and None is returned (the caller commits either
    way and tells the family ``CHECKOUT_UNAVAILABLE``).
    """
    if payment.checkout_url:
        return payment.checkout_url
    bookings = bookings_of(payment)
    session = bookings[0].session
    places = len(bookings)
    try:
        checkout = stripe_gateway.create_checkout_session(
            amount_pence=payment.amount_pence,
            # Shown to the family on Stripe's checkout page, in the language of the page they came from.
            description=ngettext("%(title)s: %(num)s place", "%(title)s: %(num)s places", places,
                                 title=session.offer.title),
            payment_id=payment.id, idempotency_key=payment.idempotency_key, expires_at=payment.expires_at,
            success_url=notify.link("payments.returned", payment_id=payment.id)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=notify.link("payments.abandoned", payment_id=payment.id),
            customer_email=payment.family.email, destination=payment.destination_account)
    except stripe_gateway.StripeUnavailable:
        fail(payment)
        return None
    payment.checkout_session_id = checkout.id
    payment.checkout_url = checkout.url
    record("checkout_started", payment, by=payment.family, checkout_session_id=checkout.id,
           amount_pence=payment.amount_pence)
    return checkout.url


def fail(payment: Payment) -> None:
    """The checkout could not be opened: the payment fails and its places go back."""
    bookings = _lock_payment(payment)
    if payment.status is not PaymentStatus.PENDING:
        return
    _move(payment, PaymentStatus.FAILED)
    record("payment_failed", payment, by=None)
    release_places(bookings, reason=CHECKOUT_FAILED, by=None)


# --- acting on Stripe's state ---------------------------------------------------------------------------------

def sync_from_stripe(payment: Payment) -> Payment:
    """Re-read the payment's Checkout Session from Stripe and act on it (the caller commits)."""
    if not payment.checkout_session_id:
        return payment
    checkout = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
    apply_checkout_session(payment, checkout)
    return payment


def apply_checkout_session(payment: Payment, checkout) -> None:
    """Move the payment on from the Checkout Session's real state (inside a transaction; the caller commits)."""
    bookings = _lock_payment(payment)
    paid = field_of(checkout, "payment_status") in ("paid", "no_payment_required")
    if paid and PaymentStatus.PAID in MOVES[payment.status]:
        _move(payment, PaymentStatus.PAID)
        payment.paid_at = utcnow()
        payment.payment_intent_id = _id_of(field_of(checkout, "payment_intent"))
        ledger.move(EntryKind.PAYMENT, payment.amount_pence, f"family:{payment.family_id}",
                    f"provider:{payment.provider_id}", envelope_id=None, reason=CARD_PAYMENT_TAKEN,
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
                refunds.request_refund(payment, None, booking.price_pence, PAID_TOO_LATE)
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
    """The family came back from Checkout without paying: close the Checkout Session, and let the places go now
    (the caller commits).

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
            return
    bookings = _lock_payment(payment)
    if payment.status is not PaymentStatus.PENDING:
        return
    _move(payment, PaymentStatus.EXPIRED)
    record("payment_abandoned", payment, by=by)
    release_places([b for b in bookings if b.status is BookingStatus.HELD],
                   reason=PAYMENT_ABANDONED, by=by)


# --- webhooks --------------------------------------------------------------------------------------------------

def handle_event(event) -> str:
    """Act on a verified webhook event once (the caller commits). Returns what happened, for the response and the log.

    The event only says which object to look at: we read that object back from Stripe (before taking any
    lock, so no lock is held across the network) and act on its state now, not on the event's snapshot.
    """
    if db.session.get(StripeEvent, event["id"]) is not None:
        return "already handled"  # i18n: not shown (the webhook's answer to Stripe)
    kind = event["type"]
    obj = event["data"]["object"]
    payment = refund = provider = current = None
    if kind == "account.updated":  # a provider's connected account: can it take card payments now?
        provider = stripe_connect.provider_of_account(obj["id"])
        if provider is not None:
            current = stripe_gateway.retrieve_account(obj["id"])
    elif kind in CHECKOUT_EVENTS:
        payment = _payment_for_checkout(obj)
        if payment is not None:
            current = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id or obj["id"])
    elif kind in REFUND_EVENTS:
        refund = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))
        if refund is not None:
            current = stripe_gateway.retrieve_refund(obj["id"])
    db.session.add(StripeEvent(id=event["id"], type=kind))
    db.session.flush()  # the same event delivered twice at once fails here or at the commit: the view says so
    outcome = "ignored"
    if payment is not None:
        if payment.checkout_session_id is None:
            payment.checkout_session_id = current.id
        apply_checkout_session(payment, current)
        outcome = f"payment {payment.id} is {payment.status.value}"  # i18n: not shown (the webhook's answer)
    elif refund is not None:
        lock_rows(Refund, [refund.id])
        db.session.refresh(refund)
        if refund.status is RefundStatus.REQUESTED and field_of(current, "status") in ("succeeded", "pending"):
            refunds.settle_refund(refund)
            outcome = f"refund {refund.id} settled"  # i18n: not shown (the webhook's answer)
    elif provider is not None:
        state = stripe_connect.apply_account(provider, current, by=None)
        outcome = f"provider {provider.id} takes card payments: {state.charges_enabled}"  # i18n: not shown (the webhook's answer)
    return outcome


def _payment_for_checkout(obj) -> Payment | None:
    payment = db.session.scalar(select(Payment).where(Payment.checkout_session_id == obj["id"]))
    if payment is None:
        reference = field_of(field_of(obj, "metadata"), "payment_id") or field_of(obj, "client_reference_id")
        if reference and str(reference).isdigit():
            payment = db.session.get(Payment, int(reference))
    return payment
