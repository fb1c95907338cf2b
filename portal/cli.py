"""Command-line tasks: demo data and housekeeping."""
from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    from providers import bulk

    bulk.register_commands(app)

    @app.cli.command("seed-demo")
    @click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
                  help="full: a Birmingham-sized area (about 100,000 sessions); small: a few of everything, for trying things out.")
    @click.option("--reset/--no-reset", default=True, show_default=True, help="Empty the database first.")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already has accounts in it.")
    def seed_demo(size: str, reset: bool, if_empty: bool) -> None:
        """Fill the database with a realistic demo area and a demo account for each role."""
        from sqlalchemy import func, select

        from . import seed
        from .extensions import db
        from .models import User

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("The database already has demo data; leaving it as it is (drop --if-empty to rebuild it).")
            return
        seed.build(size=size, reset=reset, echo=click.echo)

    @app.cli.command("expire-offers")
    def expire_offers() -> None:
        """Pass on waiting-list offers that were not accepted in time (run every few minutes)."""
        from providers.services import expire_waiting_offers

        count = expire_waiting_offers()
        click.echo(f"Passed on expired offers for {count} session{'s' if count != 1 else ''}.")

    @app.cli.command("warn-insurance")
    @click.option("--days", type=int, default=30, show_default=True, help="Warn this many days before insurance runs out.")
    def warn_insurance(days: int) -> None:
        """Email providers whose insurance runs out soon, and their commissioners, once for each date (run daily)."""
        from providers.organisations import london_today, warn_expiring_insurance

        from .extensions import db

        warned = warn_expiring_insurance(london_today(), days=days)
        db.session.commit()
        click.echo(f"Warned {len(warned)} provider{'s' if len(warned) != 1 else ''} about insurance running out.")
