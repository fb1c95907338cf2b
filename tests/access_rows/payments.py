"""Access rows for card payments: a family's own payment pages, and Stripe's webhook.

The world gives the parent a paid card payment for the shared booking."""
from datetime import timedelta

from budgets.models import Payment, PaymentStatus
from portal.extensions import db
from portal.timeutil import utcnow
from providers.models import Booking

from . import FAMILY_OWN, FAMILY_OWNED, NO_CHILD_RECORD, ROLES

ROWS = [
    # Already paid: on to the receipt.
    ("GET", "/payments/<int:payment_id>/pay", dict(FAMILY_OWNED, parent=302), FAMILY_OWN),
    ("GET", "/payments/<int:payment_id>/paid", FAMILY_OWNED, FAMILY_OWN),
    ("GET", "/payments/<int:payment_id>/not-paid", FAMILY_OWNED, FAMILY_OWN),
    # Already paid: no place is let go, and the family goes on to the receipt.
    ("POST", "/payments/<int:payment_id>/not-paid", dict(FAMILY_OWNED, parent=302), FAMILY_OWN),
    # Without Stripe keys the webhook does not exist; with them an unsigned request is refused (tests/test_stripe).
    ("POST", "/stripe/webhook", {r: 404 for r in ROLES}, NO_CHILD_RECORD),
]


def world(users, values):
    booking = db.session.get(Booking, values["booking_id"])
    payment = Payment(family_id=users["parent"].id, provider_id=booking.session.offer.provider_id,
                      group_ref=booking.group_ref, amount_pence=1500, status=PaymentStatus.PAID,
                      idempotency_key="access-table", expires_at=utcnow() + timedelta(minutes=30), paid_at=utcnow())
    db.session.add(payment)
    db.session.flush()
    return {"payment_id": payment.id}
