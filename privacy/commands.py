"""`flask --app portal privacy retention [--dry-run]`: anonymise the records kept for as long as the privacy
notice says (the job scheduler runs it daily, ``portal.jobs``). Output names records by id only: a log is no place
for what is being erased."""
from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask

from portal import jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import plural
from portal.models import Child, User

from . import erasure, retention

log = logging.getLogger(__name__)


@jobs.every("retention", minute="30", hour="1")
def apply_retention(dry_run: bool = False, echo: Callable[[str], object] = log.info) -> str:
    """Anonymise children who aged out of short breaks RETENTION_YEARS_AFTER_AGE_OUT years ago and family
    accounts unused for RETENTION_INACTIVE_ACCOUNT_YEARS, each with an audit entry; records with something still
    to settle (a place to come, a budget running, a refund on its way) are left and listed. Says each to ``echo``
    and returns the summary."""
    periods = retention.Periods.configured()
    due = [(type(d.subject), d.subject.id, d.reason, d.blockers) for d in retention.due(periods)]
    db.session.rollback()
    echo(f"{'Dry run: ' if dry_run else ''}{plural(len(due), 'record')} kept longer than the notice says "
         f"(children {periods.years_after_age_out} years after turning {periods.age_out}, "
         f"accounts unused for {periods.inactive_years} years).")
    done = left = 0
    for model, subject_id, reason, blockers in due:
        what = f"{'account' if model is User else 'child'} {subject_id} ({reason})"
        if blockers:
            left += 1
            echo(f"  left for now: {what}: {plural(len(blockers), 'thing')} to settle first")
            continue
        if dry_run:
            echo(f"  would anonymise {what}")
            done += 1
            continue
        subject = db.session.get(model, subject_id)
        if model is Child and retention.is_erased(subject):
            continue  # its family's account was anonymised a moment ago, and it with it
        try:
            if model is User:
                erasure.delete_account(subject, by=None, reason=reason)
            else:
                erasure.remove_child(subject, by=None, reason=reason)
        except DomainError:
            db.session.rollback()
            left += 1
            echo(f"  left for now: {what}: something to settle appeared")
            continue
        db.session.commit()
        done += 1
        log.info("Retention: anonymised %s", what)
        echo(f"  anonymised {what}")
    verb = "Would anonymise" if dry_run else "Anonymised"
    return f"{verb} {plural(done, 'record')}; {plural(left, 'record')} left for now."


def register_commands(app: Flask) -> None:
    group = click.Group("privacy", help="Families' personal data.")
    app.cli.add_command(group)

    @group.command("retention")
    @click.option("--dry-run", is_flag=True, help="Say what would be anonymised, and change nothing.")
    def retention_command(dry_run: bool) -> None:
        """Anonymise children who aged out of short breaks RETENTION_YEARS_AFTER_AGE_OUT years ago and family
        accounts unused for RETENTION_INACTIVE_ACCOUNT_YEARS, each with an audit entry; records with something still
        to settle (a place to come, a budget running, a refund on its way) are left and listed (the scheduler runs
        it daily)."""
        click.echo(apply_retention(dry_run, echo=click.echo))
