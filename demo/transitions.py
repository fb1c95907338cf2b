"""Demo young people moving to adult services: everyone known to the trust aged 14 to 24 is on the tracker, at a
stage that suits their age (some behind, so a few stages are overdue and some 17-year-olds have no adult budget agreed),
each with an owner and preparing-for-adulthood reviews. Nine named young people (new families, assessed by the trust)
make sure every stage has someone, whatever the demo's size.

What the daily task would have flagged is flagged as of the day it would have been (the emails it sent then are not
queued again). From a random stream of its own, so the rest of the area is unchanged.
"""
from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Child, Locality, Role, SupportLevel, User
from portal.timeutil import LONDON, age_on, to_london, utcnow
from transitions.models import Outcome, PfaProgress, PfaReview, Progress, Stage, Transition, TransitionStep
from transitions.services import born_by, due_dates, reaches, to_start

from .common import RANDOM_SEED, bulk_insert

# (first name, last name, age, days since that birthday, stage reached). Ellie is behind: her transition assessment
# is overdue and she is three months from 18 with no adult budget.
NAMED = [("Aisha", "Rahman", 14, 20, Stage.IDENTIFIED), ("Callum", "Doyle", 15, 100, Stage.PFA_REVIEW),
         ("Priya", "Sandhu", 16, 300, Stage.ASSESSMENT_ASKED), ("Tomasz", "Nowak", 17, 120, Stage.ASSESSMENT_DONE),
         ("Grace", "Okafor", 17, 190, Stage.CARER_ASKED), ("Bilal", "Hussain", 17, 240, Stage.CARER_DONE),
         ("Ellie", "Morgan", 17, 300, Stage.PFA_REVIEW), ("Kwame", "Asante", 18, 60, Stage.ADULT_PACKAGE),
         ("Hannah", "Price", 19, 30, Stage.HANDED_OVER)]

NOTES = {
    Stage.IDENTIFIED: "",
    Stage.PFA_REVIEW: "Annual review at school with {name} and family: aspirations for college and living skills.",
    Stage.ASSESSMENT_ASKED: "Asked adult social care for a Care Act transition assessment for {name}.",
    Stage.ASSESSMENT_DONE: "Transition assessment done with {name}: eligible needs likely at 18.",
    Stage.CARER_ASKED: "Carer's assessment asked for with {name}'s parent.",
    Stage.CARER_DONE: "Carer's assessment done: a break every month would help the family keep caring.",
    Stage.ADULT_PACKAGE: "Joint panel agreed an adult package for {name} from 18.",
    Stage.HANDED_OVER: "Handed over to the adult team; {name} and family have the new worker's details.",
}
PROGRESS_NOTES = {
    Outcome.EMPLOYMENT: ("Work experience at a café on Fridays.", "Wants to go to college for a catering course.",
                         "Supported internship starts in September."),
    Outcome.INDEPENDENT_LIVING: ("Practising travel to college on the bus.", "Learning to cook simple meals.",
                                 "Thinking about supported living with friends."),
    Outcome.COMMUNITY: ("Goes to a Saturday youth club.", "Keeps in touch with school friends online.",
                        "Joined an inclusive football team."),
    Outcome.HEALTH: ("Moving from children's to adult epilepsy clinic.", "Annual health check booked with the GP.",
                     "Learning to manage medication with reminders."),
}
STAGES = list(Stage)


def _target(rng: random.Random, born: date, today: date) -> Stage:
    """A stage that suits someone this age, some behind."""
    age = age_on(born, today)
    months_past_17 = (today - reaches(born, 17)).days // 30
    if age <= 14:
        options = {Stage.IDENTIFIED: 70, Stage.PFA_REVIEW: 30}
    elif age == 15:
        options = {Stage.IDENTIFIED: 20, Stage.PFA_REVIEW: 80}
    elif age == 16:
        options = {Stage.PFA_REVIEW: 60, Stage.ASSESSMENT_ASKED: 40}
    elif age == 17 and months_past_17 < 6:
        options = {Stage.PFA_REVIEW: 15, Stage.ASSESSMENT_ASKED: 50, Stage.ASSESSMENT_DONE: 35}
    elif age == 17:
        options = {Stage.ASSESSMENT_ASKED: 10, Stage.ASSESSMENT_DONE: 25, Stage.CARER_DONE: 40, Stage.ADULT_PACKAGE: 25}
    elif age <= 19:
        options = {Stage.CARER_DONE: 5, Stage.ADULT_PACKAGE: 30, Stage.HANDED_OVER: 65}
    else:
        options = {Stage.ADULT_PACKAGE: 10, Stage.HANDED_OVER: 90}
    return rng.choices(list(options), list(options.values()))[0]


def _done_dates(rng: random.Random, born: date, target: Stage, today: date) -> dict[Stage, date | None]:
    """When each stage up to ``target`` was done: in order, a little before it was due (none in the future)."""
    previous = min(today, max(reaches(born, 14), today - timedelta(days=3 * 365)))
    dates: dict[Stage, date | None] = {}
    for stage, due_on in due_dates(born).items():
        if stage.order > target.order:
            dates[stage] = None
            continue
        aim = previous if stage is Stage.IDENTIFIED else min(due_on, today) - timedelta(days=rng.randint(0, 45))
        dates[stage] = previous = min(today, max(previous, aim))
    return dates


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(timezone.utc)


def add_transitions(echo: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(RANDOM_SEED + 15)
    now = utcnow()
    today = to_london(now).date()
    counts: dict[str, int] = {}
    staff = dict(db.session.execute(select(User.email, User.id).where(User.role.in_([Role.TRUST, Role.ADULTS]))).all())
    trust_id, adults_id = staff["trust@example.com"], staff["adults@example.com"]
    named = _add_named(rng, today, trust_id, counts, echo)
    starting = to_start(today)
    names = dict(db.session.execute(select(Child.id, Child.first_name).where(
        Child.date_of_birth <= born_by(today, 14), Child.date_of_birth > born_by(today, 25))).all())
    plans = [(child_id, born, named.get(child_id) or _target(rng, born, today)) for child_id, born in starting]
    done = [_done_dates(rng, born, target, today) for _child_id, born, target in plans]
    rows = [dict(child_id=child_id, stage=target, stage_on=max(d for d in dates.values() if d), created_at=now,
                 owner_id=adults_id if target.order >= Stage.ASSESSMENT_DONE.order else trust_id,
                 no_adult_budget_warned_at=_at(reaches(born, 17, 9), 6)
                 if target is not Stage.HANDED_OVER and reaches(born, 17, 9) <= today else None)
            for (child_id, born, target), dates in zip(plans, done)]
    ids = bulk_insert(Transition, rows, "Transitions", counts, echo, returning=True)
    steps, reviews, events = [], [], []
    for transition_id, (child_id, born, target), dates in zip(ids, plans, done):
        name = names.get(child_id, "the young person")
        for stage, due_on in due_dates(born).items():
            done_on = dates[stage]
            by = None if stage is Stage.IDENTIFIED else (
                adults_id if stage in (Stage.ADULT_PACKAGE, Stage.HANDED_OVER) else trust_id)
            note = NOTES[stage].format(name=name) if done_on and by else None
            late = done_on is None and due_on is not None and due_on <= today and target is not Stage.HANDED_OVER
            steps.append(dict(transition_id=transition_id, stage=stage, due_on=due_on, done_on=done_on,
                              recorded_by_id=by if done_on else None, recorded_at=_at(done_on) if done_on else None,
                              note=note, overdue_flagged_at=_at(due_on, 6) if late else None))
            if done_on:
                events.append(dict(at=_at(done_on), actor_id=by, subject_type="Child", subject_id=child_id,
                                   action="transition_started" if by is None else "transition_stage_recorded",
                                   reason=note, details={"transition_id": transition_id, "stage": stage.value,
                                                         "done_on": done_on.isoformat()}))
            if stage is Stage.PFA_REVIEW and done_on:
                reviews.append((transition_id, child_id, born, done_on))
                if target.order >= Stage.ASSESSMENT_DONE.order and done_on + timedelta(days=365) < today:
                    reviews.append((transition_id, child_id, born, done_on + timedelta(days=365)))
    bulk_insert(TransitionStep, steps, "Transition stages", counts, echo)
    _add_reviews(rng, reviews, today, trust_id, counts, echo, events)
    bulk_insert(AuditEvent, events, "Audit events", counts, echo)
    return counts


def _add_named(rng: random.Random, today: date, trust_id: int, counts: dict[str, int],
               echo: Callable[[str], None]) -> dict[int, Stage]:
    """The named young people, each in a family of their own, assessed by the trust; returns their stages."""
    password_hash = generate_password_hash(secrets.token_urlsafe(16))  # nobody signs in as them
    locality_ids = list(db.session.scalars(select(Locality.id).order_by(Locality.id)))
    created = _at(today - timedelta(days=500))
    parents = [dict(email=f"{first.lower()}.{last.lower()}.family@example.com", name=f"Parent of {first} {last}",
                    password_hash=password_hash, role=Role.PARENT_CARER, active=True, created_at=created,
                    email_confirmed_at=created, is_provider_admin=False)
               for first, last, *_rest in NAMED]
    parent_ids = bulk_insert(User, parents, "Families", counts, echo, returning=True)
    children = [dict(parent_id=parent_id, first_name=first, last_name=last,
                     date_of_birth=born_by(today, age) - timedelta(days=days), needs=["learning", "autism"],
                     has_ehc_plan=True, locality_id=locality_ids[number % len(locality_ids)],
                     support_level=SupportLevel.ONE_TO_ONE, is_account_holder=False, created_at=created)
                for number, (parent_id, (first, last, age, days, _stage)) in enumerate(zip(parent_ids, NAMED))]
    child_ids = bulk_insert(Child, children, "Children", counts, echo, returning=True)
    bulk_insert(Assessment, [dict(child_id=child_id, status=AssessmentStatus.APPROVED, recorded_by_id=trust_id,
                                  reason="Needs specialist short breaks; planning for adulthood has begun.",
                                  decided_at=_at(today - timedelta(days=rng.randint(200, 400))),
                                  review_on=today + timedelta(days=rng.randint(30, 200)))
                             for child_id in child_ids], "Assessments", counts, echo)
    return {child_id: stage for child_id, (*_rest, stage) in zip(child_ids, NAMED)}


def _add_reviews(rng: random.Random, reviews: list[tuple[int, int, date, date]], today: date, trust_id: int,
                 counts: dict[str, int], echo: Callable[[str], None], events: list[dict]) -> None:
    rows = [dict(transition_id=transition_id, held_on=held_on, recorded_by_id=trust_id, recorded_at=_at(held_on, 16))
            for transition_id, _child, _born, held_on in reviews]
    ids = bulk_insert(PfaReview, rows, "Preparing-for-adulthood reviews", counts, echo, returning=True)
    progress = []
    for review_id, (transition_id, child_id, born, held_on) in zip(ids, reviews):
        # Older young people have got further.
        further = min(age_on(born, held_on) - 14, 4)
        levels = {}
        for outcome in Outcome:
            level = rng.choices(list(Progress), (max(5 - further, 1), 4, max(further - 1, 0) + 0.5))[0]
            levels[outcome.value] = level.value
            progress.append(dict(review_id=review_id, outcome=outcome, progress=level,
                                 note=rng.choice(PROGRESS_NOTES[outcome])))
        events.append(dict(at=_at(held_on, 16), actor_id=trust_id, action="pfa_review_recorded", subject_type="Child",
                           subject_id=child_id, reason=None,
                           details={"transition_id": transition_id, "review_id": review_id,
                                    "held_on": held_on.isoformat(), "progress": levels}))
    bulk_insert(PfaProgress, progress, "Preparing-for-adulthood progress", counts, echo)
