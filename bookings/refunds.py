"""Card refunds: asked for inside the transaction that gives a place back, sent to Stripe once it has committed.

A refund is a row (REQUESTED) written with the change that causes it, so it is never lost; sending it is queued
on the after-commit outbox, and `flask payments send-refunds` sends any that Stripe could not take at the time.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from budgets import ledger, stripe_gateway
from budgets.ledger import Dims, Leg, envelope_account
from budgets.models import EntryKind, Payment, PersonalBudget, Refund, RefundStatus
from budgets.services import lock_budget
from budgets.stripe_gateway import field_of
from portal import notify
from portal.extensions import db
from portal.locking import lock_rows
from portal.models import record
from portal.outbox import after_commit
from portal.timeutil import utcnow
from providers.models import Booking


def request_refund(payment: Payment, booking_id: int | None, amount_pence: int, reason: str) -> Refund:
    """Ask for a refund with the change that causes it; it is sent to Stripe once that change has committed."""
    refund = Refund(payment=payment, booking_id=booking_id, amount_pence=amount_pence, reason=reason)
    db.session.add(refund)
    db.session.flush()
    after_commit(send_refund, refund.id)
    return refund


def requested(limit: int = 100) -> list[int]:
    return db.session.scalars(select(Refund.id).where(Refund.status == RefundStatus.REQUESTED)
                              .order_by(Refund.id).limit(limit)).all()


def send_refund(refund_id: int) -> bool:
    """Send one requested refund to Stripe (the caller commits). True if Stripe took it."""
    refund = db.session.get(Refund, refund_id)
    lock_rows(Refund, [refund_id])
    db.session.refresh(refund)
    if refund.status is not RefundStatus.REQUESTED:
        return False
    payment = refund.payment
    try:
        stripe_refund = stripe_gateway.create_refund(
            payment_intent=payment.payment_intent_id, amount_pence=refund.amount_pence,
            idempotency_key=f"refund-{refund.id}", reason=refund.reason,
            from_connected_account=bool(payment.destination_account))
    except stripe_gateway.StripeUnavailable as exc:
        refund.attempts += 1
        refund.last_error = str(exc)[:500]
        return False
    refund.stripe_refund_id = stripe_refund.id
    if field_of(stripe_refund, "status") in ("succeeded", "pending"):
        settle_refund(refund)
        return True
    if field_of(stripe_refund, "status") == "failed":
        refund.status = RefundStatus.FAILED
        record("refund_failed", payment, by=None, refund_id=refund.id)
    return False


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
    # Imported here: places imports this module (through funding).
    from .places import shown_reason

    notify.queue(payment.family, _l("Your refund is on its way"), "refund_made", refund=refund, payment=payment,
                 reason=shown_reason(refund.reason))
