"""The trust's tools in headless Chromium against the portal under gunicorn, with axe-core on every page: a member of
staff finds a child a professional referred, records the assessment with who referred them, and records the
recovery of a direct payment left unspent at the end of its period; the money is back on the trust's envelope and
the ledger check still passes."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from budgets import ledger
from budgets import services as money
from budgets.models import BudgetKind, Recovery, financial_year
from portal.extensions import db
from portal.models import Assessment, AssessmentSource, AssessmentStatus, Role
from providers.models import Body

from ..factories import ChildFactory, UserFactory
from .conftest import assert_accessible
from .world import born_years_ago, sign_in

pytestmark = pytest.mark.browser


def _ended_period() -> tuple[date, date]:
    """A direct payment's period that ended yesterday, within one financial year."""
    ends_on = money.today() - timedelta(days=1)
    starts_on = max(ends_on - timedelta(days=60), date(financial_year(ends_on), 4, 1))
    return starts_on, ends_on


@pytest.fixture
def people(app):
    trust = UserFactory(name="Priya Patel", email="priya@trust.example.org", role=Role.TRUST)
    parent = UserFactory(name="Hana Begum", email="hana@example.com")
    yusuf = ChildFactory(parent=parent, first_name="Yusuf", last_name="Begum", date_of_birth=born_years_ago(9),
                         postcode="B8 1AA")
    ChildFactory(first_name="Yusra", last_name="Begg", date_of_birth=born_years_ago(12), postcode="B29 6BD")
    ruby = ChildFactory(first_name="Ruby", last_name="Stone", date_of_birth=born_years_ago(11))
    db.session.add(Assessment(child=ruby, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=trust.id))
    starts_on, ends_on = _ended_period()
    for year in {financial_year(starts_on), financial_year(money.today())}:
        money.set_envelope(Body.TRUST, year, 500_000_00, by=trust, reason="Trust budget for the year")
    budget = money.allocate_budget(ruby, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=60_000, starts_on=starts_on,
                                   ends_on=ends_on, review_on=ends_on, reasons="A personal assistant", by=trust)
    db.session.commit()
    return {"trust": trust, "yusuf": yusuf, "ruby": ruby, "budget": budget}


def test_the_trust_finds_a_referred_child_and_recovers_an_unspent_direct_payment(people, new_page):
    trust = new_page()
    sign_in(trust, people["trust"])

    # 1. A paediatrician refers Yusuf: the trust finds him by name and postcode.
    trust.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a child").click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Find a child")
    assert_accessible(trust, "find a child")
    trust.get_by_role("button", name="Search").click()
    expect(trust.locator(".govuk-error-summary")).to_contain_text("Enter at least two of: a name, a date of birth, a postcode")
    assert_accessible(trust, "find a child, nothing entered")
    trust.get_by_label("Name").fill("begum")
    trust.get_by_label("Postcode").fill("b8")
    trust.get_by_role("button", name="Search").click()
    expect(trust.locator("caption")).to_have_text("1 child found")
    expect(trust.locator("tbody")).not_to_contain_text("Yusra")
    assert_accessible(trust, "find a child, results")

    # 2. The assessment, with who referred him and when.
    trust.get_by_role("link", name=re.compile("Yusuf Begum")).click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Record an assessment outcome")
    trust.get_by_label("A professional referred the child").check()
    expect(trust.get_by_label("Who referred the child")).to_be_visible()
    assert_accessible(trust, "record an assessment, referral")
    trust.get_by_label("Who referred the child").fill("Dr A Khan, paediatrician, Birmingham Children’s Hospital")
    referred = money.today() - timedelta(days=5)
    referral_date = trust.get_by_role("group", name="Date of the referral")
    referral_date.get_by_label("Day").fill(str(referred.day))
    referral_date.get_by_label("Month").fill(str(referred.month))
    referral_date.get_by_label("Year").fill(str(referred.year))
    trust.get_by_label("Specialist short breaks are not needed").check()
    trust.get_by_label("Reasons").fill("Yusuf's needs are met by the targeted clubs near home.")
    trust.get_by_role("button", name="Record the decision").click()
    expect(trust.locator(".govuk-notification-banner")).to_contain_text(
        "The assessment outcome for Yusuf Begum has been recorded.")
    db.session.rollback()
    assessment = db.session.scalar(select(Assessment).where(Assessment.child_id == people["yusuf"].id))
    assert assessment.source is AssessmentSource.REFERRAL and assessment.referred_on == referred
    assert assessment.referred_by == "Dr A Khan, paediatrician, Birmingham Children’s Hospital"

    # 3. Ruby's direct payment ended yesterday with £600 unspent: the trust records £600 recovered.
    trust.get_by_role("link", name="Personal budgets").click()
    trust.get_by_role("link", name="Direct payments").first.click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Direct payments")
    expect(trust.locator("tbody tr").filter(has_text="Ruby Stone")).to_contain_text("Unspent to recover")
    assert_accessible(trust, "direct payments, unspent to recover")
    trust.get_by_role("link", name="Record the recovery for Ruby Stone").click()
    expect(trust.get_by_role("heading", level=1)).to_have_text("Record unspent money recovered")
    assert_accessible(trust, "record unspent money recovered")
    trust.get_by_label("How much came back?").fill("600")
    today = money.today()
    trust.get_by_label("Day").fill(str(today.day))
    trust.get_by_label("Month").fill(str(today.month))
    trust.get_by_label("Year").fill(str(today.year))
    trust.get_by_label("Finance reference").fill("FIN-2026-0042")
    trust.get_by_label("Reasons").fill("Not spent by the end of the period; the family paid it back.")
    trust.get_by_role("button", name="Record the recovery").click()
    expect(trust).to_have_url(re.compile(rf"/trust/personal-budgets/{people['budget'].id}$"))
    expect(trust.locator(".govuk-notification-banner")).to_contain_text(
        "£600.00 recovered from Ruby’s direct payment and returned to the trust’s budget.")
    expect(trust.locator("main")).to_contain_text("Unspent money recovered by the children’s trust")
    assert_accessible(trust, "direct payment after the recovery")

    trust.get_by_role("link", name="Back to personal budgets").click()
    trust.get_by_role("link", name="Direct payments").first.click()
    row = trust.locator("tbody tr").filter(has_text="Ruby Stone")
    expect(row).not_to_contain_text("Unspent to recover")
    expect(row).to_contain_text("£600.00")

    db.session.rollback()
    [recovery] = db.session.scalars(select(Recovery)).all()
    assert recovery.amount_pence == 60_000 and recovery.reference == "FIN-2026-0042"
    assert money.unspent(people["budget"]) == 0
    assert ledger.check() == []
