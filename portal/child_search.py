"""The trust's child search: find a child the portal knows by name, date of birth or postcode, to assess them after a
professional's referral or to record a panel decision, without waiting for the family to ask.

Finding a child is seeing their record, so every search is audited: who searched, when and for what (a
``child_search`` entry), and each child it showed (a "viewed" entry on the child). It finds at most ``MOST`` children
and says when there are more: it is for finding one child, not for browsing them all.

A search gives at least two of name, date of birth and postcode, and is posted, so that what was searched for is
never in a web address. It never changes anything, so it never commits; the view's audit decorator does."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import Assessment, Child, User, record

MOST = 50
# A search gives at least two of name, date of birth and postcode: enough to find a child, not to list many.
PARTS_NEEDED = 2


@dataclass(frozen=True)
class Search:
    name: str = ""
    born_on: date | None = None
    postcode: str = ""

    @property
    def parts(self) -> int:
        """How many of name, date of birth and postcode the search gives."""
        return sum(bool(x) for x in (self.name.strip(), self.born_on, normal_postcode(self.postcode)))


@dataclass(frozen=True)
class Found:
    children: list[Child]
    more: bool  # more children match than are shown
    latest: dict[int, Assessment]  # each child's latest assessment


def normal_postcode(text: str) -> str:
    """A postcode as compared: capitals, no spaces ("b15 2tt" and "B152TT" are the same)."""
    return re.sub(r"\s+", "", text or "").upper()


def find(search: Search, *, by: User) -> Found:
    """The children matching every part of the search (each word of the name in the first or last name, the exact
    date of birth, the start of the postcode), by last name; the search is audited."""
    query = select(Child).options(joinedload(Child.parent), joinedload(Child.locality))
    for word in search.name.lower().split():
        query = query.where(or_(func.lower(Child.first_name).contains(word, autoescape=True),
                                func.lower(Child.last_name).contains(word, autoescape=True)))
    if search.born_on is not None:
        query = query.where(Child.date_of_birth == search.born_on)
    postcode = normal_postcode(search.postcode)
    if postcode:
        query = query.where(func.upper(func.replace(Child.postcode, " ", "")).startswith(postcode, autoescape=True))
    children = db.session.scalars(
        query.order_by(Child.last_name, Child.first_name, Child.date_of_birth, Child.id).limit(MOST + 1)).all()
    more = len(children) > MOST
    children = children[:MOST]
    # What was searched for, as the audit screen shows an entry's reason: the words as typed, in any language.
    terms = [search.name.strip(), search.born_on.isoformat() if search.born_on else "", postcode]
    record("child_search", by, by=by, reason=" · ".join(t for t in terms if t), name=search.name.strip(),
           postcode=postcode,
           born_on=search.born_on.isoformat() if search.born_on else None, found=len(children), more=more)
    return Found(children, more, latest_assessments([c.id for c in children]))


def latest_assessments(child_ids: list[int]) -> dict[int, Assessment]:
    latest: dict[int, Assessment] = {}
    if not child_ids:
        return latest
    for assessment in db.session.scalars(select(Assessment).where(Assessment.child_id.in_(child_ids))
                                         .order_by(Assessment.decided_at, Assessment.id)):
        latest[assessment.child_id] = assessment
    return latest
