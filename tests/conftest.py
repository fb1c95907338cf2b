"""Fixtures: one migrated database per run (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
emptied after each test; an app, a client, and a helper to sign in as each role."""
from __future__ import annotations

import os
import tempfile

import socket
import time
from contextlib import contextmanager
from email import message_from_bytes, policy

import flask_babel
import pyotp
import pytest
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from portal import create_app, page_cache
from portal.extensions import db
from portal.models import User

TEST_PASSWORD = "correct horse battery"


def _test_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    folder = tempfile.mkdtemp(prefix="portal-tests-")
    return f"sqlite:///{folder}/portal.sqlite3"


def _empty_schema() -> None:
    """Start from nothing so the migrations themselves are tested."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def empty_tables(tries: int = 6) -> None:
    """Empty every table, and start their ids from 1 again, as on a new database.

    DELETE rather than TRUNCATE on PostgreSQL too: a TRUNCATE of the 50-odd tables takes about 0.2 s whatever is in
    them (it makes new files for each), DELETE of a test's few rows about 0.01 s, and the suite empties them after
    every test. The search table (not in the models) goes with its offers (ON DELETE CASCADE), as before."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    # A version points at the one it started from; SQLite checks that row by row.
    emptying = ["UPDATE statements SET based_on_id = NULL"] + [f"DELETE FROM {name}" for name in tables]
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as conn:
            for statement in emptying:
                conn.execute(text(statement))
        return
    emptying.append("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace")
    # A live server's worker may still be finishing what a browser test started (sending its email): the DELETE waits
    # for it, and PostgreSQL ends one of the two if they wait for each other. The worker's transaction finishes in a
    # moment, so the emptying is tried again rather than leaving the next test a full database.
    for attempt in range(tries):
        try:
            with db.engine.begin() as conn:
                conn.exec_driver_sql(";\n".join(emptying))
            return
        except OperationalError as problem:
            if "deadlock detected" not in str(problem) or attempt == tries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


class IsolatedClient(FlaskClient):
    """Tests keep one app context pushed, so ``g`` would carry the signed-in user from request to request."""

    def open(self, *args, **kwargs):
        for key in list(vars(g)):
            delattr(g, key)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url() -> str:
    return _test_database_url()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _empty_schema()
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" in request.fixturenames:
        # The session-wide app context outlives each test: forget the language a test's own request context
        # (app.test_request_context, not the client, which has its own) chose, as a new request would.
        flask_babel.refresh()
        empty_tables()
        app = request.getfixturevalue("app")
        page_cache.move_on(app)  # the tables were emptied without the ORM: no kept public page is used again


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_as(app):
    """A new client signed in as this person (through the sign-in page, with two-step sign-in where they use it)."""
    def _client(user):
        client = app.test_client()
        sign_in(client, user)
        return client
    return _client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def emails_sent(seconds: float = 30) -> bool:
    """Wait until every email in the outbox has been sent (or has failed) by a server's job workers, which send
    them a moment after their change; False if some are still waiting after ``seconds``."""
    from portal.notify import EmailStatus, OutboxEmail  # only the tests of live servers wait for their mail

    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()
        waiting = db.session.scalar(select(func.count(OutboxEmail.id)).where(
            OutboxEmail.status.in_([EmailStatus.WAITING, EmailStatus.SENDING])))
        if not waiting:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


@pytest.fixture(scope="session")
def mail_inbox():
    """One real SMTP server on localhost for the whole run (``outbox`` points the portal at it)."""
    with smtp_inbox() as inbox:
        yield inbox


@contextmanager
def mail_to(app, inbox):
    """Point the app's mail at ``inbox`` for as long as the block runs, starting with it empty."""
    inbox.messages.clear()
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", inbox.port
    try:
        yield inbox.messages
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved


@pytest.fixture
def outbox(app, mail_inbox):
    """The emails the portal sent in this test, in order, each an EmailMessage: the real path, through the
    outbox table and its job (run at once in tests, JOBS_IMMEDIATE) and over SMTP to a local server."""
    with mail_to(app, mail_inbox) as messages:
        yield messages


def sign_in(client, user, password: str = TEST_PASSWORD):
    """Sign in through the real sign-in page, with the security code too when the account uses two-step sign-in
    (setting it up, the way a person would, when it must be and is not yet)."""
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.text
    if response.location.endswith("/sign-in/code"):
        response = client.post("/sign-in/code", data={"code": fresh_code(user)})
        assert response.status_code == 302, response.text
    elif response.location.endswith("/two-step/set-up"):
        response = set_up_two_step(client)
    return response


def set_up_two_step(client):
    """Scan the set-up page's key into an "app" and give its code, as a person setting it up does; returns the
    page showing the recovery codes."""
    client.get("/two-step/set-up")
    with client.session_transaction() as session:
        secret = session["two_step_secret"]
    response = client.post("/two-step/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and "recovery codes" in response.text, response.text
    return response


def planner_rows(table: str) -> float | None:
    """How many rows the database's query planner thinks ``table`` has, from its last ANALYZE (None: never)."""
    if db.engine.dialect.name == "postgresql":
        rows = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table})
        return None if rows is None or rows < 0 else rows
    if not db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        return None
    # One row per index (or one for the table when it has none), each starting with the rows it covers: the
    # largest is the table's (a partial index covers fewer).
    stats = db.session.scalars(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).all()
    return max(float(stat.split()[0]) for stat in stats) if stats else None


def fresh_code(user) -> str:
    """The code the person's authenticator app shows now. A code is accepted once, and tests sign the same person
    in many times a second, so the account's last accepted code is forgotten first, as if half a minute had
    passed since they last signed in."""
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(db.session.get(User, user.id).totp_secret).now()


@pytest.fixture
def login(client):
    def _login(user):
        sign_in(client, user)
        return client
    return _login


class Inbox:
    """What a local SMTP server received: ``.messages``, each an email.message.EmailMessage."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        # SMTP carries lines ended by CRLF; read them as the portal wrote them.
        self.messages.append(message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_inbox(handler: Inbox | None = None):
    """A real SMTP server on a free localhost port (``inbox.port``) for as long as the block runs; ``handler``
    decides what it says (an Inbox takes everything)."""
    from aiosmtpd.controller import Controller  # only the mail tests need the SMTP server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = handler or Inbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on localhost; the portal's mail goes to it over SMTP and lands in ``.messages``."""
    with smtp_inbox() as inbox:
        saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", inbox.port
        try:
            yield inbox
        finally:
            app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved
