"""axe-core finds no WCAG 2.2 AA violations on any money page: the trust's personal budget pages and direct payment
monitoring, the family's budgets and payments page, the commissioners' envelopes, dashboard and provider table, and
the card payment pages, for each role that may see them, including error states (error summaries, refusals) and
card payment shown as unavailable (the tests run without Stripe keys).

Every GET route of the budgets package is visited here except the four CSV downloads, which are files, not pages
(tests/test_budget_views.py, tests/test_dashboard.py and tests/test_provider_money.py read them back), and the two
that only send a provider's administrator to Stripe or back to its money page (tests/test_provider_money.py).

Each case is one test, named after the page and the role, so a failure names the page. The world is built once for
the module (named ``shared_world`` so that tests/browser/conftest.py does not empty the tables after each case) and
emptied when the module ends: the cases only read it, except the one that opens a card payment without Stripe keys,
which has a payment of its own."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from bookings import registers
from bookings.places import book_places, cancel_booking
from bookings.waiting_lists import join_waiting_list
from budgets import services as money
from budgets.dashboard import current_year
from budgets.models import (
    BudgetKind,
    DecisionKind,
    Payment,
    PaymentStatus,
    financial_year,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import birthday, utcnow
from providers.models import (
    Attendance,
    Body,
    Booking,
    BookingStatus,
    Category,
    PaymentRoute,
    Tier,
)

from ..conftest import empty_tables
from ..factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .cases import (
    Case,
    check,
    expect_heading,
    expect_status,
    fill_date,
    go,
    page_as_fixture,
    params,
    submit,
)
from .world import born_years_ago, days_ahead

pytestmark = pytest.mark.browser


@dataclass
class MoneyWorld:
    specialist: object = None
    targeted: object = None
    swimming: object = None
    specialist_session: object = None
    swimming_session: object = None
    parent: object = None
    omar: object = None
    zara: object = None
    other_parent: object = None
    lily: object = None
    new_parent: object = None
    young_person: object = None
    trust: object = None
    council: object = None
    admin: object = None
    managed: object = None
    direct: object = None
    ended: object = None
    paid: object = None
    pending: object = None
    expired: object = None
    paid_too_late: object = None
    to_open: object = None
    provider_staff: object = None
    new_provider: object = None
    adults: object = None
    robin: object = None
    robins_parent: object = None
    adult_budget: object = None


def _this_year(days: int):
    """``days`` ahead, or sooner if that would fall after 31 March (budgets run within one financial year)."""
    today = money.today()
    return days_ahead(max(1, min(days, (date(financial_year(today) + 1, 3, 31) - today).days)))


def _approve(child, trust) -> None:
    db.session.add(Assessment(child_id=child.id, status=AssessmentStatus.APPROVED, recorded_by_id=trust.id,
                              reason=f"{child.first_name} needs overnight care."))
    db.session.commit()


def _allocate(child, kind: BudgetKind, amount_pence: int, trust):
    today = money.today()
    budget = money.allocate_budget(child, kind=kind, amount_pence=amount_pence, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=20),
                                   reasons="The panel agreed overnight breaks.", by=trust)
    db.session.commit()
    return budget


def _deliver(family, session, child, funding: str, provider_staff, **booking) -> None:
    """Book a place, let the session start (an hour ago) and mark the child as attended."""
    place = book_places(family, session, [child], funding, **booking)[0]
    db.session.commit()
    now = utcnow().replace(microsecond=0)
    session.starts_at, session.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)
    db.session.commit()
    registers.mark_attendance(session, {place.id: Attendance.ATTENDED}, by=provider_staff)
    db.session.commit()


def _card_payment(family, child, offer, days: int, status: PaymentStatus, booking_status: BookingStatus) -> Payment:
    """A card payment for one place on a session of its own, as Stripe Checkout would have left it."""
    session = SessionFactory(offer=offer, starts_at=_this_year(days), capacity=10)
    now = utcnow()
    group = str(uuid.uuid4())
    payment = Payment(family_id=family.id, provider_id=session.offer.provider_id, group_ref=group,
                      amount_pence=session.offer.price_pence, status=status, idempotency_key=str(uuid.uuid4()),
                      expires_at=now + timedelta(minutes=30), paid_at=now if status is PaymentStatus.PAID else None)
    db.session.add(payment)
    db.session.flush()
    db.session.add(Booking(session=session, child=child, booked_by_id=family.id, group_ref=group, funding="card",
                           price_pence=session.offer.price_pence, status=booking_status, payment_id=payment.id,
                           hold_expires_at=payment.expires_at if booking_status is BookingStatus.HELD else None))
    if booking_status in (BookingStatus.CONFIRMED, BookingStatus.HELD):
        session.places_taken += 1
    db.session.commit()
    return payment


def build_money_world() -> MoneyWorld:
    w = MoneyWorld()
    east, north = LocalityFactory(name="East", need_share=40), LocalityFactory(name="North", need_share=20)
    provider = ProviderFactory(name="Oakfield Play Trust")
    provider_staff = UserFactory(name="Sam Ward", email="sam@oakfield.example.org", role=Role.PROVIDER,
                                 provider_id=provider.id)
    w.specialist = OfferFactory(
        provider=provider, title="Oak House Overnight Breaks", locality=east, tier=Tier.SPECIALIST,
        category=Category.OVERNIGHT, min_age=5, max_age=17, needs=["health"], price_pence=4500,
        payment_route=PaymentRoute.PERSONAL_BUDGET)
    w.targeted = OfferFactory(
        provider=provider, title="Tuesday Youth Club", locality=north, tier=Tier.TARGETED,
        category=Category.YOUTH_CLUB, min_age=5, max_age=18, price_pence=2000,
        payment_route=PaymentRoute.COUNCIL_FUNDED, eligibility="Children with an EHC plan.")
    w.swimming = OfferFactory(provider=provider, title="Splash Swimming Club", locality=east, tier=Tier.UNIVERSAL,
                              category=Category.SPORT, price_pence=600, payment_route=PaymentRoute.PAY_PROVIDER)
    w.specialist_session = SessionFactory(offer=w.specialist, starts_at=_this_year(12), capacity=4)
    cancelled_night = SessionFactory(offer=w.specialist, starts_at=_this_year(14), capacity=4)
    delivered_night = SessionFactory(offer=w.specialist, starts_at=_this_year(3), capacity=4)
    delivered_club = SessionFactory(offer=w.targeted, starts_at=_this_year(2), capacity=6)
    club = SessionFactory(offer=w.targeted, starts_at=_this_year(10), capacity=6)
    w.swimming_session = SessionFactory(offer=w.swimming, starts_at=_this_year(7), capacity=10)
    full_swim = SessionFactory(offer=w.swimming, starts_at=_this_year(8), capacity=1)

    w.parent = UserFactory(name="Amira Khan", email="amira@example.com")
    w.omar = ChildFactory(parent=w.parent, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7),
                          needs=["health"], has_ehc_plan=True, locality=east)
    w.zara = ChildFactory(parent=w.parent, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9),
                          has_ehc_plan=True, locality=east)
    w.other_parent = UserFactory(name="Ben Smith", email="ben@example.com")
    w.lily = ChildFactory(parent=w.other_parent, first_name="Lily", last_name="Smith", date_of_birth=born_years_ago(8),
                          needs=["health"], locality=north)
    w.new_parent = UserFactory(name="Chris Green", email="chris@example.com")
    w.young_person = UserFactory(name="Jordan Lee", email="jordan@example.com", role=Role.YOUNG_PERSON)
    ChildFactory(parent=w.young_person, first_name="Jordan", last_name="Lee", date_of_birth=born_years_ago(17),
                 is_account_holder=True, locality=north)
    w.trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    w.council = UserFactory(name="Nadia Hussain", email="nadia@council.example.gov.uk", role=Role.COUNCIL)
    w.admin = UserFactory(name="Alex Admin", email="alex@portal.example.org", role=Role.ADMIN)

    # Small envelopes with low warnings, so the dashboards show their warnings and pressures.
    year = current_year()
    money.set_envelope(Body.COUNCIL, year, 1_000_00, by=w.council, reason="This year's council budget",
                       warn_first=1, warn_second=2)
    money.set_envelope(Body.TRUST, year, 1_000_00, by=w.trust, reason="This year's trust budget")
    db.session.commit()

    # Omar's managed budget (beyond the trust's budget): a night booked, one cancelled, one delivered.
    _approve(w.omar, w.trust)
    w.managed = _allocate(w.omar, BudgetKind.MANAGED, 1_240_00, w.trust)
    book_places(w.parent, w.specialist_session, [w.omar], "personal_budget")
    cancelled = book_places(w.parent, cancelled_night, [w.omar], "personal_budget")[0]
    db.session.commit()
    cancel_booking(cancelled, by=w.parent)
    db.session.commit()
    _deliver(w.parent, delivered_night, w.omar, "personal_budget", provider_staff)
    # Zara's council-funded places: one to come, one delivered.
    book_places(w.parent, club, [w.zara], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    _deliver(w.parent, delivered_club, w.zara, "council_funded", provider_staff, declared_meets_criteria=True)

    # Lily: a direct payment, and a managed budget the panel ended.
    _approve(w.lily, w.trust)
    w.direct = _allocate(w.lily, BudgetKind.DIRECT_PAYMENT, 600_00, w.trust)
    w.ended = _allocate(w.lily, BudgetKind.MANAGED, 300_00, w.trust)
    money.change_budget(w.ended, DecisionKind.END, reasons="Lily's needs are met by the direct payment.",
                        notice_on=money.today(), by=w.trust)
    db.session.commit()

    # A full swimming session with the parent on its waiting list (a pressure on the council's dashboard).
    book_places(w.other_parent, full_swim, [w.lily], "pay_provider")
    db.session.commit()
    join_waiting_list(w.parent, full_swim, [w.zara])
    db.session.commit()

    # Card payments in each state they can be in.
    w.paid = _card_payment(w.parent, w.zara, w.swimming, 16, PaymentStatus.PAID, BookingStatus.CONFIRMED)
    w.pending = _card_payment(w.parent, w.zara, w.swimming, 17, PaymentStatus.PENDING, BookingStatus.HELD)
    w.expired = _card_payment(w.parent, w.zara, w.swimming, 18, PaymentStatus.EXPIRED, BookingStatus.EXPIRED)
    w.paid_too_late = _card_payment(w.parent, w.omar, w.swimming, 19, PaymentStatus.PAID, BookingStatus.EXPIRED)
    w.to_open = _card_payment(w.parent, w.omar, w.swimming, 20, PaymentStatus.PENDING, BookingStatus.HELD)
    # Robin turns 18 within the year: a joint decision of the trust and adult social care, budgets either side.
    w.adults = UserFactory(name="Ruth Adeyemi", email="ruth@adults.example.gov.uk", role=Role.ADULTS)
    money.set_envelope(Body.ADULTS, year, 500_00, by=w.adults, reason="This year's adult social care budget")
    w.robins_parent = UserFactory(name="Dee Okafor", email="dee@example.com")
    today = money.today()
    turns_18 = today + timedelta(days=max(1, min(30, (date(financial_year(today) + 1, 3, 31) - today).days)))
    w.robin = ChildFactory(parent=w.robins_parent, first_name="Robin", last_name="Okafor",
                           date_of_birth=birthday(turns_18, -18), needs=["autism"], locality=north)
    _approve(w.robin, w.trust)
    w.adult_budget = money.allocate_joint(
        w.robin, kind=BudgetKind.MANAGED, before_pence=200_00, after_pence=900_00, starts_on=today,
        ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=20),
        reasons="Overnight breaks through the move to adult services.", by=w.trust, agreed_by=w.adults).after
    db.session.commit()
    w.provider_staff = provider_staff
    w.new_provider = UserFactory(name="Kim Lee", email="kim@birch.example.org", role=Role.PROVIDER,
                                 provider_id=ProviderFactory(name="Birch Club").id)
    return w


# --- visiting pages -------------------------------------------------------------------------------

def _new_budget(amount: str, kind: str):
    def fill(page, w):
        page.get_by_label("Amount the panel agreed").fill(amount)
        page.get_by_label(re.compile(kind)).check()
        page.get_by_label("The panel’s reasons").fill("The panel agreed more overnight breaks.")
    return fill


def _joint(agreed_by: str):
    def fill(page, w):
        page.get_by_label("Amount agreed until the 18th birthday").fill("100")
        page.get_by_label("Amount agreed from the 18th birthday").fill("400")
        page.get_by_label(re.compile("Managed budget: the trust")).check()
        page.get_by_label("Who agreed this decision for the other body?").select_option(label=agreed_by)
        page.get_by_label("The panel’s reasons").fill("Agreed together at the transition panel.")
    return fill


def _bad_new_budget(page, w):
    page.get_by_label("Amount the panel agreed").fill("lots")
    page.get_by_role("group", name="Start date").get_by_label("Day").fill("")
    fill_date(page, "Review date", money.today() + timedelta(days=800))


def _change(change: str, amount: str = "", notice: bool = True):
    def fill(page, w):
        page.get_by_label(change).check()
        page.get_by_label("By how much?").fill(amount)
        if notice:
            fill_date(page, "Date the family is given notice from", money.today())
        page.get_by_label("The panel’s reasons").fill("The panel reviewed Omar's needs.")
    return fill


def _clear_envelope(page, w):
    page.get_by_label("Budget for the year").fill("")
    page.get_by_label("Why is the budget being set or changed?").fill("")


def _bad_envelope(page, w):
    page.get_by_label("Budget for the year").fill("£-5")
    page.get_by_label("First warning when this much is used").fill("90")
    page.get_by_label("Second warning when this much is used").fill("80")


def _choose_funded(child: str, funding: str):
    def fill(page, w):
        page.get_by_label(child).check()
        page.get_by_label(funding).check()
    return fill


def _remittance_for_a_month_not_offered(page, w):
    page.goto("/money/remittance.csv?body=council&month=1999-01")
    expect(page).to_have_url(re.compile(r"/money/dashboard\?body=council#remittance$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Choose a month from the list to download its remittance.")


def _pay_without_stripe(page, w):
    """A family opens a card payment while the portal has no Stripe keys: told plainly that card payment is not
    available (and offered to let the place go), never a server error."""
    expect_status(page, page.goto(f"/payments/{w.to_open.id}/pay"), 200)
    expect(page).to_have_url(re.compile(rf"/payments/{w.to_open.id}/not-paid$"))
    expect_heading(page, "You have not paid yet")
    expect(page.locator("main")).to_contain_text("Paying by card is not available on this portal at the moment")
    expect(page.get_by_role("link", name="Go back to paying")).to_have_count(0)
    expect(page.get_by_role("button", name="Let the place go")).to_be_visible()


def _budget(attr: str):
    return lambda w: f"/trust/personal-budgets/{getattr(w, attr).id}"


def _new(attr: str):
    return lambda w: f"/trust/children/{getattr(w, attr).id}/personal-budget"


def _change_path(attr: str):
    return lambda w: f"/trust/personal-budgets/{getattr(w, attr).id}/change"


TRUST_STAFF = ("trust", "admin")
COMMISSIONERS = ("council", "trust", "admin")
NEXT_YEAR = current_year() + 1

CASES = [
    # The trust's personal budget pages, as trust staff and as an administrator.
    *[Case(f"trust-budgets-{role}", role, go("/trust/personal-budgets", heading="Personal budgets",
                                              shows="Review due soon")) for role in TRUST_STAFF],
    Case("trust-budgets-ended-trust", "trust", go("/trust/personal-budgets?status=ended", heading="Personal budgets")),
    Case("trust-budgets-all-trust", "trust", go("/trust/personal-budgets?status=all", heading="Personal budgets")),
    *[Case(f"budget-managed-{role}", role, go(_budget("managed"), heading="Managed personal budget",
                                              shows="Beyond the trust’s budget")) for role in TRUST_STAFF],
    Case("budget-direct-payment-trust", "trust", go(_budget("direct"), heading="Direct payment")),
    Case("budget-ended-trust", "trust", go(_budget("ended"), heading="Managed personal budget", shows="Ended")),
    *[Case(f"new-budget-with-existing-{role}", role, go(_new("omar"), heading="Record a resource panel decision",
                                                        shows="Omar’s budgets")) for role in TRUST_STAFF],
    Case("new-budget-not-assessed-trust", "trust",
         go(_new("zara"), heading="Record a resource panel decision", shows="does not have an approved assessment")),
    Case("new-budget-errors-empty-trust", "trust",
         submit(_new("omar"), "Continue", status=422, error="Enter the amount the panel agreed")),
    Case("new-budget-errors-bad-answers-trust", "trust",
         submit(_new("omar"), "Continue", status=422, fill=_bad_new_budget,
                error="Enter the amount in pounds, like £1,240 or 1240.50")),
    Case("new-budget-check-answers-trust", "trust",
         submit(_new("omar"), "Continue", status=200, fill=_new_budget("300", "Direct payment: paid"),
                heading="Check the panel decision before you record it")),
    Case("new-budget-refused-overlapping-trust", "trust",
         submit(_new("omar"), "Continue", status=409, fill=_new_budget("300", "Managed budget: the trust"),
                then="Record the decision", error="Omar already has a managed personal budget for these dates")),
    *[Case(f"change-budget-{role}", role, go(_change_path("managed"),
                                             heading="Increase, reduce or end the budget")) for role in TRUST_STAFF],
    Case("change-budget-ended-trust", "trust",
         go(_change_path("ended"), heading="Increase, reduce or end the budget", shows="This budget has ended")),
    Case("change-budget-errors-empty-trust", "trust",
         submit(_change_path("managed"), "Continue", status=422, error="Select what the panel decided")),
    Case("change-budget-errors-reduce-without-notice-trust", "trust",
         submit(_change_path("managed"), "Continue", status=422, fill=_change("Reduce the budget", "100", notice=False),
                error="Enter the date the family is given notice from")),
    Case("change-budget-check-end-trust", "trust",
         submit(_change_path("managed"), "Continue", status=200, fill=_change("End the budget"),
                heading="Check the decision before you record it")),
    Case("change-budget-refused-reduce-too-much-trust", "trust",
         submit(_change_path("managed"), "Continue", status=409, fill=_change("Reduce the budget", "100,000"),
                then="Record the decision", error="of this budget is not already booked or spent")),
    *[Case(f"direct-payments-{role}", role, go("/trust/direct-payments", heading="Direct payments",
                                               shows="Lily Smith")) for role in TRUST_STAFF],

    # Adult social care: its own lists and budgets, its dashboard, and the joint decision across an 18th birthday.
    Case("trust-budgets-adults", "adults", go("/trust/personal-budgets", heading="Personal budgets",
                                              shows="Robin Okafor")),
    Case("budget-adult-half-adults", "adults", go(_budget("adult_budget"), heading="Managed personal budget",
                                                  shows="Joint decision, agreed by Ruth Adeyemi")),
    Case("find-a-young-person-adults", "adults", go("/trust/children", heading="Find a child")),
    Case("new-budget-turning-18-trust", "trust",
         go(_new("robin"), heading="Record a resource panel decision", shows="Robin turns 18 on")),
    *[Case(f"joint-decision-{role}", role, go(lambda w: f"/trust/children/{w.robin.id}/joint-decision",
                                              heading="Record a joint decision across the 18th birthday"))
      for role in ("trust", "adults")],
    Case("joint-decision-errors-empty-adults", "adults",
         submit(lambda w: f"/trust/children/{w.robin.id}/joint-decision", "Record the joint decision", status=422,
                error="Enter the amount agreed until the 18th birthday")),
    Case("joint-decision-refused-overlapping-trust", "trust",
         submit(lambda w: f"/trust/children/{w.robin.id}/joint-decision", "Record the joint decision", status=409,
                fill=_joint("Ruth Adeyemi (Adult social care staff)"),
                error="Robin already has a managed personal budget for these dates")),
    Case("dashboard-adults", "adults",
         go("/money/dashboard", heading="Adult social care short breaks budget",
            shows="Breaks after an 18th birthday paid from children’s budgets")),
    Case("envelopes-adults", "adults", go("/money/envelopes", heading="Short breaks budgets")),
    Case("money-joint-budgets-parent", "robins_parent",
         go("/money", heading="Budgets and payments",
            shows="Adult social care pays for Robin’s specialist breaks from their 18th birthday")),

    # The family's budgets and payments page.
    Case("money-managed-budget-parent", "parent",
         go("/money", heading="Budgets and payments", shows="more is set aside for breaks you have booked")),
    Case("money-direct-payment-and-ended-budget-parent", "other_parent",
         go("/money", heading="Budgets and payments", shows="This is a direct payment")),
    Case("money-no-budget-parent", "new_parent",
         go("/money", heading="Budgets and payments", shows="None of your children has a personal budget")),
    Case("money-no-budget-young-person", "young_person",
         go("/money", heading="Budgets and payments", shows="You do not have a personal budget")),

    # Booking with money: ways to pay that are unavailable (no Stripe keys), and a refusal.
    Case("book-card-unavailable-parent", "parent",
         go(lambda w: f"/sessions/{w.swimming_session.id}/book", heading="Book a place",
            shows="Pay by card now is not available: Paying by card is not available on this portal")),
    Case("book-direct-payment-unavailable-parent", "other_parent",
         go(lambda w: f"/sessions/{w.specialist_session.id}/book", heading="Book a place",
            shows="Pay by card from my child’s direct payment is not available")),
    Case("book-from-ended-budget-refused-parent", "other_parent",
         submit(lambda w: f"/sessions/{w.specialist_session.id}/book", "Confirm booking", status=409,
                fill=_choose_funded("Lily Smith", "From my child’s personal budget"),
                error="Lily does not have a managed personal budget")),

    # Card payment pages.
    Case("payment-received-parent", "parent",
         go(lambda w: f"/payments/{w.paid.id}/paid", heading="Payment received", shows="is confirmed")),
    Case("payment-received-too-late-refunded-parent", "parent",
         go(lambda w: f"/payments/{w.paid_too_late.id}/paid", heading="Payment received", shows="refunding it")),
    Case("payment-checking-parent", "parent",
         go(lambda w: f"/payments/{w.pending.id}/paid", heading="Checking your payment")),
    Case("payment-not-completed-parent", "parent",
         go(lambda w: f"/payments/{w.expired.id}/paid", heading="You have not paid")),
    Case("payment-not-paid-yet-card-unavailable-parent", "parent",
         go(lambda w: f"/payments/{w.pending.id}/not-paid", heading="You have not paid yet",
            shows="Paying by card is not available")),
    Case("payment-not-paid-closed-parent", "parent",
         go(lambda w: f"/payments/{w.expired.id}/not-paid", heading="You have not paid yet",
            shows="This payment is closed")),
    Case("payment-pay-already-paid-goes-to-receipt-parent", "parent",
         go(lambda w: f"/payments/{w.paid.id}/pay", heading="Payment received")),
    Case("payment-pay-without-stripe-parent", "parent", _pay_without_stripe),
    Case("payment-someone-elses-404-parent", "other_parent",
         go(lambda w: f"/payments/{w.paid.id}/paid", status=404, heading="Page not found")),

    # Commissioners' envelopes.
    *[Case(f"envelopes-{role}", role, go("/money/envelopes", heading="Short breaks budgets"))
      for role in COMMISSIONERS],
    Case("envelopes-next-year-council", "council",
         go(f"/money/envelopes?body=council&year={NEXT_YEAR}", heading="Short breaks budgets")),
    Case("envelopes-errors-empty-council", "council",
         submit("/money/envelopes", "Set the budget", status=422, fill=_clear_envelope,
                error="Enter the budget for the year in pounds")),
    Case("envelopes-errors-bad-amount-and-warnings-trust", "trust",
         submit("/money/envelopes", "Set the budget", status=422, fill=_bad_envelope,
                error="The second warning must be higher than the first")),
    Case("envelopes-errors-no-reason-admin", "admin",
         submit("/money/envelopes", "Set the budget", status=422, error="Say why the budget is being set or changed")),
    Case("envelopes-other-body-refused-council", "council",
         go("/money/envelopes?body=trust", status=403, heading="You do not have permission")),

    # The dashboard and the provider table.
    Case("dashboard-council", "council",
         go("/money/dashboard", heading="Council short breaks budget", shows="past the second warning")),
    Case("dashboard-trust", "trust",
         go("/money/dashboard", heading="Children’s trust short breaks budget",
            shows="Panel decisions recorded beyond the budget")),
    Case("dashboard-admin", "admin", go("/money/dashboard", heading="Council short breaks budget")),
    Case("dashboard-trust-budget-admin", "admin",
         go("/money/dashboard?body=trust", heading="Children’s trust short breaks budget")),
    Case("dashboard-no-budget-set-trust", "trust",
         go(f"/money/dashboard?year={NEXT_YEAR}", heading="Children’s trust short breaks budget",
            shows="No budget has been set")),
    Case("dashboard-remittance-month-not-offered-council", "council", _remittance_for_a_month_not_offered),
    *[Case(f"providers-{role}", role, go("/money/providers", heading="Spending by provider",
                                         shows="Oakfield Play Trust")) for role in COMMISSIONERS],
    Case("providers-no-budget-set-404-trust", "trust",
         go(f"/money/providers?year={NEXT_YEAR}", status=404, heading="Page not found")),

    # A provider's own money page, and its empty state.
    Case("provider-money-provider", "provider_staff",
         go("/provider/money", heading="Money", shows="Owed to you by the council or the children")),
    Case("provider-money-empty-provider", "new_provider",
         go("/provider/money", heading="Money", shows="No money is owed to you yet")),
]

# Pages with a known violation or bug: the case is expected to fail until the page is fixed (see the reason).
KNOWN_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    """One world for every page in this module, emptied when the module ends (see _clean_database)."""
    world = build_money_world()
    yield world
    empty_tables()


# One signed-in page per role (the MoneyWorld attribute of the person: parent, trust, council, admin...).
page_as = page_as_fixture()


@pytest.mark.parametrize("case", params(CASES, KNOWN_FAILURES))
def test_money_page_has_no_accessibility_violations(case: Case, shared_world: MoneyWorld, page_as):
    check(case, shared_world, page_as)
