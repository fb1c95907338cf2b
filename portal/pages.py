"""Pages every service has: health check and accessibility statement."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from .extensions import db

bp = Blueprint("pages", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")
