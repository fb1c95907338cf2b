"""Personal budget pages through the routes: panel decisions, changes with notice, the family's balance,
direct payment monitoring and its audit export, and who may see which budget."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bookings import payments, refunds
from bookings.places import book_places, cancel_booking
from budgets import ledger
from budgets import services as money
from budgets.budget_forms import pence_from_pounds
from budgets.models import (
    BudgetKind,
    BudgetStatus,
    LedgerLine,
    LedgerTransaction,
    PanelDecision,
    Payment,
    PersonalBudget,
    Refund,
    financial_year,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Role
from providers.models import Body, PaymentRoute, Tier

from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory


def _today() -> date:
    return money.today()


def _year_end() -> date:
    return date(financial_year(_today()) + 1, 3, 31)


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com", name="Tara Trust")


@pytest.fixture
def council(app):
    return UserFactory(role=Role.COUNCIL, email="council@example.com")


@pytest.fixture
def family(app):
    return UserFactory(role=Role.PARENT_CARER, email="parent@example.com")


@pytest.fixture
def child(family):
    return ChildFactory(parent=family, first_name="Amira", last_name="Khan")


def _approve(child, trust):
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=trust.id))
    db.session.commit()


def _answers(**changes) -> dict:
    answers = {"amount": "£1,240.50", "kind": "managed", "starts_on": _date(_today()), "ends_on": _date(_year_end()),
               "review_on": _date(_today() + timedelta(days=90)), "reasons": "Overnight breaks agreed at panel"}
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def _allocate(client, child, **changes):
    response = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record", **changes))
    assert response.status_code == 302, response.text
    return db.session.scalar(select(PersonalBudget).where(PersonalBudget.child_id == child.id)
                             .order_by(PersonalBudget.id.desc()))


def _error_summary(response) -> str:
    text = response.text
    start = text.index("govuk-error-summary")
    return text[start:text.index("</ul>", start)]


# --- amounts in pounds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, pence", [
    ("£1,240", 124_000), ("1240.50", 124_050), ("1240.5", 124_050), (" £ 1,240.00 ", 124_000), ("0.01", 1),
    ("1,000,000", 100_000_000), ("75", 7500),
])
def test_amounts_in_pounds_become_pence(typed, pence):
    assert pence_from_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["12,40", "1240.505", "abc", "-5", "1e3", "١٢٣", "£", "1,2345", ".50", "1240.",
                                   "£1.240,50"])
def test_amounts_that_are_not_pounds_are_refused(typed):
    with pytest.raises(ValueError):
        pence_from_pounds(typed)


# --- recording the panel decision --------------------------------------------------------------------------

def test_panel_decision_is_checked_then_recorded_and_the_family_told(app, trust, child, outbox, login):
    _approve(child, trust)
    client = login(trust)
    form = client.get(f"/trust/children/{child.id}/personal-budget")
    assert form.status_code == 200
    assert "Record a resource panel decision" in form.text and 'name="amount"' in form.text

    check = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers())
    assert check.status_code == 200
    assert "Check the panel decision before you record it" in check.text
    assert "£1,240.50" in check.text and "Managed personal budget" in check.text
    assert 'type="hidden" name="reasons" value="Overnight breaks agreed at panel"' in check.text
    assert db.session.scalar(select(func.count(PersonalBudget.id))) == 0, "nothing is recorded until confirmed"

    back = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="edit"))
    assert back.status_code == 200 and 'value="£1,240.50"' in back.text

    recorded = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record"))
    assert recorded.status_code == 302
    budget = db.session.scalar(select(PersonalBudget))
    assert recorded.location.endswith(f"/trust/personal-budgets/{budget.id}")
    assert (budget.kind, budget.amount_pence, budget.starts_on, budget.ends_on) == (
        BudgetKind.MANAGED, 124_050, _today(), _year_end())
    assert budget.review_on == _today() + timedelta(days=90)
    [decision] = budget.decisions
    assert (decision.reasons, decision.decided_by_id) == ("Overnight breaks agreed at panel", trust.id)
    assert money.unspent(budget) == 124_050

    [email] = [m for m in outbox if m["To"] == child.parent.email]
    assert email["Subject"] == "Budget allocated: Amira's short breaks"
    assert "Overnight breaks agreed at panel" in email.get_content()
    # How to ask for a review: a real address to write to, never a team with no number.
    body = " ".join(email.get_content().split())
    assert f"write to {app.config['MAIL_FROM']}, saying which decision" in body
    assert "call the trust" not in body

    page = client.get(recorded.location)
    assert "The panel decision has been recorded" in page.text
    assert f"£1,240.50 left until 31 March {_year_end().year}" in page.text
    assert "Tara Trust" in page.text
    assert ledger.check() == []


@pytest.mark.parametrize("changes, message", [
    ({"amount": None}, "Enter the amount the panel agreed"),
    ({"amount": "  "}, "Enter the amount the panel agreed"),
    ({"amount": "twelve"}, "Enter the amount in pounds, like £1,240 or 1240.50"),
    ({"amount": "12.345"}, "Enter the amount in pounds, like £1,240 or 1240.50"),
    ({"amount": "0"}, "Enter an amount more than £0"),
    ({"amount": "£2,000,000"}, "Enter an amount of £1,000,000 or less"),
    ({"kind": None}, "Select how the budget will be held"),
    ({"kind": "cash"}, "Select one of the options"),
    ({"starts_on": None}, "Enter the date the budget starts"),
    ({"starts_on": ["31", "2", "2026"]}, "Start date must be a real date"),
    ({"starts_on": ["1", "1", "1999"]}, "The start date must be within a year of today"),
    ({"ends_on": None}, "Enter the date the budget ends"),
    ({"ends_on": _date(date.today() - timedelta(days=1))}, "The end date must be on or after the start date"),
    ({"review_on": None}, "Enter the date the budget will be reviewed"),
    ({"review_on": _date(date.today() - timedelta(days=1))}, "The review date must be on or after the start date"),
    ({"review_on": _date(date.today() + timedelta(days=400))}, "The review date must be within a year of the start"),
    ({"reasons": None}, "Give the panel’s reasons"),
])
def test_each_panel_decision_error_is_shown_in_the_error_summary(app, trust, child, login, changes, message):
    _approve(child, trust)
    client = login(trust)
    for step in (None, "record"):
        response = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step=step, **changes))
        assert response.status_code == 422
        assert message in _error_summary(response)
        assert response.text.count(message) == 2, "in the summary and beside the field"
        assert "<title>Error: " in response.text
    assert db.session.scalar(select(func.count(PersonalBudget.id))) == 0


def test_rules_the_service_keeps_are_shown_too(app, trust, child, login):
    _approve(child, trust)
    client = login(trust)
    next_year = _year_end() + timedelta(days=30)
    response = client.post(f"/trust/children/{child.id}/personal-budget",
                           data=_answers(step="record", ends_on=_date(next_year)))
    assert response.status_code == 409
    assert "A personal budget runs within one financial year" in _error_summary(response)
    _allocate(client, child)
    again = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record"))
    assert again.status_code == 409
    assert "Amira already has a managed personal budget for these dates" in _error_summary(again)
    assert db.session.scalar(select(func.count(PersonalBudget.id))) == 1


def test_no_panel_decision_without_an_approved_assessment(app, trust, child, login):
    client = login(trust)
    page = client.get(f"/trust/children/{child.id}/personal-budget")
    assert page.status_code == 200
    assert "Amira does not have an approved assessment" in page.text
    assert f'href="/trust/children/{child.id}/assessment"' in page.text
    assert 'name="amount"' not in page.text
    response = client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record"))
    assert response.status_code == 409
    assert "Record an approved assessment for Amira" in response.text
    assert db.session.scalar(select(func.count(PersonalBudget.id))) == 0
    assert client.get("/trust/children/999999/personal-budget").status_code == 404


def test_the_assessment_page_links_to_the_panel_decision_once_approved(app, trust, child, login):
    client = login(trust)
    link = f'href="/trust/children/{child.id}/personal-budget"'
    assert link not in client.get(f"/trust/children/{child.id}/assessment").text
    _approve(child, trust)
    page = client.get(f"/trust/children/{child.id}/assessment")
    assert link in page.text and "Record a resource panel decision" in page.text


def test_a_decision_beyond_the_trust_budget_is_recorded_and_flagged(app, trust, child, login, outbox):
    money.set_envelope(Body.TRUST, financial_year(_today()), 50_000, by=trust, reason="Trust budget")
    db.session.commit()
    _approve(child, trust)
    client = login(trust)
    budget = _allocate(client, child)
    assert budget.decisions[0].over_envelope is True
    assert "Beyond the trust’s budget" in client.get(f"/trust/personal-budgets/{budget.id}").text


# --- increasing, reducing and ending -----------------------------------------------------------------------

def _change(budget, **changes) -> dict:
    """The change form's answers, as if the page had been opened just now."""
    seen = db.session.scalar(select(func.max(PanelDecision.id)).where(PanelDecision.budget_id == budget.id))
    answers = {"change": "reduce", "amount": "200", "notice_on": _date(_today() + timedelta(days=28)),
               "reasons": "Review found fewer nights are needed", "seen": str(seen)}
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


@pytest.mark.parametrize("changes, message", [
    ({"change": None}, "Select what the panel decided"),
    ({"change": "reduce", "notice_on": None}, ("Enter the date the family is given notice from: a budget cannot "
                                               "be reduced without notice")),
    ({"change": "end", "notice_on": None, "amount": None}, ("Enter the date the family is given notice from: a "
                                                           "budget cannot be ended without notice")),
    ({"change": "reduce", "reasons": None}, "Give the panel’s reasons"),
    ({"change": "end", "reasons": "   ", "amount": None}, "Give the panel’s reasons"),
    ({"change": "reduce", "amount": None}, "Enter how much to reduce the budget by"),
    ({"change": "increase", "amount": None, "notice_on": None}, "Enter how much to increase the budget by"),
    ({"change": "increase", "amount": "-50"}, "Enter the amount in pounds, like £1,240 or 1240.50"),
    ({"change": "reduce", "notice_on": ["30", "2", "2027"]}, "Date the family is given notice from must be a real date"),
])
def test_reducing_or_ending_needs_notice_and_reasons(app, trust, child, login, outbox, changes, message):
    _approve(child, trust)
    client = login(trust)
    budget = _allocate(client, child)
    outbox.clear()
    for step in (None, "record"):
        response = client.post(f"/trust/personal-budgets/{budget.id}/change",
                               data=_change(budget, step=step, **changes))
        assert response.status_code == 422
        assert message in _error_summary(response)
    assert len(budget.decisions) == 1 and money.unspent(budget) == 124_050
    assert outbox == []


def test_rules_about_changes_the_service_keeps_are_shown_too(app, trust, child, login):
    _approve(child, trust)
    client = login(trust)
    budget = _allocate(client, child)
    past = client.post(f"/trust/personal-budgets/{budget.id}/change",
                       data=_change(budget, step="record", notice_on=_date(_today() - timedelta(days=1))))
    assert past.status_code == 409
    assert "The notice date cannot be in the past" in _error_summary(past)
    too_much = client.post(f"/trust/personal-budgets/{budget.id}/change",
                           data=_change(budget, step="record", amount="5000"))
    assert too_much.status_code == 409
    assert "Only £1,240.50 of this budget is not already booked or spent" in _error_summary(too_much)
    assert len(budget.decisions) == 1


def test_reduce_then_end_tells_the_family_with_reasons_and_notice(app, trust, child, login, outbox):
    _approve(child, trust)
    client = login(trust)
    budget = _allocate(client, child)
    outbox.clear()
    notice = _today() + timedelta(days=28)

    check = client.post(f"/trust/personal-budgets/{budget.id}/change", data=_change(budget))
    assert check.status_code == 200 and "Check the decision before you record it" in check.text
    assert "£200.00" in check.text and notice.strftime("%-d %B %Y") in check.text
    assert len(budget.decisions) == 1

    answers = _change(budget, step="record")
    reduced = client.post(f"/trust/personal-budgets/{budget.id}/change", data=answers)
    assert reduced.status_code == 302
    notice_text = notice.strftime("%-d %B %Y")
    assert f"Budget reduced from {notice_text}. Amira’s family has been emailed." in client.get(reduced.location).text
    twice = client.post(f"/trust/personal-budgets/{budget.id}/change", data=answers)
    assert twice.status_code == 409, "a second click does not reduce the budget again"
    assert "Another decision has been recorded on this budget since you opened this page" in _error_summary(twice)
    unseen = client.post(f"/trust/personal-budgets/{budget.id}/change", data=_change(budget, step="record", seen=None))
    assert unseen.status_code == 409, "a decision posted without the page's state is not recorded"
    db.session.refresh(budget)
    # With notice: nothing changes until the notice date (see test_budget_notice.py for the day it applies).
    assert (budget.amount_pence, money.unspent(budget)) == (124_050, 124_050)
    [email] = [m for m in outbox if m["To"] == child.parent.email]
    assert email["Subject"] == f"Budget reduced from {notice_text}: Amira's short breaks"
    body = email.get_content()
    assert "Review found fewer nights are needed" in body and f"This takes effect from {notice_text}" in body
    page = client.get(reduced.location)
    assert "−£200.00" in page.text and notice_text in page.text
    assert f"From {notice_text} this budget goes down by £200.00 to £1,040.50" in page.text

    end_check = client.post(f"/trust/personal-budgets/{budget.id}/change",
                            data=_change(budget, change="end", amount=None, reasons="Family moved out of the area",
                                         notice_on=_date(_today())))
    assert "£1,240.50, everything not yet booked or spent" in end_check.text
    assert "This takes effect today" in end_check.text
    ended = client.post(f"/trust/personal-budgets/{budget.id}/change",
                        data=_change(budget, step="record", change="end", amount=None,
                                     reasons="Family moved out of the area", notice_on=_date(_today())))
    assert ended.status_code == 302
    db.session.refresh(budget)
    assert (budget.status, budget.amount_pence, money.unspent(budget)) == (BudgetStatus.ENDED, 0, 0)
    to_family = [m for m in outbox if m["To"] == child.parent.email]
    assert to_family[-1]["Subject"] == "Budget ended: Amira's short breaks"
    assert "Family moved out of the area" in to_family[-1].get_content()

    page = client.get(f"/trust/personal-budgets/{budget.id}/change")
    assert "This budget has ended, so it cannot be changed" in page.text and 'name="change"' not in page.text
    again = client.post(f"/trust/personal-budgets/{budget.id}/change",
                        data=_change(budget, step="record", change="increase", notice_on=None))
    assert again.status_code == 409 and "This budget has ended" in again.text
    assert ledger.check() == []


def test_increase_needs_no_notice(app, trust, child, login, outbox):
    _approve(child, trust)
    client = login(trust)
    budget = _allocate(client, child)
    response = client.post(f"/trust/personal-budgets/{budget.id}/change",
                           data=_change(budget, step="record", change="increase", amount="£59.50", notice_on=None,
                                        reasons="Summer holiday scheme added"))
    assert response.status_code == 302
    db.session.refresh(budget)
    assert budget.amount_pence == 130_000
    assert [m["Subject"] for m in outbox if m["To"] == child.parent.email][-1] == "Budget increased: Amira's short breaks"


# --- the family's balance -----------------------------------------------------------------------------------

def _specialist_session(price=4000):
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=price, payment_route=PaymentRoute.PERSONAL_BUDGET,
                         title="Overnight stay at Oak House")
    return SessionFactory(offer=offer)


def test_family_sees_the_balance_drop_after_booking_and_rise_after_cancelling(app, trust, child, login):
    _approve(child, trust)
    budget = _allocate(login(trust), child, amount="100")
    session = _specialist_session()
    family_client = app.test_client()
    sign_in(family_client, child.parent)
    year = _year_end().year

    page = family_client.get("/money")
    assert page.status_code == 200
    assert f"£100.00 left until 31 March {year}" in page.text
    assert "Managed personal budget".lower() in page.text
    assert "Overnight breaks agreed at panel" in page.text
    assert "Nothing has been booked with this budget yet" in page.text

    [booking] = book_places(child.parent, session, [child], "personal_budget")
    db.session.commit()
    page = family_client.get("/money")
    assert f"£60.00 left until 31 March {year}" in page.text
    assert "£40.00 more is set aside for breaks you have booked" in page.text
    assert "Overnight stay at Oak House" in page.text and "Booked" in page.text

    cancelled = family_client.post(f"/bookings/{booking.id}/cancel")
    assert cancelled.status_code == 302
    page = family_client.get("/money")
    assert f"£100.00 left until 31 March {year}" in page.text
    assert "Given back to the budget" in page.text and "Cancelled by the family" not in page.text

    trust_page = app.test_client()
    sign_in(trust_page, trust)
    text = trust_page.get(f"/trust/personal-budgets/{budget.id}").text
    assert "Overnight stay at Oak House" in text and f"booking {booking.id}" in text
    assert "Cancelled by the family" in text, "the trust sees why money moved"
    assert ledger.check() == []


def test_family_with_no_budget_is_told_what_a_budget_is_and_how_to_ask(app, family, login):
    page = login(family).get("/money")
    assert page.status_code == 200
    assert "What a personal budget is" in page.text
    assert "How to ask for an assessment" in page.text
    assert "/local-offer?tier=specialist" in page.text
    assert "None of your children has a personal budget for short breaks" in page.text
    young_person = UserFactory(role=Role.YOUNG_PERSON, email="young@example.com")
    ChildFactory(parent=young_person, is_account_holder=True)
    client = app.test_client()
    sign_in(client, young_person)
    assert "You do not have a personal budget for short breaks" in client.get("/money").text


@pytest.mark.parametrize("card_payments", [False, True])
def test_a_direct_payment_says_how_to_use_it_whether_or_not_cards_work_here(app, trust, child, login, monkeypatch,
                                                                             card_payments):
    for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.setitem(app.config, key, "configured-for-this-test" if card_payments else None)
    _approve(child, trust)
    _allocate(login(trust), child, kind="direct_payment", amount="600")
    family_client = app.test_client()
    sign_in(family_client, child.parent)
    text = " ".join(family_client.get("/money").text.split())
    if card_payments:
        assert "when you book a break, choose to pay by card from your direct payment" in text
    else:
        assert "pay by card from your direct payment" not in text
        assert "You cannot pay with it on this website at the moment, because card payments are not available " \
               "here" in text
        assert "book the break with the provider and pay them yourself from your direct payment, and keep the " \
               "receipts" in text


def test_the_family_is_told_how_to_ask_for_a_review_of_a_decision(app, trust, child, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "short-breaks@trust.example")
    _approve(child, trust)
    _allocate(login(trust), child, amount="100")
    family_client = app.test_client()
    sign_in(family_client, child.parent)
    page = family_client.get("/money").text
    text = " ".join(page.split())
    assert "If you disagree with a decision" in text
    assert "Reply to the email the trust sent you about the decision, or email" in text
    # The decision email comes from MAIL_FROM, so replies and this link reach the same place.
    assert 'href="mailto:short-breaks@trust.example?subject=Review%20of%20a%20decision%20about%20Amira' in page
    assert "Say which decision you disagree with (its date) and why." in text


# --- direct payment monitoring -------------------------------------------------------------------------------

def _paid_direct_payment_booking(child, session):
    [booking] = book_places(child.parent, session, [child], "direct_payment")
    db.session.commit()
    payment = db.session.get(Payment, booking.payment_id)
    payments.apply_checkout_session(payment, {"payment_status": "paid", "payment_intent": f"pi_{payment.id}"})
    db.session.commit()
    return booking


def test_direct_payment_monitoring_figures_and_audit_export(app, trust, child, login):
    _approve(child, trust)
    trust_client = login(trust)
    budget = _allocate(trust_client, child, amount="500", kind="direct_payment",
                       reasons="=HYPERLINK(\"http://example.com\") agreed")
    managed_child = ChildFactory(first_name="Bea", last_name="Held")
    _approve(managed_child, trust)
    _allocate(trust_client, managed_child, amount="300")

    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET,
                         title="Climbing wall")
    kept = _paid_direct_payment_booking(child, SessionFactory(offer=offer))
    refunded = _paid_direct_payment_booking(child, SessionFactory(offer=offer))
    cancel_booking(refunded, by=child.parent)
    db.session.commit()
    refunds.settle_refund(db.session.scalar(select(Refund).where(Refund.booking_id == refunded.id)))
    db.session.commit()
    response = trust_client.post(f"/trust/personal-budgets/{budget.id}/change",
                                 data=_change(budget, step="record", amount="10", notice_on=_date(_today())))
    assert response.status_code == 302
    assert money.unspent(budget) == 50_000 - 1000 - 4000

    page = trust_client.get("/trust/direct-payments")
    assert page.status_code == 200
    row = page.text[page.text.index("Amira Khan"):]
    row = row[:row.index("</tr>")]
    # Paid in £490 (£500 less £10), spent £80 by card, £40 refunded, nothing held, £450 unspent.
    for figure in ("£490.00", "£80.00", "£40.00", "£0.00", "£450.00"):
        assert figure in row
    assert "Bea Held" not in page.text, "managed budgets are not direct payments"

    export = trust_client.get("/trust/direct-payments.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    lines_on_direct_payments = db.session.scalar(
        select(func.count(LedgerLine.id)).join(LedgerTransaction).join(
            PersonalBudget, PersonalBudget.id == LedgerTransaction.budget_id)
        .where(PersonalBudget.kind == BudgetKind.DIRECT_PAYMENT))
    assert len(rows) == lines_on_direct_payments > 0
    assert {r["Child"] for r in rows} == {"Amira Khan"}
    assert {r["Budget ID"] for r in rows} == {str(budget.id)}
    assert {r["Kind"] for r in rows} == {"allocation", "commitment", "delivery", "refund", "release"}
    for r in rows:
        assert f"{int(r['Amount (pence)']) / 100:.2f}" == r["Amount (pounds)"]
    refund_lines = [r for r in rows if r["Kind"] == "refund"]
    assert {r["Booking ID"] for r in refund_lines} == {str(refunded.id)}
    assert all(r["Payment ID"] == str(refunded.payment_id) for r in refund_lines)
    paid = [r for r in rows if r["Kind"] == "delivery" and r["Booking ID"] == str(kept.id)]
    assert paid and paid[0]["Payment ID"] == str(kept.payment_id)
    assert rows[0]["Reason"].startswith("'=HYPERLINK"), "a typed formula is never run by a spreadsheet"
    assert rows[0]["By"] == "Tara Trust"
    assert len(rows[0]["Date and time (London)"]) == len("2026-04-01 09:30:00")
    decided = {r["Decision ID"] for r in rows if r["Decision ID"]}
    assert decided == {str(d.id) for d in db.session.scalars(
        select(PanelDecision).where(PanelDecision.budget_id == budget.id))}
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "direct_payment_ledger_exported"))
    assert exported.actor_id == trust.id
    assert ledger.check() == []


# --- the trust's list --------------------------------------------------------------------------------------

def test_trust_list_filters_pages_and_highlights_reviews(app, trust, login, monkeypatch):
    client = login(trust)
    children = [ChildFactory(first_name=name, last_name="Smith") for name in ("Ava", "Ben", "Cal")]
    budgets = []
    for number, kid in enumerate(children):
        _approve(kid, trust)
        budgets.append(_allocate(client, kid, amount="100",
                                 review_on=_date(_today() + timedelta(days=[7, 60, 200][number]))))
    client.post(f"/trust/personal-budgets/{budgets[2].id}/change",
                data=_change(budgets[2], step="record", change="end", amount=None, notice_on=_date(_today())))
    page = client.get("/trust/personal-budgets")
    assert "Ava Smith" in page.text and "Ben Smith" in page.text and "Cal Smith" not in page.text
    assert page.text.count("Review due soon") == 1
    assert "1 active budget has a review due" in page.text
    ended = client.get("/trust/personal-budgets?status=ended")
    assert "Cal Smith" in ended.text and "Ava Smith" not in ended.text
    assert "Cal Smith" in client.get("/trust/personal-budgets?status=all").text
    assert client.get("/trust/personal-budgets?status=%00").status_code == 200

    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    first, second = client.get("/trust/personal-budgets"), client.get("/trust/personal-budgets?page=2")
    assert "Ava Smith" in first.text and "Ben Smith" not in first.text
    assert "Ben Smith" in second.text and "?page=1&amp;status=active" in second.text


# --- who sees which budget ----------------------------------------------------------------------------------

def test_a_family_never_sees_another_familys_money(app, trust, child, login):
    _approve(child, trust)
    trust_client = login(trust)
    budget = _allocate(trust_client, child, amount="777")
    other = UserFactory(role=Role.PARENT_CARER, email="other@example.com")
    other_child = ChildFactory(parent=other, first_name="Oscar")
    _approve(other_child, trust)
    other_budget = _allocate(trust_client, other_child, amount="333", kind="direct_payment")

    mine = app.test_client()
    sign_in(mine, child.parent)
    theirs = app.test_client()
    sign_in(theirs, other)
    own_page, other_page = mine.get("/money").text, theirs.get("/money").text
    assert "Amira" in own_page and "£777.00" in own_page
    assert "Oscar" not in own_page and "£333.00" not in own_page
    assert "Oscar" in other_page and "Amira" not in other_page and "£777.00" not in other_page
    for url in [f"/trust/personal-budgets/{budget.id}", f"/trust/personal-budgets/{budget.id}/change",
                "/trust/personal-budgets", "/trust/direct-payments", "/trust/direct-payments.csv",
                f"/trust/children/{child.id}/personal-budget"]:
        assert theirs.get(url).status_code == 403, url
    assert theirs.post(f"/trust/personal-budgets/{budget.id}/change",
                       data=_change(budget, step="record")).status_code == 403
    assert trust_client.get("/trust/personal-budgets/999999").status_code == 404
    assert money.unspent(budget) == 77_700 and money.unspent(other_budget) == 33_300


def test_council_commissioners_do_not_see_childrens_budgets(app, trust, council, child, login):
    _approve(child, trust)
    budget = _allocate(login(trust), child)
    council_client = app.test_client()
    sign_in(council_client, council)
    for url in ["/trust/personal-budgets", f"/trust/personal-budgets/{budget.id}",
                f"/trust/personal-budgets/{budget.id}/change", f"/trust/children/{child.id}/personal-budget",
                "/trust/direct-payments", "/trust/direct-payments.csv", "/money"]:
        assert council_client.get(url).status_code == 403, url
    response = council_client.post(f"/trust/children/{child.id}/personal-budget", data=_answers(step="record"))
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(PersonalBudget.id))) == 1


# --- junk never breaks a form -------------------------------------------------------------------------------

junk = st.one_of(st.text(max_size=200), st.sampled_from(["", "0", "-1", "999999999999", "£", "1,2", "31", "13",
                                                         "record", "edit", "end", "reduce", "managed", "\x00"]))
form_data = st.dictionaries(
    st.sampled_from(["amount", "kind", "starts_on", "ends_on", "review_on", "reasons", "change", "notice_on",
                     "step"]),
    st.lists(junk, min_size=0, max_size=3),
)


@pytest.fixture
def budget_setting(app):
    trust = UserFactory(role=Role.TRUST)
    child = ChildFactory()
    _approve(child, trust)
    budget = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=_today(),
                                   ends_on=_year_end(), review_on=_today(), reasons="Agreed", by=trust)
    db.session.commit()
    return trust, ChildFactory(), budget


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data)
def test_budget_forms_never_fail_with_a_server_error(app, budget_setting, data):
    trust, other_child, budget = budget_setting
    _approve(other_child, trust)
    client = app.test_client()
    sign_in(client, trust)
    for url in [f"/trust/children/{other_child.id}/personal-budget", f"/trust/personal-budgets/{budget.id}/change"]:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    db.session.rollback()
    assert ledger.check() == []
