"""A family follows its request for an assessment to a decision, in headless Chromium against the portal under
gunicorn, with axe-core on every page the family sees: asked from a specialist break's page, taken by a member of the
trust's staff (the family sees who), decided with reasons and a review date, and how to challenge it."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible
from .world import build_world, sign_in

pytestmark = pytest.mark.browser


def test_a_family_follows_its_assessment_request_to_a_decision(new_page):
    w = build_world()
    family = new_page()
    sign_in(family, w.other_parent)
    family.goto(f"/local-offer/{w.specialist.id}")
    family.get_by_role("link", name="Ask for an assessment").first.click()
    family.get_by_label("Lily Smith").check()
    family.get_by_label("Tell us what help you are looking for").fill("Lily needs a break away with nursing care.")
    family.get_by_role("button", name="Ask for an assessment").click()
    expect(family).to_have_url(re.compile(r"/assessments$"))
    expect(family.locator(".govuk-notification-banner")).to_contain_text("We have sent your request")
    card = family.locator(".govuk-summary-card").first
    expect(card).to_contain_text("Lily Smith: asked on")
    expect(card).to_contain_text("Received")
    expect(card).to_contain_text("Lily needs a break away with nursing care.")
    assert_accessible(family, "assessments: request received")

    trust = new_page()
    sign_in(trust, w.trust)
    trust.goto("/trust/assessment-requests")
    trust.get_by_role("button", name="Take this request for Lily Smith").click()
    expect(trust.locator(".govuk-notification-banner")).to_contain_text("You are now handling the request for Lily")

    family.reload()
    expect(card).to_contain_text("Being assessed")
    expect(card).to_contain_text("Priya Patel, since")
    assert_accessible(family, "assessments: being assessed")

    trust.get_by_role("link", name="Lily Smith").first.click()
    trust.get_by_label("Specialist short breaks are needed").check()
    trust.get_by_label("Reasons").fill("Lily's health needs call for overnight nursing care twice a month.")
    review = date.today() + timedelta(days=182)
    review_on = trust.get_by_role("group", name="Review date")
    review_on.get_by_label("Day").fill(str(review.day))
    review_on.get_by_label("Month").fill(str(review.month))
    review_on.get_by_label("Year").fill(str(review.year))
    trust.get_by_role("button", name="Record the decision").click()
    expect(trust.locator(".govuk-notification-banner")).to_contain_text("has been recorded")

    family.reload()
    expect(card).to_contain_text("Decided")
    expect(card).to_contain_text("Specialist short breaks are needed")
    expect(card).to_contain_text("Lily's health needs call for overnight nursing care twice a month.")
    expect(card).to_contain_text(review.strftime("%-d %B %Y"))
    expect(card.get_by_role("heading", name="If you disagree with the decision")).to_be_visible()
    assert_accessible(family, "assessments: decided")
