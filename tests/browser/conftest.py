"""Browser tests: the real portal under gunicorn, driven by Debian's headless Chromium through Playwright,
with axe-core (tests/browser/vendor/axe.min.js) checking pages against WCAG 2.0, 2.1 and 2.2 A and AA.

* ``base_url``: one live server (tests/live_server.py) for the whole browser group, against the test
  database the ``app`` fixture migrated (SQLite, or PostgreSQL with TEST_DATABASE_URL).
* ``browser``: Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium). Missing: a skip on a laptop,
  a failure when CI is set.
* ``page`` / ``new_page``: pages in fresh browser contexts, which fail the test on JavaScript errors or
  failed resources.
* ``assert_accessible(page)``: axe with zero violations, each printed with its rule, help and elements.

Tables are emptied after each test (the autouse cleanup, overridden below only for the read-only world
shared by test_accessibility.py), so tests make their data with the factories (see world.py).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ..conftest import empty_tables
from ..live_server import live_server
from .world import LIVE_SECRET_KEY

HERE = Path(__file__).resolve().parent
AXE_PATH = HERE / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generous, so that a busy machine (a laptop compiling, a shared CI runner) slows the tests but does not fail them.
TIMEOUT_MS = 30_000
EXPECT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    # Belt and braces: everything in this folder drives a browser (the modules also set pytestmark).
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    """No browser: a hard failure on CI (the checks must run there), a clear skip on a laptop."""
    if os.environ.get("CI"):
        pytest.fail(f"Browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = shutil.which(CHROMIUM_PATH) or (CHROMIUM_PATH if os.access(CHROMIUM_PATH, os.X_OK) else None)
    if not found:
        _unavailable(f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) "
                     "or set CHROMIUM_PATH")
    return found


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the Python playwright package is not installed: pip install -e '.[test]'")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    try:
        browser = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001  (Playwright raises its own Error type)
        _unavailable(f"Chromium at {chromium_path} would not start ({exc}): install Debian's chromium")
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def base_url(browser, app, database_url):
    """The portal under gunicorn, started once for the whole browser group, after ``app`` has migrated
    (and only once there is a browser to drive it)."""
    with live_server(database_url, workers=2, SECRET_KEY=LIVE_SECRET_KEY) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Overrides the autouse cleanup in tests/conftest.py for this folder: the same emptying of every table
    after each test, except for tests that read the ``shared_world`` of test_accessibility.py, which is built
    once for that module (its pages only read it) and emptied when the module ends."""
    yield
    if "app" in request.fixturenames and "shared_world" not in request.fixturenames:
        empty_tables()


class BrowserProblems(list):
    """JavaScript errors, failed page resources (scripts, styles, fonts) and anything the Content-Security-Policy
    refused, seen by a page."""


def _watch(page) -> BrowserProblems:
    problems = BrowserProblems()
    page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.request.resource_type} {response.url} (on {page.url})")

    page.on("response", on_response)

    def on_request_failed(request):
        # A navigation cancels requests still in flight (the favicon, say): that is not a fault of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"request failed: {request.url} ({request.failure}) (on {page.url})")

    page.on("requestfailed", on_request_failed)

    def on_console(message):
        # Chromium reports each refusal ("Refused to apply inline style because it violates ...") on the console.
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"{message.text} (on {page.url})")

    page.on("console", on_console)
    return problems


def open_page(browser, base_url: str):
    """A page in a new browser context of its own (its own cookies), watched for JavaScript errors and
    failed resources (``page.problems``), with axe-core loaded into every document it opens."""
    context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Europe/London",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    # Cheaper than sending axe-core to each page when it is checked.
    context.add_init_script(path=str(AXE_PATH))
    page = context.new_page()
    page.problems = _watch(page)
    return page


def assert_no_problems(pages) -> None:
    """No JavaScript errors or failed resources on these pages."""
    problems = [p for page in pages for p in page.problems]
    assert not problems, "The browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def new_page(browser, base_url):
    """Open pages in new, separate browser contexts, closed after the test."""
    pages = []

    def _new_page():
        pages.append(open_page(browser, base_url))
        return pages[-1]

    yield _new_page
    try:
        assert_no_problems(pages)
    finally:
        for page in pages:
            page.context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- axe ------------------------------------------------------------------------------------------

_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
    return _AXE_SOURCE


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's debugging protocol: the portal's Content-Security-Policy allows no inline
        # script but the portal's own, by its hash (so a <script> tag added to the page would be refused, as it should be).
        page.evaluate(_axe_source() + "\n;undefined")
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                     resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))
            }));
        }""",
        AXE_TAGS,
    )
    return results


def format_violations(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    target: {json.dumps(node['target'])}")
            lines.append(f"      html: {node['html'][:300]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page, label: str | None = None) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA rules) on the page as it is now: zero violations."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    if violations:
        where = f"{label} ({page.url})" if label else page.url
        report = format_violations(violations, where)
        print(report)
        pytest.fail(report, pytrace=False)
