"""Two-step sign-in: after the password, a code from an authenticator app (TOTP, RFC 6238, with pyotp), or one of
ten one-use recovery codes when the phone is lost.

Required for council and trust staff, administrators and provider administrators (``User.two_step_required``),
who see many children's records; anyone else may turn it on from their account page. A code is accepted once:
the time step it belongs to must be later than the last one accepted for the account, so a code seen over
someone's shoulder, or replayed from a captured request, does not work again. Setting it up, using a recovery
code, making new ones, turning it off and an administrator's reset are all kept in the audit trail."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import delete, select

from . import rate_limits
from .auth import finish_sign_in, home_for, waiting_for_second_step
from .extensions import db
from .forms import SecurityCodeForm
from .models import RecoveryCode, User, record
from .timeutil import utcnow

bp = Blueprint("two_step", __name__)

STEP_SECONDS = 30  # RFC 6238's time step, which every authenticator app uses
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
TRIES_PER_ACCOUNT = "5 per minute; 20 per hour"  # i18n: not shown (a limit)
ISSUER = "Short Breaks Portal"  # i18n: not shown (the account's name in the authenticator app)


# --- checking codes --------------------------------------------------------------------------------------------

def _digits(entered: str) -> str:
    return re.sub(r"[\s-]", "", entered or "")


def matching_step(secret: str, entered: str, now: float | None = None) -> int | None:
    """The time step whose code ``entered`` is, allowing one step either way for a phone's clock; else None."""
    code = _digits(entered)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp, current = pyotp.TOTP(secret), int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _recovery_hash(entered: str) -> str:
    return hashlib.sha256(_digits(entered).upper().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; only their hashes are kept (each is ten random
    characters, about 50 bits, so a plain SHA-256 is enough, as for API tokens)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def check_code(user: User, entered: str, *, recovery_allowed: bool = False) -> str | None:
    """Accept ``entered`` for ``user`` (remembering it so it is not accepted again) and return None, or return
    what was wrong, in words for the person."""
    rate_limits.check("two-step-account", TRIES_PER_ACCOUNT, f"user:{user.id}")
    step = matching_step(user.totp_secret, entered)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return _("That code has already been used. Wait for your app to show a new code, then enter it.")
        user.totp_last_step = step
        return None
    if recovery_allowed and len(_digits(entered)) == 10:
        used = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(entered),
            RecoveryCode.used_at.is_(None)).with_for_update())
        if used is not None:
            used.used_at = utcnow()
            record("recovery_code_used", user, by=user, left=user.recovery_codes_left())
            return None
    if recovery_allowed:
        return _("The code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes.")
    return _("The code is not right. Enter the 6-digit code your app shows now.")


# --- signing in ------------------------------------------------------------------------------------------------

def _sign_in_again():
    """Too long since the password (or nobody part-way through signing in): back to the start."""
    flash(_("Sign in again: it was more than 10 minutes since you entered your password."), "important")
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def enter_code():
    waiting = waiting_for_second_step()
    if waiting is None or waiting[0].totp_secret is None:
        return _sign_in_again()
    user, next_url = waiting
    form = SecurityCodeForm()
    if form.validate_on_submit():
        problem = check_code(user, form.code.data, recovery_allowed=True)
        if problem is None:
            left = user.recovery_codes_left()
            db.session.commit()
            if not _digits(form.code.data).isdigit():  # a recovery code, not the app's
                flash(_("You signed in with a recovery code. You have %(count)s left: make new ones from your "
                        "account page if your phone is lost.", count=left), "important")
            return finish_sign_in(user, next_url)
        db.session.commit()  # the accepted step is kept even when the answer is no, as is the rate count
        form.code.errors.append(problem)
    return render_template("auth/two_step_code.html", form=form), 422 if form.errors else 200


def _qr_code(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff")
    label = _("QR code to scan with your authenticator app")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))


def _setting_up() -> tuple[User, str | None, bool] | None:
    """Who is setting up two-step sign-in: someone part-way through signing in, or someone signed in."""
    if current_user.is_authenticated:
        return current_user, None, False
    waiting = waiting_for_second_step()
    return (waiting[0], waiting[1], True) if waiting else None


@bp.route("/two-step/set-up", methods=["GET", "POST"])
def set_up():
    setting_up = _setting_up()
    if setting_up is None:
        return _sign_in_again()
    user, next_url, signing_in = setting_up
    if signing_in and user.totp_secret is not None:
        return redirect(url_for(".enter_code"))
    # The secret waits in the (signed) session until a code from it proves the app has it.
    secret = session.get("two_step_secret") if request.method == "POST" else None
    if not secret:
        secret = session["two_step_secret"] = pyotp.random_base32()
    form = SecurityCodeForm()
    if form.validate_on_submit():
        step = matching_step(secret, form.code.data)
        if step is None:
            form.code.errors.append(_("The code is not right. Check your app shows the portal, then enter the "
                                      "6-digit code it shows now."))
        else:
            first_time = user.totp_secret is None
            user.totp_secret, user.totp_last_step, user.two_step_since = secret, step, utcnow()
            codes = new_recovery_codes(user)
            record("two_step_set_up" if first_time else "two_step_set_up_again", user, by=user)
            db.session.commit()
            session.pop("two_step_secret", None)
            if signing_in:
                finish_sign_in(user)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=next_url or home_for(user), first_time=first_time)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return render_template("auth/two_step_set_up.html", form=form, qr_code=_qr_code(uri), user=user,
                           key=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                           signing_in=signing_in), 422 if form.errors else 200


# --- from the account page -------------------------------------------------------------------------------------

def _confirmed_with_code(form: SecurityCodeForm) -> bool:
    if not form.validate_on_submit():
        return False
    problem = check_code(current_user, form.code.data)
    db.session.commit()
    if problem:
        form.code.errors.append(problem)
    return problem is None


@bp.route("/two-step/recovery-codes", methods=["GET", "POST"])
@login_required
def replace_recovery_codes():
    if current_user.totp_secret is None:
        abort(404)
    form = SecurityCodeForm()
    if _confirmed_with_code(form):
        codes = new_recovery_codes(current_user)
        record("recovery_codes_replaced", current_user, by=current_user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"),
                               first_time=False)
    return render_template("auth/two_step_confirm.html", form=form, action="recovery-codes"), \
        422 if form.errors else 200


@bp.route("/two-step/turn-off", methods=["GET", "POST"])
@login_required
def turn_off():
    if current_user.totp_secret is None:
        abort(404)
    if current_user.two_step_required:
        return render_template("auth/two_step_required.html"), 403
    form = SecurityCodeForm()
    if _confirmed_with_code(form):
        current_user.totp_secret = current_user.totp_last_step = current_user.two_step_since = None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == current_user.id))
        record("two_step_turned_off", current_user, by=current_user)
        db.session.commit()
        flash(_("Two-step sign-in is off. You will sign in with your password only."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/two_step_confirm.html", form=form, action="turn-off"), 422 if form.errors else 200


def reset_for(user: User, *, by: User, reason: str) -> None:
    """An administrator's reset (a lost phone with no recovery codes): the account's app and recovery codes are
    forgotten and every session ends; staff set it up again at their next sign-in."""
    user.totp_secret = user.totp_last_step = user.two_step_since = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_sessions()
    record("two_step_reset", user, by=by, reason=reason)

