"""Offers: creating and changing them, the way to publication, and changes of tier or price waiting for approval."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bookings.places import book_places, release_places
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import AuditEvent, Role
from providers import offers
from providers.models import (
    Body,
    Category,
    OfferStatus,
    PaymentRoute,
    ProviderStatus,
    Tier,
)

from .factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    ofsted_verified,
)
from .test_organisations import recipients, staff


def offer_details(locality, **overrides) -> offers.OfferDetails:
    values = dict(title="Saturday Club", summary="Sport and friends", description="Games in the hall.",
                  tier=Tier.UNIVERSAL, category=Category.SPORT, min_age=5, max_age=11,
                  locality_id=locality.id, venue="Hall", eligibility="Any disabled child aged 5 to 11.", price_pence=0,
                  payment_route=PaymentRoute.FREE, support_offered=["one_to_one", "medication"], needs=["autism"],
                  features=["hoist"])
    values.update(overrides)
    return offers.OfferDetails(**values)


def form_data(locality, **overrides) -> dict:
    data = {"title": "Saturday Club", "summary": "Sport and friends", "description": "Games in the hall.",
            "tier": "universal", "category": "sport", "min_age": "5", "max_age": "11", "locality_id": str(locality.id),
            "venue": "Hall", "eligibility": "Any disabled child aged 5 to 11.", "price": "0", "payment_route": "free",
            "cancel_cutoff_hours": "48", "booking_cutoff_hours": "0", "support_offered": ["one_to_one"],
            "needs": ["autism"], "features": ["hoist"]}
    data.update(overrides)
    return data


@pytest.fixture
def setting(app):
    provider = ProviderFactory()
    return provider, staff(provider), LocalityFactory(), UserFactory(role=Role.COUNCIL), UserFactory(role=Role.TRUST)


def actions(offer) -> list[str]:
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "Offer",
                                                              AuditEvent.subject_id == offer.id)
                              .order_by(AuditEvent.id)).all()


def published(setting, **details):
    provider, member, locality, council, trust = setting
    offer = offers.create_offer(provider, offer_details(locality, **details), by=member)
    offers.submit_offer(offer, by=member)
    offers.approve_offer(offer, by=trust if offer.tier is Tier.SPECIALIST else council)
    db.session.commit()
    return offer


# --- the workflow ------------------------------------------------------------------------------------

def test_draft_submitted_published(setting, outbox):
    provider, member, locality, council, trust = setting
    offer = offers.create_offer(provider, offer_details(locality), by=member)
    db.session.commit()
    assert offer.status is OfferStatus.DRAFT
    assert offer.support_offered == ["medication", "one_to_one"] and offer.needs == ["autism"]
    offers.submit_offer(offer, by=member)
    assert offer.status is OfferStatus.SUBMITTED
    offers.approve_offer(offer, by=council, note="Looks good")
    db.session.commit()
    assert offer.status is OfferStatus.PUBLISHED
    assert actions(offer) == ["offer_created", "offer_submitted", "offer_approved"]
    assert recipients(outbox) == [member.email]
    assert "published in the local offer" in outbox[0].get_content()


def test_returned_with_comments_then_changed_and_sent_again(setting, outbox):
    provider, member, locality, council, trust = setting
    offer = offers.create_offer(provider, offer_details(locality), by=member)
    offers.submit_offer(offer, by=member)
    with pytest.raises(DomainError, match="Give your comments"):
        offers.return_offer(offer, "  ", by=council)
    offers.return_offer(offer, "Say what the venue is like", by=council)
    db.session.commit()
    assert offer.status is OfferStatus.RETURNED and offer.review_comments == "Say what the venue is like"
    assert "Say what the venue is like" in outbox[-1].get_content()
    offers.update_offer(offer, offer_details(locality, venue="Hall with a quiet room"), by=member)
    offers.submit_offer(offer, by=member)
    db.session.commit()
    assert offer.status is OfferStatus.SUBMITTED and offer.review_comments is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer_returned"))
    assert (event.actor_id, event.reason) == (council.id, "Say what the venue is like")


def test_changing_a_submitted_offer_takes_it_back_to_draft(setting):
    provider, member, locality, council, trust = setting
    offer = offers.create_offer(provider, offer_details(locality), by=member)
    offers.submit_offer(offer, by=member)
    offers.update_offer(offer, offer_details(locality, title="Sunday Club"), by=member)
    assert offer.status is OfferStatus.DRAFT
    assert actions(offer)[-2:] == ["offer_changed", "offer_back_to_draft"]


@pytest.mark.parametrize("status, action, message", [
    (OfferStatus.DRAFT, "approve", "not waiting for a decision"),
    (OfferStatus.DRAFT, "return", "not waiting for a decision"),
    (OfferStatus.RETURNED, "approve", "not waiting for a decision"),
    (OfferStatus.PUBLISHED, "approve", "not waiting for a decision"),
    (OfferStatus.WITHDRAWN, "approve", "not waiting for a decision"),
    (OfferStatus.SUBMITTED, "submit", "already waiting for approval"),
    (OfferStatus.PUBLISHED, "submit", "already published"),
    (OfferStatus.WITHDRAWN, "submit", "withdrawn"),
    (OfferStatus.WITHDRAWN, "withdraw", "already been withdrawn"),
    (OfferStatus.WITHDRAWN, "update", "withdrawn"),
])
def test_illegal_transitions_are_refused(setting, status, action, message):
    provider, member, locality, council, trust = setting
    offer = OfferFactory(provider=provider, locality=locality, status=status)
    do = {"approve": lambda: offers.approve_offer(offer, by=council),
          "return": lambda: offers.return_offer(offer, "No", by=council),
          "submit": lambda: offers.submit_offer(offer, by=member),
          "withdraw": lambda: offers.withdraw_offer(offer, by=member),
          "update": lambda: offers.update_offer(offer, offer_details(locality), by=member)}[action]
    with pytest.raises(DomainError, match=message):
        do()
    assert offer.status is status


def test_an_organisation_must_be_approved_before_its_offers_are_sent(setting):
    provider, member, locality, council, trust = setting
    offer = offers.create_offer(provider, offer_details(locality), by=member)
    for status in (ProviderStatus.PENDING, ProviderStatus.RETURNED, ProviderStatus.SUSPENDED):
        provider.status = status
        with pytest.raises(DomainError, match="must be approved"):
            offers.submit_offer(offer, by=member)


def test_the_body_that_commissions_the_tier_decides(setting):
    provider, member, locality, council, trust = setting
    specialist = offers.create_offer(provider, offer_details(locality, tier=Tier.SPECIALIST,
                                                             payment_route=PaymentRoute.PERSONAL_BUDGET), by=member)
    universal = offers.create_offer(provider, offer_details(locality), by=member)
    for offer in (specialist, universal):
        offers.submit_offer(offer, by=member)
    with pytest.raises(NotAllowed, match="children's trust"):
        offers.approve_offer(specialist, by=council)
    with pytest.raises(NotAllowed, match="the council"):
        offers.return_offer(universal, "No", by=trust)
    ofsted_verified(provider)  # specialist breaks are regulated care (tests/test_safeguards.py)
    offers.approve_offer(specialist, by=trust)
    offers.approve_offer(universal, by=UserFactory(role=Role.ADMIN))
    assert specialist.status is universal.status is OfferStatus.PUBLISHED


def test_only_the_providers_own_staff_change_its_offers(setting):
    provider, member, locality, council, trust = setting
    offer = OfferFactory(provider=provider, locality=locality)
    for outsider in (staff(ProviderFactory()), council, staff(provider, active=False)):
        with pytest.raises(NotAllowed):
            offers.update_offer(offer, offer_details(locality), by=outsider)


@pytest.mark.parametrize("overrides, message", [
    ({"title": " "}, "Enter a title"),
    ({"eligibility": ""}, "who the break is for"),
    ({"min_age": 12, "max_age": 11}, "Ages must be"),
    ({"max_age": 26}, "Ages must be"),
    ({"price_pence": 250, "payment_route": PaymentRoute.FREE}, "free break cannot have a price"),
    ({"price_pence": 0, "payment_route": PaymentRoute.PAY_PROVIDER}, "cannot pay you"),
    ({"support_offered": ["flying"]}, "Choose from the options"),
    ({"cancel_cutoff_hours": -1}, "Hours before"),
])
def test_offer_details_are_checked(setting, overrides, message):
    provider, member, locality, council, trust = setting
    with pytest.raises(DomainError, match=message):
        offers.create_offer(provider, offer_details(locality, **overrides), by=member)


# --- changing a published offer ------------------------------------------------------------------------

def test_other_edits_to_a_published_offer_show_at_once_and_are_logged(setting):
    offer = published(setting)
    provider, member, locality, *_ = setting
    offers.update_offer(offer, offer_details(locality, summary="New summary", needs=["autism", "physical"]), by=member)
    db.session.commit()
    assert offer.status is OfferStatus.PUBLISHED and offer.summary == "New summary"
    assert not offer.has_pending_change
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer_changed"))
    assert event.details["before"] == {"summary": "Sport and friends", "needs": ["autism"]}
    assert event.details["after"] == {"summary": "New summary", "needs": ["autism", "physical"]}


def test_a_new_tier_waits_for_the_new_body_while_the_offer_stays_published(setting, client):
    offer = published(setting)
    provider, member, locality, council, trust = setting
    offers.update_offer(offer, offer_details(locality, tier=Tier.SPECIALIST, title="Saturday Club (specialist)"),
                        by=member)
    db.session.commit()
    assert offer.status is OfferStatus.PUBLISHED
    assert (offer.tier, offer.pending_tier) == (Tier.UNIVERSAL, Tier.SPECIALIST)
    assert offer.title == "Saturday Club (specialist)"  # not a tier or price: shows at once
    assert offer.approving_body is Body.TRUST
    page = client.get(f"/local-offer/{offer.id}")
    assert page.status_code == 200 and "Universal" in page.text and "You need an assessment" not in page.text
    with pytest.raises(NotAllowed):
        offers.approve_offer(offer, by=council)
    ofsted_verified(provider)
    offers.approve_offer(offer, by=trust)
    db.session.commit()
    assert (offer.tier, offer.pending_tier) == (Tier.SPECIALIST, None)
    assert actions(offer)[-3:] == ["offer_changed", "offer_change_requested", "offer_change_approved"]


def test_a_new_price_waits_and_the_way_of_paying_follows_it(setting, client):
    offer = published(setting)
    provider, member, locality, council, trust = setting
    offers.update_offer(offer, offer_details(locality, price_pence=350, payment_route=PaymentRoute.PAY_PROVIDER),
                        by=member)
    db.session.commit()
    assert (offer.price_pence, offer.pending_price_pence, offer.payment_route) == (0, 350, PaymentRoute.FREE)
    family = UserFactory()
    session = SessionFactory(offer=offer)
    (booking,) = book_places(family, session, [ChildFactory(parent=family)], "free")
    assert booking.price_pence == 0  # families pay the approved price until the new one is agreed
    offers.approve_offer(offer, by=council)
    db.session.commit()
    assert (offer.price_pence, offer.pending_price_pence, offer.payment_route) == (350, None, PaymentRoute.PAY_PROVIDER)


def test_a_returned_change_leaves_the_offer_as_it_was(setting, outbox):
    offer = published(setting)
    provider, member, locality, council, trust = setting
    offers.update_offer(offer, offer_details(locality, tier=Tier.TARGETED, price_pence=500,
                                             payment_route=PaymentRoute.COUNCIL_FUNDED), by=member)
    assert offer.payment_route is PaymentRoute.COUNCIL_FUNDED  # suits either price, so it shows at once
    offers.return_offer(offer, "Targeted places cost the council too much here", by=council)
    db.session.commit()
    assert offer.status is OfferStatus.PUBLISHED
    assert (offer.tier, offer.price_pence, offer.has_pending_change) == (Tier.UNIVERSAL, 0, False)
    assert offer.review_comments == "Targeted places cost the council too much here"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer_change_returned"))
    assert event.details["asked"] == {"tier": "targeted", "price_pence": 500}
    assert "stays published as it was" in outbox[-1].get_content()


def test_asking_for_the_old_values_again_takes_the_change_back(setting):
    offer = published(setting)
    provider, member, locality, *_ = setting
    offers.update_offer(offer, offer_details(locality, tier=Tier.TARGETED), by=member)
    offers.update_offer(offer, offer_details(locality), by=member)
    assert not offer.has_pending_change
    assert actions(offer)[-2:] == ["offer_change_requested", "offer_change_withdrawn"]


# --- withdrawing ---------------------------------------------------------------------------------------

def test_an_offer_with_places_booked_to_come_cannot_be_withdrawn(setting):
    offer = published(setting)
    provider, member, *_ = setting
    family = UserFactory()
    bookings = book_places(family, SessionFactory(offer=offer), [ChildFactory(parent=family)], "free")
    db.session.commit()
    with pytest.raises(DomainError, match="1 place is booked"):
        offers.withdraw_offer(offer, by=member)
    release_places(bookings, reason="The family cancelled", by=family)
    offers.withdraw_offer(offer, by=member, reason="The club has closed")
    db.session.commit()
    assert offer.status is OfferStatus.WITHDRAWN
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer_withdrawn")).reason == "The club has closed"


# --- pages ---------------------------------------------------------------------------------------------

def test_create_an_offer_through_the_pages(setting, login):
    provider, member, locality, *_ = setting
    client = login(member)
    bad = client.post("/provider/offers/new", data=form_data(locality, title="", price="two pounds", max_age="3"))
    assert bad.status_code == 422
    for message in ("Enter a title", "Enter the price in pounds and pence",
                    "The oldest age must be the same as or more than the youngest age"):
        assert message in bad.text
    assert 'value="two pounds"' in bad.text and "Sport and friends" in bad.text
    response = client.post("/provider/offers/new", data=form_data(locality, price="2.50", payment_route="pay_provider"))
    assert response.status_code == 302
    page = client.get(response.location)
    assert "Draft" in page.text and "£2.50 a session" in page.text and "1:1 support" in page.text
    offer_id = int(response.location.rsplit("/", 1)[1])
    assert client.post(f"/provider/offers/{offer_id}/submit").status_code == 302
    assert "Waiting for approval" in client.get(f"/provider/offers/{offer_id}").text
    assert "Saturday Club" in client.get("/provider/offers?status=submitted").text
    assert "Saturday Club" not in client.get("/provider/offers?status=draft").text


def test_changing_a_published_offers_price_through_the_pages(setting, login):
    offer = published(setting)
    provider, member, locality, *_ = setting
    client = login(member)
    form = client.get(f"/provider/offers/{offer.id}/edit")
    assert form.status_code == 200 and 'value="Saturday Club"' in form.text
    response = client.post(f"/provider/offers/{offer.id}/edit",
                           data=form_data(locality, price="4", payment_route="pay_provider"))
    assert response.status_code == 302
    page = client.get(response.location)
    assert "the price from Free to £4.00" in page.text
    assert offer.price_pence == 0 and offer.pending_price_pence == 400
    again = client.get(f"/provider/offers/{offer.id}/edit")
    assert 'value="4.00"' in again.text  # the form shows what was asked for


def test_another_providers_offers_are_not_found(setting, login):
    provider, member, locality, *_ = setting
    theirs = OfferFactory(status=OfferStatus.DRAFT)
    client = login(member)
    for method, url in [("GET", f"/provider/offers/{theirs.id}"), ("GET", f"/provider/offers/{theirs.id}/edit"),
                        ("POST", f"/provider/offers/{theirs.id}/edit"), ("POST", f"/provider/offers/{theirs.id}/submit"),
                        ("GET", f"/provider/offers/{theirs.id}/withdraw"), ("POST", f"/provider/offers/{theirs.id}/withdraw")]:
        assert client.open(url, method=method).status_code == 404, url
    assert theirs.title not in client.get("/provider/offers").text
    assert theirs.status is OfferStatus.DRAFT


def test_pages_explain_refusals_in_plain_english(setting, login):
    offer = published(setting)
    provider, member, locality, *_ = setting
    family = UserFactory()
    book_places(family, SessionFactory(offer=offer), [ChildFactory(parent=family)], "free")
    db.session.commit()
    client = login(member)
    response = client.post(f"/provider/offers/{offer.id}/withdraw", data={"reason": "Closing"})
    assert response.status_code == 409 and "Cancel those sessions first" in response.text
    response = client.post(f"/provider/offers/{offer.id}/submit")
    assert response.status_code == 409 and "already published" in response.text
    assert offer.status is OfferStatus.PUBLISHED


def test_comments_on_a_returned_change_clear_when_the_offer_is_next_saved(setting):
    offer = published(setting)
    provider, member, locality, council, trust = setting
    offers.update_offer(offer, offer_details(locality, price_pence=100, payment_route=PaymentRoute.PAY_PROVIDER), by=member)
    offers.return_offer(offer, "Keep it free", by=council)
    assert offer.review_comments == "Keep it free"
    offers.update_offer(offer, offer_details(locality, summary="Still free"), by=member)
    assert offer.review_comments is None
    assert "Keep it free" in [e.reason for e in db.session.scalars(select(AuditEvent))]
