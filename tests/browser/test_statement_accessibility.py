"""axe-core finds no WCAG 2.2 AA violations on any page of the Short Breaks Statement, for each role that can see
it: the public statement, its versions and what changed (anonymous visitors and parent carers), the consultation
(closed, open, and its comment form with an error), and every page commissioners write it on (council and trust
staff), in each state a version goes through and with their error states. Then one journey through the whole
life of a version, checked page by page.

The world is built in stages (nothing yet; two published versions and a draft; the draft out for consultation),
because a version is a draft or out for consultation, never both: each case names the stage it needs, and the
cases are listed in stage order so the world is built once and only moves forward."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User
from portal.timeutil import utcnow
from providers.models import Category, PaymentRoute, Tier
from statements import services
from statements.document import SECTIONS
from statements.models import Statement

from ..conftest import empty_tables
from ..factories import LocalityFactory, OfferFactory, ProviderFactory, ServiceContactsFactory, UserFactory
from .cases import Case, check, fill_date, go, page_as_fixture, params, submit, visible
from .conftest import assert_accessible
from .world import sign_in

pytestmark = pytest.mark.browser

STAGES = ("nothing", "draft", "consultation")
URDU_TITLE = "مختصر وقفوں کا بیان"
URDU_INTRODUCTION = "یہ بیان معذور بچوں اور ان کے خاندانوں کے لیے مختصر وقفوں کے بارے میں ہے۔"
POLISH_TITLE = "Informacja o krótkich przerwach w opiece"
POLISH_INTRODUCTION = "Ten dokument opisuje krótkie przerwy w opiece dla dzieci z niepełnosprawnościami."


def section_text(key: str, version: int) -> str:
    return f"Version {version} says this about {key.replace('_', ' ')}."


# --- the world ------------------------------------------------------------------------------------

@dataclass
class StatementWorld:
    """Plain values (ids, emails), not model objects, so nothing here goes stale when the world moves on."""

    stage: str | None = None
    generation: int = 0  # goes up each time the world is built again from nothing (people signed in again)
    people: dict[str, str] = field(default_factory=dict)  # role -> email
    first: int = 0  # the ids of versions 1 and 2 (published) and 3 (draft, then out for consultation)
    second: int = 0
    working: int = 0
    comment_waiting: int = 0
    comment_replied: int = 0

    def at(self, stage: str) -> StatementWorld:
        """The world at ``stage``: built forward from where it is, or again from nothing if it has gone past."""
        try:
            if self.stage is None or STAGES.index(self.stage) > STAGES.index(stage):
                empty_tables()
                self.generation += 1
                self._nothing()
                self.stage = "nothing"
            while STAGES.index(self.stage) < STAGES.index(stage):
                following = STAGES[STAGES.index(self.stage) + 1]
                getattr(self, f"_{following}")()
                self.stage = following
        except BaseException:
            self.stage = None  # half built: the next case starts again from nothing
            raise
        finally:
            db.session.remove()
        return self

    def user(self, role: str) -> User:
        return db.session.scalar(select(User).filter_by(email=self.people[role]))

    def _nothing(self) -> None:
        """The people, and a local offer for the range; no version of the statement yet."""
        self.people = {
            "council": UserFactory(name="Nadia Hussain", email="nadia@council.example.gov.uk", role=Role.COUNCIL).email,
            "trust": UserFactory(name="Ade Okafor", email="ade@trust.example.org", role=Role.TRUST).email,
            "parent": UserFactory(name="Amira Khan", email="amira@example.com").email,
        }
        east, north = LocalityFactory(name="East"), LocalityFactory(name="North")
        provider = ProviderFactory(name="Oakfield Play Trust")
        OfferFactory(provider=provider, title="Splash Swimming Club", locality=east, category=Category.SPORT)
        OfferFactory(provider=provider, title="Tuesday Youth Club", locality=north, tier=Tier.TARGETED,
                     category=Category.YOUTH_CLUB, min_age=8, max_age=18, payment_route=PaymentRoute.COUNCIL_FUNDED)
        OfferFactory(provider=provider, title="Oak House Overnight Breaks", locality=east, tier=Tier.SPECIALIST,
                     category=Category.OVERNIGHT, price_pence=4500, payment_route=PaymentRoute.PERSONAL_BUDGET)
        db.session.commit()

    def _draft(self) -> None:
        """Version 1 (consulted on, in three languages) and version 2 published; version 3 a draft from version 2,
        with two sections cleared and its review date and approval not set yet."""
        council, trust, parent = self.user("council"), self.user("trust"), self.user("parent")
        today = utcnow().date()
        ServiceContactsFactory()  # the contacts the statement gives families: needed to publish

        first = services.start_draft(by=council)
        for spec in SECTIONS:
            services.save_section(first, spec.key, "en", section_text(spec.key, 1), by=council)
        services.save_section(first, "introduction", "ur", URDU_INTRODUCTION, by=council)
        services.save_section(first, "introduction", "pl", POLISH_INTRODUCTION, by=council)
        services.save_section(first, services.TITLE_KEY, "ur", URDU_TITLE, by=council)
        services.save_section(first, services.TITLE_KEY, "pl", POLISH_TITLE, by=council)
        services.update_details(first, title="Short Breaks Statement", review_on=today + timedelta(days=200),
                                written_by="Nadia Hussain, short breaks commissioner",
                                approved_by="Cabinet Member for Children", approved_on=today - timedelta(days=3),
                                by=council)
        services.open_consultation(first, by=council)
        comment = services.add_comment(first, body="Please say more about weekend breaks.", section_key="how_to_get",
                                       by=parent)
        services.reply_to_comment(comment, reply="We have added the weekend clubs to the section.", by=trust)
        db.session.commit()  # publish reads the version again under its lock: what was written must be saved
        services.publish(first, by=council)
        db.session.commit()

        OfferFactory(provider=ProviderFactory(name="Riverside Play Project"), title="Holiday Play Scheme",
                     tier=Tier.TARGETED, category=Category.HOLIDAY, price_pence=900,
                     payment_route=PaymentRoute.PAY_PROVIDER)
        second = services.start_draft(by=trust)
        services.save_section(second, "introduction", "en", section_text("introduction", 2), by=trust)
        services.save_section(second, "budgets", "en", "Personal budgets are agreed by the resource panel.", by=trust)
        services.update_details(second, title="Short Breaks Statement", review_on=today + timedelta(days=365),
                                written_by=second.written_by, approved_by="Cabinet Member for Children",
                                approved_on=today - timedelta(days=1), by=trust)
        services.open_consultation(second, by=trust)
        db.session.commit()
        services.publish(second, by=trust)
        db.session.commit()

        working = services.start_draft(by=council)
        services.save_section(working, "eligibility_targeted", "en", "", by=council)
        services.save_section(working, "consultation", "en", "", by=council)
        db.session.commit()
        self.first, self.second, self.working = first.id, second.id, working.id

    def _consultation(self) -> None:
        """Version 3 complete and out for consultation, with a comment replied to and one waiting."""
        council, trust, parent = self.user("council"), self.user("trust"), self.user("parent")
        working = db.session.get(Statement, self.working)
        today = utcnow().date()
        services.save_section(working, "eligibility_targeted", "en", section_text("eligibility_targeted", 3), by=trust)
        services.save_section(working, "consultation", "en", section_text("consultation", 3), by=council)
        services.update_details(working, title=working.title, review_on=today + timedelta(days=300),
                                written_by=working.written_by, approved_by="Cabinet Member for Children",
                                approved_on=today, by=council)
        services.open_consultation(working, by=council)
        replied = services.add_comment(working, body="The Saturday swimming club is always full.",
                                       section_key="carers_needs", by=parent)
        services.reply_to_comment(replied, reply="We have asked the club to add a second session.", by=trust)
        waiting = services.add_comment(working, body="Could the statement come as an easy read copy?",
                                       section_key=None, by=parent)
        db.session.commit()
        self.comment_replied, self.comment_waiting = replied.id, waiting.id


# --- visiting pages -------------------------------------------------------------------------------

def _right_to_left(selector: str, language: str = "ur"):
    def is_right_to_left(page):
        expect(page.locator(selector)).to_have_attribute("dir", "rtl")
        expect(page.locator(selector)).to_have_attribute("lang", language)
    return is_right_to_left


def _urdu(message: str) -> str:
    """The whole page is in Urdu when the statement is: the portal's Urdu words for this button."""
    from babel.support import Translations  # only this module's Urdu case needs the catalog itself

    from portal.i18n import TRANSLATIONS
    return Translations.load(str(TRANSLATIONS), ["ur"]).gettext(message)


def _button(name: str):
    return lambda page: expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()


def _asked_to_sign_in_to_comment(page):
    expect(page.get_by_role("link", name="Sign in to comment")).to_be_visible()
    expect(page.get_by_role("button", name="Send your comment")).to_have_count(0)


def _impossible_review_date(page, w):
    group = page.get_by_role("group", name="Review date")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("2")
    group.get_by_label("Year").fill(str(date.today().year + 2))


def _clear_reply(page, w):
    page.get_by_label("Your reply").fill("   ")


def working(suffix: str = "") -> Callable:
    return lambda w: f"/commissioning/statement/{w.working}{suffix}"


def first(suffix: str = "") -> Callable:
    return lambda w: f"/commissioning/statement/{w.first}{suffix}"


PUBLIC = ("anonymous", "parent")
COMMISSIONERS = ("council", "trust")


def each(roles, case_id: str, stage: str, visit) -> list[Case]:
    return [Case(f"{case_id}-{role}", role, visit, stage) for role in roles]


CASES = [
    # Nothing written yet.
    *each(PUBLIC, "statement-not-published-yet", "nothing",
          go("/statement", heading="Short Breaks Statement", shows=visible("has not been published yet"))),
    *each(PUBLIC, "versions-none-published", "nothing",
          go("/statement/versions", heading="Every version of the Short Breaks Statement",
             shows=visible("No version has been published yet"))),
    *each(PUBLIC, "changes-nothing-to-compare", "nothing",
          go("/statement/changes", heading="What changed between versions", shows=visible("nothing to compare"))),
    *each(PUBLIC, "consultation-closed", "nothing",
          go("/statement/consultation", heading="Consultation on the Short Breaks Statement",
             shows=visible("There is no draft out for consultation"))),
    *each(COMMISSIONERS, "commissioning-index-no-versions", "nothing",
          go("/commissioning/statement", heading="Short Breaks Statement", shows=_button("Start a new draft"))),
    Case("commissioning-refused-403-parent", "parent", stage="nothing",
         visit=go("/commissioning/statement", status=403, heading="You do not have permission")),

    # Two published versions; version 3 a draft with things missing.
    *each(PUBLIC, "statement-english", "draft", go("/statement", heading="Short Breaks Statement")),
    *each(PUBLIC, "statement-urdu-right-to-left", "draft",
          go("/statement?lang=ur", heading=URDU_TITLE, shows=_right_to_left("article.statement"))),
    *each(PUBLIC, "statement-polish", "draft", go("/statement?lang=pl", heading=POLISH_TITLE)),
    *each(PUBLIC, "versions", "draft",
          go("/statement/versions", heading="Every version of the Short Breaks Statement",
             shows=visible("(the latest)"))),
    *each(PUBLIC, "version-1-not-the-latest", "draft",
          go("/statement/versions/1", heading="Short Breaks Statement", shows=visible("It is not the latest version"))),
    *each(PUBLIC, "version-1-not-the-latest-urdu", "draft", go("/statement/versions/1?lang=ur", heading=URDU_TITLE)),
    *each(PUBLIC, "changes-choose-versions", "draft",
          go("/statement/changes", heading="What changed between versions", shows=_button("Compare versions"))),
    *each(PUBLIC, "changes-from-1-to-2", "draft",
          go("/statement/changes?from=1&to=2", heading="What changed between versions",
             shows=visible("From version 1 to version 2"))),
    *each(PUBLIC, "changes-error-same-version", "draft",
          go("/statement/changes?from=2&to=2", status=400, heading="What changed between versions",
             error="Choose two different versions")),
    *each(PUBLIC, "changes-error-no-such-version", "draft",
          go("/statement/changes?from=1&to=9", status=400, heading="What changed between versions",
             error="Choose two published versions")),
    *each(COMMISSIONERS, "commissioning-index-with-versions", "draft",
          go("/commissioning/statement", heading="Short Breaks Statement", shows=visible("Carry on with version 3"))),
    *each(COMMISSIONERS, "version-draft", "draft",
          go(working(), heading="Version 3", shows=_button("Share for consultation with parent carers"))),
    *each(COMMISSIONERS, "version-published", "draft",
          go(first(), heading="Version 1", shows=visible("It cannot be changed"))),
    *each(COMMISSIONERS, "version-published-refuses-a-change-409", "draft",
          go(first("/details"), status=409, heading="Version 1", error="has been published and cannot be changed")),
    *each(COMMISSIONERS, "details", "draft", go(working("/details"), heading="The statement’s details")),
    *each(COMMISSIONERS, "details-error-impossible-date", "draft",
          submit(working("/details"), "Save", status=422, fill=_impossible_review_date,
                 error="Review date must be a real date")),
    *each(COMMISSIONERS, "section-english", "draft",
          go(working("/sections/introduction/en"), heading="Introduction")),
    *each(COMMISSIONERS, "section-urdu-right-to-left", "draft",
          go(working("/sections/introduction/ur"), heading="Introduction", shows=_right_to_left("textarea"))),
    *each(COMMISSIONERS, "section-polish", "draft",
          go(working("/sections/introduction/pl"), heading="Introduction",
             shows=lambda page: expect(page.locator("textarea")).to_have_attribute("lang", "pl"))),
    *each(COMMISSIONERS, "section-urdu-not-written-in-english", "draft",
          go(working("/sections/eligibility_targeted/ur"), heading="Who can use targeted breaks",
             shows=visible("This has not been written in English yet"))),
    *each(COMMISSIONERS, "title-in-urdu", "draft",
          go(working("/sections/title/ur"), heading="Title", shows=_right_to_left("textarea"))),
    *each(COMMISSIONERS, "title-in-polish", "draft", go(working("/sections/title/pl"), heading="Title")),
    *each(COMMISSIONERS, "publish-what-is-missing", "draft",
          go(working("/publish"), heading="Publish the statement", error="Version 3 cannot be published yet")),
    *each(COMMISSIONERS, "preview-english", "draft", go(working("/preview?lang=en"), heading="Short Breaks Statement")),
    *each(COMMISSIONERS, "preview-urdu", "draft",
          go(working("/preview?lang=ur"), heading=URDU_TITLE, shows=_right_to_left("article.statement"))),
    *each(COMMISSIONERS, "preview-polish", "draft", go(working("/preview?lang=pl"), heading=POLISH_TITLE)),
    *each(COMMISSIONERS, "comments-none-yet", "draft",
          go(working("/comments"), heading="Comments from families", shows=visible("No comments yet"))),
    *each(COMMISSIONERS, "comments-on-a-published-version", "draft",
          go(first("/comments"), heading="Comments from families",
             shows=visible("Please say more about weekend breaks."))),

    # Version 3 complete and out for consultation, with comments.
    *each(COMMISSIONERS, "version-out-for-consultation", "consultation",
          go(working(), heading="Version 3", shows=visible("Out for consultation since"))),
    # Everything written, but one family's comment still waits for a reply (the journey below publishes).
    *each(COMMISSIONERS, "publish-waits-for-replies", "consultation",
          go(working("/publish"), heading="Publish the statement",
             error="Reply to every comment from families: 1 has no reply yet.")),
    *each(COMMISSIONERS, "comments-with-replies-and-waiting", "consultation",
          go(working("/comments"), heading="Comments from families", shows=visible("Not replied to"))),
    *each(COMMISSIONERS, "reply", "consultation",
          go(lambda w: f"/commissioning/statement/comments/{w.comment_waiting}/reply", heading="Reply to a comment")),
    *each(COMMISSIONERS, "reply-change", "consultation",
          go(lambda w: f"/commissioning/statement/comments/{w.comment_replied}/reply", heading="Reply to a comment")),
    *each(COMMISSIONERS, "reply-error-empty", "consultation",
          submit(lambda w: f"/commissioning/statement/comments/{w.comment_waiting}/reply", "Save the reply",
                 status=422, fill=_clear_reply, error="Enter your reply")),
    Case("consultation-open-anonymous", "anonymous", stage="consultation",
         visit=go("/statement/consultation", heading="Short Breaks Statement", shows=_asked_to_sign_in_to_comment)),
    Case("consultation-open-with-comment-form-parent", "parent", stage="consultation",
         visit=go("/statement/consultation", heading="Short Breaks Statement", shows=_button("Send your comment"))),
    Case("consultation-open-urdu-with-comment-form-parent", "parent", stage="consultation",
         visit=go("/statement/consultation?lang=ur", heading=URDU_TITLE, shows=_button(_urdu("Send your comment")))),
    Case("consultation-comment-error-empty-parent", "parent", stage="consultation",
         visit=submit("/statement/consultation", "Send your comment", status=422, error="Enter your comment")),
]


@pytest.fixture(scope="module")
def shared_world(app, base_url):
    """One world for the module, moved forward stage by stage by the cases, and emptied when the module ends
    (named so that tests/browser/conftest.py does not empty the tables after each case)."""
    world = StatementWorld()
    yield world
    empty_tables()


# One signed-in page per role (anonymous, parent, council or trust), signed in again if the world is rebuilt.
page_as = page_as_fixture(user=lambda world, role: world.user(role), key=lambda world, role: (role, world.generation))


@pytest.mark.parametrize("case", params(CASES))
def test_statement_page_has_no_accessibility_violations(case: Case, shared_world: StatementWorld, page_as):
    shared_world.at(case.stage)
    check(case, shared_world, page_as)


# --- a version's whole life, in the browser --------------------------------------------------------

def _click(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _success(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def _write_section(page, title: str, text: str, label: str) -> None:
    """On the section's page (just opened): write it in English and save, back to the version page."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(page, f"{label}: section “{title}”")
    page.get_by_label("Text in English").fill(text)
    _click(page, page.get_by_role("button", name="Save", exact=True))
    _success(page, f"“{title}” in English has been saved")


def test_journey_draft_consultation_comment_reply_publish(shared_world: StatementWorld, new_page):
    w = shared_world.at("nothing")
    council, parent, trust, anonymous = new_page(), new_page(), new_page(), new_page()
    introduction = "Short breaks give families time to rest, work and be together. This is version 1."

    # The council commissioner starts a draft and writes the introduction.
    sign_in(council, w.user("council"))
    council.goto("/commissioning/statement")
    assert_accessible(council, "commissioning index, no versions")
    _click(council, council.get_by_role("button", name="Start a new draft"))
    _success(council, "Version 1 has been started")
    expect(council.get_by_role("heading", level=1)).to_have_text("Version 1")
    assert_accessible(council, "version 1, a new draft")
    _click(council, council.get_by_role("link", name="Write “Introduction” in English"))
    _write_section(council, "Introduction", introduction, "council")
    assert_accessible(council, "version 1 after writing the introduction")

    # ... and shares it for consultation.
    _click(council, council.get_by_role("button", name="Share for consultation with parent carers"))
    _success(council, "Version 1 is out for consultation")
    publish = council.url.split("#")[0] + "/publish"
    assert_accessible(council, "version 1, out for consultation")

    # A parent carer signs in, reads the draft and comments on it.
    sign_in(parent, w.user("parent"))
    parent.goto("/statement/consultation")
    expect(parent.get_by_text(introduction)).to_be_visible()
    assert_accessible(parent, "consultation, open, as a parent carer")
    parent.get_by_label("Which part of the statement is your comment about?").select_option(label="Introduction")
    parent.get_by_label("Your comment", exact=True).fill("Please say which breaks run in the school holidays.")
    _click(parent, parent.get_by_role("button", name="Send your comment"))
    _success(parent, "Thank you. Your comment has been sent")
    expect(parent.get_by_text("Please say which breaks run in the school holidays.")).to_be_visible()
    assert_accessible(parent, "consultation, after commenting")

    # Trust staff read the comment and reply.
    sign_in(trust, w.user("trust"))
    trust.goto("/commissioning/statement")
    assert_accessible(trust, "commissioning index, as trust staff")
    _click(trust, trust.get_by_role("link", name="Carry on with version 1"))
    assert_accessible(trust, "version 1, as trust staff")
    _click(trust, trust.get_by_role("link", name=re.compile(r"^Comments from families \(1, 1 to reply to\)")))
    assert_accessible(trust, "comments, one waiting for a reply")
    _click(trust, trust.get_by_role("link", name="Reply to Amira Khan"))
    assert_accessible(trust, "reply to a comment")
    trust.get_by_label("Your reply").fill("We have added the holiday play schemes to the statement.")
    _click(trust, trust.get_by_role("button", name="Save the reply"))
    _success(trust, "Your reply has been saved")
    assert_accessible(trust, "comments, replied to")

    # The council commissioner puts right everything the publish page says is missing, one link at a time.
    council.goto(publish)
    today = date.today()
    for _ in range(len(SECTIONS) + 3):
        summary = council.locator(".govuk-error-summary")
        if not summary.count():
            break
        assert_accessible(council, "publish, with what is missing")
        first_problem = summary.get_by_role("link").first
        problem = first_problem.inner_text()
        _click(council, first_problem)
        if council.url.endswith("/details"):
            assert_accessible(council, "details")
            fill_date(council, "Review date", today + timedelta(days=365))
            council.get_by_label("Written by").fill("Nadia Hussain, short breaks commissioner")
            council.get_by_label("Approved by").fill("Cabinet Member for Children")
            fill_date(council, "Date approved", today)
            _click(council, council.get_by_role("button", name="Save", exact=True))
            _success(council, "The statement’s details have been saved")
        elif council.url.endswith("/commissioning/contacts"):
            assert_accessible(council, "contacts for families")
            # The contacts the statement gives families: the first save shows what is wrong, the second saves.
            _click(council, council.get_by_role("button", name="Save contacts"))
            assert_accessible(council, "contacts for families, with errors")
            for label, value in [("The children's trust's phone number for families", "0121 496 0210"),
                                 ("The short breaks team's email address", "shortbreaks@example.org"),
                                 ("SENDIASS's name", "Birmingham SENDIASS"),
                                 ("SENDIASS's phone number", "0121 496 0345"),
                                 ("SENDIASS's email address", "sendiass@example.org"),
                                 ("SENDIASS's website", "https://sendiass.example.org"),
                                 ("The parent carer forum's name", "Birmingham Parent Carer Forum"),
                                 ("The parent carer forum's email address", "hello@forum.example.org"),
                                 ("The parent carer forum's website", "https://forum.example.org"),
                                 ("The local offer's web address", "https://shortbreaks.example.gov.uk/local-offer")]:
                council.get_by_label(label, exact=True).fill(value)
            _click(council, council.get_by_role("button", name="Save contacts"))
            _success(council, "Contacts saved")
        else:
            title = re.search(r"“(.+)”", problem).group(1)
            key = council.url.rsplit("/", 2)[-2]
            _write_section(council, title, section_text(key, 1), "council")
        council.goto(publish)
    else:
        pytest.fail("the publish page still lists things missing after every one was put right")

    expect(council.get_by_role("heading", level=1)).to_have_text("Publish the statement")
    assert_accessible(council, "publish, ready")
    _click(council, council.get_by_role("button", name="Publish version 1"))
    # Publishing is a job: its progress page checks again by itself until the PDFs are made and the version is out.
    expect(council).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(council).to_have_title(re.compile("Publishing version 1 of the Short Breaks Statement"))
    assert_accessible(council, "publishing version 1, its progress")
    still_working = council.locator("#job-progress").get_attribute("data-job-status") in ("queued", "running")
    done = council.locator(".govuk-panel")
    expect(done).to_contain_text("Version 1 has been published", timeout=120_000)
    if still_working:  # it was under way when the page opened: the page said so when it was done
        expect(council.locator("#job-announce")).to_contain_text("Version 1 has been published")
    assert_accessible(council, "publishing version 1, done")
    _click(council, council.get_by_role("link", name="Continue"))
    expect(council.locator(".govuk-tag", has_text="Published")).to_be_visible()
    assert_accessible(council, "version 1, published")

    # Anyone can read the new statement.
    anonymous.goto("/statement")
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("Short Breaks Statement")
    expect(anonymous.get_by_text(introduction)).to_be_visible()
    expect(anonymous.get_by_text(section_text("copies", 1))).to_be_visible()
    assert_accessible(anonymous, "the published statement")
    anonymous.goto("/statement/consultation")
    expect(anonymous.get_by_text("There is no draft out for consultation")).to_be_visible()
    assert_accessible(anonymous, "consultation, closed after publishing")
