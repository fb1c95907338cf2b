"""Provider organisations: signing up, the commissioners' decisions, insurance checks, and staff.

The council approves providers of universal and targeted breaks, the children's trust providers of
specialist breaks only. Every decision is recorded with who, when and why, and shown as history.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal import email_addresses, notify
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.formatting import long_date
from portal.i18n import N_
from portal.locking import lock_rows
from portal.models import AuditEvent, Role, User, record
from portal.timeutil import london_today, to_london, utcnow

from . import safeguards
from .models import (
    Body,
    Booking,
    BookingStatus,
    Offer,
    Provider,
    ProviderInvite,
    ProviderStatus,
    SafeguardCheck,
    Session,
    SessionStatus,
    Tier,
)

INSURANCE_WARNING_DAYS = 30
INVITE_VALID_DAYS = 7


# How each recorded action reads in a history table.
ACTION_LABELS = {
    "provider_signed_up": N_("Signed up"),
    "provider_details_changed": N_("Details changed"),
    "provider_name_change_requested": N_("New name asked for"),
    "provider_name_change_withdrawn": N_("New name taken back"),
    "provider_name_change_approved": N_("New name approved"),
    "provider_name_change_refused": N_("New name refused"),
    "provider_resubmitted": N_("Sent for approval again"),
    "provider_approved": N_("Approved"),
    "provider_returned": N_("Returned"),
    "provider_suspended": N_("Suspended"),
    "provider_reinstated": N_("Reinstated"),
    "safeguard_verified": N_("Safeguard verified"),
    "insurance_warning_sent": N_("Insurance warning sent"),
    "stripe_account_created": N_("Stripe account started"),
    "stripe_account_connected": N_("Stripe account connected for card payments"),
    "safeguard_reverify_warning_sent": N_("Warning sent: a safeguard is due to be checked again"),
    "staff_invited": N_("Colleague invited"),
    "staff_joined": N_("Colleague joined"),
    "invite_cancelled": N_("Invitation cancelled"),
    "staff_removed": N_("Colleague removed"),
    "staff_admin_given": N_("Made an administrator"),
    "staff_admin_removed": N_("Administrator rights taken away"),
}


def translated_labels(labels: dict[str, str]) -> dict[str, str]:
    """A table of ``N_``-marked words (``ACTION_LABELS``) in the page's language, for a template to show."""
    return {code: _(word) for code, word in labels.items()}


@dataclass
class OrganisationDetails:
    """What an organisation tells us about itself when it signs up or updates its details."""

    name: str
    email: str
    phone: str | None = None
    website: str | None = None
    charity_number: str | None = None
    company_number: str | None = None
    ofsted_number: str | None = None
    insurance_expires_on: date | None = None
    safeguarding_lead: str | None = None
    dbs_policy_confirmed: bool = False


def how_full(taken: int, capacity: int) -> int:
    """Places taken as a whole percentage, to the nearest (half up): 3 of 8 is 38%. Only a full session shows
    100% and only an empty one 0%, so a nearly full or barely started session never looks done."""
    if capacity <= 0 or taken <= 0:
        return 0
    if taken >= capacity:
        return 100
    return min(99, max(1, (taken * 200 + capacity) // (capacity * 2)))


def history(subject) -> list[AuditEvent]:
    """Every recorded decision and change about a provider or an offer, newest first."""
    return db.session.scalars(
        select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.subject_type == type(subject).__name__, AuditEvent.subject_id == subject.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()


def lock(subject) -> None:
    """Re-read a provider or an offer under a write lock until the transaction ends, so that two people acting on
    it at once (two commissioners deciding, two admins changing staff) cannot both act on what they first read."""
    db.session.flush()  # refreshing would otherwise drop changes this unit of work has not written yet
    lock_rows(type(subject), [subject.id], busy=_("Someone else is changing this at the same moment. Please try again."))
    db.session.refresh(subject)


# --- who decides ------------------------------------------------------------------------------------

def body_of(user: User) -> Body | None:
    """The commissioning body a commissioner works for (None for an administrator, who may act for both)."""
    return Body.of_role(user.role)


def can_decide(user: User, body: Body) -> bool:
    return user.role is Role.ADMIN or user.role is body.role


def check_can_decide(user: User, body: Body) -> None:
    if not can_decide(user, body):
        raise NotAllowed(_("Only the council can make this decision.") if body is Body.COUNCIL
                         else _("Only the children's trust can make this decision."))


def approving_body_for(kinds: set[Tier]) -> Body:
    """The trust approves providers of specialist breaks only; the council approves everyone else."""
    if not kinds:
        raise DomainError(_("Choose the kinds of break you will offer."))
    return Body.TRUST if {kind.body for kind in kinds} == {Body.TRUST} else Body.COUNCIL


def commissioners(body: Body) -> list[User]:
    return db.session.scalars(
        select(User).where(User.role == body.role, User.active.is_(True)).order_by(User.id)
    ).all()


def staff_of(provider: Provider, *, admins_only: bool = False) -> list[User]:
    query = select(User).where(User.provider_id == provider.id, User.role == Role.PROVIDER, User.active.is_(True))
    if admins_only:
        query = query.where(User.is_provider_admin.is_(True))
    return db.session.scalars(query.order_by(User.name, User.id)).all()


def _email_staff(provider: Provider, subject, template: str, *, admins_only: bool = False, **context) -> None:
    """``subject``: marked with ``_l`` so that each member of staff reads it in their own language."""
    for member in staff_of(provider, admins_only=admins_only):
        notify.queue(member, subject, template, provider=provider, member=member, **context)


def _email_commissioners(body: Body, subject, template: str, **context) -> None:
    """``subject``: marked with ``_l`` so that each commissioner reads it in their own language."""
    for commissioner in commissioners(body):
        notify.queue(commissioner, subject, template, commissioner=commissioner, **context)


# --- signing up and details -------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _clean_number(text: str | None) -> str | None:
    text = (text or "").replace(" ", "").upper()
    return text or None


def _check_details(details: OrganisationDetails, today: date) -> OrganisationDetails:
    details = OrganisationDetails(
        name=(details.name or "").strip(),
        email=(details.email or "").strip().lower(),
        phone=_clean(details.phone),
        website=_clean(details.website),
        charity_number=_clean_number(details.charity_number),
        company_number=_clean_number(details.company_number),
        ofsted_number=_clean_number(details.ofsted_number),
        insurance_expires_on=details.insurance_expires_on,
        safeguarding_lead=_clean(details.safeguarding_lead),
        dbs_policy_confirmed=bool(details.dbs_policy_confirmed),
    )
    if not details.name:
        raise DomainError(_("Enter the name of your organisation."))
    if not details.email:
        raise DomainError(_("Enter your organisation's email address."))
    if not details.charity_number and not details.company_number:
        raise DomainError(_("Enter your registered charity number or your company number."))
    if details.insurance_expires_on is None:
        raise DomainError(_("Enter the date your public liability insurance runs out."))
    if details.insurance_expires_on <= today:
        raise DomainError(_("Your insurance must still be in date. Renew it, then enter the new date it runs out."))
    if not details.safeguarding_lead:
        raise DomainError(_("Enter the name of your safeguarding lead."))
    if not details.dbs_policy_confirmed:
        raise DomainError(_("Confirm that your staff and volunteers have DBS checks under your written policy."))
    return details


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _add_account(user: User) -> None:
    """Add a new account; a second account with the same email (even one racing in) is refused in plain English."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("An account already uses this email address. Sign in, or use another address.")) from None


def sign_up(details: OrganisationDetails, kinds: set[Tier], *, admin_name: str, admin_email: str, password: str,
            today: date) -> tuple[Provider, User]:
    """An organisation asks to join the local offer. It waits for approval by the body that commissions its breaks."""
    details = _check_details(details, today)
    body = approving_body_for(kinds)
    admin_name, admin_email = admin_name.strip(), admin_email.strip().lower()
    if not admin_name:
        raise DomainError(_("Enter your full name."))
    if find_user_by_email(admin_email) is not None:
        raise DomainError(_("An account already uses this email address. Sign in, or use another address."))
    provider = Provider(status=ProviderStatus.PENDING, approving_body=body, **asdict(details))
    db.session.add(provider)
    db.session.flush()
    admin = User(email=admin_email, name=admin_name, role=Role.PROVIDER, provider_id=provider.id,
                 is_provider_admin=True)
    admin.set_password(password)
    _add_account(admin)
    record("provider_signed_up", provider, by=admin, kinds=sorted(t.value for t in kinds), approving_body=body.value)
    notify.queue(admin, _l("We have received your application"), "provider_signed_up", provider=provider,
                 member=admin, link=email_addresses.confirmation_link(admin))
    _email_commissioners(body, _l("A new provider is waiting for approval: %(name)s", name=provider.name),
                         "provider_waiting", provider=provider,
                         link=notify.link("approvals.provider", provider_id=provider.id))
    return provider, admin


def check_admin(user: User, provider: Provider) -> None:
    if not (user.role is Role.PROVIDER and user.provider_id == provider.id and user.is_provider_admin and user.active):
        raise NotAllowed(_("Only your organisation's administrators can do this."))


def update_details(provider: Provider, details: OrganisationDetails, *, by: User, today: date) -> Provider:
    """An administrator updates the organisation's details; a returned application goes back for approval."""
    check_admin(by, provider)
    lock(provider)
    if provider.status is ProviderStatus.SUSPENDED:
        # The commissioner is looking into this provider; changes wait until it is reinstated.
        raise DomainError(
            _("Your organisation is suspended, so its details cannot change. Contact the council about the "
              "suspension.") if provider.approving_body is Body.COUNCIL
            else _("Your organisation is suspended, so its details cannot change. Contact the children's trust "
                   "about the suspension."))
    details = _check_details(details, today)
    changes = asdict(details)
    if provider.status is ProviderStatus.APPROVED:
        # Families know the provider by the name its approving body agreed: a new one waits for approval.
        _ask_for_name(provider, changes.pop("name"), by=by)
    before, after = {}, {}
    for name, value in changes.items():
        old = getattr(provider, name)
        if old != value:
            before[name] = old.isoformat() if isinstance(old, date) else old
            after[name] = value.isoformat() if isinstance(value, date) else value
            setattr(provider, name, value)
    if "insurance_expires_on" in after:
        provider.insurance_warned_on = None  # a new date earns its own warning
    if after:
        record("provider_details_changed", provider, by=by, before=before, after=after)
    if provider.status is ProviderStatus.RETURNED:
        provider.status = ProviderStatus.PENDING
        record("provider_resubmitted", provider, by=by)
        _email_commissioners(provider.approving_body,
                             _l("A provider has sent its application again: %(name)s", name=provider.name),
                             "provider_waiting", provider=provider, resubmitted=True,
                             link=notify.link("approvals.provider", provider_id=provider.id))
    return provider


def _ask_for_name(provider: Provider, name: str, *, by: User) -> None:
    pending = name if name != provider.name else None
    if pending == provider.pending_name:
        return
    provider.pending_name = pending
    if pending is None:
        record("provider_name_change_withdrawn", provider, by=by)
    else:
        record("provider_name_change_requested", provider, by=by, before={"name": provider.name},
               after={"name": pending})


# --- commissioners' decisions ----------------------------------------------------------------------

def _reason(text: str | None, missing: str) -> str:
    """The reasons typed, or ``missing`` (the whole message asking for them) when there are none."""
    text = (text or "").strip()
    if not text:
        raise DomainError(missing)
    return text


def _upcoming_bookings(provider: Provider) -> dict[User, list[Booking]]:
    """Each family's confirmed places on the provider's sessions still to come."""
    bookings = db.session.scalars(
        select(Booking).join(Booking.session).join(Session.offer)
        .options(joinedload(Booking.booked_by), joinedload(Booking.child),
                 joinedload(Booking.session).joinedload(Session.offer))
        .where(Offer.provider_id == provider.id, Booking.status == BookingStatus.CONFIRMED,
               Session.status == SessionStatus.OPEN, Session.starts_at > utcnow())
        .order_by(Booking.booked_by_id, Session.starts_at, Booking.id)
    ).all()
    families: dict[User, list[Booking]] = {}
    for booking in bookings:
        families.setdefault(booking.booked_by, []).append(booking)
    return families


def _email_families(provider: Provider, subject, template: str) -> int:
    """``subject``: marked with ``_l`` so that each family reads it in their own language."""
    families = _upcoming_bookings(provider)
    for family, bookings in families.items():
        notify.queue(family, subject, template, provider=provider, family=family,
                     places=[(b, to_london(b.session.starts_at)) for b in bookings],
                     link=notify.link("bookings.my_bookings"))
    return len(families)


def _check_insured(provider: Provider, decision: str) -> None:
    """``decision``: "approved" or "reinstated"."""
    if insurance_state(provider, london_today()) == "expired":
        values = {"name": provider.name, "day": long_date(provider.insurance_expires_on)}
        if decision == "approved":
            raise DomainError(_("%(name)s's insurance ran out on %(day)s, so it cannot be approved. Ask them to renew "
                                "it and enter the new date first.", **values))
        raise DomainError(_("%(name)s's insurance ran out on %(day)s, so it cannot be reinstated. Ask them to renew "
                            "it and enter the new date first.", **values))


def approve_provider(provider: Provider, *, by: User, reason: str | None = None) -> Provider:
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.status is not ProviderStatus.PENDING:
        raise DomainError(_not_waiting(provider))
    _check_insured(provider, "approved")
    safeguards.check_ofsted_for_regulated_care(provider)
    provider.status = ProviderStatus.APPROVED
    provider.status_reason = None
    record("provider_approved", provider, by=by, reason=_clean(reason))
    _email_staff(provider, _l("Your organisation has been approved"), "provider_approved",
                 link=notify.link("provider_orgs.dashboard"))
    return provider


def return_provider(provider: Provider, reason: str, *, by: User) -> Provider:
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.status is not ProviderStatus.PENDING:
        raise DomainError(_not_waiting(provider))
    reason = _reason(reason, _("Give the reasons for returning the application. The provider will see them."))
    provider.status = ProviderStatus.RETURNED
    provider.status_reason = reason
    record("provider_returned", provider, by=by, reason=reason)
    _email_staff(provider, _l("Your application needs changes"), "provider_returned", reason=reason,
                 link=notify.link("provider_orgs.edit_organisation"))
    return provider


def suspend_provider(provider: Provider, reason: str, *, by: User) -> int:
    """Suspend an approved provider: its sessions cannot be booked, and every family with a place coming up
    is told. Returns how many families were told."""
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.status is not ProviderStatus.APPROVED:
        raise DomainError(_(ONLY_APPROVED_SUSPENDED[provider.status], name=provider.name))
    reason = _reason(reason, _("Give the reasons for the suspension. The provider will see them."))
    provider.status = ProviderStatus.SUSPENDED
    provider.status_reason = reason
    told = _email_families(provider, _l("%(name)s is not taking bookings at the moment", name=provider.name),
                           "provider_suspended_family")
    record("provider_suspended", provider, by=by, reason=reason, families_told=told)
    _email_staff(provider, _l("Your organisation has been suspended"), "provider_suspended", reason=reason)
    # Staff signed in now are signed out: they see the suspension, and its reasons, when they sign in again.
    for member in db.session.scalars(select(User).where(User.provider_id == provider.id)):
        member.end_sessions()
    return told


def reinstate_provider(provider: Provider, reason: str, *, by: User) -> int:
    """Lift a suspension; families with places coming up are told that bookings are open again."""
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.status is not ProviderStatus.SUSPENDED:
        raise DomainError(_(ONLY_SUSPENDED_REINSTATED[provider.status], name=provider.name))
    reason = _reason(reason, _("Give the reasons for reinstating the provider. The provider will see them."))
    _check_insured(provider, "reinstated")
    provider.status = ProviderStatus.APPROVED
    provider.status_reason = None
    told = _email_families(provider, _l("%(name)s is taking bookings again", name=provider.name),
                           "provider_reinstated_family")
    record("provider_reinstated", provider, by=by, reason=reason, families_told=told)
    _email_staff(provider, _l("Your organisation has been reinstated"), "provider_reinstated", reason=reason,
                 link=notify.link("provider_orgs.dashboard"))
    return told


def approve_name(provider: Provider, *, by: User, reason: str | None = None) -> Provider:
    """Put a provider's new public name into effect."""
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.pending_name is None:
        raise DomainError(_no_name_waiting(provider))
    before = provider.name
    provider.name, provider.pending_name = provider.pending_name, None
    record("provider_name_change_approved", provider, by=by, reason=_clean(reason), before={"name": before},
           after={"name": provider.name})
    _email_staff(provider, _l("Your new name has been approved: %(name)s", name=provider.name), "provider_name_decided",
                 approved=True, asked=provider.name, reason=_clean(reason),
                 link=notify.link("provider_orgs.organisation"))
    return provider


def refuse_name(provider: Provider, reason: str, *, by: User) -> Provider:
    """Keep a provider's public name as it is, with reasons."""
    check_can_decide(by, provider.approving_body)
    lock(provider)
    if provider.pending_name is None:
        raise DomainError(_no_name_waiting(provider))
    reason = _reason(reason, _("Give the reasons for refusing the new name. The provider will see them."))
    asked, provider.pending_name = provider.pending_name, None
    record("provider_name_change_refused", provider, by=by, reason=reason, before={"name": provider.name},
           after={"name": asked})
    _email_staff(provider, _l("Your new name was not approved: %(name)s", name=asked), "provider_name_decided", approved=False,
                 asked=asked, reason=reason, link=notify.link("provider_orgs.organisation"))
    return provider


def _no_name_waiting(provider: Provider) -> str:
    return _("%(name)s has not asked for a new name, or it has already been decided.", name=provider.name)


# Why a decision cannot be made, one whole sentence for each status the provider can be in at that point.
NOT_WAITING = {
    ProviderStatus.APPROVED: N_("%(name)s is not waiting for a decision: it is approved."),
    ProviderStatus.RETURNED: N_("%(name)s is not waiting for a decision: it is returned."),
    ProviderStatus.SUSPENDED: N_("%(name)s is not waiting for a decision: it is suspended."),
}
ONLY_APPROVED_SUSPENDED = {
    ProviderStatus.PENDING: N_("Only an approved provider can be suspended. %(name)s is pending."),
    ProviderStatus.RETURNED: N_("Only an approved provider can be suspended. %(name)s is returned."),
    ProviderStatus.SUSPENDED: N_("Only an approved provider can be suspended. %(name)s is suspended."),
}
ONLY_SUSPENDED_REINSTATED = {
    ProviderStatus.PENDING: N_("Only a suspended provider can be reinstated. %(name)s is pending."),
    ProviderStatus.APPROVED: N_("Only a suspended provider can be reinstated. %(name)s is approved."),
    ProviderStatus.RETURNED: N_("Only a suspended provider can be reinstated. %(name)s is returned."),
}


def _not_waiting(provider: Provider) -> str:
    return _(NOT_WAITING[provider.status], name=provider.name)


# --- insurance -----------------------------------------------------------------------------------

def insurance_state(provider: Provider, today: date, days: int = INSURANCE_WARNING_DAYS) -> str | None:
    """'expired', 'expiring' (within ``days``) or None."""
    expires = provider.insurance_expires_on
    if expires is None:
        return None
    if expires <= today:
        return "expired"
    if expires <= today + timedelta(days=days):
        return "expiring"
    return None


def insurance_expiring_clause(today: date, days: int = INSURANCE_WARNING_DAYS):
    """SQL condition: the provider's insurance has run out or runs out within ``days``."""
    return Provider.insurance_expires_on <= today + timedelta(days=days)


def warn_expiring_insurance(today: date, days: int = INSURANCE_WARNING_DAYS) -> list[Provider]:
    """Warn each provider whose insurance runs out within ``days`` (or has run out), and the commissioners
    who approve it, once for each expiry date. Run daily by ``flask warn-insurance``; the caller commits."""
    providers = db.session.scalars(
        select(Provider).where(insurance_expiring_clause(today, days), Provider.insurance_warned_on.is_(None))
        .order_by(Provider.insurance_expires_on, Provider.id)
    ).all()
    by_body: dict[Body, list[Provider]] = {}
    for provider in providers:
        provider.insurance_warned_on = today
        record("insurance_warning_sent", provider, by=None, expires_on=provider.insurance_expires_on.isoformat())
        _email_staff(provider, _l("Your insurance is running out") if provider.insurance_expires_on > today
                     else _l("Your insurance has run out"), "insurance_expiring_provider", admins_only=True,
                     expired=provider.insurance_expires_on <= today, link=notify.link("provider_orgs.edit_organisation"))
        by_body.setdefault(provider.approving_body, []).append(provider)
    for body, expiring in by_body.items():
        _email_commissioners(body, lazy_ngettext("Provider insurance running out: %(num)s provider",
                                                 "Provider insurance running out: %(num)s providers", len(expiring)),
                             "insurance_expiring_commissioner",
                             providers=expiring, today=today,
                             link=notify.link("approvals.providers", show="insurance"))
    return providers


# --- safeguards due to be checked again ----------------------------------------------------------------

def warn_due_reverification(today: date, days: int = safeguards.DUE_SOON_DAYS) -> list[SafeguardCheck]:
    """Warn the approving body's commissioners, and the provider's administrators, about each safeguard whose latest
    check is due to be verified again within ``days`` (or is overdue), once for each check: a new check earns its
    own warning. Run daily by ``flask warn-safeguards``; the caller commits."""
    later = aliased(SafeguardCheck)
    superseded = (select(later.id).where(later.provider_id == SafeguardCheck.provider_id,
                                         later.safeguard == SafeguardCheck.safeguard, later.id > SafeguardCheck.id)
                  .correlate(SafeguardCheck).exists())
    checks = db.session.scalars(
        select(SafeguardCheck).options(joinedload(SafeguardCheck.provider))
        .where(SafeguardCheck.reverify_on <= today + timedelta(days=days), SafeguardCheck.reverify_warned_on.is_(None),
               ~superseded)
        .order_by(SafeguardCheck.reverify_on, SafeguardCheck.provider_id, SafeguardCheck.id)
    ).all()
    by_body: dict[Body, list[SafeguardCheck]] = {}
    for check in checks:
        provider = check.provider
        check.reverify_warned_on = today
        record("safeguard_reverify_warning_sent", provider, by=None, safeguard=check.safeguard.value,
               check_id=check.id, reverify_on=check.reverify_on.isoformat())
        _email_staff(provider, _l("One of your safeguards is due to be checked again"),
                     "safeguard_due_provider", admins_only=True, check=check, overdue=check.reverify_on <= today)
        by_body.setdefault(provider.approving_body, []).append(check)
    for body, due in by_body.items():
        _email_commissioners(body, lazy_ngettext("Safeguards to check again: %(num)s check",
                                                 "Safeguards to check again: %(num)s checks", len(due)),
                             "safeguard_due_commissioner", checks=due, today=today,
                             links={check.id: notify.link("approvals.provider", provider_id=check.provider_id)
                                    for check in due})
    return checks


# --- staff and invitations ---------------------------------------------------------------------------

def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_invites(provider: Provider) -> list[ProviderInvite]:
    cutoff = utcnow() - timedelta(days=INVITE_VALID_DAYS)
    return db.session.scalars(
        select(ProviderInvite).where(ProviderInvite.provider_id == provider.id, ProviderInvite.accepted_at.is_(None),
                                     ProviderInvite.revoked_at.is_(None), ProviderInvite.created_at > cutoff)
        .order_by(ProviderInvite.created_at.desc())
    ).all()


def invite_staff(provider: Provider, email: str, *, by: User) -> tuple[ProviderInvite, str]:
    """An administrator invites a colleague; the emailed link (valid for 7 days) creates their staff account.
    Only a hash of the token is kept."""
    check_admin(by, provider)
    email = email.strip().lower()
    if not email:
        raise DomainError(_("Enter your colleague's email address."))
    if find_user_by_email(email) is not None:
        raise DomainError(_("An account already uses this email address, so it cannot be invited. "
                            "Ask the short breaks team if this person should join your organisation."))
    for earlier in open_invites(provider):
        if earlier.email == email:
            earlier.revoked_at = utcnow()  # the new link replaces the old one
    token = secrets.token_urlsafe(32)
    invite = ProviderInvite(provider_id=provider.id, email=email, token_hash=invite_token_hash(token), invited_by_id=by.id)
    db.session.add(invite)
    db.session.flush()
    record("staff_invited", provider, by=by, email=email)
    # No account yet: the email goes to the address, in the language of the page that sent the invitation.
    notify.queue(email, _l("Join %(name)s on the short breaks portal", name=provider.name), "staff_invite",
                 provider=provider, invited_by=by, days=INVITE_VALID_DAYS,
                 link=notify.link("provider_orgs.accept_invite", invite_token=token))
    return invite, token


def find_invite(token: str) -> ProviderInvite | None:
    """The open invitation with this token, or None if it is unknown, used, cancelled or out of date."""
    invite = db.session.scalar(select(ProviderInvite).where(ProviderInvite.token_hash == invite_token_hash(token)))
    if invite is None or invite.accepted_at is not None or invite.revoked_at is not None:
        return None
    if invite.created_at <= utcnow() - timedelta(days=INVITE_VALID_DAYS):
        return None
    return invite


def accept_invite(invite: ProviderInvite, *, name: str, password: str) -> User:
    if invite.accepted_at is not None or invite.revoked_at is not None:
        raise DomainError(_("This invitation has already been used or cancelled."))
    name = name.strip()
    if not name:
        raise DomainError(_("Enter your full name."))
    if find_user_by_email(invite.email) is not None:
        raise DomainError(_("An account already uses this email address. Sign in instead."))
    # The emailed invitation's link has shown that the address is theirs.
    member = User(email=invite.email, name=name, role=Role.PROVIDER, provider_id=invite.provider_id,
                  email_confirmed_at=utcnow())
    member.set_password(password)
    _add_account(member)
    invite.accepted_at = utcnow()
    record("staff_joined", invite.provider, by=member, email=member.email)
    return member


def revoke_invite(invite: ProviderInvite, *, by: User) -> None:
    check_admin(by, invite.provider)
    if invite.accepted_at is not None:
        raise DomainError(_("This invitation has already been accepted. Remove the person from your staff instead."))
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        record("invite_cancelled", invite.provider, by=by, email=invite.email)


def _admins_left(provider: Provider, without: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.provider_id == provider.id, User.role == Role.PROVIDER,
                                          User.active.is_(True), User.is_provider_admin.is_(True),
                                          User.id != without.id)
    )


def _check_staff_change(member: User, by: User) -> Provider:
    provider = member.provider
    if provider is None or member.role is not Role.PROVIDER:
        raise DomainError(_("This person is not on a provider's staff."))
    # Staff changes to one organisation take turns: the count of administrators left is only true while
    # nobody else changes it, and the person acting may have just lost their own rights.
    lock(provider)
    db.session.refresh(member)
    db.session.refresh(by)
    if by.role is not Role.ADMIN:
        check_admin(by, provider)
    return provider


def remove_staff(member: User, *, by: User) -> User:
    """Take away a colleague's access: their account is deactivated, never deleted, so the records stay."""
    provider = _check_staff_change(member, by)
    if member.id == by.id:
        raise DomainError(_("You cannot remove yourself. Ask another administrator to do it."))
    if not member.active:
        raise DomainError(_("%(name)s has already been removed.", name=member.name))
    if member.is_provider_admin and _admins_left(provider, without=member) == 0:
        raise DomainError(_("%(name)s is your organisation's only administrator. Make someone else an "
                            "administrator first.", name=member.name))
    member.active = False
    record("staff_removed", provider, by=by, user_id=member.id, email=member.email)
    return member


def set_admin(member: User, make_admin: bool, *, by: User) -> User:
    """Give or take away a colleague's right to manage staff and API tokens."""
    provider = _check_staff_change(member, by)
    if member.id == by.id:
        raise DomainError(_("You cannot change your own administrator rights."))
    if not member.active:
        raise DomainError(_("%(name)s has been removed from your staff.", name=member.name))
    if not make_admin and member.is_provider_admin and _admins_left(provider, without=member) == 0:
        raise DomainError(_("%(name)s is your organisation's only administrator.", name=member.name))
    if member.is_provider_admin != make_admin:
        member.is_provider_admin = make_admin
        record("staff_admin_given" if make_admin else "staff_admin_removed", provider, by=by, user_id=member.id)
    return member
