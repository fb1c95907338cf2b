"""What the axe-core modules (test_*accessibility.py) share: a ``Case`` (one page state, checked as one role),
the ``go`` and ``submit`` visits that most cases are made of, the checks of a page's answer (status, heading,
error summary), the ``page_as`` fixture (one signed-in page per role) and the test parameters.

Each module keeps its own world, its own fill functions and its own page-specific visits."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_problems, open_page
from .world import quick_sign_in


@dataclass(frozen=True)
class Case:
    id: str
    role: str  # anonymous, or a role the module's page_as signs in as (see page_as_fixture)
    visit: Callable  # (page, world) -> None; leaves the page in the state to check
    stage: str | None = None  # how far the world must be built, in modules whose world moves on in stages


def _path(path: Callable | str, w) -> str:
    return path(w) if callable(path) else path


def expect_heading(page, text: str | None) -> None:
    if text is not None:
        expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def expect_status(page, response, status: int) -> None:
    assert response.status == status, f"{page.url} answered {response.status}, expected {status}"


def expect_error_summary(page, error: str | None = None) -> None:
    """GOV.UK Frontend's JavaScript moves focus to the error summary, and (the GOV.UK pattern) the page title
    starts "Error:" when the page shows one; with ``error``, the summary says it."""
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    if error:
        expect(page.locator(".govuk-error-summary")).to_contain_text(error)


def expect_answer(page, response, status: int, error: str | None = None) -> None:
    """The answer to a form: its status; an error state (a focused error summary) when it is 400 or more; and,
    with ``error``, that text in the error summary."""
    expect_status(page, response, status)
    if status >= 400:
        expect_error_summary(page, error)
    elif error:
        expect(page.locator(".govuk-error-summary")).to_contain_text(error)


def visible(text: str) -> Callable:
    """For ``go(shows=...)``: an element with this text is visible (anywhere on the page)."""
    return lambda page: expect(page.get_by_text(text).first).to_be_visible()


def go(path: Callable | str, *, status: int = 200, heading: str | None = None, error: str | None = None,
       shows: Callable | str | None = None):
    """Open a page (``path``, or a function of the world giving it) and check its status and heading. With
    ``error``, the page must show that error in a focused error summary; ``shows`` checks that the page is in the
    state the case is about: text in its main content, or a function of the page (see ``visible``)."""
    def visit(page, w):
        expect_status(page, page.goto(_path(path, w)), status)
        if error:
            expect_error_summary(page, error)
        expect_heading(page, heading)
        if isinstance(shows, str):
            expect(page.locator("main")).to_contain_text(shows)
        elif shows:
            shows(page)
    return visit


def submit(path: Callable | str, button: str, *, status: int, fill=None, heading: str | None = None,
           error: str | None = None, then: str | None = None):
    """Open a form, optionally fill it in (``fill(page, world)``), press its button (and, with ``then``, the check
    page's button) and check the answer (usually an error state, see ``expect_answer``)."""
    def visit(page, w):
        page.goto(_path(path, w))
        if fill:
            fill(page, w)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name=button, exact=True).click()
        if then:
            assert navigation.value.status == 200, f"{page.url} answered {navigation.value.status}"
            with page.expect_navigation() as navigation:
                page.get_by_role("button", name=then, exact=True).click()
        expect_answer(page, navigation.value, status, error)
        expect_heading(page, heading)
    return visit


def fill_date(page, legend: str, day: date) -> None:
    """A GOV.UK date input (Day, Month, Year) inside the fieldset with this legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def filters_through_the_form(page, w):
    """Every kind of filter on the local offer, chosen through the form: the world has one offer that
    matches (a free universal swimming club in East, for autism, with step-free access)."""
    page.goto("/local-offer")
    page.get_by_label("Search by keyword").fill("swimming")
    page.get_by_label("Universal: open to all").check()
    page.get_by_label("Autism").check()
    page.get_by_role("group", name="Area").get_by_label("East").check()
    page.get_by_label("Step-free access").check()
    page.get_by_label("Free", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("1 short break found")
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()


# --- the tests ------------------------------------------------------------------------------------

def page_as_fixture(user: Callable = lambda world, role: getattr(world, role),
                    key: Callable = lambda world, role: role):
    """A module-scoped ``page_as`` fixture: ``page_as(role)`` is one page per role, signed in once (as
    ``user(shared_world, role)``; "anonymous" is not signed in) and reused by that role's cases (a browser context
    costs more than the check itself). Nothing a case does changes who is signed in or leaves a message for the
    next. A page is kept under ``key(shared_world, role)``: a new key opens (and signs in) a new page."""
    @pytest.fixture(scope="module")
    def page_as(browser, base_url, shared_world):
        pages = {}

        def _page_as(role: str):
            k = key(shared_world, role)
            if k not in pages:
                page = open_page(browser, base_url)
                if role != "anonymous":
                    quick_sign_in(page, user(shared_world, role))
                pages[k] = page
            pages[k].problems.clear()
            # A case that opened a page with ?lang= chose that language for the session (and the account): the next
            # case starts in English again, as its expectations are written.
            pages[k].context.request.get("/healthz?lang=en")
            return pages[k]

        yield _page_as
        for page in pages.values():
            page.context.close()
    return page_as


def params(cases: list[Case], known_failures: dict[str, str] | None = None) -> list:
    """The cases as test parameters named by their ids; a case in ``known_failures`` (id -> reason: a page with a
    known violation or bug) is expected to fail until the page is fixed."""
    known_failures = known_failures or {}
    return [pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=known_failures[case.id])]
                         if case.id in known_failures else []) for case in cases]


def check(case: Case, world, page_as) -> None:
    """Visit the case's page as its role and check it with axe-core, and that the browser saw no problems."""
    page = page_as(case.role)
    case.visit(page, world)
    assert_accessible(page, case.id)
    assert_no_problems([page])
