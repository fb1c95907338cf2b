"""Background work: a job queue (Huey) and one scheduler instead of cron.

Work that need not keep someone waiting, or that must survive a failure (sending an email, later publishing the
statement), is a **task**: a function any area marks with ``@jobs.task()``, called as ``fn.later(*args)`` once its
change has committed. Where the queue lives (``JOBS_URL``):

- unset: a SQLite file in the instance folder (``jobs.sqlite3``), worked by the development server's own threads
  (``JOBS_WORKER_IN_PROCESS``, on in development) or by ``flask --app portal worker``;
- ``redis://host:6379/2``: Redis, shared by every app process and worked by one or more ``flask --app portal
  worker`` processes, on any machine;
- the tests run each task at once, in the process that asked for it (``JOBS_IMMEDIATE``).

The queue is a delivery mechanism, not the record: what must not be lost is written to the database in the same
transaction as the change that causes it (the email outbox, ``notify``), and a scheduled sweep picks up anything
the queue lost (a worker killed mid-task, Redis restarted).

**Long work that someone waits for** (publishing the statement) is a tracked job: ``jobs.start(kind, key, by=...,
**params)`` writes a ``jobs`` row in the caller's transaction and queues it after the commit; the person sees a
progress page (``/jobs/<id>``) that updates itself. A job's work and its row's "done" commit together, so a worker
killed half-way leaves nothing half-done: the job's heartbeat stops, and the ``recover-jobs`` task queues it again
(``ATTEMPTS`` tries in all). Only one job per key runs at a time (a partial unique index), so two people asking at
once get the same job.

**Scheduled tasks** (``@jobs.every(name, minute=..., hour=...)``, a crontab in UTC) run on the worker's clock. Each
holds a lease in the database (``scheduled_tasks``) while it runs, so a run that would overlap the one before it (a
slow run, or two workers' schedulers) is skipped; a lease held by a killed worker runs out after ``lease``. A task
also runs at most once in any minute, however many workers' schedulers queue it when it is due. Each is still a
``flask`` command too, for running by hand.
"""
from __future__ import annotations

import enum
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage
from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, insert, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .errors import DomainError, TryAgain
from .extensions import db
from .i18n import in_language
from .locking import lock
from .outbox import after_commit
from .timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class _Queue(Huey):
    """Huey whose storage is chosen when the app is made (tasks are registered on it when areas are imported)."""

    chosen_storage = None

    def get_storage(self, **kwargs):
        return self.chosen_storage if self.chosen_storage is not None else MemoryStorage(self.name)

    def use(self, storage, *, immediate: bool) -> None:
        self.chosen_storage = storage
        self._immediate = immediate
        self.storage = self.create_storage()


# Crontabs are read in UTC (Huey's default), so that a clock change never runs a task twice or skips it; daily
# tasks work out London's date themselves.
queue = _Queue("portal", results=False, immediate=True)
_apps: list[Flask] = []


class ScheduledTask(db.Model):
    """A scheduled task's lease (who may run it now) and its last run, for the administrators' page."""

    __tablename__ = "scheduled_tasks"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(500))  # i18n: not shown (a column's type)


def init_app(app: Flask) -> None:
    """Choose where the queue is, from this app's settings. An app with JOBS_IMMEDIATE (the tests') never touches
    the queue: each task runs where it is asked for (``later`` checks the app asking)."""
    _apps[:] = [app]
    if app.config.get("JOBS_IMMEDIATE"):
        return
    url = app.config.get("JOBS_URL")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from huey.storage import RedisStorage  # only deployments with JOBS_URL=redis://... need redis installed

        queue.use(RedisStorage(queue.name, url=url), immediate=False)
    elif url and not url.startswith("sqlite:///"):
        scheme = url.split(":")[0]
        # i18n: not shown (a setting's error, at start-up)
        raise ValueError(f"JOBS_URL must start redis://, rediss://, unix:// or sqlite:///, not {scheme}:")
    else:
        path = url[len("sqlite:///"):] if url else os.path.join(app.instance_path, "jobs.sqlite3")
        queue.use(_queue_file(queue.name, path), immediate=False)
    if app.config.get("JOBS_WORKER_IN_PROCESS"):
        app.before_request(_start_in_process_worker)


def _queue_file(name: str, path: str):
    """The embedded default: the queue in a SQLite file, in WAL mode with synchronous=NORMAL. A commit then does
    not wait for the disk, which every app process and thread would otherwise queue behind (each booking queues its
    email). A power cut can lose the last few queued messages but never damages the file, and losing one loses
    nothing: what a task would do is in the database first, and the scheduled sweeps pick it up."""
    from huey.storage import SqliteStorage  # only where the queue is this file, as RedisStorage above

    class QueueFile(SqliteStorage):
        def _create_connection(self):
            connection = super()._create_connection()
            connection.execute("pragma synchronous=NORMAL")
            return connection

    return QueueFile(name, filename=path)


def _in_app(fn: Callable) -> Callable:
    """Run ``fn`` in the app's context: the caller's when there is one (a task run at once), else a new one."""
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _apps[-1].app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
    run.__name__, run.__doc__, run.__module__ = fn.__name__, fn.__doc__, fn.__module__
    return run


class Later:
    """``fn.later(*args)``: queue ``fn(*args)`` for a worker, or, for an app with JOBS_IMMEDIATE, run it now;
    ``fn.later.schedule(args, delay=seconds)`` does so after a while (at once, for JOBS_IMMEDIATE)."""

    def __init__(self, fn: Callable, queued):
        self.fn, self.queued = fn, queued

    def __call__(self, *args):
        if current_app.config.get("JOBS_IMMEDIATE"):
            return self.fn(*args)
        return self.queued(*args)

    def schedule(self, args: tuple, delay: int):
        if current_app.config.get("JOBS_IMMEDIATE"):
            return self.fn(*args)
        return self.queued.schedule(args, delay=delay)


def task(**options) -> Callable:
    """Mark ``fn`` as a task: ``fn.later(*args)`` queues it (args must be plain values: ids, not rows)."""
    def decorator(fn: Callable) -> Callable:
        fn.later = Later(fn, queue.task(name=f"{fn.__module__}.{fn.__name__}", **options)(_in_app(fn)))
        return fn
    return decorator


@dataclass(frozen=True)
class Every:
    name: str
    when: str  # the crontab, as written in the README
    lease: timedelta
    run: Callable[[], object]
    validate: Callable[[datetime], bool]


SCHEDULE: dict[str, Every] = {}


def every(name: str, *, minute: str = "*", hour: str = "*", lease: timedelta = timedelta(hours=1)) -> Callable:
    """Run ``fn()`` on this crontab (UTC) in a worker; a run that would overlap the last one is skipped, and so is
    a second run for the same due time. ``lease``: how long a run may hold the task before another may take it
    (a killed worker's run). ``fn`` returns a sentence saying what it did, kept as the task's last outcome."""
    def decorator(fn: Callable[[], object]) -> Callable[[], object]:
        validate = crontab(minute=minute, hour=hour)

        def scheduled():
            return run_scheduled(name, as_scheduled=True)

        scheduled.__name__ = f"every_{name.replace('-', '_')}"
        queue.periodic_task(validate, name=f"scheduled.{name}")(_in_app(scheduled))
        SCHEDULE[name] = Every(name, f"{minute} {hour} * * *", lease, fn, validate)
        return fn
    return decorator


def last_due(entry: Every, now: datetime) -> datetime:
    """The latest moment at or before ``now`` when the task was due (its crontab, in UTC, minute by minute)."""
    minute = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    for back in range(0, 7 * 24 * 60 + 1):
        moment = minute - timedelta(minutes=back)
        if entry.validate(moment.replace(tzinfo=None)):
            return moment
    return minute - timedelta(weeks=1)


def run_scheduled(name: str, *, as_scheduled: bool = False) -> str | None:
    """Run one scheduled task now, unless its last run still holds the lease; returns its outcome (None:
    skipped). ``as_scheduled``: also skip it if it has already started since it was last due (each worker's
    scheduler queues every task when it is due, so several workers queue it several times, and a copy may be
    taken from the queue a minute or two later)."""
    entry = SCHEDULE[name]
    if not _take_lease(name, entry.lease, last_due(entry, utcnow()) if as_scheduled else None):
        log.info("Scheduled task %s skipped: its last run has not finished", name)
        return None
    outcome = "failed"  # i18n: not shown (an administrator's log word)
    try:
        outcome = str(entry.run() or "done")  # i18n: not shown (an administrator's log word)
        return outcome
    except Exception:
        db.session.rollback()
        log.exception("Scheduled task %s failed", name)
        raise
    finally:
        db.session.execute(update(ScheduledTask).where(ScheduledTask.name == name).values(
            leased_until=None, last_finished_at=utcnow(), last_outcome=outcome[:500]))
        db.session.commit()


def _take_lease(name: str, lease: timedelta, due: datetime | None = None) -> bool:
    """Take the task's lease if nobody holds it (or theirs ran out), and, given ``due``, nobody started it since
    then: one conditional UPDATE, so of two workers asking at once exactly one gets it."""
    now = utcnow()
    if db.session.get(ScheduledTask, name) is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(ScheduledTask).values(name=name))
        except IntegrityError:
            pass  # another worker made the row first
    taken = db.session.execute(
        update(ScheduledTask)
        .where(ScheduledTask.name == name,
               (ScheduledTask.leased_until.is_(None)) | (ScheduledTask.leased_until < now),
               (ScheduledTask.last_started_at.is_(None)) | (ScheduledTask.last_started_at < due)
               if due is not None else true())
        .values(leased_until=now + lease, last_started_at=now)).rowcount
    db.session.commit()
    return taken == 1


def last_runs() -> dict[str, ScheduledTask]:
    return {row.name: row for row in db.session.scalars(select(ScheduledTask))}


SHUTDOWN_SECONDS = 60  # how long a worker asked to stop waits for the jobs in hand to finish


def consumer(workers: int = 2, *, schedule: bool = True) -> Consumer:
    """A Huey consumer (threads) for this app's queue, with its scheduler unless ``schedule`` is False. SIGTERM
    (what systemd and container platforms send) lets the jobs in hand finish first; SIGINT (Ctrl+C) stops at once
    (an email or job cut off is sent or run again by the sweeps)."""
    # An idle worker looks at the queue at least once a second (Huey's default is every 10 seconds at most), so an
    # email leaves within about a second of its change.
    return queue.create_consumer(workers=workers, worker_type="thread", periodic=schedule, check_worker_health=True,
                                 max_delay=1.0, graceful_signal="TERM", shutdown_timeout=SHUTDOWN_SECONDS)


_started = threading.Lock()
_worker: list[Consumer] = []


def _start_in_process_worker() -> None:
    """Development only: the first request a process serves starts its worker threads, so the README's first
    command needs nothing else running."""
    if _worker or not _started.acquire(blocking=False):
        return
    try:
        if not _worker:
            worker = consumer(workers=current_app.config.get("JOBS_WORKERS", 2),
                              schedule=current_app.config.get("JOBS_SCHEDULE", True))
            # Not Consumer.start(): that sets signal handlers, which only the main thread may. The scheduler thread
            # runs either way: it also queues delayed jobs (retries); ``schedule`` only turns the periodic tasks off.
            worker.scheduler.start()
            for _impl, thread in worker.worker_threads:
                thread.start()
            _worker.append(worker)
            log.info("Background jobs and the schedule run in this process (JOBS_WORKER_IN_PROCESS)")
    finally:
        _started.release()


# --- tracked jobs: long work someone waits for, with a progress page ------------------------------------------------

class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
# A running job whose heartbeat is older than this has lost its worker: it is queued again.
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_SECONDS = 20
# A queued job not started within this long was lost by the queue (Redis restarted): it is queued again.
LOST_AFTER = timedelta(minutes=2)
ATTEMPTS = 3


class Job(db.Model):
    """One piece of long work: what it is, who asked, how far it has got, and how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (
        # One job at a time per key: a second request while one is queued or running gets that one.
        Index("uq_jobs_active_key", "key", unique=True, sqlite_where=text("status IN ('QUEUED', 'RUNNING')"),
              postgresql_where=text("status IN ('QUEUED', 'RUNNING')")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))  # what it works on, e.g. "statement-5"
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(Enum(JobStatus, native_enum=False, length=16), default=JobStatus.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # last sent to the queue
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by = relationship("User")

    @property
    def kind_of(self) -> Kind:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Kind:
    """A kind of tracked job: ``run(params, progress)`` does the work in the job's transaction (never commits);
    ``title(params)`` and ``finished(params)`` say what it is and where to go when it is done (text, url);
    ``may_see(user)``: who besides the person who started it may watch it (they would start the same job)."""

    name: str
    run: Callable[[dict, Callable[[int, int], None]], object]
    title: Callable[[dict], str]
    finished: Callable[[dict], tuple[str, str]]
    may_see: Callable[[object], bool]


KINDS: dict[str, Kind] = {}


def tracked(name: str, *, title: Callable[[dict], str], finished: Callable[[dict], tuple[str, str]],
            may_see: Callable[[object], bool] = lambda user: False) -> Callable:
    """Register ``fn(params, progress)`` as a kind of tracked job."""
    def decorator(fn):
        KINDS[name] = Kind(name, fn, title, finished, may_see)
        return fn
    return decorator


class AlreadyRunning(DomainError):
    def __init__(self, job: Job):
        super().__init__(_("This is already being done."))
        self.job = job


def active_job(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.key == key, Job.status.in_(ACTIVE)))


def start(kind: str, key: str, *, by, **params) -> Job:
    """Queue a tracked job, in the caller's transaction (it is sent to a worker once that commits). Raises
    AlreadyRunning with the job already queued or running for this key."""
    # Two requests at once: on SQLite the write lock, taken first, puts them in turn (and keeps the savepoint below
    # inside the caller's transaction); on PostgreSQL the partial unique index refuses the second.
    lock(select(Job.id).where(Job.key == key).with_for_update())
    if (existing := active_job(key)) is not None:
        raise AlreadyRunning(existing)
    now = utcnow()
    job = Job(kind=kind, key=key, params=params, status=JobStatus.QUEUED, done=0, total=0, attempts=0,
              started_by_id=by.id if by is not None else None, created_at=now, queued_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        if (existing := active_job(key)) is None:
            raise TryAgain() from None
        raise AlreadyRunning(existing) from None  # asked for at the same moment by someone else
    after_commit(_queue_job, job)
    return job


def _queue_job(job: Job) -> None:
    run_job.later(db.inspect(job).identity[0])


class Superseded(Exception):
    """This run of a job lost it (its heartbeat stopped and another worker took it over): its work is dropped."""


@task()
def run_job(job_id: int) -> None:
    """Run a tracked job if it is queued, or running with a dead worker. Its work and its being done commit
    together, and only if this run still holds the job (each run is fenced by its attempt number)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id,
                          (Job.status == JobStatus.QUEUED)
                          | ((Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - STALE_AFTER)))
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                done=0, error=None)).rowcount
    db.session.commit()
    if claimed != 1:
        return
    job = db.session.get(Job, job_id)
    kind, params, attempt = KINDS[job.kind], dict(job.params), job.attempts
    language = job.started_by.language if job.started_by is not None else "en"
    ours = (Job.id == job_id) & (Job.status == JobStatus.RUNNING) & (Job.attempts == attempt)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(_apps[-1] if _apps else current_app._get_current_object(),
                                                       ours, stop), daemon=True)
    beat.start()
    try:
        with in_language(language):
            kind.run(params, lambda done, total: _progress(ours, done, total))
        if db.session.execute(update(Job).where(ours).values(
                status=JobStatus.DONE, finished_at=utcnow(), done=Job.total)).rowcount != 1:
            raise Superseded()
        db.session.commit()
    except Superseded:
        db.session.rollback()
        log.warning("Job %s: try %s was taken over by another worker; its work is dropped", job_id, attempt)
    except TryAgain:
        db.session.rollback()
        _queue_again(job_id, ours, language, attempt)
    except DomainError as refused:
        db.session.rollback()
        _finish_failed(ours, str(refused))
    except Exception:
        db.session.rollback()
        log.exception("Job %s (%s) failed on try %s", job_id, kind.name, attempt)
        _queue_again(job_id, ours, language, attempt)
    finally:
        stop.set()


RETRY_AFTER_SECONDS = 30


def _queue_again(job_id: int, ours, language: str, attempt: int) -> None:
    """A try that failed for a reason that may pass (a lock, a lost connection): try again in a while, or give up
    after ATTEMPTS."""
    if attempt >= ATTEMPTS:
        with in_language(language):
            _finish_failed(ours, _("Something went wrong. Try again, or tell the portal's administrators."))
        return
    if db.session.execute(update(Job).where(ours).values(status=JobStatus.QUEUED, queued_at=utcnow())).rowcount:
        db.session.commit()
        run_job.later.schedule((job_id,), delay=RETRY_AFTER_SECONDS)


def _finish_failed(which, message: str) -> None:
    db.session.execute(update(Job).where(which).values(
        status=JobStatus.FAILED, error=message[:1000], finished_at=utcnow()))
    db.session.commit()


def _progress(ours, done: int, total: int) -> None:
    """How far a job has got, written at once on a connection of its own (the job's own work is not committed
    until the end). Best effort: a progress page a little behind is better than a job that fails."""
    try:
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(ours).values(done=done, total=total, heartbeat_at=utcnow()))
    except Exception:  # noqa: BLE001 - progress is not the work
        log.warning("Could not write a job's progress", exc_info=True)


def _heartbeat(app: Flask, ours, stop: threading.Event) -> None:
    """Say every HEARTBEAT_SECONDS that the job's worker is alive, on a connection of its own. A beat that cannot
    be written (the database busy for a while) is tried again at the next one."""
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            with app.app_context():
                with db.engine.begin() as connection:
                    connection.execute(update(Job).where(ours).values(heartbeat_at=utcnow()))
        except Exception:  # noqa: BLE001 - the next beat tries again
            log.warning("Could not write a job's heartbeat", exc_info=True)


@every("recover-jobs", minute="*", lease=timedelta(minutes=5))
def recover() -> str:
    """Queue again the jobs a worker died running (no heartbeat) or the queue lost (queued and never started)."""
    now = utcnow()
    lost = db.session.execute(select(Job.id, Job.attempts, Job.status).where(
        ((Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - STALE_AFTER))
        | ((Job.status == JobStatus.QUEUED) & (Job.queued_at < now - LOST_AFTER)))).all()
    db.session.rollback()
    for job_id, attempts, status in lost:
        if attempts >= ATTEMPTS and status is JobStatus.RUNNING:
            _finish_failed((Job.id == job_id) & (Job.status == JobStatus.RUNNING) & (Job.attempts == attempts),
                           _("Something went wrong. Try again, or tell the portal's administrators."))
            continue
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == status).values(queued_at=now))
        db.session.commit()
        run_job.later(job_id)
    return f"queued {len(lost)} jobs again"  # i18n: not shown (the scheduled task's log)
