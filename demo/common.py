"""What every part of the demo builder shares: its random seed, its calendar and the chunked bulk insert."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert

from portal.extensions import db

RANDOM_SEED = 2011  # the year of the Breaks for Carers of Disabled Children Regulations
CHUNK = 5_000
PAST_DAYS = 28  # sessions start this many days ago, so there are delivered sessions and past bookings
CLOSED = {(12, 25), (12, 26), (1, 1)}


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
