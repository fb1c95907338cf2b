"""Locks give up in time on PostgreSQL: the lock timeout is set once per connection when it is made (no round
trip per lock), and set for the transaction only when the configured timeout differs from it."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import event, text

from portal import create_app
from portal.errors import TryAgain
from portal.extensions import db
from portal.locking import lock_rows
from providers.models import Session

from .factories import SessionFactory


@pytest.fixture
def held_session(app, database_url):
    """A session whose row another connection holds FOR UPDATE until the test ends."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no row locks: its writers take the database's one write lock in turn")
    session = SessionFactory()
    db.session.commit()
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": session.id})
    yield session.id
    transaction.rollback()
    holder.close()


def test_a_lock_held_elsewhere_gives_up_after_the_timeout_each_connection_has(held_session, database_url):
    other = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, CAPACITY_LOCK_TIMEOUT_SECONDS=0.3)
    with other.app_context():
        statements = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: statements.append(statement))
        try:
            assert db.session.execute(text("SHOW lock_timeout")).scalar() == "300ms"
            started = time.monotonic()
            with pytest.raises(TryAgain):
                lock_rows(Session, [held_session])
            waited = time.monotonic() - started
            db.session.rollback()
            assert 0.25 < waited < 5
            assert not [s for s in statements if "lock_timeout" in s.lower() and s.upper().startswith("SET")]

            # Changed after the connections were made: set for the transaction instead, and still kept to.
            other.config["CAPACITY_LOCK_TIMEOUT_SECONDS"] = 0.5
            started = time.monotonic()
            with pytest.raises(TryAgain):
                lock_rows(Session, [held_session])
            waited = time.monotonic() - started
            db.session.rollback()
            assert 0.45 < waited < 5
            assert [s for s in statements if s.startswith("SET LOCAL lock_timeout = 500")]
        finally:
            db.session.remove()
            db.engine.dispose()
