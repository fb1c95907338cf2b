"""Commissioning: trust staff see requests for assessment and record assessment outcomes."""
from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from . import assessments, child_search
from .access import get_or_404, panel_required, trust_required
from .attempts import attempt, form_status
from .audit import showing, shows_children
from .extensions import db
from .forms import AssessmentDecisionForm, ChildSearchForm, ConfirmForm
from .models import Assessment, AssessmentRequest, AssessmentSource, AssessmentStatus, Child
from .paging import page_arg

bp = Blueprint("commissioning", __name__, url_prefix="/trust")


@bp.route("/children", methods=["GET", "POST"])
@panel_required
@shows_children("child_search")
def find_child():
    """Find a child the portal knows, to assess them after a referral or record a panel decision (audited)."""
    form = ChildSearchForm()
    search = child_search.Search()
    if form.validate_on_submit():
        search = child_search.Search(name=form.name.data or "", born_on=form.born_on.data,
                                     postcode=form.postcode.data or "")
        if search.parts < child_search.PARTS_NEEDED:
            form.name.errors = [*form.name.errors, _("Enter at least two of: a name, a date of birth, a postcode")]
    found = child_search.find(search, by=current_user) if search.parts >= child_search.PARTS_NEEDED else None
    showing(found.children if found else [])
    return render_template("commissioning/find_child.html", form=form, found=found, most=child_search.MOST), \
        422 if form.errors else 200


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
                 joinedload(AssessmentRequest.assessment), joinedload(AssessmentRequest.handled_by))
        .order_by(AssessmentRequest.assessment_id.is_not(None), AssessmentRequest.created_at.desc())
        .limit(size).offset((page - 1) * size)
    ).all()
    showing(asked.child for asked in rows)
    return render_template("commissioning/assessment_requests.html", requests=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / size)), form=ConfirmForm())


@bp.post("/assessment-requests/<int:request_id>/take")
@trust_required
def take_request(request_id: int):
    """Take a request: the family is told who is handling it."""
    asked = get_or_404(AssessmentRequest, request_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt() as done:
        assessments.take(asked, by=current_user)
    if done.ok:
        flash(_("You are now handling the request for %(name)s. We have told the family.", name=asked.child.full_name),
              "success")
    return redirect(url_for("commissioning.assessment_requests"))


@bp.route("/children/<int:child_id>/assessment", methods=["GET", "POST"])
@trust_required
@shows_children("assessment")
def record_assessment(child_id: int):
    child = get_or_404(Child, child_id)
    showing([child])
    asked = db.session.scalar(select(func.count(AssessmentRequest.id)).where(
        AssessmentRequest.child_id == child.id, AssessmentRequest.assessment_id.is_(None)))
    # An open request: the family asked. Otherwise the trust says how it came about (a referral, a review).
    form = AssessmentDecisionForm(source=AssessmentSource.REQUEST.value if asked else None)
    history = db.session.scalars(
        select(Assessment).where(Assessment.child_id == child.id).order_by(Assessment.decided_at.desc())
    ).all()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            assessments.decide(child, AssessmentStatus(form.status.data), form.reason.data, form.review_on.data,
                               by=current_user, source=AssessmentSource(form.source.data),
                               referred_by=form.referred_by.data, referred_on=form.referred_on.data)
        if done.ok:
            flash(_("The assessment outcome for %(name)s has been recorded.", name=child.full_name), "success")
            return redirect(url_for("commissioning.assessment_requests"))
        return render_template("commissioning/record_assessment.html", child=child, form=form, history=history), \
            form_status(form, done)
    return render_template("commissioning/record_assessment.html", child=child, form=form, history=history), \
        form_status(form)
