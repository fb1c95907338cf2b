"""Who may do what: role checks on views, object checks on what they load."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db, login_manager
from .models import Role, User

FAMILY_ROLES = (Role.PARENT_CARER, Role.YOUNG_PERSON)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


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
