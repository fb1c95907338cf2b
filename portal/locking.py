"""Write locks held until the transaction ends, the same way on both databases.

PostgreSQL: SELECT ... FOR UPDATE on the rows, in id order so that two writers never deadlock, with a
lock timeout. SQLite: the database write lock (BEGIN IMMEDIATE), which serialises every writer.
"""
from __future__ import annotations

import functools

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from .errors import TryAgain
from .extensions import db


def lock_rows(model, ids, *, busy: str | None = None) -> None:
    """Lock these rows of ``model`` (their bare rows: FOR UPDATE cannot go with outer joins).

    ``busy``: what to tell the user if the lock cannot be had in time (TryAgain's default otherwise).
    """
    lock(select(model.id).where(model.id.in_(sorted(set(ids)))).order_by(model.id).with_for_update(), busy=busy)


def lock(statement, *, busy: str | None = None) -> None:
    """Run a locking statement (SELECT ... FOR UPDATE/SHARE) on PostgreSQL, with the lock timeout; on SQLite
    take the database write lock instead. ``busy``: what to tell the user if the lock cannot be had in time."""
    _locked(lambda connection: connection.execute(statement), busy)


def read_locked(statement, locking: str, *, busy: str | None = None, params: dict | None = None) -> list:
    """Read the objects an ORM ``statement`` selects, taking their locks as it reads them: on PostgreSQL the same
    statement carries ``locking`` (such as "FOR UPDATE OF sessions FOR SHARE OF offers"), so it is one round trip;
    on SQLite the database write lock is taken first. What was loaded before is read again (populate_existing):
    it may have changed while we waited."""
    plain, locked = _variants(statement, locking)
    return _locked(lambda connection: db.session.scalars(locked, params).unique().all(),
                   busy, then=lambda: db.session.scalars(plain, params).unique().all())


@functools.lru_cache(maxsize=64)
def _variants(statement, locking: str) -> tuple:
    """The statement as read_locked runs it, without and with its locking clause: made once for a statement made
    once (such as a module's, with bind parameters), so that its SQL is looked up, not worked out, each time."""
    plain = statement.execution_options(populate_existing=True)
    return plain, plain.suffix_with(locking)


def _locked(run, busy: str | None, then=None):
    connection = db.session.connection()
    try:
        if connection.dialect.name == "sqlite":
            raw = connection.connection.dbapi_connection
            # If this unit of work has already written, it already holds the write lock.
            if not raw.in_transaction:
                raw.execute("BEGIN IMMEDIATE")
            return then() if then is not None else None
        timeout_ms = int(current_app.config["CAPACITY_LOCK_TIMEOUT_SECONDS"] * 1000)
        if timeout_ms != current_app.config.get("LOCK_TIMEOUT_ON_CONNECT_MS"):  # else every connection has it already
            connection.execute(text(f"SET LOCAL lock_timeout = {timeout_ms}"))
        return run(connection)
    except OperationalError as exc:
        raise (TryAgain(busy) if busy else TryAgain()) from exc
