"""Full-text search of the local offer (#12): an index of each offer's words kept up to date by triggers

SQLite: two FTS5 tables keyed by the offer's id, ``offer_search`` (Porter stemming, for matching and bm25 ranking)
and ``offer_words`` (unstemmed words, read through the ``offer_words_vocab`` fts5vocab table as the vocabulary a
misspelt word is corrected from).
PostgreSQL: ``offer_search`` (a weighted ``tsvector`` per offer, English stemming, accents removed with
``unaccent``, GIN index) and ``offer_words`` (the vocabulary, with a pg_trgm index to find words like a misspelt
one).

Triggers on ``offers`` and ``providers`` keep both up to date whatever writes them (the pages, the CSV import, the
demo builder, a test's factories): an offer's title, summary, description or provider changes, or its provider is
renamed. On SQLite a later batch migration that rebuilds ``offers`` or ``providers`` drops their triggers: it must
create them again (the SQL is here).

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
Create Date: 2026-12-05 11:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '2b3c4d5e6f70'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None


# Index the offer NEW (a trigger's row) in both tables, with its provider's name.
SQLITE_INDEX_NEW = """
        INSERT INTO offer_search (rowid, title, summary, description, provider)
        VALUES (NEW.id, NEW.title, NEW.summary, NEW.description, (SELECT name FROM providers WHERE id = NEW.provider_id));
        INSERT INTO offer_words (rowid, title, summary, provider)
        VALUES (NEW.id, NEW.title, NEW.summary, (SELECT name FROM providers WHERE id = NEW.provider_id));"""

SQLITE_UP = [
    "CREATE VIRTUAL TABLE offer_search USING fts5(title, summary, description, provider, "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE offer_words USING fts5(title, summary, provider, "
    "tokenize='unicode61 remove_diacritics 2', detail=none)",
    "CREATE VIRTUAL TABLE offer_words_vocab USING fts5vocab(offer_words, 'row')",
    f"CREATE TRIGGER offer_search_insert AFTER INSERT ON offers BEGIN {SQLITE_INDEX_NEW}\n    END",
    f"""CREATE TRIGGER offer_search_update AFTER UPDATE OF title, summary, description, provider_id ON offers BEGIN
        DELETE FROM offer_search WHERE rowid = OLD.id;
        DELETE FROM offer_words WHERE rowid = OLD.id; {SQLITE_INDEX_NEW}
    END""",
    """CREATE TRIGGER offer_search_delete AFTER DELETE ON offers BEGIN
        DELETE FROM offer_search WHERE rowid = OLD.id;
        DELETE FROM offer_words WHERE rowid = OLD.id;
    END""",
    """CREATE TRIGGER offer_search_provider_renamed AFTER UPDATE OF name ON providers BEGIN
        UPDATE offer_search SET provider = NEW.name WHERE rowid IN (SELECT id FROM offers WHERE provider_id = NEW.id);
        UPDATE offer_words SET provider = NEW.name WHERE rowid IN (SELECT id FROM offers WHERE provider_id = NEW.id);
    END""",
    """INSERT INTO offer_search (rowid, title, summary, description, provider)
       SELECT offers.id, offers.title, offers.summary, offers.description, providers.name
       FROM offers JOIN providers ON providers.id = offers.provider_id""",
    """INSERT INTO offer_words (rowid, title, summary, provider)
       SELECT offers.id, offers.title, offers.summary, providers.name
       FROM offers JOIN providers ON providers.id = offers.provider_id""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS offer_search_provider_renamed",
    "DROP TRIGGER IF EXISTS offer_search_delete",
    "DROP TRIGGER IF EXISTS offer_search_update",
    "DROP TRIGGER IF EXISTS offer_search_insert",
    "DROP TABLE IF EXISTS offer_words_vocab",
    "DROP TABLE IF EXISTS offer_words",
    "DROP TABLE IF EXISTS offer_search",
]

POSTGRESQL_UP = [
    # Both are "trusted" extensions: the database's owner may create them without being a superuser.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE offer_search (
        offer_id integer PRIMARY KEY REFERENCES offers (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX ix_offer_search_document ON offer_search USING gin (document)",
    # Words are only ever added: a word no offer uses any more can only suggest a spelling that finds nothing.
    "CREATE TABLE offer_words (word text PRIMARY KEY)",
    "CREATE INDEX ix_offer_words_trigrams ON offer_words USING gin (word gin_trgm_ops)",
    """CREATE FUNCTION offer_search_refresh(the_offer integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO offer_search (offer_id, document)
        SELECT o.id,
               setweight(to_tsvector('english', unaccent(o.title)), 'A')
               || setweight(to_tsvector('english', unaccent(o.summary)), 'B')
               || setweight(to_tsvector('english', unaccent(p.name)), 'C')
               || setweight(to_tsvector('english', unaccent(o.description)), 'D')
        FROM offers o JOIN providers p ON p.id = o.provider_id
        WHERE o.id = the_offer
        ON CONFLICT (offer_id) DO UPDATE SET document = EXCLUDED.document;
        INSERT INTO offer_words (word)
        SELECT DISTINCT w
        FROM offers o JOIN providers p ON p.id = o.provider_id,
             regexp_split_to_table(lower(unaccent(o.title || ' ' || o.summary || ' ' || p.name)), '[^[:alnum:]]+') AS w
        WHERE o.id = the_offer AND w <> ''
        ON CONFLICT (word) DO NOTHING;
    $$""",
    """CREATE FUNCTION offer_search_offer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM offer_search_refresh(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION offer_search_provider_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM offer_search_refresh(id) FROM offers WHERE provider_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER offer_search_offer_changed AFTER INSERT OR UPDATE OF title, summary, description, provider_id
       ON offers FOR EACH ROW EXECUTE FUNCTION offer_search_offer_changed()""",
    """CREATE TRIGGER offer_search_provider_renamed AFTER UPDATE OF name ON providers
       FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION offer_search_provider_renamed()""",
    "SELECT offer_search_refresh(id) FROM offers",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS offer_search_provider_renamed ON providers",
    "DROP TRIGGER IF EXISTS offer_search_offer_changed ON offers",
    "DROP FUNCTION IF EXISTS offer_search_provider_renamed()",
    "DROP FUNCTION IF EXISTS offer_search_offer_changed()",
    "DROP FUNCTION IF EXISTS offer_search_refresh(integer)",
    "DROP TABLE IF EXISTS offer_words",
    "DROP TABLE IF EXISTS offer_search",
    # The extensions stay: other things in the database may use them.
]


def _statements(sqlite: list[str], postgresql: list[str]) -> list[str]:
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgresql


def upgrade():
    for statement in _statements(SQLITE_UP, POSTGRESQL_UP):
        op.execute(statement)


def downgrade():
    for statement in _statements(SQLITE_DOWN, POSTGRESQL_DOWN):
        op.execute(statement)
