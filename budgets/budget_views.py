"""Personal budgets: the trust's panel decisions, the family's balance, direct payment monitoring."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("budgets", __name__)


@bp.get("/money")
def family_money():  # placeholder: the family's budgets page is built in this module
    return "", 204
