"""When a service last changed, for its ``last_modified``, the feed's ``modified_after`` and HTTP caching.

Nothing is stored for this: the audit trail already says when an offer, its provider, its sessions and its series
changed. A service also changes when one of its sessions starts, as that session leaves the upcoming schedules.
Rows written without an audit entry (the demo's) count from when the offer was created."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, union_all

from portal.extensions import db
from portal.models import AuditEvent
from portal.timeutil import utcnow
from providers.models import Offer, Session, SessionSeries

# What a provider's audit entries say that changes what the feed shows of it (not its staff or its insurance).
PUBLIC_PROVIDER_ACTIONS = (
    "provider_details_changed", "provider_approved", "provider_suspended", "provider_reinstated",
    "provider_name_change_approved", "sessions_imported",
)


def _sources(offer_ids, now: datetime):
    """(offer id, moment) for every change to the given offers (a list, or a correlated column)."""
    offers = select(Offer.id.label("offer_id"), Offer.created_at.label("at")).where(Offer.id.in_(offer_ids))
    offer_events = (select(AuditEvent.subject_id, AuditEvent.at)
                    .where(AuditEvent.subject_type == "Offer", AuditEvent.subject_id.in_(offer_ids)))
    provider_events = (select(Offer.id, AuditEvent.at)
                       .join(AuditEvent, and_(AuditEvent.subject_type == "Provider",
                                              AuditEvent.subject_id == Offer.provider_id))
                       .where(Offer.id.in_(offer_ids), AuditEvent.action.in_(PUBLIC_PROVIDER_ACTIONS)))
    session_events = (select(Session.offer_id, AuditEvent.at)
                      .join(AuditEvent, and_(AuditEvent.subject_type == "Session", AuditEvent.subject_id == Session.id))
                      .where(Session.offer_id.in_(offer_ids)))
    series_events = (select(SessionSeries.offer_id, AuditEvent.at)
                     .join(AuditEvent, and_(AuditEvent.subject_type == "SessionSeries",
                                            AuditEvent.subject_id == SessionSeries.id))
                     .where(SessionSeries.offer_id.in_(offer_ids)))
    started = (select(Session.offer_id, Session.starts_at)
               .where(Session.offer_id.in_(offer_ids), Session.starts_at <= now))
    return union_all(offers, offer_events, provider_events, session_events, series_events, started).subquery()


def last_modified(offer_ids: list[int]) -> dict[int, datetime]:
    """{offer id: when its service last changed}, in one query whatever the number of offers."""
    if not offer_ids:
        return {}
    changes = _sources(offer_ids, utcnow())
    rows = db.session.execute(select(changes.c.offer_id, func.max(changes.c.at)).group_by(changes.c.offer_id))
    return {offer_id: at for offer_id, at in rows}


def changed_since(moment: datetime):
    """A condition on Offer: its service changed at or after ``moment``."""
    now = utcnow()
    return or_(
        Offer.created_at >= moment,
        exists().where(AuditEvent.subject_type == "Offer", AuditEvent.subject_id == Offer.id,
                       AuditEvent.at >= moment),
        exists().where(AuditEvent.subject_type == "Provider", AuditEvent.subject_id == Offer.provider_id,
                       AuditEvent.action.in_(PUBLIC_PROVIDER_ACTIONS), AuditEvent.at >= moment),
        exists().where(Session.offer_id == Offer.id, AuditEvent.subject_type == "Session",
                       AuditEvent.subject_id == Session.id, AuditEvent.at >= moment),
        exists().where(SessionSeries.offer_id == Offer.id, AuditEvent.subject_type == "SessionSeries",
                       AuditEvent.subject_id == SessionSeries.id, AuditEvent.at >= moment),
        exists().where(Session.offer_id == Offer.id, Session.starts_at >= moment, Session.starts_at <= now),
    )
