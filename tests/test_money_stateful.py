"""Random runs of everything that moves money, with the money rules checked after every step.

A Hypothesis state machine books places (council-funded, personal budget, direct payment, card), cancels
them (families and providers), pays, lets Checkout Sessions and holds run out, delivers, delays and replays
signed webhooks, sends refunds, makes panel decisions and changes envelopes, while Stripe (the local fake,
over HTTP, through our real client code) comes and goes. After every step: no personal budget below zero,
no council-funded commitment beyond the council envelope, every confirmed card-paid place has its payment
taken, and the ledger reconciles. At the end of each run, once Stripe is back and every event delivered:
every penny Stripe took is for a confirmed place or has been refunded.

Tune with STATEFUL_EXAMPLES and STATEFUL_STEPS; CI=true runs a fixed, derandomised set.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from bookings import payments
from bookings.commands import send_requested_refunds
from bookings.places import book_places, cancel_booking, lock_capacity, settle
from bookings.session_changes import cancel_session
from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import (
    BudgetKind,
    BudgetStatus,
    DecisionKind,
    Envelope,
    Payment,
    PaymentStatus,
    PersonalBudget,
    Refund,
    RefundStatus,
    financial_year,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import to_london, utcnow
from providers.models import (
    Body,
    Booking,
    BookingStatus,
    PaymentRoute,
    Session,
    SessionStatus,
    Tier,
)

from .conftest import empty_tables
from .factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "80"))
STEPS = int(os.environ.get("STATEFUL_STEPS", "60"))
PICK = st.integers(min_value=0, max_value=1_000_000)


def pick(items: list, index: int):
    return items[index % len(items)]


class MoneyMachine(RuleBasedStateMachine):
    """One small world per run: two families with two children each, three offers, a provider and two bodies."""

    app = None
    fake = None

    def __init__(self):
        super().__init__()
        fake = type(self).fake
        fake.come_back()
        fake.reset()
        empty_tables()
        self.client = type(self).app.test_client()
        self.undelivered: list = []  # signed events Stripe has yet to deliver (or will deliver again)
        self.delivered: list = []
        self.steps = 0
        self.tally = Counter()
        self._build_world()

    def _build_world(self) -> None:
        locality = LocalityFactory()
        self.council = UserFactory(role=Role.COUNCIL)
        self.trust = UserFactory(role=Role.TRUST)
        provider = ProviderFactory(stripe_account_id="acct_test_provider")
        self.staff = UserFactory(role=Role.PROVIDER, provider_id=provider.id)
        self.offers = {
            "targeted": OfferFactory(provider=provider, locality=locality, tier=Tier.TARGETED, price_pence=2000,
                                     family_contribution_pence=500, payment_route=PaymentRoute.COUNCIL_FUNDED),
            "specialist": OfferFactory(provider=provider, locality=locality, tier=Tier.SPECIALIST, price_pence=3000,
                                       payment_route=PaymentRoute.PERSONAL_BUDGET),
            "universal": OfferFactory(provider=provider, locality=locality, price_pence=1200,
                                      payment_route=PaymentRoute.PAY_PROVIDER),
        }
        self.starts = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        for offer in self.offers.values():
            self._add_session(offer)
        self.families = [UserFactory() for _ in range(2)]
        self.children = [ChildFactory(parent=family, locality=locality) for family in self.families for _ in range(2)]
        db.session.add_all(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                                      recorded_by_id=self.trust.id) for child in self.children)
        self.year = financial_year(to_london(self.starts).date())
        money.set_envelope(Body.COUNCIL, self.year, 6000, by=self.council, reason="Council budget")
        money.set_envelope(Body.TRUST, self.year, 30_000, by=self.trust, reason="Trust budget")
        for child, kind, amount in [(0, BudgetKind.DIRECT_PAYMENT, 9000), (1, BudgetKind.MANAGED, 9000),
                                    (2, BudgetKind.DIRECT_PAYMENT, 6000), (2, BudgetKind.MANAGED, 3000)]:
            self._allocate(self.children[child], kind, amount)
        db.session.commit()

    def _allocate(self, child, kind: BudgetKind, amount: int) -> PersonalBudget:
        starts = max(to_london(utcnow()).date(), date(self.year, 4, 1))
        return money.allocate_budget(child, kind=kind, amount_pence=amount, starts_on=starts,
                                     ends_on=date(self.year + 1, 3, 31), review_on=starts + timedelta(90),
                                     reasons="Panel agreed", by=self.trust)

    def _add_session(self, offer) -> Session:
        count = db.session.scalar(select(func.count(Session.id)))
        return SessionFactory(offer=offer, capacity=3, starts_at=self.starts + timedelta(hours=count))

    # --- reading the world -------------------------------------------------------------------------------

    def _open_sessions(self) -> list[Session]:
        return db.session.scalars(select(Session).where(Session.status == SessionStatus.OPEN).order_by(Session.id)).all()

    def _live_bookings(self) -> list[Booking]:
        return db.session.scalars(select(Booking).where(
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD])).order_by(Booking.id)).all()

    def _payments(self, *statuses) -> list[Payment]:
        return db.session.scalars(select(Payment).where(Payment.status.in_(statuses)).order_by(Payment.id)).all()

    def _budgets(self) -> list[PersonalBudget]:
        return db.session.scalars(select(PersonalBudget).where(PersonalBudget.status == BudgetStatus.ACTIVE)
                                  .order_by(PersonalBudget.id)).all()

    def _open_checkouts(self) -> list[str]:
        return [cs for cs, checkout in self.fake.sessions.items() if checkout["status"] == "open"]

    def _after(self, action, what: str) -> object:
        """Run a service call as a request would: commit on success, roll back a refusal; then send refunds."""
        try:
            result = action()
        except DomainError:
            db.session.rollback()
            self.tally[f"{what} refused"] += 1
            return None
        db.session.commit()
        self.tally[what] += 1
        send_requested_refunds()
        return result

    # --- families ------------------------------------------------------------------------------------------

    def _book(self, tier: str, funding: str, child: int, second: bool, session: int) -> None:
        sessions = [s for s in self._open_sessions() if s.offer.tier.value == tier]
        if not sessions:
            return
        session = pick(sessions, session)
        first = pick(self.children, child)
        chosen = [first] + [c for c in self.children if second and c.parent_id == first.parent_id and c is not first]
        bookings = self._after(lambda: book_places(first.parent, session, chosen, funding,
                                                             declared_meets_criteria=True), f"book {funding}")
        if bookings and bookings[0].payment_id is not None:
            payment = db.session.get(Payment, bookings[0].payment_id)
            with self.app.test_request_context():
                if payments.start_checkout(payment) is None:
                    self.tally["checkout could not open"] += 1
                db.session.commit()

    @rule(child=PICK, second=st.booleans(), session=PICK)
    def book_council_funded(self, child, second, session):
        self._book("targeted", "council_funded", child, second, session)

    @rule(child=PICK, second=st.booleans(), session=PICK)
    def book_from_personal_budget(self, child, second, session):
        self._book("specialist", "personal_budget", child, second, session)

    @rule(child=PICK, second=st.booleans(), session=PICK)
    def book_with_direct_payment(self, child, second, session):
        self._book("specialist", "direct_payment", child, second, session)

    @rule(child=PICK, second=st.booleans(), session=PICK, tier=st.sampled_from(["universal", "specialist"]))
    def book_by_card(self, child, second, session, tier):
        self._book(tier, "card", child, second, session)

    @rule(booking=PICK)
    def family_cancels(self, booking):
        live = self._live_bookings()
        if live:
            booking = pick(live, booking)
            self._after(lambda: cancel_booking(booking, by=booking.booked_by),
                        f"cancel {booking.status.value} {booking.funding}")

    @rule(payment=PICK)
    def family_gives_up_paying(self, payment):
        pending = self._payments(PaymentStatus.PENDING)
        if pending:
            payment = pick(pending, payment)
            payments.abandon(payment, by=payment.family)
            db.session.commit()

    @rule(payment=PICK)
    def family_returns_from_checkout(self, payment):
        unpaid = [p for p in self._payments(PaymentStatus.PENDING, PaymentStatus.EXPIRED, PaymentStatus.FAILED)
                  if p.checkout_session_id]
        if unpaid:
            try:
                payments.sync_from_stripe(pick(unpaid, payment))
                db.session.commit()
            except payments.stripe_gateway.StripeUnavailable:
                db.session.rollback()

    # --- providers -----------------------------------------------------------------------------------------

    @rule(session=PICK)
    def provider_cancels_session(self, session):
        sessions = [s for s in self._open_sessions() if s.id in {b.session_id for b in self._live_bookings()}]
        if sessions:
            session = pick(sessions, session)
            self._after(lambda: cancel_session(session, reason="Staff are ill", by=self.staff), "cancel session")

    @precondition(lambda self: len(self._open_sessions()) < 4)
    @rule(offer=st.sampled_from(["targeted", "specialist", "universal"]))
    def provider_adds_session(self, offer):
        self._add_session(self.offers[offer])

    # --- Stripe's side -------------------------------------------------------------------------------------

    @rule(checkout=PICK, tell=st.sampled_from(["webhook", "later", "never"]))
    def family_pays_on_checkout(self, checkout, tell):
        open_ = self._open_checkouts()
        if not open_:
            return
        checkout = pick(open_, checkout)
        self.fake.complete(checkout)
        event = self.fake.checkout_event("checkout.session.completed", checkout)
        if tell == "webhook":
            self._deliver(event)
        elif tell == "later":
            self.undelivered.append(event)
        # "never": Stripe gave up delivering it; the family coming back, or the end of the run, must do

    @rule(checkout=PICK)
    def checkout_runs_out(self, checkout):
        """Time passes for both sides: the hold and the Checkout Session end together."""
        open_ = self._open_checkouts()
        if not open_:
            return
        checkout = pick(open_, checkout)
        self.fake.expire(checkout)
        payment = db.session.scalar(select(Payment).where(Payment.checkout_session_id == checkout))
        if payment is not None:
            self._hold_runs_out(payment)
        self.undelivered.append(self.fake.checkout_event("checkout.session.expired", checkout))

    @rule(payment=PICK)
    def hold_runs_out_a_moment_before_checkout(self, payment):
        """Our hold has ended while Stripe will still take payment for a few more seconds."""
        pending = self._payments(PaymentStatus.PENDING)
        if pending:
            self._hold_runs_out(pick(pending, payment))

    def _hold_runs_out(self, payment: Payment) -> None:
        past = utcnow() - timedelta(seconds=1)
        payment.expires_at = past
        for booking in db.session.scalars(select(Booking).where(Booking.payment_id == payment.id,
                                                                Booking.status == BookingStatus.HELD)):
            booking.hold_expires_at = past
        db.session.commit()

    @rule()
    def expire_holds_command(self):
        session_ids = db.session.scalars(select(Booking.session_id).where(
            Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= utcnow()).distinct()).all()
        for session in [db.session.get(Session, session_id) for session_id in session_ids]:
            self._after(lambda session=session: lock_capacity([session]) or settle(session),
                        "expire holds")

    @rule(event=PICK)
    def stripe_delivers_an_event(self, event):
        if self.undelivered:
            self._deliver(self.undelivered.pop(event % len(self.undelivered)))

    @rule(event=PICK)
    def stripe_replays_an_event(self, event):
        if self.delivered:
            self._deliver(pick(self.delivered, event))

    def _deliver(self, event) -> None:
        response = event.post(self.client)
        outcome = str(response.json.get("outcome", response.status_code)).split(" ")[-1]
        self.tally[f"webhook {event.type.split('.')[-1]}: {outcome}"] += 1
        if response.status_code == 503:
            self.undelivered.append(event)  # Stripe tries again later
        else:
            assert response.status_code == 200, response.text
            self.delivered.append(event)

    @rule(state=st.sampled_from(["down", "failing", "losing answers"] + ["up"] * 6))
    def stripe_health(self, state):
        self.fake.come_back()
        self.fake.fail_with(None)
        self.fake.lose_responses = False
        if state == "down":
            self.fake.go_down()
        elif state == "failing":
            self.fake.fail_with(500)
        elif state == "losing answers":
            self.fake.lose_responses = True

    @rule()
    def send_refunds_command(self):
        send_requested_refunds(limit=1000)

    # --- the trust and the council -----------------------------------------------------------------------

    @rule(child=PICK, kind=st.sampled_from(list(BudgetKind)), amount=st.integers(1, 12_000))
    def panel_allocates(self, child, kind, amount):
        child = pick(self.children, child)
        self._after(lambda: self._allocate(child, kind, amount), f"allocate {kind.value}")

    @rule(budget=PICK, kind=st.sampled_from([DecisionKind.INCREASE] * 3 + [DecisionKind.REDUCE] * 2 + [DecisionKind.END]),
          amount=st.integers(1, 8000))
    def panel_changes(self, budget, kind, amount):
        budgets = self._budgets()
        if budgets:
            budget = pick(budgets, budget)
            self._after(lambda: money.change_budget(budget, kind, amount_pence=amount, reasons="Reviewed",
                                                    notice_on=to_london(utcnow()).date() + timedelta(days=28),
                                                    by=self.trust), f"budget {kind.value}")

    @rule(body=st.sampled_from(list(Body)), amount=st.integers(0, 60_000))
    def commissioner_sets_envelope(self, body, amount):
        by = self.council if body is Body.COUNCIL else self.trust
        self._after(lambda: money.set_envelope(body, self.year, amount, by=by, reason="Budget revised"),
                    f"set {body.value} envelope")

    # --- the rules that must always hold --------------------------------------------------------------------

    @invariant()
    def no_budget_below_zero(self):
        self.steps += 1  # invariants run after every step
        db.session.rollback()
        for budget in db.session.scalars(select(PersonalBudget)):
            assert ledger.balance(budget.account) >= 0, f"budget {budget.id} unspent below zero"
            assert ledger.balance(budget.held_account) >= 0, f"budget {budget.id} held below zero"
            if budget.status is BudgetStatus.ENDED:
                # Whatever comes back to an ended budget goes back to the trust, not into a budget nobody can use.
                assert ledger.balance(budget.account) == 0, f"ended budget {budget.id} still has money"

    @invariant()
    def council_never_commits_beyond_its_envelope(self):
        for envelope in db.session.scalars(select(Envelope).where(Envelope.body == Body.COUNCIL)):
            assert ledger.balance(envelope_account(envelope, "available")) >= 0
            assert ledger.figures(envelope).used <= envelope.amount_pence

    @invariant()
    def every_confirmed_card_place_is_paid_once(self):
        rows = db.session.execute(select(Booking.id, Payment.status).join(Payment, Booking.payment_id == Payment.id)
                                  .where(Booking.status == BookingStatus.CONFIRMED)).all()
        assert all(status is PaymentStatus.PAID for _, status in rows), rows
        for payment in self._payments(PaymentStatus.PAID):
            intent = self.fake.payment_intents[payment.payment_intent_id]
            assert intent["amount"] == payment.amount_pence
            assert payment.refunded_pence <= intent["refunded"] <= intent["amount"]

    @invariant()
    def ledger_reconciles(self):
        assert ledger.check() == []

    def teardown(self):
        """Stripe comes back and delivers everything: then every penny taken is for a place or given back."""
        try:
            self.fake.come_back()
            self.fake.fail_with(None)
            self.fake.lose_responses = False
            waiting, self.undelivered = self.undelivered, []
            for event in waiting:
                self._deliver(event)
            assert self.undelivered == []
            for checkout_id, checkout in self.fake.sessions.items():
                if checkout["payment_status"] == "paid":
                    self._deliver(self.fake.checkout_event("checkout.session.completed", checkout_id))
            send_requested_refunds(limit=1000)
            db.session.expire_all()
            assert db.session.scalar(select(func.count(Refund.id)).where(
                Refund.status != RefundStatus.SUCCEEDED)) == 0
            for checkout in self.fake.sessions.values():
                payment = db.session.get(Payment, int(checkout["metadata"]["payment_id"]))
                paid = checkout["payment_status"] == "paid"
                assert (payment.status is PaymentStatus.PAID) == paid, (payment.id, payment.status, checkout)
                if not paid:
                    continue
                intent = self.fake.payment_intents[checkout["payment_intent"]]
                kept = sum(b.price_pence for b in payments.bookings_of(payment) if b.status is BookingStatus.CONFIRMED)
                assert intent["amount"] - intent["refunded"] == kept == payment.amount_pence - payment.refunded_pence
            assert ledger.check() == []
            type(self).total_steps += self.steps - 1  # less the check before the first step
            type(self).tally.update(self.tally)
            type(self).tally.update(f"payment ends {p.status.value}" for p in db.session.scalars(select(Payment)))
            type(self).tally.update(f"refund ends {r.status.value}" for r in db.session.scalars(select(Refund)))
        finally:
            db.session.rollback()

    total_steps = 0
    tally: Counter = Counter()


def test_money_rules_hold_whatever_happens(app, stripe_fake):
    MoneyMachine.app, MoneyMachine.fake, MoneyMachine.total_steps, MoneyMachine.tally = app, stripe_fake, 0, Counter()
    ci = os.environ.get("CI") == "true"
    run_state_machine_as_test(MoneyMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=ci,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], print_blob=True))
    print(f"\n{MoneyMachine.total_steps} steps in {EXAMPLES} runs:")
    for what, count in sorted(MoneyMachine.tally.items()):
        print(f"  {what}: {count}")
    assert MoneyMachine.total_steps > EXAMPLES
