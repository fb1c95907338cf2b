"""Booking, cancelling and waiting lists, through the routes a family uses."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Role
from portal.timeutil import utcnow
from providers.models import (
    Booking,
    BookingStatus,
    PaymentRoute,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)


def confirmed(session) -> int:
    return db.session.scalar(select(func.count()).where(Booking.session_id == session.id,
                                                        Booking.status == BookingStatus.CONFIRMED))


def book(client, session, children, **extra):
    data = {"children": [c.id for c in children], "carer_places": 0, "funding": "free"}
    data.update(extra)
    return client.post(f"/sessions/{session.id}/book", data=data)


@pytest.fixture
def family():
    return UserFactory(email="amira@example.com", name="Amira Khan")


def test_book_one_place_confirms_and_emails(login, family, outbox):
    child = ChildFactory(parent=family)
    session = SessionFactory()
    client = login(family)
    response = book(client, session, [child])
    assert response.status_code == 302 and response.location.endswith("/bookings")
    db.session.refresh(session)
    assert confirmed(session) == 1 and session.places_taken == 1
    assert outbox and outbox[-1]["To"] == "amira@example.com" and "Booking confirmed" in outbox[-1]["Subject"]
    page = client.get("/bookings").text
    assert session.offer.title in page and child.full_name in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "place_booked")).actor_id == family.id


def test_siblings_and_carer_place_succeed_or_fail_together(login, family):
    first, second = ChildFactory(parent=family), ChildFactory(parent=family)
    session = SessionFactory(capacity=2)
    client = login(family)
    response = book(client, session, [first, second], carer_places=1)
    assert response.status_code == 409
    assert "Only 2 places left" in response.text
    assert confirmed(session) == 0
    session.capacity = 3
    db.session.commit()
    assert book(client, session, [first, second], carer_places=1).status_code == 302
    assert confirmed(session) == 3


def test_full_session_refuses_with_waiting_list_message(login, family):
    child = ChildFactory(parent=family)
    session = SessionFactory(capacity=1)
    other = UserFactory()
    assert book(login(other), session, [ChildFactory(parent=other)]).status_code == 302
    client = login(family)
    response = book(client, session, [child])
    assert response.status_code == 409
    assert "This session is full — join the waiting list" in response.text
    assert confirmed(session) == 1


@pytest.mark.parametrize("case, expected", [
    ("too_young", "will be 3 on the day. This break is for ages 5 to 11"),
    ("past", "already started or finished"),
    ("cancelled", "This session has been cancelled"),
    ("specialist", "needs an assessment by the children"),
    ("targeted_undeclared", "Confirm that"),
])
def test_booking_rules_refused_in_plain_english(login, family, case, expected):
    child = ChildFactory(parent=family)
    session = SessionFactory()
    if case == "too_young":
        child.date_of_birth = date.today() - timedelta(days=3 * 365 + 30)
    elif case == "past":
        session.starts_at = utcnow() - timedelta(days=1)
        session.ends_at = session.starts_at + timedelta(hours=2)
    elif case == "cancelled":
        session.status = SessionStatus.CANCELLED
    elif case == "specialist":
        session.offer.tier = Tier.SPECIALIST
    elif case == "targeted_undeclared":
        session.offer.tier = Tier.TARGETED
    db.session.commit()
    response = book(login(family), session, [child])
    assert response.status_code in (409, 422)
    assert expected in response.text
    assert 'govuk-error-summary' in response.text
    assert confirmed(session) == 0


def test_specialist_booking_allowed_with_approved_assessment(login, family):
    child = ChildFactory(parent=family)
    session = SessionFactory(offer=OfferFactory(tier=Tier.SPECIALIST))
    trust = UserFactory(role=Role.TRUST)
    db.session.add(Assessment(child_id=child.id, status=AssessmentStatus.APPROVED, reason="Needs overnight breaks",
                              recorded_by_id=trust.id))
    db.session.commit()
    assert book(login(family), session, [child]).status_code == 302
    assert confirmed(session) == 1


def test_cannot_book_someone_elses_child(login, family):
    stranger_child = ChildFactory()
    ChildFactory(parent=family)
    session = SessionFactory()
    response = book(login(family), session, [stranger_child])
    assert response.status_code == 422  # not one of the family's choices
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert "You can only book for children on your account. Choose from the children listed" in page
    assert confirmed(session) == 0


def test_cancel_frees_place_and_offers_it_to_the_waiting_list(login, client, family, outbox):
    session = SessionFactory(capacity=1)
    mine = ChildFactory(parent=family)
    waiting_family = UserFactory(email="waiting@example.com")
    waiting_child = ChildFactory(parent=waiting_family)
    assert book(login(family), session, [mine]).status_code == 302
    client.post("/sign-out")
    wait_client = login(waiting_family)
    response = wait_client.post(f"/sessions/{session.id}/waiting-list",
                                data={"children": [waiting_child.id], "carer_places": 0})
    assert response.status_code == 302
    client.post("/sign-out")

    booking = db.session.scalar(select(Booking).where(Booking.child_id == mine.id))
    client = login(family)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    entry = db.session.scalar(select(WaitingListEntry))
    db.session.refresh(entry)
    assert entry.status is WaitingStatus.OFFERED
    assert entry.offer_expires_at - entry.offered_at == timedelta(hours=24)
    db.session.refresh(session)
    assert session.places_taken == 1  # held for the waiting family, so nobody else can take it
    assert any(m["To"] == "waiting@example.com" and "place has come free" in m["Subject"] for m in outbox)

    intruder = UserFactory()
    intruder_client = login(intruder)
    assert book(intruder_client, session, [ChildFactory(parent=intruder)]).status_code == 409
    client.post("/sign-out")

    wait_client = login(waiting_family)
    assert "A place has come free" in wait_client.get("/bookings").text
    assert wait_client.post(f"/waiting-list/{entry.id}/accept", data={"funding": "free"}).status_code == 302
    assert confirmed(session) == 1
    assert db.session.scalar(select(Booking).where(Booking.status == BookingStatus.CONFIRMED)).child_id == waiting_child.id


def test_offer_not_taken_in_time_passes_to_next_family(app, login, client, family, runner):
    session = SessionFactory(capacity=1)
    holder = ChildFactory(parent=family)
    assert book(login(family), session, [holder]).status_code == 302
    client.post("/sign-out")
    first, second = UserFactory(), UserFactory()
    for waiting in (first, second):
        c = login(waiting)
        assert c.post(f"/sessions/{session.id}/waiting-list",
                      data={"children": [ChildFactory(parent=waiting).id], "carer_places": 0}).status_code == 302
        c.post("/sign-out")
    booking = db.session.scalar(select(Booking))
    login(family).post(f"/bookings/{booking.id}/cancel")
    entries = db.session.scalars(select(WaitingListEntry).order_by(WaitingListEntry.id)).all()
    assert [e.status for e in entries] == [WaitingStatus.OFFERED, WaitingStatus.WAITING]
    entries[0].offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["expire-offers"])
    assert "1 session" in result.output
    for e in entries:
        db.session.refresh(e)
    assert [e.status for e in entries] == [WaitingStatus.EXPIRED, WaitingStatus.OFFERED]


def test_cancel_after_cutoff_is_refused(login, family):
    session = SessionFactory(starts_at=utcnow() + timedelta(hours=10))
    child = ChildFactory(parent=family)
    client = login(family)
    assert book(client, session, [child]).status_code == 302
    booking = db.session.scalar(select(Booking))
    response = client.post(f"/bookings/{booking.id}/cancel")
    assert response.status_code == 409 and "too late to cancel online" in response.text
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED


def test_family_cannot_cancel_or_see_another_familys_booking(login, family):
    other = UserFactory()
    session = SessionFactory()
    other_child = ChildFactory(parent=other)
    assert book(login(other), session, [other_child]).status_code == 302
    booking = db.session.scalar(select(Booking))
    client = login(family)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 404
    assert other_child.full_name not in client.get("/bookings").text
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED


def test_accepting_an_offer_keeps_the_place_when_others_are_still_waiting(login, client, family):
    session = SessionFactory(capacity=1)
    holder = UserFactory()
    assert book(login(holder), session, [ChildFactory(parent=holder)]).status_code == 302
    client.post("/sign-out")
    first_child = ChildFactory(parent=family)
    second = UserFactory()
    for waiting, child in ((family, first_child), (second, ChildFactory(parent=second))):
        c = login(waiting)
        assert c.post(f"/sessions/{session.id}/waiting-list",
                      data={"children": [child.id], "carer_places": 0}).status_code == 302
        c.post("/sign-out")
    booking = db.session.scalar(select(Booking))
    login(holder).post(f"/bookings/{booking.id}/cancel")
    client.post("/sign-out")
    first_entry = db.session.scalar(select(WaitingListEntry).where(WaitingListEntry.family_id == family.id))
    response = login(family).post(f"/waiting-list/{first_entry.id}/accept", data={"funding": "free"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert confirmed(session) == 1 and session.places_taken == 1
    second_entry = db.session.scalar(select(WaitingListEntry).where(WaitingListEntry.family_id == second.id))
    assert second_entry.status is WaitingStatus.WAITING


def test_children_needing_more_support_take_more_of_the_staff(login, family):
    from portal.models import SupportLevel

    session = SessionFactory(capacity=10, staff_units=4)  # one adult
    one_to_one = ChildFactory(parent=family, support_level=SupportLevel.ONE_TO_ONE)
    other = UserFactory()
    group_child = ChildFactory(parent=other, support_level=SupportLevel.GROUP)
    response = book(login(family), session, [one_to_one])
    assert response.status_code == 302
    response = book(login(other), session, [group_child])
    assert response.status_code == 409 and "not enough staff" in response.text
    db.session.refresh(session)
    assert (session.places_taken, session.staff_units_taken) == (1, 4)


# --- what the family pays, said when they book ---------------------------------------------------------

def _pay_provider_session(price=500):
    offer = OfferFactory(provider=ProviderFactory(name="Oakfield Play Trust"), price_pence=price,
                         payment_route=PaymentRoute.PAY_PROVIDER)
    return SessionFactory(offer=offer)


def _upcoming_rows(page: str) -> list[str]:
    table = page[page.index(">Upcoming</caption>"):]
    body = table[table.index("<tbody"):table.index("</tbody>")]
    return re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)


def test_paying_the_provider_directly_says_who_to_pay_how_much_and_when(login, family, outbox):
    zain, layla = ChildFactory(parent=family, first_name="Zain"), ChildFactory(parent=family, first_name="Layla")
    session = _pay_provider_session(price=500)
    client = login(family)
    response = client.post(f"/sessions/{session.id}/book", follow_redirects=True, data={
        "children": [zain.id, layla.id], "carer_places": 1, "funding": "pay_provider"})
    to_pay = "Pay Oakfield Play Trust £10.00 on or before the day of the session."
    banner = response.text[response.text.index("govuk-notification-banner"):]
    assert "Your booking is confirmed: 3 places" in banner and to_pay in banner
    assert "Oakfield Play Trust will tell you how to pay." in banner
    rows = _upcoming_rows(response.text)
    assert len(rows) == 3 and "What you pay" in response.text
    for row in rows:
        if "Carer place" in row:
            assert "Carer places are free. You have nothing to pay." in row
        else:
            assert "Pay Oakfield Play Trust £5.00 on or before the day of the session." in row
    # The text, beside the calendar file attached.
    assert f"What you pay: {to_pay}" in outbox[-1].get_body(("plain",)).get_content()


def test_a_free_booking_says_there_is_nothing_to_pay(login, family, outbox):
    child = ChildFactory(parent=family)
    response = book(login(family), SessionFactory(), [child])
    page = login(family).get("/bookings").text
    assert response.status_code == 302
    assert "This place is free. You have nothing to pay." in page
    body = outbox[-1].get_body(("plain",)).get_content()  # the text, beside the calendar file attached
    assert "What you pay: This place is free. You have nothing to pay." in body


def test_council_funded_and_budget_funded_places_say_who_pays_what(app, family):
    from bookings.places import book_places, what_to_pay
    from budgets import services as money
    from budgets.models import BudgetKind, financial_year
    from portal.timeutil import to_london
    from providers.models import Body

    council, trust = UserFactory(role=Role.COUNCIL), UserFactory(role=Role.TRUST)
    child = ChildFactory(parent=family, first_name="Zain")
    shared = OfferFactory(provider=ProviderFactory(name="Oakfield Play Trust"), tier=Tier.TARGETED, price_pence=2500,
                          family_contribution_pence=500, payment_route=PaymentRoute.COUNCIL_FUNDED)
    free_to_family = OfferFactory(tier=Tier.TARGETED, price_pence=2000, payment_route=PaymentRoute.COUNCIL_FUNDED)
    specialist = OfferFactory(tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    sessions = [SessionFactory(offer=offer) for offer in (shared, free_to_family, specialist)]
    today = to_london(utcnow()).date()
    money.set_envelope(Body.COUNCIL, financial_year(today), 100_000, by=council, reason="Budget for the year")
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                              recorded_by_id=trust.id))
    db.session.flush()
    money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=today,
                          ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                          reasons="Panel agreed", by=trust)
    booked = [book_places(family, sessions[0], [child], "council_funded", declared_meets_criteria=True),
              book_places(family, sessions[1], [child], "council_funded", declared_meets_criteria=True),
              book_places(family, sessions[2], [child], "personal_budget")]
    assert [what_to_pay(bookings) for bookings in booked] == [
        "The council pays £20.00. Pay Oakfield Play Trust your contribution of £5.00 on or before the day of the "
        "session. Oakfield Play Trust will tell you how to pay.",
        "The council pays £20.00. You have nothing to pay.",
        "£40.00 is taken from Zain’s managed personal budget. You have nothing to pay.",
    ]


# --- children who cannot go, said before the family tries -----------------------------------------------

def _born_years_ago(years: int) -> date:
    return date.today() - timedelta(days=round(years * 365.25) + 40)


def _checkbox(page: str, child) -> str:
    """The child's checkbox, label and hint, as the form renders them."""
    items = page.split('<div class="govuk-checkboxes__item">')[1:]
    [item] = [i for i in items if f'name="children" type="checkbox" value="{child.id}"' in i]
    return item


@pytest.mark.parametrize("form", ["book", "waiting-list"])
def test_a_child_outside_the_age_range_is_listed_disabled_with_the_reason(login, family, form):
    nine_year_old = ChildFactory(parent=family, first_name="Zain")
    fifteen_year_old = ChildFactory(parent=family, first_name="Layla", date_of_birth=_born_years_ago(15))
    session = SessionFactory(offer=OfferFactory(min_age=7, max_age=14))
    page = login(family).get(f"/sessions/{session.id}/{form}").text
    reason = "Layla will be 15 on the day. This break is for ages 7 to 14."
    layla = _checkbox(page, fifteen_year_old)
    assert " disabled" in layla and reason in layla and str(escape(fifteen_year_old.full_name)) in layla
    zain = _checkbox(page, nine_year_old)
    assert " disabled" not in zain and "will be" not in zain
    hint = re.search(r'aria-describedby="([^"]+)"', layla).group(1)
    assert f'<div id="{hint}" class="govuk-hint govuk-checkboxes__hint portal-reason-hint"' in layla  # read out with the checkbox


def test_a_tampered_post_for_a_child_outside_the_age_range_is_still_refused_the_same_way(login, family):
    fifteen_year_old = ChildFactory(parent=family, first_name="Layla", date_of_birth=_born_years_ago(15))
    session = SessionFactory(offer=OfferFactory(min_age=7, max_age=14))
    response = book(login(family), session, [fifteen_year_old])
    assert response.status_code == 409
    summary = response.text[response.text.index("govuk-error-summary"):]
    assert "Layla will be 15 on the day. This break is for ages 7 to 14." in summary
    assert confirmed(session) == 0


def test_a_child_without_an_approved_assessment_cannot_be_chosen_for_a_specialist_break(login, family):
    child = ChildFactory(parent=family, first_name="Zain")
    session = SessionFactory(offer=OfferFactory(tier=Tier.SPECIALIST))
    box = _checkbox(login(family).get(f"/sessions/{session.id}/book").text, child)
    assert " disabled" in box and "Zain needs an assessment by the children&#39;s trust" in box


def test_a_breaks_title_inside_a_translated_link_is_marked_as_written_in_english(login, family):
    """"Cancel<hidden> Amira on Saturday Swim Club</hidden>" in Urdu: the title is the provider's English, so a
    screen reader reads it in an English voice."""
    child = ChildFactory(parent=family)
    session = SessionFactory(offer=OfferFactory(title="Saturday Swim Club"))
    client = login(family)
    assert book(client, session, [child]).status_code == 302
    page = client.get("/bookings?lang=ur").text
    cancel = re.search(r'<a class="govuk-link" href="/bookings/\d+/cancel">(.*?)</a>', page, re.S).group(1)
    assert '<span lang="en" dir="auto">Saturday Swim Club</span>' in cancel
