"""Choosing a language: Accept-Language sets the first choice, ?lang= and the switcher change it, it sticks in
the session for the public and on the account once signed in, and every page says its language and direction."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.formatting import first_upper
from portal.models import User
from tests.conftest import sign_in
from tests.factories import UserFactory


def html_tag(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', response.text)
    assert match, response.text[:300]
    return match.group(1), match.group(2)


def test_english_left_to_right_by_default(client):
    assert html_tag(client.get("/")) == ("en", "ltr")


@pytest.mark.parametrize("header, expected", [
    ("ur", ("ur", "rtl")),
    ("ur-PK,ur;q=0.9,en;q=0.5", ("ur", "rtl")),
    ("pl-PL,pl;q=0.9", ("pl", "ltr")),
    ("pa", ("pa-Arab", "rtl")),
    ("bn-GB,bn", ("bn", "ltr")),
    ("ar", ("ar", "rtl")),
    ("fr-FR,fr;q=0.9", ("en", "ltr")),
    ("fr, pl;q=0.5", ("pl", "ltr")),
])
def test_the_browsers_language_sets_the_first_choice(client, header, expected):
    assert html_tag(client.get("/", headers={"Accept-Language": header})) == expected


def test_a_chosen_language_sticks_in_the_session_and_beats_the_browser(client):
    assert html_tag(client.get("/?lang=pl", headers={"Accept-Language": "ur"})) == ("pl", "ltr")
    assert html_tag(client.get("/statement", headers={"Accept-Language": "ur"})) == ("pl", "ltr")
    assert html_tag(client.get("/?lang=ar")) == ("ar", "rtl")
    assert html_tag(client.get("/")) == ("ar", "rtl")


def test_a_language_the_portal_does_not_speak_is_ignored(client):
    client.get("/?lang=pl")
    assert html_tag(client.get("/?lang=xx")) == ("pl", "ltr")


def test_signed_in_the_choice_is_saved_on_the_account_and_follows_the_person(app, client):
    user = UserFactory()
    db.session.commit()
    sign_in(client, user)
    client.get("/?lang=bn")
    assert db.session.get(User, user.id).language == "bn"

    other_browser = app.test_client()
    assert html_tag(other_browser.get("/")) == ("en", "ltr")
    sign_in(other_browser, user)
    assert html_tag(other_browser.get("/", headers={"Accept-Language": "pl"})) == ("bn", "ltr")


def test_the_switcher_is_on_every_page_and_keeps_the_page_and_its_query(client):
    page = client.get("/search?q=swim&page=2")
    for code in ("ur", "pa-Arab", "bn", "ar", "pl"):
        assert f'href="/search?q=swim&amp;page=2&amp;lang={code}"' in page.text
        assert f'hreflang="{code}"' in page.text
    assert '<span lang="en" dir="ltr" aria-current="true">English</span>' in page.text
    for path in ("/statement", "/sign-in", "/accessibility", "/no-such-page"):
        assert 'hreflang="ur"' in client.get(path).text, path


def test_right_to_left_pages_load_the_mirroring_styles(client):
    assert "css/rtl.css" in client.get("/?lang=ur").text
    assert "css/rtl.css" not in client.get("/?lang=pl").text


def test_money_and_times_keep_their_order_on_right_to_left_pages(app):
    from datetime import datetime, timezone

    from portal.formatting import london_time, pounds
    from portal.i18n import in_language

    nine_utc = datetime(2026, 6, 6, 9, tzinfo=timezone.utc)  # 10am in London (summer time)
    with app.test_request_context():
        assert pounds(-7_800_000) == "-£78,000.00" and london_time(nine_utc) == "10am"
        with in_language("ur"):
            # A left-to-right isolate: the minus stays on the left of the pound sign, AM after the time.
            assert pounds(-7_800_000) == "\u2066-£78,000.00\u2069"
            assert london_time(nine_utc) == "\u206610:00 AM\u2069"
        with in_language("ar"):
            assert london_time(nine_utc) == "10:00 ص"  # all in the page's own script: no isolate needed
        with in_language("pl"):
            assert pounds(123_456) == "1\xa0234,56\xa0GBP" and london_time(nine_utc) == "10:00"


def test_a_language_chosen_before_signing_in_is_kept_after_it(client):
    user = UserFactory()  # the account says English
    db.session.commit()
    client.get("/?lang=ur")
    sign_in(client, user)
    assert html_tag(client.get("/")) == ("ur", "rtl")
    assert db.session.get(User, user.id).language == "ur"


def test_a_bodys_name_at_the_start_of_a_sentence_keeps_its_own_capitals():
    """Polish calls the trust "Children's Trust": only its first letter is made a capital, never lowered."""
    assert first_upper("Children's Trust") == "Children's Trust"
    assert first_upper("the children's trust") == "The children's trust"
    assert first_upper("") == "" and first_upper(None) == ""
