"""Forms that take a while say what they are doing (publishing the statement no longer does: it is a job with a
progress page, tests/browser/test_statement_accessibility.py): pressing the button fills a status region (announced by
screen readers) with the form's message, while the request runs. The page's own submit is held back here so
the message can be read before the next page replaces it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import Role

from ..factories import ProviderFactory, UserFactory
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
