"""Growing up, the money (issue 15): adult social care's panel and envelope, and one joint decision across an 18th
birthday that pays for breaks before it from the children's trust's budget and from it from adult social care's,
without the family doing anything."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from bookings.places import book_places
from bookings.registers import mark_attendance
from budgets import dashboard, ledger
from budgets import services as money
from budgets.models import BudgetKind, DecisionKind, Envelope, PanelDecision, PersonalBudget, financial_year
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal import growing_up
from portal.models import AccessBasis, Assessment, AssessmentStatus, AuditEvent, Role
from portal.timeutil import LONDON, birthday
from providers.models import ADULT_AGE, Attendance, Body, PaymentRoute, Tier, paying_body

from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory

TODAY = date.today()
# The young person turns 18 five weeks from today: a break a week before the birthday and one a week after.
EIGHTEEN = TODAY + timedelta(days=35)
YEAR = financial_year(TODAY)


@pytest.fixture
def staff(app):
    return {"trust": UserFactory(role=Role.TRUST, name="Tess Trust"),
            "adults": UserFactory(role=Role.ADULTS, name="Ada Adults")}


def _young_person(staff, *, turns_18_on=EIGHTEEN, name="Robin"):
    child = ChildFactory(first_name=name, date_of_birth=birthday(turns_18_on, -ADULT_AGE))
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=staff["trust"].id))
    db.session.flush()
    return child


def _session_on(day: date, offer):
    starts = datetime.combine(day, time(10), tzinfo=LONDON).astimezone(timezone.utc)
    return SessionFactory(offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=4))


def _specialist(price=4_000):
    return OfferFactory(tier=Tier.SPECIALIST, price_pence=price, payment_route=PaymentRoute.PERSONAL_BUDGET, min_age=14,
                        max_age=25)


def _joint(child, staff, *, before=20_000, after=30_000, by="trust", agreed_by="adults"):
    return money.allocate_joint(child, kind=BudgetKind.MANAGED, before_pence=before, after_pence=after,
                                starts_on=TODAY, ends_on=date(YEAR + 1, 3, 31), review_on=TODAY + timedelta(days=60),
                                reasons="Overnight breaks through the move to adult services", by=staff[by],
                                agreed_by=staff[agreed_by])


def _spent(body: Body) -> int:
    envelope = db.session.scalar(select(Envelope).where(Envelope.body == body, Envelope.year == YEAR))
    return ledger.figures(envelope).spent


def test_the_table_says_who_pays_for_a_specialist_break_by_age_on_the_day():
    assert [paying_body(Tier.SPECIALIST, age) for age in (0, 17, 18, 25)] == [
        Body.TRUST, Body.TRUST, Body.ADULTS, Body.ADULTS]
    assert {paying_body(tier, age) for tier in (Tier.UNIVERSAL, Tier.TARGETED) for age in (5, 19)} == {Body.COUNCIL}
    assert Body.ADULTS.funds == (Tier.SPECIALIST,) and Body.ADULTS.tiers == ()
    assert Body.TRUST.funds == Body.TRUST.tiers == (Tier.SPECIALIST,)


@pytest.mark.skipif(EIGHTEEN.month == 4 and EIGHTEEN.day <= 7 or financial_year(EIGHTEEN + timedelta(days=7)) != YEAR,
                    reason="the breaks either side of the birthday must fall in this financial year")
def test_a_joint_decision_pays_before_the_birthday_from_the_trust_and_from_it_from_adult_social_care(
        app, client, staff, outbox):
    child = _young_person(staff)
    money.set_envelope(Body.TRUST, YEAR, 1_000_000, by=staff["trust"], reason="The trust's year")
    money.set_envelope(Body.ADULTS, YEAR, 1_000_000, by=staff["adults"], reason="Adult social care's year")
    joint = _joint(child, staff)
    db.session.commit()
    before, after = joint.budgets
    assert (before.body, before.starts_on, before.ends_on) == (Body.TRUST, TODAY, EIGHTEEN - timedelta(days=1))
    assert (after.body, after.starts_on, after.ends_on) == (Body.ADULTS, EIGHTEEN, date(YEAR + 1, 3, 31))
    halves = db.session.scalars(select(PanelDecision).order_by(PanelDecision.id)).all()
    assert [d.joint_with_id for d in halves] == [halves[1].id, halves[0].id]
    assert {d.agreed_by_id for d in halves} == {staff["adults"].id}
    # One email to the family, with both amounts and the birthday.
    [email] = [m for m in outbox if "18th birthday" in m["Subject"]]
    body = email.get_content()
    assert "£200.00 from the children's trust" in body and "£300.00 from adult social care" in body
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "joint_panel_decision"))
    assert audit.actor_id == staff["trust"].id and audit.details["agreed_by_id"] == staff["adults"].id

    # The family books a break a week before the birthday and one a week after, the same way: from the personal
    # budget. Each is paid from the budget of the body that pays at their age that day.
    offer = _specialist(4_000)
    week_before, week_after = _session_on(EIGHTEEN - timedelta(days=7), offer), _session_on(
        EIGHTEEN + timedelta(days=7), offer)
    db.session.commit()
    [early] = book_places(child.parent, week_before, [child], "personal_budget")
    [late] = book_places(child.parent, week_after, [child], "personal_budget")
    db.session.commit()
    assert (early.budget_id, early.paid_by) == (before.id, Body.TRUST)
    assert (late.budget_id, late.paid_by) == (after.id, Body.ADULTS)
    assert (money.unspent(before), money.unspent(after)) == (16_000, 26_000)

    # Robin tells the trust at a review that his mother may keep booking for him after 18 (portal.growing_up).
    growing_up.grant(child, AccessBasis.CONSENT, by=staff["trust"], reference="Said so at his review, in person")
    db.session.commit()
    # The clock moves past the birthday and both breaks: the provider marks the registers. The trust's envelope
    # spends the first, adult social care's the second, and the ledger reconciles.
    provider_staff = UserFactory(role=Role.PROVIDER, provider_id=offer.provider_id)
    with time_machine.travel(week_after.ends_at + timedelta(hours=1), tick=False):
        assert child.age_on(date.today()) == ADULT_AGE
        for session, booking in ((week_before, early), (week_after, late)):
            mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=provider_staff)
        db.session.commit()
        assert (_spent(Body.TRUST), _spent(Body.ADULTS)) == (4_000, 4_000)
        assert ledger.check() == []
        # Now 18, another break is booked: adult social care's, with nothing for the family to choose.
        later = _session_on(date.today() + timedelta(days=10), offer)
        db.session.commit()
        [third] = book_places(child.parent, later, [child], "personal_budget")
        db.session.commit()
        assert third.budget_id == after.id and money.unspent(after) == 22_000
        assert ledger.check() == []

        # The family's money page shows both budgets, each in plain English.
        sign_in(client, child.parent)
        page = client.get("/money").text
    assert "The children’s trust pays for Robin’s specialist breaks until the day before their 18th birthday" in page
    assert "Adult social care pays for Robin’s specialist breaks from their 18th birthday" in page
    assert "Decisions by adult social care" in page and "Decisions by the children’s trust" in page


def test_each_panel_decides_only_for_the_ages_its_body_pays_for(app, staff, outbox):
    seventeen = _young_person(staff)
    with pytest.raises(DomainError, match="turns 18 on .* record a joint decision with adult social care"):
        money.allocate_budget(seventeen, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=TODAY,
                              ends_on=EIGHTEEN, review_on=TODAY + timedelta(days=30), reasons="Panel",
                              by=staff["trust"])
    # Adult social care's panel does not decide for a child, and the trust's does not for a young adult.
    with pytest.raises(NotAllowed, match="Only the children's trust"):
        money.allocate_budget(seventeen, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=TODAY,
                              ends_on=EIGHTEEN - timedelta(days=1), review_on=TODAY + timedelta(days=30),
                              reasons="Panel", by=staff["adults"])
    nineteen = _young_person(staff, turns_18_on=birthday(TODAY, -1) - timedelta(days=20), name="Sasha")
    with pytest.raises(NotAllowed, match="Only adult social care"):
        money.allocate_budget(nineteen, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=TODAY,
                              ends_on=TODAY + timedelta(days=30), review_on=TODAY + timedelta(days=30),
                              reasons="Panel", by=staff["trust"])
    budget = money.allocate_budget(nineteen, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=TODAY,
                                   ends_on=TODAY + timedelta(days=30), review_on=TODAY + timedelta(days=30),
                                   reasons="Panel", by=staff["adults"])
    assert budget.body is Body.ADULTS and budget.envelope.year == YEAR
    # Each body changes only its own budgets.
    with pytest.raises(NotAllowed, match="Only adult social care"):
        money.change_budget(budget, DecisionKind.INCREASE, amount_pence=500, reasons="More", notice_on=None,
                            by=staff["trust"])
    money.change_budget(budget, DecisionKind.INCREASE, amount_pence=500, reasons="More", notice_on=None,
                        by=staff["adults"])
    assert budget.amount_pence == 10_500
    # Adult social care pays until the 26th birthday.
    twenty_five = _young_person(staff, turns_18_on=birthday(TODAY, -8) + timedelta(days=10), name="Kit")
    with pytest.raises(DomainError, match="up to the age of 25"):
        money.allocate_budget(twenty_five, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=TODAY,
                              ends_on=TODAY + timedelta(days=30), review_on=TODAY + timedelta(days=20),
                              reasons="Panel", by=staff["adults"])


def test_a_joint_decision_needs_the_other_body_and_a_birthday_within_its_dates(app, staff, outbox):
    child = _young_person(staff)
    other_trust = UserFactory(role=Role.TRUST)
    with pytest.raises(DomainError, match="Choose who agreed this decision for the other body"):
        _joint(child, staff | {"colleague": other_trust}, agreed_by="colleague")
    with pytest.raises(NotAllowed):
        _joint(child, staff | {"council": UserFactory(role=Role.COUNCIL)}, by="council")
    older = _young_person(staff, turns_18_on=TODAY - timedelta(days=3), name="Jo")
    with pytest.raises(DomainError, match="runs across Jo’s 18th birthday"):
        _joint(older, staff)
    # Adult social care can record it too, naming the trust's officer.
    joint = _joint(child, staff, by="adults", agreed_by="trust")
    assert [b.body for b in joint.budgets] == [Body.TRUST, Body.ADULTS]
    assert money.joint_partners(staff["adults"]) == [staff["trust"], other_trust] or \
        set(money.joint_partners(staff["adults"])) == {staff["trust"], other_trust}


def test_breaks_after_18_still_paid_from_an_older_childrens_budget_stay_booked_as_pressure_on_adults(
        app, staff, outbox):
    """A budget agreed before bodies were told apart runs past the birthday: its places after the birthday stay
    booked and paid (never cancelled by software), and adult social care's dashboard shows them as pressure."""
    child = _young_person(staff)
    envelope = money.set_envelope(Body.ADULTS, YEAR, 500_000, by=staff["adults"], reason="Adult social care's year")
    legacy, _decision = money._allocate(child, Body.TRUST, kind=BudgetKind.MANAGED, amount_pence=50_000,
                                        starts_on=TODAY, ends_on=date(YEAR + 1, 3, 31),
                                        review_on=TODAY + timedelta(days=30), reasons="Before the split",
                                        by=staff["trust"])
    offer = _specialist(6_000)
    after = _session_on(EIGHTEEN + timedelta(days=3), offer)
    db.session.commit()
    if financial_year(EIGHTEEN + timedelta(days=3)) != YEAR:
        pytest.skip("the break after the birthday must fall in this financial year")
    [booking] = book_places(child.parent, after, [child], "personal_budget")
    db.session.commit()
    assert (booking.budget_id, booking.paid_by) == (legacy.id, Body.TRUST)
    board = dashboard.dashboard(envelope)
    assert (board.adult_places.places, board.adult_places.young_people, board.adult_places.funded_pence) == (
        1, 1, 6_000)
    trust_envelope = db.session.scalar(select(Envelope).where(Envelope.body == Body.TRUST, Envelope.year == YEAR))
    assert dashboard.dashboard(trust_envelope).adult_places is None


def test_adult_social_care_pressure_goes_to_its_own_commissioners(app, staff, outbox):
    council = UserFactory(role=Role.COUNCIL)
    nineteen = _young_person(staff, turns_18_on=birthday(TODAY, -1), name="Ash")
    money.set_envelope(Body.ADULTS, YEAR, 1_000, by=staff["adults"], reason="A small year")
    db.session.commit()
    outbox.clear()
    money.allocate_budget(nineteen, kind=BudgetKind.MANAGED, amount_pence=5_000, starts_on=TODAY,
                          ends_on=TODAY + timedelta(days=30), review_on=TODAY + timedelta(days=20),
                          reasons="Panel", by=staff["adults"])
    db.session.commit()
    pressure = [m for m in outbox if "beyond the adult social care budget" in m["Subject"]]
    assert [m["To"] for m in pressure] == [staff["adults"].email]
    assert council.email not in {m["To"] for m in outbox}


@pytest.mark.skipif(financial_year(EIGHTEEN) != YEAR, reason="the birthday must fall in this financial year")
def test_through_the_pages_a_trust_budget_past_the_birthday_is_refused_and_a_joint_decision_is_recorded(
        app, client_as, staff, outbox):
    """The rule the panel page states ("a budget from the children's trust ends the day before"), tried through the
    real routes: the trust's budget running past the 18th birthday is refused and nothing is allocated; the joint
    decision page then records both halves, adult social care recording it and naming the trust's officer."""
    from .test_budget_views import _answers, _date

    child = _young_person(staff)
    db.session.commit()
    trust = client_as(staff["trust"])
    page = trust.get(f"/trust/children/{child.id}/personal-budget").text
    assert "Robin turns 18 on" in page and "joint-decision" in page
    refused = trust.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record"))
    assert refused.status_code == 409
    assert "record a joint decision with adult social care" in refused.text
    assert db.session.scalar(select(PersonalBudget)) is None
    adults = client_as(staff["adults"])
    done = adults.post(f"/trust/children/{child.id}/joint-decision", data=_answers(
        amount="200", after_amount="300", agreed_by=str(staff["trust"].id), ends_on=_date(date(YEAR + 1, 3, 31))))
    assert done.status_code == 302, done.text
    budgets = db.session.scalars(select(PersonalBudget).order_by(PersonalBudget.starts_on)).all()
    assert [(b.body, b.amount_pence) for b in budgets] == [(Body.TRUST, 20_000), (Body.ADULTS, 30_000)]
    assert {d.agreed_by_id for b in budgets for d in b.decisions} == {staff["trust"].id}
    # The trust's officer cannot open adult social care's half, nor change it.
    assert trust.get(f"/trust/personal-budgets/{budgets[1].id}").status_code == 404


def test_adult_social_cares_budgets_say_money_goes_back_to_adult_social_care(app, staff, outbox, client_as,
                                                                              monkeypatch):
    """The change page, its check page, the family's email when the ending takes effect, the direct payments page
    and the command's output name adult social care, not the trust, for a young adult's budget."""
    money.set_envelope(Body.ADULTS, YEAR, 1_000_000, by=staff["adults"], reason="Adult social care's year")
    young_adult = _young_person(staff, turns_18_on=birthday(TODAY, -1) - timedelta(days=20), name="Sasha")
    budget = money.allocate_budget(young_adult, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=10_000,
                                   starts_on=TODAY, ends_on=TODAY + timedelta(days=60),
                                   review_on=TODAY + timedelta(days=30), reasons="Panel", by=staff["adults"])
    db.session.commit()
    adults = client_as(staff["adults"])
    page = adults.get(f"/trust/personal-budgets/{budget.id}/change").text
    assert "ending the budget gives that back to adult social care" in page and "the trust" not in page
    notice_on = TODAY + timedelta(days=28)
    from .test_budget_views import _date

    check = adults.post(f"/trust/personal-budgets/{budget.id}/change", data={
        "change": "end", "reasons": "Moved to another area", "notice_on": _date(notice_on)}).text
    assert "Given back to adult social care" in check and "the trust" not in check
    payments = adults.get("/trust/direct-payments").text
    assert "Recovered by adult social care" in payments and "the trust" not in payments

    money.change_budget(budget, DecisionKind.END, reasons="Moved to another area", notice_on=notice_on,
                        by=staff["adults"])
    db.session.commit()
    outbox.clear()
    monkeypatch.setattr(money, "today", lambda: notice_on)
    from budgets.commands import apply_due_changes

    said = []
    apply_due_changes(echo=said.append)
    assert any("back to adult social care" in line for line in said), said
    [email] = [m for m in outbox if m["To"] == young_adult.parent.email]
    body = email.get_content()
    assert "that adult social care told you about" in body
    assert "£100.00 that was not booked or spent has gone back to adult social care" in body
    assert "children's trust" not in body
