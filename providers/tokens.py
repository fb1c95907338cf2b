"""API tokens: a provider's admin creates and revokes them, and the availability API finds them by hash.

Only a SHA-256 hash of a token is stored; the token itself is shown once, when it is created.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import User, record
from portal.timeutil import utcnow

from .models import ApiToken, Body, Provider, ProviderStatus

TOKEN_PREFIX = "sbp_"
# Shown beside each token's name so the admin can tell which one a system uses ("sbp_" and 8 characters).
SHOWN_PREFIX_LENGTH = 12
NAME_MAX_LENGTH = 80
# How often last_used_at moves: to the minute, so that reading the API does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _check_admin(provider_id: int, by: User | None) -> None:
    if by is not None and not (by.is_provider_admin and by.provider_id == provider_id):
        raise NotAllowed(_("Only your organisation's admins can create or revoke API tokens."))


def create_token(provider: Provider, name: str, by: User | None) -> tuple[ApiToken, str]:
    """Create a token for the provider's own systems. Returns the token and its plaintext, to show once."""
    _check_admin(provider.id, by)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, such as the system that will use it."))
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(_("A token's name can be at most %(most)s characters.", most=NAME_MAX_LENGTH))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(provider_id=provider.id, name=name, prefix=plaintext[:SHOWN_PREFIX_LENGTH],
                     token_hash=token_hash(plaintext), created_by_id=by.id if by is not None else None)
    db.session.add(token)
    db.session.flush()
    record("api_token_created", token, by=by, name=name, provider_id=provider.id)
    return token, plaintext


def revoke_token(token: ApiToken, by: User | None) -> ApiToken:
    """Stop a token working, at once and for good."""
    _check_admin(token.provider_id, by)
    if token.revoked_at is not None:
        raise DomainError(_("This token has already been revoked."))
    token.revoked_at = utcnow()
    record("api_token_revoked", token, by=by, name=token.name, provider_id=token.provider_id)
    return token


def find_live_token(plaintext: str) -> ApiToken | None:
    """The token with this plaintext, unless it is unknown or revoked."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def refusal(token: ApiToken) -> str | None:
    """Why the token's organisation may not use the API at the moment, or None when it may.

    Decided by the provider's status on every request, so a token works again once a suspension is lifted."""
    provider = token.provider
    if provider.status is ProviderStatus.SUSPENDED:
        if provider.approving_body is Body.COUNCIL:
            return _("%(name)s is suspended, so its API tokens do not work until it is reinstated. Contact the "
                     "council about the suspension.", name=provider.name)
        return _("%(name)s is suspended, so its API tokens do not work until it is reinstated. Contact the "
                 "children's trust about the suspension.", name=provider.name)
    return None


def mark_used(token: ApiToken) -> bool:
    """Note that the token was just used; True when that changed the row (the caller commits)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    return True
