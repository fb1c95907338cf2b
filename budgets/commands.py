"""`flask --app portal budgets apply-due-changes`: apply panel decisions whose notice date has come (the job
scheduler runs it daily, ``portal.jobs``)."""
from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask

from portal import jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import plural, pounds

from . import services
from .models import DecisionKind, PanelDecision

log = logging.getLogger(__name__)


@jobs.every("apply-due-changes", minute="5", hour="0")
def apply_due_changes(echo: Callable[[str], object] = log.info) -> str:
    """Reduce or end each personal budget whose notice date has come (London date), once, and email the family;
    says each one to ``echo`` and returns the summary."""
    day = services.today()
    due = services.due_decisions(day)
    db.session.rollback()
    applied = refused = 0
    for decision_id in due:
        decision = db.session.get(PanelDecision, decision_id)
        try:
            done = services.apply_due_change(decision, day)
        except DomainError as problem:
            db.session.rollback()
            refused += 1
            echo(f"Not applied: decision {decision_id} on personal budget {decision.budget_id}: {problem} "
                 "It stays waiting; the trust should review it.")
            continue
        db.session.commit()
        if done:
            applied += 1
            echo(f"Applied decision {decision_id} on personal budget {decision.budget_id}: {_what(decision)}.")
    return (f"Applied {plural(applied, 'budget change')} due on or before {services.long_date(day)}."
            + (f" {refused} could not be applied." if refused else ""))


def register_commands(app: Flask) -> None:
    group = click.Group("budgets", help="Personal budgets.")
    app.cli.add_command(group)

    @group.command("apply-due-changes")
    def apply_due_changes_command() -> None:
        """Reduce or end each personal budget whose notice date has come (London date), once, and email the family
        (the scheduler runs it daily)."""
        click.echo(apply_due_changes(echo=click.echo))


def _what(decision: PanelDecision) -> str:
    if decision.kind is DecisionKind.END:
        return f"ended, {pounds(-decision.change_pence)} back to {decision.budget.envelope.body.label}"
    return f"reduced by {pounds(-decision.change_pence)}"
