"""The transitions tracker's daily task (scheduled, ``portal.jobs``; also ``flask --app portal transitions check``)."""
from __future__ import annotations

import click
from flask import Flask

from portal import jobs
from portal.extensions import db
from portal.formatting import plural
from portal.timeutil import london_today

from .services import check


@jobs.every("transitions", minute="20", hour="6")
def check_transitions_now() -> str:
    """Start the tracker for young people who have turned 14, flag stages newly overdue and 18th birthdays coming
    with no adult budget, and email the people responsible, once each."""
    checked = check(london_today())
    db.session.commit()
    return (f"Started {plural(checked.started, 'transition')}; flagged {plural(checked.overdue, 'overdue stage')}; "
            f"warned about {plural(checked.warned, 'young person', 'young people')} with no adult budget.")


def register_commands(app: Flask) -> None:
    transitions = click.Group("transitions", help="The tracker of young people moving to adult services.")
    app.cli.add_command(transitions)

    @transitions.command("check")
    def check_command() -> None:
        """Run the daily check now (it flags and emails each item once, however often it runs)."""
        click.echo(check_transitions_now())
