"""The family journey in each of the six languages, in headless Chromium against the portal under gunicorn,
signed in with the account set to that language: search, an offer page, booking, the confirmation email,
cancelling, joining a waiting list, asking for an assessment and the money page. On every page: the page's
language and direction, no English catalog message left in it (tests/leaks.py), and zero axe-core violations.
And keyboard-only booking in Urdu as in English, with the focus visible."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_babel import gettext
from playwright.sync_api import expect

from budgets import services as money
from budgets.models import BudgetKind, financial_year
from portal.extensions import db
from portal.i18n import LANGUAGES, in_language
from portal.models import Assessment, AssessmentStatus, Role
from portal.timeutil import to_london, utcnow
from providers.models import Body, Category, PaymentRoute, Tier

from ..factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from ..leaks import english_leaks
from ..live_server import live_server
from .conftest import TIMEOUT_MS, AXE_PATH, _watch, assert_accessible, assert_no_problems
from ..conftest import TEST_PASSWORD, emails_sent, smtp_inbox
from .world import LIVE_SECRET_KEY, book, born_years_ago, days_ahead

pytestmark = pytest.mark.browser

BROWSER_LOCALES = {"en": "en-GB", "ur": "ur-PK", "pa-Arab": "pa", "bn": "bn-GB", "ar": "ar", "pl": "pl-PL"}

# The text a person reads or hears on the page, without what is shown as written (lang="en": offer titles and
# descriptions), the language switcher (each language's own name) and scripts.
VISIBLE_TEXT = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('script, style, template, .portal-languages, [lang="en"]').forEach(e => e.remove());
    const attributes = [...copy.querySelectorAll('[aria-label], [alt], [title], [placeholder]')]
        .flatMap(e => ['aria-label', 'alt', 'title', 'placeholder'].map(a => e.getAttribute(a) || ''));
    return [document.title, copy.textContent, ...attributes].join('\\n');
}"""


# --- the portal sending its mail to a local SMTP server ---------------------------------------------

@pytest.fixture(scope="module")
def inbox():
    with smtp_inbox() as box:
        yield box


@pytest.fixture(scope="module")
def mail_base_url(browser, app, database_url, inbox):
    with live_server(database_url, workers=2, SECRET_KEY=LIVE_SECRET_KEY, MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=str(inbox.port)) as url:
        yield url


@pytest.fixture
def page_in(browser, mail_base_url):
    pages = []

    def _open(code: str):
        context = browser.new_context(base_url=mail_base_url, locale=BROWSER_LOCALES[code],
                                      timezone_id="Europe/London", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(path=str(AXE_PATH))
        page = context.new_page()
        page.problems = _watch(page)
        pages.append(page)
        return page

    yield _open
    try:
        assert_no_problems(pages)
    finally:
        for page in pages:
            page.context.close()


# --- the family's world ----------------------------------------------------------------------------

def _world(code: str) -> dict:
    east = LocalityFactory(name="East", need_share=40)
    provider = ProviderFactory(name="Oakfield Play Trust")
    swimming = OfferFactory(provider=provider, title="Splash Swimming Club", tier=Tier.UNIVERSAL,
                            category=Category.SPORT, min_age=5, max_age=11, locality=east, needs=["autism"],
                            summary="Swimming with trained staff and a quiet changing room.")
    overnight = OfferFactory(provider=provider, title="Oak House Overnight Breaks", tier=Tier.SPECIALIST,
                             category=Category.OVERNIGHT, min_age=5, max_age=17, locality=east,
                             price_pence=4500, payment_route=PaymentRoute.PERSONAL_BUDGET)
    open_session = SessionFactory(offer=swimming, starts_at=days_ahead(7), capacity=10)
    full_session = SessionFactory(offer=swimming, starts_at=days_ahead(8), capacity=1)
    SessionFactory(offer=overnight, starts_at=days_ahead(9), capacity=2)
    other = UserFactory(name="Ben Smith", email=f"ben-{code}@example.com")
    book(other, full_session, [ChildFactory(parent=other, first_name="Lily", date_of_birth=born_years_ago(8),
                                           locality=east)])

    family = UserFactory(name="Amira Khan", email=f"amira-{code}@example.com", language=code)
    zara = ChildFactory(parent=family, first_name="Zara", last_name="Khan", date_of_birth=born_years_ago(9),
                        locality=east)
    omar = ChildFactory(parent=family, first_name="Omar", last_name="Khan", date_of_birth=born_years_ago(7),
                        locality=east)
    trust = UserFactory(role=Role.TRUST)
    today = to_london(utcnow()).date()
    money.set_envelope(Body.TRUST, financial_year(today), 500_000_00, by=trust, reason="Trust budget")
    db.session.add(Assessment(child=zara, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                              recorded_by_id=trust.id))
    db.session.flush()
    money.allocate_budget(zara, kind=BudgetKind.MANAGED, amount_pence=120_000, starts_on=today,
                          ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                          reasons="Panel agreed", by=trust)
    db.session.commit()
    return {"family": family, "zara": zara, "omar": omar, "swimming": swimming, "overnight": overnight,
            "open": open_session, "full": full_session}


def _check(page, code: str, where: str) -> None:
    """The page is in this language and direction, has no English catalog message left, and passes axe."""
    page.wait_for_load_state("load")
    language = LANGUAGES[code]
    html = page.locator("html")
    expect(html).to_have_attribute("lang", code)
    expect(html).to_have_attribute("dir", language.direction)
    leaks = english_leaks(page.evaluate(VISIBLE_TEXT), code)
    assert not leaks, f"English left on {where} in {code} ({page.url}): {leaks}"
    assert_accessible(page, f"{where} in {code}")


def _click(locator) -> None:
    """Click a link where a person would, in the middle of its visible words. (Playwright's own click aims at
    the first box of the element, which for a right-to-left link is its visually hidden text.)"""
    locator.scroll_into_view_if_needed()
    # The middle of the link's widest line box (a link may wrap onto two lines).
    x, y = locator.evaluate("""e => { const r = [...e.getClientRects()].sort((a, b) => b.width - a.width)[0];
                                      return [r.x + r.width / 2, r.y + r.height / 2]; }""")
    hit = locator.page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('a')?.getAttribute('href')", [x, y])
    assert hit == locator.get_attribute("href"), f"the middle of the link is covered: {hit}"
    with locator.page.expect_navigation():
        locator.page.mouse.click(x, y)


def _sign_in(page, user) -> None:
    """Through the sign-in page, in whatever language the browser asks for."""
    page.goto("/sign-in")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert "/sign-in" not in page.url, f"could not sign in as {user.email}"


def _choose_and_send(page, child) -> None:
    """Tick the child on a booking or waiting-list form, send it, and land on "Your bookings" with a message."""
    page.locator(f'input[name=children][value="{child.id}"]').check()
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    expect(page.locator(".govuk-notification-banner")).to_be_visible()


def _t(app, code: str, message: str, **values) -> str:
    with app.test_request_context(), in_language(code):
        return gettext(message, **values)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_family_journey_in_each_language(app, code, page_in, inbox):
    world = _world(code)
    family = world["family"]
    page = page_in(code)
    _sign_in(page, family)

    # Search the local offer.
    page.goto("/")
    _check(page, code, "home")
    page.locator(".govuk-service-navigation").get_by_role("link", name=_t(app, code, "Find a short break")).click()
    page.locator("input[name=q]").fill("swimming")
    page.locator("form", has=page.locator("input[name=q]")).locator("button[type=submit]").first.click()
    expect(page.get_by_role("link", name="Splash Swimming Club")).to_be_visible()
    _check(page, code, "search results")

    # The offer page, then book a place for Zara.
    page.get_by_role("link", name="Splash Swimming Club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Splash Swimming Club")
    _check(page, code, "offer page")
    _click(page.locator(f'a[href="/sessions/{world["open"].id}/book"]'))
    _check(page, code, "book a place")
    _choose_and_send(page, world["zara"])
    _check(page, code, "your bookings, after booking")

    # The confirmation email is in the family's language (sent by the server's job worker a moment later).
    assert emails_sent()
    mails = inbox.to(family.email)
    assert len(mails) == 1, [m["Subject"] for m in inbox.messages]
    body = mails[0].get_body(("plain",)).get_content()
    # With the booking as a calendar file to open.
    assert [part.get_content_type() for part in mails[0].iter_attachments()] == ["text/calendar"]
    assert _t(app, code, "Booking confirmed: %(title)s", title="Splash Swimming Club") == mails[0]["Subject"]
    leaks = english_leaks(mails[0]["Subject"] + "\n" + body.replace("Splash Swimming Club", ""), code)
    assert not leaks, f"English left in the confirmation email in {code}: {leaks}"

    # Cancel it.
    _click(page.locator('a[href$="/cancel"]').first)
    _check(page, code, "cancel a booking")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    _check(page, code, "your bookings, after cancelling")

    # The other session is full: join its waiting list.
    page.goto(f"/local-offer/{world['swimming'].id}")
    _click(page.locator(f'a[href="/sessions/{world["full"].id}/waiting-list"]'))
    _check(page, code, "join the waiting list")
    _choose_and_send(page, world["zara"])
    _check(page, code, "your bookings, waiting")

    # Ask for an assessment for Omar, for the specialist break.
    page.goto(f"/local-offer/{world['overnight'].id}")
    _check(page, code, "specialist offer page")
    _click(page.locator(f'a[href="/local-offer/{world["overnight"].id}/ask-for-assessment"]'))
    _check(page, code, "ask for an assessment")
    page.locator(f'input[value="{world["omar"].id}"]').check()
    page.locator("textarea").fill("Omar needs nights away.")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    _check(page, code, "after asking for an assessment")

    # The money page: Zara's budget.
    page.locator(".govuk-service-navigation").get_by_role("link", name=_t(app, code, "Budgets and payments")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check(page, code, "budgets and payments")


def _tab_to(page, target, what: str, *, presses: int) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {what}")


def _focus_is_visible(page) -> bool:
    """GOV.UK's focus style: a yellow background or a thick box shadow/outline on the focused element."""
    return page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        const label = e.labels && e.labels[0] ? getComputedStyle(e.labels[0], '::before') : null;
        return s.outlineStyle !== 'none' && s.outlineWidth !== '0px' || s.boxShadow !== 'none'
            || s.backgroundColor === 'rgb(255, 221, 0)'
            || (label && (label.boxShadow !== 'none' || label.outlineStyle !== 'none'));
    }""")


@pytest.mark.parametrize("code", ["en", "ur"])
def test_booking_with_the_keyboard_alone_with_the_focus_visible(app, code, page_in):
    world = _world(code)
    page = page_in(code)
    _sign_in(page, world["family"])
    page.goto(f"/sessions/{world['open'].id}/book")
    _check(page, code, "book a place")
    zara = page.locator(f'input[name=children][value="{world["zara"].id}"]')
    _tab_to(page, zara, "the child's checkbox", presses=60)  # from the top of the page
    assert _focus_is_visible(page), "no visible focus on the checkbox"
    page.keyboard.press("Space")
    expect(zara).to_be_checked()
    _tab_to(page, page.locator("main form button[type=submit]").last, "the booking button", presses=30)
    assert _focus_is_visible(page), "no visible focus on the button"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bookings$"))
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    _check(page, code, "your bookings, booked with the keyboard")
