"""The transitions dashboard's figures: the cohort by stage and by progress on each preparing-for-adulthood outcome,
transition assessments asked for each month, and the cost of personal budgets by age with what it points to next
year. Counts only: nobody is named. Personal budgets are read here, never changed.

The forecast: this financial year's personal budgets (as allocated so far) are added up by the young person's age
today, ages 14 to 17 on the children's trust's envelope and 18 to 25 on adult social care's. Next year each young
person is a year older, so next year's figure for an age is this year's figure for the age below it, paid by the body
that pays at that age (``providers.models.paying_body``): if needs and budgets stay the same, what 17-year-olds cost
the trust now is what 18-year-olds will cost adult social care next year.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from budgets.models import Envelope, PersonalBudget, financial_year
from portal.extensions import db
from portal.models import Child
from portal.timeutil import age_on
from providers.models import Body, Tier, paying_body

from .models import Outcome, Progress, Stage, Transition, TransitionStep
from .services import FROM_AGE, UNTIL_AGE, born_by, latest_reviews, progress_counts

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class AgeLine:
    age: int
    body: Body  # who pays at this age
    people: int
    pence: int
    next_year_pence: int | None  # this year's figure for the age below (None at 14: who joins is not known)


@dataclass
class Figures:
    by_stage: dict[Stage, int]
    overdue: int
    tracked: int
    outcomes: dict[Outcome, dict[Progress, int]]
    reviewed: int
    asked_by_month: list[tuple[date, int]]
    ages: list[AgeLine]
    year: int
    adults_on_trust_budgets: tuple[int, int] = (0, 0)  # young people 18+ still on the trust's budget: people, pence
    totals: dict[Body, tuple[int, int]] = field(default_factory=dict)  # this year's and next year's pence


def _cohort(today: date):
    """Everyone under 25 on the tracker, handed over too: the dashboard shows where each of them is."""
    return select(Transition.id).join(Child, Child.id == Transition.child_id).where(
        Child.date_of_birth > born_by(today, UNTIL_AGE))


def figures(today: date) -> Figures:
    cohort = _cohort(today)
    by_stage = dict.fromkeys(Stage, 0)
    for stage, how_many in db.session.execute(
            select(Transition.stage, func.count()).where(Transition.id.in_(cohort)).group_by(Transition.stage)):
        by_stage[stage] = how_many
    overdue = db.session.scalar(select(func.count(func.distinct(TransitionStep.transition_id))).where(
        TransitionStep.transition_id.in_(cohort), TransitionStep.done_on.is_(None), TransitionStep.due_on <= today,
        TransitionStep.transition_id.in_(select(Transition.id).where(Transition.stage != Stage.HANDED_OVER))))
    latest = latest_reviews(list(db.session.scalars(cohort)))
    year = financial_year(today)
    ages, on_trust, totals = _cost_by_age(today, year)
    return Figures(by_stage=by_stage, overdue=overdue, tracked=sum(by_stage.values()),
                   outcomes=progress_counts(list(latest.values())), reviewed=len(latest),
                   asked_by_month=_asked_by_month(cohort, today), ages=ages, year=year,
                   adults_on_trust_budgets=on_trust, totals=totals)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _asked_by_month(cohort, today: date) -> list[tuple[date, int]]:
    """Care Act transition assessments asked for in each of the last twelve months (this one so far), oldest first."""
    first = _month_start(today, MONTHS_SHOWN - 1)
    counts: dict[date, int] = defaultdict(int)
    for done_on in db.session.scalars(select(TransitionStep.done_on).where(
            TransitionStep.transition_id.in_(cohort), TransitionStep.stage == Stage.ASSESSMENT_ASKED,
            TransitionStep.done_on >= first, TransitionStep.done_on <= today)):
        counts[_month_start(done_on)] += 1
    return [(_month_start(today, back), counts[_month_start(today, back)]) for back in range(MONTHS_SHOWN - 1, -1, -1)]


def _cost_by_age(today: date, year: int) -> tuple[list[AgeLine], tuple[int, int], dict[Body, tuple[int, int]]]:
    people: dict[int, set[int]] = defaultdict(set)
    pence: dict[int, int] = defaultdict(int)
    on_trust_people, on_trust_pence = set(), 0
    for child_id, born, amount, body in db.session.execute(
            select(Child.id, Child.date_of_birth, PersonalBudget.amount_pence, Envelope.body)
            .join(PersonalBudget, PersonalBudget.child_id == Child.id)
            .join(Envelope, Envelope.id == PersonalBudget.envelope_id)
            .where(Envelope.year == year, Envelope.body.in_([Body.TRUST, Body.ADULTS]),
                   Child.date_of_birth <= born_by(today, FROM_AGE), Child.date_of_birth > born_by(today, UNTIL_AGE + 1))):
        age = age_on(born, today)
        if body is paying_body(Tier.SPECIALIST, age):
            people[age].add(child_id)
            pence[age] += amount
        elif body is Body.TRUST:  # an 18-year-old's budget carried on under the trust: the cliff edge itself
            on_trust_people.add(child_id)
            on_trust_pence += amount
    ages = [AgeLine(age, paying_body(Tier.SPECIALIST, age), len(people[age]), pence[age],
                    pence[age - 1] if age > FROM_AGE else None) for age in range(FROM_AGE, UNTIL_AGE + 1)]
    totals = {body: (sum(line.pence for line in ages if line.body is body),
                     sum(line.next_year_pence or 0 for line in ages if line.body is body))
              for body in (Body.TRUST, Body.ADULTS)}
    return ages, (len(on_trust_people), on_trust_pence), totals
