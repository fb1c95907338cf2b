"""A provider's own money page: what the council and the trust owe it and have remitted (the same figures as the
commissioners' remittance), what families paid it by card; and connecting a Stripe account, against the fake Stripe."""
from __future__ import annotations

import uuid
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from budgets import dashboard as queries
from budgets import ledger
from budgets import services as money
from budgets.models import EntryKind, Payment, PaymentStatus
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.timeutil import utcnow
from providers.models import Body, Provider

from .factories import ProviderFactory, UserFactory
from .test_dashboard import _book_council, _council_offer, _csv_rows, _deliver, _soon, _text, _this_year
from .test_organisations import staff

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture


@pytest.fixture
def council(app):
    return UserFactory(role=Role.COUNCIL)


def test_a_provider_sees_what_it_is_owed_remitted_and_paid_as_the_council_remits_it(app, council, client_as):
    money.set_envelope(Body.COUNCIL, _this_year(), 1_000_000, by=council, reason="Set")
    provider = ProviderFactory(name="Acorn Play")
    other = ProviderFactory(name="Birch Club")
    member = staff(provider)
    # Last month: two places delivered (remitted), and one booked whose register was never marked (still owed).
    delivered = [_book_council(_soon(offer=_council_offer(price=price, provider=provider))) for price in (2500, 3000)]
    forgotten = _book_council(_soon(offer=_council_offer(price=1200, provider=provider)))
    for booking in delivered:
        _deliver(booking)
    for booking in (*delivered, forgotten):
        booking.session.starts_at = queries.month_bounds(queries.remittance_months()[1])[0] + timedelta(days=2)
    # This month: one delivered (not remitted until the month ends) and one booked.
    this_month = _book_council(_soon(offer=_council_offer(price=4000, provider=provider)))
    _deliver(this_month)
    _book_council(_soon(offer=_council_offer(price=700, provider=provider)))
    # Someone else's money, never on this provider's page.
    _deliver(_book_council(_soon(offer=_council_offer(price=9900, provider=other))))
    # Card payments: one straight into the provider's Stripe account (a destination charge), one taken by the
    # portal's own account (the council's to pass on, not yet the provider's).
    family = UserFactory()
    for amount, destination in ((1500, "acct_acorn"), (800, None)):
        payment = Payment(family_id=family.id, provider_id=provider.id, group_ref=str(uuid.uuid4()),
                          amount_pence=amount, status=PaymentStatus.PAID, idempotency_key=str(uuid.uuid4()),
                          expires_at=utcnow(), destination_account=destination)
        db.session.add(payment)
        db.session.flush()
        ledger.move(EntryKind.PAYMENT, amount, f"family:{family.id}", f"provider:{provider.id}", envelope_id=None,
                    reason="Card payment taken", by=family, payment=payment)
    db.session.commit()

    page = client_as(member).get("/provider/money")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Owed to you by the council or the children's trust £59.00" in text  # 12 + 40 + 7
    assert "Remitted to you £55.00" in text
    assert "Paid to you by card £15.00" in text
    this, last = queries.remittance_months()[:2]
    assert f"{queries.month_name(this)} £47.00 £0.00 £15.00" in text
    assert f"{queries.month_name(last)} £12.00 £55.00 £0.00" in text
    assert "£99.00" not in text and "Birch Club" not in text

    # The council's remittance for last month says the same for this provider, line for line.
    rows = _csv_rows(client_as(council).get(f"/money/remittance.csv?month={last}&body=council"))
    assert ["", "Acorn Play", "Total for Acorn Play", "", "", "5500", "55.00"] in rows
    assert sorted(int(r[0]) for r in rows[1:] if r[1] == "Acorn Play" and r[0]) == sorted(b.id for b in delivered)

    csv_rows = _csv_rows(client_as(member).get("/provider/money.csv"))
    assert csv_rows[0] == ["month", "remitted_pence", "remitted_pounds", "owed_pence", "owed_pounds",
                           "paid_by_card_pence", "paid_by_card_pounds"]
    assert csv_rows[1:] == [[this, "0", "0.00", "4700", "47.00", "1500", "15.00"],
                            [last, "5500", "55.00", "1200", "12.00", "0", "0.00"]]


def test_the_page_says_so_plainly_when_there_is_no_money_yet_and_is_linked_from_the_dashboard(client_as):
    provider = ProviderFactory(name="Acorn Play")
    client = client_as(staff(provider))
    assert 'href="/provider/money"' in client.get("/provider").text
    text = _text(client.get("/provider/money").text)
    assert "No money is owed to you yet, and nothing has been paid or remitted to you through this portal." in text
    assert "Card payments are not set up on this portal" in text


# --- connecting a Stripe account -----------------------------------------------------------------------------

def test_an_administrator_connects_a_stripe_account_through_stripe_onboarding(app, client_as, stripe_fake):
    provider = ProviderFactory(name="Acorn Play", email="hello@acorn.org")
    admin = staff(provider, admin=True)
    colleague = staff(provider)
    db.session.commit()
    assert "Only your organisation's administrators can connect" in unescape(client_as(colleague).get("/provider/money").text)
    assert client_as(colleague).post("/provider/money/stripe").status_code == 403
    client = client_as(admin)
    assert "Connect a Stripe account" in client.get("/provider/money").text

    going = client.post("/provider/money/stripe")
    assert going.status_code == 302 and going.location.startswith(f"{stripe_fake.api_base}/onboarding/")
    [account] = stripe_fake.accounts.values()
    assert (account["type"], account["email"], account["metadata"]) == ("express", "hello@acorn.org",
                                                                        {"provider_id": str(provider.id)})
    [(_, _, _, headers)] = [r for r in stripe_fake.requests if r[:2] == ("POST", "/v1/accounts")]
    assert headers.get("Idempotency-Key") == f"connected-account-provider-{provider.id}"
    [link] = stripe_fake.account_links
    base = app.config["BASE_URL"].rstrip("/")
    assert (link["account"], link["type"], link["return_url"], link["refresh_url"]) == (
        account["id"], "account_onboarding", f"{base}/provider/money/stripe/return",
        f"{base}/provider/money/stripe/refresh")
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    # Not used for card payments until Stripe says it can take them.
    assert (provider.stripe_onboarding_account_id, provider.stripe_account_id) == (account["id"], None)

    # Back before finishing: nothing is connected; going again uses the same account.
    text = unescape(client.get("/provider/money/stripe/return", follow_redirects=True).text)
    assert "You have not finished setting up your account with Stripe yet" in text
    assert "Continue setting up your Stripe account" in text
    assert client.post("/provider/money/stripe").status_code == 302
    assert client.get("/provider/money/stripe/refresh").location.startswith(f"{stripe_fake.api_base}/onboarding/")
    assert stripe_fake.count("POST", "/v1/accounts") == 1 and len(stripe_fake.account_links) == 3

    stripe_fake.finish_onboarding(account["id"], charges_enabled=False)
    text = unescape(client.get("/provider/money/stripe/return", follow_redirects=True).text)
    assert "Stripe says it cannot take card payments for you yet" in text
    db.session.expire_all()
    assert db.session.get(Provider, provider.id).stripe_account_id is None

    stripe_fake.finish_onboarding(account["id"], charges_enabled=True)
    text = unescape(client.get("/provider/money/stripe/return", follow_redirects=True).text)
    assert "Your Stripe account is connected. Stripe says it can take card payments" in text
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    assert (provider.stripe_account_id, provider.stripe_onboarding_account_id) == (account["id"], None)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "Provider",
                                                         AuditEvent.subject_id == provider.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.details["account"]) for e in events] == [
        ("stripe_account_created", admin.id, account["id"]), ("stripe_account_connected", admin.id, account["id"])]
    assert events[-1].details["charges_enabled"] is True and events[-1].at is not None
    # Connected: no button to connect another.
    page = client.get("/provider/money").text
    assert "Connect a Stripe account" not in page and "Your Stripe account is connected" in page
    assert stripe_fake.count("POST", "/v1/accounts") == 1


def test_stripe_being_down_is_said_plainly_and_changes_nothing(app, client_as, stripe_fake):
    provider = ProviderFactory()
    admin = staff(provider, admin=True)
    db.session.commit()
    client = client_as(admin)
    stripe_fake.go_down()
    response = client.post("/provider/money/stripe", follow_redirects=True)
    assert response.status_code == 200
    assert "We could not reach Stripe just now, so nothing has changed." in unescape(response.text)
    assert "Traceback" not in response.text
    db.session.expire_all()
    assert db.session.get(Provider, provider.id).stripe_onboarding_account_id is None

    # The account was made, then Stripe went down before the link: the account is kept, and made only once.
    stripe_fake.come_back()
    stripe_fake.fail_with(None)
    client.post("/provider/money/stripe")
    stripe_fake.fail_with(500)
    assert "could not check your Stripe account just now" in unescape(
        client.get("/provider/money/stripe/return", follow_redirects=True).text)
    stripe_fake.fail_with(None)
    db.session.expire_all()
    assert db.session.get(Provider, provider.id).stripe_onboarding_account_id in stripe_fake.accounts


def test_stripe_restricting_a_connected_account_stops_card_payments_going_to_it_until_it_can_again(
        app, client, stripe_fake):
    provider = ProviderFactory(name="Acorn Play")
    db.session.commit()
    account = stripe_fake._create_account({"type": "express", "email": "a@acorn.org", "metadata": {}})
    stripe_fake.finish_onboarding(account["id"], charges_enabled=True)
    provider.stripe_account_id = account["id"]
    db.session.commit()

    stripe_fake.finish_onboarding(account["id"], charges_enabled=False)  # Stripe restricted it
    assert stripe_fake.signed_event("account.updated", stripe_fake.accounts[account["id"]]).post(client) \
        .status_code == 200
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    assert (provider.stripe_account_id, provider.stripe_onboarding_account_id) == (None, account["id"])
    stripe_fake.finish_onboarding(account["id"], charges_enabled=True)
    assert stripe_fake.signed_event("account.updated", stripe_fake.accounts[account["id"]]).post(client) \
        .status_code == 200
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    assert (provider.stripe_account_id, provider.stripe_onboarding_account_id) == (account["id"], None)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "Provider",
                                                                 AuditEvent.subject_id == provider.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["stripe_account_paused", "stripe_account_connected"]
