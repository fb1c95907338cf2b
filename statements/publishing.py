"""Publishing a version of the statement is a tracked job (``portal.jobs``): its PDFs take a minute or more, so the
commissioner who asks is shown a progress page rather than kept waiting on a request. The job calls
``services.publish``, which makes the PDFs first and then, under the statement's lock, publishes the version and
stores each PDF with its SHA-256; the job is marked done in that same transaction. A worker killed half-way
leaves the version unpublished, and the job is run again. Only one publish of a version is queued or running at a
time, so two commissioners asking at once share one."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.models import User

from . import services
from .models import Statement

KIND = "publish-statement"


def title(params: dict) -> str:
    return _("Publishing version %(version)s of the Short Breaks Statement", version=params["version"])


def finished(params: dict) -> tuple[str, str]:
    return (_("Version %(version)s has been published. It is now the statement families see.",
              version=params["version"]),
            url_for("statements.version", statement_id=params["statement_id"]))


def may_see(user: User) -> bool:
    return user.role in services.EDITORS


@jobs.tracked(KIND, title=title, finished=finished, may_see=may_see)
def _publish(params: dict, progress) -> None:
    statement = db.session.get(Statement, params["statement_id"])
    by = db.session.get(User, params["by_id"])
    if statement is None or by is None:
        raise DomainError(_("This version of the statement no longer exists."))
    services.publish(statement, by=by, progress=progress, confirmed=params.get("confirmed"))


def key(statement: Statement) -> str:
    return f"statement-{statement.id}"


def start(statement: Statement, *, by: User) -> jobs.Job:
    """Check that the version can be published now (the same checks as publishing: a refusal says why), and queue
    its publishing. Raises jobs.AlreadyRunning with the publish already under way."""
    services.check_publishable(statement)
    # What they saw is what is published: a change made before the job runs stops it.
    return jobs.start(KIND, key(statement), by=by, statement_id=statement.id, by_id=by.id, version=statement.version,
                      confirmed=services.fingerprint(statement))


def being_published() -> jobs.Job | None:
    """The publish queued or running, if any (the public statement page says a new version is being prepared):
    every job publishing a version has its key (the demo's too)."""
    return db.session.scalar(select(jobs.Job).where(jobs.Job.key.like("statement-%"), jobs.Job.status.in_(jobs.ACTIVE))
                             .order_by(jobs.Job.id.desc()).limit(1))
