"""Provider organisations' own pages: signing up, the dashboard, details, staff, invitations and API tokens."""
from __future__ import annotations

import math
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import case, func, or_, select

from portal import email_addresses, rate_limits
from portal.attempts import attempt, form_status
from portal.auth import sign_in_as
from portal.extensions import db
from portal.forms import AcceptInviteForm, ConfirmForm
from portal.models import Role, User, check_password_of_nobody
from portal.paging import page_arg
from portal.timeutil import utcnow

from . import organisations
from .models import (
    ApiToken,
    Body,
    Offer,
    OfferStatus,
    ProviderInvite,
    ProviderStatus,
    Session,
    SessionStatus,
    WaitingListEntry,
    WaitingStatus,
)
from .organisation_forms import (
    AdminRightsForm,
    ApiTokenForm,
    EditOrganisationForm,
    InviteForm,
    SignUpForm,
)
from .tokens import create_token, revoke_token

bp = Blueprint("provider_orgs", __name__)


def provider_staff_required(view):
    """Signed in as staff of a provider organisation (any status); the view acts on that organisation only."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role is not Role.PROVIDER or current_user.provider_id is None:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def provider_admin_required(view):
    @wraps(view)
    @provider_staff_required
    def wrapped(*args, **kwargs):
        if not current_user.is_provider_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.app_context_processor
def _session_pages():
    # The sessions area is another blueprint; link to it only where it is registered.
    return {"session_pages": "provider_sessions.offer_sessions" in current_app.view_functions}


# --- signing up -------------------------------------------------------------------------------------

@bp.route("/provider/sign-up", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return render_template("providers/organisations/signed_in.html")
    form = SignUpForm(today=organisations.london_today())
    done = None
    if request.method == "POST":
        rate_limits.check("sign-up-address", rate_limits.SIGN_UP_PER_ADDRESS)
    if form.validate_on_submit():
        existing = organisations.find_user_by_email(form.admin_email.data)
        if existing is not None:
            # The same page as for a new address, and the address's owner is told by email (portal.email_addresses).
            check_password_of_nobody(form.password.data)
            email_addresses.tell_owner(existing)
            db.session.commit()
            return render_template("auth/check_email.html", email=form.admin_email.data.strip())
        with attempt(form) as done:
            organisations.sign_up(form.details(), form.tiers(), admin_name=form.admin_name.data,
                                  admin_email=form.admin_email.data, password=form.password.data,
                                  today=organisations.london_today())
        if done.ok:
            # The emailed link confirms the address; then two-step sign-in is set up, then the dashboard.
            return render_template("auth/check_email.html", email=form.admin_email.data.strip())
    return render_template("providers/organisations/sign_up.html", form=form), form_status(form, done)


# --- the dashboard ------------------------------------------------------------------------------------

ATTENTION_LIMIT = 20


@bp.get("/provider")
@provider_staff_required
def dashboard():
    provider = current_user.provider
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    now = utcnow()
    upcoming = (Session.status == SessionStatus.OPEN, Session.starts_at > now, Offer.provider_id == provider.id)
    total = db.session.scalar(select(func.count(Session.id)).join(Session.offer).where(*upcoming))
    waiting = (select(func.count(WaitingListEntry.id))
               .where(WaitingListEntry.session_id == Session.id, WaitingListEntry.status == WaitingStatus.WAITING)
               .correlate(Session).scalar_subquery())
    sessions = db.session.execute(
        select(Session, Offer.title, Offer.id, waiting.label("waiting")).join(Session.offer).where(*upcoming)
        .order_by(Session.starts_at, Session.id).limit(size).offset((page - 1) * size)
    ).all()
    pending_change = or_(Offer.pending_tier.is_not(None), Offer.pending_price_pence.is_not(None))
    counts = {status: (number, changes) for status, number, changes in db.session.execute(
        select(Offer.status, func.count(Offer.id), func.count(case((pending_change, 1))))
        .where(Offer.provider_id == provider.id).group_by(Offer.status)
    )}
    attention = db.session.scalars(
        select(Offer).where(Offer.provider_id == provider.id,
                            or_(Offer.status.in_([OfferStatus.SUBMITTED, OfferStatus.RETURNED]),
                                (Offer.status == OfferStatus.PUBLISHED)
                                & (pending_change | Offer.review_comments.is_not(None))))
        .order_by(Offer.status, Offer.title, Offer.id).limit(ATTENTION_LIMIT)
    ).all()
    return render_template(
        "providers/organisations/dashboard.html", provider=provider, sessions=sessions, total=total, page=page,
        pages=max(1, math.ceil(total / size)), counts=counts, attention=attention,
        insurance=organisations.insurance_state(provider, organisations.london_today()), statuses=OfferStatus,
        how_full=organisations.how_full,
    )


# --- the organisation's details ----------------------------------------------------------------------

@bp.get("/provider/organisation")
@provider_staff_required
def organisation():
    provider = current_user.provider
    return render_template("providers/organisations/organisation.html", provider=provider,
                           history=organisations.history(provider),
                           labels=organisations.translated_labels(organisations.ACTION_LABELS),
                           insurance=organisations.insurance_state(provider, organisations.london_today()))


@bp.route("/provider/organisation/edit", methods=["GET", "POST"])
@provider_admin_required
def edit_organisation():
    provider = current_user.provider
    form = EditOrganisationForm(obj=provider, today=organisations.london_today())
    if provider.pending_name and not form.is_submitted():
        form.name.data = provider.pending_name  # the name as the provider last asked for it
    done = None
    if form.validate_on_submit():
        was_returned = provider.status is ProviderStatus.RETURNED
        asked = provider.pending_name
        with attempt(form) as done:
            organisations.update_details(provider, form.details(), by=current_user, today=organisations.london_today())
        if done.ok:
            if was_returned:
                message = _("Your details have been saved and sent for approval again.")
            elif provider.pending_name and provider.pending_name != asked:
                message = (_("Your organisation's details have been saved. Your new name has been sent to the council "
                             "for approval; families see %(name)s until then.", name=provider.name)
                           if provider.approving_body is Body.COUNCIL else
                           _("Your organisation's details have been saved. Your new name has been sent to the "
                             "children's trust for approval; families see %(name)s until then.", name=provider.name))
            else:
                message = _("Your organisation's details have been saved.")
            flash(message, "success")
            return redirect(url_for(".organisation"))
    return render_template("providers/organisations/edit.html", provider=provider, form=form), form_status(form, done)


# --- staff and invitations -------------------------------------------------------------------------

def _staff_member_or_404(staff_id: int) -> User:
    member = db.session.get(User, staff_id)
    if member is None or member.provider_id != current_user.provider_id or member.role is not Role.PROVIDER:
        abort(404)
    return member


def _render_staff(form=None, status: int = 200):
    provider = current_user.provider
    members = db.session.scalars(
        select(User).where(User.provider_id == provider.id, User.role == Role.PROVIDER)
        .order_by(User.active.desc(), User.name, User.id)
    ).all()
    return render_template("providers/organisations/staff.html", provider=provider, members=members,
                           invites=organisations.open_invites(provider), form=form or ConfirmForm()), status


@bp.get("/provider/staff")
@provider_staff_required
def staff():
    return _render_staff()


@bp.route("/provider/staff/invite", methods=["GET", "POST"])
@provider_admin_required
def invite():
    form = InviteForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            invitation, _token = organisations.invite_staff(current_user.provider, form.email.data, by=current_user)
        if done.ok:
            flash(ngettext("We have emailed an invitation to %(email)s. The link works for %(num)s day.",
                           "We have emailed an invitation to %(email)s. The link works for %(num)s days.",
                           organisations.INVITE_VALID_DAYS, email=invitation.email), "success")
            return redirect(url_for(".staff"))
        # A refusal here is about the address typed, so it is shown beside the email field.
        form.email.errors.append(form.form_errors.pop())
    return render_template("providers/organisations/invite.html", form=form), form_status(form, done)


@bp.post("/provider/invites/<int:invite_id>/cancel")
@provider_admin_required
def cancel_invite(invite_id: int):
    invitation = db.session.get(ProviderInvite, invite_id)
    if invitation is None or invitation.provider_id != current_user.provider_id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(form) as done:
        organisations.revoke_invite(invitation, by=current_user)
    if not done.ok:
        return _render_staff(form, done.status)
    flash(_("The invitation to %(email)s has been cancelled.", email=invitation.email), "success")
    return redirect(url_for(".staff"))


@bp.route("/provider/staff/<int:staff_id>/remove", methods=["GET", "POST"])
@provider_admin_required
def remove_staff(staff_id: int):
    member = _staff_member_or_404(staff_id)
    form = ConfirmForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            organisations.remove_staff(member, by=current_user)
        if done.ok:
            flash(_("%(name)s has been removed. They can no longer sign in.", name=member.name), "success")
            return redirect(url_for(".staff"))
    return render_template("providers/organisations/remove_staff.html", member=member,
                           form=form), form_status(form, done)


@bp.post("/provider/staff/<int:staff_id>/admin")
@provider_admin_required
def admin_rights(staff_id: int):
    member = _staff_member_or_404(staff_id)
    form = AdminRightsForm()
    if not form.validate_on_submit():
        return _render_staff(form, 422)
    with attempt(form) as done:
        organisations.set_admin(member, form.make_admin.data == "yes", by=current_user)
    if not done.ok:
        return _render_staff(form, done.status)
    flash(_("%(name)s is now an administrator.", name=member.name) if member.is_provider_admin
          else _("%(name)s is no longer an administrator.", name=member.name), "success")
    return redirect(url_for(".staff"))


@bp.route("/provider/invites/<invite_token>", methods=["GET", "POST"])
def accept_invite(invite_token: str):
    invitation = organisations.find_invite(invite_token)
    if invitation is None:
        return render_template("providers/organisations/invite_invalid.html"), 404
    form = AcceptInviteForm()
    form.account = invitation  # the password may not be the invited email address
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            member = organisations.accept_invite(invitation, name=form.name.data, password=form.password.data)
        if done.ok:
            flash(_("Welcome to %(name)s. Your account is ready.", name=invitation.provider.name), "success")
            return sign_in_as(member, url_for(".dashboard"))
    return render_template("providers/organisations/accept_invite.html", invitation=invitation,
                           form=form), form_status(form, done)


# --- API tokens (the token service belongs to the API area: providers.tokens) ------------------------

def _render_tokens(form, status: int = 200, created: tuple | None = None):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.provider_id == current_user.provider_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ).all()
    return render_template("providers/organisations/api_tokens.html", tokens=tokens, form=form, created=created,
                           confirm=ConfirmForm()), status


@bp.route("/provider/api-tokens", methods=["GET", "POST"])
@provider_admin_required
def api_tokens():
    form = ApiTokenForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            token, plaintext = create_token(current_user.provider, form.name.data.strip(), by=current_user)
        if done.ok:
            # Shown once, on this answer only: it is stored hashed and cannot be shown again.
            return _render_tokens(ApiTokenForm(formdata=None), created=(token, plaintext))
    return _render_tokens(form, form_status(form, done))


@bp.post("/provider/api-tokens/<int:api_token_id>/revoke")
@provider_admin_required
def revoke_api_token(api_token_id: int):
    token = db.session.get(ApiToken, api_token_id)
    if token is None or token.provider_id != current_user.provider_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    form = ApiTokenForm(formdata=None)
    with attempt(form) as done:
        revoke_token(token, by=current_user)
    if not done.ok:
        return _render_tokens(form, done.status)
    flash(_("The token '%(name)s' has been revoked. Anything using it can no longer reach the API.", name=token.name),
          "success")
    return redirect(url_for(".api_tokens"))
