"""People, families and children, localities, assessments and the audit trail."""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    false as sa_false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from . import page_cache
from .extensions import db
from .i18n import N_
from .timeutil import UTCDateTime, age_on, utcnow


class Role(enum.Enum):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    PROVIDER = "provider"
    COUNCIL = "council_commissioner"
    TRUST = "trust_commissioner"
    ADULTS = "adult_social_care"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return gettext(ROLE_LABELS[self])

    @property
    def is_family(self) -> bool:
        return self in (Role.PARENT_CARER, Role.YOUNG_PERSON)


ROLE_LABELS = {
    Role.PARENT_CARER: N_("Parent carer"),
    Role.YOUNG_PERSON: N_("Young person"),
    Role.PROVIDER: N_("Provider staff"),
    Role.COUNCIL: N_("Council commissioner"),
    Role.TRUST: N_("Children's trust staff"),
    Role.ADULTS: N_("Adult social care staff"),
    Role.ADMIN: N_("Administrator"),
}

# Needs, support levels and accessibility features are fixed lists so that families and
# providers describe them the same way and the search can match them exactly. The words are marked with N_ and
# translated where they are shown (gettext(word), or `| translated` in a template).
NEEDS = {
    "autism": N_("Autism"),
    "learning": N_("Learning disability"),
    "physical": N_("Physical disability"),
    "hearing": N_("Deaf or hearing impairment"),
    "vision": N_("Blind or visual impairment"),
    "adhd": N_("ADHD"),
    "health": N_("Complex health needs"),
    "semh": N_("Social, emotional and mental health needs"),
    "communication": N_("Speech, language and communication needs"),
}

ACCESSIBILITY = {
    "step_free": N_("Step-free access"),
    "accessible_toilet": N_("Accessible toilet"),
    "changing_places": N_("Changing Places toilet"),
    "hoist": N_("Hoist available"),
    "quiet_space": N_("Quiet space"),
    "sensory_room": N_("Sensory room"),
    "hearing_loop": N_("Hearing loop"),
    "bsl": N_("British Sign Language"),
    "parking": N_("Accessible parking"),
}


class SupportLevel(enum.Enum):
    GROUP = "group"
    ONE_TO_TWO = "one_to_two"
    ONE_TO_ONE = "one_to_one"
    TWO_TO_ONE = "two_to_one"

    @property
    def label(self) -> str:
        return gettext(SUPPORT_LEVELS[self.value])


SUPPORT_LEVELS = {
    SupportLevel.GROUP.value: N_("Can join in with a group (1 adult to 4 children)"),
    SupportLevel.ONE_TO_TWO.value: N_("Needs 1 adult to 2 children"),
    SupportLevel.ONE_TO_ONE.value: N_("Needs 1:1 support (1 adult all the time)"),
    SupportLevel.TWO_TO_ONE.value: N_("Needs 2:1 support (2 adults all the time)"),
}


class Locality(db.Model):
    __tablename__ = "localities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Share of the area's need, in per cent (Birmingham's East holds about 40%).
    need_share: Mapped[int] = mapped_column(default=0)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    phone: Mapped[str | None] = mapped_column(String(40))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Provider staff who may invite colleagues and create API tokens.
    is_provider_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language pages and emails are in for this person (a code in portal.i18n.LANGUAGES).
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of what a session cookie holds (get_id): raising it ends every session this person has, wherever.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-step sign-in (portal/two_step.py): the authenticator app's shared secret once set up, and the last time
    # step whose code was accepted (a code is good once: the same or an older one is refused).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    two_step_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person follows the link we emailed when they signed up (or accepts an emailed invitation): until
    # then the account cannot sign in, so nobody's bookings go to an address typed wrongly, or someone else's.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time they signed in (only the last: a history would be a log of someone's habits), so the retention
    # task (privacy/) can tell an account nobody uses from a quiet one.
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    children: Mapped[list[Child]] = relationship(back_populates="parent", order_by="Child.first_name",
                                                 foreign_keys="Child.parent_id")
    provider = relationship("Provider")

    def set_password(self, password: str) -> None:
        """A new password ends every session signed in with the old one (a stolen cookie stops working)."""
        if self.password_hash:
            self.end_sessions()
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def end_sessions(self) -> None:
        """Sign this person out everywhere: every session cookie issued so far stops working."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:
        """What a session holds to say who is signed in: the account and its session version, never the id alone
        (Flask-Login's alternative tokens)."""
        return f"{self.id}:{self.session_version or 0}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def two_step_required(self) -> bool:
        """Staff who can see many children's records, or run a provider's account, must use two-step sign-in."""
        return self.role in (Role.COUNCIL, Role.TRUST, Role.ADULTS, Role.ADMIN) or (
            self.role is Role.PROVIDER and bool(self.is_provider_admin))

    def recovery_codes_left(self) -> int:
        return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.user_id == self.id, RecoveryCode.used_at.is_(None)))

    @property
    def needs_two_step(self) -> bool:
        """Signing in takes a security code as well as the password (required, or chosen by the person)."""
        return self.two_step_required or self.totp_secret is not None


class RecoveryCode(db.Model):
    """A one-use code that stands in for the authenticator app (a lost phone); only its hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The age at which a young person is an adult: their record becomes theirs (portal.access), and adult social care,
# not the children's trust, pays for their specialist breaks (providers.models.PAID_BY).
ADULT_AGE = 18


class Child(db.Model):
    """A child or young person, added once by their family and reused for every booking."""

    __tablename__ = "children"
    __table_args__ = (CheckConstraint("date_of_birth > '1990-01-01'", name="plausible_birth"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date] = mapped_column(Date)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_notes: Mapped[str | None] = mapped_column(Text)
    has_ehc_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id", ondelete="SET NULL"))
    postcode: Mapped[str | None] = mapped_column(String(10))
    support_level: Mapped[SupportLevel] = mapped_column(
        Enum(SupportLevel, native_enum=False, length=20), default=SupportLevel.GROUP
    )
    emergency_contact: Mapped[str | None] = mapped_column(String(200))
    # The language the child and family use day to day (as the family writes it), and whether the provider
    # should arrange an interpreter; providers see both on the register.
    home_language: Mapped[str | None] = mapped_column(String(80))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # A young person aged 16 to 25 who holds their own account is their own "child" record.
    is_account_holder: Mapped[bool] = mapped_column(Boolean, default=False)
    # Consent to be named on the council's register of disabled children (Children Act 1989 Sch. 2 para. 2), given
    # or withdrawn by the family at any time; everyone is counted on it, only those who consented are listed.
    register_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    register_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # From 16, the young person's own sign-in beside their parent's, on this same record (portal/growing_up.py);
    # at 18 the record is theirs. Not used for a young person who added themselves (is_account_holder).
    young_person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # When the daily task told each of them, before the 18th birthday, what will change (each once), and when it
    # recorded that the parent's access ended at 18 for want of consent or a legal basis.
    told_parent_of_18_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told_young_person_of_18_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parent_access_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[User] = relationship(back_populates="children", foreign_keys=[parent_id])
    young_person: Mapped[User | None] = relationship(foreign_keys=[young_person_id])
    locality: Mapped[Locality | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int:
        return age_on(self.date_of_birth, on)

    @property
    def need_labels(self) -> list[str]:
        return [gettext(NEEDS[n]) for n in self.needs if n in NEEDS]


class AccessBasis(enum.Enum):
    """Why a parent may still see a young adult's record after their 18th birthday."""

    CONSENT = "consent"  # the young adult agreed (from their own sign-in, or in person to staff)
    DEPUTYSHIP = "deputyship"  # a Court of Protection deputy for the young adult's property and affairs or welfare
    APPOINTEE = "appointee"  # appointed to manage the young adult's benefits

    @property
    def label(self) -> str:
        return gettext(ACCESS_BASES[self])


ACCESS_BASES = {AccessBasis.CONSENT: N_("The young person's consent"),
                AccessBasis.DEPUTYSHIP: N_("Court of Protection deputyship"),
                AccessBasis.APPOINTEE: N_("Appointee")}


class FamilyAccess(db.Model):
    """A recorded basis for a parent to keep seeing and managing a young adult's record and bookings after 18: the
    young adult's consent, or a legal basis entered by staff with its reference. Withdrawn, never deleted."""

    __tablename__ = "family_access"
    __table_args__ = (CheckConstraint("basis = 'CONSENT' OR reference IS NOT NULL", name="legal_basis_has_reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    basis: Mapped[AccessBasis] = mapped_column(Enum(AccessBasis, native_enum=False, length=16))
    # The court order's or the appointment's reference; for consent given in person, where and how it was given.
    reference: Mapped[str | None] = mapped_column(String(200))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)

    child: Mapped[Child] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


class YoungPersonInvite(db.Model):
    """A parent's (or staff's) emailed invitation to a young person of 16 or over to have their own sign-in to
    their record. Only a hash of the link's token is kept."""

    __tablename__ = "young_person_invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    child: Mapped[Child] = relationship()
    invited_by: Mapped[User | None] = relationship()


class AssessmentStatus(enum.Enum):
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return gettext(ASSESSMENT_STATUSES[self.value])


ASSESSMENT_STATUSES = {AssessmentStatus.APPROVED.value: N_("Approved"), AssessmentStatus.REFUSED.value: N_("Refused")}


class AssessmentSource(enum.Enum):
    """How an assessment came about: the family asked, a professional referred the child, or an earlier decision was
    reviewed."""

    REQUEST = "request"
    REFERRAL = "referral"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return gettext(ASSESSMENT_SOURCES[self])


ASSESSMENT_SOURCES = {AssessmentSource.REQUEST: N_("The family asked for it"),
                      AssessmentSource.REFERRAL: N_("A professional referred the child"),
                      AssessmentSource.REVIEW: N_("A review of an earlier decision")}


class Assessment(db.Model):
    """A social care assessment outcome recorded by trust staff; specialist breaks need an approved one."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(Enum(AssessmentStatus, native_enum=False, length=16))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[AssessmentSource] = mapped_column(Enum(AssessmentSource, native_enum=False, length=16),
                                                     default=AssessmentSource.REQUEST, server_default="REQUEST")
    # For a referral: who referred the child (name, role and organisation, as the trust wrote it) and when.
    referred_by: Mapped[str | None] = mapped_column(String(200))
    referred_on: Mapped[date | None] = mapped_column(Date)

    child: Mapped[Child] = relationship()
    recorded_by: Mapped[User] = relationship()


def has_approved_assessment(child: Child) -> bool:
    """Whether the child's latest assessment approved specialist breaks."""
    latest = db.session.scalars(
        select(Assessment).where(Assessment.child_id == child.id).order_by(Assessment.decided_at.desc(), Assessment.id.desc())
    ).first()
    return latest is not None and latest.status is AssessmentStatus.APPROVED


class AssessmentRequest(db.Model):
    """A family asking the trust for an assessment, usually from a specialist offer's page."""

    __tablename__ = "assessment_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    # The member of the trust's staff handling it (the family sees who), and since when.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    child: Mapped[Child] = relationship()
    offer = relationship("Offer")
    assessment: Mapped[Assessment | None] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def stage(self) -> str:
        """Where the request is: "received", "being_assessed" (a member of staff has it) or "decided"."""
        if self.assessment_id is not None:
            return "decided"
        return "being_assessed" if self.handled_by_id is not None else "received"

    @property
    def stage_label(self) -> str:
        return gettext(REQUEST_STAGES[self.stage])


REQUEST_STAGES = {"received": N_("Received"), "being_assessed": N_("Being assessed"), "decided": N_("Decided")}


class AuditEvent(db.Model):
    """Who did what, when and why, to places, money, eligibility or a decision about a child."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


def record(action: str, subject, *, by: User | None, reason: str | None = None, **details) -> None:
    """Write an audit entry for a change to ``subject`` (which must have its id) in the caller's transaction: it
    commits or rolls back with the change. Written at once, as one INSERT rather than through the ORM's unit of
    work: nothing uses an entry as an object, and every booking writes one."""
    # current_user is a proxy: the entry is about the person behind it.
    subject = subject._get_current_object() if hasattr(subject, "_get_current_object") else subject
    entry = {"action": action, "subject_type": type(subject).__name__, "subject_id": subject.id,
             "actor_id": by.id if by is not None else None, "reason": reason, "details": details}
    db.session.connection().execute(_WRITE_AUDIT_EVENT, entry)
    page_cache.note_written(db.session(), AuditEvent, entry)  # the feed's last_modified comes from some entries


_WRITE_AUDIT_EVENT = AuditEvent.__table__.insert()


def check_password_of_nobody(password: str) -> bool:
    """The same work as checking a real account's password (one hash with the configured method), for an email
    address with no account: sign-in then takes as long whether or not the address has one. Always False."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _NOBODY_HASHES:
        _NOBODY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_NOBODY_HASHES[method], password)
    return False


_NOBODY_HASHES: dict[str, str] = {}
