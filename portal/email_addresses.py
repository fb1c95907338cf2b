"""Proving an email address belongs to the person who typed it, without telling anyone which addresses have
accounts.

Someone who signs up is sent a link to confirm their address, and cannot sign in until they follow it; someone
who signs up with an address that already has an account sees exactly the same page, and the address's owner is
emailed instead ("did you mean to sign in?"). Both paths do the same one password hash."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import notify
from .extensions import db
from .models import User

CONFIRM_MAX_AGE = 3 * 24 * 60 * 60  # seconds: a confirmation link works for three days


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email")


def confirmation_link(user: User) -> str:
    """A link that confirms this account's address (and only while the account has that address)."""
    return notify.link("auth.confirm_email", token=_serializer().dumps({"user": user.id, "email": user.email}))


def send_confirmation(user: User) -> None:
    notify.queue(user, _l("Confirm your email address"), "confirm_email", user=user, link=confirmation_link(user))


def tell_owner(user: User) -> None:
    """Someone tried to make an account with this person's address: tell them, rather than the page."""
    notify.queue(user, _l("Someone tried to create an account with your email address"), "address_taken", user=user,
                 sign_in=notify.link("auth.sign_in"), reset=notify.link("auth.request_reset"))


def confirmed_by(token: str) -> tuple[User | None, bool]:
    """The account a confirmation link is for, and whether the link has expired; (None, False) if it is not one
    of ours or the account's address has changed since."""
    try:
        payload = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        return None, True
    except BadSignature:
        return None, False
    user = db.session.get(User, payload.get("user") or 0) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("email"):
        return None, False
    return user, False
