"""The trust's page of children's nights away on short breaks: the most nights in any twelve months, the longest
run, and when the trust was last told (bookings/nights.py)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal.access import trust_required
from portal.audit import showing, shows_children
from portal.paging import page_arg

from . import nights

bp = Blueprint("trust_nights", __name__, url_prefix="/trust")


@bp.get("/nights-away")
@trust_required
@shows_children("nights_away")
def children():
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = nights.children_with_nights(page, per_page)
    if page > 1 and not rows:
        abort(404)
    showing(row.child for row in rows)
    return render_template("bookings/nights_away.html", rows=rows, total=total, page=page, per_page=per_page,
                           warn_run=current_app.config["NIGHTS_WARN_RUN"],
                           warn_year=current_app.config["NIGHTS_WARN_YEAR"],
                           law_run=nights.REGULATION_RUN, law_year=nights.REGULATION_YEAR)
