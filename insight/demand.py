"""Unmet demand, for the commissioners and for the statement's gaps:

- waiting lists now: families waiting, places they wait for, and how long they have waited (median and longest, for
  each tier and locality, and the median over every list for the statement's gaps);
- sessions full when a family came to book, searches of the local offer that found nothing (by each filter),
  refusals by reason (a child's age, no assessment, too little in a budget) and the council's funding run out,
  noted as they happened in the financial year (``bookings.demand``: never who);
- children with no break for their need in their own locality: for each locality and need, the children living
  there with that need for whom no published break in the locality supports it at their age today.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from sqlalchemy import select

from portal import page_cache
from portal.extensions import db
from portal.models import NEEDS, Child
from portal.timeutil import age_on, london_midnight_utc, to_london
from providers.models import (
    DemandEvent,
    DemandKind,
    Offer,
    OfferNeed,
    OfferStatus,
    Provider,
    ProviderStatus,
    Session,
    WaitingListEntry,
    WaitingStatus,
)

from .uptake import age_band

# Kept (page_cache.remember) until a waiting list changes, and for at most PAGE_CACHE_SECONDS: a new sign of unmet
# demand shows within that. Not watched: an empty search notes one on the public search page, and must not move
# every public page's cache on.
page_cache.watch(WaitingListEntry)

SEARCH_FILTERS = ("need", "tier", "age", "locality", "day")
OLDEST = 25


@dataclass(frozen=True)
class Waiting:
    key: str  # a locality's id or a tier
    families: int
    places: int
    median_days: int
    longest_days: int


@dataclass(frozen=True)
class NoBreak:
    locality_id: int
    need: str
    children: int


@dataclass
class UnmetDemand:
    year: int
    waiting_by_locality: list[Waiting] = field(default_factory=list)
    waiting_by_tier: list[Waiting] = field(default_factory=list)
    full_by_locality: dict[str, int] = field(default_factory=dict)
    full_by_tier: dict[str, int] = field(default_factory=dict)
    searches: int = 0
    searches_by: dict[str, dict[str, int]] = field(default_factory=dict)  # filter -> value -> searches
    refusals: dict[str, int] = field(default_factory=dict)  # reason -> refusals
    refusals_by_tier: dict[str, int] = field(default_factory=dict)
    funding_exhausted_by_month: dict[str, int] = field(default_factory=dict)
    funding_exhausted_by_locality: dict[str, int] = field(default_factory=dict)
    no_break: list[NoBreak] = field(default_factory=list)
    waiting_families: int = 0  # families on any waiting list now, each once
    waiting_median_days: int = 0  # the median wait so far over every waiting list's entries (0 with none)

    @property
    def full(self) -> int:
        return sum(self.full_by_tier.values())

    @property
    def refused(self) -> int:
        return sum(self.refusals.values())

    @property
    def funding_exhausted(self) -> int:
        return sum(self.funding_exhausted_by_month.values())

    @property
    def children_without_a_break(self) -> int:
        return sum(gap.children for gap in self.no_break)


def unmet_demand(year: int, today: date) -> UnmetDemand:
    return page_cache.remember(f"insight-demand:{year}:{today.isoformat()}", lambda: _work_out(year, today))


def _work_out(year: int, today: date) -> UnmetDemand:
    found = UnmetDemand(year)
    (found.waiting_by_locality, found.waiting_by_tier, found.waiting_families,
     found.waiting_median_days) = _waiting(today)
    _events(found)
    found.no_break = _no_break_nearby(today)
    return found


def _waiting(today: date) -> tuple[list[Waiting], list[Waiting], int, int]:
    """Families on a waiting list now (waiting, or offered a place they have not yet taken), for sessions to come: by
    locality, by tier, how many families in all, and the median days waited over every entry."""
    rows = db.session.execute(
        select(Offer.locality_id, Offer.tier, WaitingListEntry.family_id, WaitingListEntry.places,
               WaitingListEntry.joined_at)
        .join(Session, Session.id == WaitingListEntry.session_id).join(Offer, Offer.id == Session.offer_id)
        .where(WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]),
               Session.starts_at >= london_midnight_utc(today))).all()
    by_locality, by_tier = defaultdict(list), defaultdict(list)
    families, waits = set(), []
    for locality_id, tier, family_id, places, joined_at in rows:
        waited = (today - to_london(joined_at).date()).days
        by_locality[str(locality_id)].append((family_id, places, waited))
        by_tier[tier.value].append((family_id, places, waited))
        families.add(family_id)
        waits.append(waited)

    def lines(groups) -> list[Waiting]:
        # Families, not entries: a family waiting on several sessions (a series) is one family waiting.
        return [Waiting(key, len({f for f, _p, _w in entries}), sum(p for _f, p, _w in entries),
                        round(median(w for _f, _p, w in entries)), max(w for _f, _p, w in entries))
                for key, entries in sorted(groups.items())]

    return lines(by_locality), lines(by_tier), len(families), round(median(waits)) if waits else 0


def _events(found: UnmetDemand) -> None:
    starts, ends = date(found.year, 4, 1), date(found.year + 1, 4, 1)
    full_locality, full_tier, refusals, refusal_tiers = Counter(), Counter(), Counter(), Counter()
    exhausted_month, exhausted_locality = Counter(), Counter()
    searches_by: dict[str, Counter] = {name: Counter() for name in SEARCH_FILTERS}
    for kind, reason, tier, locality_id, filters, on in db.session.execute(
            select(DemandEvent.kind, DemandEvent.reason, DemandEvent.tier, DemandEvent.locality_id,
                   DemandEvent.filters, DemandEvent.noted_on)
            .where(DemandEvent.noted_on >= starts, DemandEvent.noted_on < ends)):
        if kind is DemandKind.FULL:
            full_locality[str(locality_id)] += 1
            full_tier[tier] += 1
        elif kind is DemandKind.REFUSED:
            refusals[reason] += 1
            refusal_tiers[tier] += 1
        elif kind is DemandKind.FUNDING_EXHAUSTED:
            exhausted_month[f"{on:%Y-%m}"] += 1
            exhausted_locality[str(locality_id)] += 1
        elif kind is DemandKind.SEARCH_EMPTY:
            found.searches += 1
            filters = filters or {}
            for name in ("need", "tier", "locality", "day"):
                for value in filters.get(name) or []:
                    searches_by[name][str(value)] += 1
            if filters.get("age") is not None:
                searches_by["age"][age_band(int(filters["age"]))] += 1
    found.full_by_locality, found.full_by_tier = dict(full_locality), dict(full_tier)
    found.refusals, found.refusals_by_tier = dict(refusals), dict(refusal_tiers)
    found.funding_exhausted_by_month = dict(sorted(exhausted_month.items()))
    found.funding_exhausted_by_locality = dict(exhausted_locality)
    found.searches_by = {name: dict(counts.most_common()) for name, counts in searches_by.items()}


def _no_break_nearby(today: date) -> list[NoBreak]:
    """For each locality and need: the children living there with the need and no published break in the locality
    that supports it at their age today (a break that names no needs is open to every need)."""
    listed = (select(Offer.id, Offer.locality_id, Offer.min_age, Offer.max_age)
              .join(Provider, Provider.id == Offer.provider_id)
              .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED))
    offers = {row.id: row for row in db.session.execute(listed)}
    supports: dict[int, set[str]] = defaultdict(set)
    for offer_id, need in db.session.execute(select(OfferNeed.offer_id, OfferNeed.need)
                                             .where(OfferNeed.offer_id.in_(list(offers)))):
        supports[offer_id].add(need)
    # locality -> need (None: any need) -> age ranges of the breaks there
    ranges: dict[int, dict[str | None, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for offer in offers.values():
        for need in supports.get(offer.id) or {None}:
            ranges[offer.locality_id][need].append((offer.min_age, offer.max_age))
    gaps: Counter = Counter()
    for locality_id, needs, born in db.session.execute(
            select(Child.locality_id, Child.needs, Child.date_of_birth).where(Child.locality_id.is_not(None))):
        age = age_on(born, today)
        if age > OLDEST:
            continue  # short breaks are for children and young people up to 25
        there = ranges.get(locality_id, {})
        for need in needs or []:
            if need not in NEEDS:
                continue
            if not any(low <= age <= high for low, high in [*there.get(need, []), *there.get(None, [])]):
                gaps[(locality_id, need)] += 1
    return [NoBreak(locality_id, need, count) for (locality_id, need), count in sorted(gaps.items())]
