"""The audit screen for commissioners and administrators (with a CSV of what it finds), and the family's page
saying who has looked at their child's record."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.access import family_child_or_abort, family_required, role_required
from portal.exports import csv_download
from portal.extensions import db
from portal.formatting import spreadsheet_cell
from portal.i18n import N_
from portal.models import Role, record
from portal.paging import page_arg
from portal.timeutil import london_today, to_london

from . import search
from .forms import TrailFilterForm

bp = Blueprint("audit", __name__)

overseer_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADMIN)


@bp.context_processor
def _entry_words():
    return {"audit_shown": audit.shown_label, "audit_role": audit.role_label,
            "audit_organisation": audit.organisation_label}


def _filter_form() -> TrailFilterForm:
    form = TrailFilterForm(search.provider_choices(), formdata=request.args)
    if request.args:
        form.validate()
    return form


def _filters_to_correct(form: TrailFilterForm):
    return render_template("audit/trail.html", form=form, entries=[], total=0, page=1, pages=1), 422


@bp.get("/audit")
@overseer_required
def trail():
    form = _filter_form()
    if form.errors:
        return _filters_to_correct(form)
    filters, page, size = form.filters(), page_arg(), current_app.config["PAGE_SIZE"]
    total = search.count(filters)
    return render_template("audit/trail.html", form=form, entries=search.page_of(filters, page, size), total=total,
                           page=page, pages=max(1, math.ceil(total / size)), args=form.args())


# The column headings, translated when the file is asked for: commissioners read them.
CSV_HEADER = [N_("Date and time (London)"), N_("What happened"), N_("What was seen"), N_("Child ID"), N_("Child"),
              N_("Person"), N_("Email"), N_("Role"), N_("Organisation"), N_("API token"), N_("Reason"),
              N_("About"), N_("About ID")]


@bp.get("/audit.csv")
@overseer_required
def trail_csv():
    form = _filter_form()
    if form.errors:
        return _filters_to_correct(form)
    filters = form.filters()
    # The trail leaving the portal is itself in the trail: who took it, when, and which entries.
    record("audit_exported", current_user._get_current_object(), by=current_user, filters=form.args())
    db.session.commit()
    def rows():
        yield [_(heading) for heading in CSV_HEADER]
        for entry in search.every_entry(filters):
            yield [spreadsheet_cell(value) for value in _csv_row(entry)]

    return csv_download(f"audit-trail-{london_today().isoformat()}.csv", rows())


def _csv_row(entry: search.Entry) -> list:
    event, actor, details = entry.event, entry.event.actor, entry.event.details or {}
    return [to_london(event.at).strftime("%Y-%m-%d %H:%M:%S"), event.action,
            audit.shown_label(details) if entry.is_view else "", entry.child.id if entry.child else "",
            entry.child.full_name if entry.child else "", actor.name if actor else "", actor.email if actor else "",
            entry.role, entry.organisation, details.get("api_token", ""), event.reason or "", event.subject_type,
            event.subject_id]


@bp.get("/children/<int:child_id>/who-has-seen")
@family_required
def who_has_seen(child_id: int):
    child = family_child_or_abort(child_id)
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    views, total = search.views_of(child, page, size)
    return render_template("audit/who_has_seen.html", child=child, views=views, total=total, page=page,
                           pages=max(1, math.ceil(total / size)))
