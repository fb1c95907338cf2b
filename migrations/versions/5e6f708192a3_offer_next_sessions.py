"""Each offer's next open session on each weekday, kept by triggers on sessions, and an index of the offers' ages
(#12: the search at national scale)

``offer_next_sessions`` holds, per offer, the earliest open session starting after ``checked_at`` on each day of the
week (``day_0`` is Monday, as ``sessions.weekday``). The search sorts by "soonest next session" and filters by day
from it, instead of looking through every matching offer's sessions.

What keeps it true (each row: every open session of its offer that starts after ``checked_at`` starts no earlier
than its day's value, and each value is an open session's start, or NULL when there is none):

- a session added: its day's value becomes the earlier of the two (nothing else can change). ``checked_at`` moves on
  to now, and only sessions starting after now are counted, so a bulk load of past sessions changes nothing;
- a session removed, moved, cancelled or reopened: the offer's row is worked out again from its sessions. On
  PostgreSQL the row is locked first and worked out by a statement that starts after the lock is held, so two
  transactions changing the same offer's sessions at once cannot leave either's change out.

A value that has started is out of date: the search asks the sessions for that offer (local_offer.next_sessions), and
a scheduled task works such rows out again. On SQLite a later batch migration that rebuilds ``sessions`` drops its
triggers: it must create them again (the SQL is here).

Revision ID: 5e6f708192a3
Revises: ef3a4491c143
Create Date: 2026-12-06 00:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e6f708192a3'
down_revision = 'ef3a4491c143'
branch_labels = None
depends_on = None

DAYS = range(7)
DAY_COLUMNS = ", ".join(f"day_{d}" for d in DAYS)

CREATE_TABLE = f"""CREATE TABLE offer_next_sessions (
    offer_id INTEGER NOT NULL,
    checked_at {{timestamp}} NOT NULL,
    {", ".join(f"day_{d} {{timestamp}}" for d in DAYS)},
    CONSTRAINT pk_offer_next_sessions PRIMARY KEY (offer_id),
    CONSTRAINT fk_offer_next_sessions_offer_id_offers FOREIGN KEY (offer_id) REFERENCES offers (id) ON DELETE CASCADE
)"""

# --- SQLite: row triggers. Times are stored as text, 'YYYY-MM-DD HH:MM:SS.ffffff', which sorts as time does.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


def _sqlite_work_out(offer: str) -> str:
    """Work the offer's row out again from its sessions (nothing for an offer that no longer exists)."""
    days = ", ".join(f"min(CASE WHEN s.weekday = {d} THEN s.starts_at END)" for d in DAYS)
    return f"""
        INSERT OR REPLACE INTO offer_next_sessions (offer_id, checked_at, {DAY_COLUMNS})
        SELECT o.id, {SQLITE_NOW}, {days}
        FROM offers o LEFT JOIN sessions s ON s.offer_id = o.id AND s.status = 'OPEN' AND s.starts_at > {SQLITE_NOW}
        WHERE o.id = {offer} GROUP BY o.id;"""


SQLITE_ADDED = ", ".join(
    f"CASE WHEN NEW.weekday = {d} AND NEW.status = 'OPEN' AND NEW.starts_at > {SQLITE_NOW} THEN NEW.starts_at END"
    for d in DAYS)
# min(a, NULL) is NULL in SQLite: the earlier of two values where either may be missing.
SQLITE_EARLIER = ", ".join(f"day_{d} = coalesce(min(day_{d}, excluded.day_{d}), day_{d}, excluded.day_{d})"
                           for d in DAYS)

SQLITE_UP = [
    CREATE_TABLE.format(timestamp="DATETIME"),
    f"""CREATE TRIGGER offer_next_sessions_added AFTER INSERT ON sessions BEGIN
        INSERT INTO offer_next_sessions (offer_id, checked_at, {DAY_COLUMNS})
        VALUES (NEW.offer_id, {SQLITE_NOW}, {SQLITE_ADDED})
        ON CONFLICT (offer_id) DO UPDATE SET checked_at = max(checked_at, excluded.checked_at), {SQLITE_EARLIER};
    END""",
    f"CREATE TRIGGER offer_next_sessions_removed AFTER DELETE ON sessions BEGIN {_sqlite_work_out('OLD.offer_id')}\n    END",
    f"""CREATE TRIGGER offer_next_sessions_changed AFTER UPDATE OF offer_id, starts_at, weekday, status ON sessions
    BEGIN {_sqlite_work_out('OLD.offer_id')} {_sqlite_work_out('NEW.offer_id')}
    END""",
    # Whatever the foreign keys setting: an offer's row goes with it.
    "CREATE TRIGGER offer_next_sessions_offer_removed AFTER DELETE ON offers BEGIN "
    "DELETE FROM offer_next_sessions WHERE offer_id = OLD.id; END",
    _sqlite_work_out("o.id").replace("WHERE o.id = o.id", "WHERE EXISTS (SELECT 1 FROM sessions x WHERE x.offer_id = o.id)"),
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS offer_next_sessions_offer_removed",
    "DROP TRIGGER IF EXISTS offer_next_sessions_changed",
    "DROP TRIGGER IF EXISTS offer_next_sessions_removed",
    "DROP TRIGGER IF EXISTS offer_next_sessions_added",
    "DROP TABLE IF EXISTS offer_next_sessions",
]

# --- PostgreSQL: statement triggers for rows added and removed (one statement for a bulk load), a row trigger for
# the columns that matter changing (a booking's change to places_taken fires nothing).
PG_NOW = "(now() AT TIME ZONE 'UTC')"
PG_FILTERED = ", ".join(f"min(starts_at) FILTER (WHERE weekday = {d})" for d in DAYS)

POSTGRESQL_UP = [
    CREATE_TABLE.format(timestamp="TIMESTAMP WITHOUT TIME ZONE"),
    f"""CREATE FUNCTION offer_next_sessions_work_out(offers_changed integer[], at timestamp) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO offer_next_sessions (offer_id, checked_at)
        SELECT id, at FROM offers WHERE id = ANY(offers_changed) ON CONFLICT (offer_id) DO NOTHING;
        PERFORM 1 FROM offer_next_sessions WHERE offer_id = ANY(offers_changed) ORDER BY offer_id FOR UPDATE;
        -- A statement of its own, so it sees what a transaction that held the lock before us committed.
        UPDATE offer_next_sessions n SET (checked_at, {DAY_COLUMNS}) = (
            SELECT at, {PG_FILTERED} FROM sessions
            WHERE offer_id = n.offer_id AND status = 'OPEN' AND starts_at > at)
        WHERE n.offer_id = ANY(offers_changed);
    END $$""",
    f"""CREATE FUNCTION offer_next_sessions_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO offer_next_sessions AS n (offer_id, checked_at, {DAY_COLUMNS})
        SELECT offer_id, {PG_NOW}, {", ".join(f"min(starts_at) FILTER (WHERE weekday = {d} AND status = 'OPEN' "
                                             f"AND starts_at > {PG_NOW})" for d in DAYS)}
        FROM added GROUP BY offer_id
        ON CONFLICT (offer_id) DO UPDATE SET checked_at = greatest(n.checked_at, EXCLUDED.checked_at),
            {", ".join(f"day_{d} = least(n.day_{d}, EXCLUDED.day_{d})" for d in DAYS)};
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION offer_next_sessions_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM offer_next_sessions_work_out(ARRAY(SELECT DISTINCT offer_id FROM removed), {PG_NOW});
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION offer_next_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM offer_next_sessions_work_out(ARRAY[OLD.offer_id, NEW.offer_id], {PG_NOW});
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER offer_next_sessions_added AFTER INSERT ON sessions REFERENCING NEW TABLE AS added
       FOR EACH STATEMENT EXECUTE FUNCTION offer_next_sessions_added()""",
    """CREATE TRIGGER offer_next_sessions_removed AFTER DELETE ON sessions REFERENCING OLD TABLE AS removed
       FOR EACH STATEMENT EXECUTE FUNCTION offer_next_sessions_removed()""",
    """CREATE TRIGGER offer_next_sessions_changed AFTER UPDATE OF offer_id, starts_at, weekday, status ON sessions
       FOR EACH ROW WHEN (OLD.offer_id IS DISTINCT FROM NEW.offer_id OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
                          OR OLD.weekday IS DISTINCT FROM NEW.weekday OR OLD.status IS DISTINCT FROM NEW.status)
       EXECUTE FUNCTION offer_next_sessions_changed()""",
    f"SELECT offer_next_sessions_work_out(ARRAY(SELECT DISTINCT offer_id FROM sessions), {PG_NOW})",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS offer_next_sessions_changed ON sessions",
    "DROP TRIGGER IF EXISTS offer_next_sessions_removed ON sessions",
    "DROP TRIGGER IF EXISTS offer_next_sessions_added ON sessions",
    "DROP FUNCTION IF EXISTS offer_next_sessions_changed()",
    "DROP FUNCTION IF EXISTS offer_next_sessions_removed()",
    "DROP FUNCTION IF EXISTS offer_next_sessions_added()",
    "DROP FUNCTION IF EXISTS offer_next_sessions_work_out(integer[], timestamp)",
    "DROP TABLE IF EXISTS offer_next_sessions",
]


def _statements(sqlite: list[str], postgresql: list[str]) -> list[str]:
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgresql


def upgrade():
    for statement in _statements(SQLITE_UP, POSTGRESQL_UP):
        op.execute(statement)
    # The search's first pass over the public offers by age, on PostgreSQL from the index alone.
    # (Not in a batch: on SQLite a batch that rebuilt offers would drop its full-text search triggers.)
    op.create_index('ix_offers_searched', 'offers', ['status', 'min_age', 'max_age'], unique=False,
                    postgresql_include=['id', 'provider_id', 'tier', 'locality_id', 'price_pence', 'title'])


def downgrade():
    op.drop_index('ix_offers_searched', table_name='offers')
    for statement in _statements(SQLITE_DOWN, POSTGRESQL_DOWN):
        op.execute(statement)
