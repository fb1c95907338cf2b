"""Two-step sign-in and the administrators' people pages, walked through in a real browser as people use them,
with axe-core on every page and every error state along the way."""
from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from portal.models import Role

from ..conftest import TEST_PASSWORD, fresh_code
from ..factories import UserFactory
from .cases import expect_error_summary
from .conftest import assert_accessible, assert_no_problems
from .world import sign_in

pytestmark = pytest.mark.browser


def _password(page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def _code(page, code: str, button: str = "Continue") -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_setting_up_and_using_two_step_sign_in(app, page):
    council = UserFactory(role=Role.COUNCIL, totp_secret=None, email="sam.council@example.gov.uk")
    _password(page, council)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    assert_accessible(page, "two-step set-up")
    _code(page, "123")
    expect_error_summary(page, "The code is not right")
    assert_accessible(page, "two-step set-up, wrong code")
    secret = page.locator(".portal-secret-key").inner_text().replace(" ", "")
    _code(page, pyotp.TOTP(secret).now())
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    assert page.locator(".portal-recovery-codes li").count() == 10
    assert_accessible(page, "recovery codes")
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my recovery codes").click()
    page.goto("/account")
    expect(page.get_by_text("You have 10 recovery codes left.")).to_be_visible()
    assert_accessible(page, "account with two-step sign-in")
    page.get_by_role("link", name="Make new recovery codes").click()
    assert_accessible(page, "make new recovery codes")
    _code(page, "000000" if fresh_code(council) != "000000" else "111111", button="Make new recovery codes")
    expect_error_summary(page, "The code is not right")
    assert_accessible(page, "make new recovery codes, wrong code")
    page.goto("/two-step/turn-off")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in cannot be turned off")
    assert_accessible(page, "staff cannot turn it off")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    _password(page, council)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    assert_accessible(page, "enter your security code")
    _code(page, "12")
    expect_error_summary(page, "The code is not right")
    assert_accessible(page, "enter your security code, wrong code")
    _code(page, fresh_code(council))
    assert "/sign-in" not in page.url
    assert_no_problems([page])


def test_a_family_turns_it_off(app, page):
    parent = UserFactory(role=Role.PARENT_CARER, totp_secret=pyotp.random_base32())
    sign_in(page, parent)
    page.goto("/two-step/turn-off")
    assert_accessible(page, "turn off two-step sign-in")
    _code(page, fresh_code(parent), button="Turn off two-step sign-in")
    expect(page.get_by_text("Two-step sign-in is off")).to_be_visible()
    assert_accessible(page, "account without two-step sign-in")
    assert_no_problems([page])


def test_the_people_pages(app, page):
    admin = UserFactory(role=Role.ADMIN, name="Alex Admin")
    UserFactory(role=Role.TRUST, name="Tamsin Trust", email="tamsin@trust.example")
    for n in range(25):
        UserFactory(email=f"family{n:02}@example.com")
    sign_in(page, admin)
    page.goto("/admin/people")
    expect(page.get_by_role("navigation", name="Pages")).to_be_visible()
    assert_accessible(page, "people")
    page.get_by_label("Search by name or email address").fill("nobody-like-this")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nobody's name or email address contains")).to_be_visible()
    assert_accessible(page, "people, nobody found")
    page.goto("/admin/people?q=tamsin")
    page.get_by_role("link", name="Tamsin Trust").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tamsin Trust")
    assert_accessible(page, "a person")
    page.get_by_role("link", name="Reset two-step sign-in for Tamsin Trust").click()
    assert_accessible(page, "reset two-step sign-in")
    with page.expect_navigation():
        page.get_by_role("button", name="Reset two-step sign-in for Tamsin Trust").click()
    expect_error_summary(page, "Say why you are doing this")
    assert_accessible(page, "reset two-step sign-in, no reason")
    page.get_by_label("Why are you doing this?").fill("Lost phone; rang them back on the directory number")
    with page.expect_navigation():
        page.get_by_role("button", name="Reset two-step sign-in for Tamsin Trust").click()
    expect(page.get_by_text("Two-step sign-in has been reset for Tamsin Trust")).to_be_visible()
    assert_accessible(page, "a person, after the reset")
    page.get_by_role("link", name="Sign Tamsin Trust out everywhere").click()
    assert_accessible(page, "sign out everywhere")
    assert_no_problems([page])


def test_a_confirmation_link_that_does_not_work(app, page):
    response = page.goto("/confirm-email/not-a-real-link")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(page, "confirmation link that does not work")
    assert_no_problems([page])


def test_the_emails_and_tasks_page(app, page):
    """The administrators' page of emails not sent and of the scheduled tasks: a failed email sent again."""
    from portal.extensions import db
    from portal.notify import EmailStatus, OutboxEmail
    from portal.timeutil import utcnow

    admin = UserFactory(role=Role.ADMIN, name="Alex Admin")
    db.session.add_all([
        OutboxEmail(to_address="failed@example.com", language="en", subject="Booking confirmed: Swim Club",
                    body="Words.", attachments=[], status=EmailStatus.FAILED, attempts=6,
                    last_error="SMTPDataError: (451, b'try again later')"),
        OutboxEmail(to_address="waiting@example.com", language="en", subject="Your place on the waiting list",
                    body="Words.", attachments=[], status=EmailStatus.WAITING, attempts=2, next_attempt_at=utcnow(),
                    last_error="ConnectionRefusedError: [Errno 111] Connection refused")])
    db.session.commit()
    sign_in(page, admin)
    page.goto("/admin/emails")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails and scheduled tasks")
    expect(page.get_by_role("cell", name="failed@example.com", exact=True)).to_be_visible()
    assert_accessible(page, "emails and scheduled tasks")
    with page.expect_navigation():
        page.get_by_role("button", name="Send again the email to failed@example.com").click()
    expect(page.get_by_text("The email to failed@example.com will be sent again now.")).to_be_visible()
    assert_accessible(page, "emails and scheduled tasks, after sending one again")
    assert_no_problems([page])
