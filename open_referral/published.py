"""Loading what the feed publishes: a page of public offers, or one with its schedules. Each costs the same number
of queries however many offers, sessions and series there are."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.timeutil import utcnow
from providers.models import Offer, Session, SessionSeries, SessionStatus

from .changes import last_modified
from .filters import FeedFilters, offers_query

# A service lists at most this many dated sessions (the offer page pages through the rest).
MOST_SESSIONS = 400


@dataclass
class OfferPage:
    offers: list[Offer]
    total: int
    modified: dict[int, datetime]


@dataclass
class Timetable:
    """An offer's upcoming schedules: its series with sessions to come, its one-off sessions, and the days a
    series skips (its exceptions and its cancelled sessions)."""

    series: list[SessionSeries]
    sessions: list[Session]
    cancelled: dict[int, list[Session]]


def page_of_offers(filters: FeedFilters) -> OfferPage:
    stmt = offers_query(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offers = list(db.session.scalars(
        stmt.options(joinedload(Offer.provider), joinedload(Offer.locality))
        .order_by(Offer.id).limit(filters.per_page).offset((filters.page - 1) * filters.per_page)))
    return OfferPage(offers, total, last_modified([offer.id for offer in offers]))


def public_offer(offer_id: int) -> Offer | None:
    """The offer, if the local offer shows it to anyone, with all that its service document needs."""
    return db.session.scalar(
        offers_query(FeedFilters()).where(Offer.id == offer_id)
        .options(joinedload(Offer.provider), joinedload(Offer.locality), selectinload(Offer.need_rows),
                 selectinload(Offer.feature_rows)))


def timetable(offer: Offer) -> Timetable:
    now = utcnow()
    upcoming = and_(Session.status == SessionStatus.OPEN, Session.starts_at > now)
    series = list(db.session.scalars(
        select(SessionSeries).where(SessionSeries.offer_id == offer.id, exists().where(
            Session.series_id == SessionSeries.id, upcoming)).order_by(SessionSeries.first_day, SessionSeries.id)))
    sessions = list(db.session.scalars(
        select(Session).where(Session.offer_id == offer.id, Session.starts_at > now, or_(
            and_(Session.series_id.is_(None), Session.status == SessionStatus.OPEN),
            and_(Session.series_id.is_not(None), Session.status == SessionStatus.CANCELLED)))
        .order_by(Session.starts_at, Session.id).limit(MOST_SESSIONS)))
    cancelled: dict[int, list[Session]] = {}
    for session in sessions:
        if session.series_id is not None:
            cancelled.setdefault(session.series_id, []).append(session)
    return Timetable(series, [s for s in sessions if s.series_id is None], cancelled)


def changed_at(offer: Offer) -> datetime:
    return last_modified([offer.id])[offer.id]
