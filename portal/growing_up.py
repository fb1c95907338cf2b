"""Control passes to the young adult at 18 (#15): from 16 a young person can have their own sign-in to their record
beside their parent's; from their 18th birthday the record is theirs, and the parent keeps access only on a recorded
basis (the young adult's consent, or a deputyship or appointee entered by staff with its reference). Both are told
before the birthday, once each. Who may see what is decided in one place: ``portal.access.standing``.

Services only: the views and the daily task commit."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import notify
from .access import ADULT_AGE, active_access, can_see_child, is_adult
from .errors import DomainError, NotAllowed
from .extensions import db
from .formatting import long_date
from .models import AccessBasis, Child, FamilyAccess, Role, User, YoungPersonInvite, record
from . import timeutil
from .timeutil import london_today, utcnow

OWN_SIGN_IN_AGE = 16
INVITE_VALID_DAYS = 7
STAFF = (Role.TRUST, Role.ADULTS, Role.ADMIN)


def birthday(child: Child, years: int) -> date:
    """The day the child turns ``years`` (``portal.timeutil.birthday``)."""
    return timeutil.birthday(child.date_of_birth, years)


def eighteenth(child: Child) -> date:
    return birthday(child, ADULT_AGE)


def is_staff(user: User) -> bool:
    return user.role in STAFF


# --- the young person's own sign-in ----------------------------------------------------------------------------

def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_invite(child: Child) -> YoungPersonInvite | None:
    return db.session.scalar(select(YoungPersonInvite).where(
        YoungPersonInvite.child_id == child.id, YoungPersonInvite.accepted_at.is_(None),
        YoungPersonInvite.revoked_at.is_(None),
        YoungPersonInvite.created_at > utcnow() - timedelta(days=INVITE_VALID_DAYS)))


def invite(child: Child, email: str, *, by: User) -> str:
    """The parent (or staff) invites a young person aged 16 or over, by email, to have their own sign-in to this
    record; returns the link's token (only its hash is kept)."""
    if not (is_staff(by) or (by.role is Role.PARENT_CARER and can_see_child(by, child))):
        raise NotAllowed(_("Only their parent or carer, or staff, can invite a young person to their record."))
    if child.is_account_holder or child.young_person_id is not None:
        raise DomainError(_("%(name)s already has their own sign-in.", name=child.first_name))
    if child.age_on(london_today()) < OWN_SIGN_IN_AGE:
        raise DomainError(_("%(name)s can have their own sign-in from their 16th birthday, on %(day)s.",
                            name=child.first_name, day=long_date(birthday(child, OWN_SIGN_IN_AGE))))
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise DomainError(_("An account already uses this email address. Use the young person's own email address."))
    if (earlier := open_invite(child)) is not None:
        earlier.revoked_at = utcnow()  # the new link replaces the old one
    token = secrets.token_urlsafe(32)
    db.session.add(YoungPersonInvite(child_id=child.id, email=email, token_hash=invite_token_hash(token),
                                     invited_by_id=by.id))
    record("young_person_invited", child, by=by, email=email)
    # No account yet: the email goes to the address, in the language of the page that sent it.
    notify.queue(email, _l("Your own sign-in to short breaks"), "young_person_invite", child=child, invited_by=by,
                 days=INVITE_VALID_DAYS, link=notify.link("growing_up.join", young_person_token=token))
    return token


def find_invite(token: str) -> YoungPersonInvite | None:
    """The open invitation with this token, or None if it is unknown, used, cancelled or out of date."""
    found = db.session.scalar(select(YoungPersonInvite).where(YoungPersonInvite.token_hash == invite_token_hash(token)))
    if found is None or found.accepted_at is not None or found.revoked_at is not None \
            or found.created_at <= utcnow() - timedelta(days=INVITE_VALID_DAYS):
        return None
    return found


def join(found: YoungPersonInvite, *, name: str, password: str) -> User:
    """The young person accepts: a young person's account, linked to the same record as their parent's (not a
    copy)."""
    child = found.child
    if found.accepted_at is not None or found.revoked_at is not None or child.young_person_id is not None:
        raise DomainError(_("This invitation has already been used or cancelled."))
    if db.session.scalar(select(User.id).where(func.lower(User.email) == found.email)) is not None:
        raise DomainError(_("An account already uses this email address. Sign in instead."))
    # The emailed link has shown that the address is theirs.
    young_person = User(email=found.email, name=name.strip(), role=Role.YOUNG_PERSON, email_confirmed_at=utcnow(),
                        language=found.invited_by.language if found.invited_by else "en")
    young_person.set_password(password)
    db.session.add(young_person)
    db.session.flush()
    child.young_person_id = young_person.id
    found.accepted_at = utcnow()
    record("young_person_joined", child, by=young_person)
    return young_person


# --- the parent's access after 18 ----------------------------------------------------------------------------------

def grant(child: Child, basis: AccessBasis, *, by: User, reference: str | None = None,
          reason: str | None = None) -> FamilyAccess:
    """Record a basis for the parent to keep seeing the record after 18: the young person's consent (given by them
    from their own sign-in, or in person to staff, who say how in ``reference``), or a deputyship or appointee
    entered by staff with its reference. Audited."""
    reference = (reference or "").strip() or None
    own = by.id == child.young_person_id or (child.is_account_holder and by.id == child.parent_id)
    if basis is AccessBasis.CONSENT and not (own or is_staff(by)):
        raise NotAllowed(_("Only the young person, or staff they told, can record their consent."))
    if basis is not AccessBasis.CONSENT and not is_staff(by):
        raise NotAllowed(_("Only the children's trust, adult social care or an administrator can record a legal basis."))
    if (basis is not AccessBasis.CONSENT or not own) and not reference:
        raise DomainError(_("Enter the reference") if basis is not AccessBasis.CONSENT
                          else _("Say how and when the young person gave their consent"))
    if child.is_account_holder:
        raise DomainError(_("This record was made by the young person themselves: no parent is linked to it."))
    parent = child.parent
    access = FamilyAccess(child_id=child.id, user_id=parent.id, basis=basis, reference=reference, granted_by_id=by.id,
                          granted_at=utcnow(), reason=(reason or "").strip() or None)
    db.session.add(access)
    db.session.flush()
    child.parent_access_ended_at = None  # should it be withdrawn, the daily task records the end again
    record("family_access_granted", child, by=by, reason=access.reason, basis=basis.value, reference=reference,
           parent_id=parent.id, access_id=access.id)
    return access


def withdraw(access: FamilyAccess, *, by: User, reason: str | None = None) -> None:
    """End a recorded basis: the young person withdraws their consent; staff end any basis (a deputyship ended by
    the court, say), with a reason. Audited."""
    child = access.child
    own = by.id == child.young_person_id
    if not (is_staff(by) or (own and access.basis is AccessBasis.CONSENT)):
        raise NotAllowed(_("Only the young person can withdraw their consent; staff end a legal basis."))
    reason = (reason or "").strip() or None
    if is_staff(by) and not own and not reason:
        raise DomainError(_("Say why this is being ended"))
    if access.withdrawn_at is not None:
        raise DomainError(_("This has already been withdrawn."))
    access.withdrawn_at, access.withdrawn_by_id = utcnow(), by.id
    if reason:
        access.reason = reason
    record("family_access_withdrawn", child, by=by, reason=reason, basis=access.basis.value,
           parent_id=access.user_id, access_id=access.id)


def history(child: Child) -> list[FamilyAccess]:
    return list(db.session.scalars(select(FamilyAccess).where(FamilyAccess.child_id == child.id)
                                   .order_by(FamilyAccess.granted_at.desc(), FamilyAccess.id.desc())))


# --- before and at the 18th birthday (the daily task) ---------------------------------------------------------------

def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def tell_before_18(today: date) -> list[str]:
    """Email the parent and the young person (each once, in their own language) when the 18th birthday is within
    ADULTHOOD_NOTICE_DAYS: what will change and what to do. Returns whom it told."""
    days = current_app.config["ADULTHOOD_NOTICE_DAYS"]
    told = []
    for child in db.session.scalars(select(Child).where(
            Child.is_account_holder.is_(False),
            Child.date_of_birth > _years_before(today, ADULT_AGE),
            Child.date_of_birth <= _years_before(today + timedelta(days=days), ADULT_AGE))):
        on = eighteenth(child)
        if not today < on <= today + timedelta(days=days):
            continue
        if child.told_parent_of_18_at is None and child.parent.active:
            notify.queue(child.parent, _l("%(name)s turns 18 soon: what changes", name=child.first_name),
                         "turning_18_parent", child=child, on=on, consented=bool(active_access(child, child.parent)),
                         has_sign_in=child.young_person_id is not None,
                         link=notify.link("families.children"))
            child.told_parent_of_18_at = utcnow()
            record("told_of_18", child, by=None, to="parent")
            told.append(child.parent.email)
        if child.young_person_id is not None and child.told_young_person_of_18_at is None \
                and child.young_person.active:
            notify.queue(child.young_person, _l("You turn 18 soon: what changes"), "turning_18_young_person",
                         child=child, on=on, parent=child.parent, link=notify.link("growing_up.your_record"))
            child.told_young_person_of_18_at = utcnow()
            record("told_of_18", child, by=None, to="young_person")
            told.append(child.young_person.email)
    return told


def record_ended_at_18(today: date) -> list[Child]:
    """On (or after) the 18th birthday, for each record whose parent has no recorded consent or legal basis: record
    that their access ended, and tell them why and what would restore it (once)."""
    ended = []
    for child in db.session.scalars(select(Child).where(
            Child.is_account_holder.is_(False), Child.parent_access_ended_at.is_(None),
            Child.date_of_birth <= _years_before(today, ADULT_AGE))):
        if not is_adult(child) or active_access(child, child.parent):
            continue
        child.parent_access_ended_at = utcnow()
        record("parent_access_ended_at_18", child, by=None, reason="18th birthday with no recorded consent or legal basis",
               parent_id=child.parent_id)
        if child.parent.active:
            notify.queue(child.parent, _l("You can no longer see %(name)s's records", name=child.first_name),
                         "family_access_ended", child=child, has_sign_in=child.young_person_id is not None)
        ended.append(child)
    return ended
