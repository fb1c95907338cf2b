"""Finding entries in the audit trail: by child, by person, by provider and by London day, newest first."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from budgets.models import PersonalBudget
from portal import audit
from portal.audit import CHILD, VIEWED
from portal.extensions import db
from portal.models import AuditEvent, Child, User
from portal.timeutil import london_midnight_utc
from providers.models import Booking, Provider

# Entries about something that belongs to one child: the trail names the thing, and these lead to the child.
BELONGS_TO_A_CHILD = {"Booking": Booking, "PersonalBudget": PersonalBudget}


@dataclass(frozen=True)
class Filters:
    child: str = ""  # a name, or the number of a child's record
    person: str = ""  # a name or email address
    provider_id: int | None = None
    from_day: date | None = None
    to_day: date | None = None


@dataclass(frozen=True)
class Entry:
    """One entry as the screen and the CSV show it: the event, and the child it is about (if any)."""

    event: AuditEvent
    child: Child | None

    @property
    def is_view(self) -> bool:
        return self.event.action == VIEWED

    @property
    def role(self) -> str:
        """The role the entry was made in: as kept with a view, else the person's role now."""
        if self.is_view:
            return audit.role_label(self.event.details or {})
        return self.event.actor.role.label if self.event.actor else ""

    @property
    def organisation(self) -> str:
        if self.is_view:
            return audit.organisation_label(self.event.details or {})
        actor = self.event.actor
        return actor.provider.name if actor is not None and actor.provider is not None else ""


def _matching_children(child: str):
    if child.isascii() and child.isdigit():
        return select(Child.id).where(Child.id == int(child))
    full_name = func.lower(Child.first_name + " " + Child.last_name)
    return select(Child.id).where(full_name.contains(child.lower(), autoescape=True))


def _about(children) -> ColumnElement[bool]:
    """Entries about these children, or about their bookings and budgets."""
    return or_(and_(AuditEvent.subject_type == CHILD, AuditEvent.subject_id.in_(children)), *(
        and_(AuditEvent.subject_type == name, AuditEvent.subject_id.in_(select(model.id).where(
            model.child_id.in_(children))))
        for name, model in BELONGS_TO_A_CHILD.items()))


def trail(filters: Filters) -> Select:
    query = select(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
    if filters.child:
        query = query.where(_about(_matching_children(filters.child)))
    if filters.person:
        wanted = filters.person.lower()
        query = query.where(or_(func.lower(User.email).contains(wanted, autoescape=True),
                                func.lower(User.name).contains(wanted, autoescape=True)))
    if filters.provider_id:
        # Views keep the organisation the person looked for on the day; other entries go by who made them.
        query = query.where(or_(User.provider_id == filters.provider_id,
                                AuditEvent.details["provider_id"].as_integer() == filters.provider_id))
    if filters.from_day:
        query = query.where(AuditEvent.at >= london_midnight_utc(filters.from_day))
    if filters.to_day:
        query = query.where(AuditEvent.at < london_midnight_utc(filters.to_day + timedelta(days=1)))
    return query


def count(filters: Filters) -> int:
    return db.session.scalar(select(func.count()).select_from(trail(filters).subquery()))


def page_of(filters: Filters, page: int, size: int) -> list[Entry]:
    events = db.session.scalars(_newest_first(trail(filters)).limit(size).offset((page - 1) * size)).all()
    return _with_children(events)


def every_entry(filters: Filters, batch: int = 1000) -> Iterator[Entry]:
    """All the matching entries, newest first, a batch at a time (for the CSV)."""
    last = None
    while True:
        query = _newest_first(trail(filters))
        if last is not None:
            query = query.where(or_(AuditEvent.at < last.at, and_(AuditEvent.at == last.at, AuditEvent.id < last.id)))
        events = db.session.scalars(query.limit(batch)).all()
        if not events:
            return
        yield from _with_children(events)
        last = events[-1]


def _newest_first(query: Select) -> Select:
    return query.options(joinedload(AuditEvent.actor).joinedload(User.provider)).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc())


def _with_children(events: list[AuditEvent]) -> list[Entry]:
    """Each entry with its child, found in one query per kind of subject (never one per entry)."""
    children: dict[tuple[str, int], Child] = {}
    child_ids = [e.subject_id for e in events if e.subject_type == CHILD]
    if child_ids:
        children |= {(CHILD, c.id): c for c in db.session.scalars(select(Child).where(Child.id.in_(child_ids)))}
    for name, model in BELONGS_TO_A_CHILD.items():
        ids = [e.subject_id for e in events if e.subject_type == name]
        if ids:
            children |= {(name, subject_id): child for subject_id, child in db.session.execute(
                select(model.id, Child).join(Child, Child.id == model.child_id).where(model.id.in_(ids)))}
    return [Entry(e, children.get((e.subject_type, e.subject_id))) for e in events]


def provider_choices() -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in db.session.scalars(select(Provider).order_by(Provider.name, Provider.id))]


def views_of(child: Child, page: int, size: int) -> tuple[list[AuditEvent], int]:
    """Who has looked at a child's record, newest first: for the family, so no one's name is loaded."""
    query = select(AuditEvent).where(AuditEvent.action == VIEWED, AuditEvent.subject_type == CHILD,
                                     AuditEvent.subject_id == child.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .limit(size).offset((page - 1) * size)).all()
    return events, total
