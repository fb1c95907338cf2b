"""The privacy notice, and a family's own data: download it, delete the account, remove a child."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from portal import notify, rate_limits
from portal.access import family_child_or_abort, family_children, family_required
from portal.attempts import attempt, form_status
from portal.contacts import current_contacts
from portal.extensions import db
from portal.models import record
from portal.timeutil import london_today

from . import erasure
from .export import export_zip
from .forms import DeleteAccountForm, RemoveChildForm
from .retention import Periods

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html", periods=Periods.configured(), contacts=current_contacts())


@bp.get("/your-data")
@family_required
def your_data():
    return render_template("privacy/your_data.html", children=family_children(current_user))


@bp.get("/your-data/download")
@family_required
def download():
    user = current_user._get_current_object()
    archive = export_zip(user)
    record("personal_data_exported", user, by=user)
    db.session.commit()
    return Response(archive, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="short-breaks-data-{london_today().isoformat()}.zip"',
        "Cache-Control": "no-store"})


@bp.route("/your-data/delete-account", methods=["GET", "POST"])
@family_required
def delete_account():
    user = current_user._get_current_object()
    form, done = DeleteAccountForm(), None
    if form.validate_on_submit():
        # The same limit as signing in: a borrowed, signed-in phone must not be a way to guess the password.
        rate_limits.check("sign-in-account", rate_limits.SIGN_IN_PER_ACCOUNT, rate_limits.account_key(user.email))
        if not user.check_password(form.password.data):
            form.password.errors = [_("That is not your password. Check it and try again.")]
        else:
            address = user.email
            with attempt(form) as done:
                # Queued first, to the address as it is now, so the confirmation still reaches the family.
                notify.queue(user, _l("Your short breaks account has been deleted"), "account_deleted")
                erasure.delete_account(user, by=user)
            if done.ok:
                logout_user()
                current_app.logger.info("Account %s deleted by its holder", user.id)
                flash(_("Your account has been deleted. We have sent a last email to %(address)s to confirm it.",
                        address=address), "success")
                return redirect(url_for("local_offer.home"))
    return render_template("privacy/delete_account.html", form=form, blockers=erasure.account_blockers(user),
                           leaving=erasure.waiting_lists_to_leave(user), contacts=current_contacts()), \
        form_status(form, done)


@bp.route("/children/<int:child_id>/remove", methods=["GET", "POST"])
@family_required
def remove_child(child_id: int):
    child = family_child_or_abort(child_id)
    form, done = RemoveChildForm(), None
    if form.validate_on_submit():
        name = child.first_name
        with attempt(form) as done:
            erasure.remove_child(child, by=current_user)
        if done.ok:
            flash(_("%(name)s's details have been removed.", name=name), "success")
            return redirect(url_for("families.children"))
    return render_template("privacy/remove_child.html", form=form, child=child,
                           blockers=erasure.child_blockers(child),
                           leaving=erasure.waiting_lists_to_leave(current_user, child), contacts=current_contacts()), \
        form_status(form, done)
