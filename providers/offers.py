"""Offers: what the local offer shows about a break, and its way to publication.

draft -> submitted -> published (approved) or returned (with comments) -> submitted again; any of them ->
withdrawn. A published offer's tier or price is what the commissioner agreed, so a change to either waits in
``pending_tier``/``pending_price_pence`` (the offer stays published at the old values) until the body that
commissions the tier approves it. Every other edit to a published offer shows at once and is logged.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from portal import notify
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.formatting import number
from portal.i18n import N_
from portal.models import ACCESSIBILITY, NEEDS, Locality, Role, User, record
from portal.timeutil import utcnow

from . import organisations, safeguards
from .models import (
    SUPPORT_OFFERED,
    Booking,
    BookingStatus,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
)

MAX_PRICE_PENCE = 1_000_000  # £10,000 a session: anything above is a typing slip
MAX_CUTOFF_HOURS = 24 * 28

ACTION_LABELS = {
    "offer_created": N_("Created as a draft"),
    "offer_changed": N_("Changed"),
    "offer_back_to_draft": N_("Taken back to draft to change it"),
    "offer_submitted": N_("Sent for approval"),
    "offer_approved": N_("Approved and published"),
    "offer_returned": N_("Returned with comments"),
    "offer_change_requested": N_("Change of tier or price asked for"),
    "offer_change_withdrawn": N_("Change of tier or price taken back"),
    "offer_change_approved": N_("Change of tier or price approved"),
    "offer_change_returned": N_("Change of tier or price returned"),
    "offer_withdrawn": N_("Withdrawn"),
}


@dataclass
class OfferDetails:
    """Everything the local offer shows about a break, as the provider wants it to read."""

    title: str
    summary: str
    description: str
    tier: Tier
    category: Category
    min_age: int
    max_age: int
    locality_id: int
    venue: str
    eligibility: str
    price_pence: int
    payment_route: PaymentRoute
    how_to_get: str | None = None
    family_contribution_pence: int = 0
    cancel_cutoff_hours: int = 48
    booking_cutoff_hours: int = 0
    support_offered: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, offer: Offer) -> "OfferDetails":
        """The offer as its provider last asked for it: a tier or price waiting for approval included."""
        values = {f.name: getattr(offer, f.name) for f in fields(cls)}
        values["tier"] = offer.pending_tier or offer.tier
        if offer.pending_price_pence is not None:
            values["price_pence"] = offer.pending_price_pence
        return cls(**values)


def _plain(value):
    """A value as it is kept in the audit trail (JSON)."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, list):
        return sorted(value)
    return value


def _route_suits(route: PaymentRoute, price_pence: int) -> bool:
    if route is PaymentRoute.FREE:
        return price_pence == 0
    if route is PaymentRoute.PAY_PROVIDER:
        return price_pence > 0
    return True


# Each text an offer must have: its longest length, the message when it is missing, and when it is too long.
TEXT_RULES = (
    ("title", 160, N_("Enter a title."), N_("Shorten a title: it can be up to %(most)s characters.")),
    ("summary", 300, N_("Enter a short summary."), N_("Shorten a short summary: it can be up to %(most)s characters.")),
    ("description", 20_000, N_("Enter a description."),
     N_("Shorten a description: it can be up to %(most)s characters.")),
    ("venue", 200, N_("Enter the venue."), N_("Shorten the venue: it can be up to %(most)s characters.")),
    ("eligibility", 5_000, N_("Enter who the break is for."),
     N_("Shorten who the break is for: it can be up to %(most)s characters.")),
)


def _check(details: OfferDetails) -> OfferDetails:
    text = {}
    for name, limit, missing, too_long in TEXT_RULES:
        value = (getattr(details, name) or "").strip()
        if not value:
            raise DomainError(_(missing))
        if len(value) > limit:
            raise DomainError(_(too_long, most=number(limit)))
        text[name] = value
    details = OfferDetails(**{**{f.name: getattr(details, f.name) for f in fields(OfferDetails)}, **text})
    details.how_to_get = (details.how_to_get or "").strip() or None
    if not (0 <= details.min_age <= details.max_age <= 25):
        raise DomainError(_("Ages must be from 0 to 25, and the youngest age cannot be more than the oldest."))
    if db.session.get(Locality, details.locality_id) is None:
        raise DomainError(_("Choose the area the break is in."))
    if not 0 <= details.price_pence <= MAX_PRICE_PENCE:
        raise DomainError(_("Enter a price from £0 to £10,000 a session."))
    if details.payment_route is PaymentRoute.FREE and details.price_pence:
        raise DomainError(_("A free break cannot have a price. Set the price to 0, or choose how families pay."))
    if details.payment_route is PaymentRoute.PAY_PROVIDER and not details.price_pence:
        raise DomainError(_("Families cannot pay you for a break that costs nothing. Enter the price, or choose Free."))
    if details.payment_route is not PaymentRoute.COUNCIL_FUNDED:
        details.family_contribution_pence = 0
    elif not 0 <= details.family_contribution_pence <= details.price_pence:
        raise DomainError(_("The family contribution must be from £0 up to the price of the place."))
    for name in ("cancel_cutoff_hours", "booking_cutoff_hours"):
        if not 0 <= getattr(details, name) <= MAX_CUTOFF_HOURS:
            raise DomainError(_("Hours before a session must be from 0 to %(most)s.", most=MAX_CUTOFF_HOURS))
    for name, allowed in (("support_offered", SUPPORT_OFFERED), ("needs", NEEDS), ("features", ACCESSIBILITY)):
        values = sorted(set(getattr(details, name) or []))
        if any(v not in allowed for v in values):
            raise DomainError(_("Choose from the options shown."))
        setattr(details, name, values)
    return details


def check_staff(user: User, provider: Provider) -> None:
    if not (user.role is Role.PROVIDER and user.provider_id == provider.id and user.active):
        raise NotAllowed(_("Only the provider's own staff can change its offers."))


def create_offer(provider: Provider, details: OfferDetails, *, by: User) -> Offer:
    check_staff(by, provider)
    details = _check(details)
    values = {f.name: getattr(details, f.name) for f in fields(OfferDetails)}
    needs, features = values.pop("needs"), values.pop("features")
    offer = Offer(provider=provider, status=OfferStatus.DRAFT, **values)
    offer.needs, offer.features = needs, features
    db.session.add(offer)
    db.session.flush()
    record("offer_created", offer, by=by, title=offer.title, tier=offer.tier.value)
    return offer


def _apply(offer: Offer, changes: dict) -> dict:
    """Set changed fields; return {name: [before, after]} for the audit trail."""
    diff = {}
    for name, value in changes.items():
        old = getattr(offer, name)
        if _plain(old) != _plain(value):
            diff[name] = [_plain(old), _plain(value)]
            setattr(offer, name, value)
    return diff


def update_offer(offer: Offer, details: OfferDetails, *, by: User) -> Offer:
    """Change an offer. On a published offer a new tier or price waits for approval; the rest shows at once."""
    check_staff(by, offer.provider)
    organisations.lock(offer)
    if offer.status is OfferStatus.WITHDRAWN:
        raise DomainError(_("This offer has been withdrawn, so it cannot be changed. Create a new offer instead."))
    details = _check(details)
    changes = {f.name: getattr(details, f.name) for f in fields(OfferDetails)}
    if offer.status is not OfferStatus.PUBLISHED:
        diff = _apply(offer, changes)
        if diff:
            record("offer_changed", offer, by=by, before={k: v[0] for k, v in diff.items()},
                   after={k: v[1] for k, v in diff.items()})
            if offer.status is OfferStatus.SUBMITTED:
                # The commissioner must decide on what the provider now wants, so it is sent again.
                offer.status = OfferStatus.DRAFT
                record("offer_back_to_draft", offer, by=by)
        return offer

    tier, price = changes.pop("tier"), changes.pop("price_pence")
    offer.review_comments = None  # comments on a returned change have been read; they stay in the history
    if not _route_suits(changes["payment_route"], offer.price_pence):
        # The new way of paying only fits the new price: it follows the price when that is approved.
        changes.pop("payment_route")
    diff = _apply(offer, changes)
    if diff:
        record("offer_changed", offer, by=by, before={k: v[0] for k, v in diff.items()},
               after={k: v[1] for k, v in diff.items()})
    pending = (tier if tier is not offer.tier else None, price if price != offer.price_pence else None)
    if pending != (offer.pending_tier, offer.pending_price_pence):
        offer.pending_tier, offer.pending_price_pence = pending
        if pending == (None, None):
            record("offer_change_withdrawn", offer, by=by)
        else:
            record("offer_change_requested", offer, by=by,
                   before={"tier": offer.tier.value, "price_pence": offer.price_pence},
                   after={"tier": tier.value, "price_pence": price})
    return offer


def submit_offer(offer: Offer, *, by: User) -> Offer:
    check_staff(by, offer.provider)
    organisations.lock(offer)
    if offer.status is OfferStatus.SUBMITTED:
        raise DomainError(_("This offer is already waiting for approval."))
    if offer.status is OfferStatus.PUBLISHED:
        raise DomainError(_("This offer is already published. Changes to its tier or price are sent for approval "
                            "when you save them."))
    if offer.status is OfferStatus.WITHDRAWN:
        raise DomainError(_("This offer has been withdrawn, so it cannot be sent for approval. Create a new offer instead."))
    if offer.provider.status is not ProviderStatus.APPROVED:
        raise DomainError(_("Your organisation must be approved before you can send offers for approval."))
    _check(OfferDetails.of(offer))
    offer.status = OfferStatus.SUBMITTED
    offer.review_comments = None
    record("offer_submitted", offer, by=by, approving_body=offer.approving_body.value)
    return offer


def _email_staff(offer: Offer, subject, template: str, **context) -> None:
    """``subject``: marked with ``_l`` so that each member of staff reads it in their own language."""
    for member in organisations.staff_of(offer.provider):
        notify.queue(member, subject, template, offer=offer, member=member,
                     link=notify.link("provider_offers.offer", offer_id=offer.id), **context)


def approve_offer(offer: Offer, *, by: User, note: str | None = None) -> Offer:
    """Publish a submitted offer, or put a published offer's new tier or price into effect."""
    organisations.lock(offer)  # then the tier it asks for is the one decided on
    organisations.check_can_decide(by, offer.approving_body)
    note = (note or "").strip() or None
    if offer.status is OfferStatus.SUBMITTED or offer.has_pending_change:
        safeguards.check_ofsted_for_specialist_offer(offer)
    if offer.status is OfferStatus.SUBMITTED:
        offer.status = OfferStatus.PUBLISHED
        offer.review_comments = None
        record("offer_approved", offer, by=by, reason=note)
        _email_staff(offer, _l("Published: %(title)s", title=offer.title), "offer_approved", change=False, note=note)
    elif offer.status is OfferStatus.PUBLISHED and offer.has_pending_change:
        before = {"tier": offer.tier.value, "price_pence": offer.price_pence}
        if offer.pending_tier is not None:
            offer.tier = offer.pending_tier
        if offer.pending_price_pence is not None:
            offer.price_pence = offer.pending_price_pence
        if not _route_suits(offer.payment_route, offer.price_pence):
            offer.payment_route = PaymentRoute.FREE if offer.price_pence == 0 else PaymentRoute.PAY_PROVIDER
        offer.pending_tier = offer.pending_price_pence = None
        offer.review_comments = None
        record("offer_change_approved", offer, by=by, reason=note, before=before,
               after={"tier": offer.tier.value, "price_pence": offer.price_pence})
        _email_staff(offer, _l("Change approved: %(title)s", title=offer.title), "offer_approved", change=True,
                     note=note)
    else:
        raise DomainError(_not_waiting(offer))
    return offer


def return_offer(offer: Offer, comments: str, *, by: User) -> Offer:
    """Send an offer (or a change of tier or price) back to the provider with comments."""
    organisations.lock(offer)  # then the tier it asks for is the one decided on
    organisations.check_can_decide(by, offer.approving_body)
    comments = (comments or "").strip()
    if not comments:
        raise DomainError(_("Give your comments. The provider will see them."))
    if offer.status is OfferStatus.SUBMITTED:
        offer.status = OfferStatus.RETURNED
        offer.review_comments = comments
        record("offer_returned", offer, by=by, reason=comments)
        _email_staff(offer, _l("Returned with comments: %(title)s", title=offer.title), "offer_returned", change=False,
                     comments=comments)
    elif offer.status is OfferStatus.PUBLISHED and offer.has_pending_change:
        asked = {"tier": (offer.pending_tier or offer.tier).value,
                 "price_pence": offer.price_pence if offer.pending_price_pence is None else offer.pending_price_pence}
        offer.pending_tier = offer.pending_price_pence = None
        offer.review_comments = comments
        record("offer_change_returned", offer, by=by, reason=comments, asked=asked)
        _email_staff(offer, _l("Change returned with comments: %(title)s", title=offer.title), "offer_returned",
                     change=True,
                     comments=comments)
    else:
        raise DomainError(_not_waiting(offer))
    return offer


# Why a decision cannot be made, one whole sentence for each status an offer can be in then (a submitted offer
# is always waiting).
NOT_WAITING = {
    OfferStatus.DRAFT: N_("This offer is not waiting for a decision: it is draft."),
    OfferStatus.PUBLISHED: N_("This offer is not waiting for a decision: it is published."),
    OfferStatus.RETURNED: N_("This offer is not waiting for a decision: it is returned."),
    OfferStatus.WITHDRAWN: N_("This offer is not waiting for a decision: it is withdrawn."),
}


def _not_waiting(offer: Offer) -> str:
    return _(NOT_WAITING[offer.status])


def upcoming_booked_places(offer: Offer) -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).join(Booking.session)
        .where(Session.offer_id == offer.id, Session.status == SessionStatus.OPEN, Session.starts_at > utcnow(),
               Booking.status == BookingStatus.CONFIRMED)
    )


def withdraw_offer(offer: Offer, *, by: User, reason: str | None = None) -> Offer:
    """Take an offer out of the local offer for good. Families with places booked must be told first, by
    cancelling those sessions, so an offer with booked places to come cannot be withdrawn."""
    check_staff(by, offer.provider)
    organisations.lock(offer)
    if offer.status is OfferStatus.WITHDRAWN:
        raise DomainError(_("This offer has already been withdrawn."))
    booked = upcoming_booked_places(offer)
    if booked:
        raise DomainError(ngettext("%(num)s place is booked on sessions still to come. Cancel those sessions first "
                                   "so that families are told, then withdraw the offer.",
                                   "%(num)s places are booked on sessions still to come. Cancel those sessions first "
                                   "so that families are told, then withdraw the offer.", booked))
    before = offer.status
    offer.status = OfferStatus.WITHDRAWN
    offer.pending_tier = offer.pending_price_pence = None
    record("offer_withdrawn", offer, by=by, reason=(reason or "").strip() or None, was=before.value)
    return offer
