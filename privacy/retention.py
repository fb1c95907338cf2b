"""Keeping records no longer than the privacy notice says (UK GDPR Article 5(1)(e)): which children have aged out
of every break long enough ago, and which family accounts have not been used for long enough, to be anonymised
by the retention task (``flask --app portal privacy retention``, run daily).

How long is configuration (``RETENTION_*`` in portal/config.py), and the privacy notice reads the same values.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Child, Role, User
from portal.timeutil import london_today, utcnow
from providers.models import Booking, Session

from .erasure import ERASED_ACTIONS, REMOVED_CHILDREN_EMAIL, account_blockers, child_blockers

AGED_OUT = "Retention: aged out of short breaks"  # i18n: not shown (the audit trail's reason, for staff)
INACTIVE = "Retention: account not used"  # i18n: not shown (the audit trail's reason, for staff)


@dataclass(frozen=True)
class Periods:
    age_out: int  # the age at which a child is older than every break
    years_after_age_out: int
    inactive_years: int

    @classmethod
    def configured(cls) -> Periods:
        config = current_app.config
        return cls(config["RETENTION_AGE_OUT"], config["RETENTION_YEARS_AFTER_AGE_OUT"],
                   config["RETENTION_INACTIVE_ACCOUNT_YEARS"])


@dataclass(frozen=True)
class Due:
    """A record the task would anonymise, or has to leave for now (``blockers``)."""

    subject: User | Child
    reason: str
    blockers: tuple[str, ...] = ()


def _erased(subject_type: str):
    return select(AuditEvent.subject_id).where(AuditEvent.subject_type == subject_type,
                                               AuditEvent.action == ERASED_ACTIONS[subject_type])


def is_erased(subject: User | Child) -> bool:
    subject_type = type(subject).__name__
    return db.session.scalar(_erased(subject_type).where(AuditEvent.subject_id == subject.id).limit(1)) is not None


def aged_out_children(today: date, periods: Periods) -> list[Due]:
    """Children born so long ago that they aged out ``years_after_age_out`` years ago, not yet anonymised."""
    born_before = today - relativedelta(years=periods.age_out + periods.years_after_age_out)
    children = db.session.scalars(
        select(Child).where(Child.date_of_birth <= born_before, Child.id.not_in(_erased(Child.__name__)))
        .order_by(Child.id)).all()
    return [Due(child, AGED_OUT, tuple(child_blockers(child))) for child in children]


def last_active(user: User) -> datetime:
    """The latest of: signing up, signing in, anything the account did (the audit trail), and the last session a
    place was booked on (a booking months ahead keeps an account in use until then)."""
    moments = [user.created_at,
               user.last_signed_in_at,
               db.session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.actor_id == user.id)),
               db.session.scalar(select(func.max(Session.starts_at)).join(Booking, Booking.session_id == Session.id)
                                 .where(Booking.booked_by_id == user.id))]
    return max(moment for moment in moments if moment is not None)


def inactive_accounts(now: datetime, periods: Periods) -> list[Due]:
    """Family accounts not used for ``inactive_years``, not yet anonymised (staff accounts are the employers')."""
    cutoff = now - relativedelta(years=periods.inactive_years)
    candidates = db.session.scalars(
        select(User).where(User.role.in_([Role.PARENT_CARER, Role.YOUNG_PERSON]), User.created_at <= cutoff,
                           User.email != REMOVED_CHILDREN_EMAIL, User.id.not_in(_erased(User.__name__)))
        .order_by(User.id)).all()
    return [Due(user, INACTIVE, tuple(account_blockers(user))) for user in candidates if last_active(user) <= cutoff]


def due(periods: Periods | None = None) -> list[Due]:
    periods = periods or Periods.configured()
    return inactive_accounts(utcnow(), periods) + aged_out_children(london_today(), periods)
