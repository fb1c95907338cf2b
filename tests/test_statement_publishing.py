"""Publishing the statement is a tracked job (statements/publishing.py, portal/jobs.py): the commissioner is shown its
progress page; two requests at once give one publish; a worker killed with SIGKILL half-way leaves the version
unpublished, and the job run again publishes it once, each PDF stored with its SHA-256."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from portal import jobs
from portal.extensions import db
from portal.jobs import Job, JobStatus
from portal.models import AuditEvent
from statements import services
from statements.models import LANGUAGES, FilePart, Statement, StatementFile, StatementStatus

from .conftest import sign_in
from .test_jobs import _environment, _jobs_url, _wait_for, queue_at
from .test_statement_editing import people, ready_to_publish  # noqa: F401 - the people fixture

EVERY_PDF = len(LANGUAGES) * len(FilePart)


def _ready(people) -> Statement:  # noqa: F811 - people is the fixture
    statement = services.start_draft(by=people["council"])
    ready_to_publish(statement, people["council"])
    db.session.commit()
    return statement


def _published_once(statement_id: int) -> None:
    """Published exactly once, with every PDF stored once and its SHA-256 the hash of what is stored."""
    db.session.expire_all()
    statement = db.session.get(Statement, statement_id)
    assert statement.status is StatementStatus.PUBLISHED
    files = db.session.scalars(select(StatementFile).where(StatementFile.statement_id == statement_id)).all()
    assert sorted((f.language, f.part.value) for f in files) == sorted((language, part.value) for language in LANGUAGES
                                                                       for part in FilePart)
    for stored in files:
        assert stored.content.startswith(b"%PDF") and stored.sha256 == hashlib.sha256(stored.content).hexdigest()
        assert stored.size == len(stored.content)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "statement_published", AuditEvent.subject_id == statement_id)) == 1


def test_publishing_shows_its_progress_page_and_ends_published(app, people):  # noqa: F811
    statement = _ready(people)
    client = app.test_client()
    sign_in(client, people["council"])
    response = client.post(f"/commissioning/statement/{statement.id}/publish")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = client.get(response.location)  # the tests' jobs run as soon as they are queued: it is done
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "Version 1 has been published. It is now the statement families see." in page.text
    assert f"/commissioning/statement/{statement.id}" in page.text
    _published_once(statement.id)
    job = db.session.scalar(select(Job))
    assert (job.status, job.done, job.total, job.attempts) == (JobStatus.DONE, EVERY_PDF, EVERY_PDF, 1)

    # Families and providers cannot watch it; another editor could.
    for role in ("parent", "provider"):
        other = app.test_client()
        sign_in(other, people[role])
        assert other.get(response.location).status_code == 404
    trust = app.test_client()
    sign_in(trust, people["trust"])
    assert trust.get(response.location).status_code == 200


def test_a_refused_publish_starts_no_job(app, people):  # noqa: F811
    statement = services.start_draft(by=people["council"])
    db.session.commit()
    client = app.test_client()
    sign_in(client, people["council"])
    response = client.post(f"/commissioning/statement/{statement.id}/publish")
    assert response.status_code == 409 and "cannot be published yet" in response.text
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_queued_job_says_so_and_the_statement_page_says_it_is_being_prepared(app, people, tmp_path):  # noqa: F811
    statement = _ready(people)
    with queue_at(app, _jobs_url(tmp_path)):  # queued for a worker that is not running
        client = app.test_client()
        sign_in(client, people["council"])
        response = client.post(f"/commissioning/statement/{statement.id}/publish")
        page = client.get(response.location)
        assert "Waiting to start." in page.text and "Check again" in page.text
        assert "being prepared" in app.test_client().get("/statement").text
        assert db.session.get(Statement, statement.id).status is not StatementStatus.PUBLISHED


def test_a_change_made_after_publishing_was_asked_for_stops_it(app, people, tmp_path):  # noqa: F811
    statement = _ready(people)
    with queue_at(app, _jobs_url(tmp_path)):  # the worker is busy: the job waits
        client = app.test_client()
        sign_in(client, people["council"])
        client.post(f"/commissioning/statement/{statement.id}/publish")
    services.save_section(statement, "introduction", "en", "Changed after Publish was pressed.", by=people["trust"])
    db.session.commit()
    [job_id] = db.session.scalars(select(Job.id)).all()
    jobs.run_job(job_id)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.FAILED and "was changed after publishing it was asked for" in job.error
    assert db.session.get(Statement, statement.id).status is not StatementStatus.PUBLISHED
    assert "was changed after publishing it was asked for" in client.get(f"/jobs/{job_id}").text


def test_two_publish_requests_at_once_give_one_publish(app, people, tmp_path):  # noqa: F811
    statement = _ready(people)
    with queue_at(app, _jobs_url(tmp_path)):
        clients = []
        for role in ("council", "trust"):
            client = app.test_client()
            sign_in(client, people[role])
            clients.append(client)
        start, answers, path = threading.Barrier(2), [], f"/commissioning/statement/{statement.id}/publish"

        def ask(client):
            with app.app_context():  # each its own, as two requests to two app processes would have
                start.wait()
                answers.append(client.post(path))
                db.session.remove()

        threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [302, 302]
        assert answers[0].location == answers[1].location  # both watch the one job
        [job_id] = db.session.scalars(select(Job.id)).all()

    # Two workers given it at once: one runs it, the other finds it taken.
    start = threading.Barrier(2)

    def work():
        with app.app_context():
            start.wait()
            jobs.run_job(job_id)
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _published_once(statement.id)
    assert db.session.get(Job, job_id).attempts == 1


def test_a_worker_killed_while_publishing_leaves_it_unpublished_and_the_retried_job_publishes_it_once(
        app, people, database_url, tmp_path, mail_inbox):  # noqa: F811
    statement = _ready(people)
    url = _jobs_url(tmp_path)
    env = _environment(database_url, url, mail_inbox) | {"STATEMENT_PDF_PROCESSES": "1"}
    with queue_at(app, url):
        # --no-schedule: the schedule's tasks have nothing to do with this test's database.
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "worker", "--workers", "1",
                                   "--no-schedule"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = app.test_client()
            sign_in(client, people["council"])
            client.post(f"/commissioning/statement/{statement.id}/publish")
            [job_id] = db.session.scalars(select(Job.id)).all()

            def half_way() -> bool:
                db.session.expire_all()
                return 0 < db.session.get(Job, job_id).done < EVERY_PDF

            assert _wait_for(half_way, 120), "the worker did not start making the PDFs"
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(20)

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)  # as the killed worker left it
    assert db.session.get(Statement, statement.id).status is not StatementStatus.PUBLISHED
    assert db.session.scalar(select(func.count(StatementFile.id))) == 0
    assert "being prepared" in app.test_client().get("/statement").text

    jobs.recover()
    assert db.session.get(Job, job_id).status is JobStatus.RUNNING  # its heartbeat has not run out yet
    with time_machine.travel(datetime.now(timezone.utc) + jobs.STALE_AFTER + timedelta(seconds=30), tick=False):
        assert jobs.recover() == "queued 1 jobs again"  # the tests' queue runs it at once
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, job.done) == (JobStatus.DONE, 2, EVERY_PDF)
    _published_once(statement.id)
