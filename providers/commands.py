"""Providers' command-line tasks: loading many sessions from a CSV file, with a progress bar; the daily warnings
about insurance running out and safeguards due to be checked again, and the check of each offer's kept next sessions (scheduled, ``portal.jobs``)."""
from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime

import click
from flask.cli import with_appcontext

from portal import jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import plural
from portal.timeutil import utcnow

from . import bulk, next_sessions
from .models import Provider
from .organisations import INSURANCE_WARNING_DAYS, london_today, warn_due_reverification, warn_expiring_insurance
from .safeguards import DUE_SOON_DAYS


@jobs.every("warn-insurance", minute="0", hour="7")
def warn_insurance_now(days: int = INSURANCE_WARNING_DAYS) -> str:
    """Warn providers whose insurance runs out soon, and their commissioners, once for each date."""
    warned = warn_expiring_insurance(london_today(), days=days)
    db.session.commit()
    return f"Warned {plural(len(warned), 'provider')} about insurance running out."


@jobs.every("warn-safeguards", minute="10", hour="7")
def warn_safeguards_now(days: int = DUE_SOON_DAYS) -> str:
    """Warn approving bodies (and the providers) of safeguards due to be checked again, once for each check."""
    warned = warn_due_reverification(london_today(), days=days)
    db.session.commit()
    return f"Warned about {plural(len(warned), 'safeguard check')} due to be checked again."


def check_next_sessions(now: datetime, batch: int = 1000) -> int:
    """Work out again each offer's kept next sessions once one of them has started (the search asks the sessions
    themselves for such an offer until then), a thousand offers to a transaction; returns how many."""
    stale = next_sessions.out_of_date(now)
    for start in range(0, len(stale), batch):
        next_sessions.work_out(stale[start:start + batch], now)
        db.session.commit()
    return len(stale)


@jobs.every("check-next-sessions", minute="*/5")
def check_next_sessions_now() -> str:
    return f"Checked again the next sessions of {plural(check_next_sessions(utcnow()), 'offer')}."


@click.command("import-sessions")
@click.argument("file", type=click.File("rb"))
@click.option("--provider-id", type=int, required=True, help="The provider whose offers the sessions belong to.")
@with_appcontext
def import_sessions_command(file, provider_id: int) -> None:
    """Import sessions from a CSV file (offer, date, start time, end time, places, staff), all or nothing."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise click.ClickException(f"There is no provider with id {provider_id}.")
    with ExitStack() as stack:
        bar = None

        def advance(done_now: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = stack.enter_context(click.progressbar(length=total, label=f"Importing {total:,} sessions"))
            bar.update(done_now)

        try:
            result = bulk.import_sessions(provider, bulk.decode_upload(file.read()), by=None, progress=advance)
        except bulk.UploadProblems as problems:
            db.session.rollback()
            for problem in problems.problems:
                click.echo(f"Line {problem.line}: {problem.reason} ({problem.values})", err=True)
            raise click.ClickException(str(problems)) from None
        except DomainError as problem:
            db.session.rollback()
            raise click.ClickException(str(problem)) from None
        db.session.commit()
    for offer, count in result.by_offer.items():
        click.echo(f"{plural(count, 'session')} for offer {offer.id} ({offer.title})")
    click.echo(f"Imported {result.count:,} sessions.")


def register_commands(app) -> None:
    """Add ``flask import-sessions`` to the app (called from portal.cli.register)."""
    app.cli.add_command(import_sessions_command)
