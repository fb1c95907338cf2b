"""`flask --app portal budgets apply-due-changes`: apply panel decisions whose notice date has come (run daily)."""
from __future__ import annotations

import click
from flask import Flask

from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import plural, pounds

from . import services
from .models import DecisionKind, PanelDecision


def register_commands(app: Flask) -> None:
    group = click.Group("budgets", help="Personal budgets.")
    app.cli.add_command(group)

    @group.command("apply-due-changes")
    def apply_due_changes() -> None:
        """Reduce or end each personal budget whose notice date has come (London date), once, and email the family."""
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
                click.echo(f"Not applied: decision {decision_id} on personal budget {decision.budget_id}: {problem} "
                           "It stays waiting; the trust should review it.")
                continue
            db.session.commit()
            if done:
                applied += 1
                click.echo(f"Applied decision {decision_id} on personal budget {decision.budget_id}: "
                           f"{_what(decision)}.")
        click.echo(f"Applied {plural(applied, 'budget change')} due on or before "
                   f"{services.long_date(day)}." + (f" {refused} could not be applied." if refused else ""))


def _what(decision: PanelDecision) -> str:
    if decision.kind is DecisionKind.END:
        return f"ended, {pounds(-decision.change_pence)} back to the trust"
    return f"reduced by {pounds(-decision.change_pence)}"
