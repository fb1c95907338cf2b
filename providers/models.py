"""Providers, offers, sessions, bookings and waiting lists."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from flask_babel import gettext, ngettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.formatting import pounds
from portal.i18n import N_
from portal.models import (
    ACCESSIBILITY,
    ADULT_AGE,
    NEEDS,
    Child,
    Locality,
    Role,
    SupportLevel,
    User,
)
from portal.timeutil import UTCDateTime, london_today, utcnow


class Tier(enum.Enum):
    UNIVERSAL = "universal"
    TARGETED = "targeted"
    SPECIALIST = "specialist"

    @property
    def label(self) -> str:
        return gettext(TIER_LABELS[self])

    @property
    def body(self) -> Body:
        """The body that commissions this tier (the one table of it: ``COMMISSIONED_BY``)."""
        return COMMISSIONED_BY[self]

    @property
    def commissioner(self) -> str:
        return self.body.title


TIER_LABELS = {
    Tier.UNIVERSAL: N_("Universal"),
    Tier.TARGETED: N_("Targeted"),
    Tier.SPECIALIST: N_("Specialist"),
}


class Category(enum.Enum):
    AFTER_SCHOOL = "after_school"
    HOLIDAY = "holiday"
    YOUTH_CLUB = "youth_club"
    SPORT = "sport"
    ARTS = "arts"
    FAMILY = "family"
    OUTDOOR = "outdoor"
    SITTING = "sitting"
    DAY_CARE = "day_care"
    OVERNIGHT = "overnight"

    @property
    def label(self) -> str:
        return gettext(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.AFTER_SCHOOL: N_("After-school club"),
    Category.HOLIDAY: N_("Holiday play scheme"),
    Category.YOUTH_CLUB: N_("Youth club"),
    Category.SPORT: N_("Sport and physical activity"),
    Category.ARTS: N_("Arts, music and drama"),
    Category.FAMILY: N_("Family activity or day out"),
    Category.OUTDOOR: N_("Outdoor activity"),
    Category.SITTING: N_("Sitting service at home"),
    Category.DAY_CARE: N_("Day care"),
    Category.OVERNIGHT: N_("Overnight short break"),
}


class PaymentRoute(enum.Enum):
    """How a place on the offer is paid for, as the family sees it."""

    FREE = "free"
    PAY_PROVIDER = "pay_provider"
    COUNCIL_FUNDED = "council_funded"
    PERSONAL_BUDGET = "personal_budget"

    @property
    def label(self) -> str:
        return gettext(PAYMENT_ROUTE_LABELS[self])


PAYMENT_ROUTE_LABELS = {
    PaymentRoute.FREE: N_("Free"),
    PaymentRoute.PAY_PROVIDER: N_("You pay the provider directly"),
    PaymentRoute.COUNCIL_FUNDED: N_("Funded by the council"),
    PaymentRoute.PERSONAL_BUDGET: N_("Paid from your child's personal budget or direct payment"),
}


class Body(enum.Enum):
    """A commissioning body: the council commissions universal and targeted breaks, the trust specialist ones for
    children, and adult social care specialist ones for young adults aged 18 to 25."""

    COUNCIL = "council"
    TRUST = "trust"
    ADULTS = "adults"

    @property
    def label(self) -> str:
        """In a sentence: "the council", "the children's trust", "adult social care"."""
        return gettext(BODY_LABELS[self])

    @property
    def title(self) -> str:
        """On its own, as a heading or in a table: "Council", "Children's trust", "Adult social care"."""
        return gettext(BODY_TITLES[self])

    @property
    def role(self) -> Role:
        """The role its commissioners have."""
        return COMMISSIONER_ROLE[self]

    @property
    def tiers(self) -> tuple[Tier, ...]:
        """The tiers whose providers it approves and whose offer it commissions (none, for adult social care: it
        buys specialist breaks the trust has approved)."""
        return tuple(tier for tier, body in COMMISSIONED_BY.items() if body is self)

    @property
    def funds(self) -> tuple[Tier, ...]:
        """The tiers it pays for places on, for someone of some age."""
        return tuple(tier for tier in Tier if any(body is self for _, body in PAID_BY[tier]))

    @classmethod
    def of_role(cls, role: Role) -> Body | None:
        """The body a commissioner works for (None for anyone else, administrators included)."""
        return next((body for body, its_role in COMMISSIONER_ROLE.items() if its_role is role), None)


BODY_LABELS = {Body.COUNCIL: N_("the council"), Body.TRUST: N_("the children's trust"),
               Body.ADULTS: N_("adult social care")}
BODY_TITLES = {Body.COUNCIL: N_("Council"), Body.TRUST: N_("Children’s trust"), Body.ADULTS: N_("Adult social care")}

# The one table of which body commissions which tier (and approves its providers), and which role works for which
# body.
COMMISSIONED_BY = {Tier.UNIVERSAL: Body.COUNCIL, Tier.TARGETED: Body.COUNCIL, Tier.SPECIALIST: Body.TRUST}
COMMISSIONER_ROLE = {Body.COUNCIL: Role.COUNCIL, Body.TRUST: Role.TRUST, Body.ADULTS: Role.ADULTS}
# Who pays for a place, by its tier and the young person's age on the day of the break: (from age, body), youngest
# first. A specialist break is the children's trust's until the 18th birthday and adult social care's from it (to 25).
PAID_BY = {Tier.UNIVERSAL: ((0, Body.COUNCIL),), Tier.TARGETED: ((0, Body.COUNCIL),),
           Tier.SPECIALIST: ((0, Body.TRUST), (ADULT_AGE, Body.ADULTS))}


def paying_body(tier: Tier, age: int) -> Body:
    """The body that pays for a place on a break of this tier for someone this age on the day of the break."""
    return [body for from_age, body in PAID_BY[tier] if age >= from_age][-1]


class Funding(enum.StrEnum):
    """How a booked place is paid for (stored on the booking as its value)."""

    FREE = "free"
    PAY_PROVIDER = "pay_provider"
    COUNCIL_FUNDED = "council_funded"
    PERSONAL_BUDGET = "personal_budget"
    DIRECT_PAYMENT = "direct_payment"
    CARD = "card"

    @property
    def label(self) -> str:
        return gettext(FUNDING_LABELS[self])

    @property
    def draws_on_a_body(self) -> bool:
        """Whether a commissioning body's money pays for the place (the council's envelope or a child's budget)."""
        return self in (Funding.COUNCIL_FUNDED, Funding.PERSONAL_BUDGET, Funding.DIRECT_PAYMENT)


FUNDING_LABELS = {
    Funding.FREE: N_("Free"),
    Funding.PAY_PROVIDER: N_("Paid to the provider"),
    Funding.COUNCIL_FUNDED: N_("Funded by the council"),
    Funding.PERSONAL_BUDGET: N_("Managed personal budget"),
    Funding.DIRECT_PAYMENT: N_("Direct payment (paid by card)"),
    Funding.CARD: N_("Paid by card"),
}


SUPPORT_OFFERED = {
    "one_to_one": N_("1:1 support"),
    "personal_care": N_("Personal care"),
    "medication": N_("Giving medication"),
    "communication_aids": N_("Communication aids (for example Makaton, PECS or BSL)"),
}


class ProviderStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return gettext(PROVIDER_STATUS_LABELS[self])


# As the status tags show them.
PROVIDER_STATUS_LABELS = {
    ProviderStatus.PENDING: N_("Waiting for approval"),
    ProviderStatus.APPROVED: N_("Approved"),
    ProviderStatus.RETURNED: N_("Returned"),
    ProviderStatus.SUSPENDED: N_("Suspended"),
}


class Provider(db.Model):
    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    # An approved provider's new public name waits here for the approving body; the old name shows meanwhile.
    pending_name: Mapped[str | None] = mapped_column(String(160))
    status: Mapped[ProviderStatus] = mapped_column(
        Enum(ProviderStatus, native_enum=False, length=16), default=ProviderStatus.APPROVED
    )
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(254))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))
    ofsted_number: Mapped[str | None] = mapped_column(String(20))
    insurance_expires_on: Mapped[date | None] = mapped_column(Date)
    # The day we last warned about the insurance date, so each warning is sent once.
    insurance_warned_on: Mapped[date | None] = mapped_column(Date)
    safeguarding_lead: Mapped[str | None] = mapped_column(String(120))
    dbs_policy_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    approving_body: Mapped[Body] = mapped_column(Enum(Body, native_enum=False, length=16), default=Body.COUNCIL)
    # The reason given with the latest return or suspension, shown to the provider.
    status_reason: Mapped[str | None] = mapped_column(Text)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    # A Stripe connected account made for the provider whose onboarding is not finished: card payments go to it
    # (it becomes stripe_account_id) only once Stripe says it can take charges.
    stripe_onboarding_account_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offers: Mapped[list[Offer]] = relationship(back_populates="provider")

    @property
    def can_sell_places(self) -> bool:
        return self.status is ProviderStatus.APPROVED


class Safeguard(enum.Enum):
    """What the approving body checks about a provider before and after approving it."""

    DBS = "dbs"
    INSURANCE = "insurance"
    OFSTED = "ofsted"
    SAFEGUARDING_LEAD = "safeguarding_lead"

    @property
    def label(self) -> str:
        return gettext(SAFEGUARD_LABELS[self])


SAFEGUARD_LABELS = {
    Safeguard.DBS: N_("DBS checks of staff"),
    Safeguard.INSURANCE: N_("Public liability insurance"),
    Safeguard.OFSTED: N_("Ofsted registration"),
    Safeguard.SAFEGUARDING_LEAD: N_("Safeguarding lead"),
}


class SafeguardCheck(db.Model):
    """A member of the approving body verified one safeguard: who, when, against what evidence, what was verified
    (the Ofsted number, the insurance date, the lead's name) and when it must be verified again. Never changed (but
    for the day its re-verification warning went out): a new check is a new row, and the latest of each kind is the
    one that counts."""

    __tablename__ = "safeguard_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    safeguard: Mapped[Safeguard] = mapped_column(Enum(Safeguard, native_enum=False, length=20))
    verified: Mapped[str | None] = mapped_column(String(200))
    evidence_ref: Mapped[str] = mapped_column(String(200))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reverify_on: Mapped[date | None] = mapped_column(Date)
    # The day we warned that re-verification is due, so each check's warning is sent once.
    reverify_warned_on: Mapped[date | None] = mapped_column(Date)

    provider: Mapped[Provider] = relationship()
    verified_by: Mapped[User | None] = relationship()


class ProviderInvite(db.Model):
    """A provider admin invites a colleague by email; the link creates their staff account."""

    __tablename__ = "provider_invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship()


offer_needs = Table(
    "offer_needs",
    db.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("need", String(20), primary_key=True),
    Index("ix_offer_needs_need", "need", "offer_id"),
)

offer_features = Table(
    "offer_features",
    db.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("feature", String(30), primary_key=True),
    Index("ix_offer_features_feature", "feature", "offer_id"),
)


class OfferNeed(db.Model):
    __table__ = offer_needs


class OfferFeature(db.Model):
    __table__ = offer_features


class OfferStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return gettext(OFFER_STATUS_LABELS[self])


# As the status tags show them.
OFFER_STATUS_LABELS = {
    OfferStatus.DRAFT: N_("Draft"),
    OfferStatus.SUBMITTED: N_("Waiting for approval"),
    OfferStatus.PUBLISHED: N_("Published"),
    OfferStatus.RETURNED: N_("Returned"),
    OfferStatus.WITHDRAWN: N_("Withdrawn"),
}


class Offer(db.Model):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("min_age >= 0 AND max_age <= 25 AND min_age <= max_age", name="age_range"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        Index("ix_offers_listing", "status", "tier", "title"),
        # Counting what the Open Referral feed or a search publishes, by provider, status and ages, from the index
        # alone (50,000 offers: 80 ms reading every offer's row on SQLite, 4 ms from this).
        Index("ix_offers_public_ages", "provider_id", "status", "min_age", "max_age"),
        # The search's first pass over the public offers by age, on PostgreSQL from the index alone (what it sorts
        # and joins by is included): an offer's row is wide, and reading 50,000 of them was most of a search.
        Index("ix_offers_searched", "status", "min_age", "max_age",
              postgresql_include=["id", "provider_id", "tier", "locality_id", "price_pence", "title"]),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    tier: Mapped[Tier] = mapped_column(Enum(Tier, native_enum=False, length=16), index=True)
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=20), index=True)
    min_age: Mapped[int]
    max_age: Mapped[int]
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id", ondelete="RESTRICT"), index=True)
    venue: Mapped[str] = mapped_column(String(200))
    eligibility: Mapped[str] = mapped_column(Text)
    how_to_get: Mapped[str | None] = mapped_column(Text)
    price_pence: Mapped[int] = mapped_column(default=0)
    # For council-funded places: what the family pays towards each place (the council pays the rest).
    family_contribution_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    payment_route: Mapped[PaymentRoute] = mapped_column(Enum(PaymentRoute, native_enum=False, length=20))
    # Families may cancel up to this many hours before a session starts.
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=48)
    # Bookings close this many hours before a session starts (0: until it starts).
    booking_cutoff_hours: Mapped[int] = mapped_column(default=0)
    support_offered: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A change of tier or price to a published offer waits here for the commissioner's approval.
    pending_tier: Mapped[Tier | None] = mapped_column(Enum(Tier, native_enum=False, length=16))
    pending_price_pence: Mapped[int | None]
    review_comments: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OfferStatus] = mapped_column(
        Enum(OfferStatus, native_enum=False, length=16), default=OfferStatus.PUBLISHED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="offers")
    locality: Mapped[Locality] = relationship()
    need_rows: Mapped[list[OfferNeed]] = relationship(cascade="all, delete-orphan")
    feature_rows: Mapped[list[OfferFeature]] = relationship(cascade="all, delete-orphan")
    sessions: Mapped[list[Session]] = relationship(back_populates="offer", order_by="Session.starts_at")

    @property
    def needs(self) -> list[str]:
        return sorted(r.need for r in self.need_rows)

    @needs.setter
    def needs(self, codes) -> None:
        self.need_rows = [OfferNeed(need=c) for c in sorted(set(codes)) if c in NEEDS]

    @property
    def features(self) -> list[str]:
        return sorted(r.feature for r in self.feature_rows)

    @features.setter
    def features(self, codes) -> None:
        self.feature_rows = [OfferFeature(feature=c) for c in sorted(set(codes)) if c in ACCESSIBILITY]

    @property
    def is_free(self) -> bool:
        return self.price_pence == 0

    @property
    def cancelling_in_words(self) -> str:
        """The offer's cancellation notice, as its page and the booking page give it (in the page's language)."""
        return ngettext("Cancel online up to %(num)s hour before a session starts.",
                        "Cancel online up to %(num)s hours before a session starts.", self.cancel_cutoff_hours)

    @property
    def cost_in_words(self) -> str:
        """What a place costs the family, in plain words (in the page's language)."""
        if self.is_free:
            return gettext("Free")
        price = pounds(self.price_pence)
        if self.payment_route is PaymentRoute.COUNCIL_FUNDED:
            if self.family_contribution_pence:
                return gettext("%(price)s a session. The council pays for the place while its short breaks budget "
                               "lasts; you pay the provider %(contribution)s towards it. You can also pay the full "
                               "price yourself.", price=price, contribution=pounds(self.family_contribution_pence))
            return gettext("%(price)s a session. Free to you: the council pays for the place while its short breaks "
                           "budget lasts. You can also pay the full price yourself.", price=price)
        if self.payment_route is PaymentRoute.PERSONAL_BUDGET:
            return gettext("%(price)s a session, paid from your child's personal budget or direct payment.", price=price)
        return gettext("%(price)s a session, paid by you (the booking page shows the ways to pay).", price=price)

    @property
    def needs_assessment(self) -> bool:
        return self.tier is Tier.SPECIALIST

    @property
    def approving_body(self) -> Body:
        return (self.pending_tier or self.tier).body

    @property
    def has_pending_change(self) -> bool:
        return self.pending_tier is not None or self.pending_price_pence is not None

    def suits_age(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age


STAFF_UNITS_PER_ADULT = 4
STAFF_UNITS = {
    SupportLevel.GROUP: 1,
    SupportLevel.ONE_TO_TWO: 2,
    SupportLevel.ONE_TO_ONE: 4,
    SupportLevel.TWO_TO_ONE: 8,
}


class SessionSeries(db.Model):
    """Repeating sessions, stored as an RFC 5545 rule and expanded into dated sessions."""

    __tablename__ = "session_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    rrule: Mapped[str] = mapped_column(Text)
    first_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int]
    staff: Mapped[int | None]
    # Days in the pattern with no session (bank holidays, staff training), as ISO dates.
    exceptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offer: Mapped[Offer] = relationship()
    sessions: Mapped[list[Session]] = relationship(back_populates="series")


# Each offer's next open session on each day of the week (Session.weekday: day_0 is Monday), for the search to sort
# and filter 50,000 offers without looking through their sessions. Kept by triggers on ``sessions`` (migration
# 5e6f708192a3): a row holds, for each weekday, the earliest open session starting after ``checked_at`` (None: there
# is none), so it answers for any moment from ``checked_at`` until the earliest of them starts; after that the
# search asks the sessions themselves until the refresh task (local_offer.next_sessions) checks the row again.
# An offer with no row has never had a session.
offer_next_sessions = Table(
    "offer_next_sessions",
    db.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("checked_at", UTCDateTime, nullable=False),
    *[Column(f"day_{weekday}", UTCDateTime) for weekday in range(7)],
)


class SessionStatus(enum.Enum):
    OPEN = "open"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return gettext(SESSION_STATUS_LABELS[self])


SESSION_STATUS_LABELS = {SessionStatus.OPEN: N_("Open"), SessionStatus.CANCELLED: N_("Cancelled")}


class Session(db.Model):
    """One dated occurrence of an offer, with a fixed number of places."""

    __tablename__ = "sessions"
    __table_args__ = (
        # The last guard against selling a place twice: held places can never exceed capacity.
        CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="places_within_capacity"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # Staff time is counted in quarters of an adult: a 1:4 child takes 1, a 1:1 child 4, a 2:1 child 8.
        CheckConstraint("staff_units IS NULL OR (staff_units_taken >= 0 AND staff_units_taken <= staff_units)",
                        name="staff_within_capacity"),
        Index("ix_sessions_offer_start", "offer_id", "starts_at"),
        Index("ix_sessions_start", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Day of the week in Europe/London (Monday is 0), kept so the search can filter without date functions.
    weekday: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int]
    # Places held: confirmed bookings plus places offered to the waiting list. Recounted under the lock.
    places_taken: Mapped[int] = mapped_column(default=0)
    # Staff capacity in quarter-adults (4 per member of staff); None when only places limit the session.
    staff_units: Mapped[int | None]
    staff_units_taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[SessionStatus] = mapped_column(
        Enum(SessionStatus, native_enum=False, length=16), default=SessionStatus.OPEN
    )
    series_id: Mapped[int | None] = mapped_column(ForeignKey("session_series.id", ondelete="SET NULL"), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    offer: Mapped[Offer] = relationship(back_populates="sessions")
    series: Mapped[SessionSeries | None] = relationship(back_populates="sessions")

    @property
    def staff(self) -> int | None:
        return None if self.staff_units is None else self.staff_units // STAFF_UNITS_PER_ADULT

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_open(self) -> bool:
        return self.status is SessionStatus.OPEN and self.starts_at > utcnow()


class Attendance(enum.Enum):
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"

    @property
    def label(self) -> str:
        return gettext(ATTENDANCE_LABELS[self])


ATTENDANCE_LABELS = {Attendance.ATTENDED: N_("Attended"), Attendance.DID_NOT_ATTEND: N_("Did not attend")}


class BookingStatus(enum.Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    HELD = "held"        # waiting for card payment: the place is kept until the hold expires
    EXPIRED = "expired"  # not paid for in time: the place went back


LIVE_BOOKING = ("CONFIRMED", "HELD")


class Booking(db.Model):
    """One place on one session: for a child, or for a carer who comes with them."""

    __tablename__ = "bookings"
    __table_args__ = (
        # A child holds at most one live place on a session.
        Index(
            "uq_bookings_live_child",
            "session_id",
            "child_id",
            unique=True,
            sqlite_where=db.text("status IN ('CONFIRMED', 'HELD') AND child_id IS NOT NULL"),
            postgresql_where=db.text("status IN ('CONFIRMED', 'HELD') AND child_id IS NOT NULL"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
        Index("ix_bookings_family", "booked_by_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="RESTRICT"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"), index=True)
    is_carer_place: Mapped[bool] = mapped_column(Boolean, default=False)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Places booked together (siblings, a carer place) share a group reference and succeed or fail together.
    group_ref: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=16), default=BookingStatus.CONFIRMED
    )
    funding: Mapped[str] = mapped_column(String(30))
    # What the family pays (the price, or the family contribution to a council-funded place).
    price_pence: Mapped[int] = mapped_column(default=0)
    # What the council envelope or the child's personal budget pays.
    funded_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("personal_budgets.id", ondelete="RESTRICT"), index=True)
    # The body whose money pays for the place (its envelope, or a personal budget held against it), set when the
    # funding is committed; None when no body's money does (free, card, paid to the provider).
    paid_by: Mapped[Body | None] = mapped_column(Enum(Body, native_enum=False, length=10))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For targeted offers: the family declared that the child meets the offer's criteria.
    declared_meets_criteria: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_units: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    attendance: Mapped[Attendance | None] = mapped_column(Enum(Attendance, native_enum=False, length=16))
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[Session] = relationship()
    child: Mapped[Child | None] = relationship()
    booked_by: Mapped[User] = relationship(foreign_keys=[booked_by_id])

    @property
    def who(self) -> str:
        return gettext("Carer place") if self.is_carer_place else self.child.full_name


class BookingSet(db.Model):
    """Several sessions of a series booked in one go: their places share the set's ``group_ref`` (and, when paid by
    card, one payment). Keeps the sessions chosen but not booked, with why, for the family's confirmation page."""

    __tablename__ = "booking_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_ref: Mapped[str] = mapped_column(String(36), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("session_series.id", ondelete="SET NULL"))
    # The family's choice when some sessions cannot be booked: take the others (True), or book none (False).
    take_what_has_places: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"session_id": 12, "reason": "This session is full ..."}], the reason as the family was shown it.
    not_booked: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offer: Mapped[Offer] = relationship()
    series: Mapped[SessionSeries | None] = relationship()


class SessionMessage(db.Model):
    """What a provider wrote to the families booked on a session ("bring swimwear", "the venue has changed"): emailed
    to each of them, and shown with the booking on their bookings page. Never changed once sent."""

    __tablename__ = "session_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    families: Mapped[int]  # how many families it was emailed to

    session: Mapped[Session] = relationship()


class WaitingStatus(enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    LEFT = "left"


class WaitingListEntry(db.Model):
    """A family waiting for one or several places on a full session."""

    __tablename__ = "waiting_list_entries"
    __table_args__ = (
        CheckConstraint("places > 0", name="places_positive"),
        Index("ix_waiting_session_status", "session_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    family_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    child_ids: Mapped[list[int]] = mapped_column(JSON)
    carer_places: Mapped[int] = mapped_column(default=0)
    places: Mapped[int]
    staff_units: Mapped[int] = mapped_column(default=0)
    status: Mapped[WaitingStatus] = mapped_column(
        Enum(WaitingStatus, native_enum=False, length=16), default=WaitingStatus.WAITING
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    family: Mapped[User] = relationship()

    def children(self) -> list[Child]:
        return [db.session.get(Child, cid) for cid in self.child_ids]


class ApiToken(db.Model):
    """A provider's key to the availability API: stored hashed, shown once, revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship()


class IdempotencyRecord(db.Model):
    """The answer to an API write, kept so that a replay with the same Idempotency-Key changes nothing."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("provider_id", "key", name="uq_idempotency_provider_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemandKind(enum.Enum):
    """A sign of demand the local offer did not meet."""

    SEARCH_EMPTY = "search_empty"            # a search of the local offer found nothing
    FULL = "full"                            # a family found a session full when they came to book it
    REFUSED = "refused"                      # a family could not book: the child's age, no assessment, the budget
    FUNDING_EXHAUSTED = "funding_exhausted"  # the council's funding for the year had run out


class DemandEvent(db.Model):
    """One sign of unmet demand, for the commissioners' insight: what was looked for or refused, on which break, in
    which area and on which day, and never who: no family, child or person is recorded, nor the session or the time
    of day (with them, a refusal could be matched to the booking the same family made a moment later); a search's
    words are not kept, only its filters."""

    __tablename__ = "demand_events"
    __table_args__ = (Index("ix_demand_events_kind_noted_on", "kind", "noted_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    noted_on: Mapped[date] = mapped_column(Date, default=london_today)  # the London day
    kind: Mapped[DemandKind] = mapped_column(Enum(DemandKind, native_enum=False, length=20))
    # For a refusal: "age", "no_assessment", "over_budget" or "no_budget".
    reason: Mapped[str] = mapped_column(String(20), default="", server_default="")
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    tier: Mapped[str] = mapped_column(String(16), default="", server_default="")
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id", ondelete="SET NULL"))
    # A search's filters: {"need": [...], "tier": [...], "age": 9, "day": [...], "locality": [...], "words": true}.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
