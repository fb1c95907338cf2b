"""Providers' safeguards, verified by the approving body: DBS checks of staff, public liability insurance, Ofsted
registration (for regulated specialist care) and the safeguarding lead. Each check records who verified what, when,
against which evidence, and when it is due to be verified again; re-verification dates are tracked like insurance.

A provider of specialist short breaks (regulated care: overnight stays, care in the home, day care for children with
complex needs) cannot be approved until someone has verified its Ofsted number: the rule is checked here, when
approving, not on each page.

Services never commit: the view does."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.formatting import long_date
from portal.models import AuditEvent, Role, User, record
from portal.timeutil import london_today

from .models import Body, Offer, Provider, Safeguard, SafeguardCheck, Tier

DUE_SOON_DAYS = 30


def latest(provider: Provider) -> dict[Safeguard, SafeguardCheck]:
    """The check that counts for each safeguard verified so far: the latest."""
    checks: dict[Safeguard, SafeguardCheck] = {}
    for check in db.session.scalars(select(SafeguardCheck).options(joinedload(SafeguardCheck.verified_by))
                                    .where(SafeguardCheck.provider_id == provider.id)
                                    .order_by(SafeguardCheck.verified_at, SafeguardCheck.id)):
        checks[check.safeguard] = check
    return checks


def _what_is_verified(provider: Provider, safeguard: Safeguard) -> str | None:
    """What a check of this safeguard verifies on the provider's record as it stands (None: nothing to verify)."""
    if safeguard is Safeguard.OFSTED:
        return provider.ofsted_number or None
    if safeguard is Safeguard.INSURANCE:
        return provider.insurance_expires_on.isoformat() if provider.insurance_expires_on else None
    if safeguard is Safeguard.SAFEGUARDING_LEAD:
        return provider.safeguarding_lead or None
    return "dbs"  # i18n: not shown (the DBS check verifies the provider's checks of its staff, not a field)


def verify(provider: Provider, safeguard: Safeguard, evidence_ref: str, reverify_on: date | None, *,
           by: User) -> SafeguardCheck:
    """Record that a member of the approving body has verified this safeguard against the evidence."""
    if by.role is not Role.ADMIN and by.role is not provider.approving_body.role:
        raise NotAllowed(_("Only the body that approves this provider can verify its safeguards."))
    evidence_ref = (evidence_ref or "").strip()
    if not evidence_ref:
        raise DomainError(_("Enter the evidence you checked, such as a certificate or reference number"))
    if reverify_on is not None and reverify_on <= london_today():
        raise DomainError(_("The date to check it again must be in the future"))
    verified = _what_is_verified(provider, safeguard)
    if verified is None:
        raise DomainError({
            Safeguard.OFSTED: _("%(name)s has not given an Ofsted number, so there is nothing to verify. Ask them to "
                                "add it to their details first.", name=provider.name),
            Safeguard.INSURANCE: _("%(name)s has not given the date its insurance runs out, so there is nothing to "
                                   "verify. Ask them to add it to their details first.", name=provider.name),
            Safeguard.SAFEGUARDING_LEAD: _("%(name)s has not named a safeguarding lead, so there is nothing to "
                                           "verify. Ask them to add one to their details first.", name=provider.name),
        }[safeguard])
    check = SafeguardCheck(provider_id=provider.id, safeguard=safeguard, verified=verified, evidence_ref=evidence_ref,
                           verified_by_id=by.id, reverify_on=reverify_on)
    db.session.add(check)
    db.session.flush()
    record("safeguard_verified", provider, by=by, safeguard=safeguard.value, verified=verified,
           evidence_ref=evidence_ref, reverify_on=reverify_on.isoformat() if reverify_on else None)
    return check


def state(check: SafeguardCheck | None, provider: Provider, today: date | None = None) -> str:
    """"missing", "changed" (the provider's details changed since), "overdue", "due_soon" or "verified"."""
    if check is None:
        return "missing"
    if check.verified != _what_is_verified(provider, check.safeguard):
        return "changed"
    today = today or london_today()
    if check.reverify_on is not None and check.reverify_on <= today:
        return "overdue"
    if check.reverify_on is not None and (check.reverify_on - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "verified"


def offers_regulated_care(provider: Provider) -> bool:
    """Whether the provider offers specialist short breaks: it is approved by the trust, said at sign-up that it
    would offer them, or has a specialist offer."""
    if provider.approving_body is Body.TRUST or any(offer.tier is Tier.SPECIALIST for offer in provider.offers):
        return True
    signed_up = db.session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "provider_signed_up", AuditEvent.subject_type == "Provider",
        AuditEvent.subject_id == provider.id).limit(1))
    return Tier.SPECIALIST.value in ((signed_up or {}).get("kinds") or [])


def ofsted_verified(provider: Provider) -> bool:
    """Whether the provider's Ofsted number has been verified as it now stands, and is not overdue a new check."""
    return state(latest(provider).get(Safeguard.OFSTED), provider) in ("verified", "due_soon")


def check_ofsted_for_regulated_care(provider: Provider) -> None:
    """Refuse to approve a provider of regulated specialist care until its Ofsted number has been verified, and
    verified as it now stands."""
    if not offers_regulated_care(provider) or ofsted_verified(provider):
        return
    raise DomainError(_("%(name)s offers specialist short breaks, which are regulated care, so it cannot be "
                        "approved until someone has verified its Ofsted registration. Record the check under "
                        "Safeguards first.", name=provider.name))


def check_ofsted_for_specialist_offer(offer: Offer) -> None:
    """Refuse to publish a specialist offer (or to make a published offer specialist) until the provider's Ofsted
    number has been verified as it now stands: specialist short breaks are regulated care."""
    if (offer.pending_tier or offer.tier) is not Tier.SPECIALIST or ofsted_verified(offer.provider):
        return
    raise DomainError(_("%(title)s is a specialist short break, which is regulated care, so it cannot be published "
                        "until someone has verified %(name)s's Ofsted registration as it now stands. Record the check "
                        "under Safeguards on the provider's approval page first.",
                        title=offer.title, name=offer.provider.name))


def describe(check: SafeguardCheck) -> str:
    """Who verified it and when, in a sentence."""
    when = long_date(check.verified_at.date())
    who = check.verified_by.name if check.verified_by else _("someone who has since left")
    return _("Verified by %(who)s on %(when)s against %(evidence)s.", who=who, when=when, evidence=check.evidence_ref)
