"""A personal budget reduced or ended with notice keeps its money until the notice date; then
`flask --app portal budgets apply-due-changes` applies the decision once, posts it to the ledger and tells the family."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bookings.places import book_places
from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import (
    BudgetKind,
    BudgetStatus,
    DecisionKind,
    LedgerTransaction,
    financial_year,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from providers.models import PaymentRoute, Tier

from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory

APPLY = ["budgets", "apply-due-changes"]


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com", name="Tara Trust")


@pytest.fixture
def child(app):
    family = UserFactory(role=Role.PARENT_CARER, email="parent@example.com")
    return ChildFactory(parent=family, first_name="Amira", last_name="Khan")


@pytest.fixture
def decided_on() -> date:
    return money.today()


@pytest.fixture
def notice_on(decided_on) -> date:
    return decided_on + timedelta(days=28)


@pytest.fixture
def on_day(monkeypatch):
    """Move the budgets' London "today" to another day."""
    def move(day: date) -> None:
        monkeypatch.setattr(money, "today", lambda: day)
    return move


@pytest.fixture
def budget(trust, child, decided_on):
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=trust.id))
    budget = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=100_000, starts_on=decided_on,
                                   ends_on=date(financial_year(decided_on) + 1, 3, 31),
                                   review_on=decided_on + timedelta(days=90), reasons="Panel agreed", by=trust)
    db.session.commit()
    return budget


def _reduce(budget, trust, notice_on, pence=20_000):
    decision = money.change_budget(budget, DecisionKind.REDUCE, amount_pence=pence,
                                   reasons="Review found fewer nights are needed", notice_on=notice_on, by=trust)
    db.session.commit()
    return decision


def _postings(decision) -> int:
    return db.session.scalar(select(func.count(LedgerTransaction.id))
                             .where(LedgerTransaction.decision_id == decision.id))


def _family_page(app, child) -> str:
    client = app.test_client()
    sign_in(client, child.parent)
    page = client.get("/money")
    assert page.status_code == 200
    return page.text


def _to_family(outbox, child):
    return [m for m in outbox if m["To"] == child.parent.email]


def test_a_reduction_with_notice_leaves_the_money_until_the_notice_date(app, runner, trust, child, budget, outbox,
                                                                        on_day, decided_on, notice_on):
    outbox.clear()
    decision = _reduce(budget, trust, notice_on)

    on_day(decided_on + timedelta(days=1))
    db.session.refresh(budget)
    assert (budget.amount_pence, money.unspent(budget), _postings(decision)) == (100_000, 100_000, 0)
    assert decision.applied_at is None
    page = _family_page(app, child)
    assert "£1,000.00 left until" in page
    assert (f"From {_long(notice_on)} this budget goes down by £200.00 to £800.00 (decided {_long(decided_on)})."
            in page)

    [email] = _to_family(outbox, child)
    assert email["Subject"] == f"Budget reduced from {_long(notice_on)}: Amira's short breaks"
    body = email.get_content()
    assert f"This takes effect from {_long(notice_on)}" in body
    assert "Amira still has £1,000.00 left to spend" in body
    assert "Budget reduced: £200.00\n\nReasons: Review found fewer nights are needed" in body

    trust_client = app.test_client()
    sign_in(trust_client, trust)
    assert f"From {_long(notice_on)} this budget goes down by £200.00 to £800.00" in trust_client.get(
        f"/trust/personal-budgets/{budget.id}").text

    on_day(notice_on - timedelta(days=1))
    result = runner.invoke(args=APPLY)
    assert result.exit_code == 0, result.output
    assert f"Applied 0 budget changes due on or before {_long(notice_on - timedelta(days=1))}." in result.output
    assert (money.unspent(budget), _postings(decision)) == (100_000, 0)


def test_the_command_on_the_notice_date_applies_it_and_tells_the_family(app, runner, trust, child, budget, outbox,
                                                                       on_day, notice_on):
    decision = _reduce(budget, trust, notice_on)
    outbox.clear()

    on_day(notice_on)
    result = runner.invoke(args=APPLY)
    assert result.exit_code == 0, result.output
    assert f"Applied 1 budget change due on or before {_long(notice_on)}." in result.output

    db.session.expire_all()
    assert (budget.amount_pence, money.unspent(budget), _postings(decision)) == (80_000, 80_000, 1)
    assert decision.applied_at is not None
    [posting] = db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == decision.id))
    assert posting.by_id == trust.id and posting.reason == "Review found fewer nights are needed"
    assert "£800.00 left until" in _family_page(app, child)

    [email] = _to_family(outbox, child)
    assert email["Subject"] == "Budget reduced from today: Amira's short breaks"
    body = email.get_content()
    assert "has now taken effect" in body and "Amira now has £800.00 left to spend" in body


def test_an_ending_with_notice_keeps_bookings_made_before_it(app, runner, trust, child, budget, outbox, on_day,
                                                             notice_on):
    decision = money.change_budget(budget, DecisionKind.END, reasons="Family moved out of the area",
                                   notice_on=notice_on, by=trust)
    db.session.commit()
    assert (budget.status, money.unspent(budget)) == (BudgetStatus.ACTIVE, 100_000)
    assert f"From {_long(notice_on)} this budget ends" in _family_page(app, child)
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=40_000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    book_places(child.parent, SessionFactory(offer=offer), [child], "personal_budget")
    db.session.commit()
    available = envelope_account(budget.envelope_id, "available")
    before = ledger.balance(available)

    on_day(notice_on)
    assert runner.invoke(args=APPLY).exit_code == 0
    db.session.expire_all()
    assert (budget.status, budget.amount_pence, money.unspent(budget)) == (BudgetStatus.ENDED, 40_000, 0)
    assert ledger.balance(budget.held_account) == 40_000, "the break booked before the notice date stays booked"
    assert ledger.balance(available) == before + 60_000
    assert decision.change_pence == -60_000
    assert ledger.check() == []


def test_running_the_command_twice_applies_the_change_once(app, runner, trust, child, budget, outbox, on_day,
                                                          notice_on):
    decision = _reduce(budget, trust, notice_on)
    outbox.clear()
    on_day(notice_on)
    # A second run that found the decision due before the first one applied it.
    [late] = money.due_decisions(notice_on)
    db.session.rollback()

    first, second = runner.invoke(args=APPLY), runner.invoke(args=APPLY)
    assert "Applied 1 budget change" in first.output
    assert "Applied 0 budget changes" in second.output
    decision = db.session.get(type(decision), late)
    assert money.apply_due_change(decision, notice_on) is False, "re-checked under the lock"
    db.session.commit()

    db.session.expire_all()
    assert (_postings(decision), budget.amount_pence, money.unspent(budget)) == (1, 80_000, 80_000)
    assert len(_to_family(outbox, child)) == 1


def test_a_reduction_the_family_has_since_booked_stays_waiting(app, runner, trust, child, budget, outbox, on_day,
                                                              notice_on):
    decision = _reduce(budget, trust, notice_on, pence=50_000)
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=60_000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    book_places(child.parent, SessionFactory(offer=offer), [child], "personal_budget")
    db.session.commit()

    on_day(notice_on)
    result = runner.invoke(args=APPLY)
    assert result.exit_code == 0, result.output
    assert "Only £400.00 of this budget is not already booked or spent" in result.output
    assert "Applied 0 budget changes" in result.output and "1 could not be applied" in result.output
    db.session.expire_all()
    assert (decision.applied_at, _postings(decision), money.unspent(budget)) == (None, 0, 40_000)


def test_the_ledger_reconciles_while_a_change_waits_and_after_it_applies(app, runner, trust, budget, on_day,
                                                                        notice_on):
    _reduce(budget, trust, notice_on)
    waiting = runner.invoke(args=["ledger", "check"])
    assert waiting.exit_code == 0 and "The ledger reconciles." in waiting.output, waiting.output

    on_day(notice_on)
    assert "Applied 1 budget change" in runner.invoke(args=APPLY).output
    applied = runner.invoke(args=["ledger", "check"])
    assert applied.exit_code == 0 and "The ledger reconciles." in applied.output, applied.output
