"""Forms that take a while say what they are doing: pressing the button fills a status region (announced by
screen readers) with the form's message, while the request runs. The page's own submit is held back here so
the message can be read before the next page replaces it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from portal.timeutil import utcnow
from statements import services

from ..factories import ProviderFactory, ServiceContactsFactory, UserFactory
from .world import quick_sign_in

pytestmark = pytest.mark.browser

HOLD_SUBMIT = "document.addEventListener('submit', (event) => event.preventDefault())"


def _press_and_read_status(page, path: str, button: str):
    page.goto(path)
    status = page.locator("form [role=status]")
    expect(status).to_have_text("")
    page.evaluate(HOLD_SUBMIT)
    page.get_by_role("button", name=button).click()
    return status


def test_uploading_sessions_says_every_line_is_being_checked(app, page):
    provider_user = UserFactory(role=Role.PROVIDER, provider=ProviderFactory(), is_provider_admin=True)
    quick_sign_in(page, provider_user)
    status = _press_and_read_status(page, "/provider/sessions/upload", "Check the file")
    expect(status).to_have_text("Checking every line of your file. A file of 5,000 sessions takes a few seconds.")


def test_publishing_the_statement_says_the_pdfs_are_being_made(app, page):
    ServiceContactsFactory()
    council = UserFactory(role=Role.COUNCIL)
    statement = services.start_draft(by=council)
    for key in services.SECTION_TITLES:
        services.save_section(statement, key, "en", f"About {key}.", by=council)
    services.update_details(statement, title="Short Breaks Statement", review_on=utcnow().date() + timedelta(days=90),
                            written_by="Sam Patel", approved_by="Cabinet", approved_on=utcnow().date(), by=council)
    services.open_consultation(statement, by=council)
    db.session.commit()
    quick_sign_in(page, council)
    status = _press_and_read_status(page, f"/commissioning/statement/{statement.id}/publish",
                                    f"Publish version {statement.version}")
    expect(status).to_have_text("Making the PDFs in every language. This can take a few minutes: "
                                "keep this page open.")
