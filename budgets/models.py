"""Money: envelopes, the append-only ledger, personal budgets and panel decisions, card payments.

Every amount is integer pence. The ledger is double entry: each posting is one transaction whose
lines sum to zero, so money is only ever moved between accounts, never made or lost. Balances and
the dashboard's roll-ups are caches of sums of lines, written in the same transaction as the lines;
``flask --app portal ledger check`` recomputes them from the lines.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.i18n import N_
from portal.models import Child, User
from portal.timeutil import UTCDateTime, utcnow
from providers.models import Body


def financial_year(day: date) -> int:
    """The financial year a day falls in, named by the calendar year it starts (1 April to 31 March)."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(year: int) -> str:
    """A financial year in words, in the page's (or email's) language: '2026 to 2027'."""
    return gettext("%(first_year)s to %(next_year)s", first_year=year, next_year=year + 1)


# An envelope's name: its body and its financial year, as one whole phrase for translators.
ENVELOPE_LABELS = {Body.COUNCIL: N_("Council %(first_year)s to %(next_year)s"),
                   Body.TRUST: N_("Children’s trust %(first_year)s to %(next_year)s"),
                   Body.ADULTS: N_("Adult social care %(first_year)s to %(next_year)s")}


def envelope_label(body: Body, year: int) -> str:
    """'Council 2026 to 2027', 'Children’s trust 2026 to 2027'."""
    return gettext(ENVELOPE_LABELS[body], first_year=year, next_year=year + 1)


class Envelope(db.Model):
    """The fixed budget one body has for one financial year."""

    __tablename__ = "envelopes"
    __table_args__ = (
        UniqueConstraint("body", "year"),
        CheckConstraint("warn_first > 0 AND warn_first < warn_second AND warn_second <= 100",
                        name="thresholds_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[Body] = mapped_column(Enum(Body, native_enum=False, length=10))
    year: Mapped[int]
    # A cache of the sum of allocation lines on the envelope's account; the ledger is the truth.
    amount_pence: Mapped[int] = mapped_column(default=0)
    warn_first: Mapped[int] = mapped_column(default=75)
    warn_second: Mapped[int] = mapped_column(default=90)
    # The highest threshold commissioners have been alerted to, so each alert goes once.
    alerted_percent: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    @property
    def starts_on(self) -> date:
        return date(self.year, 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def label(self) -> str:
        return envelope_label(self.body, self.year)


class EntryKind(enum.Enum):
    ALLOCATION = "allocation"   # money put into an envelope, or from an envelope into a personal budget
    COMMITMENT = "commitment"   # a place booked against an envelope or a budget
    RELEASE = "release"         # a commitment given back (cancelled, budget reduced or ended)
    DELIVERY = "delivery"       # a place delivered: actual spend
    PAYMENT = "payment"         # a card payment taken
    REFUND = "refund"           # a card payment given back
    RECOVERY = "recovery"       # unspent direct payment money the trust has taken back into its envelope

    @property
    def label(self) -> str:
        return gettext(ENTRY_KIND_LABELS[self])


ENTRY_KIND_LABELS = {EntryKind.ALLOCATION: N_("Allocation"), EntryKind.COMMITMENT: N_("Commitment"),
                     EntryKind.RELEASE: N_("Release"), EntryKind.DELIVERY: N_("Delivery"),
                     EntryKind.PAYMENT: N_("Payment"), EntryKind.REFUND: N_("Refund"),
                     EntryKind.RECOVERY: N_("Recovery")}


class Bucket(enum.Enum):
    """What an account's money counts as on the dashboard."""

    AVAILABLE = "available"
    COMMITTED = "committed"
    SPENT = "spent"
    OUTSIDE = "outside"  # sources, families and providers: not part of any envelope's figures


class Account(db.Model):
    """A cached balance: the sum of every ledger line on the account."""

    __tablename__ = "ledger_accounts"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    balance_pence: Mapped[int] = mapped_column(default=0)


class LedgerTransaction(db.Model):
    """One posting: its lines sum to zero. Never updated or deleted."""

    __tablename__ = "ledger_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[EntryKind] = mapped_column(Enum(EntryKind, native_enum=False, length=12))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    envelope_id: Mapped[int | None] = mapped_column(ForeignKey("envelopes.id", ondelete="RESTRICT"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("panel_decisions.id", ondelete="RESTRICT"),
                                                    index=True)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("personal_budgets.id", ondelete="RESTRICT"), index=True)

    by: Mapped[User | None] = relationship()
    lines: Mapped[list[LedgerLine]] = relationship(back_populates="transaction", order_by="LedgerLine.id")


class LedgerLine(db.Model):
    """One side of a posting: an amount in pence into (positive) or out of (negative) an account.

    The dimensions (tier, provider, locality, category, month) are copied onto the line when it is
    written, so the dashboard can sum them without joining bookings and offers.
    """

    __tablename__ = "ledger_lines"
    __table_args__ = (Index("ix_ledger_lines_account", "account", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id", ondelete="RESTRICT"),
                                                index=True)
    account: Mapped[str] = mapped_column(String(60))
    amount_pence: Mapped[int]
    envelope_id: Mapped[int | None] = mapped_column(ForeignKey("envelopes.id", ondelete="RESTRICT"))
    bucket: Mapped[Bucket] = mapped_column(Enum(Bucket, native_enum=False, length=10))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, London time
    tier: Mapped[str] = mapped_column(String(16), default="")
    provider_id: Mapped[int] = mapped_column(default=0)
    locality_id: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(20), default="")

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="lines")


class Rollup(db.Model):
    """A cached sum of ledger lines per envelope, bucket, month and dimension, for the dashboard."""

    __tablename__ = "ledger_rollups"
    __table_args__ = (
        UniqueConstraint("envelope_id", "bucket", "month", "tier", "provider_id", "locality_id", "category",
                         name="uq_ledger_rollups_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelopes.id", ondelete="RESTRICT"), index=True)
    bucket: Mapped[Bucket] = mapped_column(Enum(Bucket, native_enum=False, length=10))
    month: Mapped[str] = mapped_column(String(7))
    tier: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[int]
    locality_id: Mapped[int]
    category: Mapped[str] = mapped_column(String(20))
    amount_pence: Mapped[int] = mapped_column(default=0)


class BudgetKind(enum.Enum):
    MANAGED = "managed"
    DIRECT_PAYMENT = "direct_payment"

    @property
    def label(self) -> str:
        return gettext(BUDGET_KIND_LABELS[self])


BUDGET_KIND_LABELS = {BudgetKind.MANAGED: N_("Managed personal budget"),
                      BudgetKind.DIRECT_PAYMENT: N_("Direct payment")}


class BudgetStatus(enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return gettext(BUDGET_STATUS_LABELS[self])


BUDGET_STATUS_LABELS = {BudgetStatus.ACTIVE: N_("Active"), BudgetStatus.ENDED: N_("Ended")}


class PersonalBudget(db.Model):
    """A child's personal budget, allocated by a resource panel and held against its body's envelope: the children's
    trust's until the 18th birthday, adult social care's from it (``providers.models.paying_body``).

    ``amount_pence`` is the amount allocated so far (a cache of the decisions); what is left is the
    balance of the budget's ledger account.
    """

    __tablename__ = "personal_budgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelopes.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[BudgetKind] = mapped_column(Enum(BudgetKind, native_enum=False, length=16))
    status: Mapped[BudgetStatus] = mapped_column(Enum(BudgetStatus, native_enum=False, length=10),
                                                 default=BudgetStatus.ACTIVE)
    amount_pence: Mapped[int] = mapped_column(default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    child: Mapped[Child] = relationship()
    envelope: Mapped[Envelope] = relationship()
    decisions: Mapped[list[PanelDecision]] = relationship(back_populates="budget", order_by="PanelDecision.id")

    @property
    def body(self) -> Body:
        """The body whose money it is."""
        return self.envelope.body

    @property
    def account(self) -> str:
        return f"budget:{self.id}:unspent"

    @property
    def held_account(self) -> str:
        return f"budget:{self.id}:held"


class DecisionKind(enum.Enum):
    ALLOCATE = "allocate"
    INCREASE = "increase"
    REDUCE = "reduce"
    END = "end"

    @property
    def label(self) -> str:
        return gettext(DECISION_KIND_LABELS[self])


DECISION_KIND_LABELS = {DecisionKind.ALLOCATE: N_("Budget allocated"), DecisionKind.INCREASE: N_("Budget increased"),
                        DecisionKind.REDUCE: N_("Budget reduced"), DecisionKind.END: N_("Budget ended")}


class PanelDecision(db.Model):
    """A resource panel decision about a child's personal budget.

    A reduction or ending with a notice date in the future waits until that date (``applied_at`` empty):
    the family keeps the money until then, and ``flask --app portal budgets apply-due-changes`` applies it.
    Never changed once applied.
    """

    __tablename__ = "panel_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("personal_budgets.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(Enum(DecisionKind, native_enum=False, length=10))
    # The change to the allocation in pence: positive to allocate or increase, negative to reduce or end.
    change_pence: Mapped[int]
    reasons: Mapped[str] = mapped_column(Text)
    notice_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The envelope was already fully committed when the panel decided: recorded, never refused.
    over_envelope: Mapped[bool] = mapped_column(default=False)
    # When the decision reached the ledger: when it was made, or, for one waiting for its notice date, on that date.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A joint decision across an 18th birthday: the children's trust and adult social care decide together, one
    # budget until the birthday and one from it. Each half names the other, and the officer of the other body who
    # agreed it.
    joint_with_id: Mapped[int | None] = mapped_column(ForeignKey("panel_decisions.id", ondelete="SET NULL"))
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    budget: Mapped[PersonalBudget] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    agreed_by: Mapped[User | None] = relationship(foreign_keys=[agreed_by_id])
    joint_with: Mapped[PanelDecision | None] = relationship(remote_side=[id], post_update=True)

    @property
    def waiting(self) -> bool:
        """Decided, but not yet in effect: its notice date has not come."""
        return self.applied_at is None


class Recovery(db.Model):
    """Unspent money the trust took back from a child's direct payment: how much, when it came back, the finance
    reference and why, and the ledger posting that returned it to the trust's envelope. Never changed."""

    __tablename__ = "direct_payment_recoveries"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="recovers_something"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("personal_budgets.id", ondelete="RESTRICT"), index=True)
    amount_pence: Mapped[int]
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    reasons: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id", ondelete="RESTRICT"))

    budget: Mapped[PersonalBudget] = relationship()
    recorded_by: Mapped[User] = relationship()


class PaymentStatus(enum.Enum):
    PENDING = "pending"      # Checkout Session open, places held
    PAID = "paid"
    EXPIRED = "expired"      # not paid in time: places released
    FAILED = "failed"        # Stripe could not be reached when we asked for the Checkout Session


class Payment(db.Model):
    """A card payment through Stripe Checkout for one group of places."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"), index=True)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("personal_budgets.id", ondelete="RESTRICT"),
                                                  index=True)
    group_ref: Mapped[str] = mapped_column(String(36), index=True)
    amount_pence: Mapped[int]
    status: Mapped[PaymentStatus] = mapped_column(Enum(PaymentStatus, native_enum=False, length=10),
                                                  default=PaymentStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    destination_account: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    family: Mapped[User] = relationship()
    budget: Mapped[PersonalBudget | None] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refunded_pence(self) -> int:
        return sum(r.amount_pence for r in self.refunds if r.status is RefundStatus.SUCCEEDED)


class RefundStatus(enum.Enum):
    REQUESTED = "requested"   # to be sent to Stripe after the cancelling transaction commits
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(db.Model):
    """Money given back on a card payment for one cancelled place."""

    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("payment_id", "booking_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"))
    amount_pence: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[RefundStatus] = mapped_column(Enum(RefundStatus, native_enum=False, length=10),
                                                 default=RefundStatus.REQUESTED)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class StripeEvent(db.Model):
    """A webhook event we have handled, so a replay is ignored."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
