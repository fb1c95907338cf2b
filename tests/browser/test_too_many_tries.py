"""The page a person sees over a rate limit (429), in a real browser on a server with limits on: it says what
happened and what to do, carries Retry-After, and has no accessibility violations (axe)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..live_server import live_server
from .conftest import assert_accessible
from .world import LIVE_SECRET_KEY


@pytest.fixture(scope="module")
def limited_server(browser, app, database_url):
    """A second live server with rate limits on (the main one has them off: tests sign in hundreds of times)."""
    with live_server(database_url, workers=1, threads=2, SECRET_KEY=LIVE_SECRET_KEY, RATELIMIT_ENABLED="1") as url:
        yield url


def test_too_many_sign_in_tries_show_a_plain_accessible_page(page, limited_server):
    answers = []
    for _ in range(6):  # five tries a minute for one account
        page.goto(limited_server + "/sign-in")
        page.get_by_label("Email address").fill("someone.guessing@example.com")
        page.get_by_label("Password", exact=True).fill("not the password")
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.get_by_role("button", name="Sign in").click()
        answers.append(posted.value)
    assert [answer.status for answer in answers] == [422] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many tries")
    expect(page.get_by_text("Wait a few minutes, then try again.")).to_be_visible()
    assert_accessible(page, "too many tries (429)")
