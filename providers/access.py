"""What provider staff may load: only their own organisation's offers and sessions (anyone else's are 'not found')."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import get_or_404
from portal.extensions import db
from portal.models import Role

from .models import Offer, Provider, Session


def own_provider() -> Provider:
    """The signed-in member of staff's organisation; staff not attached to one may not use these pages."""
    provider = db.session.get(Provider, current_user.provider_id) if current_user.provider_id else None
    if provider is None:
        abort(403)
    return provider


def provider_offer_or_404(offer_id: int) -> Offer:
    if current_user.role is Role.ADMIN:
        return get_or_404(Offer, offer_id)
    provider = own_provider()
    offer = get_or_404(Offer, offer_id)
    if offer.provider_id != provider.id:
        abort(404)
    return offer


def provider_session_or_404(session_id: int) -> Session:
    provider = own_provider()
    session = db.session.scalar(select(Session).options(joinedload(Session.offer)).where(Session.id == session_id))
    if session is None or session.offer.provider_id != provider.id:
        abort(404)
    return session
