"""Providers' safeguards: the approving body records who verified each one, when, against what evidence and when
to verify it again; a provider of regulated specialist care is not approved until its Ofsted number is verified, as
it now stands."""
from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import AuditEvent, Role, record
from providers import commands as provider_commands
from providers import offers, organisations, safeguards
from providers.models import Body, Offer, OfferStatus, ProviderStatus, Safeguard, SafeguardCheck, Tier

from .factories import OfferFactory, ProviderFactory, UserFactory
from .test_organisations import recipients, staff


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, name="Priya Patel")


def _pending(body=Body.TRUST, **kwargs):
    return ProviderFactory(status=ProviderStatus.PENDING, approving_body=body, **kwargs)


def test_regulated_care_is_refused_approval_until_its_ofsted_number_is_verified(client_as, trust):
    provider = _pending(name="Willow Lodge", ofsted_number=None, insurance_expires_on=date.today() + timedelta(days=300))
    db.session.commit()
    staff = client_as(trust)
    refused = staff.post(f"/approvals/providers/{provider.id}", data={"decision": "approve"})
    assert refused.status_code == 409
    assert "cannot be approved until someone has verified its Ofsted registration" in refused.text
    nothing = staff.post(f"/approvals/providers/{provider.id}/safeguards",
                         data={"safeguard": "ofsted", "evidence_ref": "Ofsted register, 6 December"})
    assert nothing.status_code == 409 and "has not given an Ofsted number" in nothing.text

    provider.ofsted_number = "SC123456"
    db.session.commit()
    no_evidence = staff.post(f"/approvals/providers/{provider.id}/safeguards", data={"safeguard": "ofsted"})
    assert no_evidence.status_code == 422 and "Enter the evidence you checked" in no_evidence.text
    again = date.today() + timedelta(days=365)
    verified = staff.post(f"/approvals/providers/{provider.id}/safeguards", data={
        "safeguard": "ofsted", "evidence_ref": "Ofsted register entry SC123456, checked 6 December",
        "reverify_on": [str(again.day), str(again.month), str(again.year)]})
    assert verified.status_code == 302
    page = staff.get(f"/approvals/providers/{provider.id}").text
    assert "Verified by Priya Patel on" in page and "Ofsted register entry SC123456" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "safeguard_verified"))
    assert (event.subject_id, event.actor_id, event.details["verified"], event.details["reverify_on"]) == (
        provider.id, trust.id, "SC123456", again.isoformat())

    # The number changed after it was verified: not verified any more.
    provider.ofsted_number = "SC999999"
    db.session.commit()
    assert staff.post(f"/approvals/providers/{provider.id}", data={"decision": "approve"}).status_code == 409
    provider.ofsted_number = "SC123456"
    db.session.commit()
    assert staff.post(f"/approvals/providers/{provider.id}", data={"decision": "approve"}).status_code == 302
    assert db.session.get(type(provider), provider.id).status is ProviderStatus.APPROVED


def test_a_council_provider_that_signed_up_for_specialist_breaks_too_needs_it(app, trust):
    council = UserFactory(role=Role.COUNCIL)
    universal = _pending(Body.COUNCIL)
    mixed = _pending(Body.COUNCIL)
    record("provider_signed_up", mixed, by=council, kinds=["specialist", "universal"], approving_body="council")
    with_offer = _pending(Body.COUNCIL)
    OfferFactory(provider=with_offer, tier=Tier.SPECIALIST)
    db.session.commit()
    organisations.approve_provider(universal, by=council)
    for provider in (mixed, with_offer):
        with pytest.raises(DomainError, match="regulated care"):
            organisations.approve_provider(provider, by=council)
        assert provider.status is ProviderStatus.PENDING


def test_only_the_approving_body_verifies_and_due_dates_are_tracked(app, trust):
    provider = _pending(safeguarding_lead="Sam Ward")
    council = UserFactory(role=Role.COUNCIL)
    with pytest.raises(NotAllowed):
        safeguards.verify(provider, Safeguard.SAFEGUARDING_LEAD, "Interview notes", None, by=council)
    with pytest.raises(DomainError, match="must be in the future"):
        safeguards.verify(provider, Safeguard.DBS, "DBS update service", date.today(), by=trust)
    check = safeguards.verify(provider, Safeguard.DBS, "DBS update service, 12 staff", date.today() + timedelta(days=10),
                              by=trust)
    assert safeguards.state(check, provider) == "due_soon"
    assert safeguards.state(check, provider, today=date.today() + timedelta(days=10)) == "overdue"
    lead = safeguards.verify(provider, Safeguard.SAFEGUARDING_LEAD, "Interview notes", None, by=trust)
    assert safeguards.state(lead, provider) == "verified"
    provider.safeguarding_lead = "Someone else"
    assert safeguards.state(lead, provider) == "changed"
    assert safeguards.state(None, provider) == "missing"
    assert set(safeguards.latest(provider)) == {Safeguard.DBS, Safeguard.SAFEGUARDING_LEAD}


def test_a_specialist_offer_is_not_published_until_the_providers_ofsted_number_is_verified(client_as, trust):
    provider = ProviderFactory(name="Willow Lodge", approving_body=Body.TRUST, ofsted_number="SC123456")
    offer = OfferFactory(provider=provider, tier=Tier.SPECIALIST, title="Overnight stays",
                         status=OfferStatus.SUBMITTED)
    db.session.commit()
    staff = client_as(trust)
    refused = staff.post(f"/approvals/offers/{offer.id}", data={"decision": "approve", "comments": ""})
    assert refused.status_code == 409
    assert "cannot be published until someone has verified Willow Lodge's Ofsted registration" in unescape(refused.text)
    assert 'class="govuk-error-summary"' in refused.text
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status is OfferStatus.SUBMITTED
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer_approved"))

    # Verified once, for a number the provider has since changed: still refused.
    safeguards.verify(provider, Safeguard.OFSTED, "Ofsted register", None, by=trust)
    provider.ofsted_number = "SC999999"
    db.session.commit()
    assert staff.post(f"/approvals/offers/{offer.id}", data={"decision": "approve"}).status_code == 409

    safeguards.verify(provider, Safeguard.OFSTED, "Ofsted register, new number", None, by=trust)
    db.session.commit()
    assert staff.post(f"/approvals/offers/{offer.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status is OfferStatus.PUBLISHED


def test_making_a_published_offer_specialist_needs_the_ofsted_check_too(app):
    council = UserFactory(role=Role.COUNCIL)
    trust = UserFactory(role=Role.TRUST)
    provider = ProviderFactory(approving_body=Body.COUNCIL, ofsted_number=None)
    universal = OfferFactory(provider=provider, tier=Tier.UNIVERSAL)
    OfferFactory(provider=provider, tier=Tier.UNIVERSAL, status=OfferStatus.SUBMITTED)
    becoming = OfferFactory(provider=provider, tier=Tier.UNIVERSAL, pending_tier=Tier.SPECIALIST)
    db.session.commit()
    with pytest.raises(DomainError, match="regulated care"):
        offers.approve_offer(becoming, by=trust)
    assert becoming.tier is Tier.UNIVERSAL and becoming.pending_tier is Tier.SPECIALIST
    # Universal and targeted offers need no Ofsted number.
    universal.pending_price_pence = 500
    offers.approve_offer(universal, by=council)
    assert universal.price_pence == 500


# --- warnings when a safeguard is due to be checked again -------------------------------------------------------

def test_a_safeguard_due_to_be_checked_again_is_warned_about_on_the_right_day_and_only_once(
        app, trust, outbox, monkeypatch):
    UserFactory(role=Role.COUNCIL, email="council@example.com")
    trust.email = "trust@example.com"
    provider = ProviderFactory(name="Willow Lodge", approving_body=Body.TRUST, safeguarding_lead="Sam Ward")
    staff(provider, admin=True, email="admin@willow.org")
    staff(provider, email="staff@willow.org")
    quiet = ProviderFactory(approving_body=Body.TRUST, safeguarding_lead="Kim Lee")
    db.session.commit()
    start = date.today()
    due = start + timedelta(days=40)
    check = safeguards.verify(provider, Safeguard.DBS, "DBS update service, 12 staff", due, by=trust)
    safeguards.verify(quiet, Safeguard.DBS, "DBS update service", start + timedelta(days=300), by=trust)
    # Checked again since: only the latest check counts, and the earlier one's date is never warned about.
    superseded = safeguards.verify(provider, Safeguard.SAFEGUARDING_LEAD, "Interview notes", start + timedelta(days=5),
                                   by=trust)
    safeguards.verify(provider, Safeguard.SAFEGUARDING_LEAD, "Interview notes, again", start + timedelta(days=200),
                      by=trust)
    db.session.commit()
    clock = {"today": start}
    monkeypatch.setattr(provider_commands, "london_today", lambda: clock["today"])

    # 31 days before: nothing yet.
    clock["today"] = due - timedelta(days=31)
    assert provider_commands.warn_safeguards_now() == "Warned about 0 safeguard checks due to be checked again."
    assert outbox == []

    # 30 days before: the trust's staff and the provider's administrators are told, once.
    clock["today"] = due - timedelta(days=30)
    assert provider_commands.warn_safeguards_now() == "Warned about 1 safeguard check due to be checked again."
    assert recipients(outbox) == ["admin@willow.org", "trust@example.com"]
    to_trust = next(m for m in outbox if m["To"] == "trust@example.com")
    assert to_trust["Subject"] == "Safeguards to check again: 1 check"
    body = to_trust.get_content()
    assert "Willow Lodge: DBS checks of staff, due by" in body and f"/approvals/providers/{provider.id}" in body
    assert "DBS checks of staff" in next(m for m in outbox if m["To"] == "admin@willow.org").get_content()
    db.session.expire_all()
    assert db.session.get(SafeguardCheck, check.id).reverify_warned_on == clock["today"]
    assert db.session.get(SafeguardCheck, superseded.id).reverify_warned_on is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "safeguard_reverify_warning_sent"))
    assert (event.subject_id, event.details["safeguard"], event.details["reverify_on"]) == (
        provider.id, "dbs", due.isoformat())

    # The next days, and once it is overdue: not again.
    outbox.clear()
    for later in (1, 29, 30, 45):
        clock["today"] = due - timedelta(days=30) + timedelta(days=later)
        assert provider_commands.warn_safeguards_now().startswith("Warned about 0 ")
    assert outbox == []

    # Checked again: the new check earns its own warning when its date comes near.
    again = safeguards.verify(provider, Safeguard.DBS, "DBS update service, 14 staff", due + timedelta(days=100),
                              by=trust)
    db.session.commit()
    clock["today"] = due + timedelta(days=69)
    assert provider_commands.warn_safeguards_now().startswith("Warned about 0 ")
    clock["today"] = due + timedelta(days=70)
    assert provider_commands.warn_safeguards_now().startswith("Warned about 1 ")
    db.session.expire_all()
    assert db.session.get(SafeguardCheck, again.id).reverify_warned_on == clock["today"]


def test_an_overdue_check_not_yet_warned_about_is_warned_about_as_overdue(app, trust, outbox):
    provider = ProviderFactory(name="Oak House", approving_body=Body.TRUST, safeguarding_lead="Sam Ward")
    staff(provider, admin=True, email="admin@oak.org")
    check = safeguards.verify(provider, Safeguard.SAFEGUARDING_LEAD, "Interview notes",
                              date.today() + timedelta(days=3), by=trust)
    db.session.commit()
    warned = organisations.warn_due_reverification(date.today() + timedelta(days=10))
    db.session.commit()
    assert warned == [check]
    assert "was due on" in next(m for m in outbox if m["To"] == trust.email).get_content()
    assert "was due to check this safeguard of Oak House again" in unescape(
        next(m for m in outbox if m["To"] == "admin@oak.org").get_content())
