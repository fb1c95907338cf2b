"""Funding at booking: council-funded places against the envelope, personal budgets, and the ledger reconciling."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bookings.places import book_places, cancel_booking
from bookings.registers import mark_attendance
from bookings.session_changes import cancel_session
from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import BudgetKind, DecisionKind, Envelope, financial_year
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import to_london, utcnow
from providers.models import Attendance, Body, BookingStatus, PaymentRoute, Tier

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory


@pytest.fixture
def council(app):
    return UserFactory(role=Role.COUNCIL, email="council@example.com")


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com")


def _year(session=None):
    day = to_london(session.starts_at).date() if session else to_london(utcnow()).date()
    return financial_year(day)


def _council_session(price=2000, contribution=0, **kwargs):
    offer = OfferFactory(tier=Tier.TARGETED, price_pence=price, family_contribution_pence=contribution,
                         payment_route=PaymentRoute.COUNCIL_FUNDED)
    return SessionFactory(offer=offer, **kwargs)


def test_council_funded_place_commits_against_the_envelope_and_cancelling_releases_it(app, council, outbox):
    session = _council_session(price=2500, contribution=500)
    envelope = money.set_envelope(Body.COUNCIL, _year(session), 10_000, by=council, reason="Budget for the year")
    child = ChildFactory()
    [booking] = book_places(child.parent, session, [child], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    assert (booking.price_pence, booking.funded_pence) == (500, 2000)
    figures = ledger.figures(envelope)
    assert (figures.envelope, figures.committed, figures.spent, figures.available) == (10_000, 2000, 0, 8000)
    cancel_booking(booking, by=child.parent)
    db.session.commit()
    figures = ledger.figures(envelope)
    assert (figures.committed, figures.available) == (0, 10_000)
    assert ledger.check() == []


def test_council_funded_places_stop_when_the_envelope_would_be_exceeded(app, council):
    session = _council_session(price=3000)
    money.set_envelope(Body.COUNCIL, _year(session), 5000, by=council, reason="Small budget")
    first, second = ChildFactory(), ChildFactory()
    book_places(first.parent, session, [first], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    with pytest.raises(DomainError, match="fully committed"):
        book_places(second.parent, session, [second], "council_funded", declared_meets_criteria=True)
    db.session.rollback()
    method = __import__("bookings.funding", fromlist=["get"]).get("council_funded")
    assert "pay for the place yourself" in method.unavailable_reason(session, [second])
    assert ledger.check() == []


def test_delivery_turns_commitment_into_actual_spend(app, council):
    session = _council_session(price=1800, starts_at=(utcnow() + timedelta(hours=1)).replace(microsecond=0))
    envelope = money.set_envelope(Body.COUNCIL, _year(session), 10_000, by=council, reason="Budget")
    child = ChildFactory()
    [booking] = book_places(child.parent, session, [child], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    staff = UserFactory(role=Role.PROVIDER, provider_id=session.offer.provider_id)
    session.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=1)  # the register opens at the start
    mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
    db.session.commit()
    figures = ledger.figures(envelope)
    assert (figures.committed, figures.spent, figures.available) == (0, 1800, 8200)
    assert ledger.check() == []


def _approved(child, trust):
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                              recorded_by_id=trust.id))
    db.session.flush()


def _budget(child, trust, amount, kind=BudgetKind.MANAGED):
    _approved(child, trust)
    today = to_london(utcnow()).date()
    year = financial_year(today)
    return money.allocate_budget(child, kind=kind, amount_pence=amount, starts_on=today, ends_on=date(year + 1, 3, 31),
                                 review_on=today + timedelta(days=90), reasons="Panel agreed", by=trust)


def test_personal_budget_pays_for_specialist_places_and_cancelling_restores_it(app, trust, outbox):
    child = ChildFactory()
    budget = _budget(child, trust, 10_000)
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    sessions = [SessionFactory(offer=offer) for _ in range(3)]
    db.session.commit()
    [b1] = book_places(child.parent, sessions[0], [child], "personal_budget")
    [b2] = book_places(child.parent, sessions[1], [child], "personal_budget")
    db.session.commit()
    assert money.unspent(budget) == 2000
    with pytest.raises(DomainError, match="has £20.00 left"):
        book_places(child.parent, sessions[2], [child], "personal_budget")
    db.session.rollback()
    cancel_booking(b1, by=child.parent)
    db.session.commit()
    assert money.unspent(budget) == 6000
    assert "left until 31 March" in money.balance_sentence(budget)
    assert ledger.check() == []


def test_panel_decisions_are_never_refused_for_a_committed_envelope_but_flagged(app, trust, outbox):
    year = _year()
    money.set_envelope(Body.TRUST, year, 5000, by=trust, reason="Trust budget")
    child = ChildFactory()
    budget = _budget(child, trust, 8000)
    db.session.commit()
    assert budget.decisions[0].over_envelope is True
    envelope = db.session.scalar(select(Envelope).where(Envelope.body == Body.TRUST))
    assert ledger.balance(envelope_account(envelope, "available")) == -3000
    assert any("beyond the trust budget" in m["Subject"] for m in outbox)
    with pytest.raises(DomainError, match="notice"):
        money.change_budget(budget, DecisionKind.REDUCE, amount_pence=1000, reasons="Review", notice_on=None, by=trust)
    db.session.rollback()
    money.change_budget(budget, DecisionKind.REDUCE, amount_pence=1000, reasons="Review",
                        notice_on=to_london(utcnow()).date(), by=trust)
    db.session.commit()
    assert (budget.amount_pence, money.unspent(budget)) == (7000, 7000)
    assert any("Budget reduced" in m["Subject"] for m in outbox)
    assert ledger.check() == []


def test_provider_cancelling_a_session_releases_council_money(app, council):
    session = _council_session(price=1000)
    envelope = money.set_envelope(Body.COUNCIL, _year(session), 5000, by=council, reason="Budget")
    children = [ChildFactory() for _ in range(3)]
    for child in children:
        book_places(child.parent, session, [child], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    assert ledger.figures(envelope).committed == 3000
    cancel_session(session, reason="Flooded hall", by=None)
    db.session.commit()
    assert ledger.figures(envelope).committed == 0
    from providers.models import Booking

    statuses = db.session.scalars(select(Booking.status).where(Booking.session_id == session.id)).all()
    assert statuses == [BookingStatus.CANCELLED] * 3
    assert ledger.check() == []


def test_ledger_check_command_reports_reconciled_and_broken_ledgers(app, council, runner):
    session = _council_session(price=1200)
    envelope = money.set_envelope(Body.COUNCIL, _year(session), 5000, by=council, reason="Budget")
    child = ChildFactory()
    book_places(child.parent, session, [child], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0 and "The ledger reconciles." in result.output
    assert "Checking 2 transactions (4 lines)" in result.output
    # Tamper with a cached balance behind the ledger's back: the check finds it.
    from budgets.models import Account

    account = db.session.get(Account, envelope_account(envelope, "committed"))
    account.balance_pence += 1
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1 and "cached balance" in result.output and "does not reconcile" in result.output
