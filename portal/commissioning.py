"""Commissioning: trust staff see requests for assessment and record assessment outcomes."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .access import get_or_404, role_required
from .audit import showing, shows_children
from .extensions import db
from .forms import AssessmentDecisionForm
from .models import Assessment, AssessmentRequest, AssessmentStatus, Child, Role, record
from .paging import page_arg

bp = Blueprint("commissioning", __name__, url_prefix="/trust")

trust_required = role_required(Role.TRUST, Role.ADMIN)


@bp.get("/assessment-requests")
@trust_required
@shows_children("assessment_requests")
def assessment_requests():
    page = page_arg()
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count(AssessmentRequest.id)))
    rows = db.session.scalars(
        select(AssessmentRequest)
        .options(joinedload(AssessmentRequest.child), joinedload(AssessmentRequest.offer),
                 joinedload(AssessmentRequest.assessment))
        .order_by(AssessmentRequest.assessment_id.is_not(None), AssessmentRequest.created_at.desc())
        .limit(size).offset((page - 1) * size)
    ).all()
    showing(asked.child for asked in rows)
    return render_template("commissioning/assessment_requests.html", requests=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / size)))


@bp.route("/children/<int:child_id>/assessment", methods=["GET", "POST"])
@trust_required
@shows_children("assessment")
def record_assessment(child_id: int):
    child = get_or_404(Child, child_id)
    showing([child])
    form = AssessmentDecisionForm()
    history = db.session.scalars(
        select(Assessment).where(Assessment.child_id == child.id).order_by(Assessment.decided_at.desc())
    ).all()
    if form.validate_on_submit():
        assessment = Assessment(child_id=child.id, status=AssessmentStatus(form.status.data),
                                reason=form.reason.data.strip(), recorded_by_id=current_user.id,
                                review_on=form.review_on.data)
        db.session.add(assessment)
        db.session.flush()
        for open_request in db.session.scalars(
            select(AssessmentRequest).where(AssessmentRequest.child_id == child.id,
                                            AssessmentRequest.assessment_id.is_(None))
        ):
            open_request.assessment_id = assessment.id
        record("assessment_recorded", child, by=current_user, reason=assessment.reason,
               outcome=assessment.status.value)
        db.session.commit()
        flash(_("The assessment outcome for %(name)s has been recorded.", name=child.full_name), "success")
        return redirect(url_for("commissioning.assessment_requests"))
    return render_template("commissioning/record_assessment.html", child=child, form=form, history=history), \
        422 if form.errors else 200
