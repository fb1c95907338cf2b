"""The transitions tracker: who is on it, recording each stage and each preparing-for-adulthood review, choosing an
owner, and the daily check that flags overdue stages and 18th birthdays coming with no adult budget agreed.

Who is on it: every young person known to the trust (an assessment, approved or refused, or a request for one) or with
a personal budget, from their 14th birthday until they are handed over or turn 25. ``enrol`` adds whoever is missing;
the daily task runs it, and so do the tracker's pages before they read it, so nobody is missed on a day the task has
not run yet. Services never commit: the view or the task does.
"""
from __future__ import annotations

import re
from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from budgets.models import Envelope, PersonalBudget
from portal import notify
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.locking import lock_rows
from portal.models import Assessment, AssessmentRequest, AuditEvent, Child, Role, User, record
from portal.timeutil import birthday, utcnow
from providers.models import ADULT_AGE, Body

from .models import Outcome, PfaProgress, PfaReview, Progress, Stage, Transition, TransitionStep

STAFF = (Role.TRUST, Role.ADULTS, Role.ADMIN)
OWNER_ROLES = (Role.TRUST, Role.ADULTS)  # who may own a young person's transition, and is told about them
FROM_AGE, UNTIL_AGE = 14, 25
_AGE = re.compile(r"^\s*(\d+)\s*y(?:\s*(\d+)\s*m)?\s*$")


# --- ages and due dates -------------------------------------------------------------------------------------------

def parse_age(text: str) -> tuple[int, int]:
    """"17y6m" -> (17, 6); "18y" -> (18, 0)."""
    match = _AGE.match(text)
    if not match or int(match.group(2) or 0) > 11:
        raise ValueError(f"An age in TRANSITION_DUE must read like 17y6m, not {text!r}")  # i18n: not shown (config)
    return int(match.group(1)), int(match.group(2) or 0)


def reaches(born: date, years: int, months: int = 0) -> date:
    """The day someone born on ``born`` reaches this age. One born on a day the month lacks (29 February) reaches it on
    the 1st of the next month, as ``portal.timeutil.age_on`` counts birthdays."""
    index = born.month - 1 + months
    year, month = born.year + years + index // 12, index % 12 + 1
    last = monthrange(year, month)[1]
    return date(year, month, born.day) if born.day <= last else date(year, month, last) + timedelta(days=1)


def born_by(today: date, years: int) -> date:
    """The latest date of birth of someone who is ``years`` old or older today."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February: someone born on the 28th of that year is already that age
        return date(today.year - years, 2, 28)


def due_dates(born: date) -> dict[Stage, date | None]:
    """When each stage is due for someone born on ``born`` (config TRANSITION_DUE); none for "identified"."""
    due = current_app.config["TRANSITION_DUE"]
    return {stage: reaches(born, *parse_age(due[stage.value])) if stage.value in due else None for stage in Stage}


def eighteenth(born: date) -> date:
    return birthday(born, ADULT_AGE)


def _in_age_range(today: date):
    return (Child.date_of_birth <= born_by(today, FROM_AGE)) & (Child.date_of_birth > born_by(today, UNTIL_AGE))


def _known_to_the_trust():
    return or_(exists().where(Assessment.child_id == Child.id), exists().where(AssessmentRequest.child_id == Child.id),
               exists().where(PersonalBudget.child_id == Child.id))


# --- who is on the tracker ----------------------------------------------------------------------------------------

ENROL_CHUNK = 500


def enrol(today: date) -> int:
    """Start a transition for every young person known to the trust who is 14 to 24 today and has none; returns how
    many. Two at once (the task and a page) each start only those the other has not: the child is unique."""
    missing = to_start(today)
    if not missing:
        return 0
    born = dict(missing)
    owners = first_owners(list(born))
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    started: list[tuple[int, int]] = []
    for start in range(0, len(missing), ENROL_CHUNK):
        rows = [dict(child_id=child_id, stage=Stage.IDENTIFIED, stage_on=today, owner_id=owners.get(child_id),
                     created_at=now) for child_id, _born in missing[start:start + ENROL_CHUNK]]
        statement = dialect.insert(Transition.__table__).values(rows).on_conflict_do_nothing(
            index_elements=["child_id"]).returning(Transition.__table__.c.id, Transition.__table__.c.child_id)
        started += db.session.execute(statement).all()
    if not started:
        return 0
    steps, events = [], []
    for transition_id, child_id in started:
        for stage, due_on in due_dates(born[child_id]).items():
            identified = stage is Stage.IDENTIFIED
            steps.append(dict(transition_id=transition_id, stage=stage, due_on=due_on,
                              done_on=today if identified else None, recorded_at=now if identified else None))
        events.append(dict(at=now, actor_id=None, action="transition_started", subject_type=Child.__name__,
                           subject_id=child_id, reason=None,
                           details={"transition_id": transition_id, "owner_id": owners.get(child_id)}))
    db.session.execute(insert(TransitionStep), steps)
    db.session.execute(insert(AuditEvent), events)
    return len(started)


def to_start(today: date) -> list[tuple[int, date]]:
    """Young people who should be on the tracker today and are not: (child id, date of birth)."""
    return [tuple(row) for row in db.session.execute(
        select(Child.id, Child.date_of_birth)
        .where(_in_age_range(today), _known_to_the_trust(), ~exists().where(Transition.child_id == Child.id))
        .order_by(Child.id))]


def first_owners(child_ids: list[int]) -> dict[int, int]:
    """Each child's first owner: the member of staff who recorded their latest assessment, or else who handles their
    latest request for one, while they are still active trust or adult social care staff."""
    staff = set(db.session.scalars(select(User.id).where(User.role.in_(OWNER_ROLES), User.active.is_(True))))
    owners: dict[int, int] = {}
    for chunk in _chunks(child_ids):
        for child_id, handler in db.session.execute(
                select(AssessmentRequest.child_id, AssessmentRequest.handled_by_id)
                .where(AssessmentRequest.child_id.in_(chunk)).order_by(AssessmentRequest.created_at)):
            if handler in staff:
                owners[child_id] = handler
        for child_id, recorder in db.session.execute(
                select(Assessment.child_id, Assessment.recorded_by_id)
                .where(Assessment.child_id.in_(chunk)).order_by(Assessment.decided_at)):
            if recorder in staff:
                owners[child_id] = recorder
    return owners


def _chunks(ids: list[int], size: int = 900):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


# --- the tracker --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    locality_id: int | None = None
    stage: Stage | None = None  # None: everyone not yet handed over
    overdue: bool = False

    @property
    def args(self) -> dict:
        """As the tracker's query string (for its pages and its CSV)."""
        return {key: value for key, value in (("locality", self.locality_id), ("stage", self.stage and self.stage.value),
                                              ("overdue", "yes" if self.overdue else None)) if value}


def _overdue(today: date):
    return exists().where(TransitionStep.transition_id == Transition.id, TransitionStep.done_on.is_(None),
                          TransitionStep.due_on <= today)


def tracked(today: date, filters: Filters = Filters()):
    """The tracker's young people (a query of Transition): under 25, filtered; the oldest first (the nearest 18)."""
    query = (select(Transition).join(Child, Child.id == Transition.child_id)
             .where(Child.date_of_birth > born_by(today, UNTIL_AGE)))
    query = query.where(Transition.stage == filters.stage if filters.stage else Transition.stage != Stage.HANDED_OVER)
    if filters.locality_id:
        query = query.where(Child.locality_id == filters.locality_id)
    if filters.overdue:
        query = query.where(_overdue(today))
    return query.order_by(Child.date_of_birth, Transition.id)


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def rows(query, *, limit: int | None = None, offset: int = 0) -> list[Transition]:
    query = query.options(joinedload(Transition.child).joinedload(Child.locality), joinedload(Transition.owner),
                          selectinload(Transition.steps))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query).unique())


def with_adult_budget(children: list[Child]) -> set[int]:
    """Those of ``children`` with a personal budget on adult social care's envelope that lasts to their 18th
    birthday or after."""
    born = {child.id: child.date_of_birth for child in children}
    found = set()
    for chunk in _chunks(list(born)):
        for child_id, ends_on in db.session.execute(
                select(PersonalBudget.child_id, PersonalBudget.ends_on)
                .join(Envelope, Envelope.id == PersonalBudget.envelope_id)
                .where(PersonalBudget.child_id.in_(chunk), Envelope.body == Body.ADULTS)):
            if ends_on >= eighteenth(born[child_id]):
                found.add(child_id)
    return found


def next_step(transition: Transition) -> TransitionStep | None:
    """The first stage after the one reached that is not yet done (one skipped before it shows as overdue)."""
    return next((step for step in sorted(transition.steps, key=lambda s: s.stage.order)
                 if step.done_on is None and step.stage.order > transition.stage.order), None)


def overdue_steps(transition: Transition, today: date) -> list[TransitionStep]:
    return sorted((step for step in transition.steps if step.overdue_on(today)), key=lambda s: s.stage.order)


def of_child(child: Child) -> Transition | None:
    return db.session.scalar(select(Transition).where(Transition.child_id == child.id)
                             .options(selectinload(Transition.steps).joinedload(TransitionStep.recorded_by)))


def reviews(transition: Transition) -> list[PfaReview]:
    return list(db.session.scalars(
        select(PfaReview).where(PfaReview.transition_id == transition.id)
        .options(selectinload(PfaReview.progress), joinedload(PfaReview.recorded_by))
        .order_by(PfaReview.held_on.desc(), PfaReview.id.desc())))


def owner_choices() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(OWNER_ROLES), User.active.is_(True))
                                   .order_by(User.name, User.id)))


# --- recording ----------------------------------------------------------------------------------------------------

def _check_staff(by: User) -> None:
    if by.role not in STAFF:
        raise NotAllowed(_("Only the children’s trust and adult social care can do this."))


def _lock(transition: Transition) -> None:
    db.session.flush()  # what this unit of work changed already, before the rows are read again
    lock_rows(Transition, [transition.id])  # two members of staff at once: one after the other
    db.session.refresh(transition)
    for step in transition.steps:
        db.session.refresh(step)


def recordable(transition: Transition) -> list[Stage]:
    """The stages staff may record now: those not yet done (the portal records "identified")."""
    return [step.stage for step in sorted(transition.steps, key=lambda s: s.stage.order)
            if step.done_on is None and step.stage is not Stage.IDENTIFIED]


def record_stage(transition: Transition, stage: Stage, done_on: date, note: str, *, by: User,
                 today: date) -> TransitionStep:
    """Record that the young person reached ``stage`` on ``done_on``, with why (kept in the audit trail)."""
    _check_staff(by)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Enter a note about this stage"))
    if done_on > today:
        raise DomainError(_("The date must be today or in the past"))
    _lock(transition)
    return _done(transition, stage, done_on, note, by=by)


def _done(transition: Transition, stage: Stage, done_on: date, note: str, *, by: User) -> TransitionStep:
    if stage not in recordable(transition):
        raise DomainError(_("This stage has already been recorded."))
    step = transition.step(stage)
    step.done_on, step.recorded_by_id, step.recorded_at, step.note = done_on, by.id, utcnow(), note
    furthest = max((s for s in transition.steps if s.done_on is not None), key=lambda s: s.stage.order)
    transition.stage, transition.stage_on = furthest.stage, furthest.done_on
    record("transition_stage_recorded", transition.child, by=by, reason=note, transition_id=transition.id,
           stage=stage.value, done_on=done_on.isoformat())
    return step


def record_review(transition: Transition, held_on: date, progress: dict[Outcome, tuple[Progress, str]], *, by: User,
                  today: date) -> PfaReview:
    """Record a preparing-for-adulthood review: progress on each of the four outcomes, with a note. The first review
    also records the "review held" stage."""
    _check_staff(by)
    if held_on > today:
        raise DomainError(_("The date of the review must be today or in the past"))
    if set(progress) != set(Outcome):
        raise DomainError(_("Record progress on all four outcomes"))
    _lock(transition)
    review = PfaReview(transition_id=transition.id, held_on=held_on, recorded_by_id=by.id, recorded_at=utcnow(),
                       progress=[PfaProgress(outcome=outcome, progress=progress[outcome][0],
                                             note=(progress[outcome][1] or "").strip() or None) for outcome in Outcome])
    db.session.add(review)
    db.session.flush()
    if Stage.PFA_REVIEW in recordable(transition):
        _done(transition, Stage.PFA_REVIEW, held_on, _("Preparing-for-adulthood review recorded"), by=by)
    record("pfa_review_recorded", transition.child, by=by, transition_id=transition.id, review_id=review.id,
           held_on=held_on.isoformat(), progress={o.value: level.value for o, (level, _note) in progress.items()})
    return review


def set_owner(transition: Transition, owner: User, *, by: User) -> None:
    _check_staff(by)
    if owner.role not in OWNER_ROLES or not owner.active:
        raise DomainError(_("Choose a member of the children’s trust’s or adult social care’s staff"))
    _lock(transition)
    if transition.owner_id == owner.id:
        raise DomainError(_("%(name)s already owns this.", name=owner.name))
    before = transition.owner_id
    transition.owner_id = owner.id
    record("transition_owner_changed", transition.child, by=by, transition_id=transition.id, before=before,
           after=owner.id)


# --- the daily check ----------------------------------------------------------------------------------------------

@dataclass
class Checked:
    started: int = 0
    overdue: int = 0
    warned: int = 0


def check(today: date) -> Checked:
    """The daily task's work: start missing transitions, bring due dates in line with the config, flag each stage
    newly overdue and each young person newly within TRANSITION_NO_ADULT_BUDGET_WARNING of 18 with no adult budget,
    each once, and email the owners and the trust's and adult social care's staff a list of them."""
    checked = Checked(started=enrol(today))
    _refresh_due_dates(today)
    overdue = _flag_overdue(today)
    no_budget = _warn_no_adult_budget(today)
    checked.overdue, checked.warned = len(overdue), len(no_budget)
    if overdue or no_budget:
        _tell(overdue, no_budget, today)
    return checked


def _open(today: date):
    return (Transition.stage != Stage.HANDED_OVER) & (Child.date_of_birth > born_by(today, UNTIL_AGE))


def _refresh_due_dates(today: date) -> None:
    """A changed TRANSITION_DUE applies to every stage not yet done (and not yet flagged)."""
    changed = []
    for step_id, stage, due_on, born in db.session.execute(
            select(TransitionStep.id, TransitionStep.stage, TransitionStep.due_on, Child.date_of_birth)
            .join(Transition, Transition.id == TransitionStep.transition_id).join(Child, Child.id == Transition.child_id)
            .where(_open(today), TransitionStep.done_on.is_(None), TransitionStep.overdue_flagged_at.is_(None))):
        wanted = due_dates(born)[stage]
        if wanted != due_on:
            changed.append({"step_id": step_id, "due_on": wanted})
    for change in changed:
        db.session.execute(update(TransitionStep).where(TransitionStep.id == change["step_id"])
                           .values(due_on=change["due_on"]))


def _flag_overdue(today: date) -> list[TransitionStep]:
    """Flag each stage due by today and not done, once: one conditional UPDATE, so of two runs at once (two workers,
    or the task run by hand) only one flags, and tells, each."""
    due = list(db.session.scalars(
        select(TransitionStep.id).join(Transition, Transition.id == TransitionStep.transition_id)
        .join(Child, Child.id == Transition.child_id)
        .where(_open(today), TransitionStep.done_on.is_(None), TransitionStep.due_on <= today,
               TransitionStep.overdue_flagged_at.is_(None))))
    flagged: list[int] = []
    now = utcnow()
    for chunk in _chunks(due):
        flagged += db.session.scalars(
            update(TransitionStep)
            .where(TransitionStep.id.in_(chunk), TransitionStep.overdue_flagged_at.is_(None),
                   TransitionStep.done_on.is_(None))
            .values(overdue_flagged_at=now).returning(TransitionStep.id)).all()
    steps = list(db.session.scalars(
        select(TransitionStep).where(TransitionStep.id.in_(flagged))
        .options(joinedload(TransitionStep.transition).joinedload(Transition.child),
                 joinedload(TransitionStep.transition).joinedload(Transition.owner))))
    if steps:
        db.session.execute(insert(AuditEvent), [
            dict(at=now, actor_id=None, action="transition_overdue", subject_type=Child.__name__,
                 subject_id=step.transition.child_id, reason=None,
                 details={"transition_id": step.transition_id, "stage": step.stage.value,
                          "due_on": step.due_on.isoformat()}) for step in steps])
    return sorted(steps, key=lambda s: (s.due_on, s.transition.child.date_of_birth, s.stage.order))


def _warn_no_adult_budget(today: date) -> list[Transition]:
    """Flag, once, each young person who has reached TRANSITION_NO_ADULT_BUDGET_WARNING (three months before 18)
    without a budget on adult social care's envelope from their 18th birthday on."""
    years, months = parse_age(current_app.config["TRANSITION_NO_ADULT_BUDGET_WARNING"])
    near = list(db.session.scalars(
        select(Transition).join(Child, Child.id == Transition.child_id)
        .where(_open(today), Transition.no_adult_budget_warned_at.is_(None),
               Child.date_of_birth <= born_by(today, years))
        .options(joinedload(Transition.child), joinedload(Transition.owner))))
    near = [t for t in near if reaches(t.child.date_of_birth, years, months) <= today]
    funded = with_adult_budget([t.child for t in near])
    candidates = [t.id for t in near if t.child_id not in funded]
    warned: list[int] = []
    now = utcnow()
    for chunk in _chunks(candidates):
        warned += db.session.scalars(
            update(Transition).where(Transition.id.in_(chunk), Transition.no_adult_budget_warned_at.is_(None))
            .values(no_adult_budget_warned_at=now).returning(Transition.id)).all()
    chosen = [t for t in near if t.id in set(warned)]
    if chosen:
        db.session.execute(insert(AuditEvent), [
            dict(at=now, actor_id=None, action="transition_no_adult_budget", subject_type=Child.__name__,
                 subject_id=t.child_id, reason=None,
                 details={"transition_id": t.id, "eighteenth": eighteenth(t.child.date_of_birth).isoformat()})
            for t in chosen])
    return sorted(chosen, key=lambda t: t.child.date_of_birth)


def _tell(overdue: list[TransitionStep], no_budget: list[Transition], today: date) -> None:
    """One email to each person responsible, listing what was flagged today: every active member of the trust's and
    adult social care's staff, and each owner (who may have moved to another role)."""
    staff = {user.id: user for user in owner_choices()}
    for transition in [step.transition for step in overdue] + no_budget:
        if transition.owner is not None and transition.owner.active:
            staff.setdefault(transition.owner.id, transition.owner)
    link = notify.link("transitions.tracker", overdue="yes")
    for person in sorted(staff.values(), key=lambda user: user.id):
        notify.queue(person, _l("Young people moving to adult services: action needed"), "transitions_due",
                     overdue=overdue, no_budget=no_budget, eighteenth=eighteenth, person=person, link=link,
                     page=lambda t: notify.link("transitions.young_person", child_id=t.child_id))


# --- the dashboard's figures --------------------------------------------------------------------------------------

def latest_reviews(transition_ids: list[int]) -> dict[int, int]:
    """Each transition's latest review (by the day it was held): transition id -> review id."""
    latest: dict[int, tuple[date, int]] = {}
    for chunk in _chunks(transition_ids):
        for transition_id, review_id, held_on in db.session.execute(
                select(PfaReview.transition_id, PfaReview.id, PfaReview.held_on)
                .where(PfaReview.transition_id.in_(chunk))):
            if transition_id not in latest or (held_on, review_id) > latest[transition_id]:
                latest[transition_id] = (held_on, review_id)
    return {transition_id: review_id for transition_id, (_held, review_id) in latest.items()}


def progress_counts(review_ids: list[int]) -> dict[Outcome, dict[Progress, int]]:
    counts: dict[Outcome, dict[Progress, int]] = defaultdict(lambda: defaultdict(int))
    for chunk in _chunks(review_ids):
        for outcome, level, how_many in db.session.execute(
                select(PfaProgress.outcome, PfaProgress.progress, func.count())
                .where(PfaProgress.review_id.in_(chunk)).group_by(PfaProgress.outcome, PfaProgress.progress)):
            counts[outcome][level] += how_many
    return counts
