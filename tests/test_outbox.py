"""The after-commit outbox: emails and Stripe refunds leave only once the change that caused them has committed,
the same way from a request, a command line task or a test; a rollback drops them."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from bookings.session_changes import cancel_session
from budgets.models import Refund, RefundStatus
from portal import notify
from portal.extensions import db
from portal.models import Role, User
from portal.outbox import after_commit

from .factories import ChildFactory, UserFactory
from .test_stripe import card_session, pay_by_card

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture


def test_a_task_runs_after_the_commit_and_never_after_a_rollback(app):
    ran = []
    after_commit(ran.append, "dropped")
    db.session.rollback()
    UserFactory(email="someone@example.com")
    after_commit(lambda: ran.append(db.session.scalar(select(func.count(User.id)))))
    assert ran == []
    db.session.commit()
    assert ran == [1]  # it ran after the commit, and saw what the commit wrote


def test_a_failing_task_is_logged_and_does_not_undo_the_change_or_stop_the_others(app, caplog):
    ran = []

    def broken():
        db.session.add(UserFactory.build(email="half-done@example.com"))
        db.session.flush()
        raise RuntimeError("the mail server is on fire")

    UserFactory(email="kept@example.com")
    after_commit(broken)
    after_commit(ran.append, "still sent")
    with caplog.at_level(logging.ERROR, logger="portal.outbox"):
        db.session.commit()
    assert ran == ["still sent"]
    assert "the mail server is on fire" in caplog.text
    emails = set(db.session.scalars(select(User.email)))
    assert "kept@example.com" in emails and "half-done@example.com" not in emails


def test_work_queued_by_a_task_runs_too(app):
    ran = []
    after_commit(lambda: after_commit(ran.append, "second"))
    db.session.commit()
    assert ran == ["second"]


def test_an_email_queued_outside_a_request_leaves_after_the_commit(app, outbox):
    notify.queue("family@example.com", "Booking confirmed: Swimming", "password_reset", link="https://x", user=None)
    assert outbox == []
    db.session.commit()
    assert [m["To"] for m in outbox] == ["family@example.com"]


def test_refunds_asked_for_outside_a_request_go_to_stripe_after_the_commit(app, login, stripe_fake):
    session = card_session(price=2500)
    family = UserFactory()
    payment = pay_by_card(login(family), session, [ChildFactory(parent=family)], stripe_fake)
    staff = UserFactory(role=Role.PROVIDER, provider_id=session.offer.provider_id)

    cancel_session(session, reason="The pool is closed", by=staff)  # as the API or a command would
    assert stripe_fake.refunds_for(payment.payment_intent_id) == []  # nothing leaves before the commit
    db.session.commit()
    assert [r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)] == [2500]
    assert db.session.scalar(select(Refund.status)) is RefundStatus.SUCCEEDED
