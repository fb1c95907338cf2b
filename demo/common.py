"""What every part of the demo builder shares: its random seed, its calendar, the state of one build (one random
stream drawn from in a fixed order, the clock, the counts) and the chunked bulk insert."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import insert

from portal.extensions import db
from portal.timeutil import to_london, utcnow

RANDOM_SEED = 2011  # the year of the Breaks for Carers of Disabled Children Regulations
CHUNK = 5_000
PAST_DAYS = 28  # sessions start this many days ago, so there are delivered sessions and past bookings
CLOSED = {(12, 25), (12, 26), (1, 1)}


class Seed:
    """One build of the demo area. Every part draws from the same random stream in the order ``build`` calls them,
    so the same seed builds the same area."""

    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo
        self.rng = random.Random(RANDOM_SEED)
        self.now = utcnow()
        self.today = to_london(self.now).date()
        self.counts: dict[str, int] = {}

    def insert(self, model, rows: list[dict], label: str, returning: bool = False) -> list[int]:
        return bulk_insert(model, rows, label, self.counts, self.echo, returning=returning)

    def days_ago(self, low: int, high: int) -> datetime:
        return self.now - timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439))

    def phone(self, mobile: bool = True) -> str:
        # Ofcom's ranges for drama, so no real person is ever rung.
        return f"07700 900{self.rng.randrange(1000):03d}" if mobile else f"0121 496 0{self.rng.randrange(1000):03d}"

    def pick(self, weights: dict[str, int], k: int) -> set[str]:
        """``k`` different keys of ``weights``, drawn by weight."""
        picked: set[str] = set()
        while len(picked) < k:
            picked.add(self.rng.choices(list(weights), list(weights.values()))[0])
        return picked


def bulk_insert(model, rows: list[dict], label: str, counts: dict[str, int], echo: Callable[[str], None],
                returning: bool = False) -> list[int]:
    """Bulk insert in chunks, reporting progress and adding to ``counts``; with ``returning``, give back the new
    ids in order."""
    # Core inserts on the table: with RETURNING on SQLite the ORM's bulk path is many times slower.
    table = getattr(model, "__table__", model)
    statement = insert(table)
    if returning:
        statement = statement.returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if returning:
            ids.extend(db.session.scalars(statement, chunk))
        else:
            db.session.execute(statement, chunk)
        echo(f"{label}: {start + len(chunk):,}/{len(rows):,}")
    counts[label.lower()] = counts.get(label.lower(), 0) + len(rows)
    return ids
