"""Access rows for a tracked job's progress page (portal/job_views.py): the person who started it, and those its
kind allows (publishing the statement: its editors, who would have started the same job), and administrators."""
from portal.extensions import db
from portal.jobs import Job, JobStatus

from . import HIDDEN, LOGIN, NO_CHILD_RECORD

WATCHERS = {"anonymous": LOGIN, "parent": HIDDEN, "young_person": HIDDEN, "provider": HIDDEN, "council": 200,
            "trust": 200, "adults": HIDDEN, "admin": 200}


def world(users, values):
    job = Job(kind="publish-statement", key="statement-99", status=JobStatus.QUEUED, started_by_id=users["council"].id,
              params={"statement_id": 99, "by_id": users["council"].id, "version": 3})
    db.session.add(job)
    db.session.flush()
    return {"job_id": job.id}


ROWS = [
    ("GET", "/jobs/<int:job_id>", WATCHERS, NO_CHILD_RECORD),
]
