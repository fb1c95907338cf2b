"""The shell's daily task for young people turning 18 (scheduled, ``portal.jobs``), and the command to run it now."""
from __future__ import annotations

import click

from . import growing_up, jobs
from .extensions import db
from .formatting import plural
from .timeutil import london_today


@jobs.every("turning-18", minute="20", hour="7")
def turning_18_now() -> str:
    """Tell young people and their parents, once each, what changes at 18; record (and tell the parent) where a
    parent's access ended at 18 with no consent or legal basis recorded."""
    today = london_today()
    told = growing_up.tell_before_18(today)
    ended = growing_up.record_ended_at_18(today)
    db.session.commit()
    return f"Told {plural(len(told), 'person', 'people')} about turning 18; {plural(len(ended), 'parent')}' access ended."


def register_commands(app) -> None:
    @app.cli.command("turning-18")
    def turning_18_command() -> None:
        """Run the daily turning-18 task now."""
        click.echo(turning_18_now())
