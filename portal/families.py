"""A family's children: added once, reused for every booking."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from . import assessments
from .access import access_ended, family_child_or_abort, family_children, family_required, is_own_record
from .contacts import current_contacts
from .extensions import db
from .forms import ChildForm
from .models import Child, Locality, Role, SupportLevel, record
from .timeutil import utcnow

bp = Blueprint("families", __name__)


def _locality_choices() -> list[tuple[int, str]]:
    return [(0, _("Select an area"))] + [(loc.id, loc.name) for loc in db.session.scalars(select(Locality).order_by(Locality.name))]


def _apply(form: ChildForm, child: Child) -> None:
    child.first_name = form.first_name.data.strip()
    child.last_name = form.last_name.data.strip()
    child.date_of_birth = form.date_of_birth.data
    child.needs = sorted(form.needs.data or [])
    child.needs_notes = (form.needs_notes.data or "").strip() or None
    child.has_ehc_plan = form.has_ehc_plan.data == "yes"
    child.support_level = SupportLevel(form.support_level.data)
    child.locality_id = form.locality_id.data
    child.postcode = (form.postcode.data or "").strip().upper() or None
    child.emergency_contact = form.emergency_contact.data.strip()
    child.home_language = (form.home_language.data or "").strip() or None
    child.interpreter_needed = form.interpreter_needed.data == "yes"
    consent = form.register_consent.data == "yes"
    if consent != bool(child.register_consent):
        child.register_consent, child.register_consent_at = consent, utcnow()
        if child.id is not None:  # a new child's consent is recorded with its adding
            record("register_consent_given" if consent else "register_consent_withdrawn", child, by=current_user)


def _validate(form: ChildForm) -> bool:
    ok = form.validate_on_submit()
    if form.is_submitted() and not form.locality_id.data:
        form.locality_id.errors = list(form.locality_id.errors) + [_("Select the area you live in")]
        ok = False
    return ok


@bp.get("/children")
@family_required
def children():
    children = family_children(current_user)
    return render_template("families/children.html", children=children, ended=access_ended(current_user),
                           own={c.id for c in children if is_own_record(current_user, c)},
                           asked=bool(assessments.journey(current_user)))


@bp.get("/assessments", endpoint="assessments")
@family_required
def assessments_page():
    """What the family asked the trust and when, where each request is, who is handling it, and each decision with
    its reasons, review date and how to challenge it."""
    asked = assessments.journey(current_user)
    return render_template("families/assessments.html", asked=asked,
                           others=assessments.decisions_without_request(current_user, asked),
                           contacts=current_contacts())


@bp.route("/children/new", methods=["GET", "POST"])
@family_required
def add_child():
    has_record = bool(family_children(current_user))
    if current_user.role is Role.YOUNG_PERSON and has_record:
        return render_template("families/young_person_only.html"), 403
    account_holder = current_user.role is Role.YOUNG_PERSON and not has_record
    form = ChildForm(account_holder=account_holder)
    form.locality_id.choices = _locality_choices()
    if _validate(form):
        child = Child(parent_id=current_user.id, is_account_holder=account_holder)
        _apply(form, child)
        db.session.add(child)
        db.session.flush()
        record("child_added", child, by=current_user, register_consent=child.register_consent)
        db.session.commit()
        flash(_("%(name)s's details have been saved.", name=child.first_name), "success")
        return redirect(url_for("families.children"))
    return render_template("families/child_form.html", form=form, child=None), 422 if form.errors else 200


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@family_required
def edit_child(child_id: int):
    child = family_child_or_abort(child_id)
    form = ChildForm(obj=child, account_holder=child.is_account_holder)
    form.locality_id.choices = _locality_choices()
    if not form.is_submitted():
        form.has_ehc_plan.data = "yes" if child.has_ehc_plan else "no"
        form.support_level.data = child.support_level.value
        form.locality_id.data = child.locality_id or 0
        form.interpreter_needed.data = "yes" if child.interpreter_needed else "no"
        form.register_consent.data = "yes" if child.register_consent else "no"
    if _validate(form):
        before = {"needs": child.needs, "support_level": child.support_level.value, "ehc": child.has_ehc_plan}
        _apply(form, child)
        record("child_updated", child, by=current_user, before=before)
        db.session.commit()
        flash(_("%(name)s's details have been updated.", name=child.first_name), "success")
        return redirect(url_for("families.children"))
    return render_template("families/child_form.html", form=form, child=child), 422 if form.errors else 200
