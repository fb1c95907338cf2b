"""The feed's query parameters: read from a request, checked, and turned into a query on the public offers.

Supported: search, page, per_page, taxonomy_term_id, taxonomy_id, organization_id, minimum_age, maximum_age, day,
start_time, end_time and modified_after (or last_modified). Accepted and ignored, as the data does not allow them:
postcode and proximity (venues are written as text, with no postcode or coordinates), and minimal, full,
full_service and format. Times and days are London's, as families see them."""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

from sqlalchemy import String, and_, exists, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from local_offer.search import OfferFilters, matching_offers
from portal.timeutil import utcnow
from providers.models import (
    Category,
    Offer,
    Session,
    SessionStatus,
    Tier,
    offer_features,
    offer_needs,
)

from . import ids
from .changes import changed_since
from .taxonomies import ACCESSIBILITY_FEATURE, CATEGORY, NEED, TAXONOMIES_BY_ID, TERMS_BY_ID, TIER, Term

DEFAULT_PER_PAGE, MOST_PER_PAGE = 50, 200
MOST_PAGES = 100_000
LONGEST_SEARCH = 100
# RFC 5545's day codes, Monday first like Session.weekday; English day names are accepted too.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")
OFFSET_AFTER_SPACE = re.compile(r"(T[\d:.]+) (\d\d:?\d\d)$")


class london_clock(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """A stored UTC moment as London's wall-clock time, "HH:MM:SS", in SQL (the portal stores UTC without a zone)."""

    type = String()
    name = "london_clock"
    inherit_cache = True


@compiles(london_clock)
def _london_clock_in_sqlite(element, compiler, **kw):
    # SQLite knows no time zones: British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC
    # on the last Sunday of October (the Sunday on or after the 25th).
    moment = compiler.process(list(element.clauses)[0], **kw)
    return (f"CASE WHEN {moment} >= datetime(strftime('%Y', {moment}) || '-03-25', 'weekday 0', '+1 hours') "  # i18n: not shown (SQL)
            f"AND {moment} < datetime(strftime('%Y', {moment}) || '-10-25', 'weekday 0', '+1 hours') "
            f"THEN strftime('%H:%M:%S', {moment}, '+1 hours') ELSE strftime('%H:%M:%S', {moment}) END")


@compiles(london_clock, "postgresql")
def _london_clock_in_postgresql(element, compiler, **kw):
    moment = compiler.process(list(element.clauses)[0], **kw)
    return f"to_char(({moment} AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/London', 'HH24:MI:SS')"  # i18n: not shown (SQL)


@dataclass
class FeedFilters:
    search: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    term: Term | None = None
    taxonomy_key: str | None = None
    organization: int | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    days: list[int] = field(default_factory=list)
    start_time: str | None = None
    end_time: str | None = None
    modified_after: datetime | None = None
    # A well-formed id that names nothing here: the answer is an empty page, not an error.
    matches_nothing: bool = False
    errors: list[dict] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> FeedFilters:
        filters = cls()
        filters.search = args.get("search", "").strip()[:LONGEST_SEARCH]
        filters.page = filters._whole_number(args, "page", 1, MOST_PAGES, 1)
        filters.per_page = filters._whole_number(args, "per_page", 1, MOST_PER_PAGE, DEFAULT_PER_PAGE)
        if args.get("taxonomy_term_id"):
            filters.term = filters._known(args, "taxonomy_term_id", TERMS_BY_ID)
        if args.get("taxonomy_id"):
            taxonomy = filters._known(args, "taxonomy_id", TAXONOMIES_BY_ID)
            filters.taxonomy_key = taxonomy.key if taxonomy else None
        if args.get("organization_id"):
            filters.organization = filters._row(args, "organization_id", ids.ORGANIZATION)
        filters.minimum_age = filters._age(args, "minimum_age")
        filters.maximum_age = filters._age(args, "maximum_age")
        filters.days = filters._days(args)
        filters.start_time = filters._clock(args, "start_time")
        filters.end_time = filters._clock(args, "end_time")
        name = "modified_after" if "modified_after" in args else "last_modified"
        filters.modified_after = filters._moment(args, name)
        return filters

    def _problem(self, parameter: str, detail: str) -> None:
        self.errors.append({"parameter": parameter, "detail": detail})

    def _whole_number(self, args, name: str, least: int, most: int, default: int) -> int:
        raw = args.get(name, "").strip()
        if not raw:
            return default
        if raw.isascii() and raw.isdigit() and least <= int(raw) <= most:
            return int(raw)
        self._problem(name, f"Give a whole number from {least} to {most}.")  # i18n: not shown (machine-readable feed)
        return default

    def _known(self, args, name: str, by_id: dict):
        raw = _uuid(args.get(name, ""))
        if raw is None:
            self._problem(name, "Give a UUID.")  # i18n: not shown (machine-readable feed)
            return None
        found = by_id.get(raw)
        self.matches_nothing |= found is None
        return found

    def _row(self, args, name: str, kind: str) -> int | None:
        raw = _uuid(args.get(name, ""))
        if raw is None:
            self._problem(name, "Give a UUID.")  # i18n: not shown (machine-readable feed)
            return None
        found = ids.row_id(kind, raw)
        self.matches_nothing |= found is None
        return found

    def _age(self, args, name: str) -> float | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            age = float(raw)
        except ValueError:
            age = -1.0
        if 0 <= age <= 150:
            return age
        self._problem(name, "Give an age in years, from 0 to 150.")  # i18n: not shown (machine-readable feed)
        return None

    def _days(self, args) -> list[int]:
        days = []
        for word in (w.strip().lower() for w in args.get("day", "").split(",") if w.strip()):
            if word.upper() in DAY_CODES:
                days.append(DAY_CODES.index(word.upper()))
            elif word in DAY_NAMES:
                days.append(DAY_NAMES.index(word))
            else:
                self._problem("day", "Give days as RFC 5545 codes (MO, TU, WE, TH, FR, SA, SU) or English "  # i18n: not shown (machine-readable feed)
                                     "names, separated by commas.")  # i18n: not shown (machine-readable feed)
        return sorted(set(days))

    def _clock(self, args, name: str) -> str | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        found = CLOCK.fullmatch(raw)
        if found is None:
            self._problem(name, "Give a time of day in London as HH:MM or HH:MM:SS.")  # i18n: not shown (machine-readable feed)
            return None
        return time(int(found[1]), int(found[2]), int(found[3] or 0)).isoformat()

    def _moment(self, args, name: str) -> datetime | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            # An unencoded "+" in a query string arrives as a space.
            moment = datetime.fromisoformat(OFFSET_AFTER_SPACE.sub(r"\1+\2", raw))
        except ValueError:
            self._problem(name, "Give an ISO 8601 date and time, like 2026-03-15T10:30:00Z.")  # i18n: not shown (machine-readable feed)
            return None
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _uuid(text: str) -> str | None:
    """A UUID in its usual form (lower case, with hyphens), or None for anything else."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


def _has_term(term: Term):
    if term.taxonomy_key == TIER:
        return Offer.tier == Tier(term.code)
    if term.taxonomy_key == CATEGORY:
        return Offer.category == Category(term.code)
    if term.taxonomy_key == NEED:
        return Offer.id.in_(select(offer_needs.c.offer_id).where(offer_needs.c.need == term.code))
    return exists().where(offer_features.c.offer_id == Offer.id, offer_features.c.feature == term.code)


def _has_taxonomy(key: str):
    if key == NEED:
        return exists().where(offer_needs.c.offer_id == Offer.id)
    if key == ACCESSIBILITY_FEATURE:
        return exists().where(offer_features.c.offer_id == Offer.id)
    return Offer.id.is_not(None)  # every offer has a tier and a kind


def offers_query(filters: FeedFilters):
    """The public offers matching the filters, as a query (the same offers the local offer shows anyone)."""
    stmt = matching_offers(OfferFilters(keywords=filters.search))
    if filters.matches_nothing:
        return stmt.where(Offer.id.is_(None))
    if filters.term is not None:
        stmt = stmt.where(_has_term(filters.term))
    if filters.taxonomy_key is not None:
        stmt = stmt.where(_has_taxonomy(filters.taxonomy_key))
    if filters.organization is not None:
        stmt = stmt.where(Offer.provider_id == filters.organization)
    # Ages are whole years: 3.5 asks for offers from 4 up. Compared as whole numbers, the index answers.
    if filters.minimum_age is not None:
        stmt = stmt.where(Offer.min_age >= math.ceil(filters.minimum_age))
    if filters.maximum_age is not None:
        stmt = stmt.where(Offer.max_age <= math.floor(filters.maximum_age))
    if filters.days or filters.start_time or filters.end_time:
        # One upcoming session has to meet them all: on a Saturday, starting at 10:00 or later, ending by 15:00.
        conditions = [Session.offer_id == Offer.id, Session.status == SessionStatus.OPEN, Session.starts_at > utcnow()]
        if filters.days:
            conditions.append(Session.weekday.in_(filters.days))
        if filters.start_time:
            conditions.append(london_clock(Session.starts_at) >= filters.start_time)
        if filters.end_time:
            conditions.append(london_clock(Session.ends_at) <= filters.end_time)
        stmt = stmt.where(exists().where(and_(*conditions)))
    if filters.modified_after is not None:
        stmt = stmt.where(changed_since(filters.modified_after))
    return stmt
