"""Card payments through Stripe Checkout, end to end, through the routes a family, a provider and Stripe use.

Our real Stripe client code (the ``stripe`` library) talks over HTTP to a local fake of Stripe's API
(tests/fake_stripe.py); webhook events are signed with the test secret by Stripe's scheme. After every
test the ledger must reconcile.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import (
    BudgetKind,
    DecisionKind,
    EntryKind,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeEvent,
    financial_year,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import to_london, utcnow
from providers.models import Body, Booking, BookingStatus, PaymentRoute, Session, Tier

from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture

PRICE = 1500


@pytest.fixture(autouse=True)
def ledger_reconciles(app):
    yield
    db.session.rollback()
    assert ledger.check() == []


@pytest.fixture
def family(app):
    return UserFactory(email="amira@example.com", name="Amira Khan")


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com")


def card_session(price=PRICE, provider=None, **kwargs) -> Session:
    offer = OfferFactory(price_pence=price, payment_route=PaymentRoute.PAY_PROVIDER,
                         **({"provider": provider} if provider else {}))
    return SessionFactory(offer=offer, **kwargs)


def specialist_session(price=PRICE, **kwargs) -> Session:
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=price, payment_route=PaymentRoute.PERSONAL_BUDGET)
    return SessionFactory(offer=offer, **kwargs)


def assessed(trust, *children) -> None:
    db.session.add_all(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                                  recorded_by_id=trust.id) for child in children)
    db.session.commit()


def direct_payment(child, trust, amount, session):
    """A direct payment for the child covering the session's financial year, with the trust's envelope set."""
    year = financial_year(to_london(session.starts_at).date())
    money.set_envelope(Body.TRUST, year, 1_000_000, by=trust, reason="Trust budget for the year")
    assessed(trust, child)
    starts = max(to_london(utcnow()).date(), date(year, 4, 1))
    budget = money.allocate_budget(child, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=amount, starts_on=starts,
                                   ends_on=date(year + 1, 3, 31), review_on=starts + timedelta(days=90),
                                   reasons="Panel agreed a direct payment", by=trust)
    db.session.commit()
    return budget


def book(client, session, children, funding="card"):
    return client.post(f"/sessions/{session.id}/book",
                       data={"children": [c.id for c in children], "carer_places": 0, "funding": funding})


def bookings_on(session) -> list[Booking]:
    db.session.expire_all()
    return db.session.scalars(select(Booking).where(Booking.session_id == session.id).order_by(Booking.id)).all()


def only_payment() -> Payment:
    db.session.expire_all()
    [payment] = db.session.scalars(select(Payment)).all()
    return payment


def postings(kind: EntryKind, payment=None) -> int:
    query = select(func.count(LedgerTransaction.id)).where(LedgerTransaction.kind == kind)
    if payment is not None:
        query = query.where(LedgerTransaction.payment_id == payment.id)
    return db.session.scalar(query)


def snapshot() -> tuple:
    """Everything a webhook could change."""
    db.session.expire_all()
    return (db.session.execute(select(Booking.id, Booking.status).order_by(Booking.id)).all(),
            db.session.execute(select(Payment.id, Payment.status).order_by(Payment.id)).all(),
            db.session.execute(select(Refund.id, Refund.status).order_by(Refund.id)).all(),
            db.session.scalar(select(func.count(LedgerTransaction.id))),
            db.session.scalar(select(func.count(StripeEvent.id))))


def pay_by_card(client, session, children, stripe_fake, funding="card"):
    """Book, go to Checkout, pay there, and tell the portal by a signed webhook. Returns the payment."""
    response = book(client, session, children, funding)
    assert response.status_code == 303, response.text
    payment = only_payment_for(session)
    stripe_fake.complete(payment.checkout_session_id)
    delivered = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id).post(client)
    assert delivered.status_code == 200, delivered.text
    db.session.refresh(payment)
    assert payment.status is PaymentStatus.PAID
    return payment


def only_payment_for(session) -> Payment:
    """The payment opened by the latest booking on the session."""
    db.session.expire_all()
    return db.session.scalars(select(Payment).join(Booking, Booking.payment_id == Payment.id)
                              .where(Booking.session_id == session.id).order_by(Payment.id.desc())).first()


def expire_hold(payment: Payment) -> None:
    """Time passes on our side: the hold has run out (Stripe's clock may not have caught up)."""
    past = utcnow() - timedelta(seconds=1)
    payment.expires_at = past
    for booking in db.session.scalars(select(Booking).where(Booking.payment_id == payment.id)):
        booking.hold_expires_at = past
    db.session.commit()


# --- paying --------------------------------------------------------------------------------------------------

def test_self_pay_card_holds_the_place_then_pays_and_confirms(login, family, stripe_fake, outbox):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    response = book(client, session, [child])
    assert response.status_code == 303
    [booking] = bookings_on(session)
    payment = only_payment()
    assert booking.status is BookingStatus.HELD and payment.status is PaymentStatus.PENDING
    assert session.places_taken == 1 and booking.payment_id == payment.id
    # What the portal asked Stripe for, as Stripe received it.
    [checkout] = stripe_fake.created_sessions()
    assert response.location == checkout["url"] == payment.checkout_url
    assert checkout["id"] == payment.checkout_session_id and checkout["amount_total"] == PRICE
    assert checkout["metadata"] == {"payment_id": str(payment.id)} and checkout["client_reference_id"] == str(payment.id)
    assert checkout["expires_at"] == int(payment.expires_at.timestamp())
    assert checkout["customer_email"] == "amira@example.com"
    assert urlsplit(checkout["success_url"]).path == f"/payments/{payment.id}/paid"
    [(_, _, params, headers)] = [r for r in stripe_fake.requests if r[1] == "/v1/checkout/sessions"]
    assert headers["Idempotency-Key"] == payment.idempotency_key
    assert headers["Authorization"] == f"Bearer {stripe_fake.secret_key}"
    assert params["line_items"][0]["price_data"] == {"currency": "gbp", "unit_amount": str(PRICE),
                                                     "product_data": {"name": f"{session.offer.title}: 1 place"}}
    assert "payment_intent_data" not in params
    # The family is on Stripe's page; nothing is confirmed until Stripe says it is paid.
    assert "Pay £15.00" in requests.get(response.location, timeout=5).text
    assert "Checking your payment" in client.get(f"/payments/{payment.id}/paid").text
    assert not any("Booking confirmed" in m["Subject"] for m in outbox)

    stripe_fake.complete(checkout["id"])
    page = client.get(checkout["success_url"].replace("{CHECKOUT_SESSION_ID}", checkout["id"]))
    assert page.status_code == 200 and "Payment received" in page.text and "is confirmed" in page.text
    [booking] = bookings_on(session)
    payment = only_payment()
    assert booking.status is BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert payment.status is PaymentStatus.PAID and payment.payment_intent_id == stripe_fake.sessions[checkout["id"]][
        "payment_intent"]
    assert postings(EntryKind.PAYMENT, payment) == 1
    assert ledger.balance(f"provider:{session.offer.provider_id}") == PRICE
    assert ledger.balance(f"family:{family.id}") == -PRICE
    assert [m["Subject"] for m in outbox if "Booking confirmed" in m["Subject"]] == [
        f"Booking confirmed: {session.offer.title}"]
    db.session.refresh(session)
    assert session.places_taken == 1


def test_direct_payment_draws_on_the_childs_budget_and_records_the_spend(login, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    assert "Pay by card from my child’s direct payment" in client.get(f"/sessions/{session.id}/book").text
    response = book(client, session, [child], funding="direct_payment")
    assert response.status_code == 303
    assert money.unspent(budget) == 6000 and ledger.balance(budget.held_account) == 4000
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    assert stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id).post(
        client).json["outcome"] == f"payment {payment.id} is paid"
    [booking] = bookings_on(session)
    assert booking.status is BookingStatus.CONFIRMED and booking.budget_id == budget.id
    assert (money.unspent(budget), ledger.balance(budget.held_account)) == (6000, 0)
    assert ledger.balance(envelope_account(budget.envelope_id, "spent")) == 4000
    spend = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == EntryKind.DELIVERY))
    assert spend.booking_id == booking.id and spend.payment_id == payment.id and spend.budget_id == budget.id
    assert postings(EntryKind.PAYMENT, payment) == 1


def test_direct_payment_cannot_spend_more_than_is_left(login, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 3000, session)
    response = book(login(family), session, [child], funding="direct_payment")
    assert response.status_code == 409 and "has £30.00 left, and this break costs £40.00" in response.text
    assert bookings_on(session) == [] and stripe_fake.count() == 0 and money.unspent(budget) == 3000


def test_a_provider_with_a_connected_account_is_paid_by_destination_charge(login, family, stripe_fake):
    provider = ProviderFactory(stripe_account_id="acct_1ProviderConnected")
    session = card_session(provider=provider)
    child = ChildFactory(parent=family)
    payment = pay_by_card(login(family), session, [child], stripe_fake)
    assert payment.destination_account == "acct_1ProviderConnected"
    params = stripe_fake.params[payment.checkout_session_id]
    assert params["payment_intent_data"] == {"transfer_data": {"destination": "acct_1ProviderConnected"}}
    # Cancelled: the refund takes the money back from the provider's account it went to, not the portal's.
    [booking] = bookings_on(session)
    client = login(family)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    [sent] = stripe_fake.refunds_for(payment.payment_intent_id)
    assert stripe_fake.params[sent["id"]]["reverse_transfer"] == "true"


def test_a_refund_of_a_payment_the_portal_took_takes_nothing_back_from_any_provider(login, family, stripe_fake):
    session = card_session()
    child = ChildFactory(parent=family)
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake)
    assert payment.destination_account is None
    [booking] = bookings_on(session)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    [sent] = stripe_fake.refunds_for(payment.payment_intent_id)
    assert "reverse_transfer" not in stripe_fake.params[sent["id"]]


def test_checkout_is_accepted_by_stripe_however_short_the_hold_and_whatever_stripes_clock(app, login, family,
                                                                                         stripe_fake, monkeypatch):
    # Stripe refuses a Checkout Session lasting under 30 minutes by its own clock, which may run ahead of ours.
    monkeypatch.setitem(app.config, "PAYMENT_HOLD_MINUTES", 10)
    stripe_fake.clock_offset = 20
    child = ChildFactory(parent=family)
    session = card_session()
    response = book(login(family), session, [child])
    assert response.status_code == 303
    payment = only_payment()
    expires_at = stripe_fake.sessions[payment.checkout_session_id]["expires_at"]
    assert expires_at >= stripe_fake.now() + 30 * 60 - 5
    # The place is held at least as long as Stripe will take payment for it.
    assert int(payment.expires_at.timestamp()) >= expires_at - 15


# --- webhooks: replays, order, signatures ------------------------------------------------------------------

def test_a_replayed_event_changes_nothing(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    event = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    assert event.post(client).json["outcome"] == f"payment {payment.id} is paid"
    before, reads = snapshot(), stripe_fake.count("GET")
    for _ in range(3):
        response = event.post(client)
        assert response.status_code == 200 and response.json["outcome"] == "already handled"
    assert snapshot() == before and stripe_fake.count("GET") == reads
    assert postings(EntryKind.PAYMENT) == 1


def test_expired_event_after_completed_leaves_it_paid(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake)
    # A stale event saying the session expired: Stripe, asked again, says it is paid.
    late = stripe_fake.checkout_event("checkout.session.expired", payment.checkout_session_id, status="expired",
                                      payment_status="unpaid", payment_intent=None)
    assert late.post(client).json["outcome"] == f"payment {payment.id} is paid"
    [booking] = bookings_on(session)
    assert booking.status is BookingStatus.CONFIRMED and only_payment().status is PaymentStatus.PAID
    assert postings(EntryKind.PAYMENT) == 1 and db.session.scalar(select(func.count(Refund.id))) == 0


def test_an_expired_event_for_a_session_still_open_keeps_the_hold(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    early = stripe_fake.checkout_event("checkout.session.expired", payment.checkout_session_id, status="expired")
    assert early.post(client).json["outcome"] == f"payment {payment.id} is pending"
    [booking] = bookings_on(session)
    assert booking.status is BookingStatus.HELD


def test_completed_delivered_twice_and_with_async_success_takes_the_money_once(login, family, stripe_fake, outbox):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    events = [stripe_fake.checkout_event(kind, payment.checkout_session_id) for kind in (
        "checkout.session.completed", "checkout.session.completed", "checkout.session.async_payment_succeeded")]
    for event in events:
        assert event.post(client).status_code == 200
    assert postings(EntryKind.PAYMENT) == 1 and only_payment().status is PaymentStatus.PAID
    assert len([m for m in outbox if "Booking confirmed" in m["Subject"]]) == 1
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 3


def test_completed_event_before_the_family_returns_from_checkout(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake)
    reads = stripe_fake.count("GET")
    page = client.get(f"/payments/{payment.id}/paid?session_id={payment.checkout_session_id}")
    assert page.status_code == 200 and "Payment received" in page.text and "is confirmed" in page.text
    assert stripe_fake.count("GET") == reads  # already paid: nothing to ask Stripe
    assert postings(EntryKind.PAYMENT) == 1


def test_return_from_checkout_before_the_event_then_the_event(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    assert "Payment received" in client.get(f"/payments/{payment.id}/paid").text
    event = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    assert event.post(client).json["outcome"] == f"payment {payment.id} is paid"
    assert postings(EntryKind.PAYMENT) == 1 and bookings_on(session)[0].status is BookingStatus.CONFIRMED


@pytest.mark.parametrize("problem", ["wrong secret", "no header", "tampered payload", "old timestamp",
                                     "not signed at all", "not json"])
def test_a_badly_signed_webhook_is_refused_and_changes_nothing(login, family, stripe_fake, problem):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    good = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    payload, headers = good.payload, dict(good.headers)
    if problem == "wrong secret":
        headers = stripe_fake.signed_event("checkout.session.completed", stripe_fake.sessions[
            payment.checkout_session_id], secret="whsec_someone_else").headers
        payload = good.payload
    elif problem == "no header":
        headers = {}
    elif problem == "tampered payload":
        payload = good.payload.replace(b'"amount_total": 1500', b'"amount_total": 1')
        assert payload != good.payload
    elif problem == "old timestamp":
        from .fake_stripe import signature_header

        headers = {"Stripe-Signature": signature_header(payload, timestamp=int(time.time()) - 600)}
    elif problem == "not signed at all":
        headers = {"Stripe-Signature": "nonsense"}
    elif problem == "not json":
        from .fake_stripe import signature_header

        payload = b"this is not json"
        headers = {"Stripe-Signature": signature_header(payload)}
    before, requests_before = snapshot(), stripe_fake.count()
    response = client.post("/stripe/webhook", data=payload, headers=headers, content_type="application/json")
    assert response.status_code == 400 and response.json == {"error": "The signature did not match."}
    assert snapshot() == before and stripe_fake.count() == requests_before
    # Refused, not recorded: the genuine delivery still works.
    assert good.post(client).json["outcome"] == f"payment {payment.id} is paid"


def test_unknown_event_types_are_acknowledged_and_ignored(login, family, stripe_fake):
    client = login(family)
    before = snapshot()
    for kind, obj in [("customer.created", {"id": "cus_test_1", "object": "customer"}),
                      ("payment_intent.succeeded", {"id": "pi_test_unknown", "object": "payment_intent"}),
                      ("checkout.session.completed", {"id": "cs_test_not_ours", "object": "checkout.session",
                                                      "metadata": {}, "client_reference_id": None})]:
        response = stripe_fake.signed_event(kind, obj).post(client)
        assert response.status_code == 200 and response.json == {"received": True, "outcome": "ignored"}
    assert snapshot()[:4] == before[:4] and stripe_fake.count() == 0


def test_a_webhook_when_stripe_cannot_be_asked_is_not_recorded_so_stripe_sends_it_again(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    event = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    stripe_fake.go_down()
    assert event.post(client).status_code == 503
    assert only_payment().status is PaymentStatus.PENDING and db.session.scalar(select(func.count(StripeEvent.id))) == 0
    stripe_fake.come_back()
    assert event.post(client).json["outcome"] == f"payment {payment.id} is paid"


def test_without_stripe_keys_card_methods_are_unavailable_not_broken(app, login, family, monkeypatch):
    for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
        monkeypatch.setitem(app.config, key, None)
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    page = client.get(f"/sessions/{session.id}/book")
    assert page.status_code == 200
    assert "Pay by card now</strong> is not available: Paying by card is not available" in page.text
    assert 'value="card"' not in page.text and 'value="pay_provider"' in page.text
    response = book(client, session, [child], funding="card")
    assert response.status_code == 422 and bookings_on(session) == []
    assert book(client, session, [child], funding="pay_provider").status_code == 302
    assert client.post("/stripe/webhook", data=b"{}", headers={"Stripe-Signature": "t=1,v1=x"}).status_code == 404


# --- Stripe down, holds running out, giving up -------------------------------------------------------------

@pytest.mark.parametrize("outage", ["connection refused", "server error"])
def test_stripe_down_when_opening_checkout_releases_the_place_with_a_plain_message(login, family, trust, stripe_fake,
                                                                                 outage):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    if outage == "connection refused":
        stripe_fake.go_down()
    else:
        stripe_fake.fail_with(503)
    response = book(client, session, [child], funding="direct_payment")
    assert response.status_code == 302 and response.location.endswith(f"/sessions/{session.id}/book")
    page = client.get(response.location).text
    assert "We could not start the card payment just now, so the place has not been booked" in page
    [booking] = bookings_on(session)
    assert booking.status is BookingStatus.CANCELLED and only_payment().status is PaymentStatus.FAILED
    db.session.refresh(session)
    assert session.places_taken == 0 and money.unspent(budget) == 10_000
    if outage == "server error":
        # The library retried with the same idempotency key, so Stripe could never open two.
        keys = {headers["Idempotency-Key"] for _, path, _, headers in stripe_fake.requests
                if path == "/v1/checkout/sessions"}
        assert stripe_fake.count("POST", "/v1/checkout/sessions") == 3 and keys == {only_payment().idempotency_key}
    stripe_fake.come_back()
    stripe_fake.fail_with(None)
    assert book(client, session, [child], funding="direct_payment").status_code == 303


def test_stripe_opened_checkout_but_the_answer_was_lost_then_the_family_paid_is_refunded(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    stripe_fake.lose_responses = True
    response = book(client, session, [child])
    assert response.status_code == 302
    payment = only_payment()
    assert payment.status is PaymentStatus.FAILED and payment.checkout_session_id is None
    stripe_fake.lose_responses = False
    [checkout] = stripe_fake.created_sessions()  # one, despite the retries: the idempotency key
    stripe_fake.complete(checkout["id"])
    event = stripe_fake.checkout_event("checkout.session.completed", checkout["id"])
    assert event.post(client).json["outcome"] == f"payment {payment.id} is paid"
    payment = only_payment()
    assert payment.checkout_session_id == checkout["id"]
    [refund] = payment.refunds
    assert refund.status is RefundStatus.SUCCEEDED and refund.amount_pence == PRICE
    assert [r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [PRICE]
    assert bookings_on(session)[0].status is BookingStatus.CANCELLED


@pytest.mark.parametrize("released_by", ["expired event", "expire-holds command", "the next booking"])
def test_a_hold_running_out_releases_the_place_and_the_direct_payment(login, runner, family, trust, stripe_fake,
                                                                      released_by):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000, capacity=1)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    assert book(client, session, [child], funding="direct_payment").status_code == 303
    payment = only_payment()
    assert money.unspent(budget) == 6000
    expire_hold(payment)
    stripe_fake.expire(payment.checkout_session_id)
    if released_by == "expired event":
        event = stripe_fake.checkout_event("checkout.session.expired", payment.checkout_session_id)
        assert event.post(client).json["outcome"] == f"payment {payment.id} is expired"
    elif released_by == "expire-holds command":
        result = runner.invoke(args=["payments", "expire-holds"])
        assert "Released unpaid holds on 1 session" in result.output
    else:
        other = UserFactory()
        other_child = ChildFactory(parent=other)
        assessed(trust, other_child)
        response = book(login(other), session, [other_child], funding="card")
        assert response.status_code == 303
        client = login(family)
    first = bookings_on(session)[0]
    assert first.status is BookingStatus.EXPIRED and first.cancel_reason == "Not paid for in time"
    db.session.refresh(payment)
    assert payment.status is PaymentStatus.EXPIRED
    assert (money.unspent(budget), ledger.balance(budget.held_account)) == (10_000, 0)
    assert "You have not paid" in client.get(f"/payments/{payment.id}/paid").text


def test_paying_after_the_hold_ran_out_is_refunded_in_full(login, runner, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    assert book(client, session, [child], funding="direct_payment").status_code == 303
    payment = only_payment()
    expire_hold(payment)
    runner.invoke(args=["payments", "expire-holds"])
    assert money.unspent(budget) == 10_000
    # Stripe still took the money (its session had seconds left): the family gets it all back.
    stripe_fake.complete(payment.checkout_session_id)
    page = client.get(f"/payments/{payment.id}/paid")
    assert "Payment received" in page.text and "we are refunding it in full" in page.text
    payment = only_payment()
    [refund] = payment.refunds
    assert payment.status is PaymentStatus.PAID and refund.status is RefundStatus.SUCCEEDED
    assert [(r["amount"], r["status"]) for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [
        (4000, "succeeded")]
    assert ledger.balance(f"family:{family.id}") == 0 and ledger.balance(f"provider:{session.offer.provider_id}") == 0
    # The direct payment was given back when the hold ran out; the refund does not give it back twice.
    assert money.unspent(budget) == 10_000 and bookings_on(session)[0].status is BookingStatus.EXPIRED
    # The event arriving afterwards changes nothing.
    event = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    before = snapshot()
    assert event.post(client).status_code == 200
    assert snapshot()[:4] == before[:4] and len(stripe_fake.refunds) == 1


def test_leaving_checkout_without_paying_lets_the_place_go_and_closes_checkout(login, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    assert book(client, session, [child], funding="direct_payment").status_code == 303
    payment = only_payment()
    page = client.get(f"/payments/{payment.id}/not-paid")
    assert "We are holding your place" in page.text
    response = client.post(f"/payments/{payment.id}/not-paid")
    assert response.status_code == 302
    assert stripe_fake.sessions[payment.checkout_session_id]["status"] == "expired"
    assert bookings_on(session)[0].status is BookingStatus.CANCELLED and only_payment().status is PaymentStatus.EXPIRED
    assert money.unspent(budget) == 10_000
    assert client.post(f"/payments/{payment.id}/not-paid").status_code == 302  # a second press does nothing more


# --- refunds -----------------------------------------------------------------------------------------------

def test_family_cancelling_one_of_two_paid_places_gets_a_partial_refund(login, family, stripe_fake, outbox):
    first, second = ChildFactory(parent=family), ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    payment = pay_by_card(client, session, [first, second], stripe_fake)
    assert payment.amount_pence == 2 * PRICE
    one, two = bookings_on(session)
    response = client.post(f"/bookings/{one.id}/cancel")
    assert response.status_code == 302
    [refund] = only_payment().refunds
    assert (refund.status, refund.amount_pence, refund.booking_id) == (RefundStatus.SUCCEEDED, PRICE, one.id)
    [sent] = stripe_fake.refunds_for(payment.payment_intent_id)
    assert sent["amount"] == PRICE and stripe_fake.params[sent["id"]]["amount"] == str(PRICE)
    [(_, _, _, headers)] = [r for r in stripe_fake.requests if r[1] == "/v1/refunds"]
    assert headers["Idempotency-Key"] == f"refund-{refund.id}"
    assert [b.status for b in bookings_on(session)] == [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    assert ledger.balance(f"provider:{session.offer.provider_id}") == PRICE
    assert any(m["Subject"] == "Your refund is on its way" for m in outbox)
    # The other place too: Stripe refuses to refund more than was paid, and we never ask it to.
    assert client.post(f"/bookings/{two.id}/cancel").status_code == 302
    assert sum(r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)) == 2 * PRICE
    assert ledger.balance(f"provider:{session.offer.provider_id}") == 0
    assert only_payment().refunded_pence == 2 * PRICE


def test_family_cancelling_a_direct_payment_place_credits_the_budget_back(login, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake, funding="direct_payment")
    assert money.unspent(budget) == 6000
    [booking] = bookings_on(session)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    assert [r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [4000]
    assert money.unspent(budget) == 10_000
    assert ledger.balance(envelope_account(budget.envelope_id, "spent")) == 0


def test_a_refund_stripe_cannot_take_yet_waits_and_is_sent_later(login, runner, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    session = specialist_session(price=4000)
    budget = direct_payment(child, trust, 10_000, session)
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake, funding="direct_payment")
    [booking] = bookings_on(session)
    stripe_fake.go_down()
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    [refund] = only_payment().refunds
    assert refund.status is RefundStatus.REQUESTED and refund.attempts == 1
    # Still spent until the money is back with the family; the place itself is free again.
    assert money.unspent(budget) == 6000 and bookings_on(session)[0].status is BookingStatus.CANCELLED
    assert ledger.check() == []
    stripe_fake.come_back()
    assert "Sent 1 refund" in runner.invoke(args=["payments", "send-refunds"]).output
    assert money.unspent(budget) == 10_000
    assert [r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [4000]


def test_a_refund_stripe_finishes_later_is_settled_by_its_event(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    payment = pay_by_card(client, session, [child], stripe_fake)
    stripe_fake.refund_status = "requires_action"
    [booking] = bookings_on(session)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    [refund] = only_payment().refunds
    assert refund.status is RefundStatus.REQUESTED and refund.stripe_refund_id in stripe_fake.refunds
    # An event claiming success is not believed: Stripe, asked, still says it is waiting.
    claim = stripe_fake.signed_event("refund.updated", {**stripe_fake.refunds[refund.stripe_refund_id],
                                                        "status": "succeeded"})
    assert claim.post(client).json["outcome"] == "ignored"
    stripe_fake.settle_refund(refund.stripe_refund_id)
    event = stripe_fake.signed_event("refund.updated", stripe_fake.refunds[refund.stripe_refund_id])
    assert event.post(client).json["outcome"] == f"refund {refund.id} settled"
    assert event.post(client).json["outcome"] == "already handled"
    db.session.refresh(refund)
    assert refund.status is RefundStatus.SUCCEEDED and postings(EntryKind.REFUND, payment) == 1


def test_a_provider_cancelling_a_session_refunds_every_family_that_paid_by_card(login, trust, stripe_fake, outbox):
    session = specialist_session(price=4000)
    paid, direct, holding = UserFactory(), UserFactory(), UserFactory()
    paid_children = [ChildFactory(parent=paid), ChildFactory(parent=paid)]
    direct_child, holding_child = ChildFactory(parent=direct), ChildFactory(parent=holding)
    assessed(trust, *paid_children, holding_child)
    budget = direct_payment(direct_child, trust, 10_000, session)
    card_payment = pay_by_card(login(paid), session, paid_children, stripe_fake)
    dp_payment = pay_by_card(login(direct), session, [direct_child], stripe_fake, funding="direct_payment")
    assert book(login(holding), session, [holding_child]).status_code == 303
    assert money.unspent(budget) == 6000

    staff = UserFactory(role=Role.PROVIDER, provider_id=session.offer.provider_id)
    response = login(staff).post(f"/provider/sessions/{session.id}/cancel", data={"reason": "The pool is closed"})
    assert response.status_code == 302
    assert {b.status for b in bookings_on(session)} == {BookingStatus.CANCELLED}
    assert [r["amount"] for r in stripe_fake.refunds_for(card_payment.payment_intent_id)] == [4000, 4000]
    assert [r["amount"] for r in stripe_fake.refunds_for(dp_payment.payment_intent_id)] == [4000]
    assert len(stripe_fake.refunds) == 3  # nothing for the family who had not paid yet
    holding_payment = only_payment_for(session)
    assert holding_payment.status is PaymentStatus.EXPIRED  # no longer offered for paying
    assert login(holding).get(f"/payments/{holding_payment.id}/pay").location.endswith(
        f"/payments/{holding_payment.id}/paid")
    assert db.session.scalar(select(func.count(Refund.id)).where(Refund.status != RefundStatus.SUCCEEDED)) == 0
    assert money.unspent(budget) == 10_000
    assert ledger.balance(f"provider:{session.offer.provider_id}") == 0
    db.session.refresh(session)
    assert session.places_taken == 0


def test_money_coming_back_to_an_ended_direct_payment_goes_back_to_the_trust(login, family, trust, stripe_fake):
    child = ChildFactory(parent=family)
    held_session, paid_session = specialist_session(price=4000), specialist_session(price=3000)
    budget = direct_payment(child, trust, 10_000, held_session)
    client = login(family)
    payment = pay_by_card(client, paid_session, [child], stripe_fake, funding="direct_payment")
    assert book(client, held_session, [child], funding="direct_payment").status_code == 303
    money.change_budget(budget, DecisionKind.END, reasons="No longer needed",
                        notice_on=to_london(utcnow()).date(), by=trust)
    db.session.commit()
    available = envelope_account(budget.envelope_id, "available")
    before = ledger.balance(available)
    # The held place runs out, and the paid one is cancelled and refunded: neither lands in the ended budget.
    held = only_payment_for(held_session)
    expire_hold(held)
    stripe_fake.expire(held.checkout_session_id)
    stripe_fake.checkout_event("checkout.session.expired", held.checkout_session_id).post(client)
    [paid_booking] = bookings_on(paid_session)
    assert client.post(f"/bookings/{paid_booking.id}/cancel").status_code == 302
    assert [r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [3000]
    assert money.unspent(budget) == 0 and ledger.balance(budget.held_account) == 0
    assert ledger.balance(available) == before + 4000 + 3000


def test_giving_up_after_paying_in_another_tab_keeps_the_place(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    stripe_fake.complete(payment.checkout_session_id)
    response = client.post(f"/payments/{payment.id}/not-paid")
    assert response.status_code == 302 and response.location.endswith(f"/payments/{payment.id}/paid")
    assert "Payment received" in client.get(response.location).text
    assert bookings_on(session)[0].status is BookingStatus.CONFIRMED and stripe_fake.refunds == {}
    assert postings(EntryKind.PAYMENT) == 1


def test_cancelling_a_held_place_closes_the_payment_and_paying_anyway_is_refunded(login, family, stripe_fake):
    child = ChildFactory(parent=family)
    session = card_session()
    client = login(family)
    assert book(client, session, [child]).status_code == 303
    payment = only_payment()
    [booking] = bookings_on(session)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    assert only_payment().status is PaymentStatus.EXPIRED
    assert "You have not paid" in client.get(f"/payments/{payment.id}/paid").text
    stripe_fake.complete(payment.checkout_session_id)  # the Checkout page was still open in another tab
    event = stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id)
    assert event.post(client).json["outcome"] == f"payment {payment.id} is paid"
    assert [r["amount"] for r in stripe_fake.refunds_for(only_payment().payment_intent_id)] == [PRICE]
    assert bookings_on(session)[0].status is BookingStatus.CANCELLED
