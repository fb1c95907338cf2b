"""Commissioners' approval queues: providers and offers waiting for a decision, and the history of each one.

The council decides for universal and targeted breaks, the children's trust for specialist ones; an
administrator may act for either.
"""
from __future__ import annotations

import math
from datetime import date

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
from flask_login import current_user
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from portal.access import role_required
from portal.attempts import attempt, form_status
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import pounds
from portal.models import ACCESSIBILITY, NEEDS, AuditEvent, Locality, Role
from portal.paging import page_arg
from providers import offers as offer_services
from providers import organisations
from providers.models import (
    SUPPORT_OFFERED,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Tier,
)
from providers.offer_forms import OfferDecisionForm
from providers.organisation_forms import NameDecisionForm, ProviderDecisionForm

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

commissioner_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADMIN)

PROVIDER_VIEWS = {
    "waiting": "Waiting for a decision",
    "insurance": "Insurance running out",
    "approved": "Approved",
    "suspended": "Suspended",
    "returned": "Returned",
    "all": "All providers",
}
DECISIONS_BY_STATUS = {
    ProviderStatus.PENDING: ["approve", "return"],
    ProviderStatus.APPROVED: ["suspend"],
    ProviderStatus.SUSPENDED: ["reinstate"],
    ProviderStatus.RETURNED: [],
}


@bp.context_processor
def _support_labels():
    return {"SUPPORT_OFFERED": SUPPORT_OFFERED}


def _provider_scope():
    body = organisations.body_of(current_user)
    return true() if body is None else Provider.approving_body == body


def _offer_scope():
    """Offers this commissioner decides on: by the tier asked for (a pending change of tier included)."""
    body = organisations.body_of(current_user)
    if body is None:
        return true()
    tier = func.coalesce(Offer.pending_tier, Offer.tier, type_=Offer.tier.type)
    return tier.in_(body.tiers)


def _waiting_since(subject, actions: list[str]):
    """When the subject last asked for a decision, from the audit trail."""
    return (select(func.max(AuditEvent.at))
            .where(AuditEvent.subject_type == subject.__name__, AuditEvent.subject_id == subject.id,
                   AuditEvent.action.in_(actions))
            .correlate(subject).scalar_subquery())


@bp.get("/providers")
@commissioner_required
def providers():
    show = request.args.get("show", "waiting")
    if show not in PROVIDER_VIEWS:
        show = "waiting"
    today = organisations.london_today()
    expiring = organisations.insurance_expiring_clause(today) & (Provider.status != ProviderStatus.RETURNED)
    condition = {
        "waiting": (Provider.status == ProviderStatus.PENDING) | Provider.pending_name.is_not(None),
        "insurance": expiring,
        "approved": Provider.status == ProviderStatus.APPROVED,
        "suspended": Provider.status == ProviderStatus.SUSPENDED,
        "returned": Provider.status == ProviderStatus.RETURNED,
        "all": true(),
    }[show]
    scope = _provider_scope()
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    total, insurance_count = db.session.execute(
        select(func.count(Provider.id).filter(condition), func.count(Provider.id).filter(expiring)).where(scope)
    ).one()
    since = _waiting_since(Provider, ["provider_signed_up", "provider_resubmitted", "provider_name_change_requested"])
    rows = db.session.execute(
        select(Provider, since.label("since")).where(scope, condition)
        .order_by({"waiting": since, "insurance": Provider.insurance_expires_on}.get(show, Provider.name), Provider.id)
        .limit(size).offset((page - 1) * size)
    ).all()
    return render_template("approvals/providers.html", rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / size)), show=show, views=PROVIDER_VIEWS,
                           insurance_count=insurance_count, today=today)


def _decidable_provider_or_403(provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        abort(404)
    if not organisations.can_decide(current_user, provider.approving_body):
        abort(403)
    return provider


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@commissioner_required
def provider(provider_id: int):
    provider = _decidable_provider_or_403(provider_id)
    form = ProviderDecisionForm(decisions=DECISIONS_BY_STATUS[provider.status])
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            message = _decide_provider(provider, form.decision.data, form.reason.data)
        if done.ok:
            flash(message, "success")
            return redirect(url_for(".provider", provider_id=provider.id))
    return _provider_page(provider, form, NameDecisionForm(formdata=None), form_status(form, done))


@bp.post("/providers/<int:provider_id>/name")
@commissioner_required
def provider_name(provider_id: int):
    provider = _decidable_provider_or_403(provider_id)
    name_form = NameDecisionForm()
    form = ProviderDecisionForm(formdata=None, decisions=DECISIONS_BY_STATUS[provider.status])
    if not name_form.validate_on_submit():
        return _provider_page(provider, form, name_form, 422)
    asked = provider.pending_name
    with attempt(name_form) as done:
        if name_form.name_decision.data == "approve":
            organisations.approve_name(provider, by=current_user, reason=name_form.name_reason.data)
            message = f"The new name {asked} has been approved. We have emailed the provider's staff."
        else:
            organisations.refuse_name(provider, name_form.name_reason.data, by=current_user)
            message = (f"The new name {asked} has been refused with your reasons, and {provider.name} keeps its "
                       "name. We have emailed the provider's staff.")
    if not done.ok:
        return _provider_page(provider, form, name_form, done.status)
    flash(message, "success")
    return redirect(url_for(".provider", provider_id=provider.id))


def _provider_page(provider: Provider, form: ProviderDecisionForm, name_form: NameDecisionForm, status: int):
    offers = db.session.execute(
        select(Offer.status, func.count(Offer.id)).where(Offer.provider_id == provider.id).group_by(Offer.status)
    ).all()
    return render_template("approvals/provider.html", provider=provider, form=form, name_form=name_form,
                           history=organisations.history(provider), labels=organisations.ACTION_LABELS,
                           insurance=organisations.insurance_state(provider, organisations.london_today()),
                           offer_counts={s: n for s, n in offers}), status


def _decide_provider(provider: Provider, decision: str, reason: str) -> str:
    if decision == "approve":
        organisations.approve_provider(provider, by=current_user, reason=reason)
        return f"{provider.name} has been approved. We have emailed its staff."
    if decision == "return":
        organisations.return_provider(provider, reason, by=current_user)
        return f"{provider.name}'s application has been returned with your reasons. We have emailed its staff."
    if decision == "suspend":
        told = organisations.suspend_provider(provider, reason, by=current_user)
        return (f"{provider.name} has been suspended. Its sessions cannot be booked, and we have emailed "
                f"{told} famil{'y' if told == 1 else 'ies'} with places booked.")
    if decision == "reinstate":
        told = organisations.reinstate_provider(provider, reason, by=current_user)
        return (f"{provider.name} has been reinstated. Families can book again, and we have emailed "
                f"{told} famil{'y' if told == 1 else 'ies'} with places booked.")
    raise DomainError("Select your decision.")


@bp.get("/offers")
@commissioner_required
def offers():
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    waiting = or_(Offer.status == OfferStatus.SUBMITTED,
                  (Offer.status == OfferStatus.PUBLISHED)
                  & (Offer.pending_tier.is_not(None) | Offer.pending_price_pence.is_not(None)))
    scope = _offer_scope()
    total = db.session.scalar(select(func.count(Offer.id)).where(waiting, scope))
    since = _waiting_since(Offer, ["offer_submitted", "offer_change_requested"])
    rows = db.session.execute(
        select(Offer, since.label("since")).options(joinedload(Offer.provider)).where(waiting, scope)
        .order_by(since, Offer.id).limit(size).offset((page - 1) * size)
    ).all()
    return render_template("approvals/offers.html", rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / size)))


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@commissioner_required
def offer(offer_id: int):
    offer = db.session.scalar(
        select(Offer).options(joinedload(Offer.provider), joinedload(Offer.locality), selectinload(Offer.need_rows),
                              selectinload(Offer.feature_rows)).where(Offer.id == offer_id)
    )
    if offer is None:
        abort(404)
    if not organisations.can_decide(current_user, offer.approving_body):
        abort(403)
    form = OfferDecisionForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            message = _decide_offer(offer, form.decision.data, form.comments.data)
        if done.ok:
            flash(message, "success")
            return redirect(url_for(".offers"))
    waiting = offer.status is OfferStatus.SUBMITTED or (offer.status is OfferStatus.PUBLISHED and offer.has_pending_change)
    return render_template("approvals/offer.html", offer=offer, form=form, waiting=waiting,
                           history=organisations.history(offer), labels=offer_services.ACTION_LABELS), form_status(form, done)


def _decide_offer(offer: Offer, decision: str, comments: str) -> str:
    change = offer.status is OfferStatus.PUBLISHED
    if decision == "approve":
        offer_services.approve_offer(offer, by=current_user, note=comments)
        if change:
            return f"The change to '{offer.title}' has been approved and is now in the local offer."
        return f"'{offer.title}' has been approved and published in the local offer."
    offer_services.return_offer(offer, comments, by=current_user)
    if change:
        return f"The change to '{offer.title}' has been returned to {offer.provider.name} with your comments."
    return f"'{offer.title}' has been returned to {offer.provider.name} with your comments."


# --- the history tables --------------------------------------------------------------------------------

FIELD_LABELS = {
    "name": "Name", "email": "Email", "phone": "Phone", "website": "Website", "charity_number": "Charity number",
    "company_number": "Company number", "ofsted_number": "Ofsted number",
    "insurance_expires_on": "Insurance runs out", "safeguarding_lead": "Safeguarding lead",
    "dbs_policy_confirmed": "DBS policy confirmed", "title": "Title", "summary": "Summary",
    "description": "Description", "tier": "Tier", "category": "Type of break", "min_age": "Youngest age",
    "max_age": "Oldest age", "locality_id": "Area", "venue": "Venue", "eligibility": "Who it is for",
    "how_to_get": "How to get a place", "price_pence": "Price", "payment_route": "How it is paid for",
    "cancel_cutoff_hours": "Cancel up to (hours)", "booking_cutoff_hours": "Bookings close (hours before)",
    "support_offered": "Support offered", "needs": "Needs supported", "features": "Accessibility",
}


CODE_LABELS = {"support_offered": SUPPORT_OFFERED, "needs": NEEDS, "features": ACCESSIBILITY}
ENUMS = {"tier": Tier, "category": Category, "payment_route": PaymentRoute}


def _shown(name: str, value) -> str:
    """A value from the audit trail as the pages show it."""
    if value is None or value == "" or value == []:
        return "nothing"
    if name == "price_pence":
        return pounds(value)
    if name == "insurance_expires_on":
        return date.fromisoformat(value).strftime("%-d %B %Y")
    if name == "locality_id":
        locality = db.session.get(Locality, value)
        return locality.name if locality else "an area no longer listed"
    if name in ENUMS:
        try:
            return ENUMS[name](value).label
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        names = CODE_LABELS.get(name, {})
        return ", ".join(names.get(v, str(v)) for v in value)
    return str(value)


@bp.app_template_filter("event_summary")
def event_summary(event: AuditEvent) -> str:
    """What an audit entry changed, in a line of plain English."""
    details = event.details or {}
    parts = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for name in after:
            label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
            old, new = before.get(name), after.get(name)
            if any(isinstance(v, str) and len(v) > 60 for v in (old, new)):
                parts.append(f"{label} changed")
            else:
                parts.append(f"{label}: {_shown(name, old)} to {_shown(name, new)}")
    if "asked" in details:
        parts.append(f"Asked for: tier {details['asked']['tier']}, price {pounds(details['asked']['price_pence'])}")
    if "kinds" in details:
        parts.append("Will offer " + ", ".join(details["kinds"]) + " breaks")
    if "families_told" in details:
        told = details["families_told"]
        parts.append(f"{told} famil{'y' if told == 1 else 'ies'} with places booked told by email")
    if "email" in details:
        parts.append(details["email"])
    if "expires_on" in details:
        parts.append(f"Insurance runs out on {_shown('insurance_expires_on', details['expires_on'])}")
    return ". ".join(parts)
