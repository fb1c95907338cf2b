"""Who may do what: role checks on views, object checks on what they load."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import Role, User

FAMILY_ROLES = (Role.PARENT_CARER, Role.YOUNG_PERSON)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person a session belongs to, if that session has not been ended (sign-out, a new password, a
    suspension, "sign out everywhere"): the version in the cookie must be the account's current one."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    # A family's children come in the same statement: booking and most other family pages need them, and staff have
    # none (the join finds nothing).
    user = db.session.get(User, int(user_id), options=[joinedload(User.children)])
    if user is None or (user.session_version or 0) != int(version):
        return None
    return user


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


family_required = role_required(*FAMILY_ROLES)
# Commissioners of any body (and administrators); commissioners for children, the council and the children's trust,
# who approve providers and keep the register of disabled children (adult social care buys specialist breaks from
# providers the trust approved); the children's trust's own staff (and administrators).
commissioner_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADULTS, Role.ADMIN)
childrens_commissioner_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADMIN)
trust_required = role_required(Role.TRUST, Role.ADMIN)


def get_or_404(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def owned_or_404(model, object_id: int, owner_attribute: str):
    """Load an object that belongs to the signed-in family; someone else's is 'not found', never shown."""
    found = db.session.get(model, object_id)
    if found is None or getattr(found, owner_attribute) != current_user.id:
        abort(404)
    return found
