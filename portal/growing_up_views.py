"""Pages for control passing to the young adult at 18 (#15): the parent invites their child of 16 or over to their
own sign-in; the young person accepts; the young person gives or withdraws consent for their parent to keep
seeing their record after 18; staff record consent given in person or a legal basis, with its reference."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from . import growing_up
from .access import access_ended, active_access, family_child_or_abort, family_required, get_or_404, is_adult, is_own_record, \
    role_required
from .attempts import attempt, form_status
from .audit import showing, shows_children
from .auth import sign_in_as
from .extensions import db
from .forms import AcceptInviteForm, ConsentForm, InviteYoungPersonForm, LegalBasisForm, ReasonForm, \
    WithdrawConsentForm
from .models import AccessBasis, Child, FamilyAccess, Role

bp = Blueprint("growing_up", __name__)

young_person_required = role_required(Role.YOUNG_PERSON)
staff_required = role_required(*growing_up.STAFF)


# --- the parent invites the young person --------------------------------------------------------------------------

@bp.route("/children/<int:child_id>/own-sign-in", methods=["GET", "POST"])
@family_required
def invite(child_id: int):
    child = family_child_or_abort(child_id)
    if is_own_record(current_user, child):
        return redirect(url_for(".your_record"))
    form = InviteYoungPersonForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            growing_up.invite(child, form.email.data, by=current_user)
        if done.ok:
            flash(_("We have emailed %(name)s a link to set up their own sign-in.", name=child.first_name), "success")
            return redirect(url_for("families.children"))
    return render_template("growing_up/invite.html", child=child, form=form, old_enough=child.age_on(
        growing_up.london_today()) >= growing_up.OWN_SIGN_IN_AGE, sixteenth=growing_up.birthday(child, 16),
        eighteenth=growing_up.eighteenth(child), pending=growing_up.open_invite(child)), form_status(form, done)


@bp.route("/join/<young_person_token>", methods=["GET", "POST"])
def join(young_person_token: str):
    found = growing_up.find_invite(young_person_token)
    if found is None:
        return render_template("providers/organisations/invite_invalid.html"), 404
    form = AcceptInviteForm()
    form.account = found  # the password may not be the invited email address
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            young_person = growing_up.join(found, name=form.name.data, password=form.password.data)
        if done.ok:
            flash(_("Your sign-in is ready. You can see and manage your records and bookings."), "success")
            return sign_in_as(young_person, url_for(".your_record"))
    return render_template("growing_up/join.html", invitation=found, form=form), form_status(form, done)


# --- the young person: who else can see their record ----------------------------------------------------------------

def _own_records() -> list[Child]:
    """The records that are the signed-in young person's own: linked to their sign-in, or made by them."""
    return list(db.session.scalars(select(Child).where(or_(
        Child.young_person_id == current_user.id,
        and_(Child.is_account_holder.is_(True), Child.parent_id == current_user.id))).order_by(Child.id)))


def _your_record_page(consent_form=None, withdraw_form=None, status: int = 200):
    records = [{"child": child, "adult": is_adult(child), "eighteenth": growing_up.eighteenth(child),
                "access": active_access(child, child.parent) if not child.is_account_holder else []}
               for child in _own_records()]
    return render_template("growing_up/your_record.html", records=records, consent_form=consent_form or ConsentForm(),
                           withdraw_form=withdraw_form or WithdrawConsentForm(),
                           form=consent_form or withdraw_form), status  # the posted form: "Error:" in the title


@bp.get("/your-record/sharing")
@young_person_required
def your_record():
    return _your_record_page()


@bp.post("/your-record/sharing")
@young_person_required
def give_consent():
    form = ConsentForm()
    linked = [child for child in _own_records() if not child.is_account_holder]
    done = None
    if form.validate_on_submit():
        if not linked:
            form.form_errors.append(_("No parent or carer is linked to your record, so there is nobody to give "
                                      "consent to."))
            return _your_record_page(consent_form=form, status=409)
        with attempt(form) as done:
            for child in linked:
                growing_up.grant(child, AccessBasis.CONSENT, by=current_user)
        if done.ok:
            flash(_("You have given consent. Your parent or carer can see and manage your records and bookings "
                    "until you withdraw it."), "success")
            return redirect(url_for(".your_record"))
    return _your_record_page(consent_form=form, status=form_status(form, done))


@bp.post("/your-record/sharing/<int:access_id>/withdraw")
@young_person_required
def withdraw_consent(access_id: int):
    access = get_or_404(FamilyAccess, access_id)
    if access.child.young_person_id != current_user.id:
        abort(404)
    form = WithdrawConsentForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            growing_up.withdraw(access, by=current_user, reason=form.reason.data)
        if done.ok:
            flash(_("You have withdrawn consent. From your 18th birthday your parent or carer cannot see your records "
                    "or bookings."), "success")
            return redirect(url_for(".your_record"))
    return _your_record_page(withdraw_form=form, status=form_status(form, done))


# --- staff: consent given in person, or a legal basis ------------------------------------------------------------------

def _staff_page(child: Child, basis_form=None, withdraw_form=None, invite_form=None, status: int = 200):
    showing([child])
    return render_template("growing_up/staff.html", child=child, adult=is_adult(child),
                           eighteenth=growing_up.eighteenth(child), history=growing_up.history(child),
                           basis_form=basis_form or LegalBasisForm(), withdraw_form=withdraw_form or ReasonForm(),
                           invite_form=invite_form or InviteYoungPersonForm(), form=basis_form or withdraw_form or invite_form,
                           pending=growing_up.open_invite(child)), status


def _staff_act(child: Child, form, act, done_message: str, form_name: str):
    """Validate ``form``, run ``act(form)`` (a service), and back to the staff page saying ``done_message``; or the
    page again with the form's errors."""
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            act(form)
        if done.ok:
            flash(done_message, "success")
            showing([])
            return redirect(url_for(".staff_access", child_id=child.id))
    return _staff_page(child, status=form_status(form, done), **{form_name: form})


@bp.route("/staff/children/<int:child_id>/family-access", methods=["GET", "POST"])
@staff_required
@shows_children("family_access")
def staff_access(child_id: int):
    child = get_or_404(Child, child_id)
    return _staff_act(child, LegalBasisForm(), lambda form: growing_up.grant(
        child, AccessBasis(form.basis.data), by=current_user, reference=form.reference.data, reason=form.reason.data),
        _("Recorded. %(parent)s can see and manage %(name)s's records and bookings on this basis.",
          parent=child.parent.name, name=child.first_name), "basis_form")


@bp.post("/staff/children/<int:child_id>/family-access/<int:access_id>/withdraw")
@staff_required
@shows_children("family_access")
def staff_withdraw(child_id: int, access_id: int):
    child = get_or_404(Child, child_id)
    access = get_or_404(FamilyAccess, access_id)
    if access.child_id != child.id:
        abort(404)
    return _staff_act(child, ReasonForm(), lambda form: growing_up.withdraw(access, by=current_user,
                                                                            reason=form.reason.data),
                      _("Ended. The audit trail keeps who ended it, when and why."), "withdraw_form")


@bp.post("/staff/children/<int:child_id>/own-sign-in")
@staff_required
@shows_children("family_access")
def staff_invite(child_id: int):
    child = get_or_404(Child, child_id)
    return _staff_act(child, InviteYoungPersonForm(), lambda form: growing_up.invite(child, form.email.data,
                                                                                     by=current_user),
                      _("We have emailed %(name)s a link to set up their own sign-in.", name=child.first_name),
                      "invite_form")


@bp.app_template_global()
def children_access_ended() -> list[Child]:
    """For family pages: the signed-in parent's children whose records they can no longer see (and why)."""
    return access_ended(current_user)


@bp.app_template_global()
def eighteenth_of(child: Child):
    return growing_up.eighteenth(child)
