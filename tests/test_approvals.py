"""Commissioners' approval queues: who decides what, decisions with reasons and their history, suspension."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bookings.places import book_places, release_places
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.timeutil import utcnow
from providers import offers, organisations, safeguards
from providers.models import (
    Body,
    Booking,
    BookingStatus,
    OfferStatus,
    ProviderStatus,
    Safeguard,
    Tier,
)
from providers.organisations import london_today

from .factories import (
    ChildFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    ofsted_verified,
)
from .test_organisations import details, recipients, staff
from .test_queries import count_queries


@pytest.fixture
def people(app):
    return {"council": UserFactory(role=Role.COUNCIL, email="council@example.com"),
            "trust": UserFactory(role=Role.TRUST, email="trust@example.com"),
            "admin": UserFactory(role=Role.ADMIN, email="admin@example.com")}


def pending(body=Body.COUNCIL, **kwargs):
    return ProviderFactory(status=ProviderStatus.PENDING, approving_body=body, **kwargs)


# --- provider decisions ----------------------------------------------------------------------------

def test_each_body_decides_on_its_own_providers(people):
    council_one, trust_one = pending(Body.COUNCIL), pending(Body.TRUST, ofsted_number="SC000001")
    # Specialist care is regulated: its Ofsted registration is verified before approval (tests/test_safeguards.py).
    safeguards.verify(trust_one, Safeguard.OFSTED, "Ofsted register entry", None, by=people["trust"])
    with pytest.raises(NotAllowed, match="the council"):
        organisations.approve_provider(council_one, by=people["trust"])
    with pytest.raises(NotAllowed, match="children's trust"):
        organisations.approve_provider(trust_one, by=people["council"])
    with pytest.raises(NotAllowed):
        organisations.approve_provider(trust_one, by=staff(trust_one, admin=True))
    organisations.approve_provider(council_one, by=people["council"])
    organisations.approve_provider(trust_one, by=people["admin"])
    assert council_one.status is trust_one.status is ProviderStatus.APPROVED


def test_decisions_need_reasons_and_are_recorded_with_who_when_and_why(people, outbox):
    provider = pending()
    admin = staff(provider, admin=True, email="admin@provider.org")
    council = people["council"]
    for decide in (lambda: organisations.return_provider(provider, " ", by=council),
                   lambda: organisations.suspend_provider(ProviderFactory(), "", by=council),
                   lambda: organisations.reinstate_provider(ProviderFactory(status=ProviderStatus.SUSPENDED), "",
                                                            by=council)):
        with pytest.raises(DomainError, match="Give the reasons"):
            decide()
    organisations.return_provider(provider, "The insurance certificate is missing", by=council)
    db.session.commit()
    assert (provider.status, provider.status_reason) == (ProviderStatus.RETURNED, "The insurance certificate is missing")
    assert recipients(outbox) == [admin.email]
    assert "The insurance certificate is missing" in outbox[0].get_content()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_returned"))
    assert (event.actor_id, event.subject_id, event.reason) == (council.id, provider.id,
                                                                "The insurance certificate is missing")
    assert event.at is not None


@pytest.mark.parametrize("status, decide, message", [
    (ProviderStatus.APPROVED, "approve", "not waiting for a decision"),
    (ProviderStatus.RETURNED, "approve", "not waiting for a decision"),
    (ProviderStatus.SUSPENDED, "return", "not waiting for a decision"),
    (ProviderStatus.PENDING, "suspend", "Only an approved provider can be suspended"),
    (ProviderStatus.SUSPENDED, "suspend", "Only an approved provider can be suspended"),
    (ProviderStatus.APPROVED, "reinstate", "Only a suspended provider can be reinstated"),
])
def test_illegal_provider_decisions_are_refused(people, status, decide, message):
    provider = ProviderFactory(status=status)
    by = people["council"]
    do = {"approve": lambda: organisations.approve_provider(provider, by=by),
          "return": lambda: organisations.return_provider(provider, "Reason", by=by),
          "suspend": lambda: organisations.suspend_provider(provider, "Reason", by=by),
          "reinstate": lambda: organisations.reinstate_provider(provider, "Reason", by=by)}[decide]
    with pytest.raises(DomainError, match=message):
        do()
    assert provider.status is status


def test_provider_page_records_a_decision_and_shows_its_history(people, login, outbox):
    provider = pending()
    staff(provider, admin=True)
    client = login(people["council"])
    page = client.get(f"/approvals/providers/{provider.id}")
    assert page.status_code == 200 and "Decide on this application" in page.text
    refused = client.post(f"/approvals/providers/{provider.id}", data={"decision": "return", "reason": ""})
    assert refused.status_code == 422 and "Give the reasons for your decision" in refused.text
    assert provider.status is ProviderStatus.PENDING
    assert client.post(f"/approvals/providers/{provider.id}", data={"decision": "suspend", "reason": "x"}).status_code == 422
    response = client.post(f"/approvals/providers/{provider.id}", data={"decision": "approve", "reason": "All checked"})
    assert response.status_code == 302
    page = client.get(response.location)
    assert provider.status is ProviderStatus.APPROVED
    assert "Approved" in page.text and "All checked" in page.text and people["council"].name in page.text
    assert "Suspend this provider" in page.text
    assert login(people["trust"]).get(f"/approvals/providers/{provider.id}").status_code == 403


def test_provider_queues_show_each_body_its_own_providers(people, login):
    council_one = pending(Body.COUNCIL, name="Council Club")
    trust_one = pending(Body.TRUST, name="Trust Care")
    ProviderFactory(name="Already Approved")
    council_page = login(people["council"]).get("/approvals/providers")
    assert "Council Club" in council_page.text and "Trust Care" not in council_page.text
    assert "Already Approved" not in council_page.text
    trust_page = login(people["trust"]).get("/approvals/providers")
    assert "Trust Care" in trust_page.text and "Council Club" not in trust_page.text
    admin_page = login(people["admin"]).get("/approvals/providers")
    assert "Trust Care" in admin_page.text and "Council Club" in admin_page.text
    assert "Already Approved" in login(people["council"]).get("/approvals/providers?show=approved").text
    assert login(people["council"]).get("/approvals/providers?show=nonsense&page=x").status_code == 200
    assert council_one.id and trust_one.id


def test_provider_queue_is_paginated(people, login):
    for number in range(25):
        pending(name=f"Provider {number:02d} Ltd")
    client = login(people["council"])
    first, second = client.get("/approvals/providers"), client.get("/approvals/providers?page=2")
    assert first.text.count("Ltd</a>") == 20 and second.text.count("Ltd</a>") == 5
    assert "govuk-pagination" in first.text


# --- suspension ---------------------------------------------------------------------------------------

def _booked_family(session, email):
    family = UserFactory(email=email)
    book_places(family, session, [ChildFactory(parent=family)], "free")
    return family


def test_suspending_tells_families_with_places_to_come_and_stops_booking(people, smtp_server, login):
    provider = ProviderFactory()
    staff(provider, admin=True, email="admin@provider.org")
    offer = OfferFactory(provider=provider)
    upcoming = SessionFactory(offer=offer)
    _booked_family(upcoming, "coming@example.com")
    cancelled_family = _booked_family(upcoming, "cancelled@example.com")
    past = SessionFactory(offer=offer)
    _booked_family(past, "past@example.com")
    past.starts_at, past.ends_at = utcnow() - timedelta(days=3), utcnow() - timedelta(days=3, hours=-2)
    _booked_family(SessionFactory(), "elsewhere@example.com")
    db.session.commit()
    booking = db.session.scalar(select(Booking).where(Booking.booked_by_id == cancelled_family.id))
    release_places([booking], reason="Changed plans", by=cancelled_family)
    db.session.commit()
    smtp_server.messages.clear()

    response = login(people["council"]).post(f"/approvals/providers/{provider.id}",
                                             data={"decision": "suspend", "reason": "A safeguarding concern"})
    assert response.status_code == 302
    assert provider.status is ProviderStatus.SUSPENDED
    assert sorted(m["To"] for m in smtp_server.messages) == ["admin@provider.org", "coming@example.com"]
    family_mail = next(m for m in smtp_server.messages if m["To"] == "coming@example.com").get_content()
    assert offer.title in family_mail and "still booked" in family_mail
    assert "safeguarding" not in family_mail  # the reason is for the provider, not for families
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_suspended")).details == {
        "families_told": 1}

    latecomer = UserFactory()
    with pytest.raises(DomainError, match="not taking bookings"):
        book_places(latecomer, upcoming, [ChildFactory(parent=latecomer)], "free")
    db.session.rollback()
    latecomer = UserFactory()
    ChildFactory(parent=latecomer)
    page = login(latecomer).post(f"/sessions/{upcoming.id}/book", data={"children": [latecomer.children[0].id],
                                                                       "funding": "free"})
    assert page.status_code == 409 and "not taking bookings" in page.text

    smtp_server.messages.clear()
    organisations.reinstate_provider(provider, "The concern was looked into and resolved", by=people["council"])
    db.session.commit()
    assert sorted(m["To"] for m in smtp_server.messages) == ["admin@provider.org", "coming@example.com"]
    book_places(latecomer, upcoming, latecomer.children, "free")
    db.session.commit()
    assert db.session.scalar(select(Booking).where(Booking.booked_by_id == latecomer.id)).status is BookingStatus.CONFIRMED


# --- offer decisions -------------------------------------------------------------------------------------

def test_offer_queue_shows_each_body_what_it_decides(people, login):
    OfferFactory(title="New universal", status=OfferStatus.SUBMITTED)
    OfferFactory(title="New specialist", tier=Tier.SPECIALIST, status=OfferStatus.SUBMITTED)
    OfferFactory(title="Going specialist", pending_tier=Tier.SPECIALIST)
    OfferFactory(title="Price rise", pending_price_pence=500)
    OfferFactory(title="Quiet published")
    OfferFactory(title="Still a draft", status=OfferStatus.DRAFT)
    council = login(people["council"]).get("/approvals/offers").text
    assert "New universal" in council and "Price rise" in council
    assert "New specialist" not in council and "Going specialist" not in council
    assert "Quiet published" not in council and "Still a draft" not in council
    trust = login(people["trust"]).get("/approvals/offers").text
    assert "New specialist" in trust and "Going specialist" in trust and "New universal" not in trust
    assert "Free to £5.00" in council


def test_offer_page_publishes_or_returns_with_comments(people, login, client):
    provider = ProviderFactory()
    member = staff(provider)
    offer = OfferFactory(provider=provider, status=OfferStatus.SUBMITTED, title="Splash club")
    other = OfferFactory(provider=provider, status=OfferStatus.SUBMITTED, title="Art club")
    council = login(people["council"])
    page = council.get(f"/approvals/offers/{offer.id}")
    assert page.status_code == 200 and "Decide on this offer" in page.text
    refused = council.post(f"/approvals/offers/{offer.id}", data={"decision": "return", "comments": ""})
    assert refused.status_code == 422 and "Give your comments" in refused.text
    assert council.post(f"/approvals/offers/{offer.id}", data={"decision": "approve"}).status_code == 302
    assert offer.status is OfferStatus.PUBLISHED
    assert client.get(f"/local-offer/{offer.id}").status_code == 200
    assert council.post(f"/approvals/offers/{other.id}",
                        data={"decision": "return", "comments": "Add the venue's address"}).status_code == 302
    assert other.status is OfferStatus.RETURNED
    history = council.get(f"/approvals/offers/{other.id}").text
    assert "Returned with comments" in history and "Add the venue&#39;s address" in history
    assert "not waiting for a decision" in history
    assert council.post(f"/approvals/offers/{other.id}", data={"decision": "approve"}).status_code == 409
    provider_view = login(member).get(f"/provider/offers/{other.id}").text
    assert "Add the venue&#39;s address" in provider_view
    assert login(people["trust"]).get(f"/approvals/offers/{offer.id}").status_code == 403


def test_a_pending_change_is_decided_by_the_body_for_the_new_tier(people, login):
    offer = OfferFactory(pending_tier=Tier.SPECIALIST)
    assert login(people["council"]).get(f"/approvals/offers/{offer.id}").status_code == 403
    trust = login(people["trust"])
    page = trust.get(f"/approvals/offers/{offer.id}")
    assert "Decide on this change" in page.text and "from universal to specialist" in page.text
    ofsted_verified(offer.provider)  # specialist breaks are regulated care (tests/test_safeguards.py)
    assert trust.post(f"/approvals/offers/{offer.id}", data={"decision": "approve"}).status_code == 302
    assert (offer.tier, offer.pending_tier, offer.status) == (Tier.SPECIALIST, None, OfferStatus.PUBLISHED)


def test_a_decision_page_posted_empty_asks_only_for_the_decision(people, login):
    provider = pending()
    response = login(people["council"]).post(f"/approvals/providers/{provider.id}", data={})
    assert response.status_code == 422
    assert "Select your decision" in response.text and "Give the reasons" not in response.text


def test_a_provider_whose_insurance_has_run_out_is_not_approved_or_reinstated(people):
    lapsed = london_today() - timedelta(days=1)
    for provider, decide in ((pending(insurance_expires_on=lapsed), organisations.approve_provider),
                             (ProviderFactory(status=ProviderStatus.SUSPENDED, insurance_expires_on=lapsed),
                              lambda p, by: organisations.reinstate_provider(p, "Resolved", by=by))):
        status = provider.status
        with pytest.raises(DomainError, match="insurance ran out"):
            decide(provider, by=people["council"])
        assert provider.status is status


def test_history_describes_changes_in_the_words_the_pages_use(people, login):
    provider = ProviderFactory()
    member = staff(provider)
    offer = OfferFactory(provider=provider, status=OfferStatus.DRAFT)
    details = offers.OfferDetails.of(offer)
    details.support_offered, details.price_pence = ["personal_care"], 250
    details.payment_route = offers.PaymentRoute.PAY_PROVIDER
    offers.update_offer(offer, details, by=member)
    offers.submit_offer(offer, by=member)
    db.session.commit()
    page = login(people["council"]).get(f"/approvals/offers/{offer.id}").text
    assert "Support offered: nothing to Personal care" in page
    assert "Price: £0.00 to £2.50" in page
    assert "How it is paid for: Free to You pay the provider directly" in page


@pytest.mark.parametrize("url", ["/approvals/providers", "/approvals/providers?show=all", "/approvals/offers"])
def test_queues_cost_the_same_queries_at_any_size(people, login, url):
    client = login(people["admin"])

    def grow(count: int) -> None:
        for _ in range(count):
            OfferFactory(provider=pending(), status=OfferStatus.SUBMITTED)
        db.session.commit()

    def measure() -> int:
        client.get(url)  # the first request after a commit reloads the signed-in user
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    grow(2)
    small = measure()
    grow(30)
    assert measure() == small


# --- a new name ------------------------------------------------------------------------------------

def _approved_with_offer():
    provider = ProviderFactory(name="Acorn Play", email="hello@acorn.org")
    offer = OfferFactory(provider=provider)
    return provider, offer, staff(provider, admin=True, email="ada@acorn.org")


def test_an_approved_providers_new_name_waits_for_approval_and_shows_the_old_one(people, login, client, outbox):
    provider, offer, admin = _approved_with_offer()
    organisations.update_details(provider, details(name="Oak Tree Play", phone="0121 496 0000"), by=admin,
                                 today=london_today())
    db.session.commit()
    assert (provider.name, provider.pending_name, provider.phone) == ("Acorn Play", "Oak Tree Play", "0121 496 0000")
    listing = client.get(f"/local-offer/{offer.id}").text
    assert "Acorn Play" in listing and "Oak Tree Play" not in listing
    asked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_name_change_requested"))
    assert (asked.actor_id, asked.details["before"], asked.details["after"]) == (
        admin.id, {"name": "Acorn Play"}, {"name": "Oak Tree Play"})
    assert "Your new name, Oak Tree Play, is waiting for approval" in login(admin).get("/provider/organisation").text

    council = login(people["council"])
    assert "Acorn Play" in council.get("/approvals/providers").text  # in the waiting queue
    page = council.get(f"/approvals/providers/{provider.id}").text
    assert "New name waiting for your decision" in page and "asked to be called Oak Tree Play" in page
    assert login(people["trust"]).post(f"/approvals/providers/{provider.id}/name",
                                       data={"name_decision": "approve"}).status_code == 403
    council = login(people["council"])
    refused = council.post(f"/approvals/providers/{provider.id}/name", data={"name_decision": "refuse"})
    assert refused.status_code == 422 and "Give the reasons for refusing the new name" in refused.text
    outbox.clear()
    response = council.post(f"/approvals/providers/{provider.id}/name",
                            data={"name_decision": "refuse", "name_reason": "Another provider uses this name"})
    assert response.status_code == 302
    db.session.refresh(provider)
    assert (provider.name, provider.pending_name) == ("Acorn Play", None)
    assert recipients(outbox) == [admin.email]
    assert "Another provider uses this name" in outbox[0].get_content()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_name_change_refused"))
    assert (event.actor_id, event.reason) == (people["council"].id, "Another provider uses this name")

    organisations.update_details(provider, details(name="Oak Tree Play"), by=admin, today=london_today())
    db.session.commit()
    outbox.clear()
    response = council.post(f"/approvals/providers/{provider.id}/name",
                            data={"name_decision": "approve", "name_reason": "Checked with the Charity Commission"})
    assert response.status_code == 302
    db.session.refresh(provider)
    assert (provider.name, provider.pending_name) == ("Oak Tree Play", None)
    assert recipients(outbox) == [admin.email] and "Oak Tree Play" in outbox[0].get_content()
    assert "Oak Tree Play" in client.get(f"/local-offer/{offer.id}").text
    page = council.get(f"/approvals/providers/{provider.id}").text
    assert "New name approved" in page and "Name: Acorn Play to Oak Tree Play" in page
    assert council.post(f"/approvals/providers/{provider.id}/name",
                        data={"name_decision": "approve"}).status_code == 409


def test_going_back_to_the_approved_name_takes_the_request_back(people):
    provider, _, admin = _approved_with_offer()
    organisations.update_details(provider, details(name="Oak Tree Play"), by=admin, today=london_today())
    organisations.update_details(provider, details(name="Acorn Play"), by=admin, today=london_today())
    assert (provider.name, provider.pending_name) == ("Acorn Play", None)
    with pytest.raises(DomainError, match="has not asked for a new name"):
        organisations.approve_name(provider, by=people["council"])


@pytest.mark.parametrize("status", [ProviderStatus.PENDING, ProviderStatus.RETURNED])
def test_a_provider_not_yet_approved_changes_its_name_freely(people, status):
    provider = ProviderFactory(name="Acorn Play", status=status)
    organisations.update_details(provider, details(name="Oak Tree Play"), by=staff(provider, admin=True),
                                 today=london_today())
    assert (provider.name, provider.pending_name) == ("Oak Tree Play", None)
