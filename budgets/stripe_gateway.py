"""Our only door to Stripe: Checkout Sessions, refunds, providers' connected accounts (Stripe Connect onboarding) and
webhook signatures, through Stripe's own library.

Every call that creates something carries an idempotency key, so a retry never takes money twice.
Tests point ``STRIPE_API_BASE`` at a local fake of Stripe's HTTP API; this code runs unchanged.
"""
from __future__ import annotations

import time
from datetime import datetime

import stripe
from flask import current_app

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created.
SHORTEST_CHECKOUT_MINUTES = 30


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; nothing was changed on our side."""


def configured() -> bool:
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def client() -> stripe.StripeClient:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise StripeUnavailable("Card payments are not set up on this portal (no Stripe secret key).")  # i18n: not shown (kept as a refund's last_error for operators)
    kwargs = {}
    if config.get("STRIPE_API_BASE"):
        kwargs["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2, **kwargs)


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as exc:
        current_app.logger.warning("Stripe request failed: %s", exc)
        raise StripeUnavailable(str(exc)) from exc


def create_checkout_session(*, amount_pence: int, description: str, payment_id: int,
                            idempotency_key: str, expires_at: datetime, success_url: str, cancel_url: str,
                            customer_email: str, destination: str | None) -> stripe.checkout.Session:
    params = {
        "mode": "payment",
        "line_items": [{
            "quantity": 1,
            "price_data": {"currency": "gbp", "unit_amount": amount_pence,
                           "product_data": {"name": description}},
        }],
        "client_reference_id": str(payment_id),
        "metadata": {"payment_id": str(payment_id)},
        "customer_email": customer_email,
        # Normally the hold's end; never sooner than Stripe accepts (a family paying in the seconds between
        # the two is refunded, as anyone paying after their hold ran out is).
        "expires_at": max(int(expires_at.timestamp()), int(time.time()) + SHORTEST_CHECKOUT_MINUTES * 60 + 10),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if destination:
        # A destination charge: the provider's connected account receives the money directly.
        params["payment_intent_data"] = {"transfer_data": {"destination": destination}}
    return _call(client().v1.checkout.sessions.create, params, {"idempotency_key": idempotency_key})


def retrieve_checkout_session(checkout_session_id: str) -> stripe.checkout.Session:
    return _call(client().v1.checkout.sessions.retrieve, checkout_session_id)


def expire_checkout_session(checkout_session_id: str) -> stripe.checkout.Session:
    """Close an unpaid Checkout Session so it can no longer be paid."""
    return _call(client().v1.checkout.sessions.expire, checkout_session_id)


def create_refund(*, payment_intent: str, amount_pence: int, idempotency_key: str, reason: str,
                  from_connected_account: bool = False) -> stripe.Refund:
    """Give money back on a payment. A destination charge's refund takes the money back from the provider's
    connected account it went to (``reverse_transfer``), not from the portal's own."""
    params = {"payment_intent": payment_intent, "amount": amount_pence, "metadata": {"reason": reason[:400]}}
    if from_connected_account:
        params["reverse_transfer"] = True
    return _call(client().v1.refunds.create, params, {"idempotency_key": idempotency_key})


def retrieve_refund(refund_id: str) -> stripe.Refund:
    return _call(client().v1.refunds.retrieve, refund_id)


def create_connected_account(*, email: str, provider_id: int, idempotency_key: str) -> stripe.Account:
    """An Express connected account for a provider, to receive destination charges."""
    return _call(client().v1.accounts.create, {
        "type": "express", "country": "GB", "email": email,
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "metadata": {"provider_id": str(provider_id)},
    }, {"idempotency_key": idempotency_key})


def retrieve_account(account_id: str) -> stripe.Account:
    return _call(client().v1.accounts.retrieve, account_id)


def create_account_link(*, account_id: str, refresh_url: str, return_url: str,
                        idempotency_key: str) -> stripe.AccountLink:
    """A single-use link to Stripe's onboarding for a connected account (it expires in minutes)."""
    return _call(client().v1.account_links.create, {"account": account_id, "type": "account_onboarding",
                                                    "refresh_url": refresh_url, "return_url": return_url},
                 {"idempotency_key": idempotency_key})


def verify_event(payload: bytes, signature: str | None) -> stripe.Event:
    """The event, if Stripe signed it with our webhook secret; raises ValueError otherwise."""
    if not signature:
        raise ValueError("No Stripe-Signature header.")
    try:
        return stripe.Webhook.construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise ValueError(str(exc)) from exc


def field_of(stripe_object, name: str, default=None):
    """A field of a Stripe object or a plain dict (Stripe's objects are not dicts: they have no ``.get``)."""
    if stripe_object is None or name not in stripe_object:
        return default
    value = stripe_object[name]
    return default if value is None else value
