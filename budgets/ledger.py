"""The double-entry ledger: post transactions whose lines sum to zero, read balances, reconcile.

Account codes:
    source:<body>                  where a body's money comes from (allocations into its envelopes)
    envelope:<id>:available        not yet promised to anyone
    envelope:<id>:committed        promised: council-funded places booked but not yet delivered
    envelope:<id>:spent            delivered: actual spend
    budget:<id>:unspent            a child's personal budget (or direct payment) not yet used
    budget:<id>:held               of that, what is booked but not yet delivered (or paid)
    family:<user id>               what a family has paid by card (negative) and had back
    provider:<id>                  what providers have been paid by card

Budget accounts count as committed on their envelope: the trust promised that money when the
panel decided.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import User
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingStatus, Funding

from .models import (
    Account,
    Bucket,
    BudgetStatus,
    EntryKind,
    Envelope,
    LedgerLine,
    LedgerTransaction,
    PanelDecision,
    Payment,
    PaymentStatus,
    PersonalBudget,
    Recovery,
    Refund,
    RefundStatus,
    Rollup,
)


class Unbalanced(ValueError):
    """A posting whose lines do not sum to zero: a bug, never a user error."""


@dataclass(frozen=True)
class Dims:
    """What a line is about, for the dashboard: copied from the offer of the booking."""

    tier: str = ""
    provider_id: int = 0
    locality_id: int = 0
    category: str = ""

    @classmethod
    def of_offer(cls, offer) -> Dims:
        return cls(offer.tier.value, offer.provider_id, offer.locality_id, offer.category.value)


NO_DIMS = Dims()
SPECIALIST = Dims(tier="specialist")


@dataclass
class Leg:
    account: str
    amount_pence: int
    envelope_id: int | None = None
    dims: Dims = field(default_factory=Dims)


def envelope_account(envelope: Envelope | int, part: str) -> str:
    envelope_id = envelope if isinstance(envelope, int) else envelope.id
    return f"envelope:{envelope_id}:{part}"


def returns_to(budget: PersonalBudget) -> str:
    """Where money given back to a personal budget goes: the budget while it runs; the trust's envelope once the
    panel has ended it (an ended budget cannot be spent, so money left in it would be lost to the trust)."""
    return budget.account if budget.status is BudgetStatus.ACTIVE else envelope_account(budget.envelope_id, "available")


def bucket_of(account: str) -> Bucket:
    kind, _, rest = account.partition(":")
    if kind == "envelope":
        return {"available": Bucket.AVAILABLE, "committed": Bucket.COMMITTED, "spent": Bucket.SPENT}[rest.split(":")[1]]
    if kind == "budget":
        return Bucket.COMMITTED
    return Bucket.OUTSIDE


def _upsert(model, keys: dict, column: str, amount: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    statement = insert(table).values(**keys, **{column: amount})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: getattr(table.c, column) + amount})
    db.session.execute(statement)


def posting_lines(kind: EntryKind, legs: list[Leg], at: datetime) -> list[dict]:
    """The ledger lines a posting writes, as ``ledger_lines`` rows without their transaction id: one for each leg
    that moves money, with its bucket and London month. Raises Unbalanced unless they sum to zero. ``post`` writes
    them one transaction at a time; a bulk loader (the demo) can insert them as they are."""
    legs = [leg for leg in legs if leg.amount_pence != 0]
    if sum(leg.amount_pence for leg in legs) != 0:
        raise Unbalanced(f"{kind.value} does not balance: {[(l.account, l.amount_pence) for l in legs]}")  # i18n: not shown (a bug's message for the logs)
    month = to_london(at).strftime("%Y-%m")
    return [dict(account=leg.account, amount_pence=leg.amount_pence, envelope_id=leg.envelope_id,
                 bucket=bucket_of(leg.account), month=month, tier=leg.dims.tier, provider_id=leg.dims.provider_id,
                 locality_id=leg.dims.locality_id, category=leg.dims.category) for leg in legs]


def post(kind: EntryKind, legs: list[Leg], *, reason: str, by: User | None, envelope: Envelope | None = None,
         booking=None, payment=None, decision=None, budget: PersonalBudget | None = None,
         at: datetime | None = None) -> LedgerTransaction:
    """Write one balanced transaction, and move the cached balances and roll-ups with it."""
    at = at or utcnow()
    lines = posting_lines(kind, legs, at)
    if not lines:
        return None
    transaction = LedgerTransaction(
        at=at, kind=kind, reason=reason, by_id=by.id if by is not None else None,
        envelope_id=envelope.id if envelope is not None else None,
        booking_id=booking.id if booking is not None else None,
        payment_id=payment.id if payment is not None else None,
        decision_id=decision.id if decision is not None else None,
        budget_id=budget.id if budget is not None else None,
    )
    db.session.add(transaction)
    db.session.flush()
    for line in lines:
        db.session.add(LedgerLine(transaction_id=transaction.id, **line))
        _upsert(Account, {"code": line["account"]}, "balance_pence", line["amount_pence"])
        if line["bucket"] is not Bucket.OUTSIDE and line["envelope_id"] is not None:
            _upsert(Rollup, {"envelope_id": line["envelope_id"], "bucket": line["bucket"].name, "month": line["month"],
                             "tier": line["tier"], "provider_id": line["provider_id"],
                             "locality_id": line["locality_id"], "category": line["category"]},
                    "amount_pence", line["amount_pence"])
    db.session.flush()
    return transaction


def move(kind: EntryKind, amount: int, source: str, target: str, *, envelope_id: int | None,
         dims: Dims = NO_DIMS, source_dims: Dims | None = None, **context) -> LedgerTransaction:
    """The common two-line posting: ``amount`` out of ``source`` into ``target``."""
    return post(kind, [Leg(source, -amount, envelope_id, source_dims or dims), Leg(target, amount, envelope_id, dims)],
                **context)


def balance(account: str) -> int:
    """The cached balance (kept in step with the lines inside every posting transaction)."""
    return db.session.scalar(select(Account.balance_pence).where(Account.code == account)) or 0


def balance_from_lines(account: str) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(LedgerLine.amount_pence), 0))
                             .where(LedgerLine.account == account))


@dataclass(frozen=True)
class Figures:
    """An envelope at a glance, in pence."""

    envelope: int
    committed: int
    spent: int
    available: int

    @property
    def used(self) -> int:
        return self.committed + self.spent

    @property
    def used_percent(self) -> int:
        return 0 if self.envelope <= 0 else (self.used * 100) // self.envelope

    @property
    def over_by(self) -> int:
        """How far committed and spent money goes beyond the envelope (0 when it does not)."""
        return max(0, -self.available)


def figures(envelope: Envelope) -> Figures:
    rows = dict(db.session.execute(
        select(Rollup.bucket, func.coalesce(func.sum(Rollup.amount_pence), 0))
        .where(Rollup.envelope_id == envelope.id).group_by(Rollup.bucket)
    ).all())
    return Figures(envelope=envelope.amount_pence, committed=rows.get(Bucket.COMMITTED, 0),
                   spent=rows.get(Bucket.SPENT, 0), available=rows.get(Bucket.AVAILABLE, 0))


# --- reconciliation ----------------------------------------------------------------------------------

ROLLUP_KEY = ("envelope_id", "bucket", "month", "tier", "provider_id", "locality_id", "category")


def _balances_from_lines():
    """Each account's balance, summed from its lines (what the cached balances must equal)."""
    return select(LedgerLine.account, func.sum(LedgerLine.amount_pence)).group_by(LedgerLine.account)


def _rollups_from_lines():
    """The dashboard's figures, summed from the lines (what the cached roll-ups must equal)."""
    key = [getattr(LedgerLine, column) for column in ROLLUP_KEY]
    return (select(*key, func.sum(LedgerLine.amount_pence))
            .where(LedgerLine.bucket != Bucket.OUTSIDE, LedgerLine.envelope_id.is_not(None)).group_by(*key))


def rebuild_caches() -> None:
    """Rewrite the cached balances and roll-ups from the lines, in bulk (after a bulk load such as the demo)."""
    db.session.execute(Account.__table__.delete())
    db.session.execute(insert(Account.__table__).from_select(["code", "balance_pence"], _balances_from_lines()))
    db.session.execute(Rollup.__table__.delete())
    db.session.execute(insert(Rollup.__table__).from_select([*ROLLUP_KEY, "amount_pence"], _rollups_from_lines()))


def check() -> list[str]:
    """Recompute everything cached from the lines. Returns the problems found (none: the ledger reconciles)."""
    problems: list[str] = []
    unbalanced = db.session.execute(
        select(LedgerLine.transaction_id, func.sum(LedgerLine.amount_pence))
        .group_by(LedgerLine.transaction_id).having(func.sum(LedgerLine.amount_pence) != 0)
    ).all()
    problems += [f"Transaction {tid} does not balance: its lines sum to {total}p." for tid, total in unbalanced]  # i18n: not shown (the ledger check's report)
    empty = db.session.scalars(
        select(LedgerTransaction.id).where(~LedgerTransaction.lines.any())
    ).all()
    problems += [f"Transaction {tid} has no lines." for tid in empty]  # i18n: not shown (the ledger check's report)

    from_lines = dict(db.session.execute(_balances_from_lines()).all())
    cached = dict(db.session.execute(select(Account.code, Account.balance_pence)).all())
    for code in sorted(set(from_lines) | set(cached)):
        if from_lines.get(code, 0) != cached.get(code, 0):
            problems.append(f"Account {code}: cached balance {cached.get(code, 0)}p, lines sum to "  # i18n: not shown (the ledger check's report)
                            f"{from_lines.get(code, 0)}p.")
        if code.startswith("budget:") and from_lines.get(code, 0) < 0:
            problems.append(f"Account {code} is below zero: {from_lines[code]}p.")  # i18n: not shown (the ledger check's report)

    summed = {tuple(row[:-1]): row[-1] for row in db.session.execute(_rollups_from_lines()).all()}
    rolled = {tuple(row[:-1]): row[-1] for row in db.session.execute(
        select(*[getattr(Rollup, column) for column in ROLLUP_KEY], Rollup.amount_pence)).all()}
    for k in sorted(set(summed) | set(rolled), key=str):
        if summed.get(k, 0) != rolled.get(k, 0):
            problems.append(f"Dashboard figure {k}: cached {rolled.get(k, 0)}p, lines sum to {summed.get(k, 0)}p.")  # i18n: not shown (the ledger check's report)

    allocated = dict(db.session.execute(
        select(LedgerLine.envelope_id, func.sum(LedgerLine.amount_pence))
        .join(LedgerTransaction)
        .where(LedgerTransaction.kind == EntryKind.ALLOCATION, LedgerTransaction.budget_id.is_(None),
               LedgerLine.account.like("envelope:%:available"))
        .group_by(LedgerLine.envelope_id)).all())
    for envelope in db.session.scalars(select(Envelope)):
        if allocated.get(envelope.id, 0) != envelope.amount_pence:
            problems.append(f"Envelope {envelope.label}: set to {envelope.amount_pence}p, allocations sum to "  # i18n: not shown (the ledger check's report)
                            f"{allocated.get(envelope.id, 0)}p.")
        if envelope.body.value == "council" and from_lines.get(envelope_account(envelope, "available"), 0) < 0:
            problems.append(f"Envelope {envelope.label} is committed beyond its amount.")  # i18n: not shown (the ledger check's report)
    problems += _check_budgets(from_lines)
    problems += _check_bookings()
    problems += _check_payments()
    return problems


def _check_budgets(from_lines: dict[str, int]) -> list[str]:
    problems = []
    decided = dict(db.session.execute(
        select(PanelDecision.budget_id, func.sum(PanelDecision.change_pence))
        # A decision waiting for its notice date has not changed the budget yet.
        .where(PanelDecision.applied_at.is_not(None)).group_by(PanelDecision.budget_id)).all())
    for budget in db.session.scalars(select(PersonalBudget)):
        if decided.get(budget.id, 0) != budget.amount_pence:
            problems.append(f"Personal budget {budget.id}: amount {budget.amount_pence}p, decisions sum to "  # i18n: not shown (the ledger check's report)
                            f"{decided.get(budget.id, 0)}p.")
    return problems + _check_recoveries()


def _check_recoveries() -> list[str]:
    """Each recovery recorded is exactly one recovery posting, of its amount, out of its direct payment."""
    posted = {tid: (budget_id, -amount) for tid, budget_id, amount in db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.budget_id, func.sum(LedgerLine.amount_pence))
        .join(LedgerLine, LedgerLine.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == EntryKind.RECOVERY, LedgerLine.account.like("budget:%"))
        .group_by(LedgerTransaction.id, LedgerTransaction.budget_id))}
    problems = []
    for recovery in db.session.scalars(select(Recovery)):
        if posted.pop(recovery.transaction_id, None) != (recovery.budget_id, recovery.amount_pence):
            problems.append(f"Recovery {recovery.id} of {recovery.amount_pence}p has no matching posting out of its "  # i18n: not shown (the ledger check's report)
                            f"direct payment.")
    problems += [f"Recovery posting {tid} has no recovery recorded." for tid in sorted(posted)]  # i18n: not shown (the ledger check's report)
    return problems


def _check_bookings() -> list[str]:
    """Each funded booking's money is where its state says: committed while live, spent once delivered,
    given back once cancelled."""
    problems = []
    committed_lines = (
        select(LedgerTransaction.booking_id,
               func.sum(case((LedgerLine.bucket == Bucket.SPENT, LedgerLine.amount_pence), else_=0)).label("spent"),
               func.sum(case((LedgerLine.account.like("envelope:%:committed") | LedgerLine.account.like("budget:%:held"),
                              LedgerLine.amount_pence), else_=0)).label("held"))
        .join(LedgerLine, LedgerLine.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.booking_id.is_not(None))
        .group_by(LedgerTransaction.booking_id)
    ).subquery()
    rows = db.session.execute(
        select(Booking.id, Booking.status, Booking.funding, Booking.funded_pence, Booking.delivered_at,
               func.coalesce(committed_lines.c.spent, 0), func.coalesce(committed_lines.c.held, 0))
        .outerjoin(committed_lines, committed_lines.c.booking_id == Booking.id)
        .where(Booking.funding.in_([f for f in Funding if f.draws_on_a_body]))
    ).all()
    # Cancelled after paying by card from a direct payment: spent until Stripe has made the refund.
    refund_owed = set(db.session.scalars(
        select(Refund.booking_id).where(Refund.booking_id.is_not(None), Refund.status != RefundStatus.SUCCEEDED)))
    for booking_id, status, funding, funded, delivered_at, spent, held in rows:
        live = status in (BookingStatus.CONFIRMED, BookingStatus.HELD)
        if funding == Funding.DIRECT_PAYMENT:
            # Paid by card from the direct payment: held while the payment is open, spent once paid.
            expected = (0, funded) if status is BookingStatus.HELD else (
                (funded, 0) if status is BookingStatus.CONFIRMED or booking_id in refund_owed else (0, 0))
        elif not live:
            expected = (spent, 0) if delivered_at is not None else (0, 0)
        elif delivered_at is not None:
            expected = (funded, 0)
        else:
            expected = (0, funded)
        if (spent, held) != expected:
            problems.append(f"Booking {booking_id} ({funding}, {status.value}): spent {spent}p and held {held}p, "  # i18n: not shown (the ledger check's report)
                            f"expected {expected[0]}p and {expected[1]}p.")
    return problems + _check_card_bookings()


def _check_card_bookings() -> list[str]:
    """A place paid by card is confirmed exactly when its payment has been taken, and held only while it is open."""
    expected = {BookingStatus.CONFIRMED: PaymentStatus.PAID, BookingStatus.HELD: PaymentStatus.PENDING}
    rows = db.session.execute(
        select(Booking.id, Booking.status, Payment.id, Payment.status).join(Payment, Booking.payment_id == Payment.id)
        .where(Booking.status.in_(list(expected)))).all()
    return [f"Booking {booking_id} is {status.value} but its card payment {payment_id} is {payment_status.value}."  # i18n: not shown (the ledger check's report)
            for booking_id, status, payment_id, payment_status in rows if payment_status is not expected[status]]


def _check_payments() -> list[str]:
    problems = []
    paid_lines = defaultdict(int)
    for payment_id, kind, count in db.session.execute(
        select(LedgerTransaction.payment_id, LedgerTransaction.kind, func.count())
        .where(LedgerTransaction.payment_id.is_not(None),
               LedgerTransaction.kind.in_([EntryKind.PAYMENT, EntryKind.REFUND]))
        .group_by(LedgerTransaction.payment_id, LedgerTransaction.kind)
    ).all():
        paid_lines[(payment_id, kind)] = count
    refunds_done = dict(db.session.execute(
        select(Refund.payment_id, func.count()).where(Refund.status == RefundStatus.SUCCEEDED)
        .group_by(Refund.payment_id)).all())
    for payment in db.session.scalars(select(Payment)):
        expected = 1 if payment.status is PaymentStatus.PAID else 0
        if paid_lines[(payment.id, EntryKind.PAYMENT)] != expected:
            problems.append(f"Payment {payment.id} ({payment.status.value}) has "  # i18n: not shown (the ledger check's report)
                            f"{paid_lines[(payment.id, EntryKind.PAYMENT)]} payment postings, expected {expected}.")
        if paid_lines[(payment.id, EntryKind.REFUND)] != refunds_done.get(payment.id, 0):
            problems.append(f"Payment {payment.id} has {paid_lines[(payment.id, EntryKind.REFUND)]} refund postings "  # i18n: not shown (the ledger check's report)
                            f"for {refunds_done.get(payment.id, 0)} refunds made.")
        if payment.refunded_pence > payment.amount_pence:
            problems.append(f"Payment {payment.id} refunded more than was paid.")  # i18n: not shown (the ledger check's report)
    return problems
