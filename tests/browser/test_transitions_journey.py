"""The transitions tracker in headless Chromium against the portal under gunicorn, with axe-core on every page: the
trust records that a 17-year-old's Care Act transition assessment was asked for, the tracker shows their stage moved,
and adult social care, signed in as its own staff, sees them on its tracker and its dashboard."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role
from transitions.services import born_by

from ..factories import ChildFactory, LocalityFactory, UserFactory
from .cases import fill_date
from .conftest import assert_accessible
from .world import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app):
    trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    adults = UserFactory(name="Ruth Adeyemi", email="ruth@adults.example.org", role=Role.ADULTS,
                         totp_secret=pyotp.random_base32(), two_step_since=datetime.now(timezone.utc))
    east = LocalityFactory(name="East")
    malik = ChildFactory(first_name="Malik", last_name="Osei", date_of_birth=born_by(date.today(), 17)
                         - timedelta(days=40), locality=east)
    db.session.add(Assessment(child=malik, status=AssessmentStatus.APPROVED, reason="Needs overnight breaks",
                              recorded_by_id=trust.id))
    db.session.commit()
    return {"trust": trust, "adults": adults, "malik": malik}


def test_the_trust_records_a_transition_assessment_and_adult_social_care_sees_the_stage(people, new_page):
    trust = new_page()
    sign_in(trust, people["trust"])
    trust.get_by_role("navigation", name="Menu").get_by_role("link", name="Moving to adult services").click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Young people moving to adult services")
    row = trust.locator("tbody tr").filter(has_text="Malik Osei")
    expect(row).to_contain_text("Identified")
    assert_accessible(trust, "the tracker")

    trust.get_by_role("link", name="Malik Osei").click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Malik Osei")
    assert_accessible(trust, "a young person's transition")
    trust.get_by_role("link", name="Record the next stage").click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Record a stage")
    trust.get_by_role("button", name="Record the stage").click()
    expect(trust.locator(".govuk-error-summary")).to_contain_text("Enter the date it was done")
    assert_accessible(trust, "record a stage, with errors")
    trust.get_by_label("Care Act transition assessment asked for").check()
    fill_date(trust, "When was it done?", date.today())
    trust.get_by_label("Notes").fill("Asked the adult team for a Care Act transition assessment.")
    trust.get_by_role("button", name="Record the stage").click()
    expect(trust.locator(".govuk-notification-banner")).to_contain_text(
        "“Care Act transition assessment asked for” recorded for Malik Osei.")
    assert_accessible(trust, "a young person's transition, stage recorded")

    trust.get_by_role("link", name="Back to the tracker").click()
    row = trust.locator("tbody tr").filter(has_text="Malik Osei")
    expect(row).to_contain_text("Care Act transition assessment asked for")
    expect(row).to_contain_text("Care Act transition assessment done")  # the next stage

    adults = new_page()
    sign_in(adults, people["adults"])
    adults.get_by_role("navigation", name="Menu").get_by_role("link", name="Moving to adult services").click()
    adults.get_by_label("Stage reached").select_option(label="Care Act transition assessment asked for")
    adults.get_by_role("button", name="Show young people").click()
    expect(adults).to_have_url(re.compile(r"stage=transition_assessment_asked"))
    expect(adults.locator("tbody tr").filter(has_text="Malik Osei")).to_have_count(1)
    assert_accessible(adults, "adult social care's tracker, filtered")
    adults.get_by_role("link", name="Dashboard").click()
    expect(adults.get_by_role("heading", level=1)).to_have_text("Dashboard")
    stages = adults.locator("table", has=adults.locator("caption", has_text="Young people by the stage they have reached"))
    expect(stages.get_by_role("row", name="Care Act transition assessment asked for 1")).to_be_visible()
    asked = adults.locator("table", has=adults.locator("caption", has_text="transition assessments asked for, by month"))
    expect(asked.locator("tbody tr").last).to_contain_text("1")
    expect(adults.locator("main")).not_to_contain_text("Malik")
    assert_accessible(adults, "the transitions dashboard")
