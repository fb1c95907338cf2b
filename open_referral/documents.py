"""The mapping: the portal's offers, providers, venues, sessions and vocabularies as Open Referral UK v3 records.

offer -> service (its text, eligibility and ages, a link to its page where families book); provider ->
organization; the offer's venue -> location, joined by one service_at_location; its locality -> service_area;
series -> schedules with RFC 5545 freq/byday; one-off sessions -> schedules for a single date; price -> cost
option; the commissioning body -> funding; tier, kind of break and needs -> the service's attributes;
accessibility features -> the location's accessibility. Nothing about children, families or bookings is here,
nor anything the offer page does not show (a provider's registration numbers, staff, insurance or status)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import current_app
from flask_babel import gettext

from portal.i18n import in_language
from portal.notify import link
from portal.timeutil import to_london
from providers.models import PAYMENT_ROUTE_LABELS, Offer, Provider, Session, SessionSeries

from . import ids
from .published import Timetable
from .taxonomies import VERSION, Taxonomy, Term, accessibility_terms, service_terms

HSDS_VERSION = "3.0"
PROFILE = "https://openreferraluk.org"  # i18n: not shown (machine-readable feed)
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/openapi30.json"  # i18n: not shown (machine-readable feed)
# A web address the standard's "uri" format accepts: http(s), a host, then only the characters RFC 3986 allows.
WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?([/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # i18n: not shown (machine-readable feed)
FREQUENCIES = ("WEEKLY", "MONTHLY")  # the ones v3 has


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, to the millisecond, as the standard asks of last_modified."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def about() -> dict:
    return {"version": HSDS_VERSION, "profile": PROFILE, "openapi_url": OPENAPI_URL}


def term_record(term: Term) -> dict:
    return {"id": term.id, "name": term.name, "description": term.description, "term": term.code,
            "taxonomy": term.taxonomy.name, "taxonomy_id": term.taxonomy.id,
            "term_uri": link("open_referral.taxonomy_term", taxonomy_term_id=term.id)}


def taxonomy_record(taxonomy: Taxonomy, *, with_terms: bool) -> dict:
    record = {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description, "version": VERSION,
              "uri": link("open_referral.taxonomy", taxonomy_id=taxonomy.id)}
    if with_terms:
        record["taxonomy_terms"] = [term_record(term) for term in taxonomy.terms]
    return record


def _attribute(owner_id: str, link_type: str, term: Term) -> dict:
    return {"id": ids.part_id(owner_id, term.id), "link_id": owner_id, "link_type": link_type,
            "taxonomy_term_id": term.id, "taxonomy_term": term_record(term)}


def web_address(text: str | None) -> str | None:
    """A provider's website as a full address ("www.x.org" becomes "https://www.x.org"), or None if it is not one."""
    text = (text or "").strip()
    if text and "://" not in text:
        text = "https://" + text
    return text if WEB_ADDRESS.fullmatch(text) else None


def organization(provider: Provider) -> dict:
    area = current_app.config["AREA_NAME"]
    record = {"id": ids.record_id(ids.ORGANIZATION, provider.id), "name": provider.name,
              "description": f"A provider of short breaks for disabled children and young people in {area}.",  # i18n: not shown (machine-readable feed)
              "email": provider.email}
    website = web_address(provider.website)
    if website:
        record["website"] = website
    return record


def _description(offer: Offer) -> str:
    """The offer page's words in one text: what it is, who can book (the eligibility criteria) and how to get it."""
    parts = [offer.summary, offer.description, f"Who can book: {offer.eligibility}"]  # i18n: not shown (machine-readable feed)
    if offer.how_to_get:
        parts.append(f"How to get it: {offer.how_to_get}")  # i18n: not shown (machine-readable feed)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def service_summary(offer: Offer, modified: datetime) -> dict:
    """The one-to-one fields of a service, as the lists give them (compiled/service_list.json)."""
    return {
        "id": ids.record_id(ids.SERVICE, offer.id),
        "organization_id": ids.record_id(ids.ORGANIZATION, offer.provider_id),
        "name": offer.title,
        "description": _description(offer),
        "url": link("local_offer.offer", offer_id=offer.id),
        "email": offer.provider.email,
        "status": "active",
        "minimum_age": offer.min_age,
        "maximum_age": offer.max_age,
        "last_modified": timestamp(modified),
        "organization": organization(offer.provider),
    }


def location(offer: Offer, *, full: bool) -> dict:
    location_id = ids.record_id(ids.LOCATION, offer.id)
    record = {"id": location_id, "location_type": "physical", "name": offer.venue,
              "description": f"{offer.venue} ({offer.locality.name})"}
    if full:
        record["accessibility"] = [{
            "id": ids.part_id(location_id, term.code), "location_id": location_id, "description": term.name,
            "attributes": [_attribute(location_id, "accessibility", term)],
        } for term in accessibility_terms(offer)]
    return record


def service_at_location_summary(offer: Offer, modified: datetime) -> dict:
    """compiled/service_at_location_list.json: the link, its location and its service's one-to-one fields."""
    return {"id": ids.record_id(ids.SERVICE_AT_LOCATION, offer.id),
            "service_id": ids.record_id(ids.SERVICE, offer.id),
            "location_id": ids.record_id(ids.LOCATION, offer.id),
            "location": location(offer, full=False),
            "service": service_summary(offer, modified)}


def _clock(moment: datetime) -> str:
    return to_london(moment).strftime("%H:%M:%S")


def _rule_parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.removeprefix("RRULE:").split(";") if "=" in part)


def _series_schedule(series: SessionSeries, cancelled: list[Session], service_id: str, link_id: str,
                     page: str) -> dict:
    rule = _rule_parts(series.rrule)
    days = [code for code in rule.get("BYDAY", "").split(",") if code in DAY_CODES]
    interval = int(rule.get("INTERVAL", "1"))
    record = {"id": ids.record_id(ids.SERIES_SCHEDULE, series.id), "service_id": service_id,
              "service_at_location_id": link_id, "dtstart": series.first_day.isoformat(),
              "valid_from": series.first_day.isoformat(), "interval": interval,
              "opens_at": f"{series.start_time}:00", "closes_at": f"{series.end_time}:00",
              "schedule_link": page, "attending_type": "in person"}  # i18n: not shown (machine-readable feed)
    if rule.get("FREQ") in FREQUENCIES:
        record["freq"] = rule["FREQ"]
    if days:
        record["byday"] = ",".join(days)
    if rule.get("UNTIL"):
        until = rule["UNTIL"][:8]
        record["valid_to"] = f"{until[:4]}-{until[4:6]}-{until[6:8]}"
    every = "Every week" if interval == 1 else f"Every {interval} weeks"  # i18n: not shown (machine-readable feed)
    on = " and ".join(DAY_NAMES[DAY_CODES.index(code)] for code in days)  # i18n: not shown (machine-readable feed)
    record["description"] = f"{every} on {on}, {series.start_time} to {series.end_time}."  # i18n: not shown (machine-readable feed)
    skipped = sorted(set(series.exceptions or []) | {to_london(s.starts_at).date().isoformat() for s in cancelled})
    if skipped:
        record["notes"] = "No session on " + ", ".join(skipped) + "."  # i18n: not shown (machine-readable feed)
    return record


def _session_schedule(session: Session, service_id: str, link_id: str, page: str) -> dict:
    starts, ends = to_london(session.starts_at), to_london(session.ends_at)
    return {"id": ids.record_id(ids.SESSION_SCHEDULE, session.id), "service_id": service_id,
            "service_at_location_id": link_id, "dtstart": starts.date().isoformat(),
            "valid_from": starts.date().isoformat(), "valid_to": ends.date().isoformat(),
            "opens_at": _clock(session.starts_at), "closes_at": _clock(session.ends_at),
            "description": f"One session: {DAY_NAMES[starts.weekday()]} {starts.date().isoformat()}, "  # i18n: not shown (machine-readable feed)
                           f"{starts:%H:%M} to {ends:%H:%M}.",
            "schedule_link": page, "attending_type": "in person"}  # i18n: not shown (machine-readable feed)


def _cost_option(offer: Offer, service_id: str) -> dict:
    with in_language("en"):
        option, words = gettext(PAYMENT_ROUTE_LABELS[offer.payment_route]), offer.cost_in_words
    return {"id": ids.record_id(ids.COST_OPTION, offer.id), "service_id": service_id, "option": option,
            "amount": offer.price_pence / 100, "amount_description": words}


def service(offer: Offer, modified: datetime, timetable: Timetable) -> dict:
    """The fully nested service (compiled/service.json)."""
    record = service_summary(offer, modified)
    service_id, page = record["id"], record["url"]
    link_id = ids.record_id(ids.SERVICE_AT_LOCATION, offer.id)
    with in_language("en"):
        commissioner = offer.tier.body.label
    record.update({
        "schedules": [_series_schedule(series, timetable.cancelled.get(series.id, []), service_id, link_id, page)
                      for series in timetable.series]
                     + [_session_schedule(session, service_id, link_id, page) for session in timetable.sessions],
        "service_areas": [{"id": ids.record_id(ids.SERVICE_AREA, offer.id), "service_id": service_id,
                           "name": offer.locality.name, "service_area": offer.locality.name}],
        "service_at_locations": [{"id": link_id, "service_id": service_id,
                                  "location_id": ids.record_id(ids.LOCATION, offer.id),
                                  "location": location(offer, full=True)}],
        "funding": [{"id": ids.record_id(ids.FUNDING, offer.id), "service_id": service_id,
                     "source": f"Commissioned by {commissioner}"}],  # i18n: not shown (machine-readable feed)
        "cost_options": [_cost_option(offer, service_id)],
        "attributes": [_attribute(service_id, "service", term) for term in service_terms(offer)],
    })
    return record


def service_at_location(offer: Offer, modified: datetime, timetable: Timetable) -> dict:
    """The link between the service and its venue, fully nested. The UK profile's openapi30.json describes this
    answer with compiled/service.json, HSDS with compiled/service_at_location.json: it carries the service's name
    and status at the top as well, so that it is valid by both."""
    nested = service(offer, modified, timetable)
    link_record = nested.pop("service_at_locations")[0]
    return {**link_record, "name": nested["name"], "status": nested["status"], "service": nested}

