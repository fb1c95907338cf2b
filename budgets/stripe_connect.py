"""Stripe Connect onboarding: a provider's administrator connects a Stripe account, so that families' card payments
for its places go straight to it (destination charges, ``bookings.funding``).

We make an Express connected account for the provider (once: an idempotency key, and its id kept on the provider),
send the administrator to Stripe's onboarding through an Account Link, and read the account back when they return.
Card payments go to the account (it becomes ``Provider.stripe_account_id``) only once Stripe says it can take
charges; until then the provider is paid as before. Services never commit: the view does."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _

from sqlalchemy import or_, select

from portal.errors import DomainError
from portal.extensions import db
from portal.models import User, record
from providers import organisations
from providers.models import Provider

from . import stripe_gateway
from .stripe_gateway import field_of


@dataclass(frozen=True)
class AccountState:
    account_id: str
    charges_enabled: bool
    details_submitted: bool


def account_of(provider: Provider) -> str | None:
    """The provider's connected account, finished or not."""
    return provider.stripe_account_id or provider.stripe_onboarding_account_id


def ensure_account(provider: Provider, *, by: User) -> str:
    """The provider's connected account, made now if it has none (the caller commits before going to Stripe)."""
    organisations.check_admin(by, provider)
    if not stripe_gateway.configured():
        raise DomainError(_("Card payments are not set up on this portal, so there is no Stripe account to connect."))
    if account_of(provider):
        return account_of(provider)
    # No lock across the call to Stripe: two administrators at once get the same account, by the idempotency key.
    account = stripe_gateway.create_connected_account(email=provider.email, provider_id=provider.id,
                                                      idempotency_key=f"connected-account-provider-{provider.id}")
    provider.stripe_onboarding_account_id = account.id
    record("stripe_account_created", provider, by=by, account=account.id)
    return account.id


def onboarding_link(account_id: str, *, refresh_url: str, return_url: str) -> str:
    """Where to send the administrator to fill in Stripe's onboarding (a link that works once, for minutes)."""
    link = stripe_gateway.create_account_link(account_id=account_id, refresh_url=refresh_url, return_url=return_url,
                                              idempotency_key=str(uuid.uuid4()))
    return link.url


def read_back(provider: Provider, *, by: User | None) -> AccountState | None:
    """Read the provider's connected account from Stripe and act on what it says now (the caller commits)."""
    account_id = account_of(provider)
    if account_id is None:
        return None
    return apply_account(provider, stripe_gateway.retrieve_account(account_id), by=by)


def apply_account(provider: Provider, account, *, by: User | None) -> AccountState:
    """Card payments go to the account once Stripe says it can take charges, and stop going to it when Stripe says it
    no longer can (it restricted the account): the provider is then paid as before, through the portal's own account,
    until Stripe says it can again. Each change is audited."""
    state = AccountState(field_of(account, "id"), bool(field_of(account, "charges_enabled", False)),
                         bool(field_of(account, "details_submitted", False)))
    if state.charges_enabled and provider.stripe_account_id != state.account_id:
        organisations.lock(provider)
        provider.stripe_account_id = state.account_id
        provider.stripe_onboarding_account_id = None
        record("stripe_account_connected", provider, by=by, account=state.account_id,
               charges_enabled=state.charges_enabled, details_submitted=state.details_submitted)
    elif not state.charges_enabled and provider.stripe_account_id == state.account_id:
        organisations.lock(provider)
        provider.stripe_account_id = None
        provider.stripe_onboarding_account_id = state.account_id
        record("stripe_account_paused", provider, by=by, account=state.account_id,
               charges_enabled=state.charges_enabled, details_submitted=state.details_submitted)
    return state


def provider_of_account(account_id: str) -> Provider | None:
    """The provider whose connected account (finished or not) this is."""
    return db.session.scalar(select(Provider).where(or_(Provider.stripe_account_id == account_id,
                                                        Provider.stripe_onboarding_account_id == account_id)))
