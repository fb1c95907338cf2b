"""The register tells the provider the language each booked child's family uses at home, and who needs an interpreter."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.extensions import db
from portal.models import Role
from providers.models import Booking

from .conftest import sign_in
from .factories import ChildFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory


class _Cards(HTMLParser):
    """Each summary card on the page: its title, and each row's key and value as a person reads them."""

    def __init__(self):
        super().__init__()
        self.cards: dict[str, dict[str, str]] = {}
        self.value_attrs: dict[tuple[str, str], list[dict]] = {}
        self._part: str | None = None  # "title", "key" or "value" while inside one
        self._text: list[str] = []
        self._card: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "h2" and "govuk-summary-card__title" in classes:
            self._part, self._text = "title", []
        elif tag == "dt" and "govuk-summary-list__key" in classes:
            self._part, self._text = "key", []
        elif tag == "dd" and "govuk-summary-list__value" in classes:
            self._part, self._text = "value", []
        elif self._part == "value":
            self.value_attrs.setdefault((self._card, self._key), []).append(dict(attrs))

    def handle_data(self, data):
        if self._part:
            self._text.append(data)

    def handle_endtag(self, tag):
        text = " ".join("".join(self._text).split())
        if self._part == "title" and tag == "h2":
            self._card = text
            self.cards[text] = {}
        elif self._part == "key" and tag == "dt":
            self._key = text
        elif self._part == "value" and tag == "dd":
            self.cards[self._card][self._key] = text
        else:
            return
        self._part = None


def _book(session, child):
    db.session.add(Booking(session=session, child=child, booked_by_id=child.parent_id,
                           group_ref=f"g{session.id}-{child.id}", funding="free"))
    session.places_taken += 1
    db.session.commit()


@pytest.fixture
def register_page(app):
    provider = ProviderFactory()
    staff = UserFactory(role=Role.PROVIDER, provider_id=provider.id)
    session = SessionFactory(offer=OfferFactory(provider=provider))
    _book(session, ChildFactory(first_name="Amara", last_name="Okafor", home_language="Urdu",
                                interpreter_needed=True))
    _book(session, ChildFactory(first_name="Bartek", last_name="Nowak", home_language="Kurdish <Sorani>",
                                interpreter_needed=False))
    _book(session, ChildFactory(first_name="Cara", last_name="Price", home_language=None))
    client = app.test_client()
    sign_in(client, staff)
    page = client.get(f"/provider/sessions/{session.id}/register")
    assert page.status_code == 200
    cards = _Cards()
    cards.feed(page.text)
    return page, cards


def test_register_shows_each_childs_home_language_and_whether_an_interpreter_is_needed(register_page):
    page, parsed = register_page
    amara, bartek, cara = (parsed.cards[name] for name in ("Amara Okafor", "Bartek Nowak", "Cara Price"))

    assert amara["Language spoken at home"] == "Urdu"
    assert amara["Interpreter needed"] == "Yes"
    assert bartek["Language spoken at home"] == "Kurdish <Sorani>"
    assert bartek["Interpreter needed"] == "No"
    assert cara["Language spoken at home"] == "Not given"
    assert cara["Interpreter needed"] == "No"


def test_the_home_language_is_shown_as_the_family_wrote_it(register_page):
    page, parsed = register_page
    # Escaped, not taken as markup, and in an element whose direction follows the text (any script).
    assert "Kurdish &lt;Sorani&gt;" in page.text
    assert "<Sorani>" not in page.text
    assert {"dir": "auto"} in parsed.value_attrs[("Amara Okafor", "Language spoken at home")]
