"""What the statement says besides the sections commissioners write: the range summarised by kind, tier,
locality and age (with examples and links into the live local offer), the contacts families need (from the
commissioners' contacts page, kept as they were in a published version), a parent carer's own assessment, and why
a negative "Left" figure is negative."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from portal.contacts import KEYS, change_contacts, current_contacts
from portal.extensions import db
from portal.formatting import LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE
from portal.models import AuditEvent, Role
from statements import services
from statements.document import AGE_BANDS, build_range, document_html
from tests.conftest import sign_in
from tests.factories import CONTACTS, UserFactory
from tests.test_statement_pdf import draft, flat, make_offer_range

def part(html: str, part_id: str) -> str:
    return html.split(f'id="{part_id}"', 1)[1].split("</section>", 1)[0]


def rows(table_html: str) -> dict[str, str]:
    """Each body row of a table by the text of its first cell."""
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table_html, re.S)[1:]:
        cells = [flat(unescape(re.sub(r"<[^>]+>", " ", cell))) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        found[cells[0]] = row
    return found


def enter_contacts(values: dict[str, str] = CONTACTS) -> None:
    change_contacts(values, by=UserFactory(role=Role.COUNCIL))
    db.session.commit()


def test_the_range_is_summarised_by_locality_and_age_with_links_into_the_local_offer(app):
    offers = make_offer_range()
    statement = draft(range_snapshot=build_range())
    html = document_html(statement, "en")
    localities = rows(html.split('class="govuk-table statement-localities"')[1].split("</table>")[0])
    assert set(localities) == {"East", "North"}
    east = offers["swim"].locality
    # East: Saturday Swim Club and Clay and Paint Studio (universal), Oak House (specialist).
    assert re.findall(r"<td[^>]*>(\d+)</td>", localities["East"]) == ["2", "0", "1", "3"]
    assert f'href="http://localhost/local-offer?locality={east.id}"' in localities["East"]
    ages = rows(html.split('class="govuk-table statement-ages"')[1].split("</table>")[0])
    assert len(ages) == len(AGE_BANDS)
    # Only the sitting service (0 to 17) takes children under 5; only Oak House (8 to 18) adults.
    assert re.findall(r"<td[^>]*>(\d+)</td>", ages["0 to 4"]) == ["0", "0", "1", "1"]
    assert re.findall(r"<td[^>]*>(\d+)</td>", ages["18 to 25"]) == ["0", "0", "1", "1"]
    assert 'href="http://localhost/local-offer?age=0"' in ages["0 to 4"]
    # Each kind of break names examples, each linked to its page on the local offer.
    kinds = rows(html.split('class="govuk-table statement-kinds"')[1].split("</table>")[0])
    weekends = kinds["Breaks at weekends"]
    assert f'href="http://localhost/local-offer/{offers["swim"].id}"' in weekends and "Saturday Swim Club" in weekends
    tiers = rows(html.split('class="govuk-table statement-tiers"')[1].split("</table>")[0])
    assert 'href="http://localhost/local-offer?tier=specialist"' in tiers["Specialist breaks"]


def test_an_age_group_with_no_breaks_is_shown_as_a_gap(app):
    make_offer_range()
    statement_range = build_range()
    statement_range["offers"] = [o for o in statement_range["offers"] if o["max_age"] < 18]
    html = document_html(draft(range_snapshot=statement_range), "en")
    ages = rows(html.split('class="govuk-table statement-ages"')[1].split("</table>")[0])
    assert "None: a gap" in ages["18 to 25"] and "statement-gap" in html.split("18 to 25")[0].rsplit("<tr", 1)[1]
    assert "None: a gap" not in ages["5 to 10"]


def test_the_statement_gives_the_contacts_and_a_parent_carers_own_assessment(app):
    enter_contacts()
    html = document_html(draft(), "en")
    help_part = flat(unescape(re.sub(r"<[^>]+>", " ", part(html, "help"))))
    for value in CONTACTS.values():
        assert value in help_part, value
    assert "section 17ZD of the Children Act 1989" in help_part
    assert "Ask the children's trust for one on 0121 496 0210" in help_part
    assert "SEND information, advice and support service" in help_part
    # In Urdu the names the commissioners typed are marked English, and numbers keep left-to-right order.
    urdu = part(document_html(draft(version=2), "ur"), "help")
    assert '<span lang="en" dir="ltr">Birmingham SENDIASS</span>' in urdu
    assert '<span dir="ltr">0121 496 0345</span>' in urdu
    assert '<a class="govuk-link" href="https://forum.example.org" dir="ltr">https://forum.example.org</a>' in urdu


def test_a_published_version_keeps_the_contacts_it_was_published_with(app):
    enter_contacts()
    statement = draft(range_snapshot=build_range())
    enter_contacts(dict(CONTACTS, trust_phone="0121 496 0999"))
    html = part(document_html(statement, "en"), "help")
    assert "0121 496 0210" in html and "0121 496 0999" not in html


def test_publishing_needs_every_contact(app):
    statement = draft()
    problems = [p for p in services.publication_problems(statement) if p.fix == services.CONTACTS]
    assert len(problems) == 1
    assert "SENDIASS's phone number" in problems[0].text and "The local offer's web address" in problems[0].text
    enter_contacts()
    assert not [p for p in services.publication_problems(statement) if p.fix == services.CONTACTS]


def test_a_negative_left_figure_is_explained_and_keeps_its_minus_sign_in_front_right_to_left(app):
    make_offer_range()
    statement_range = build_range()
    statement_range["envelopes"] = [
        {"body": "council", "year": statement_range["year"], "amount": 1_632_000_00, "committed": 1_200_000_00,
         "spent": 300_000_00, "available": 132_000_00},
        {"body": "trust", "year": statement_range["year"], "amount": 500_000_00, "committed": 478_000_00,
         "spent": 100_000_00, "available": -78_000_00},
    ]
    statement = draft(range_snapshot=statement_range)
    money = flat(unescape(re.sub(r"<[^>]+>", " ", part(document_html(statement, "en"), "money"))))
    assert "-£78,000.00" in money
    assert ("The children's trust has promised £78,000.00 more than its short breaks budget for the year, so the "
            "money left is shown as -£78,000.00.") in money
    assert "The council has promised" not in money  # its figure is not negative
    urdu = part(document_html(statement, "ur"), "money")
    assert re.search(LEFT_TO_RIGHT_ISOLATE + r"-[^<]*78,000[^<]*" + POP_ISOLATE, urdu)
    assert urdu.count("statement-overspent") == 1


def test_names_typed_in_english_are_marked_english_in_another_languages_document(app):
    statement = draft()
    statement.published_at = statement.created_at
    html = document_html(statement, "ar")
    facts = html.split('class="govuk-table statement-facts"')[1].split("</table>")[0]
    assert '<span lang="en" dir="ltr">Sam Patel, short breaks commissioner</span>' in facts
    assert '<span lang="en" dir="ltr">Cabinet Member for Children</span>' in facts
    assert 'lang="en"' not in document_html(statement, "en").split('statement-facts"')[1].split("</table>")[0]


def test_commissioners_keep_the_contacts_up_to_date_and_each_change_is_audited(client):
    commissioner = UserFactory(role=Role.TRUST)
    sign_in(client, commissioner)
    page = client.get("/commissioning/contacts")
    assert page.status_code == 200 and "SENDIASS" in page.text
    bad = dict(CONTACTS, trust_phone="call us", sendiass_website="sendiass dot org", forum_email="not an email")
    refused = client.post("/commissioning/contacts", data=bad)
    assert refused.status_code == 422
    for message in ("Enter a phone number, like 0121 496 0000", "Enter a web address starting with https://",
                    "Enter an email address in the correct format"):
        assert message in unescape(refused.text)
    assert current_contacts() == {key: "" for key in KEYS}  # nothing saved
    empty = client.post("/commissioning/contacts", data=dict(CONTACTS, sendiass_name=""))
    assert "Enter SENDIASS&#39;s name" in empty.text or "Enter SENDIASS's name" in unescape(empty.text)

    saved = client.post("/commissioning/contacts", data=CONTACTS)
    assert saved.status_code == 302
    assert current_contacts() == CONTACTS
    assert "Contacts saved" in client.get(saved.headers["Location"]).text
    client.post("/commissioning/contacts", data=dict(CONTACTS, trust_phone="0121 496 0999"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contacts_changed")
                                .order_by(AuditEvent.id)).all()
    assert len(events) == 2 and events[1].actor_id == commissioner.id
    assert events[1].details == {"before": {"trust_phone": "0121 496 0210"}, "after": {"trust_phone": "0121 496 0999"}}


def test_only_commissioners_see_or_change_the_contacts(client):
    for role in (Role.PARENT_CARER, Role.PROVIDER):
        sign_in(client, UserFactory(role=role))
        assert client.get("/commissioning/contacts").status_code == 403
        assert client.post("/commissioning/contacts", data=CONTACTS).status_code == 403
        client.post("/sign-out")
    assert current_contacts() == {key: "" for key in KEYS}
