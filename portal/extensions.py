"""Flask extensions, created unbound and initialised in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, text
from sqlalchemy.orm import DeclarativeBase

from .outbox import OutboxSession

# Named constraints so that Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, session_options={"class_": OutboxSession})
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()


def analyse(*tables: Table) -> None:
    """Bring the query planner's statistics up to date after a bulk load (SQLite and PostgreSQL both say ANALYZE):
    a table that has just grown by thousands of rows is otherwise planned as if it were still small or empty. With
    no tables, the whole database. Runs in the caller's transaction; the caller commits."""
    preparer = db.session.get_bind().dialect.identifier_preparer
    targets = [preparer.format_table(table) for table in tables] or [""]
    for target in targets:
        db.session.execute(text(f"ANALYZE {target}".strip()))


def tidy_after_bulk_load() -> None:
    """After a bulk load of the whole database has been committed: PostgreSQL's ``VACUUM (ANALYZE)`` (the planner's
    statistics, and the visibility map that lets an index-only scan answer from the index without visiting the
    table, which autovacuum would otherwise get round to later), on a connection of its own, as VACUUM cannot run
    inside a transaction; SQLite's ``ANALYZE``, in the session's transaction (the caller commits)."""
    if db.engine.dialect.name != "postgresql":
        analyse()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
