"""How a place is paid for: a step in booking that each funding method plugs into.

Booking calls ``on_book`` once the booking rows exist, cancelling calls ``on_release`` (the family
cancelling and the provider cancelling a session take the same path), the register calls
``on_deliver`` when a place has been delivered, and an unpaid hold running out calls ``on_expire``.
All of them run inside the caller's transaction, under the session's capacity lock; the money
methods then take the envelope's or budget's lock (always in that order, so nobody deadlocks).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_skeleton
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from budgets import ledger, stripe_gateway
from budgets.ledger import Dims, envelope_account
from budgets.models import (
    BudgetKind,
    EntryKind,
    Payment,
    PaymentStatus,
    PersonalBudget,
)
from budgets.services import (
    budget_for,
    envelope_for,
    lock_budget,
    lock_envelope,
    unspent,
    warn_if_over_threshold,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import pounds
from portal.i18n import N_
from portal.models import record
from portal.timeutil import to_london, utcnow
from providers.models import Body, Booking, BookingStatus, Funding, PaymentRoute, Tier

from . import refunds


# The ledger's reasons: records, kept in English.
COUNCIL_FUNDED_BOOKED = "Council-funded place booked"  # i18n: not shown (a ledger record)
DELIVERED = "Place delivered"  # i18n: not shown (a ledger record)
NOT_PAID_IN_TIME = "Not paid for in time: the place was released"  # i18n: not shown (a ledger record)


def _month(day) -> str:
    """'March 2027', in the page's language."""
    return format_skeleton("yMMMM", day, locale=get_locale() or "en_GB")


@dataclass(frozen=True)
class FundingMethod:
    code: Funding
    label: str  # marked with N_: translated where shown (``translated(method.label)``), in English in the ledger
    hint: str  # marked with N_, like the label

    def available_for(self, offer) -> bool:
        raise NotImplementedError

    def unavailable_reason(self, session, children) -> str | None:
        """Why this method cannot pay for these places right now (shown to the family), or None."""
        return None

    def price_for(self, offer) -> int:
        """What the family pays for each place."""
        return offer.price_pence

    def funded_for(self, offer) -> int:
        """What an envelope or budget pays for each place."""
        return 0

    @property
    def takes_card_payment(self) -> bool:
        return False

    def on_book(self, bookings: list, by) -> None:
        """Called once inside the booking transaction once the booking rows exist: for the places on one session,
        or for every place of a set booked in one go (carer places included, so that a card payment holds them
        too; they are free, so a method that draws on money leaves them out)."""

    def on_release(self, booking, by, reason: str) -> None:
        """Called inside the cancelling transaction: release or refund by the same route."""

    def on_deliver(self, booking, by) -> None:
        """The place was delivered (the register was marked): committed money becomes actual spend."""

    def on_expire(self, booking) -> None:
        """A hold for card payment ran out: give back whatever was held."""


class Free(FundingMethod):
    def available_for(self, offer) -> bool:
        return offer.price_pence == 0

    def price_for(self, offer) -> int:
        return 0


class PayProvider(FundingMethod):
    def available_for(self, offer) -> bool:
        return offer.price_pence > 0


def _unmet(kind: str, session, reason: str = "") -> dict:
    """What a refusal says about unmet demand (bookings.demand notes it once the booking is rolled back)."""
    return {"kind": kind, "reason": reason, "session_id": session.id}


def _year_envelope(body, session):
    return envelope_for(body, to_london(session.starts_at).date())


class CouncilFunded(FundingMethod):
    """Targeted (and some universal) places the council pays for, less any family contribution."""

    def available_for(self, offer) -> bool:
        return offer.payment_route is PaymentRoute.COUNCIL_FUNDED and offer.tier is not Tier.SPECIALIST

    def price_for(self, offer) -> int:
        return min(offer.family_contribution_pence, offer.price_pence)

    def funded_for(self, offer) -> int:
        return offer.price_pence - self.price_for(offer)

    def unavailable_reason(self, session, children) -> str | None:
        envelope = _year_envelope(Body.COUNCIL, session)
        needed = self.funded_for(session.offer) * max(len(children), 1)
        if envelope is None or ledger.balance(envelope_account(envelope, "available")) < needed:
            return self._fully_committed()
        return None

    @staticmethod
    def _fully_committed() -> str:
        return _("The council’s short breaks budget for this year is fully committed, so it cannot fund more "
                 "places on this break just now. You can pay for the place yourself or join the waiting list.")

    def on_book(self, bookings, by) -> None:
        """Commit the council's money for the places, once for them all: each year's envelope (a set can run
        past 31 March) is locked once and checked once for its whole share, then each place's commitment is
        written (the ledger traces every commitment to its place, so that a place cancelled alone gives back its
        own)."""
        places = [b for b in bookings if not b.is_carer_place]
        if not places:
            return
        offer = places[0].session.offer
        funded = self.funded_for(offer)
        shares = {}
        for booking in places:
            envelope = _year_envelope(Body.COUNCIL, booking.session)
            if envelope is None:
                raise DomainError(self._fully_committed(), unmet=_unmet("funding_exhausted", booking.session))
            shares.setdefault(envelope.id, (envelope, []))[1].append(booking)
        shares = [shares[envelope_id] for envelope_id in sorted(shares)]
        for envelope, share in shares:
            lock_envelope(envelope)
            if ledger.balance(envelope_account(envelope, "available")) < funded * len(share):
                raise DomainError(self._fully_committed(), unmet=_unmet("funding_exhausted", share[0].session))
        dims = Dims.of_offer(offer)
        for envelope, share in shares:
            for booking in share:
                booking.funded_pence, booking.paid_by = funded, Body.COUNCIL
                ledger.move(EntryKind.COMMITMENT, funded, envelope_account(envelope, "available"),
                            envelope_account(envelope, "committed"), envelope_id=envelope.id, dims=dims,
                            source_dims=ledger.NO_DIMS, reason=COUNCIL_FUNDED_BOOKED, by=by,
                            envelope=envelope, booking=booking)
            warn_if_over_threshold(envelope)

    def _envelope_of(self, booking):
        return _year_envelope(Body.COUNCIL, booking.session)

    def on_release(self, booking, by, reason: str) -> None:
        if booking.delivered_at is not None or not booking.funded_pence:
            return
        envelope = self._envelope_of(booking)
        ledger.move(EntryKind.RELEASE, booking.funded_pence, envelope_account(envelope, "committed"),
                    envelope_account(envelope, "available"), envelope_id=envelope.id, dims=ledger.NO_DIMS,
                    source_dims=Dims.of_offer(booking.session.offer), reason=reason, by=by, envelope=envelope,
                    booking=booking)

    def on_deliver(self, booking, by) -> None:
        envelope = self._envelope_of(booking)
        dims = Dims.of_offer(booking.session.offer)
        ledger.move(EntryKind.DELIVERY, booking.funded_pence, envelope_account(envelope, "committed"),
                    envelope_account(envelope, "spent"), envelope_id=envelope.id, dims=dims,
                    reason=DELIVERED, by=by, envelope=envelope, booking=booking)


class FromBudget(FundingMethod):
    """Places paid from a child's personal budget held by the trust (specialist breaks)."""

    budget_kind = BudgetKind.MANAGED

    def available_for(self, offer) -> bool:
        return offer.tier is Tier.SPECIALIST and offer.price_pence > 0

    def price_for(self, offer) -> int:
        return 0

    def funded_for(self, offer) -> int:
        return offer.price_pence

    def _budget(self, child, session):
        return budget_for(child, self.budget_kind, to_london(session.starts_at).date())

    def unavailable_reason(self, session, children) -> str | None:
        cost = session.offer.price_pence
        for child in children:
            budget = self._budget(child, session)
            if budget is None:
                return self._no_budget(child, session)
            left = unspent(budget)
            if left < cost:
                return self._too_little(child, left, cost, 1)
        return None

    def _no_budget(self, child, session) -> str:
        month = _month(to_london(session.starts_at).date())
        if self.budget_kind is BudgetKind.DIRECT_PAYMENT:
            return _("%(name)s does not have a direct payment for %(month)s.", name=child.first_name, month=month)
        return _("%(name)s does not have a managed personal budget for %(month)s.", name=child.first_name,
                 month=month)

    def _too_little(self, child, left: int, cost: int, sessions: int) -> str:
        values = dict(name=child.first_name, left=pounds(left), cost=pounds(cost), num=sessions)
        if sessions > 1:
            if self.budget_kind is BudgetKind.DIRECT_PAYMENT:
                return _("%(name)s’s direct payment has %(left)s left, and the %(num)s sessions you chose cost "
                         "%(cost)s. Choose fewer sessions.", **values)
            return _("%(name)s’s managed personal budget has %(left)s left, and the %(num)s sessions you chose cost "
                     "%(cost)s. Choose fewer sessions.", **values)
        if self.budget_kind is BudgetKind.DIRECT_PAYMENT:
            return _("%(name)s’s direct payment has %(left)s left, and this break costs %(cost)s.", **values)
        return _("%(name)s’s managed personal budget has %(left)s left, and this break costs %(cost)s.", **values)

    def _hold(self, bookings, by) -> None:
        """Hold each child's budget for their places, once for them all: each budget (a child's, for a year) is
        locked once, in id order, and checked once for its whole share, then each place's hold is written (the
        ledger traces every hold to its place, so that a place cancelled alone gives back its own)."""
        places = [b for b in bookings if not b.is_carer_place]
        if not places:
            return
        cost = self.funded_for(places[0].session.offer)
        shares = {}
        for booking in places:
            budget = self._budget(booking.child, booking.session)
            if budget is None:
                raise DomainError(self._no_budget(booking.child, booking.session),
                                  unmet=_unmet("refused", booking.session, "no_budget"))
            shares.setdefault(budget.id, (budget, []))[1].append(booking)
        shares = [shares[budget_id] for budget_id in sorted(shares)]
        for budget, share in shares:
            lock_budget(budget)
            left = unspent(budget)
            if left < cost * len(share):
                raise DomainError(self._too_little(share[0].child, left, cost * len(share),
                                                   len({b.session_id for b in share})),
                                  unmet=_unmet("refused", share[0].session, "over_budget"))
        for budget, share in shares:
            for booking in share:
                booking.funded_pence, booking.budget_id, booking.paid_by = cost, budget.id, budget.envelope.body
                ledger.move(EntryKind.COMMITMENT, cost, budget.account, budget.held_account,
                            envelope_id=budget.envelope_id, dims=ledger.SPECIALIST,
                            reason=self._booked_reason, by=by, booking=booking, budget=budget)

    def on_book(self, bookings, by) -> None:
        self._hold(bookings, by)

    @property
    def _booked_reason(self) -> str:
        return f"{self.label}: place booked"  # i18n: not shown (a ledger record, in English)

    def _give_back(self, booking, by, reason: str) -> None:
        budget = db.session.get(PersonalBudget, booking.budget_id)
        lock_budget(budget)  # so a panel ending the budget at the same moment sees this money come back
        ledger.move(EntryKind.RELEASE, booking.funded_pence, budget.held_account, ledger.returns_to(budget),
                    envelope_id=budget.envelope_id, dims=ledger.SPECIALIST, reason=reason, by=by, booking=booking,
                    budget=budget)

    def on_release(self, booking, by, reason: str) -> None:
        if booking.delivered_at is None and booking.budget_id is not None:
            self._give_back(booking, by, reason)

    def on_deliver(self, booking, by) -> None:
        budget = db.session.get(PersonalBudget, booking.budget_id)
        ledger.post(EntryKind.DELIVERY, [
            ledger.Leg(budget.held_account, -booking.funded_pence, budget.envelope_id, ledger.SPECIALIST),
            ledger.Leg(envelope_account(budget.envelope_id, "spent"), booking.funded_pence, budget.envelope_id,
                       Dims.of_offer(booking.session.offer)),
        ], reason=DELIVERED, by=by, booking=booking, budget=budget)


class _TakesCard:
    """Shared by the card methods: hold the places, open a Payment, and let Stripe Checkout take the money."""

    @property
    def takes_card_payment(self) -> bool:
        return True

    def _card_unavailable(self) -> str | None:
        if not stripe_gateway.configured():
            return _("Paying by card is not available on this portal at the moment.")
        return None

    def _open_payment(self, bookings, amount: int) -> Payment:
        session = bookings[0].session
        # The Checkout Session expires with the hold, and Stripe refuses one that lasts under 30 minutes from
        # when it is created (a moment after this, by Stripe's clock): hold at least that, and a minute more.
        minutes = max(current_app.config["PAYMENT_HOLD_MINUTES"], stripe_gateway.SHORTEST_CHECKOUT_MINUTES)
        hold = utcnow() + timedelta(minutes=minutes + 1)
        provider = session.offer.provider
        payment = Payment(family_id=bookings[0].booked_by_id, provider_id=provider.id, group_ref=bookings[0].group_ref,
                          amount_pence=amount, idempotency_key=str(uuid.uuid4()), expires_at=hold,
                          destination_account=provider.stripe_account_id or None)
        db.session.add(payment)
        db.session.flush()
        for booking in bookings:
            booking.status = BookingStatus.HELD
            booking.hold_expires_at = hold
            booking.payment_id = payment.id
        return payment

    def _request_refund(self, booking, reason: str) -> None:
        payment = db.session.get(Payment, booking.payment_id)
        if payment is None or payment.status is not PaymentStatus.PAID or not booking.price_pence:
            return
        refunds.request_refund(payment, booking.id, booking.price_pence, reason)

    def _close_if_nothing_held(self, booking) -> None:
        """The last held place on an unpaid payment has gone: close the payment, so it is no longer offered for
        paying (if Stripe takes the money anyway, the places are gone and it is refunded)."""
        if booking.payment_id is not None:
            close_unpaid({booking.payment_id})


class Card(_TakesCard, FundingMethod):
    """Self-pay by card: the family pays the full price through Stripe Checkout."""

    def available_for(self, offer) -> bool:
        return offer.price_pence > 0

    def unavailable_reason(self, session, children) -> str | None:
        return self._card_unavailable()

    def on_book(self, bookings, by) -> None:
        self._open_payment(bookings, sum(b.price_pence for b in bookings))

    def on_release(self, booking, by, reason: str) -> None:
        self._request_refund(booking, reason)
        self._close_if_nothing_held(booking)


class DirectPayment(_TakesCard, FromBudget):
    """The family pays by card from the child's direct payment, and the spend is recorded against it."""

    budget_kind = BudgetKind.DIRECT_PAYMENT

    def price_for(self, offer) -> int:
        return offer.price_pence

    def unavailable_reason(self, session, children) -> str | None:
        return self._card_unavailable() or FromBudget.unavailable_reason(self, session, children)

    def on_book(self, bookings, by) -> None:
        self._hold(bookings, by)
        self._open_payment(bookings, sum(b.price_pence for b in bookings))

    def on_release(self, booking, by, reason: str) -> None:
        if booking.payment_id is not None and db.session.get(Payment, booking.payment_id).status is PaymentStatus.PAID:
            self._request_refund(booking, reason)  # the budget is credited when the refund succeeds
        elif booking.budget_id is not None and booking.status is not BookingStatus.EXPIRED:
            self._give_back(booking, by, reason)
        self._close_if_nothing_held(booking)

    def on_expire(self, booking) -> None:
        self._give_back(booking, None, NOT_PAID_IN_TIME)

    def on_deliver(self, booking, by) -> None:
        """Direct payment spend is recorded when the card payment is taken, not when the register is marked."""


def bookings_of(payment: Payment) -> list[Booking]:
    return db.session.scalars(select(Booking).where(Booking.payment_id == payment.id).order_by(Booking.id)).all()


def close_unpaid(payment_ids: set[int]) -> None:
    """Holds have run out or been released (inside the capacity lock): a payment with nothing left held has
    expired, so it is no longer offered for paying (if Stripe takes the money anyway, it is refunded)."""
    for payment in db.session.scalars(select(Payment).where(Payment.id.in_(payment_ids))):
        if payment.status is PaymentStatus.PENDING and not any(
                b.status is BookingStatus.HELD for b in bookings_of(payment)):
            payment.status = PaymentStatus.EXPIRED
            record("payment_expired", payment, by=None)


_METHODS: dict[str, FundingMethod] = {}


def register(method: FundingMethod) -> FundingMethod:
    _METHODS[method.code] = method
    return method


register(Free(Funding.FREE, N_("Free"), N_("There is nothing to pay.")))
register(CouncilFunded(Funding.COUNCIL_FUNDED, N_("Funded by the council"),
                       N_("The council pays for the place. Any family contribution is paid to the provider.")))
register(FromBudget(Funding.PERSONAL_BUDGET, N_("From my child’s personal budget"),
                    N_("The cost is taken from the budget the children’s trust holds for your child.")))
register(DirectPayment(Funding.DIRECT_PAYMENT, N_("Pay by card from my child’s direct payment"),
                       N_("You pay on the next page with the card for your direct payment account.")))
register(Card(Funding.CARD, N_("Pay by card now"),
              N_("You pay the full price on the next page with a debit or credit card.")))
register(PayProvider(Funding.PAY_PROVIDER, N_("Pay the provider directly"),
                     N_("The provider will tell you how to pay them.")))


def methods_for(offer) -> list[FundingMethod]:
    return [m for m in _METHODS.values() if m.available_for(offer)]


def get(code: str) -> FundingMethod | None:
    return _METHODS.get(code)
