"""The transitions tracker (transitions/): who is on it and from when, recording stages and preparing-for-adulthood
reviews, owners, the daily task's once-only overdue flags and 18th-birthday warnings on a moved clock, the tracker's
filters and CSV, and the dashboard's figures."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from budgets.models import BudgetKind, Envelope, PersonalBudget, financial_year
from portal import jobs
from portal.audit import VIEWED
from portal.extensions import db
from portal.models import Assessment, AssessmentRequest, AssessmentStatus, AuditEvent, Role
from providers.models import Body
from transitions import dashboard, services
from transitions.models import Outcome, PfaReview, Progress, Stage, Transition, TransitionStep
from transitions.services import born_by, reaches

from .factories import ChildFactory, LocalityFactory, UserFactory


def _at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def staff(role: Role = Role.TRUST, **kwargs):
    # Adult social care's staff use two-step sign-in, set up already (as the factory does for the trust's).
    return UserFactory(role=role, totp_secret=pyotp.random_base32(), two_step_since=datetime.now(timezone.utc),
                       **kwargs)


def known(born: date, *, by=None, **kwargs):
    """A young person the trust has assessed."""
    child = ChildFactory(date_of_birth=born, **kwargs)
    by = by or staff()
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=by.id))
    db.session.commit()
    return child


def transition_of(child) -> Transition:
    db.session.expire_all()
    return db.session.scalar(select(Transition).where(Transition.child_id == child.id))


def emails_about(outbox, words: str) -> list:
    return [m for m in outbox if words in m.get_content()]


# --- ages -----------------------------------------------------------------------------------------------------------

def test_ages_and_due_dates_read_the_config_and_a_29_february_birthday_comes_on_1_march(app):
    assert services.parse_age("17y6m") == (17, 6) and services.parse_age("18y") == (18, 0)
    with pytest.raises(ValueError):
        services.parse_age("17.5")
    assert reaches(date(2010, 8, 31), 17, 6) == date(2028, 3, 1)  # no 31 February: the day after the 29th
    assert reaches(date(2012, 2, 29), 14) == date(2026, 3, 1)
    assert born_by(date(2026, 3, 1), 14) == date(2012, 3, 1)
    due = services.due_dates(date(2010, 1, 15))
    assert due[Stage.IDENTIFIED] is None and due[Stage.ASSESSMENT_DONE] == date(2027, 7, 15)
    assert due[Stage.ADULT_PACKAGE] == date(2027, 10, 15)


# --- who is on the tracker ------------------------------------------------------------------------------------------

def test_a_young_person_known_to_the_trust_joins_on_their_14th_birthday_not_the_day_before(app):
    birthday = date(2027, 5, 10)
    child = known(date(2013, 5, 10))
    never_assessed = ChildFactory(date_of_birth=date(2012, 1, 1))
    asked = ChildFactory(date_of_birth=date(2011, 1, 1))
    db.session.add(AssessmentRequest(requested_by_id=asked.parent_id, child_id=asked.id, message="Please"))
    too_old = known(date(2000, 1, 1))
    with time_machine.travel(_at_noon(birthday - timedelta(days=1)), tick=False):
        jobs.run_scheduled("transitions")
        assert transition_of(child) is None
    with time_machine.travel(_at_noon(birthday), tick=False):
        jobs.run_scheduled("transitions")
    transition = transition_of(child)
    assert transition.stage is Stage.IDENTIFIED and transition.stage_on == birthday
    assert transition.step(Stage.IDENTIFIED).done_on == birthday
    assert transition.step(Stage.ASSESSMENT_DONE).due_on == date(2030, 11, 10)
    assert transition_of(asked) is not None  # a request for an assessment is enough
    assert transition_of(never_assessed) is None and transition_of(too_old) is None
    # The trust member who recorded the assessment owns it.
    assert transition.owner.role is Role.TRUST
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "transition_started", AuditEvent.subject_id == child.id)) == 1


def test_the_tracker_lists_a_new_14_year_old_before_the_daily_task_has_run(app, login):
    child = known(born_by(date.today(), 14) - timedelta(days=1), first_name="Quillon")
    client = login(staff(Role.ADULTS))
    page = client.get("/transitions")
    assert page.status_code == 200 and "Quillon" in page.text
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == VIEWED, AuditEvent.subject_id == child.id)) == 1


# --- the daily task: overdue flags and the 18th birthday warning ---------------------------------------------------

def test_an_overdue_stage_is_flagged_on_its_due_date_and_everyone_responsible_is_emailed_once(app, outbox):
    owner = staff(Role.ADULTS, name="Orla Ownerby", email="orla@adults.example.org")
    trust = staff(Role.TRUST, email="tess@trust.example.org")
    other_adults = staff(Role.ADULTS, email="abel@adults.example.org")
    UserFactory(role=Role.COUNCIL, email="carl@council.example.org")
    child = known(date(2010, 3, 20), first_name="Wendeline", by=trust)
    due = date(2027, 3, 20)  # transition_assessment_asked: "17y"
    with time_machine.travel(_at_noon(date(2026, 12, 1)), tick=False):
        jobs.run_scheduled("transitions")
    transition = transition_of(child)
    transition.owner_id = owner.id
    transition.step(Stage.PFA_REVIEW).done_on = date(2024, 6, 1)
    db.session.commit()
    outbox.clear()
    with time_machine.travel(_at_noon(due - timedelta(days=1)), tick=False):
        jobs.run_scheduled("transitions")
        assert emails_about(outbox, "Wendeline") == []
        assert transition_of(child).step(Stage.ASSESSMENT_ASKED).overdue_flagged_at is None
    with time_machine.travel(_at_noon(due), tick=False):
        outcome = jobs.run_scheduled("transitions")
        assert "flagged 2 overdue stages" in outcome  # asked for, for the young person and for the carer
        jobs.run_scheduled("transitions")  # a second run the same day (by hand, or another worker): nothing new
    with time_machine.travel(_at_noon(due + timedelta(days=1)), tick=False):
        jobs.run_scheduled("transitions")
    sent = emails_about(outbox, "Wendeline")
    assert sorted(m["To"] for m in sent) == sorted([owner.email, trust.email, other_adults.email])
    body = sent[0].get_content()
    assert "Care Act transition assessment asked for" in body and "Orla Ownerby" in body
    step = transition_of(child).step(Stage.ASSESSMENT_ASKED)
    assert step.overdue_flagged_at is not None
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "transition_overdue", AuditEvent.subject_id == child.id)) == 3  # and the review, at 16


def test_two_runs_at_once_flag_and_tell_once(app, outbox):
    """The flag is one conditional UPDATE: a second run that found the same stage due changes nothing."""
    trust = staff()
    child = known(date(2009, 1, 1), first_name="Perpetua", by=trust)
    with time_machine.travel(_at_noon(date(2026, 12, 1)), tick=False):
        services.enrol(date(2026, 12, 1))
        db.session.commit()
        outbox.clear()
        first = services._flag_overdue(date(2026, 12, 1))
        second = services._flag_overdue(date(2026, 12, 1))
    assert first and second == []
    assert {s.transition.child_id for s in first} == {child.id}


def test_three_months_before_18_with_no_adult_budget_everyone_responsible_is_told_once(app, outbox):
    trust = staff(email="tilda@trust.example.org")
    adults = staff(Role.ADULTS, email="ada@adults.example.org")
    child = known(date(2009, 9, 15), first_name="Ottoline", by=trust)
    funded = known(date(2009, 9, 15), first_name="Fenwick", by=trust)
    warning_day = date(2027, 6, 15)  # 17 years and 9 months
    envelope = Envelope(body=Body.ADULTS, year=2027, amount_pence=0)
    db.session.add_all([envelope, PersonalBudget(child=funded, envelope=envelope, kind=BudgetKind.MANAGED,
                                                 amount_pence=500_000, starts_on=date(2027, 9, 15),
                                                 ends_on=date(2028, 3, 31), review_on=date(2027, 12, 15))])
    db.session.commit()
    with time_machine.travel(_at_noon(warning_day - timedelta(days=1)), tick=False):
        jobs.run_scheduled("transitions")
        outbox.clear()
        assert transition_of(child).no_adult_budget_warned_at is None
    with time_machine.travel(_at_noon(warning_day), tick=False):
        assert "warned about 1 young person" in jobs.run_scheduled("transitions")
    with time_machine.travel(_at_noon(warning_day + timedelta(days=1)), tick=False):
        assert "warned about 0 young people" in jobs.run_scheduled("transitions")
    told = emails_about(outbox, "no adult social care budget has been agreed")
    assert sorted(m["To"] for m in told) == sorted([trust.email, adults.email])
    warning = told[0].get_content().split("no adult social care budget has been agreed")[1]
    assert "Ottoline" in warning and "Fenwick" not in warning  # (both are on the overdue list above it)
    assert transition_of(child).no_adult_budget_warned_at is not None
    assert transition_of(funded).no_adult_budget_warned_at is None


# --- recording -------------------------------------------------------------------------------------------------------

def test_staff_record_the_next_stage_with_a_date_and_a_note_and_it_is_audited(app, login):
    child = known(born_by(date.today(), 17) - timedelta(days=10), first_name="Ravenna")
    client = login(staff(Role.TRUST, name="Tobias Trustworth"))
    assert client.get(f"/transitions/young-people/{child.id}").status_code == 200  # joins the tracker as it is read
    refused = client.post(f"/transitions/young-people/{child.id}/stage", data={"stage": "", "note": ""})
    assert refused.status_code == 422 and "govuk-error-summary" in refused.text
    assert "Enter the date it was done" in refused.text
    future = date.today() + timedelta(days=3)
    refused = client.post(f"/transitions/young-people/{child.id}/stage", data={
        "stage": "transition_assessment_asked", "done_on": [future.day, future.month, future.year], "note": "x"})
    assert refused.status_code == 422 and "The date must be today or in the past" in refused.text
    today = date.today()
    done = client.post(f"/transitions/young-people/{child.id}/stage", data={
        "stage": "transition_assessment_asked", "done_on": [today.day, today.month, today.year],
        "note": "Asked the adult team"}, follow_redirects=True)
    assert done.status_code == 200 and "recorded for Ravenna" in done.text
    transition = transition_of(child)
    assert transition.stage is Stage.ASSESSMENT_ASKED and transition.stage_on == today
    step = transition.step(Stage.ASSESSMENT_ASKED)
    assert step.recorded_by.name == "Tobias Trustworth" and step.note == "Asked the adult team"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transition_stage_recorded"))
    assert event.subject_id == child.id and event.reason == "Asked the adult team"
    again = client.post(f"/transitions/young-people/{child.id}/stage", data={
        "stage": "transition_assessment_asked", "done_on": [today.day, today.month, today.year], "note": "Again"})
    assert again.status_code == 422  # no longer a choice


def test_a_preparing_for_adulthood_review_records_the_four_outcomes_and_keeps_every_review(app, login):
    child = known(born_by(date.today(), 15), first_name="Maelis")
    client = login(staff(Role.ADULTS))
    client.get("/transitions")
    url = f"/transitions/young-people/{child.id}/review"
    refused = client.post(url, data={})
    assert refused.status_code == 422 and "Select the progress towards good health" in refused.text
    for held_on, level in ((date.today() - timedelta(days=400), "not_started"), (date.today(), "working_towards")):
        answer = {f"{outcome.value}_progress": level for outcome in Outcome} | {
            "held_on": [held_on.day, held_on.month, held_on.year], "employment_note": "Work experience on Fridays"}
        assert client.post(url, data=answer).status_code == 302
    reviews = services.reviews(transition_of(child))
    assert [r.progress[0].progress for r in reviews] == [Progress.WORKING_TOWARDS, Progress.NOT_STARTED]
    assert reviews[0].progress[0].note == "Work experience on Fridays" and len(reviews[0].progress) == 4
    transition = transition_of(child)
    assert transition.stage is Stage.PFA_REVIEW  # the first review recorded the stage, on the day it was held
    assert transition.step(Stage.PFA_REVIEW).done_on == date.today() - timedelta(days=400)
    page = client.get(f"/transitions/young-people/{child.id}")
    assert "Work experience on Fridays" in page.text and "Working towards it" in page.text


def test_the_owner_is_chosen_from_the_trust_and_adult_social_care(app, login):
    child = known(born_by(date.today(), 16))
    adults = staff(Role.ADULTS, name="Ysolde Adulthorpe")
    council = UserFactory(role=Role.COUNCIL)
    client = login(staff())
    client.get("/transitions")
    url = f"/transitions/young-people/{child.id}/owner"
    assert "Ysolde Adulthorpe" in client.get(url).text
    assert client.post(url, data={"owner": council.id}).status_code == 422
    assert client.post(url, data={"owner": adults.id}).status_code == 302
    assert transition_of(child).owner_id == adults.id


# --- the tracker's filters and CSV -------------------------------------------------------------------------------

def test_the_tracker_filters_by_locality_stage_and_overdue_and_the_csv_has_the_same_rows(app, login):
    east, north = LocalityFactory(name="East"), LocalityFactory(name="North")
    today = date.today()
    late = known(born_by(today, 17) - timedelta(days=200), first_name="Araminta", locality=east)
    early = known(born_by(today, 14) - timedelta(days=5), first_name="Benedick", locality=east)
    known(born_by(today, 15), first_name="Norberta", locality=north)
    client = login(staff())
    page = client.get("/transitions")
    assert all(name in page.text for name in ("Araminta", "Benedick", "Norberta"))
    east_only = client.get(f"/transitions?locality={east.id}")
    assert "Norberta" not in east_only.text and "Araminta" in east_only.text
    overdue = client.get("/transitions?overdue=yes")
    assert "Araminta" in overdue.text and "Benedick" not in overdue.text
    transition = transition_of(early)
    services.record_stage(transition, Stage.PFA_REVIEW, today, "Held at school", by=transition.owner, today=today)
    db.session.commit()
    reviewed = client.get("/transitions?stage=pfa_review")
    assert "Benedick" in reviewed.text and "Araminta" not in reviewed.text
    download = client.get(f"/transitions/tracker.csv?locality={east.id}&overdue=yes")
    lines = list(csv.reader(io.StringIO(download.text)))
    assert lines[0][0] == "Name" and [line[0] for line in lines[1:]] == [late.full_name]
    assert "Care Act transition assessment asked for" in lines[1][8]


def test_the_tracker_pages_through_young_people(app, login):
    for number in range(app.config["PAGE_SIZE"] + 3):
        known(born_by(date.today(), 15) - timedelta(days=number))
    client = login(staff())
    assert client.get("/transitions").text.count("/transitions/young-people/") == app.config["PAGE_SIZE"]
    assert client.get("/transitions?page=2").text.count("/transitions/young-people/") == 3


def test_staff_without_a_part_in_transitions_cannot_see_the_tracker(app, login):
    child = known(born_by(date.today(), 15))
    for role in (Role.COUNCIL, Role.PARENT_CARER):
        client = login(UserFactory(role=role))
        assert client.get("/transitions").status_code == 403
        assert client.get(f"/transitions/young-people/{child.id}").status_code == 403


# --- the dashboard -------------------------------------------------------------------------------------------------

def test_the_dashboard_counts_by_stage_outcome_and_month_and_forecasts_cost_by_age(app, login):
    today = date.today()
    trust = staff()
    seventeen = known(born_by(today, 17) - timedelta(days=30), first_name="Seraphina", by=trust)
    nineteen = known(born_by(today, 19) - timedelta(days=30), first_name="Thaddeus", by=trust)
    services.enrol(today)
    transition = transition_of(seventeen)
    services.record_stage(transition, Stage.ASSESSMENT_ASKED, today, "Asked", by=trust, today=today)
    services.record_review(transition, today, {outcome: (Progress.ACHIEVED, "") for outcome in Outcome}, by=trust,
                           today=today)
    year = financial_year(today)
    trust_envelope, adults_envelope = Envelope(body=Body.TRUST, year=year), Envelope(body=Body.ADULTS, year=year)
    for child, envelope, pence in ((seventeen, trust_envelope, 900_000), (nineteen, adults_envelope, 1_500_000),
                                   (nineteen, trust_envelope, 100_000)):
        db.session.add(PersonalBudget(child=child, envelope=envelope, kind=BudgetKind.MANAGED, amount_pence=pence,
                                      starts_on=today, ends_on=today, review_on=today))
    db.session.commit()
    found = dashboard.figures(today)
    assert (found.by_stage[Stage.ASSESSMENT_ASKED], found.by_stage[Stage.IDENTIFIED]) == (1, 1), found.by_stage
    assert found.outcomes[Outcome.HEALTH][Progress.ACHIEVED] == 1 and found.reviewed == 1
    assert found.asked_by_month[-1] == (today.replace(day=1), 1) and len(found.asked_by_month) == 12
    by_age = {line.age: line for line in found.ages}
    assert (by_age[17].body, by_age[17].pence, by_age[17].people) == (Body.TRUST, 900_000, 1)
    assert by_age[18].next_year_pence == 900_000 and by_age[18].body is Body.ADULTS  # the 17-year-old, next year
    assert (by_age[19].pence, by_age[14].next_year_pence) == (1_500_000, None)
    assert found.adults_on_trust_budgets == (1, 100_000)  # counted apart, not as adult social care's
    assert found.totals[Body.ADULTS] == (1_500_000, 2_400_000)
    page = login(staff(Role.ADULTS)).get("/transitions/dashboard")
    assert page.status_code == 200 and "£9,000.00" in page.text
    assert "Seraphina" not in page.text and "Thaddeus" not in page.text  # nobody is named


def test_a_stage_recorded_by_the_trust_is_on_adult_social_cares_tracker(app, login):
    child = known(born_by(date.today(), 17), first_name="Hyacinth")
    trust = staff()
    services.enrol(date.today())
    services.record_stage(transition_of(child), Stage.ASSESSMENT_ASKED, date.today(), "Asked", by=trust,
                          today=date.today())
    db.session.commit()
    page = login(staff(Role.ADULTS)).get("/transitions?stage=transition_assessment_asked")
    assert "Hyacinth" in page.text
    assert db.session.scalar(select(func.count(TransitionStep.id)).where(TransitionStep.done_on.is_not(None))) == 2
    assert db.session.scalar(select(func.count(PfaReview.id))) == 0
