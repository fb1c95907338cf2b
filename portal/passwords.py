"""What makes a password acceptable, checked in one place for every form that sets one (registration, a
provider's sign-up, accepting an invitation, a reset), each refusal saying which rule was broken:

- 10 to 200 characters, and not only spaces;
- not one of the 20,000 most common passwords (portal/data/common-passwords.txt.gz), ignoring case;
- not the person's own email address, the part of it before the @, or their name (ignoring case and spaces).

Length beats complexity rules (NCSC password guidance): no demands for symbols or digits."""
from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation

COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
SHORTEST, LONGEST = 10, 200


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _squeezed(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def password_problem(password: str, *, email: str | None = None, name: str | None = None):
    """Why this password is refused (a lazily translated message), or None if it is acceptable."""
    if len(password) < SHORTEST:
        return _l("Your password must be at least 10 characters long")
    if len(password) > LONGEST:
        return _l("Your password must be 200 characters or fewer")
    if not password.strip():
        return _l("Your password must have letters, numbers or symbols in it, not only spaces")
    if password.strip().casefold() in common_passwords():
        return _l("That is one of the most common passwords, so it is easy to guess. Choose a different one")
    squeezed = _squeezed(password)
    own = {_squeezed(email), _squeezed((email or "").split("@")[0]), _squeezed(name)} - {""}
    if any(part in squeezed for part in own if len(part) >= 4) or squeezed in own:
        return _l("Your password must not contain your email address or your name")
    return None


def _field(form, *names: str) -> str | None:
    for name in names:
        value = getattr(getattr(form, name, None), "data", None)
        if value:
            return value
    return None


class AcceptablePassword:
    """A WTForms validator: password_problem with the form's own email and name fields, or those of the account
    or invitation the view puts on the form as ``form.account`` (a reset; accepting an invitation)."""

    def __call__(self, form, field) -> None:
        account = getattr(form, "account", None)
        email = _field(form, "email", "admin_email") or getattr(account, "email", None)
        name = _field(form, "name", "admin_name") or getattr(account, "name", None)
        problem = password_problem(field.data or "", email=email, name=name)
        if problem is not None:
            raise StopValidation(str(problem))
