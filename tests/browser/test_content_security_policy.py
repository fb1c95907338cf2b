"""The Content-Security-Policy in a real browser: the portal's own inline script (allowed by its hash)
runs, and anything injected into a page (a style attribute, an inline script) is refused. Every other browser
test fails on any refusal the policy reports (tests/browser/conftest.py), so no page of the portal relies on
'unsafe-inline'."""
from __future__ import annotations

from playwright.sync_api import expect


def test_the_portals_own_inline_script_runs_and_injected_code_is_refused(page):
    page.goto("/")
    # GOV.UK's inline line, allowed by its hash, marks the page as having JavaScript.
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    page.evaluate("""() => {
        document.querySelector("main").insertAdjacentHTML("beforeend", '<p id="injected" style="color: red">x</p>');
        const script = document.createElement("script");
        script.textContent = "window.injectedScriptRan = true";
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injectedScriptRan === undefined")
    assert page.evaluate("() => getComputedStyle(document.getElementById('injected')).color") != "rgb(255, 0, 0)"
    refused = [problem for problem in page.problems if "Content Security Policy" in problem]
    assert any("inline script" in problem for problem in refused), refused
    assert any("inline style" in problem for problem in refused), refused
    page.problems.clear()  # seen and expected here
