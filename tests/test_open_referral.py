"""The Open Referral UK v3 feed (open_referral/): every endpoint's answer is valid by the standard's own API
description and JSON schemas (../shared/standards/openreferral-uk-v3/, with their remote $refs mapped to those
files: nothing is fetched), across pages, filters and ids; it publishes only what the local offer shows anyone, and
no personal data; its filters, ids, caching and problems behave as the README says; and a page costs the same
number of queries at any size."""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from sqlalchemy import literal, select

from open_referral import ids
from open_referral.filters import london_clock
from open_referral.taxonomies import ACCESSIBILITY_FEATURE, NEED, TAXONOMIES, TIER, term
from portal.extensions import db
from portal.models import Role, record
from portal.timeutil import LONDON, UTCDateTime, utcnow
from providers.models import Booking, OfferStatus, ProviderStatus, Tier, WaitingListEntry
from providers.organisations import reinstate_provider, suspend_provider
from providers.sessions import create_series, weekly_rule

from .factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory
from .test_queries import build, count_queries

ROOT = Path(__file__).resolve().parent.parent
STANDARD = Path(os.environ.get("OPEN_REFERRAL_STANDARD", ROOT.parent / "shared" / "standards" / "openreferral-uk-v3"))
UPSTREAM = "https://raw.githubusercontent.com/openreferral/uk-profile/main/"
FEED = "/openreferral/v3"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- the standard's schemas, offline ----------------------------------------------------------------

def _registry() -> Registry:
    """Each upstream raw URL the $refs use, mapped to the file of the same path in the local copy."""
    if not (STANDARD / "openapi30.json").is_file():
        pytest.fail(f"The Open Referral UK v3 standard is not at {STANDARD} (set OPEN_REFERRAL_STANDARD)")
    resources = []
    for path in [STANDARD / "openapi30.json", *sorted((STANDARD / "schema").rglob("*.json"))]:
        contents = json.loads(path.read_text())
        resources.append((UPSTREAM + path.relative_to(STANDARD).as_posix(), Resource(contents, specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = None


def _validator(pointer: str) -> Draft7Validator:
    global REGISTRY
    REGISTRY = REGISTRY or _registry()
    return Draft7Validator({"$ref": UPSTREAM + "openapi30.json#" + pointer}, registry=REGISTRY,
                           format_checker=FormatChecker())


def _response_pointer(path: str) -> str:
    """Where openapi30.json describes the 200 answer of a path (as the document writes it, {id} and all)."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/get/responses/200/content/application~1json/schema"


def check(client, url: str, path: str) -> dict:
    """GET the URL and check the answer against the path's schema in openapi30.json; return the body."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    errors = sorted(_validator(_response_pointer(path)).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{url}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    if "contents" in body:  # the envelope's Page, and its numbers add up
        assert set(body) >= {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"}
        assert body["size"] == len(body["contents"]) and body["empty"] == (not body["contents"])
    return body


def check_compiled(document: dict, name: str) -> None:
    global REGISTRY
    REGISTRY = REGISTRY or _registry()
    validator = Draft7Validator({"$ref": UPSTREAM + "schema/compiled/" + name}, registry=REGISTRY,
                                format_checker=FormatChecker())
    errors = list(validator.iter_errors(document))
    assert not errors, [e.message for e in errors[:5]]


# --- a small area ----------------------------------------------------------------------------------

NOW = utcnow()
PRIVATE = {
    "child_first": "Zephyrine", "child_last": "Quarterman", "parent_email": "hidden.parent@example.com",
    "parent_phone": "07700 900123", "emergency": "Grandma Ottoline 07700 900456", "group_ref": "grp-secret-ref",
    "cancel_reason": "A private reason about Zephyrine", "charity": "1234567", "company": "C7654321",
    "ofsted": "EY999888", "safeguarding": "Safeguarding Lead Bartholomew", "status_reason": "Private note on status",
    "review": "Commissioner's private review comment", "pending_name": "Renamed But Not Yet Approved Ltd",
    "staff_email": "staff.member@provider.example.org", "needs_notes": "Needs rescue medication",
    "child_postcode": "B99 9ZZ",
}


def _area():
    """Two approved providers with offers (needs, accessibility, a series, one-off sessions, bookings by a family
    with private details), a suspended one, one waiting for approval, and offers that are not published."""
    locality = LocalityFactory(name="East")
    parent = UserFactory(role=Role.PARENT_CARER, email=PRIVATE["parent_email"], phone=PRIVATE["parent_phone"])
    child = ChildFactory(parent=parent, first_name=PRIVATE["child_first"], last_name=PRIVATE["child_last"],
                         emergency_contact=PRIVATE["emergency"], needs_notes=PRIVATE["needs_notes"],
                         postcode=PRIVATE["child_postcode"])
    approved = ProviderFactory(name="Sunshine Play Trust", website="www.sunshine.example.org",
                               charity_number=PRIVATE["charity"], company_number=PRIVATE["company"],
                               ofsted_number=PRIVATE["ofsted"], safeguarding_lead=PRIVATE["safeguarding"],
                               pending_name=PRIVATE["pending_name"], status_reason=PRIVATE["status_reason"])
    UserFactory(role=Role.PROVIDER, provider=approved, email=PRIVATE["staff_email"])
    other = ProviderFactory(name="Riverside Sports", website="not a web address")
    suspended = ProviderFactory(name="Gone Quiet Care", status=ProviderStatus.SUSPENDED)
    pending = ProviderFactory(name="Brand New Club", status=ProviderStatus.PENDING)
    offers = {}
    for n, (provider, tier, ages, needs, features) in enumerate([
        (approved, Tier.UNIVERSAL, (5, 11), ["autism", "learning"], ["step_free", "quiet_space"]),
        (approved, Tier.TARGETED, (8, 16), ["physical"], ["hoist", "changing_places"]),
        (approved, Tier.SPECIALIST, (11, 25), ["health"], []),
        (other, Tier.UNIVERSAL, (0, 5), [], ["parking"]),
        (other, Tier.UNIVERSAL, (12, 18), ["adhd"], []),
    ]):
        offer = OfferFactory(provider=provider, tier=tier, min_age=ages[0], max_age=ages[1], locality=locality,
                             title=f"Club {n} for everyone", price_pence=1250 * (n % 2),
                             review_comments=PRIVATE["review"])
        offer.needs, offer.features = needs, features
        offers[n] = offer
    offers["suspended"] = OfferFactory(provider=suspended, title="Suspended provider's club", locality=locality)
    offers["pending"] = OfferFactory(provider=pending, title="Pending provider's club", locality=locality)
    offers["draft"] = OfferFactory(provider=approved, title="Draft club", status=OfferStatus.DRAFT, locality=locality)
    offers["withdrawn"] = OfferFactory(provider=approved, title="Withdrawn club", status=OfferStatus.WITHDRAWN,
                                       locality=locality)
    db.session.commit()
    # A weekly series on Saturdays at 10:00, and one-off sessions.
    first = (NOW + timedelta(days=1)).astimezone(LONDON).date()
    create_series(offers[0], rule=weekly_rule(first, first + timedelta(days=60), [5]), first_day=first,
                  start=time(10), end=time(12), capacity=8, exceptions=[], by=None)
    session = SessionFactory(offer=offers[0], starts_at=(NOW + timedelta(days=3)).replace(microsecond=0))
    SessionFactory(offer=offers[1], starts_at=(NOW + timedelta(days=4)).replace(microsecond=0))
    db.session.add(Booking(session=session, child=child, booked_by_id=parent.id, group_ref=PRIVATE["group_ref"],
                           funding="free", cancel_reason=PRIVATE["cancel_reason"]))
    db.session.add(WaitingListEntry(session=session, family=parent, child_ids=[child.id], places=1))
    db.session.commit()
    return offers


def _service_id(offer) -> str:
    return ids.record_id(ids.SERVICE, offer.id)


def _crawl(client) -> list[tuple[str, dict]]:
    """Every endpoint, several pages, several filters and every id the lists give; each answer checked."""
    answers = [("/", check(client, FEED + "/", "/"))]
    filters = ["", "?per_page=2", "?per_page=2&page=2", "?per_page=2&page=3", "?page=99", "?search=club",
               "?search=Sunshine", f"?taxonomy_term_id={term(NEED, 'autism').id}",
               f"?taxonomy_term_id={term(TIER, 'targeted').id}",
               f"?taxonomy_term_id={term(ACCESSIBILITY_FEATURE, 'hoist').id}",
               f"?taxonomy_id={TAXONOMIES[NEED].id}", "?minimum_age=5", "?maximum_age=16", "?minimum_age=1&maximum_age=20",
               "?day=SA", "?day=monday,TU,we,th,fr,sa,su&start_time=09:00&end_time=23:00", "?start_time=10:00:00",
               "?modified_after=2000-01-01T00:00:00Z", "?last_modified=2000-01-01", "?postcode=B1%201AA&proximity=1000"]
    seen_services, seen_links = set(), set()
    for query in filters:
        services = check(client, FEED + "/services" + query, "/services")
        seen_services |= {s["id"] for s in services["contents"]}
        links = check(client, FEED + "/service_at_locations" + query, "/service_at_locations")
        seen_links |= {s["id"] for s in links["contents"]}
        answers += [("/services" + query, services), ("/service_at_locations" + query, links)]
    for service_id in sorted(seen_services):
        answers.append((service_id, check(client, f"{FEED}/services/{service_id}", "/services/{id}")))
    for link_id in sorted(seen_links):
        body = check(client, f"{FEED}/service_at_locations/{link_id}", "/service_at_locations/{id}")
        check_compiled(body, "service_at_location.json")  # what HSDS itself says this answer is
        answers.append((link_id, body))
    taxonomies = check(client, FEED + "/taxonomies", "/taxonomies")
    answers.append(("/taxonomies", taxonomies))
    answers.append(("/taxonomies?per_page=1&page=2", check(client, FEED + "/taxonomies?per_page=1&page=2",
                                                           "/taxonomies")))
    for taxonomy in taxonomies["contents"]:
        answers.append((taxonomy["id"], check(client, f"{FEED}/taxonomies/{taxonomy['id']}", "/taxonomies/{id}")))
    for query in ["", "?per_page=5&page=3", f"?taxonomy_id={TAXONOMIES[TIER].id}", "?search=toilet"]:
        terms = check(client, FEED + "/taxonomy_terms" + query, "/taxonomy_terms")
        answers.append(("/taxonomy_terms" + query, terms))
        for found in terms["contents"]:
            answers.append((found["id"], check(client, f"{FEED}/taxonomy_terms/{found['id']}", "/taxonomy_terms/{id}")))
    return answers


def test_every_endpoint_answers_by_the_standards_schemas_and_publishes_only_public_offers(app, client):
    offers = _area()
    answers = _crawl(client)
    listed = {s["id"] for path, body in answers if path == "/services" for s in body["contents"]}
    assert listed == {_service_id(offers[n]) for n in range(5)}
    for hidden in ("suspended", "pending", "draft", "withdrawn"):
        assert client.get(f"{FEED}/services/{_service_id(offers[hidden])}").status_code == 404
    text = json.dumps([body for _path, body in answers])
    for name, value in PRIVATE.items():
        assert value not in text, f"the feed shows {name}"
    keys = {key for _path, body in answers for key in _keys(body)}
    assert not keys & {"child", "children", "child_id", "booking", "bookings", "family", "date_of_birth", "phone",
                       "places_taken", "capacity", "emergency_contact", "needs_notes"}


def _keys(document) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {key for value in document.values() for key in _keys(value)}
    if isinstance(document, list):
        return {key for value in document for key in _keys(value)}
    return set()


def test_a_service_maps_the_offer_its_provider_venue_schedules_price_and_vocabularies(app, client):
    offers = _area()
    offer = offers[0]
    service = client.get(f"{FEED}/services/{_service_id(offer)}").json
    assert service["name"] == offer.title and service["status"] == "active"
    assert service["url"] == f"http://localhost/local-offer/{offer.id}"  # where families book
    assert (service["minimum_age"], service["maximum_age"]) == (5, 11)
    assert "Who can book: Open to any disabled child or young person." in service["description"]
    assert service["organization"]["name"] == "Sunshine Play Trust"
    assert service["organization"]["website"] == "https://www.sunshine.example.org"
    weekly = next(s for s in service["schedules"] if "freq" in s)
    assert (weekly["freq"], weekly["byday"], weekly["interval"], weekly["opens_at"]) == ("WEEKLY", "SA", 1, "10:00:00")
    one_off = [s for s in service["schedules"] if "freq" not in s]
    assert len(one_off) == 1 and one_off[0]["valid_from"] == one_off[0]["dtstart"]
    assert service["cost_options"][0]["amount"] == 0 and service["cost_options"][0]["option"] == "Free"
    assert client.get(f"{FEED}/services/{_service_id(offers[1])}").json["cost_options"][0]["amount"] == 12.5
    terms = {a["taxonomy_term"]["term"] for a in service["attributes"]}
    assert terms == {"universal", "sport", "autism", "learning"}
    location = service["service_at_locations"][0]["location"]
    assert location["name"] == offer.venue
    assert {a["description"] for a in location["accessibility"]} == {"Step-free access", "Quiet space"}
    assert service["service_areas"][0]["name"] == "East"
    assert service["funding"][0]["source"] == "Commissioned by the council"
    other = client.get(f"{FEED}/services/{_service_id(offers[3])}").json
    assert "website" not in other["organization"]  # "not a web address" is left out rather than published broken


def test_a_suspended_providers_services_disappear_and_come_back_as_changed(app, client):
    offers = _area()
    council = UserFactory(role=Role.COUNCIL)
    provider = offers[0].provider
    provider.insurance_expires_on = date.today() + timedelta(days=200)
    db.session.commit()
    service_ids = {_service_id(offers[n]) for n in range(3)}
    before = utcnow()
    with app.test_request_context():
        suspend_provider(provider, "Safeguarding concern under review", by=council)
    db.session.commit()
    listed = {s["id"] for s in client.get(f"{FEED}/services?per_page=200").json["contents"]}
    assert not listed & service_ids and listed
    links = {s["service"]["id"] for s in client.get(f"{FEED}/service_at_locations").json["contents"]}
    assert not links & service_ids
    for service_id in service_ids:
        assert client.get(f"{FEED}/services/{service_id}").status_code == 404
    assert client.get(f"{FEED}/services?organization_id={ids.record_id(ids.ORGANIZATION, provider.id)}") \
        .json["total_items"] == 0
    with app.test_request_context():
        reinstate_provider(provider, "Concern resolved", by=council)
    db.session.commit()
    since = quote(before.isoformat())
    changed = {s["id"] for s in client.get(f"{FEED}/services?modified_after={since}").json["contents"]}
    assert changed == service_ids  # an aggregator asking for what changed learns they are back


def test_modified_after_returns_only_what_changed(app, client):
    offers = _area()
    long_ago = NOW - timedelta(days=30)
    for offer in offers.values():
        offer.created_at = long_ago
    db.session.commit()
    cutoff = utcnow()
    everything = client.get(f"{FEED}/services?modified_after={quote(long_ago.isoformat())}").json["total_items"]
    assert everything == 5
    # The series and the one-off sessions were created just now, without audit entries: only the offers' own
    # audited changes count, and a session that has started.
    assert client.get(f"{FEED}/services?modified_after={quote(cutoff.isoformat())}").json["total_items"] == 0
    record("offer_changed", offers[3], by=None)
    db.session.commit()
    changed = client.get(f"{FEED}/services?modified_after={quote(cutoff.isoformat())}").json["contents"]
    assert [s["id"] for s in changed] == [_service_id(offers[3])]
    assert changed[0]["last_modified"] >= cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # A change to the provider's details changes each of its services; its staff joining does not.
    record("staff_joined", offers[4].provider, by=None)
    db.session.commit()
    assert len(client.get(f"{FEED}/services?modified_after={quote(cutoff.isoformat())}").json["contents"]) == 1
    record("provider_details_changed", offers[4].provider, by=None)
    db.session.commit()
    assert len(client.get(f"{FEED}/services?modified_after={quote(cutoff.isoformat())}").json["contents"]) == 2


def test_filters_mean_what_the_standard_says(app, client):
    offers = _area()

    def found(query: str) -> set[int]:
        body = client.get(f"{FEED}/services{query}").json
        by_id = {_service_id(o): n for n, o in offers.items()}
        return {by_id[s["id"]] for s in body["contents"]}

    assert found("?minimum_age=8") == {1, 2, 4}  # a minimum age of at least 8
    assert found("?maximum_age=11") == {0, 3}  # a maximum age of 11 or under
    assert found(f"?taxonomy_term_id={term(NEED, 'autism').id}") == {0}
    assert found(f"?taxonomy_term_id={term(TIER, 'universal').id}") == {0, 3, 4}
    assert found(f"?taxonomy_term_id={term(ACCESSIBILITY_FEATURE, 'hoist').id}") == {1}
    assert found(f"?taxonomy_id={TAXONOMIES[ACCESSIBILITY_FEATURE].id}") == {0, 1, 3}
    assert found(f"?organization_id={ids.record_id(ids.ORGANIZATION, offers[3].provider_id)}") == {3, 4}
    assert found("?search=sunshine") == {0, 1, 2}
    assert found("?day=SA") == {0}
    assert found("?day=SA&start_time=10:00&end_time=12:00") == {0}
    assert found("?day=SA&start_time=10:01") == set()
    assert found("?day=SA&end_time=11:59") == set()
    assert found("?postcode=B1%201AA&proximity=500") == {0, 1, 2, 3, 4}  # accepted and ignored, as documented
    assert found(f"?taxonomy_term_id={ids.record_id(ids.SERVICE, 1)}") == set()  # a UUID that names no term


def test_london_clock_in_sql_follows_british_summer_time(app):
    moments = [datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc),
               datetime(2026, 7, 1, 9, 30, 15, tzinfo=timezone.utc), datetime(2026, 10, 25, 0, 59, tzinfo=timezone.utc),
               datetime(2026, 10, 25, 1, 0, tzinfo=timezone.utc), datetime(2027, 1, 5, 23, 45, tzinfo=timezone.utc),
               datetime(2027, 3, 28, 1, 0, 1, 500, tzinfo=timezone.utc)]
    for moment in moments:
        clock = db.session.scalar(select(london_clock(literal(moment, UTCDateTime()))))
        assert clock == moment.astimezone(LONDON).strftime("%H:%M:%S"), moment


def test_ids_are_stable_and_lead_back_to_their_rows(app):
    service_id = ids.record_id(ids.SERVICE, 42)
    assert UUID.match(service_id) and service_id[14] == "8"  # RFC 9562 version 8: a layout of our own
    assert ids.row_id(ids.SERVICE, service_id) == 42 and ids.row_id(ids.SERVICE, service_id.upper()) == 42
    assert ids.row_id(ids.ORGANIZATION, service_id) is None and ids.row_id(ids.SERVICE, "42") is None
    assert ids.record_id(ids.SERVICE, 42) != ids.record_id(ids.LOCATION, 42)
    # The vocabularies' ids are the same in every portal and every release: aggregators keep them.
    assert term(TIER, "specialist").id == "bdc7c50e-a5e5-5cef-b4cf-d4a87e2b5311"
    assert term(NEED, "autism").id == ids.vocabulary_id("need", "autism")


def test_mistakes_and_unknown_ids_are_problems(app, client):
    _area()
    bad = client.get(f"{FEED}/services?page=0&per_page=1000&minimum_age=old&day=Funday&start_time=25:00"
                     "&modified_after=yesterday&taxonomy_term_id=autism")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert {e["parameter"] for e in bad.json["errors"]} == {"page", "per_page", "minimum_age", "day", "start_time",
                                                            "modified_after", "taxonomy_term_id"}
    assert bad.headers["Access-Control-Allow-Origin"] == "*"
    for path in ["/services/not-a-uuid", f"/services/{ids.record_id(ids.SERVICE, 999999)}",
                 f"/service_at_locations/{ids.record_id(ids.SERVICE, 1)}", "/taxonomies/x", "/taxonomy_terms/x",
                 "/organizations"]:
        missing = client.get(FEED + path)
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json", path
        assert missing.json["status"] == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    refused = client.post(FEED + "/services")
    assert refused.status_code == 405 and refused.mimetype == "application/problem+json"


def test_answers_can_be_cached_and_a_conditional_get_answers_304(app, client):
    offers = _area()
    for url in ["/", "/services", "/taxonomies", f"/services/{_service_id(offers[0])}"]:
        first = client.get(FEED + url)
        assert first.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
        etag = first.headers["ETag"]
        again = client.get(FEED + url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    one = client.get(f"{FEED}/services/{_service_id(offers[0])}")
    assert one.last_modified is not None
    unchanged = client.get(f"{FEED}/services/{_service_id(offers[0])}",
                           headers={"If-Modified-Since": one.headers["Last-Modified"]})
    assert unchanged.status_code == 304
    record("offer_changed", offers[0], by=None)
    db.session.commit()
    changed = client.get(f"{FEED}/services/{_service_id(offers[0])}", headers={"If-None-Match": one.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != one.headers["ETag"]


def test_signed_in_people_get_no_shared_copies(app, login):
    client = login(UserFactory(role=Role.PARENT_CARER))
    assert "no-store" in client.get(FEED + "/services").headers["Cache-Control"]


# --- queries per page --------------------------------------------------------------------------------

def _build(offers: int, sessions_each: int):
    """The local offer's query test's offers, with the audit entries and series a feed page reads as well."""
    made = build(offers, sessions_each)
    for offer in made:
        record("offer_changed", offer, by=None)
        for session in offer.sessions:
            record("session_created", session, by=None)
    first = (NOW + timedelta(days=1)).astimezone(LONDON).date()
    for offer in made[:3]:
        create_series(offer, rule=weekly_rule(first, first + timedelta(days=7 * sessions_each), [2, 5]),
                      first_day=first, start=time(16), end=time(18), capacity=8, exceptions=[], by=None)
    db.session.commit()
    return made


def _queries(client, url: str) -> int:
    client.get(url)
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.text
    return len(statements)


FEED_PAGES = ["/services?per_page=20", "/service_at_locations?per_page=20&page=2",
              "/services?per_page=20&search=club&minimum_age=1&day=TU,SA&start_time=09:00"
              f"&modified_after=2000-01-01T00:00:00Z&taxonomy_id={ids.vocabulary_id('need')}"]


@pytest.mark.parametrize("url", FEED_PAGES)
def test_a_page_costs_the_same_queries_at_any_size(app, client, url):
    _build(offers=25, sessions_each=2)
    small = _queries(client, FEED + url)
    _build(offers=250, sessions_each=2)
    large = _queries(client, FEED + url)
    assert small == large, f"{url}: {small} queries with 25 offers, {large} with 275"
    # A keyword search first reads the offers' vocabulary once, to forgive a misspelt word.
    assert small <= (4 if "search=" in url else 3)


def test_a_service_costs_the_same_queries_however_many_sessions(app, client):
    small, large = _build(offers=1, sessions_each=3)[0], _build(offers=1, sessions_each=30)[0]
    counts = [_queries(client, f"{FEED}/{kind}/{ids.record_id(kind_id, offer.id)}")
              for kind, kind_id in (("services", ids.SERVICE), ("service_at_locations", ids.SERVICE_AT_LOCATION))
              for offer in (small, large)]
    assert counts[0] == counts[1] and counts[2] == counts[3], counts


def test_the_schema_check_catches_a_broken_answer():
    """The control: the same validators refuse what the standard does not allow (refs and formats are followed)."""
    broken_service = {"id": "12", "name": "Club", "organization": {"id": "not-a-uuid", "name": "x"},
                      "schedules": [{"id": "x", "freq": "DAILY"}], "last_modified": "yesterday"}
    errors = {e.message for e in _validator(_response_pointer("/services/{id}")).iter_errors(broken_service)}
    assert "'status' is a required property" in errors and "'description' is a required property" in errors
    assert any("is not a 'uuid'" in e for e in errors) and any("DAILY" in e for e in errors)
    assert any("date-time" in e for e in errors)
    broken_page = {"total_items": "many", "contents": [{"id": "x"}]}
    errors = {e.message for e in _validator(_response_pointer("/taxonomies")).iter_errors(broken_page)}
    assert "'many' is not of type 'integer'" in errors and "'name' is a required property" in errors
