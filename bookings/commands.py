"""Scheduled tasks for places and money, run by the job worker's scheduler (``portal.jobs``) and as ``flask``
commands. Each session or refund is its own transaction, so one that fails or waits on a lock does not hold up the
rest."""
from __future__ import annotations

import click
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from budgets import ledger
from portal import jobs, notify
from portal.extensions import db
from portal.formatting import plural
from portal.models import Role, User
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingStatus,
    Session,
    WaitingListEntry,
    WaitingStatus,
)

from . import checks, places, refunds


def _settle_each(session_ids: list[int]) -> int:
    for session_id in session_ids:
        session = db.session.get(Session, session_id)
        places.lock_capacity([session])
        places.settle(session)
        db.session.commit()
    return len(session_ids)


def expire_waiting_offers() -> int:
    """Pass on every waiting-list offer not taken in time; returns how many sessions it touched."""
    return _settle_each(db.session.scalars(
        select(WaitingListEntry.session_id).where(
            WaitingListEntry.status == WaitingStatus.OFFERED, WaitingListEntry.offer_expires_at <= utcnow()
        ).distinct()).all())


def expire_holds() -> int:
    """Release places held for card payments not made in time; returns how many sessions it touched."""
    return _settle_each(db.session.scalars(select(Booking.session_id).where(
        Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= utcnow()).distinct()).all())


def send_requested_refunds(limit: int = 100) -> int:
    """Send refunds Stripe could not take when they were asked for; returns how many it took."""
    sent = 0
    for refund_id in refunds.requested(limit):
        sent += refunds.send_refund(refund_id)
        db.session.commit()
    return sent


@jobs.every("expire-offers", minute="*/5")
def expire_offers_now() -> str:
    return f"Passed on expired offers for {plural(expire_waiting_offers(), 'session')}."


@jobs.every("expire-holds", minute="*/5")
def expire_holds_now() -> str:
    return f"Released unpaid holds on {plural(expire_holds(), 'session')}."


@jobs.every("send-refunds", minute="*/15")
def send_refunds_now() -> str:
    return f"Sent {plural(send_requested_refunds(limit=1000), 'refund')}."


def ledger_problems() -> list[str]:
    """Everything about money and places that does not reconcile (none: all is well)."""
    return ledger.check() + checks.check()


@jobs.every("ledger-check", minute="0", hour="6")
def check_ledger_now() -> str:
    """The daily ledger check: administrators are emailed the problems, if there are any."""
    problems = ledger_problems()
    db.session.rollback()
    if not problems:
        return "The ledger reconciles."
    for admin in db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))):
        notify.queue(admin, _l("The short breaks ledger does not reconcile"), "ledger_problems", person=admin,
                     problems=problems)
    db.session.commit()
    return f"The ledger does not reconcile: {plural(len(problems), 'problem')}; administrators emailed."


def register_commands(app: Flask) -> None:
    @app.cli.command("expire-offers")
    def expire_offers_command() -> None:
        """Pass on waiting-list offers that were not accepted in time (the scheduler runs it every 5 minutes)."""
        click.echo(expire_offers_now())

    payments_group = click.Group("payments", help="Card payments through Stripe.")
    app.cli.add_command(payments_group)

    @payments_group.command("expire-holds")
    def expire_holds_command() -> None:
        """Release places held for card payments that were not made in time (run every few minutes)."""
        click.echo(expire_holds_now())

    @payments_group.command("send-refunds")
    def send_refunds_command() -> None:
        """Send refunds that could not be sent when they were asked for (Stripe was unreachable)."""
        click.echo(send_refunds_now())
