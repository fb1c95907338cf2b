"""Administrators look after people's accounts: find someone, end all their sessions ("sign out everywhere"), or
reset their two-step sign-in when they have lost their phone and their recovery codes. Each is kept in the audit
trail with the administrator's reason. Nothing here shows a child's record."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select, true

from . import two_step
from .access import get_or_404, role_required
from .extensions import db
from .forms import ReasonForm
from .models import Role, User, record
from .paging import page_arg

bp = Blueprint("people", __name__, url_prefix="/admin/people")
admin_required = role_required(Role.ADMIN)


@bp.get("")
@admin_required
def index():
    query = (request.args.get("q") or "").strip()[:200]
    condition = or_(func.lower(User.email).contains(query.lower(), autoescape=True),
                    func.lower(User.name).contains(query.lower(), autoescape=True)) if query else true()
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count(User.id)).where(condition))
    people = db.session.scalars(select(User).where(condition).order_by(func.lower(User.email), User.id)
                                .limit(size).offset((page - 1) * size)).all()
    return render_template("people/index.html", people=people, query=query, total=total, page=page,
                           pages=max(1, math.ceil(total / size)))


@bp.get("/<int:user_id>")
@admin_required
def person(user_id: int):
    return render_template("people/person.html", person=get_or_404(User, user_id))


@bp.route("/<int:user_id>/sign-out-everywhere", methods=["GET", "POST"])
@admin_required
def sign_out_everywhere(user_id: int):
    person = get_or_404(User, user_id)
    form = ReasonForm()
    if form.validate_on_submit():
        person.end_sessions()
        record("signed_out_everywhere", person, by=current_user, reason=form.reason.data.strip())
        db.session.commit()
        flash(_("%(name)s has been signed out everywhere. They can sign in again with their password.",
                name=person.name), "success")
        return redirect(url_for(".person", user_id=person.id))
    return render_template("people/confirm.html", person=person, form=form, action="sign-out-everywhere"), \
        422 if form.errors else 200


@bp.route("/<int:user_id>/reset-two-step", methods=["GET", "POST"])
@admin_required
def reset_two_step(user_id: int):
    person = get_or_404(User, user_id)
    if person.totp_secret is None:
        flash(_("%(name)s does not use two-step sign-in, so there is nothing to reset.", name=person.name),
              "important")
        return redirect(url_for(".person", user_id=person.id))
    form = ReasonForm()
    if form.validate_on_submit():
        two_step.reset_for(person, by=current_user, reason=form.reason.data.strip())
        db.session.commit()
        flash(_("Two-step sign-in has been reset for %(name)s. They will set it up again when they next sign in.",
                name=person.name) if person.two_step_required else
              _("Two-step sign-in has been turned off for %(name)s.", name=person.name), "success")
        return redirect(url_for(".person", user_id=person.id))
    return render_template("people/confirm.html", person=person, form=form, action="reset-two-step"), \
        422 if form.errors else 200
