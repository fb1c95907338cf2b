"""Booking several sessions of a series in one go (#12): through the routes a family uses, on the real database.

All or nothing, or the sessions that have places; each session checked under its lock as a single booking is;
the money taken once for the set by each way of paying (one card payment for the total); cancelling the whole set
gives everything back in one go, and one session of a set can still be cancelled alone. After every test the
ledger reconciles (`flask ledger check`).
"""
from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from bookings.places import book_places, book_series
from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import (
    BudgetKind,
    EntryKind,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    financial_year,
)
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Role
from portal.timeutil import to_london, utcnow
from providers.models import (
    Body,
    Booking,
    BookingSet,
    BookingStatus,
    PaymentRoute,
    Session,
    Tier,
)
from providers.sessions import create_series, weekly_rule

from .factories import ChildFactory, OfferFactory, UserFactory

pytest_plugins = ["tests.fake_stripe"]  # the stripe_fake fixture

PRICE = 1500
WEEKS = 5


@pytest.fixture(autouse=True)
def ledger_reconciles(app, runner):
    yield
    db.session.rollback()
    assert ledger.check() == []
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def family(app):
    return UserFactory(email="amira@example.com", name="Amira Khan")


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com")


@pytest.fixture
def council(app):
    return UserFactory(role=Role.COUNCIL, email="council@example.com")


def weekly_series(offer=None, *, weeks: int = WEEKS, capacity: int = 10, interval: int = 1, **offer_fields):
    """A series on Wednesdays from next week, 4pm to 6pm, every week (or fortnight)."""
    offer = offer or OfferFactory(**offer_fields)
    today = to_london(utcnow()).date()
    first = today + timedelta(days=7 + (2 - today.weekday()) % 7)
    series = create_series(offer, rule=weekly_rule(first, first + timedelta(weeks=(weeks - 1) * interval), [2],
                                                   interval), first_day=first, start=time(16), end=time(18),
                           capacity=capacity, by=None)
    db.session.commit()
    return series


def sessions_of(series) -> list[Session]:
    return db.session.scalars(select(Session).where(Session.series_id == series.id).order_by(Session.starts_at)).all()


def answers(series, children, *, funding="free", sessions=None, take="all", carer_places=0, declared=False) -> dict:
    data = {"sessions": [s.id for s in (sessions or sessions_of(series))], "children": [c.id for c in children],
            "carer_places": carer_places, "funding": funding, "if_some_cannot": take}
    if declared:
        data["declared"] = "y"
    return data


def ticked(response, name: str, value: int) -> bool:
    return f'name="{name}" type="checkbox" value="{value}" checked' in response.text


TAKE_BUTTON = 'type="submit">Book the sessions that have places</button>'


def confirm(client, series, children, **kwargs):
    """Press "Book" on the check-your-answers page (its form posts the answers back)."""
    return client.post(f"/series/{series.id}/book/check", data=answers(series, children, **kwargs))


def live_on(session) -> list[Booking]:
    db.session.expire_all()
    return db.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]))).all()


def all_bookings() -> list[Booking]:
    db.session.expire_all()
    return db.session.scalars(select(Booking).order_by(Booking.id)).all()


def fill(session, places: int) -> None:
    """Another family takes places on the session, the way any booking does."""
    other = UserFactory()
    children = [ChildFactory(parent=other) for _ in range(places)]
    book_places(other, session, children, "free")
    db.session.commit()


def assessed(trust, *children) -> None:
    db.session.add_all(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                                  recorded_by_id=trust.id) for child in children)
    db.session.commit()


def budget(child, trust, amount, kind=BudgetKind.MANAGED):
    year = financial_year(to_london(utcnow()).date())
    if db.session.scalar(select(func.count()).select_from(Assessment).where(Assessment.child_id == child.id)) == 0:
        assessed(trust, child)
    today = to_london(utcnow()).date()
    found = money.allocate_budget(child, kind=kind, amount_pence=amount, starts_on=today,
                                  ends_on=date(year + 1, 3, 31), review_on=today + timedelta(days=90),
                                  reasons="Panel agreed", by=trust)
    db.session.commit()
    return found


def set_envelopes(body: Body, by, amount: int) -> None:
    year = financial_year(to_london(utcnow()).date())
    money.set_envelope(body, year, amount, by=by, reason="Budget for the year")
    db.session.commit()


# --- the journey: choose, check, confirm, see what was booked ---------------------------------------------------

def test_a_family_books_every_remaining_session_for_two_children_in_one_confirmation(login, family, outbox):
    zara, omar = ChildFactory(parent=family, first_name="Zara"), ChildFactory(parent=family, first_name="Omar")
    series = weekly_series(title="Wednesday Club")
    sessions = sessions_of(series)
    client = login(family)

    # From a session's own booking page and from the offer page.
    assert f"/series/{series.id}/book" in client.get(f"/sessions/{sessions[0].id}/book").text
    assert f"/series/{series.id}/book" in client.get(f"/local-offer/{series.offer_id}").text
    page = client.get(f"/series/{series.id}/book")
    assert page.status_code == 200 and "Book more than one session" in page.text
    # Every remaining session is ticked to start with.
    assert all(ticked(page, "sessions", s.id) for s in sessions)

    chosen = client.post(f"/series/{series.id}/book", data=answers(series, [zara, omar], carer_places=1))
    assert chosen.status_code == 302, chosen.text[chosen.text.find("error-summary"):][:1500]
    assert urlsplit(chosen.location).path == f"/series/{series.id}/book/check"
    check = client.get(chosen.location)
    assert check.status_code == 200 and "Check your answers before booking" in check.text
    assert f"Book {WEEKS} sessions" in check.text and "Zara" in check.text and "Omar" in check.text
    assert all_bookings() == []  # nothing is booked until the family confirms

    done = confirm(client, series, [zara, omar], carer_places=1)
    assert done.status_code == 302
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    assert done.location.endswith(f"/bookings/sets/{booking_set.group_ref}")
    bookings = all_bookings()
    assert len(bookings) == WEEKS * 3  # two children and a carer on each session
    assert {b.group_ref for b in bookings} == {booking_set.group_ref}
    assert all(b.status is BookingStatus.CONFIRMED for b in bookings)
    for session in sessions:
        db.session.refresh(session)
        assert session.places_taken == 3
    # Every place is in the audit trail as a single booking's is, and the set too.
    booked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "place_booked")).all()
    assert len(booked) == WEEKS * 3 and all(e.actor_id == family.id for e in booked)
    assert all(e.details["group_ref"] == booking_set.group_ref for e in booked)
    [set_event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "set_booked")).all()
    assert set_event.subject_id == booking_set.id and set_event.details["sessions"] == [s.id for s in sessions]
    # One confirmation, listing every session.
    [email] = [m for m in outbox if "confirmed" in m["Subject"]]
    assert email["Subject"] == "Bookings confirmed: Wednesday Club"
    assert email.get_body(preferencelist=("plain",)).get_content().count(zara.full_name) == WEEKS
    page = client.get(done.location).text
    assert "Sessions booked" in page and f"{WEEKS} sessions of" in page and "Sessions not booked" not in page
    assert booking_set.group_ref in client.get("/bookings").text


def test_a_fortnightly_series_offers_its_sessions_and_a_chosen_few_are_booked(login, family):
    child = ChildFactory(parent=family)
    series = weekly_series(interval=2, weeks=4)
    sessions = sessions_of(series)
    assert [(b.starts_at - a.starts_at).days for a, b in zip(sessions, sessions[1:])] == [14, 14, 14]
    client = login(family)
    assert confirm(client, series, [child], sessions=[sessions[0], sessions[2]]).status_code == 302
    assert [len(live_on(s)) for s in sessions] == [1, 0, 1, 0]


def test_answers_that_do_not_validate_are_shown_again_as_typed(login, family):
    zara = ChildFactory(parent=family, first_name="Zara")
    series = weekly_series()
    sessions = sessions_of(series)
    client = login(family)
    response = client.post(f"/series/{series.id}/book", data={"sessions": [sessions[1].id], "children": [zara.id],
                                                              "carer_places": 0, "if_some_cannot": "available"})
    assert response.status_code == 422 and "Select how you will pay" in response.text
    # What was typed is kept: the one session, the child, and the choice about sessions that cannot be booked.
    assert ticked(response, "sessions", sessions[1].id) and not ticked(response, "sessions", sessions[0].id)
    assert ticked(response, "children", zara.id) and 'value="available" checked' in response.text
    # Coming back from the check page to change an answer keeps the answers too.
    page = client.get(f"/series/{series.id}/book", query_string=answers(series, [zara], sessions=[sessions[2]]))
    assert ticked(page, "sessions", sessions[2].id) and not ticked(page, "sessions", sessions[0].id)
    # An address with answers missing goes back to the form.
    assert client.get(f"/series/{series.id}/book/check").status_code == 302


# --- all or nothing, or the sessions that have places -------------------------------------------------------

def test_all_or_nothing_books_nothing_and_says_which_session_is_full_and_why(login, family):
    zara, omar = ChildFactory(parent=family, first_name="Zara"), ChildFactory(parent=family, first_name="Omar")
    series = weekly_series(capacity=3)
    sessions = sessions_of(series)
    fill(sessions[2], 2)  # one place left there: not enough for two children
    before = [s.places_taken for s in sessions]
    client = login(family)
    response = confirm(client, series, [zara, omar])
    assert response.status_code == 409
    assert "1 of the sessions you chose cannot be booked, so none have been booked" in response.text
    assert "Only 1 place left on this session, and you asked for 2" in response.text
    assert TAKE_BUTTON in response.text
    assert [len(live_on(s)) for s in sessions] == [0, 0, 2, 0, 0]
    db.session.expire_all()
    assert [s.places_taken for s in sessions_of(series)] == before
    assert db.session.scalar(select(func.count()).select_from(BookingSet)) == 0

    # The family chooses to take the sessions that have places, and is told which was not booked, and why.
    response = confirm(client, series, [zara, omar], take="available")
    assert response.status_code == 302
    assert [len(live_on(s)) for s in sessions] == [2, 2, 2, 2, 2]
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    assert booking_set.take_what_has_places
    assert [n["session_id"] for n in booking_set.not_booked] == [sessions[2].id]
    page = client.get(response.location).text
    assert "Sessions not booked" in page and "Only 1 place left on this session" in page
    assert "4 sessions of" in page


def test_each_session_is_checked_as_a_single_booking_is_cancelled_closed_or_too_old_by_then(login, family):
    series = weekly_series(capacity=10, min_age=5, max_age=11)
    sessions = sessions_of(series)
    # Erin turns 12 the day after the third session.
    third = to_london(sessions[2].starts_at).date()
    erin = ChildFactory(parent=family, first_name="Erin",
                        date_of_birth=(third + timedelta(days=1)).replace(year=third.year - 12))
    sessions[0].status = sessions[0].status.CANCELLED
    sessions[1].offer.booking_cutoff_hours = 0
    db.session.commit()
    client = login(family)
    response = confirm(client, series, [erin], take="available")
    assert response.status_code == 302
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    reasons = {n["session_id"]: n["reason"] for n in booking_set.not_booked}
    assert reasons[sessions[0].id] == "This session has been cancelled, so it cannot be booked."
    assert reasons[sessions[3].id] == "Erin will be 12 on the day. This break is for ages 5 to 11."
    assert set(reasons) == {sessions[0].id, sessions[3].id, sessions[4].id}
    assert [len(live_on(s)) for s in sessions] == [0, 1, 1, 0, 0]


def test_none_of_the_sessions_can_be_booked_books_nothing_even_when_taking_what_has_places(login, family):
    child = ChildFactory(parent=family)
    series = weekly_series(capacity=1, weeks=2)
    for session in sessions_of(series):
        fill(session, 1)
    response = confirm(login(family), series, [child], take="available")
    assert response.status_code == 409 and "None of the 2 sessions you chose can be booked" in response.text
    assert "This session is full" in response.text and TAKE_BUTTON not in response.text
    assert db.session.scalar(select(func.count()).select_from(BookingSet)) == 0


def test_a_session_of_another_break_or_another_familys_child_is_refused(app, family):
    series = weekly_series()
    other = weekly_series()
    child, someone_elses = ChildFactory(parent=family), ChildFactory()
    with pytest.raises(Exception, match="sessions of one break at a time"):
        book_series(family, sessions_of(series)[:1] + sessions_of(other)[:1], [child], "free")
    db.session.rollback()
    with pytest.raises(Exception, match="only book places for children on your account"):
        book_series(family, sessions_of(series), [someone_elses], "free", take_what_has_places=True)
    db.session.rollback()
    assert all_bookings() == []


# --- funding: once for the set -------------------------------------------------------------------------------

def test_council_funded_set_commits_the_envelope_once_for_the_set_all_or_nothing(login, family, council):
    zara, omar = ChildFactory(parent=family), ChildFactory(parent=family)
    series = weekly_series(weeks=3, tier=Tier.TARGETED, price_pence=2500, family_contribution_pence=500,
                           payment_route=PaymentRoute.COUNCIL_FUNDED)
    # Enough for five of the six places: the set is refused whole, and nothing is committed.
    set_envelopes(Body.COUNCIL, council, 5 * 2000)
    client = login(family)
    response = confirm(client, series, [zara, omar], funding="council_funded", declared=True, take="available")
    assert response.status_code == 409 and "fully committed" in response.text
    assert all_bookings() == [] and db.session.scalar(
        select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == EntryKind.COMMITMENT)) == 0
    set_envelopes(Body.COUNCIL, council, 6 * 2000)
    envelope = money.envelope_for(Body.COUNCIL, to_london(utcnow()).date())
    response = confirm(client, series, [zara, omar], funding="council_funded", declared=True)
    assert response.status_code == 302
    bookings = all_bookings()
    assert len(bookings) == 6 and all(b.funded_pence == 2000 and b.price_pence == 500 for b in bookings)
    assert ledger.balance(envelope_account(envelope, "available")) == 0
    assert ledger.balance(envelope_account(envelope, "committed")) == 12_000
    page = client.get(response.location).text
    assert "The council pays £120.00. Pay" in page and "contributions of £30.00 in all" in page


def test_personal_budget_set_is_held_once_for_the_set_or_refused_with_the_total(login, family, trust):
    zara = ChildFactory(parent=family, first_name="Zara")
    series = weekly_series(weeks=3, tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    held = budget(zara, trust, 10_000)
    client = login(family)
    response = confirm(client, series, [zara], funding="personal_budget")
    assert response.status_code == 409
    assert "Zara’s managed personal budget has £100.00 left, and the 3 sessions you chose cost £120.00" in response.text
    assert all_bookings() == [] and money.unspent(held) == 10_000
    sessions = sessions_of(series)
    response = confirm(client, series, [zara], funding="personal_budget", sessions=sessions[:2])
    assert response.status_code == 302
    assert money.unspent(held) == 2000 and ledger.balance(held.held_account) == 8000
    assert all(b.budget_id == held.id and b.funded_pence == 4000 for b in all_bookings())


def test_card_set_is_one_checkout_for_the_total_and_confirms_every_place_once_paid(login, family, stripe_fake,
                                                                                     outbox):
    zara, omar = ChildFactory(parent=family), ChildFactory(parent=family)
    series = weekly_series(weeks=3, price_pence=PRICE, payment_route=PaymentRoute.PAY_PROVIDER)
    client = login(family)
    response = confirm(client, series, [zara, omar], funding="card", carer_places=1)
    assert response.status_code == 303
    [payment] = db.session.scalars(select(Payment)).all()
    [checkout] = stripe_fake.created_sessions()
    assert response.location == checkout["url"]
    assert payment.amount_pence == checkout["amount_total"] == 6 * PRICE
    bookings = all_bookings()
    assert len(bookings) == 9 and all(b.status is BookingStatus.HELD and b.payment_id == payment.id
                                      for b in bookings)
    assert payment.group_ref == bookings[0].group_ref
    assert not any("confirmed" in m["Subject"] for m in outbox)

    stripe_fake.complete(payment.checkout_session_id)
    page = client.get(f"/payments/{payment.id}/paid", follow_redirects=True)
    assert "Sessions booked" in page.text and "3 sessions of" in page.text
    assert all(b.status is BookingStatus.CONFIRMED for b in all_bookings())
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction).where(
        LedgerTransaction.kind == EntryKind.PAYMENT)) == 1
    assert ledger.balance(f"family:{family.id}") == -6 * PRICE
    assert [m["Subject"] for m in outbox if "confirmed" in m["Subject"]] == [
        f"Bookings confirmed: {series.offer.title}"]


def test_direct_payment_set_holds_the_budget_and_takes_one_card_payment(login, family, trust, stripe_fake):
    zara = ChildFactory(parent=family)
    series = weekly_series(weeks=3, tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    year = financial_year(to_london(utcnow()).date())
    money.set_envelope(Body.TRUST, year, 1_000_000, by=trust, reason="Trust budget")
    direct = budget(zara, trust, 20_000, kind=BudgetKind.DIRECT_PAYMENT)
    client = login(family)
    assert confirm(client, series, [zara], funding="direct_payment").status_code == 303
    [payment] = db.session.scalars(select(Payment)).all()
    assert payment.amount_pence == 12_000 and money.unspent(direct) == 8000
    stripe_fake.complete(payment.checkout_session_id)
    assert stripe_fake.checkout_event("checkout.session.completed", payment.checkout_session_id).post(
        client).status_code == 200
    assert all(b.status is BookingStatus.CONFIRMED for b in all_bookings())
    assert ledger.balance(direct.held_account) == 0
    assert ledger.balance(envelope_account(direct.envelope_id, "spent")) == 12_000


@pytest.mark.parametrize("price, funding, says", [
    (0, "free", "This place is free. You have nothing to pay."),
    (PRICE, "pay_provider", "Pay {provider} £45.00 in all, for each session on or before its day."),
])
def test_free_and_pay_the_provider_sets_say_what_to_pay_for_the_whole_set(login, family, price, funding, says):
    child = ChildFactory(parent=family)
    route = PaymentRoute.FREE if price == 0 else PaymentRoute.PAY_PROVIDER
    series = weekly_series(weeks=3, price_pence=price, payment_route=route)
    client = login(family)
    response = confirm(client, series, [child], funding=funding)
    assert response.status_code == 302
    assert says.format(provider=series.offer.provider.name) in client.get(response.location).text
    assert {b.funding for b in all_bookings()} == {funding}


# --- cancelling ---------------------------------------------------------------------------------------------------

def test_cancelling_the_whole_card_set_releases_every_place_and_refunds_in_one_go(login, family, stripe_fake, outbox):
    zara, omar = ChildFactory(parent=family), ChildFactory(parent=family)
    series = weekly_series(weeks=3, price_pence=PRICE, payment_route=PaymentRoute.PAY_PROVIDER)
    client = login(family)
    confirm(client, series, [zara, omar], funding="card", carer_places=1)
    [payment] = db.session.scalars(select(Payment)).all()
    stripe_fake.complete(payment.checkout_session_id)
    client.get(f"/payments/{payment.id}/paid")
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    page = client.get(f"/bookings/sets/{booking_set.group_ref}/cancel")
    assert page.status_code == 200 and "£90.00 is refunded to the card you paid with" in page.text

    response = client.post(f"/bookings/sets/{booking_set.group_ref}/cancel")
    assert response.status_code == 302
    assert all(b.status is BookingStatus.CANCELLED for b in all_bookings())
    assert [s.places_taken for s in sessions_of(series)] == [0, 0, 0]
    refunds = db.session.scalars(select(Refund)).all()
    assert sum(r.amount_pence for r in refunds) == 6 * PRICE and all(r.status is RefundStatus.SUCCEEDED
                                                                       for r in refunds)
    assert sum(r["amount"] for r in stripe_fake.refunds_for(payment.payment_intent_id)) == 6 * PRICE
    assert ledger.balance(f"family:{family.id}") == 0
    [email] = [m for m in outbox if "cancelled" in m["Subject"]]
    assert email["Subject"] == f"Bookings cancelled: {series.offer.title}"
    assert "Your bookings for 3 sessions have been cancelled" in email.get_body(preferencelist=("plain",)).get_content()


def test_cancelling_the_whole_set_gives_the_envelope_and_the_budget_back(login, family, council, trust):
    zara = ChildFactory(parent=family)
    targeted = weekly_series(weeks=3, tier=Tier.TARGETED, price_pence=2000, payment_route=PaymentRoute.COUNCIL_FUNDED)
    specialist = weekly_series(weeks=3, tier=Tier.SPECIALIST, price_pence=4000,
                               payment_route=PaymentRoute.PERSONAL_BUDGET)
    set_envelopes(Body.COUNCIL, council, 100_000)
    held = budget(zara, trust, 20_000)
    envelope = money.envelope_for(Body.COUNCIL, to_london(utcnow()).date())
    client = login(family)
    assert confirm(client, targeted, [zara], funding="council_funded", declared=True).status_code == 302
    assert confirm(client, specialist, [zara], funding="personal_budget").status_code == 302
    assert ledger.balance(envelope_account(envelope, "available")) == 94_000 and money.unspent(held) == 8000
    for booking_set in db.session.scalars(select(BookingSet)).all():
        assert client.post(f"/bookings/sets/{booking_set.group_ref}/cancel").status_code == 302
    assert ledger.balance(envelope_account(envelope, "available")) == 100_000
    assert ledger.balance(envelope_account(envelope, "committed")) == 0
    assert money.unspent(held) == 20_000 and ledger.balance(held.held_account) == 0
    assert all(b.status is BookingStatus.CANCELLED for b in all_bookings())


def test_one_session_of_a_set_can_still_be_cancelled_alone(login, family):
    zara, omar = ChildFactory(parent=family), ChildFactory(parent=family)
    series = weekly_series(weeks=3)
    sessions = sessions_of(series)
    client = login(family)
    confirm(client, series, [zara, omar], carer_places=1)
    zaras_second = next(b for b in live_on(sessions[1]) if b.child_id == zara.id)
    assert client.post(f"/bookings/{zaras_second.id}/cancel").status_code == 302
    assert [len(live_on(s)) for s in sessions] == [3, 2, 3]
    omars_second = next(b for b in live_on(sessions[1]) if b.child_id == omar.id)
    # With no child left on that session, its carer place goes too; the other sessions' carers stay.
    assert client.post(f"/bookings/{omars_second.id}/cancel").status_code == 302
    assert [len(live_on(s)) for s in sessions] == [3, 0, 3]
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    assert client.post(f"/bookings/sets/{booking_set.group_ref}/cancel").status_code == 302
    assert [len(live_on(s)) for s in sessions] == [0, 0, 0]


def test_sessions_too_close_to_cancel_stay_booked_when_the_rest_of_the_set_is_cancelled(login, family):
    child = ChildFactory(parent=family)
    series = weekly_series(weeks=3)
    sessions = sessions_of(series)
    client = login(family)
    confirm(client, series, [child])
    sessions[0].offer.cancel_cutoff_hours = (sessions[0].starts_at - utcnow()).days * 24 + 24
    db.session.commit()
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    page = client.get(f"/bookings/sets/{booking_set.group_ref}/cancel").text
    assert "Sessions too close to cancel online" in page
    response = client.post(f"/bookings/sets/{booking_set.group_ref}/cancel", follow_redirects=True)
    assert "1 session is too close to cancel online, so it is still booked" in response.text
    assert [len(live_on(s)) for s in sessions] == [1, 0, 0]


def test_another_familys_set_is_not_found(login, family):
    series = weekly_series(weeks=2)
    confirm(login(family), series, [ChildFactory(parent=family)])
    [booking_set] = db.session.scalars(select(BookingSet)).all()
    other = login(UserFactory())
    assert other.get(f"/bookings/sets/{booking_set.group_ref}").status_code == 404
    assert other.post(f"/bookings/sets/{booking_set.group_ref}/cancel").status_code == 404
    assert all(b.status is BookingStatus.CONFIRMED for b in all_bookings())

