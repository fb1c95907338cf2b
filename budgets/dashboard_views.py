"""The commissioner's money pages: envelopes, the dashboard, CSV exports, provider remittance."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("money", __name__)


@bp.get("/money/dashboard")
def dashboard():  # placeholder: the commissioner dashboard is built in this module
    return "", 204
