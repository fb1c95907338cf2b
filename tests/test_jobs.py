"""Background work (portal/jobs.py) and the durable email outbox (portal/notify.py): an email is written in the
same transaction as its change, retried with a growing wait when SMTP fails and sent once, marked failed and shown
to administrators after its last try; the schedule runs each task on time on a fast-forwarded clock and skips a run
that would overlap; a real worker process (and the development server's own threads) work the queue, in a SQLite
file or, with JOBS_TEST_URL=redis://..., in Redis."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import requests
import time_machine
from icalendar import Calendar
from sqlalchemy import select, update

from bookings.commands import check_ledger_now
from budgets.models import LedgerLine
from portal import jobs, notify
from portal.extensions import db
from portal.jobs import Job, JobStatus, ScheduledTask
from portal.models import Role
from portal.notify import EmailStatus, OutboxEmail
from privacy.erasure import _patterns as erasure_patterns
from providers.models import Booking, BookingStatus

from .conftest import Inbox, mail_to, smtp_inbox
from .factories import ChildFactory, UserFactory
from .live_server import _free_port
from .test_stripe import book, card_session, only_payment_for

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture


class Refusing(Inbox):
    """An SMTP server that says "try again later" to the first ``refuse`` emails, and counts what it takes."""

    def __init__(self, refuse: int):
        super().__init__()
        self.refuse, self.refused = refuse, 0

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(autouse=True)
def _queue_in_memory():
    """Huey's queue as the tests' apps leave it: in memory (an app made with other settings may have pointed it
    elsewhere; tasks the tests run at once never touch it)."""
    jobs.queue.use(None, immediate=True)


def only_email() -> OutboxEmail:
    db.session.expire_all()
    [email] = db.session.scalars(select(OutboxEmail)).all()
    return email


def reset_email(to: str = "family@example.com") -> None:
    notify.queue(to, "Reset your password", "password_reset", link="https://x", user=None)


# --- the outbox ---------------------------------------------------------------------------------------------------

def test_an_email_is_kept_with_its_change_and_never_leaves_after_a_rollback(app, outbox):
    reset_email("dropped@example.com")
    db.session.rollback()
    assert db.session.scalars(select(OutboxEmail)).all() == [] and outbox == []

    reset_email("kept@example.com")
    assert outbox == []  # nothing leaves before the commit
    db.session.commit()
    email = only_email()
    assert [m["To"] for m in outbox] == ["kept@example.com"]
    assert email.status is EmailStatus.SENT and email.attempts == 1 and email.sent_at is not None
    # Its Message-ID comes from its row, the same at every try, so a receiving server could tell a repeat.
    assert outbox[0]["Message-ID"] == f"<outbox-{email.id}.{email.created_at:%Y%m%d%H%M%S}@localhost>"


def test_a_failed_smtp_send_is_tried_again_later_and_the_email_arrives_once(app):
    with smtp_inbox(handler=Refusing(refuse=2)) as server, mail_to(app, server) as delivered:
        start = datetime.now(timezone.utc)
        with time_machine.travel(start, tick=False) as clock:
            reset_email()
            db.session.commit()  # the first try, at once: refused
            email = only_email()
            assert (email.status, email.attempts, delivered) == (EmailStatus.WAITING, 1, [])
            assert email.next_attempt_at == start + notify.RETRY_AFTER[0] and "451" in email.last_error

            assert notify.send_due() == "sent 0 of 0 emails due"  # not yet time to try again
            clock.shift(notify.RETRY_AFTER[0])
            notify.send_due()  # the second try: refused again, and a longer wait
            email = only_email()
            assert (email.status, email.attempts) == (EmailStatus.WAITING, 2)
            assert email.next_attempt_at == start + notify.RETRY_AFTER[0] + notify.RETRY_AFTER[1]

            clock.shift(notify.RETRY_AFTER[1])
            assert notify.send_due() == "sent 1 of 1 emails due"
            email = only_email()
            assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 3, None)
            assert [m["To"] for m in delivered] == ["family@example.com"] and server.refused == 2
            assert delivered[0]["Message-ID"] == f"<outbox-{email.id}.{email.created_at:%Y%m%d%H%M%S}@localhost>"

            # Sent is sent: neither the sweep nor a repeated job sends it again.
            clock.shift(timedelta(hours=1))
            notify.send_due()
            assert notify.deliver(email.id) is False
            assert len(delivered) == 1


def test_after_its_last_try_an_email_is_failed_shown_to_administrators_and_can_be_sent_again(app, login, outbox):
    admin = UserFactory(role=Role.ADMIN)
    with smtp_inbox(handler=Refusing(refuse=notify.ATTEMPTS)) as server, mail_to(app, server):
        with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
            reset_email("unlucky@example.com")
            db.session.commit()
            for wait in notify.RETRY_AFTER:
                clock.shift(wait)
                notify.send_due()
        email = only_email()
        assert (email.status, email.attempts, server.refused) == (EmailStatus.FAILED, notify.ATTEMPTS, notify.ATTEMPTS)
        assert server.messages == []

    client = login(admin)
    page = client.get("/admin/emails")
    assert page.status_code == 200
    assert "unlucky@example.com" in page.text and "Reset your password" in page.text and "Failed" in page.text
    assert "https://x" not in page.text  # what an email says is not shown: it may be about a child

    response = client.post(f"/admin/emails/{email.id}/send-again")
    assert response.status_code == 302
    assert [m["To"] for m in outbox] == ["unlucky@example.com"]  # the mail server works again: sent at once
    assert only_email().status is EmailStatus.SENT
    assert "Every email has been sent" in client.get("/admin/emails").text


def test_two_workers_at_once_send_an_email_once(app, database_url, mail_inbox):
    email = OutboxEmail(to_address="once@example.com", language="en", subject="Once", body="Only once.",
                        attachments=[])
    db.session.add(email)
    db.session.commit()  # written directly: no job asked for it yet
    email_id, results, start = email.id, [], threading.Barrier(4)

    def worker():
        with app.app_context():
            start.wait()
            results.append(notify.deliver(email_id))
            db.session.remove()

    with mail_to(app, mail_inbox) as delivered:
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, False, False, True]
        assert [m["To"] for m in delivered] == ["once@example.com"]


def test_an_email_claimed_by_a_worker_that_died_is_sent_after_the_claim_expires(app, outbox):
    now = datetime.now(timezone.utc)
    email = OutboxEmail(to_address="late@example.com", language="en", subject="Late", body="Late.", attachments=[],
                        status=EmailStatus.SENDING, attempts=1, claimed_at=now)
    db.session.add(email)
    db.session.commit()
    notify.send_due()
    assert outbox == []  # perhaps still being sent
    with time_machine.travel(now + notify.CLAIM_EXPIRES + timedelta(minutes=1), tick=False):
        notify.send_due()
    assert [m["To"] for m in outbox] == ["late@example.com"] and only_email().attempts == 2


def test_sent_emails_are_deleted_after_a_month(app, outbox):
    reset_email("old@example.com")
    db.session.commit()
    with time_machine.travel(datetime.now(timezone.utc) + notify.KEEP_SENT - timedelta(hours=1), tick=False):
        notify.send_due()
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 1  # not yet
    with time_machine.travel(datetime.now(timezone.utc) + notify.KEEP_SENT + timedelta(days=1), tick=False):
        notify.send_due()
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_failed_emails_are_deleted_a_month_after_their_last_try(app):
    now = datetime.now(timezone.utc)
    db.session.add(OutboxEmail(to_address="gone@example.com", language="en", subject="S", body="B", attachments=[],
                               status=EmailStatus.FAILED, attempts=notify.ATTEMPTS, claimed_at=now))
    db.session.commit()
    with time_machine.travel(now + notify.KEEP_SENT - timedelta(hours=1), tick=False):
        notify.send_due()
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 1  # still listed for administrators
    with time_machine.travel(now + notify.KEEP_SENT + timedelta(hours=1), tick=False):
        notify.send_due()
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_the_booking_confirmations_calendar_file_is_made_as_it_is_sent(app, login, outbox):
    family = UserFactory(email="ella@example.com", language="pl")
    child = ChildFactory(parent=family, first_name="Ella")
    session = card_session(price=0)
    response = login(family).post(f"/sessions/{session.id}/book",
                                      data={"children": [child.id], "carer_places": 0, "funding": "free"})
    assert response.status_code in (302, 303), response.text
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "ella@example.com")).one()
    # What is kept is how to make the file (ids), not the file: it is made by the job, after the booking commits.
    assert email.attachments[0]["maker"] == "family-calendar" and "content" not in email.attachments[0]
    [message] = outbox
    [part] = message.iter_attachments()
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    assert part.get_filename() == "short-breaks.ics" and "Ella" in str(event["DESCRIPTION"])
    assert str(calendar["NAME"]).startswith("Krótkie")  # made in the family's language (Polish), by the job


# --- the schedule -------------------------------------------------------------------------------------------------

def test_the_schedule_is_each_tasks_crontab(app):
    day = datetime(2026, 10, 25, tzinfo=timezone.utc)  # the day the clocks go back: UTC runs each task once
    runs: dict[str, list[datetime]] = {}
    for minute in range(24 * 60):
        moment = day + timedelta(minutes=minute)
        for task in jobs.queue.read_periodic(moment.replace(tzinfo=None)):  # Huey's own scheduler's question
            runs.setdefault(task.name.removeprefix("scheduled."), []).append(moment)
    counts = {name: len(times) for name, times in runs.items()}
    assert counts == {"send-emails": 1440, "recover-jobs": 1440, "expire-offers": 288, "expire-holds": 288,
                      "check-next-sessions": 288, "send-refunds": 96,
                      "ledger-check": 1, "warn-insurance": 1, "warn-safeguards": 1, "apply-due-changes": 1, "retention": 1,
                      "transitions": 1, "turning-18": 1}
    assert runs["apply-due-changes"] == [day.replace(minute=5)]
    assert runs["ledger-check"] == [day.replace(hour=6)]
    assert set(jobs.SCHEDULE) == set(counts)


def test_on_a_fast_forwarded_clock_an_unpaid_hold_is_released_at_the_first_run_after_it_expires(
        app, login, stripe_fake):
    family = UserFactory()
    session = card_session(capacity=1)
    book(login(family), session, [ChildFactory(parent=family)])
    hold_ends = only_payment_for(session).expires_at
    start = hold_ends.replace(second=0, microsecond=0) - timedelta(minutes=10)
    released_at = outcome = None
    with time_machine.travel(start, tick=False) as clock:
        for minute in range(20):
            now = start + timedelta(minutes=minute)
            clock.move_to(now)
            for task in jobs.queue.read_periodic(now.replace(tzinfo=None)):  # what Huey's scheduler queues
                jobs.queue.execute(task)  # and a worker then runs
            db.session.expire_all()
            status = db.session.scalars(select(Booking.status).where(Booking.session_id == session.id)).one()
            if status is not BookingStatus.HELD and released_at is None:
                released_at, outcome = now, db.session.get(ScheduledTask, "expire-holds").last_outcome
    first_run_after = next(start + timedelta(minutes=m) for m in range(20)
                           if start + timedelta(minutes=m) >= hold_ends and (start.minute + m) % 5 == 0)
    assert released_at == first_run_after
    assert outcome == "Released unpaid holds on 1 session."
    assert db.session.get(ScheduledTask, "expire-holds").leased_until is None


def test_a_run_that_would_overlap_the_last_one_is_skipped(app, monkeypatch):
    started, finish, ran = threading.Event(), threading.Event(), []

    def slow():
        ran.append("slow")
        started.set()
        finish.wait(10)
        return "slow run done"

    monkeypatch.setitem(jobs.SCHEDULE, "expire-holds",
                        dataclasses.replace(jobs.SCHEDULE["expire-holds"], run=slow))

    def first():
        with app.app_context():
            jobs.run_scheduled("expire-holds")
            db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(10)
    assert jobs.run_scheduled("expire-holds") is None  # the first is still running: skipped
    finish.set()
    thread.join()
    assert ran == ["slow"]
    assert db.session.get(ScheduledTask, "expire-holds").last_outcome == "slow run done"
    assert jobs.run_scheduled("expire-holds") == "slow run done" and ran == ["slow", "slow"]


def test_a_task_two_workers_schedulers_both_queue_for_the_same_minute_runs_once(app, outbox):
    UserFactory(role=Role.ADMIN, email="admin@example.com")
    session = card_session(capacity=2)
    session.places_taken = 1  # planted: something for the ledger check to find, and email about
    db.session.commit()
    six = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    with time_machine.travel(six + timedelta(seconds=3), tick=False):
        for _worker in range(2):  # each worker's scheduler queues it at 06:00; each is then run
            due = jobs.queue.read_periodic(six.replace(tzinfo=None))
            [task] = [t for t in due if t.name == "scheduled.ledger-check"]
            jobs.queue.execute(task)
    assert [m["To"] for m in outbox] == ["admin@example.com"]
    assert jobs.run_scheduled("ledger-check") is not None  # by hand, it runs whenever asked


def test_a_copy_of_a_task_taken_from_the_queue_late_does_not_run_it_again(app, outbox):
    UserFactory(role=Role.ADMIN, email="admin@example.com")
    session = card_session(capacity=2)
    session.places_taken = 1
    db.session.commit()
    six = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    copies = [t for t in jobs.queue.read_periodic(six.replace(tzinfo=None)) if t.name == "scheduled.ledger-check"] * 2
    for moment, task in zip((six + timedelta(seconds=3), six + timedelta(minutes=1, seconds=5)), copies):
        with time_machine.travel(moment, tick=False):  # the second worker was busy: it takes its copy a minute late
            jobs.queue.execute(task)
    assert [m["To"] for m in outbox] == ["admin@example.com"]


def test_a_run_of_a_job_that_another_worker_took_over_drops_its_work(app, monkeypatch):
    from portal.models import Locality

    def taken_over_half_way(params, progress):
        with db.engine.begin() as other_worker:  # this run's heartbeat stopped; another worker claimed the job
            other_worker.execute(update(Job).values(attempts=Job.attempts + 1))
        db.session.add(Locality(name="Written by the run that lost the job"))
        db.session.flush()

    monkeypatch.setitem(jobs.KINDS, "test-kind", jobs.Kind("test-kind", taken_over_half_way, lambda p: "Test",
                                                           lambda p: ("Done", "/"), lambda user: False))
    job = jobs.start("test-kind", "test-key", by=None)
    db.session.commit()  # the tests' jobs run at once
    db.session.expire_all()
    assert db.session.scalars(select(Locality)).all() == []
    assert db.session.get(Job, job.id).status is JobStatus.RUNNING  # the other worker's, untouched


def test_erasing_a_name_deletes_the_emails_naming_it_as_a_word_only(app):
    for body in ("Dear Ann, your booking is confirmed.", "Our annual report is ready."):
        db.session.add(OutboxEmail(to_address="x@example.com", language="en", subject="S", body=body, attachments=[],
                                   status=EmailStatus.FAILED, attempts=6))
    db.session.commit()
    notify.forget_emails_mentioning(["Ann"], erasure_patterns(["Ann"]))
    db.session.commit()
    assert db.session.scalars(select(OutboxEmail.body)).all() == ["Our annual report is ready."]


def test_a_lease_left_by_a_killed_worker_runs_out(app):
    now = datetime.now(timezone.utc)
    db.session.add(ScheduledTask(name="expire-offers", leased_until=now + timedelta(minutes=30), last_started_at=now))
    db.session.commit()
    assert jobs.run_scheduled("expire-offers") is None
    with time_machine.travel(now + jobs.SCHEDULE["expire-offers"].lease + timedelta(minutes=1), tick=False):
        assert jobs.run_scheduled("expire-offers") == "Passed on expired offers for 0 sessions."


def test_the_daily_ledger_check_emails_administrators_when_it_does_not_reconcile(app, outbox):
    admin = UserFactory(role=Role.ADMIN, email="admin@example.com")
    UserFactory(role=Role.ADMIN, email="gone@example.com", active=False)
    assert check_ledger_now() == "The ledger reconciles." and outbox == []
    session = card_session(capacity=2)
    session.places_taken = 1  # planted: a place counted that nobody booked
    db.session.commit()
    assert "administrators emailed" in check_ledger_now()
    assert [m["To"] for m in outbox] == [admin.email]
    assert "does not reconcile" in outbox[0]["Subject"]
    assert "- " in outbox[0].get_body(("plain",)).get_content()


# --- real workers -------------------------------------------------------------------------------------------------

def _jobs_url(tmp_path) -> str:
    """Where the worker tests' queue is: JOBS_TEST_URL (.ci/run sets Redis when it is reachable) or a SQLite
    file."""
    return os.environ.get("JOBS_TEST_URL") or f"sqlite:///{tmp_path}/jobs.sqlite3"


@contextmanager
def queue_at(app, url: str):
    """This process queues into ``url`` (as an app process does), rather than running each job at once."""
    app.config["JOBS_IMMEDIATE"], app.config["JOBS_URL"] = False, url
    jobs.init_app(app)
    jobs.queue.flush()
    try:
        yield
    finally:
        app.config["JOBS_IMMEDIATE"], app.config["JOBS_URL"] = True, None
        jobs.init_app(app)


def _environment(database_url: str, jobs_url: str, inbox) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, JOBS_URL=jobs_url, MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(inbox.port), PORTAL_CONFIG="development", RATELIMIT_ENABLED="0",
               PORTAL_INSTANCE_PATH=tempfile.mkdtemp(prefix="portal-worker-"))
    env.pop("JOBS_WORKER_IN_PROCESS", None)
    return env


def _wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_process_sends_what_an_app_process_queued(app, database_url, tmp_path, mail_inbox):
    url = _jobs_url(tmp_path)
    with mail_to(app, mail_inbox) as delivered, queue_at(app, url):
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "worker", "--workers", "1"],
                                  env=_environment(database_url, url, mail_inbox), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            reset_email("from-the-worker@example.com")
            db.session.commit()
            assert _wait_for(lambda: delivered, 90), "the worker did not send the email"
            assert [m["To"] for m in delivered] == ["from-the-worker@example.com"]
            # The worker marks it sent just after the SMTP server has taken it.
            assert _wait_for(lambda: only_email().status is EmailStatus.SENT, 30)
        finally:
            worker.terminate()
            output = worker.communicate(timeout=20)[0]
    assert "scheduled tasks (UTC)" in output and "send-emails" in output


def test_the_development_server_works_the_queue_itself(app, database_url, tmp_path, mail_inbox):
    url = _jobs_url(tmp_path)
    port = _free_port()
    env = _environment(database_url, url, mail_inbox)
    with mail_to(app, mail_inbox) as delivered, queue_at(app, url):
        server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "run", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 90), "no development server"
            reset_email("from-the-server@example.com")
            db.session.commit()
            assert _wait_for(lambda: delivered, 90), "the development server did not send the email"
            assert [m["To"] for m in delivered] == ["from-the-server@example.com"]
        finally:
            server.terminate()
            server.wait(20)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False
