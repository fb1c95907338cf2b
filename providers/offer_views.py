"""A provider's own offers: create, change, send for approval and withdraw. Only its own staff see them."""
from __future__ import annotations

import math

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
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.attempts import attempt, form_status
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.models import Locality
from portal.paging import page_arg

from . import offers as offer_services
from . import organisations
from .models import SUPPORT_OFFERED, Body, Offer, OfferStatus
from .offer_forms import OfferForm, WithdrawOfferForm
from .organisation_views import provider_staff_required

bp = Blueprint("provider_offers", __name__)

STATUS_FILTERS = {s.value: s for s in OfferStatus}


@bp.context_processor
def _support_labels():
    return {"SUPPORT_OFFERED": SUPPORT_OFFERED}


def _own_offer_or_404(offer_id: int) -> Offer:
    """Another provider's offer is 'not found', never shown."""
    offer = db.session.scalar(
        select(Offer).options(joinedload(Offer.provider), joinedload(Offer.locality), selectinload(Offer.need_rows),
                              selectinload(Offer.feature_rows))
        .where(Offer.id == offer_id)
    )
    if offer is None or offer.provider_id != current_user.provider_id:
        abort(404)
    return offer


def _locality_choices() -> list[tuple[int, str]]:
    return [(0, _("Select an area"))] + [(loc.id, loc.name) for loc in db.session.scalars(select(Locality).order_by(Locality.name))]


@bp.get("/provider/offers")
@provider_staff_required
def offers():
    status = STATUS_FILTERS.get(request.args.get("status", ""))
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    query = select(Offer).where(Offer.provider_id == current_user.provider_id)
    if status is not None:
        query = query.where(Offer.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Offer.title, Offer.id).limit(size).offset((page - 1) * size)).all()
    return render_template("providers/offers/list.html", offers=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / size)), status=status, statuses=list(OfferStatus))


@bp.route("/provider/offers/new", methods=["GET", "POST"])
@provider_staff_required
def new_offer():
    form = OfferForm()
    form.locality_id.choices = _locality_choices()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            offer = offer_services.create_offer(current_user.provider, form.details(), by=current_user)
        if done.ok:
            flash(_("'%(title)s' has been saved as a draft. Send it for approval when it is ready.", title=offer.title),
                  "success")
            return redirect(url_for(".offer", offer_id=offer.id))
    return render_template("providers/offers/form.html", form=form, offer=None), form_status(form, done)


@bp.get("/provider/offers/<int:offer_id>")
@provider_staff_required
def offer(offer_id: int):
    offer = _own_offer_or_404(offer_id)
    return _render_offer(offer, ConfirmForm())


def _render_offer(offer: Offer, form, status: int = 200):
    return render_template("providers/offers/offer.html", offer=offer, form=form,
                           history=organisations.history(offer),
                           labels=organisations.translated_labels(offer_services.ACTION_LABELS),
                           booked=offer_services.upcoming_booked_places(offer)), status


@bp.route("/provider/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@provider_staff_required
def edit_offer(offer_id: int):
    offer = _own_offer_or_404(offer_id)
    if offer.status is OfferStatus.WITHDRAWN:
        flash(_("This offer has been withdrawn, so it cannot be changed. Create a new offer instead."), "info")
        return redirect(url_for(".offer", offer_id=offer.id))
    form = OfferForm()
    form.locality_id.choices = _locality_choices()
    if not form.is_submitted():
        form.fill(offer_services.OfferDetails.of(offer))
    done = None
    if form.validate_on_submit():
        was_pending = offer.has_pending_change
        with attempt(form) as done:
            offer_services.update_offer(offer, form.details(), by=current_user)
        if done.ok:
            if offer.has_pending_change:
                flash(_("Your changes have been saved. The new tier or price has been sent to the council for "
                        "approval; until then families see the current ones.")
                      if offer.approving_body is Body.COUNCIL else
                      _("Your changes have been saved. The new tier or price has been sent to the children's trust for "
                        "approval; until then families see the current ones."), "success")
            elif was_pending:
                flash(_("Your changes have been saved, and your request to change the tier or price has been taken "
                        "back."), "success")
            elif offer.status is OfferStatus.PUBLISHED:
                flash(_("Your changes have been saved and are now in the local offer."), "success")
            else:
                flash(_("Your changes have been saved."), "success")
            return redirect(url_for(".offer", offer_id=offer.id))
    return render_template("providers/offers/form.html", form=form, offer=offer), form_status(form, done)


@bp.post("/provider/offers/<int:offer_id>/submit")
@provider_staff_required
def submit_offer(offer_id: int):
    offer = _own_offer_or_404(offer_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(form) as done:
        offer_services.submit_offer(offer, by=current_user)
    if not done.ok:
        return _render_offer(offer, form, done.status)
    flash(_("'%(title)s' has been sent to the council for approval.", title=offer.title)
          if offer.approving_body is Body.COUNCIL else
          _("'%(title)s' has been sent to the children's trust for approval.", title=offer.title), "success")
    return redirect(url_for(".offer", offer_id=offer.id))


@bp.route("/provider/offers/<int:offer_id>/withdraw", methods=["GET", "POST"])
@provider_staff_required
def withdraw_offer(offer_id: int):
    offer = _own_offer_or_404(offer_id)
    form = WithdrawOfferForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            offer_services.withdraw_offer(offer, by=current_user, reason=form.reason.data)
        if done.ok:
            flash(_("'%(title)s' has been withdrawn. It is no longer in the local offer.", title=offer.title), "success")
            return redirect(url_for(".offer", offer_id=offer.id))
    return render_template("providers/offers/withdraw.html", offer=offer, form=form,
                           booked=offer_services.upcoming_booked_places(offer)), form_status(form, done)
