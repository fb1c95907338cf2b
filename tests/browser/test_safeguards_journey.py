"""A provider of regulated specialist care is refused approval until its Ofsted registration is verified, in headless
Chromium against the portal under gunicorn, with axe-core on each page: the refusal, the check recorded with its
evidence and date to check again, then the approval."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from providers.models import Body, Provider, ProviderStatus, SafeguardCheck

from ..factories import ProviderFactory, UserFactory
from .conftest import assert_accessible
from .world import sign_in

pytestmark = pytest.mark.browser


def test_regulated_care_is_refused_approval_until_its_ofsted_number_is_verified(new_page):
    trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    provider = ProviderFactory(name="Hazel House Care", status=ProviderStatus.PENDING, approving_body=Body.TRUST,
                               ofsted_number="SC123456", insurance_expires_on=date.today() + timedelta(days=300),
                               safeguarding_lead="Ruth Ellis", dbs_policy_confirmed=True)
    db.session.commit()
    provider_id = provider.id

    page = new_page()
    sign_in(page, trust)
    page.goto(f"/approvals/providers/{provider_id}")
    expect(page.get_by_role("heading", name="Safeguards")).to_be_visible()
    assert_accessible(page, "approvals: a specialist provider, nothing verified")

    page.get_by_label("Approve: the provider can publish offers").check()
    page.get_by_role("button", name="Record the decision", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "cannot be approved until someone has verified its Ofsted registration")
    assert_accessible(page, "approvals: refused without a verified Ofsted number")

    page.get_by_label("Ofsted registration").check()
    page.get_by_label("Evidence you checked").fill("Ofsted register entry SC123456, active")
    again = date.today() + timedelta(days=365)
    group = page.get_by_role("group", name="Check it again by (optional)")
    group.get_by_label("Day").fill(str(again.day))
    group.get_by_label("Month").fill(str(again.month))
    group.get_by_label("Year").fill(str(again.year))
    page.get_by_role("button", name="Record the check").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Ofsted registration: your check is recorded")
    expect(page.locator("#safeguards ~ .govuk-summary-list")).to_contain_text("Verified by Priya Patel")
    assert_accessible(page, "approvals: Ofsted verified")

    page.get_by_label("Approve: the provider can publish offers").check()
    page.get_by_role("button", name="Record the decision", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(re.compile("Hazel House Care has been approved"))

    db.session.rollback()
    assert db.session.get(Provider, provider_id).status is ProviderStatus.APPROVED
    check = db.session.scalar(select(SafeguardCheck))
    assert (check.verified, check.evidence_ref, check.reverify_on) == ("SC123456", "Ofsted register entry SC123456, "
                                                                                    "active", again)
