"""The progress page of a tracked job (``portal.jobs``): who started it, and anyone who would have started the same
job (its kind says who), see how far it has got, then where to go when it is done, or why it failed. The page
works without JavaScript (a button checks again); with it, it checks every few seconds by itself and says what
changed in a status region screen readers announce. It does not refresh itself without JavaScript: a timed
refresh takes the page away from someone reading it (WCAG 2.2.1)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from .access import get_or_404
from .jobs import Job, JobStatus
from .models import Role

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<int:job_id>")
@login_required
def progress(job_id: int):
    job = get_or_404(Job, job_id)
    if job.started_by_id != current_user.id and current_user.role is not Role.ADMIN \
            and not job.kind_of.may_see(current_user):
        abort(404)  # not theirs to watch: as if there were no such job
    kind = job.kind_of
    finished = kind.finished(job.params) if job.status is JobStatus.DONE else None
    return render_template("jobs/progress.html", job=job, title=kind.title(job.params), finished=finished,
                           JobStatus=JobStatus)
