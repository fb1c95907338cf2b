"""Demo young adults whose records are in a parent's account (portal.access): at 18 each record became theirs, and the
parent kept seeing it only on a recorded basis. Most told the trust or adult social care in person that their parent
may carry on (consent); a few parents are Court of Protection deputies or appointees; for the rest the parent's access
ended at the birthday, as the daily task records it. Parents of young people turning 18 within the notice period have
been told, as the daily task would have told them.

What the daily task (``turning-18``) would have done is done as of the day it would have been, so its first run has
nothing to send. From a random stream of its own, so the rest of the area is unchanged.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import bindparam, select, update

from portal.extensions import db
from portal.models import ADULT_AGE, AccessBasis, AuditEvent, Child, FamilyAccess, Role, User
from portal.timeutil import LONDON, birthday, to_london, utcnow

from .common import RANDOM_SEED, bulk_insert

# Of young adults in a parent's account: how the parent keeps seeing their record, by share (the rest: access ended).
BASES = ((AccessBasis.CONSENT, 0.65), (AccessBasis.DEPUTYSHIP, 0.08), (AccessBasis.APPOINTEE, 0.05))
CONSENT_IN_PERSON = "Told their transition worker at their review on {day} that their parent may carry on helping."
DEPUTYSHIP = "Court of Protection order {number} (personal welfare and property and affairs)"
APPOINTEE = "DWP appointee reference APP-{number}"
ENDED = "18th birthday with no recorded consent or legal basis"  # as portal.growing_up records it


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(timezone.utc)


def add_family_access(echo: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(RANDOM_SEED + 18)
    now = utcnow()
    today = to_london(now).date()
    counts: dict[str, int] = {}
    staff = dict(db.session.execute(select(User.role, User.id).where(
        User.email.in_(["trust@example.com", "adults@example.com"]))).all())
    trust_id, adults_id = staff[Role.TRUST], staff[Role.ADULTS]
    children = db.session.execute(select(Child.id, Child.parent_id, Child.date_of_birth).where(
        Child.is_account_holder.is_(False), Child.date_of_birth <= birthday(today, -ADULT_AGE)
    ).order_by(Child.id)).all()
    grants, ended, events = [], [], []
    for child_id, parent_id, born in children:
        eighteen = birthday(born, ADULT_AGE)
        roll, basis = rng.random(), None
        for candidate, share in BASES:
            if roll < share:
                basis = candidate
                break
            roll -= share
        if basis is None:
            ended.append(dict(c_id=child_id, ended=_at(eighteen, 6), told=_at(eighteen - timedelta(days=30), 7)))
            events.append(dict(at=_at(eighteen, 6), actor_id=None, action="parent_access_ended_at_18",
                               subject_type="Child", subject_id=child_id, reason=ENDED,
                               details={"parent_id": parent_id}))
            continue
        given = max(eighteen - timedelta(days=rng.randint(0, 60)), born)
        number = rng.randint(10_000, 99_999)
        reference, by = {AccessBasis.CONSENT: (CONSENT_IN_PERSON.format(day=given.isoformat()), trust_id),
                         AccessBasis.DEPUTYSHIP: (DEPUTYSHIP.format(number=f"COP{number}"), adults_id),
                         AccessBasis.APPOINTEE: (APPOINTEE.format(number=number), adults_id)}[basis]
        grants.append(dict(child_id=child_id, user_id=parent_id, basis=basis, reference=reference,
                           granted_by_id=by, granted_at=_at(given)))
        ended.append(dict(c_id=child_id, ended=None, told=_at(eighteen - timedelta(days=30), 7)))
        events.append(dict(at=_at(given), actor_id=by, action="family_access_granted", subject_type="Child",
                           subject_id=child_id, reason=None,
                           details={"basis": basis.value, "reference": reference, "parent_id": parent_id}))
    ids = bulk_insert(FamilyAccess, grants, "Family access after 18", counts, echo, returning=True)
    for event in events:
        if event["action"] == "family_access_granted":
            event["details"]["access_id"] = ids.pop(0)
    table = Child.__table__
    statement = update(table).where(table.c.id == bindparam("c_id")).values(
        parent_access_ended_at=bindparam("ended"), told_parent_of_18_at=bindparam("told"))
    if ended:
        db.session.execute(statement, ended)
    # Those turning 18 within the notice period were told when it began, as the daily task tells them.
    days = current_app.config["ADULTHOOD_NOTICE_DAYS"]
    soon = db.session.execute(select(Child.id, Child.date_of_birth).where(
        Child.is_account_holder.is_(False), Child.date_of_birth > birthday(today, -ADULT_AGE),
        Child.date_of_birth <= birthday(today + timedelta(days=days), -ADULT_AGE))).all()
    told = [dict(c_id=child_id, told=_at(birthday(born, ADULT_AGE) - timedelta(days=days), 7))
            for child_id, born in soon]
    if told:
        db.session.execute(update(table).where(table.c.id == bindparam("c_id")).values(
            told_parent_of_18_at=bindparam("told")), told)
    bulk_insert(AuditEvent, events, "Audit events", counts, echo)
    counts["parents whose access ended at 18"] = sum(1 for row in ended if row["ended"])
    return counts
