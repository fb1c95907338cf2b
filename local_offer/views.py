"""The local offer: every short break in the area, whoever commissions it, in one place."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from bookings import demand
from bookings.places import booking_closes_at, bookings_open
from feedback import services as feedback
from feedback.models import Feedback
from portal import assessments, page_cache
from portal.access import family_children, family_required
from portal.extensions import db
from portal.formatting import london
from portal.forms import AssessmentRequestForm
from portal.models import AuditEvent, Locality, has_approved_assessment
from portal.paging import page_arg
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    Offer,
    OfferFeature,
    OfferNeed,
    OfferStatus,
    Provider,
    ProviderStatus,
    Session,
    SessionSeries,
    SessionStatus,
)

from .search import DAYS, SORTS, OfferFilters, ResultsPage, localities, search_offers

bp = Blueprint("local_offer", __name__)

SESSIONS_PER_PAGE = 20

# The public pages here, the Open Referral feed and offers' calendars are built from these tables (places left come
# from bookings): a commit that writes to one of them means a kept copy of a public page is not used again.
page_cache.watch(Offer, OfferNeed, OfferFeature, Session, SessionSeries, Booking, Provider, Locality, Feedback)
# The feed's last_modified comes from the audit trail's entries about offers, providers, sessions and series.
page_cache.watch(AuditEvent, when=lambda event: event.subject_type in ("Offer", "Provider", "Session", "SessionSeries"))


def _family():
    if current_user.is_authenticated and current_user.role.is_family:
        return current_user
    return None


@bp.get("/")
def home():
    return render_template("local_offer/home.html")


# What a search's address may hold; an offer's page keeps these (as ?search=) for its "Back to search" link.
SEARCH_ARGS = ("q", "child", "age", "tier", "need", "locality", "day", "from", "to", "cost", "feature", "sort", "page")
LONGEST_SEARCH = 2000


def search_args(raw: str) -> str:
    """The search's filters from a query string, as a query string holding only what the search page reads."""
    pairs = [(k, v) for k, v in parse_qsl(raw[:LONGEST_SEARCH]) if k in SEARCH_ARGS and v]
    return urlencode(sorted(pairs, key=lambda pair: SEARCH_ARGS.index(pair[0])))


@bp.get("/local-offer")
@page_cache.cached
def search():
    family = _family()
    filters = OfferFilters.from_args(request.args, family=family)
    found = ResultsPage([], 0, 1, 1, page_arg())
    if not filters.errors:
        found = search_offers(filters, page_arg(), current_app.config["PAGE_SIZE"])
        if found.total == 0 and filters.active:
            demand.note_empty_search(filters.for_insight())
            db.session.commit()
    return render_template(
        "local_offer/search.html", filters=filters, found=found, sorts=SORTS,
        back=search_args(request.query_string.decode("utf-8", "replace")),
        localities=localities(), days=list(enumerate(DAYS)), children=family_children(family) if family else [],
    ), 400 if filters.errors else 200


def _published_offer_or_404(offer_id: int) -> Offer:
    offer = db.session.scalar(
        select(Offer).options(joinedload(Offer.provider), joinedload(Offer.locality),
                              selectinload(Offer.need_rows), selectinload(Offer.feature_rows))
        .where(Offer.id == offer_id)
    )
    if offer is None or offer.status is not OfferStatus.PUBLISHED or offer.provider.status is not ProviderStatus.APPROVED:
        abort(404)
    return offer


@bp.get("/local-offer/<int:offer_id>")
@page_cache.cached
def offer(offer_id: int):
    offer = _published_offer_or_404(offer_id)
    page = page_arg()
    sessions = db.session.scalars(
        select(Session).where(Session.offer_id == offer.id, Session.status == SessionStatus.OPEN,
                              Session.starts_at > utcnow())
        .order_by(Session.starts_at, Session.id).limit(SESSIONS_PER_PAGE + 1).offset((page - 1) * SESSIONS_PER_PAGE)
    ).all()
    more = len(sessions) > SESSIONS_PER_PAGE
    family = _family()
    assessed = []
    if family is not None and offer.needs_assessment:
        assessed = [c for c in family_children(family) if has_approved_assessment(c)]
    now = utcnow()
    closed = {s.id: _("Booking closed %(when)s", when=london(booking_closes_at(s)))
              for s in sessions[:SESSIONS_PER_PAGE] if not bookings_open(s, now)}
    back = search_args(request.args.get("search", ""))
    return render_template("local_offer/offer.html", offer=offer, sessions=sessions[:SESSIONS_PER_PAGE],
                           page=page, more=more, family=family, assessed=assessed, closed=closed,
                           search=back or None,
                           back_to_search=url_for("local_offer.search") + ("?" + back if back else ""),
                           rated=feedback.offer_summary(offer.id), feedback=feedback, threshold=feedback.threshold())


@bp.route("/local-offer/<int:offer_id>/ask-for-assessment", methods=["GET", "POST"])
@family_required
def ask_for_assessment(offer_id: int):
    offer = _published_offer_or_404(offer_id)
    form = AssessmentRequestForm()
    children = family_children(current_user)
    form.child_id.choices = [(c.id, c.full_name) for c in children]
    if not form.child_id.choices:
        flash(_("Add your child's details first, then ask for an assessment."), "info")
        return redirect(url_for("families.add_child"))
    if form.validate_on_submit():
        child = next(c for c in children if c.id == form.child_id.data)
        assessments.ask(current_user, child, offer.id, form.message.data)
        db.session.commit()
        flash(_("We have sent your request to the children's trust. Someone will contact you within 10 working days."),
              "success")
        return redirect(url_for("families.assessments"))
    return render_template("local_offer/ask_for_assessment.html", offer=offer, form=form), 422 if form.errors else 200
