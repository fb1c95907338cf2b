"""Demo data: a Birmingham-sized area (or a small one) with a demo account for each role.

Run with ``flask --app portal seed-demo``. Everything comes from a fixed random seed and dates relative
to today, so two runs on the same day build the same area. Rows go in as Core bulk inserts in chunks:
100,000 sessions and bookings added as ORM objects one by one would take many minutes.

The parts are built in this order, each drawing from the one random stream in turn (changing the order changes
the area): people (localities and staff), providers and offers, the provider's demo account, families and
children (with their consent to the register of disabled children), the children who stay overnight often,
assessments (how each came about, and the families' requests, open and decided), sessions and bookings, then money
(with a direct payment's recovered money), feedback, the trust's nights-away flags, signs of unmet demand, young people
moving to adult services (the transitions tracker), who in a family may see a young adult's record after 18, and the
statement.
"""
from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass

import click
from sqlalchemy import select, text

from portal.extensions import db, tidy_after_bulk_load
from portal.models import Locality

from . import people, providers, sessions
from .common import Seed
from .demand import add_demand
from .feedback import add_feedback
from .money import add_money
from .nights import add_nights_flags
from .people import AREAS, DEMO_PASSWORD
from .statement import add_statement
from .growing_up import add_family_access
from .transitions import add_transitions


@dataclass(frozen=True)
class Scale:
    providers: int
    pending_providers: int
    offers: int
    sessions: int
    children: int
    bookings: int
    # Publish a statement (its PDFs list every break, in every language). The national scale is for the benchmarks
    # only: 50,000 services would make PDFs of thousands of pages, each taking gigabytes to lay out.
    statement: bool = True


SCALES = {
    "full": Scale(providers=300, pending_providers=5, offers=2_000, sessions=100_000, children=11_000,
                  bookings=100_000),
    "small": Scale(providers=6, pending_providers=1, offers=30, sessions=300, children=40, bookings=40),
    # A national aggregator's scale, for the benchmarks (benchmarks/run.py --size national): 50,000 services.
    "national": Scale(providers=3_000, pending_providers=20, offers=50_000, sessions=250_000, children=20_000,
                      bookings=100_000, statement=False),
}


def build(size: str = "full", reset: bool = True, echo: Callable[[str], None] = print) -> None:
    """Fill the database with a demo area of the given size and commit."""
    started = clock.perf_counter()
    if reset:
        _empty_database()
        echo("Emptied the database.")
    else:
        _check_no_demo_data()
    counts = build_area(SCALES[size], echo)
    # Every table has just been filled: plan queries from their real sizes, not the empty tables' statistics (and on
    # PostgreSQL, mark the new rows visible to all, for index-only scans).
    db.session.commit()
    tidy_after_bulk_load()
    db.session.commit()
    echo("Analysed the tables for the query planner.")
    echo(f"Built the {size} demo area in {clock.perf_counter() - started:.0f} seconds: "
         + ", ".join(f"{count:,} {name}" for name, count in counts.items()) + ".")
    echo(f"Sign in as parent@, young.person@, okafor@, provider@, council@, trust@, adults@ or admin@example.com "
         f"with the password {DEMO_PASSWORD}.")


def build_area(scale: Scale, echo: Callable[[str], None]) -> dict[str, int]:
    """Add every part of the area in turn (the caller commits); returns counts of what was added."""
    seed = Seed(echo)
    locality_ids = people.add_localities(seed)
    staff = people.add_staff(seed)
    approved = providers.add_providers(seed, scale.providers, scale.pending_providers)
    offers = providers.add_offers(seed, scale.offers, approved, locality_ids)
    people.add_provider_user(seed, staff, offers[0].provider_id)
    families = people.add_families(seed, scale.children, locality_ids, staff)
    stayers = sessions.pick_stayers(seed, families, offers)
    assessed_ids = people.add_assessments(seed, families, staff, offers, also_approve=[s.kid for s in stayers])
    sessions.add_sessions_and_bookings(seed, scale.sessions, scale.bookings, offers, families, assessed_ids, stayers)
    parts = (add_money, add_feedback, add_nights_flags, add_demand, add_transitions, add_family_access)
    for part in parts + ((add_statement,) if scale.statement else ()):
        for name, count in part(echo).items():  # added up: more than one part adds audit events
            seed.counts[name] = seed.counts.get(name, 0) + count
    if not scale.statement:
        echo("Statement: none at this scale (its PDFs would list every one of the services, in every language).")
    return seed.counts


def _empty_database() -> None:
    tables = db.metadata.sorted_tables
    if db.session.get_bind().dialect.name == "postgresql":
        preparer = db.session.get_bind().dialect.identifier_preparer
        names = ", ".join(preparer.format_table(table) for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # A statement version points at the one it started from; SQLite checks that row by row.
        db.session.execute(text("UPDATE statements SET based_on_id = NULL"))
        for table in reversed(tables):
            db.session.execute(table.delete())


def _check_no_demo_data() -> None:
    names = [area.name for area in AREAS]
    if db.session.scalar(select(Locality.id).where(Locality.name.in_(names)).limit(1)):
        raise click.ClickException("The database already has the demo localities; "
                                   "run seed-demo with --reset to rebuild it.")
