"""Accounts: register, sign in and out, reset a forgotten password, choose the language of pages and emails."""
from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from . import email_addresses, notify, rate_limits
from .extensions import db
from .forms import LanguageForm, NewPasswordForm, RegisterForm, ResetRequestForm, SignInForm
from .i18n import LANGUAGES, current_language, in_language
from .models import Role, User, check_password_of_nobody, record
from .timeutil import utcnow

bp = Blueprint("auth", __name__)


def _find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def safe_next(target: str | None) -> str | None:
    """A ?next= address only if it is a path on this site (no scheme, host, control characters or backslashes)."""
    if not target or any(ord(c) < 32 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    if user.role.is_family:
        return url_for("bookings.my_bookings")
    if user.role is Role.TRUST:
        return url_for("commissioning.assessment_requests")
    if user.role is Role.COUNCIL:
        return url_for("approvals.providers")
    if user.role is Role.ADULTS:
        return url_for("money.dashboard")
    if user.role is Role.PROVIDER and user.provider_id is not None:
        return url_for("provider_orgs.dashboard")
    return url_for("local_offer.search")


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if request.method == "POST":
        rate_limits.check("sign-up-address", rate_limits.SIGN_UP_PER_ADDRESS)
    if form.validate_on_submit():
        existing = _find_by_email(form.email.data)
        if existing is not None:
            # The page says the same as for a new address, and the owner is told by email: nobody can use this
            # page to find out who has an account. The same one password hash as a new account's.
            check_password_of_nobody(form.password.data)
            email_addresses.tell_owner(existing)
        else:
            user = User(email=form.email.data.strip().lower(), name=form.name.data.strip(),
                        role=Role(form.account_type.data),
                        # The language the page was in: their emails and pages stay in it after they sign in.
                        language=current_language().code)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            record("account_created", user, by=user)
            email_addresses.send_confirmation(user)
        db.session.commit()
        return render_template("auth/check_email.html", email=form.email.data.strip())
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    user, expired = email_addresses.confirmed_by(token)
    if user is None:
        return render_template("auth/confirm_invalid.html", expired=expired), 410 if expired else 404
    if user.email_confirmed_at is not None:
        flash(_("Your email address is already confirmed. Sign in to carry on."), "success")
        return redirect(url_for("auth.sign_in"))
    user.email_confirmed_at = utcnow()
    record("email_confirmed", user, by=user)
    db.session.commit()
    if user.role.is_family:
        flash(_("Your account has been created. Now add your child's details so we can show breaks that suit "
                "them."), "success")
        return sign_in_as(user, url_for("families.add_child"))
    flash(_("Your email address is confirmed."), "success")
    return sign_in_as(user)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        rate_limits.check("sign-in-address", rate_limits.SIGN_IN_PER_ADDRESS)
        rate_limits.check("sign-in-account", rate_limits.SIGN_IN_PER_ACCOUNT, rate_limits.account_key(form.email.data))
        user = _find_by_email(form.email.data)
        # An unknown address costs the same one password hash as a known one, so timing tells nobody which exist.
        right = user.check_password(form.password.data) if user else check_password_of_nobody(form.password.data)
        if not right or not user.active:
            form.email.errors = [_("The email address or password is not right. Check them and try again.")]
            return render_template("auth/sign_in.html", form=form), 422
        if user.email_confirmed_at is None:  # only someone who knows the password learns this
            email_addresses.send_confirmation(user)
            db.session.commit()
            return render_template("auth/check_email.html", email=user.email, not_confirmed=True)
        return sign_in_as(user, safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


# How long someone has, after their password was accepted, to give the security code.
SECOND_STEP_SECONDS = 10 * 60


def sign_in_as(user: User, next_url: str | None = None):
    """The password (or an invitation, or a sign-up) has shown who this is: sign them in, or, when their account
    takes two-step sign-in, ask for the security code first (or to set it up, the first time for staff)."""
    if not user.needs_two_step:
        return finish_sign_in(user, next_url)
    session["two_step"] = {"user": user.id, "version": user.session_version or 0, "at": int(time.time()),
                           "next": next_url}
    return redirect(url_for("two_step.enter_code" if user.totp_secret else "two_step.set_up"))


def waiting_for_second_step() -> tuple[User, str | None] | None:
    """The person whose password was accepted a moment ago and who has yet to give their code, with where they
    were going; None when nobody is (or it was too long ago, or their sessions have been ended since)."""
    pending = session.get("two_step")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > SECOND_STEP_SECONDS:
        return None
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or not user.active or (user.session_version or 0) != pending.get("version"):
        return None
    return user, pending.get("next")


def finish_sign_in(user: User, next_url: str | None = None):
    session.pop("two_step", None)
    login_user(user)
    user.last_signed_in_at = utcnow()
    # A language chosen on this visit before signing in (the switcher, ?lang=) is the one they want now.
    if session.get("lang") in LANGUAGES and user.language != session["lang"]:
        user.language = session["lang"]
    db.session.commit()
    return redirect(next_url or home_for(user))


# Staff see thousands of children's records: their sessions end after a while without use, and after a day's work.
STAFF = (Role.COUNCIL, Role.TRUST, Role.ADULTS, Role.ADMIN, Role.PROVIDER)


@user_logged_in.connect
def _note_when_signed_in(sender, user) -> None:
    session["signed_in_at"] = session["seen_at"] = int(time.time())


@bp.before_app_request
def _end_staff_sessions_left_too_long():
    """A staff session idle for STAFF_IDLE_MINUTES, or older than STAFF_SESSION_HOURS, is signed out."""
    if not current_user.is_authenticated or current_user.role not in STAFF:
        return None
    now, config = int(time.time()), current_app.config
    idle, longest = config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_SESSION_HOURS"] * 3600
    started, seen = session.get("signed_in_at", now), session.get("seen_at", now)
    if now - started > longest:
        message = _("You have been signed out because you signed in more than %(hours)s hours ago. Sign in again "
                    "to carry on.", hours=config["STAFF_SESSION_HOURS"])
    elif now - seen > idle:
        message = _("You have been signed out because you had not used the portal for %(minutes)s minutes. Sign in "
                    "again to carry on.", minutes=config["STAFF_IDLE_MINUTES"])
    else:
        if now - seen >= 60 or "seen_at" not in session:  # once a minute is enough, and keeps the cookie still
            session["seen_at"] = now
        session.setdefault("signed_in_at", started)
        return None
    logout_user()
    for key in ("signed_in_at", "seen_at"):
        session.pop(key, None)
    flash(message, "important")
    return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))


@bp.post("/sign-out")
@login_required
def sign_out():
    # Every session this person has ends, not only this browser's: a copied cookie stops working too.
    current_user.end_sessions()
    record("signed_out_everywhere", current_user, by=current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("local_offer.search"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token, so a link stops working once the password has changed.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "pw": _password_fingerprint(user)})


@bp.route("/reset-password", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        # Counted whether or not the address has an account, so the limit tells nobody which do.
        rate_limits.check("reset-address", rate_limits.RESET_PER_ADDRESS)
        rate_limits.check("reset-account", rate_limits.RESET_PER_ACCOUNT, rate_limits.account_key(form.email.data))
        user = _find_by_email(form.email.data)
        if user is not None and user.active:
            link = notify.link("auth.reset_password", token=reset_token(user))
            notify.queue(user, _l("Reset your password"), "password_reset", user=user, link=link)
            db.session.commit()
        # The same answer whether or not the address has an account, so nobody can test addresses.
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        payload = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        return render_template("auth/reset_invalid.html", expired=True), 410
    except BadSignature:
        return render_template("auth/reset_invalid.html", expired=False), 404
    user = db.session.get(User, payload.get("user"))
    if user is None or payload.get("pw") != _password_fingerprint(user):
        return render_template("auth/reset_invalid.html", expired=False), 404
    form = NewPasswordForm()
    form.account = user  # the password may not be their own email address or name
    if form.validate_on_submit():
        user.set_password(form.password.data)
        record("password_reset", user, by=user)
        db.session.commit()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    chosen = current_user.language if current_user.language in LANGUAGES else current_language().code
    form = LanguageForm(language=chosen)
    if form.validate_on_submit():
        code = form.language.data
        current_user.language = session["lang"] = code
        db.session.commit()
        # Said in the language just chosen: the next page is in it.
        with in_language(code):
            flash(_("Pages and emails will now be in %(language)s.", language=LANGUAGES[code].name), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", user=current_user, form=form, languages=_language_items(),
                           recovery_codes_left=current_user.recovery_codes_left()), 422 if form.errors else 200


def _language_items() -> list[dict]:
    """Each language's radio: its name in its own script (so that someone who reads only that language finds it),
    and, when it reads differently, its name in the page's language as the hint."""
    items = []
    for language in LANGUAGES.values():
        item = {"label": {"attributes": {"lang": language.code, "dir": language.direction}}}
        in_page_language = _(language.english_name)
        if in_page_language != language.name:
            item["hint"] = {"text": in_page_language}
        items.append(item)
    return items
