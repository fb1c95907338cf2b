"""Command-line tasks: demo data and housekeeping."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from bookings import commands as booking_commands
from budgets import commands as budget_commands
from budgets.models import LedgerLine, LedgerTransaction
from demo import build
from privacy import commands as privacy_commands
from providers import commands as provider_commands
from statements import commands as statement_commands
from transitions import commands as transition_commands

from . import catalogs, jobs
from . import commands as portal_commands
from .extensions import db
from .formatting import plural
from .models import User


def register(app: Flask) -> None:
    provider_commands.register_commands(app)
    booking_commands.register_commands(app)
    statement_commands.register_commands(app)
    privacy_commands.register_commands(app)
    budget_commands.register_commands(app)
    transition_commands.register_commands(app)
    portal_commands.register_commands(app)

    @app.cli.command("seed-demo")
    @click.option("--size", type=click.Choice(["full", "small", "national"]), default="full", show_default=True,
                  help="full: a Birmingham-sized area (about 100,000 sessions); small: a few of everything, for "
                       "trying things out; national: 50,000 services, for benchmarks.")
    @click.option("--reset/--no-reset", default=True, show_default=True, help="Empty the database first.")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already has accounts in it.")
    def seed_demo(size: str, reset: bool, if_empty: bool) -> None:
        """Fill the database with a realistic demo area and a demo account for each role."""

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("The database already has demo data; leaving it as it is (drop --if-empty to rebuild it).")
            return
        build.build(size=size, reset=reset, echo=click.echo)

    @app.cli.command("worker")
    @click.option("--workers", type=int, default=None, help="How many jobs to run at once (default JOBS_WORKERS, 2).")
    @click.option("--schedule/--no-schedule", default=True, show_default=True,
                  help="Also queue the scheduled tasks when they are due (any number of workers may; each task runs "
                       "once when due).")
    def worker(workers: int | None, schedule: bool) -> None:
        """Run background jobs (emails, and longer work) and the schedule, until stopped: SIGTERM lets the jobs in
        hand finish first (up to a minute); Ctrl+C stops at once, and what was in hand is run again later."""
        if app.config["JOBS_IMMEDIATE"]:
            raise click.ClickException("JOBS_IMMEDIATE is set: jobs run where they are queued, with no worker.")
        count = workers or app.config["JOBS_WORKERS"]
        if schedule:
            click.echo(f"Working the job queue with {plural(count, 'thread')}; scheduled tasks (UTC):")
            for entry in jobs.SCHEDULE.values():
                click.echo(f"  {entry.when:<14} {entry.name}")
        else:
            click.echo(f"Working the job queue with {plural(count, 'thread')}; no scheduled tasks (--no-schedule).")
        jobs.consumer(count, schedule=schedule).run()

    @app.cli.command("warn-insurance")
    @click.option("--days", type=int, default=30, show_default=True, help="Warn this many days before insurance runs out.")
    def warn_insurance(days: int) -> None:
        """Email providers whose insurance runs out soon, and their commissioners, once for each date (run daily)."""

        click.echo(provider_commands.warn_insurance_now(days))

    @app.cli.command("warn-safeguards")
    @click.option("--days", type=int, default=30, show_default=True,
                  help="Warn this many days before a safeguard is due to be checked again.")
    def warn_safeguards(days: int) -> None:
        """Email approving bodies and providers about safeguards due to be checked again, once for each check."""
        click.echo(provider_commands.warn_safeguards_now(days))

    translations = click.Group("translations", help="The catalogs of every language the portal speaks.")
    app.cli.add_command(translations)

    @translations.command("update")
    def translations_update() -> None:
        """Extract every marked string into translations/messages.pot and add new ones to each catalog."""
        catalogs.update()
        click.echo("Updated translations/messages.pot and each language's messages.po: translate the new "
                   "messages, then run flask --app portal translations compile.")

    @translations.command("compile")
    def translations_compile() -> None:
        """Compile each language's messages.po into the messages.mo the portal reads."""
        catalogs.compile_all()

    @translations.command("check")
    def translations_check() -> None:
        """Exit 1 if the catalogs are out of date, or a shipped language has a message untranslated or fuzzy."""
        found = catalogs.problems()
        for problem in found:
            click.echo(problem, err=True)
        if found:
            raise SystemExit(1)
        click.echo(f"Every catalog is up to date and complete ({len(catalogs.shipped())} languages besides English).")

    ledger_group = click.Group("ledger", help="The money ledger.")
    app.cli.add_command(ledger_group)

    @ledger_group.command("check")
    def ledger_check() -> None:
        """Check that the ledger reconciles: every transaction balances, every cached balance and dashboard
        figure equals the sum of its lines, no budget is below zero, every booking's and payment's money is
        where its state says; no live booking on a cancelled session or made after its provider was suspended,
        and every session's count of places equals what is held on it. Exits 1 if anything does not."""

        transactions = db.session.scalar(select(func.count(LedgerTransaction.id)))
        lines = db.session.scalar(select(func.count(LedgerLine.id)))
        click.echo(f"Checking {transactions:,} transactions ({lines:,} lines)...")
        problems = booking_commands.ledger_problems()
        for problem in problems:
            click.echo(f"  - {problem}")
        if problems:
            click.echo(f"The ledger does not reconcile: {plural(len(problems), 'problem')}.")
            raise SystemExit(1)
        click.echo("The ledger reconciles.")
