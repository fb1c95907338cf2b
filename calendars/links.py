"""Private calendar links: made (and made again, which stops the old one working) by the family, or by a provider
organisation's admin, and found again from the secret in a feed's address.

Only a SHA-256 hash of the secret is stored, like an API token's (providers.tokens): the link is shown once."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import NotAllowed
from portal.extensions import db
from portal.models import Role, User, record
from portal.timeutil import utcnow
from providers.models import Provider
from providers.tokens import token_hash

from .models import CalendarLink

SECRET_BYTES = 32


def family_link(family: User) -> CalendarLink | None:
    return db.session.scalar(select(CalendarLink).where(CalendarLink.family_id == family.id))


def provider_link(provider: Provider) -> CalendarLink | None:
    return db.session.scalar(select(CalendarLink).where(CalendarLink.provider_id == provider.id))


def _make(link: CalendarLink | None, by: User, **owner) -> str:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    action = "calendar_link_made" if link is None else "calendar_link_reset"
    if link is None:
        link = CalendarLink(**owner)
        db.session.add(link)
    link.token_hash, link.made_by_id, link.made_at = token_hash(secret), by.id, utcnow()
    db.session.flush()
    record(action, link, by=by, **owner)
    return secret


def make_family_link(family: User, *, by: User) -> str:
    """A new private link to the family's bookings calendar (any earlier one stops working); returns its secret."""
    if by.id != family.id or not by.role.is_family:
        raise NotAllowed(_("Only the family can make a link to their own calendar."))
    return _make(family_link(family), by, family_id=family.id)


def make_provider_link(provider: Provider, *, by: User) -> str:
    """A new private link to the organisation's sessions calendar (any earlier one stops working)."""
    if not (by.role is Role.PROVIDER and by.is_provider_admin and by.provider_id == provider.id):
        raise NotAllowed(_("Only your organisation's admins can make or reset its calendar link."))
    return _make(provider_link(provider), by, provider_id=provider.id)


def _link_for(secret: str) -> CalendarLink | None:
    return db.session.scalar(select(CalendarLink).where(CalendarLink.token_hash == token_hash(secret)))


def family_for(secret: str) -> User | None:
    """The family whose calendar this secret opens, unless their account is closed (deleted, or deactivated)."""
    link = _link_for(secret)
    if link is None or link.family is None or not link.family.active:
        return None
    return link.family


def provider_for(secret: str) -> Provider | None:
    link = _link_for(secret)
    return None if link is None else link.provider
