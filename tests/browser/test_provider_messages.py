"""A provider messages the families booked on a session, in headless Chromium against the portal under gunicorn,
with axe-core on every page: the empty message refused, the message sent, and the family reading it with their
booking."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from providers.models import SessionMessage

from .conftest import assert_accessible
from .world import build_world, sign_in

pytestmark = pytest.mark.browser


def test_a_provider_messages_its_families_and_the_family_reads_it_with_the_booking(new_page):
    w = build_world()
    session_id = w.open_session.id
    provider = new_page()
    sign_in(provider, w.provider_user)
    provider.goto(f"/provider/offers/{w.open_session.offer_id}/sessions")
    links = provider.get_by_role("link", name=re.compile(r"^Message families booked on "))
    expect(links.first).to_be_visible()
    links.and_(provider.locator(f'[href$="/provider/sessions/{session_id}/message"]')).click()
    expect(provider).to_have_url(re.compile(rf"/provider/sessions/{session_id}/message$"))
    expect(provider.get_by_role("heading", level=1)).to_have_text("Message the families booked on this session")
    assert_accessible(provider, "message families: the form")

    provider.get_by_role("button", name="Send the message").click()
    expect(provider.locator(".govuk-error-summary")).to_contain_text("Write the message to send to families")
    assert_accessible(provider, "message families: nothing written")

    provider.get_by_label("Your message").fill("Please bring swimwear and a towel.\nWe meet at the side door.")
    provider.get_by_role("button", name="Send the message").click()
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("Message sent: we have emailed")
    expect(provider.locator(".portal-message").first).to_contain_text("Please bring swimwear and a towel.")
    assert_accessible(provider, "message families: sent")

    family = new_page()
    sign_in(family, w.parent)
    family.goto("/bookings")
    messages = family.locator("#messages ~ .govuk-inset-text")
    expect(messages.first).to_contain_text("Please bring swimwear and a towel.")
    expect(messages.first).to_contain_text("From Oakfield Play Trust")
    assert_accessible(family, "your bookings, with a message from the provider")

    db.session.rollback()
    kept = db.session.scalars(select(SessionMessage)).all()
    assert [(m.session_id, m.sent_by_id) for m in kept] == [(session_id, w.provider_user.id)]
