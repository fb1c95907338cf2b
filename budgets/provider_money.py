"""A provider's own money, month by month (London months): what the council and the children's trust owe it, what
they have remitted, and what families have paid it by card.

- Remitted: places delivered in a month that has ended, which the body pays in that month's remittance: exactly the
  lines of the commissioners' remittance (``dashboard.remittance``) for this provider.
- Owed: places the council or the trust pays for through the remittance that are not remitted yet: booked and not
  yet delivered (the register not marked), or delivered in the month still running.
- Paid by card: card payments that went straight to the provider's Stripe connected account (destination charges),
  less refunds: the lines on its ``provider:<id>`` ledger account of those payments.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.timeutil import to_london
from providers.models import Body, Booking, BookingStatus, Provider

from .dashboard import remittance, remitted_places, today
from .models import LedgerLine, LedgerTransaction, Payment


@dataclass(frozen=True)
class MoneyMonth:
    month: str  # YYYY-MM
    remitted: int
    owed: int
    paid: int


@dataclass(frozen=True)
class ProviderMoney:
    months: list[MoneyMonth]  # newest first

    @property
    def remitted(self) -> int:
        return sum(month.remitted for month in self.months)

    @property
    def owed(self) -> int:
        return sum(month.owed for month in self.months)

    @property
    def paid(self) -> int:
        return sum(month.paid for month in self.months)


def card_account(provider: Provider) -> str:
    return f"provider:{provider.id}"


def money_of(provider: Provider, on: date | None = None) -> ProviderMoney:
    current = f"{on or today():%Y-%m}"
    remitted: dict[str, int] = defaultdict(int)
    owed: dict[str, int] = defaultdict(int)
    delivered_months: set[str] = set()
    for body in Body:
        # Booked, not delivered yet: owed in the month of the session.
        for line in db.session.execute(remitted_places(body, provider.id).where(
                Booking.delivered_at.is_(None), Booking.status == BookingStatus.CONFIRMED)):
            owed[f"{to_london(line.starts_at):%Y-%m}"] += line.funded_pence
        delivered_months |= {f"{to_london(line.starts_at):%Y-%m}" for line in db.session.execute(
            remitted_places(body, provider.id).where(Booking.delivered_at.is_not(None)))}
    for month in delivered_months:
        # Delivered: the remittance's own lines for the month, remitted once the month has ended.
        amount = sum(line.amount_pence for body in Body for line in remittance(body, month, provider.id))
        (remitted if month < current else owed)[month] += amount
    # Only what reached the provider's own Stripe account (destination charges): a card payment the portal's account
    # took is the council's or the trust's to pass on (a direct payment's place is in the remittance above).
    paid = dict(db.session.execute(
        select(LedgerLine.month, func.sum(LedgerLine.amount_pence))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerLine.transaction_id)
        .join(Payment, Payment.id == LedgerTransaction.payment_id)
        .where(LedgerLine.account == card_account(provider), Payment.destination_account.is_not(None),
               Payment.destination_account != "")
        .group_by(LedgerLine.month)).all())
    months = sorted(set(remitted) | set(owed) | {month for month, amount in paid.items() if amount}, reverse=True)
    return ProviderMoney([MoneyMonth(month, remitted.get(month, 0), owed.get(month, 0), int(paid.get(month) or 0))
                          for month in months if remitted.get(month) or owed.get(month) or paid.get(month)])
