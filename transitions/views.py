"""The transitions tracker's pages, for the children's trust's and adult social care's staff (and administrators):
the tracker (filtered, paged, and as CSV), a young person's page where staff record each stage, a
preparing-for-adulthood review and the owner, and the dashboard (counts only, nobody named). Every page that names a
young person is recorded in the audit trail."""
from __future__ import annotations

import math
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from budgets.dashboard import month_name
from budgets.models import year_label
from insight.views import bars
from portal.access import get_or_404, transition_staff_required
from portal.attempts import attempt, form_status
from portal.audit import showing, shows_children
from portal.exports import csv_download
from portal.extensions import db
from portal.formatting import spreadsheet_cell
from portal.i18n import N_
from portal.models import Child, Locality, User
from portal.paging import page_arg
from portal.timeutil import age_on, london_today

from . import dashboard as dashboard_figures
from . import services
from .forms import OwnerForm, PfaReviewForm, StageForm
from .models import Outcome, Progress, Stage, Transition

bp = Blueprint("transitions", __name__, url_prefix="/transitions")


def _filters() -> services.Filters:
    locality = request.args.get("locality", "")
    stage = request.args.get("stage", "")
    return services.Filters(locality_id=int(locality) if locality.isascii() and locality.isdigit() else None,
                            stage=next((s for s in Stage if s.value == stage), None),
                            overdue=request.args.get("overdue") == "yes")


def _localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))


@bp.get("")
@transition_staff_required
@shows_children("transitions")
def tracker():
    today = london_today()
    services.enrol(today)  # nobody is missed on a day the daily task has not run yet (committed with the views)
    filters = _filters()
    query = services.tracked(today, filters)
    total = services.count(query)
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, math.ceil(total / size))
    page = min(page_arg(), pages)
    shown = services.rows(query, limit=size, offset=(page - 1) * size)
    showing(transition.child for transition in shown)
    return render_template("transitions/tracker.html", transitions=shown, total=total, page=page, pages=pages,
                           filters=filters, localities=_localities(), stages=list(Stage), today=today,
                           funded=services.with_adult_budget([t.child for t in shown]), **_helpers())


def _helpers() -> dict:
    return {"next_step": services.next_step, "overdue_steps": services.overdue_steps, "age_on": age_on,
            "eighteenth": services.eighteenth}


# The column headings, translated when the file is asked for: staff read them.
CSV_HEADER = [N_("Name"), N_("Date of birth"), N_("Age"), N_("Area"), N_("Stage reached"), N_("Stage reached on"),
              N_("Next stage"), N_("Next stage due by"), N_("Overdue stages"), N_("Owner"),
              N_("No adult budget 3 months before 18")]


@bp.get("/tracker.csv")
@transition_staff_required
@shows_children("transitions_csv")
def tracker_csv():
    today = london_today()
    services.enrol(today)
    filters = _filters()
    every = services.rows(services.tracked(today, filters))
    showing(transition.child for transition in every)
    funded = services.with_adult_budget([t.child for t in every])

    def lines():
        yield [_(heading) for heading in CSV_HEADER]
        for transition in every:
            child, coming = transition.child, services.next_step(transition)
            yield [spreadsheet_cell(child.full_name), child.date_of_birth.isoformat(), age_on(child.date_of_birth, today),
                   spreadsheet_cell(child.locality.name) if child.locality else "", transition.stage.label,
                   transition.stage_on.isoformat(), coming.stage.label if coming else "",
                   coming.due_on.isoformat() if coming and coming.due_on else "",
                   "; ".join(step.stage.label for step in services.overdue_steps(transition, today)),
                   spreadsheet_cell(transition.owner.name) if transition.owner else "",
                   _("Yes") if transition.no_adult_budget_warned_at and child.id not in funded else ""]

    suffix = "-".join(f"{key}-{value}" for key, value in filters.args.items())
    return csv_download(f"transitions-{today.isoformat()}{'-' + suffix if suffix else ''}.csv", lines())


def _load(child_id: int) -> tuple[Child, Transition]:
    child = get_or_404(Child, child_id)
    transition = services.of_child(child)
    if transition is None and services.enrol(london_today()):  # on the tracker from today, the task not yet run
        transition = services.of_child(child)
    if transition is None:
        abort(404)
    return child, transition


@bp.get("/young-people/<int:child_id>")
@transition_staff_required
@shows_children("transition")
def young_person(child_id: int):
    child, transition = _load(child_id)
    showing([child])
    today = london_today()
    return render_template("transitions/young_person.html", child=child, transition=transition, today=today,
                           steps=sorted(transition.steps, key=lambda s: s.stage.order),
                           reviews=services.reviews(transition), recordable=services.recordable(transition),
                           has_adult_budget=bool(services.with_adult_budget([child])), **_helpers())


@bp.route("/young-people/<int:child_id>/stage", methods=["GET", "POST"])
@transition_staff_required
@shows_children("transition_stage")
def record_stage(child_id: int):
    child, transition = _load(child_id)
    showing([child])
    coming = services.next_step(transition)
    form = StageForm(services.recordable(transition), coming.stage if coming else None)
    done = None
    if form.validate_on_submit():
        stage = Stage(form.stage.data)
        with attempt(form) as done:
            services.record_stage(transition, stage, form.done_on.data, form.note.data, by=current_user,
                                  today=london_today())
        if done.ok:
            flash(_("“%(stage)s” recorded for %(name)s.", stage=stage.label, name=child.full_name), "success")
            return redirect(url_for("transitions.young_person", child_id=child.id))
    return render_template("transitions/record_stage.html", child=child, form=form,
                           any_left=bool(services.recordable(transition))), form_status(form, done)


@bp.route("/young-people/<int:child_id>/review", methods=["GET", "POST"])
@transition_staff_required
@shows_children("pfa_review")
def record_review(child_id: int):
    child, transition = _load(child_id)
    showing([child])
    form = PfaReviewForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            services.record_review(transition, form.held_on.data, form.progress(), by=current_user,
                                   today=london_today())
        if done.ok:
            flash(_("The preparing-for-adulthood review for %(name)s has been recorded.", name=child.full_name),
                  "success")
            return redirect(url_for("transitions.young_person", child_id=child.id))
    return render_template("transitions/record_review.html", child=child, form=form), form_status(form, done)


@bp.route("/young-people/<int:child_id>/owner", methods=["GET", "POST"])
@transition_staff_required
@shows_children("transition_owner")
def choose_owner(child_id: int):
    child, transition = _load(child_id)
    showing([child])
    form = OwnerForm(owner=transition.owner_id)
    form.owner.choices = [(person.id, f"{person.name} ({person.role.label})") for person in services.owner_choices()]
    done = None
    if form.validate_on_submit():
        owner = get_or_404(User, form.owner.data)
        with attempt(form) as done:
            services.set_owner(transition, owner, by=current_user)
        if done.ok:
            flash(_("%(owner)s now owns the move to adult services of %(name)s.", owner=owner.name,
                    name=child.full_name), "success")
            return redirect(url_for("transitions.young_person", child_id=child.id))
    return render_template("transitions/choose_owner.html", child=child, form=form), form_status(form, done)


@bp.get("/dashboard")
@transition_staff_required
def dashboard():
    today = london_today()
    if services.enrol(today):
        db.session.commit()
    found = dashboard_figures.figures(today)
    stage_chart = bars([(stage.label, count, f"{count:,}") for stage, count in found.by_stage.items()])
    asked_chart = bars([(_month(month), count, f"{count:,}") for month, count in found.asked_by_month])
    return render_template("transitions/dashboard.html", found=found, stage_chart=stage_chart, asked_chart=asked_chart,
                           outcomes=list(Outcome), levels=list(Progress), month=_month, year_label=year_label,
                           today=today)


def _month(day: date) -> str:
    return month_name(day.strftime("%Y-%m"))
