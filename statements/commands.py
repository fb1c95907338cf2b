"""`flask --app portal statement publish VERSION --by EMAIL`: publish from the command line, for an area whose
statement takes longer to make than the web server or its proxy will wait for a page."""
from __future__ import annotations

import time

import click
from flask import Flask
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.models import User

from . import services
from .models import Statement


def register_commands(app: Flask) -> None:
    group = click.Group("statement", help="The Short Breaks Statement.")
    app.cli.add_command(group)

    @group.command("publish")
    @click.argument("version", type=int)
    @click.option("--by", "email", required=True, help="The email address of the commissioner publishing it.")
    def publish(version: int, email: str) -> None:
        """Check VERSION and publish it, exactly as the "Check and publish" page does."""
        person = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if person is None or not person.has_role(*services.EDITORS):
            raise click.ClickException(f"{email} is not the account of a council or trust commissioner.")
        statement = db.session.scalar(select(Statement).where(Statement.version == version))
        if statement is None:
            raise click.ClickException(f"There is no version {version} of the statement.")
        problems = [] if statement.is_published else services.publication_problems(statement)
        if problems:
            raise click.ClickException(f"Version {version} cannot be published yet:\n"
                                       + "\n".join(f"  - {p.text}" for p in problems))
        click.echo(f"Publishing version {version}: making the PDFs in every language (this can take a minute "
                   "or two for a large local offer)...")
        began = time.perf_counter()
        try:
            services.publish(statement, by=person)
        except DomainError as problem:
            db.session.rollback()
            raise click.ClickException(str(problem)) from None
        db.session.commit()
        click.echo(f"Published version {version} in {time.perf_counter() - began:.0f} seconds:")
        for stored in statement.files:
            click.echo(f"  {stored.language}: {stored.size / 1_000_000:.2f} MB, {stored.generation_ms / 1000:.1f} s, "
                       f"SHA-256 {stored.sha256}")
