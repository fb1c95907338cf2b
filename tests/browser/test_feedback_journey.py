"""Feedback after a break, in headless Chromium against the portal under gunicorn, with axe-core on every page: the
provider marks the register, the family is asked how it went and says so (the easy-read form checked too), the
provider replies in public, and a council commissioner reads it on the feedback insight page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from feedback import services
from feedback.models import Feedback
from portal.extensions import db
from portal.models import Role
from providers.models import Attendance, Booking

from ..factories import ChildFactory, SessionFactory, UserFactory
from .conftest import assert_accessible
from .world import build_world, sign_in

pytestmark = pytest.mark.browser


def test_a_family_says_how_a_break_went_the_provider_replies_and_the_council_reads_it(new_page):
    w = build_world()
    council = UserFactory(name="Rita Council", email="rita@council.example.gov.uk", role=Role.COUNCIL)
    # Four other families rated the club already: with this family, enough for its page to show ratings.
    for n in range(4):
        other = UserFactory(email=f"other{n}@example.com")
        session = SessionFactory(offer=w.universal, starts_at=w.past_session.starts_at - timedelta(days=7 * (n + 1)))
        booking = Booking(session=session, child=ChildFactory(parent=other), booked_by_id=other.id,
                          group_ref=f"earlier-{n}", funding="free", attendance=Attendance.ATTENDED,
                          delivered_at=session.ends_at)
        session.places_taken = 1
        db.session.add(booking)
        db.session.flush()
        services.give(booking, by=other, rating=4, child_outcomes=["friendships"], carer_outcomes=[], comment=None)
    db.session.commit()
    past_id = w.past_session.id

    provider = new_page()
    sign_in(provider, w.provider_user)
    provider.goto(f"/provider/sessions/{past_id}/register")
    provider.get_by_role("group", name="Did Zara Khan attend?").get_by_label("Attended").check()
    provider.get_by_role("button", name="Save the register").click()
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("Register saved: 1 attended")

    family = new_page()
    sign_in(family, w.parent)
    family.goto("/bookings")
    ask = family.get_by_role("link", name=re.compile(r"^How did Splash Swimming Club go for Zara Khan on "))
    expect(ask).to_be_visible()
    assert_accessible(family, "your bookings, asking how a break went")
    ask.click()
    expect(family.get_by_role("heading", level=1)).to_have_text("How did it go for Zara?")
    assert_accessible(family, "feedback: the form")

    family.get_by_role("link", name="Use the easy-read form, with pictures").click()
    expect(family.get_by_role("group", name="How was it?")).to_be_visible()
    assert_accessible(family, "feedback: the easy-read form")
    family.get_by_role("link", name="Use the standard form").click()

    family.get_by_role("button", name="Send").click()
    expect(family.locator(".govuk-error-summary")).to_contain_text("Choose how the break went")
    assert_accessible(family, "feedback: nothing chosen")
    family.get_by_role("group", name="How did the break go?").get_by_label("Very good").check()
    family.get_by_label("Enjoyment").check()
    family.get_by_label("Trying new things").check()
    family.get_by_label("A rest").check()
    family.get_by_label("Anything else you want to say? (optional)").fill("Zara swam a whole width for the first time!")
    family.get_by_role("button", name="Send").click()
    expect(family.locator(".govuk-notification-banner")).to_contain_text("Thank you. We have passed on what you said")
    expect(family.get_by_role("link", name=re.compile(r"^How did Splash Swimming Club go"))).to_have_count(0)

    provider.goto("/provider/feedback")
    expect(provider.locator(".portal-message").first).to_contain_text("Zara swam a whole width")
    assert_accessible(provider, "provider: feedback from families")
    provider.get_by_role("link", name=re.compile(r"^Reply")).first.click()
    assert_accessible(provider, "provider: reply to feedback")
    provider.get_by_label("Your reply").fill("Thank you! She was brilliant.")
    provider.get_by_role("button", name="Publish the reply").click()
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("Your reply is saved")

    public = new_page()
    public.goto(f"/local-offer/{w.universal.id}")
    expect(public.get_by_text("Rated 4.2 out of 5 by 5 families")).to_be_visible()
    expect(public.locator(".govuk-inset-text").first).to_contain_text("Thank you! She was brilliant.")
    assert_accessible(public, "offer page with families' ratings")

    commissioner = new_page()
    sign_in(commissioner, council)
    commissioner.get_by_role("link", name="Feedback", exact=True).click()
    expect(commissioner).to_have_url(re.compile(r"/insight/feedback$"))
    table = commissioner.locator("table")
    expect(table).to_contain_text("Oakfield Play Trust")
    expect(table.locator("tbody tr").first).to_contain_text("4.2")
    expect(commissioner.locator(".govuk-summary-card")).to_contain_text("Zara swam a whole width")
    expect(commissioner.locator(".govuk-summary-card")).to_contain_text("Thank you! She was brilliant.")
    assert_accessible(commissioner, "insight: feedback by provider")
    commissioner.get_by_role("link", name="Child's area").click()
    expect(commissioner.locator("table")).to_contain_text("East")
    commissioner.get_by_role("link", name=re.compile(r"^Hide")).first.click()
    assert_accessible(commissioner, "insight: hide a comment")
    commissioner.get_by_role("button", name="Hide the comment").click()
    expect(commissioner.locator(".govuk-error-summary")).to_contain_text("Say why you are hiding this comment")
    assert_accessible(commissioner, "insight: hide a comment, no reason")
    commissioner.get_by_label("Why are you hiding this comment?").fill("Testing the moderation journey.")
    commissioner.get_by_role("button", name="Hide the comment").click()
    expect(commissioner.locator(".govuk-notification-banner")).to_contain_text("The comment is hidden")
    assert_accessible(commissioner, "insight: after hiding a comment")

    db.session.rollback()
    kept = db.session.scalar(select(Feedback).where(Feedback.comment.is_not(None)))
    assert (kept.rating, kept.child_outcomes, kept.carer_outcomes, kept.reply, kept.hidden_reason) == (
        5, ["enjoyment", "new_things"], ["rest"], "Thank you! She was brilliant.", "Testing the moderation journey.")
