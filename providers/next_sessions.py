"""Each offer's next open session on each day of the week, kept for the search (``offer_next_sessions``).

Triggers on ``sessions`` keep each offer's row true as sessions are added, moved, cancelled or removed (migration
5e6f708192a3 says how). A row holds, for each weekday, the earliest open session starting after its ``checked_at``;
so it answers "when is the next session?" for any moment from ``checked_at`` until the earliest of its values, after
which that session has started and the row is out of date. ``next_start`` uses a row only while it answers, and
asks the sessions themselves otherwise, so the search is never wrong, only slower for an offer whose row is out of
date. ``providers.commands.check_next_sessions`` (every five minutes) works those rows out again.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, case, func, literal, select, text

from portal.extensions import db
from portal.timeutil import UTCDateTime

from .models import Offer, Session, SessionStatus, offer_next_sessions

WEEKDAYS = range(7)
# Stands for "no session on that day" where the earliest of several days is taken (SQLite's min() of values with a
# NULL among them is NULL).
NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)


def _earliest(values: list):
    if len(values) == 1:
        return values[0]
    earliest = func.least if db.engine.dialect.name == "postgresql" else func.min
    return earliest(*values, type_=UTCDateTime)


def _soonest(days) -> object:
    never = literal(NEVER, UTCDateTime)
    return _earliest([func.coalesce(offer_next_sessions.c[f"day_{day}"], never, type_=UTCDateTime)
                      for day in (days or WEEKDAYS)])


def next_start(days: list[int], now: datetime, live):
    """SQL for an offer's next open session start on one of ``days`` (any day when none) after ``now``, or NULL when
    there is none. The query must outer-join ``offer_next_sessions`` on the offer; ``live`` is the same answer worked
    out from the sessions (a correlated scalar subquery), used for an offer whose row is out of date."""
    row = offer_next_sessions.c
    soonest = _soonest(days)
    return case(
        (row.offer_id.is_(None), None),  # the offer has never had a session
        (and_(row.checked_at <= now, soonest > now),
         func.nullif(soonest, literal(NEVER, UTCDateTime), type_=UTCDateTime)),
        else_=live,
    )


def joined(stmt):
    """``stmt`` (a query on offers) with each offer's row, for ``next_start``."""
    return stmt.outerjoin(offer_next_sessions, offer_next_sessions.c.offer_id == Offer.id)


def out_of_date(now: datetime) -> list[int]:
    """The offers whose row no longer answers for ``now``: one of its sessions has started since it was checked (or
    it was checked at a moment after ``now``)."""
    row = offer_next_sessions.c
    return list(db.session.scalars(select(row.offer_id).where(
        (_soonest(None) <= now) | (row.checked_at > now)).order_by(row.offer_id)))


def work_out(offer_ids: list[int], now: datetime) -> None:
    """Work these offers' rows out again from their sessions, as at ``now``."""
    if not offer_ids:
        return
    if db.engine.dialect.name == "postgresql":
        # The function the triggers use: it locks the rows first, so a session added at the same moment is kept.
        db.session.execute(text("SELECT offer_next_sessions_work_out(CAST(:ids AS integer[]), :at)"),
                           {"ids": offer_ids, "at": now.astimezone(timezone.utc).replace(tzinfo=None)})
        return
    upcoming = and_(Session.status == SessionStatus.OPEN, Session.starts_at > now)
    for offer_id in offer_ids:
        days = {f"day_{day}": select(func.min(Session.starts_at)).where(
            Session.offer_id == offer_id, Session.weekday == day, upcoming).scalar_subquery() for day in WEEKDAYS}
        db.session.execute(offer_next_sessions.update().where(offer_next_sessions.c.offer_id == offer_id)
                           .values(checked_at=now, **days))
