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
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from portal.access import childrens_commissioner_required
from portal.attempts import attempt, form_status
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import long_date, pounds
from portal.i18n import N_
from portal.models import ACCESSIBILITY, NEEDS, AuditEvent, Locality
from portal.paging import page_arg
from providers import offers as offer_services
from providers import organisations, safeguards
from providers.models import (
    SUPPORT_OFFERED,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Safeguard,
    Tier,
)
from providers.offer_forms import OfferDecisionForm
from providers.organisation_forms import NameDecisionForm, ProviderDecisionForm, SafeguardForm

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


PROVIDER_VIEWS = {
    "waiting": N_("Waiting for a decision"),
    "insurance": N_("Insurance running out"),
    "approved": N_("Approved"),
    "suspended": N_("Suspended"),
    "returned": N_("Returned"),
    "all": N_("All providers"),
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
@childrens_commissioner_required
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
                           pages=max(1, math.ceil(total / size)), show=show,
                           views=organisations.translated_labels(PROVIDER_VIEWS),
                           insurance_count=insurance_count, today=today)


def _decidable_provider_or_403(provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        abort(404)
    if not organisations.can_decide(current_user, provider.approving_body):
        abort(403)
    return provider


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@childrens_commissioner_required
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
@childrens_commissioner_required
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
            message = _("The new name %(asked)s has been approved. We have emailed the provider's staff.",
                        asked=asked)
        else:
            organisations.refuse_name(provider, name_form.name_reason.data, by=current_user)
            message = _("The new name %(asked)s has been refused with your reasons, and %(name)s keeps its name. "
                        "We have emailed the provider's staff.", asked=asked, name=provider.name)
    if not done.ok:
        return _provider_page(provider, form, name_form, done.status)
    flash(message, "success")
    return redirect(url_for(".provider", provider_id=provider.id))


@bp.post("/providers/<int:provider_id>/safeguards")
@childrens_commissioner_required
def verify_safeguard(provider_id: int):
    """Record that a safeguard was verified, against what evidence, and when to verify it again."""
    provider = _decidable_provider_or_403(provider_id)
    safeguard_form = SafeguardForm()
    form = ProviderDecisionForm(formdata=None, decisions=DECISIONS_BY_STATUS[provider.status])
    if not safeguard_form.validate_on_submit():
        return _provider_page(provider, form, NameDecisionForm(formdata=None), 422, safeguard_form)
    safeguard = Safeguard(safeguard_form.safeguard.data)
    with attempt(safeguard_form) as done:
        safeguards.verify(provider, safeguard, safeguard_form.evidence_ref.data, safeguard_form.reverify_on.data,
                          by=current_user)
    if not done.ok:
        return _provider_page(provider, form, NameDecisionForm(formdata=None), done.status, safeguard_form)
    flash(_("%(safeguard)s: your check is recorded.", safeguard=safeguard.label), "success")
    return redirect(url_for(".provider", provider_id=provider.id) + "#safeguards")


def _provider_page(provider: Provider, form: ProviderDecisionForm, name_form: NameDecisionForm, status: int,
                   safeguard_form: SafeguardForm | None = None):
    offers = db.session.execute(
        select(Offer.status, func.count(Offer.id)).where(Offer.provider_id == provider.id).group_by(Offer.status)
    ).all()
    checks = safeguards.latest(provider)
    return render_template("approvals/provider.html", provider=provider, form=form, name_form=name_form,
                           safeguard_form=safeguard_form or SafeguardForm(formdata=None),
                           checks=[(s, checks.get(s), safeguards.state(checks.get(s), provider)) for s in Safeguard],
                           regulated=safeguards.offers_regulated_care(provider), describe=safeguards.describe,
                           history=organisations.history(provider),
                           labels=organisations.translated_labels(organisations.ACTION_LABELS),
                           insurance=organisations.insurance_state(provider, organisations.london_today()),
                           offer_counts={s: n for s, n in offers}), status


def _decide_provider(provider: Provider, decision: str, reason: str) -> str:
    if decision == "approve":
        organisations.approve_provider(provider, by=current_user, reason=reason)
        return _("%(name)s has been approved. We have emailed its staff.", name=provider.name)
    if decision == "return":
        organisations.return_provider(provider, reason, by=current_user)
        return _("%(name)s's application has been returned with your reasons. We have emailed its staff.",
                 name=provider.name)
    if decision == "suspend":
        told = organisations.suspend_provider(provider, reason, by=current_user)
        return ngettext("%(name)s has been suspended. Its sessions cannot be booked, and we have emailed %(num)s "
                        "family with places booked.",
                        "%(name)s has been suspended. Its sessions cannot be booked, and we have emailed %(num)s "
                        "families with places booked.", told, name=provider.name)
    if decision == "reinstate":
        told = organisations.reinstate_provider(provider, reason, by=current_user)
        return ngettext("%(name)s has been reinstated. Families can book again, and we have emailed %(num)s family "
                        "with places booked.",
                        "%(name)s has been reinstated. Families can book again, and we have emailed %(num)s families "
                        "with places booked.", told, name=provider.name)
    raise DomainError(_("Select your decision."))


@bp.get("/offers")
@childrens_commissioner_required
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
@childrens_commissioner_required
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
                           history=organisations.history(offer),
                           labels=organisations.translated_labels(offer_services.ACTION_LABELS)), form_status(form, done)


def _decide_offer(offer: Offer, decision: str, comments: str) -> str:
    change = offer.status is OfferStatus.PUBLISHED
    if decision == "approve":
        offer_services.approve_offer(offer, by=current_user, note=comments)
        if change:
            return _("The change to '%(title)s' has been approved and is now in the local offer.", title=offer.title)
        return _("'%(title)s' has been approved and published in the local offer.", title=offer.title)
    offer_services.return_offer(offer, comments, by=current_user)
    if change:
        return _("The change to '%(title)s' has been returned to %(name)s with your comments.", title=offer.title,
                 name=offer.provider.name)
    return _("'%(title)s' has been returned to %(name)s with your comments.", title=offer.title,
             name=offer.provider.name)


# --- the history tables --------------------------------------------------------------------------------

FIELD_LABELS = {
    "name": N_("Name"), "email": N_("Email"), "phone": N_("Phone"), "website": N_("Website"), "charity_number": N_("Charity number"),
    "company_number": N_("Company number"), "ofsted_number": N_("Ofsted number"),
    "insurance_expires_on": N_("Insurance runs out"), "safeguarding_lead": N_("Safeguarding lead"),
    "dbs_policy_confirmed": N_("DBS policy confirmed"), "title": N_("Title"), "summary": N_("Summary"),
    "description": N_("Description"), "tier": N_("Tier"), "category": N_("Type of break"), "min_age": N_("Youngest age"),
    "max_age": N_("Oldest age"), "locality_id": N_("Area"), "venue": N_("Venue"), "eligibility": N_("Who it is for"),
    "how_to_get": N_("How to get a place"), "price_pence": N_("Price"), "payment_route": N_("How it is paid for"),
    "cancel_cutoff_hours": N_("Cancel up to (hours)"), "booking_cutoff_hours": N_("Bookings close (hours before)"),
    "support_offered": N_("Support offered"), "needs": N_("Needs supported"), "features": N_("Accessibility"),
}


CODE_LABELS = {"support_offered": SUPPORT_OFFERED, "needs": NEEDS, "features": ACCESSIBILITY}
ENUMS = {"tier": Tier, "category": Category, "payment_route": PaymentRoute}


def _shown(name: str, value) -> str:
    """A value from the audit trail as the pages show it."""
    if value is None or value == "" or value == []:
        return _("nothing")
    if name == "price_pence":
        return pounds(value)
    if name == "insurance_expires_on":
        return long_date(date.fromisoformat(value))
    if name == "locality_id":
        locality = db.session.get(Locality, value)
        return locality.name if locality else _("an area no longer listed")
    if name in ENUMS:
        try:
            return ENUMS[name](value).label
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        names = CODE_LABELS.get(name, {})
        return _(", ").join(_(names[v]) if v in names else str(v) for v in value)
    return str(value)


def _tier_word(code: str) -> str:
    """A tier code from the audit trail as a word in a sentence: "targeted"."""
    try:
        return Tier(code).label.lower()
    except ValueError:
        return str(code)


@bp.app_template_filter("event_summary")
def event_summary(event: AuditEvent) -> str:
    """What an audit entry changed, in a line of plain words (in the page's language)."""
    details = event.details or {}
    parts = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for name in after:
            label = _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ").capitalize()
            old, new = before.get(name), after.get(name)
            if any(isinstance(v, str) and len(v) > 60 for v in (old, new)):
                parts.append(_("%(field)s changed", field=label))
            else:
                parts.append(_("%(field)s: %(old)s to %(new)s", field=label, old=_shown(name, old),
                               new=_shown(name, new)))
    if "asked" in details:
        parts.append(_("Asked for: tier %(tier)s, price %(price)s", tier=_tier_word(details["asked"]["tier"]),
                       price=pounds(details["asked"]["price_pence"])))
    if "kinds" in details:
        parts.append(_("Will offer %(kinds)s breaks", kinds=_(", ").join(_tier_word(k) for k in details["kinds"])))
    if "families_told" in details:
        parts.append(ngettext("%(num)s family with places booked told by email",
                              "%(num)s families with places booked told by email", details["families_told"]))
    if "email" in details:
        parts.append(details["email"])
    if "expires_on" in details:
        parts.append(_("Insurance runs out on %(day)s", day=_shown("insurance_expires_on", details["expires_on"])))
    return ". ".join(parts)
