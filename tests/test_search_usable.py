"""The local offer's search that families can use (#12): keywords through the database's full-text search (ranked,
stemmed, accents ignored, a small typo forgiven), sorting, places left at the next session, whether a break suits
the child picked, "Back to search" keeping the filters, a page past the end, and constant queries per page.

Runs on SQLite by default and on PostgreSQL with TEST_DATABASE_URL."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from local_offer.search import edit_distance
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Role, SupportLevel
from portal.timeutil import utcnow
from providers.models import OfferStatus, Tier

from .factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from .test_queries import count_queries

RESULT = re.compile(r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="([^"]+)"[^>]*>([^<]+)</a></h3>')


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [html.unescape(title) for _, title in RESULT.findall(response.text)]


def result_block(response, title: str) -> str:
    """The text of one result on the page, tags removed."""
    start = response.text.index(f">{title}</a></h3>")
    end = response.text.find('<div class="portal-result"', start)
    block = response.text[start:end if end != -1 else None]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block)).split())


def offer(title: str, summary: str = "A break for disabled children.", description: str = "Trained staff.", **kw):
    return OfferFactory(title=title, summary=summary, description=description, **kw)


def days_ahead(days: int):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


# --- keywords ---------------------------------------------------------------------------------------------------

def test_keywords_are_stemmed_and_a_title_match_ranks_first(app, client):
    in_description = offer("Saturday Fun", description="Games, then trampolining in the big hall.")
    in_title = offer("Trampoline Club")
    in_summary = offer("Sports Afternoon", summary="Football and trampolines for everyone.")
    offer("Art Club")
    # Stemmed: "trampolining" and "trampolines" find "Trampoline", and best matches come first.
    assert titles(client.get("/local-offer?q=trampolining")) == [in_title.title, in_summary.title,
                                                                 in_description.title]
    assert titles(client.get("/local-offer?q=clubs")) == ["Art Club", "Trampoline Club"]
    # Every word must match, in any of the offer's words.
    assert titles(client.get("/local-offer?q=club+trampoline")) == ["Trampoline Club"]


def test_keywords_bring_the_best_match_first_unless_another_order_is_chosen(app, client):
    in_title = offer("Trampoline Club")
    in_description = offer("Saturday Fun", description="Games, then trampolining in the big hall.")
    SessionFactory(offer=in_title, starts_at=days_ahead(9))
    SessionFactory(offer=in_description, starts_at=days_ahead(2))
    # The form's first order has an empty value: the default, which is the best match once there are keywords.
    response = client.get("/local-offer?q=trampoline&sort=")
    assert titles(response) == ["Trampoline Club", "Saturday Fun"]
    assert re.search(r'<option value="" selected>\s*Best match\s*</option>', response.text)
    assert titles(client.get("/local-offer?q=trampoline&sort=soonest")) == ["Saturday Fun", "Trampoline Club"]
    assert re.search(r'<option value="" selected>\s*Soonest next session\s*</option>', client.get("/local-offer").text)


def test_a_small_typo_still_finds_the_break(app, client):
    offer("Splash Swimming Club")
    offer("Trampoline Fun")
    offer("Art Club")
    assert titles(client.get("/local-offer?q=swiming")) == ["Splash Swimming Club"]
    assert titles(client.get("/local-offer?q=Swimmming+clubb")) == ["Splash Swimming Club"]
    assert titles(client.get("/local-offer?q=trampolene")) == ["Trampoline Fun"]
    assert titles(client.get("/local-offer?q=trampolene&sort=title")) == ["Trampoline Fun"]
    # The control: a word nowhere near any offer's words finds nothing.
    response = client.get("/local-offer?q=xylophone")
    assert titles(response) == []
    assert "No short breaks match your filters" in response.text


def test_accents_and_the_providers_name_are_searched(app, client):
    offer("Café Club", provider=ProviderFactory(name="Sunshine Play Trust"))
    offer("Youth Cafe")
    assert titles(client.get("/local-offer?q=cafe&sort=title")) == ["Café Club", "Youth Cafe"]
    assert titles(client.get("/local-offer?q=café&sort=title")) == ["Café Club", "Youth Cafe"]
    assert titles(client.get("/local-offer?q=sunshine")) == ["Café Club"]


def test_the_index_follows_every_change_to_offers_and_providers(app, client):
    provider = ProviderFactory(name="Oakfield Trust")
    club = offer("Saturday Football", provider=provider)
    assert titles(client.get("/local-offer?q=football")) == ["Saturday Football"]
    club.title = "Saturday Cricket"
    provider.name = "Birchwood Trust"
    db.session.commit()
    assert titles(client.get("/local-offer?q=football")) == []
    assert titles(client.get("/local-offer?q=cricket")) == ["Saturday Cricket"]
    assert titles(client.get("/local-offer?q=birchwood")) == ["Saturday Cricket"]
    assert titles(client.get("/local-offer?q=oakfield")) == []
    club.status = OfferStatus.DRAFT
    db.session.commit()
    assert titles(client.get("/local-offer?q=cricket")) == []
    db.session.delete(club)
    db.session.commit()
    assert titles(client.get("/local-offer?q=cricket")) == []


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("swiming", "swimming", 2) == 1
    assert edit_distance("tramploine", "trampoline", 2) == 1
    assert edit_distance("club", "golf", 1) == 2  # gives up past the most asked for


# --- sorting, places left, suits the child ---------------------------------------------------------------------

@pytest.fixture
def area():
    east, north = LocalityFactory(name="East"), LocalityFactory(name="North")
    later = offer("Art Club", locality=east)
    sooner = offer("Zoo Trip", locality=north)
    none_to_come = offer("Music Club", locality=east)
    SessionFactory(offer=later, starts_at=days_ahead(5), capacity=10, places_taken=3)
    SessionFactory(offer=later, starts_at=days_ahead(9), capacity=10)
    SessionFactory(offer=sooner, starts_at=days_ahead(2), capacity=4, places_taken=4)
    db.session.commit()
    return east, north


def test_results_come_soonest_first_unless_sorted_otherwise(app, client, area):
    assert titles(client.get("/local-offer")) == ["Zoo Trip", "Art Club", "Music Club"]
    assert titles(client.get("/local-offer?sort=soonest")) == ["Zoo Trip", "Art Club", "Music Club"]
    assert titles(client.get("/local-offer?sort=title")) == ["Art Club", "Music Club", "Zoo Trip"]
    # Nearest needs a child (their area): without one the page falls back to the default.
    assert titles(client.get("/local-offer?sort=nearest")) == ["Zoo Trip", "Art Club", "Music Club"]
    assert 'value="nearest"' not in client.get("/local-offer").text


def test_nearest_puts_the_childs_area_first(app, login, area):
    east, _north = area
    family = UserFactory(role=Role.PARENT_CARER)
    child = ChildFactory(parent=family, first_name="Zara", locality=east, needs=[])
    client = login(family)
    response = client.get(f"/local-offer?child={child.id}&sort=nearest")
    assert titles(response) == ["Art Club", "Music Club", "Zoo Trip"]
    assert "Nearest to Zara's area" in response.text


def test_each_result_shows_places_left_at_its_next_session(app, client, area):
    response = client.get("/local-offer")
    assert "7 places left" in result_block(response, "Art Club")
    assert "full (you can join the waiting list)" in result_block(response, "Zoo Trip")
    assert "No sessions to come at the moment" in result_block(response, "Music Club")


def test_the_next_session_is_one_the_filters_ask_for(app, client):
    club = offer("Art Club")
    SessionFactory(offer=club, starts_at=days_ahead(1), capacity=5, places_taken=5)
    SessionFactory(offer=club, starts_at=days_ahead(8), capacity=5, places_taken=1)
    day = (utcnow() + timedelta(days=8)).strftime("%d/%m/%Y")
    assert "full" in result_block(client.get("/local-offer"), "Art Club")
    assert "4 places left" in result_block(client.get(f"/local-offer?from={day}"), "Art Club")


def test_each_result_says_whether_it_suits_the_child_picked(app, login):
    family = UserFactory(role=Role.PARENT_CARER)
    zara = ChildFactory(parent=family, first_name="Zara", needs=["autism", "learning"],
                        support_level=SupportLevel.ONE_TO_ONE,
                        date_of_birth=date.today().replace(year=date.today().year - 9) - timedelta(days=40))
    suits = offer("Suits Club", needs=["autism", "learning"], support_offered=["one_to_one"])
    SessionFactory(offer=suits, starts_at=days_ahead(3), capacity=5, staff_units=8)
    no_staff = offer("Busy Club", needs=["autism"], support_offered=["one_to_one"])
    SessionFactory(offer=no_staff, starts_at=days_ahead(3), capacity=5, staff_units=4, staff_units_taken=2)
    offer("Overnight Breaks", needs=["autism", "learning"], tier=Tier.SPECIALIST, support_offered=["one_to_one"])
    offer("Group Club", needs=["autism", "learning"], support_offered=[])
    client = login(family)

    response = client.get(f"/local-offer?child={zara.id}&sort=title")
    assert titles(response) == ["Busy Club", "Group Club", "Overnight Breaks", "Suits Club"]
    assert "Suits Zara's age, needs and support" in result_block(response, "Suits Club")
    busy = result_block(response, "Busy Club")
    assert "May not suit Zara" in busy
    assert "It does not say it supports: Learning disability." in busy
    assert "There are not enough staff left at the next session for the support Zara needs." in busy
    assert "Zara needs an assessment by the children's trust first." in result_block(response, "Overnight Breaks")
    assert "It does not say it offers 1:1 support." in result_block(response, "Group Club")

    # With an approved assessment the specialist break suits her too.
    db.session.add(Assessment(child_id=zara.id, status=AssessmentStatus.APPROVED, reason="Needs overnight care.",
                              recorded_by_id=UserFactory(role=Role.TRUST).id))
    db.session.commit()
    response = client.get(f"/local-offer?child={zara.id}&sort=title")
    assert "Suits Zara's age, needs and support" in result_block(response, "Overnight Breaks")
    # Without a child picked, nothing is said about suiting anyone.
    assert "suit" not in result_block(client.get("/local-offer?sort=title"), "Suits Club").replace("Suits Club", "")


def test_another_familys_child_is_ignored(app, login):
    other = ChildFactory(first_name="Lily")
    offer("Art Club")
    client = login(UserFactory(role=Role.PARENT_CARER))
    response = client.get(f"/local-offer?child={other.id}")
    assert titles(response) == ["Art Club"]
    assert "Lily" not in response.text


# --- back to search, past the end ------------------------------------------------------------------------------

def test_back_to_search_keeps_the_filters(app, client):
    club = offer("Trampoline Club", min_age=5, max_age=11)
    response = client.get("/local-offer?q=trampoline&age=8&tier=universal&sort=title&utm=junk")
    link = RESULT.findall(response.text)[0][0]
    kept = parse_qs(urlsplit(html.unescape(link)).query)["search"][0]
    offer_page = client.get(html.unescape(link))
    assert offer_page.status_code == 200
    back = re.search(r'<a href="([^"]+)" class="govuk-back-link">', offer_page.text).group(1)
    back = html.unescape(back)
    assert urlsplit(back).path == "/local-offer"
    assert parse_qs(urlsplit(back).query) == {"q": ["trampoline"], "age": ["8"], "tier": ["universal"],
                                              "sort": ["title"]}
    assert "utm" not in kept
    assert titles(client.get(back)) == ["Trampoline Club"]
    # Without a search the link goes to the whole offer; nothing else can be smuggled into it.
    plain = client.get(f"/local-offer/{club.id}?search=https%3A%2F%2Fevil.example%2F")
    assert '<a href="/local-offer" class="govuk-back-link">' in plain.text


def test_a_page_past_the_end_shows_the_last_page_and_says_so(app, client):
    for n in range(25):
        offer(f"Club {n:02d}")
    response = client.get("/local-offer?page=101&sort=title")
    assert response.status_code == 200
    assert titles(response) == [f"Club {n:02d}" for n in range(20, 25)]
    assert "There is no page 101: there are only 2 pages of results. This is the last page." in response.text
    assert "No short breaks match" not in response.text
    assert "(page 2 of 2)" in response.text
    # Pages that exist say nothing of the kind.
    assert "There is no page" not in client.get("/local-offer?page=2").text


def test_no_matches_on_a_later_page_is_just_no_matches(app, client):
    response = client.get("/local-offer?q=xylophone&page=3")
    assert "No short breaks match your filters" in response.text
    assert "There is no page" not in response.text


# --- cost -------------------------------------------------------------------------------------------------------

def _build(offers: int, east):
    for i in range(offers):
        tier = Tier.SPECIALIST if i % 3 == 0 else Tier.UNIVERSAL
        made = offer(f"Swimming Club {i:04d}", locality=east, tier=tier, needs=["autism"])
        SessionFactory(offer=made, starts_at=days_ahead(i % 7 + 1), capacity=5)
    db.session.commit()


@pytest.mark.parametrize("query", ["q=swiming&sort=nearest", "q=swimming+club&page=2", "sort=title&page=2",
                                   "day=0&day=3&sort=soonest"])
def test_a_page_costs_the_same_queries_at_any_size(app, login, query):
    family = UserFactory(role=Role.PARENT_CARER)
    east = LocalityFactory(name="East")
    child = ChildFactory(parent=family, locality=east, needs=["autism"])
    client = login(family)
    url = f"/local-offer?child={child.id}&{query}"

    def measure() -> int:
        client.get(url)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    _build(25, east)
    small = measure()
    _build(250, east)
    assert measure() == small
