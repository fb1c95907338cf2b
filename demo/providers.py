"""The demo's providers and their offers: clubs and charities running universal and targeted breaks, care providers
running specialist ones, a few waiting for the council's approval."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from portal.models import ACCESSIBILITY, AuditEvent
from providers.models import (
    Body,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Tier,
    offer_features,
    offer_needs,
)

from .common import Seed
from .people import AREAS, EAST, NEED_WEIGHTS, pick_area
from .timetable import HOLIDAYS, SLOTS, Slot
from .words import (
    ACTIVITIES,
    ADJECTIVES,
    BOOKING_NOTE,
    CATEGORY_COPY,
    CRITERIA_ARE_A_GUIDE,
    ELIGIBILITY,
    EMAIL_BOXES,
    HOW_TO_GET,
    MEN,
    NOUNS,
    PROVIDER_NAMES,
    SPECIALIST_ACTIVITIES,
    STAFFING,
    SURNAMES,
    TREES,
    VENUES,
    WOMEN,
)

PROVIDER_KIND_WEIGHTS = {"sport": 20, "arts": 15, "youth": 15, "play": 25, "care": 25}
# What each kind of provider runs, by tier: clubs and charities run universal and targeted breaks,
# care providers run specialist ones.
KIND_CATEGORIES = {
    "sport": {Tier.UNIVERSAL: (Category.SPORT, Category.OUTDOOR), Tier.TARGETED: (Category.SPORT,)},
    "arts": {Tier.UNIVERSAL: (Category.ARTS, Category.FAMILY), Tier.TARGETED: (Category.ARTS,)},
    "youth": {Tier.UNIVERSAL: (Category.YOUTH_CLUB, Category.OUTDOOR, Category.FAMILY),
              Tier.TARGETED: (Category.YOUTH_CLUB, Category.HOLIDAY)},
    "play": {Tier.UNIVERSAL: (Category.FAMILY, Category.HOLIDAY, Category.AFTER_SCHOOL),
             Tier.TARGETED: (Category.AFTER_SCHOOL, Category.HOLIDAY)},
    "care": {Tier.TARGETED: (Category.AFTER_SCHOOL, Category.HOLIDAY, Category.DAY_CARE),
             Tier.SPECIALIST: (Category.OVERNIGHT, Category.SITTING, Category.DAY_CARE, Category.HOLIDAY)},
}

AGE_RANGES = {
    Category.AFTER_SCHOOL: ((4, 11), (5, 11), (5, 14), (8, 16), (11, 16)),
    Category.HOLIDAY: ((5, 11), (5, 17), (8, 14), (11, 18), (5, 12)),
    Category.YOUTH_CLUB: ((11, 18), (13, 19), (14, 25), (16, 25), (11, 16)),
    Category.SPORT: ((5, 11), (8, 16), (5, 17), (11, 19), (14, 25), (6, 12)),
    Category.ARTS: ((5, 12), (8, 16), (11, 25), (7, 14), (13, 19)),
    Category.FAMILY: ((0, 17), (0, 25), (0, 11), (2, 11), (0, 5)),
    Category.OUTDOOR: ((8, 17), (11, 19), (5, 14), (10, 16), (16, 25)),
    Category.SITTING: ((0, 17), (2, 17), (5, 18), (0, 11)),
    Category.DAY_CARE: ((2, 11), (5, 17), (11, 19), (16, 25), (0, 5)),
    Category.OVERNIGHT: ((5, 17), (8, 18), (11, 18), (16, 25), (8, 13)),
}
CAPACITIES = {
    Category.AFTER_SCHOOL: (8, 16), Category.HOLIDAY: (10, 20), Category.YOUTH_CLUB: (10, 20),
    Category.SPORT: (8, 20), Category.ARTS: (8, 16), Category.FAMILY: (10, 20), Category.OUTDOOR: (8, 16),
    Category.SITTING: (4, 6), Category.DAY_CARE: (4, 10), Category.OVERNIGHT: (4, 8),
}
SPECIALIST_PRICES = {  # pence per session, paid from the child's personal budget
    Category.SITTING: (6_000, 10_000), Category.DAY_CARE: (9_000, 16_000),
    Category.HOLIDAY: (8_000, 15_000), Category.OVERNIGHT: (18_000, 25_000),
}
UNIVERSAL_PRICES = (200, 250, 300, 400, 500, 600, 750, 1_000)

# The offers the demo family finds first: in East, for ages around 9 and 15, and good for autism.
SHOWCASE = (
    (Tier.UNIVERSAL, Category.SPORT, (5, 12)),
    (Tier.UNIVERSAL, Category.ARTS, (7, 14)),
    (Tier.SPECIALIST, Category.OVERNIGHT, (11, 18)),
)


class ProviderPlan(NamedTuple):
    id: int
    kind: str
    area: int
    weight: float


@dataclass(eq=False, slots=True)
class OfferPlan:
    tier: Tier
    category: Category
    provider_id: int
    area: int
    min_age: int
    max_age: int
    needs: frozenset[str]
    price_pence: int
    capacity: int
    slot: Slot
    weekdays: tuple[int, ...]
    popularity: float
    id: int = 0


# --- providers -----------------------------------------------------------------------------------------------

def add_providers(seed: Seed, count: int, pending: int) -> list[ProviderPlan]:
    """``count`` providers, the last ``pending`` of them waiting for approval; returns the approved ones."""
    rng = seed.rng
    kinds = list(KIND_CATEGORIES)  # one of each kind first, so even the small area has every tier
    kinds += rng.choices(list(PROVIDER_KIND_WEIGHTS), list(PROVIDER_KIND_WEIGHTS.values()), k=count - len(kinds))
    names: set[str] = set()
    plans, rows = [], []
    for number, kind in enumerate(kinds):
        area = pick_area(seed)
        name = _provider_name(seed, kind, area, names)
        waiting = number >= count - pending
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
        rows.append(dict(
            name=name,
            status=ProviderStatus.PENDING if waiting else ProviderStatus.APPROVED,
            email=f"{rng.choice(EMAIL_BOXES)}@{slug}.example.org",
            phone=seed.phone(mobile=rng.random() < 0.3),
            website=f"https://www.{slug}.example.org",
            charity_number=str(rng.randint(1_000_000, 1_199_999)),
            # Most policies run for months yet; a few lapse within 30 days, so the warning shows.
            insurance_expires_on=seed.today + timedelta(days=rng.choice([10, 25] + [120] * 3 + [300] * 10)),
            safeguarding_lead=f"{rng.choice(WOMEN + MEN)} {rng.choice(SURNAMES)}",
            dbs_policy_confirmed=True,
            created_at=seed.days_ago(1, 20) if waiting else seed.days_ago(30, 6 * 365),
        ))
        # Pending providers are waiting for the council's approval, so they publish nothing yet.
        plans.append(None if waiting else (kind, area, rng.lognormvariate(0, 0.8)))
    ids = seed.insert(Provider, rows, "Providers", returning=True)
    # The approval queue reads when each provider asked for approval from the audit trail, as sign-up records it.
    seed.insert(AuditEvent, [
        dict(at=row["created_at"], actor_id=None, action="provider_signed_up", subject_type="Provider",
             subject_id=provider_id, reason=None, details={"approving_body": Body.COUNCIL.value})
        for provider_id, row, plan in zip(ids, rows, plans) if plan is None
    ], "Audit events")
    return [ProviderPlan(provider_id, *plan) for provider_id, plan in zip(ids, plans) if plan is not None]


# Tries for a name no other provider has before numbering one (the national scale's 3,000 providers use up the
# names some kinds can make in an area: without a limit the seed would go on looking for ever).
NAME_TRIES = 50


def _provider_name(seed: Seed, kind: str, area: int, taken: set[str]) -> str:
    rng = seed.rng
    for _ in range(NAME_TRIES):
        name = rng.choice(PROVIDER_NAMES[kind]).format(
            place=rng.choice(AREAS[area].places), adjective=rng.choice(ADJECTIVES), noun=rng.choice(NOUNS),
            tree=rng.choice(TREES))
        if name not in taken:
            taken.add(name)
            return name
    number = 2
    while f"{name} {number}" in taken:
        number += 1
    taken.add(f"{name} {number}")
    return f"{name} {number}"


# --- offers --------------------------------------------------------------------------------------------------

def add_offers(seed: Seed, count: int, providers: list[ProviderPlan], locality_ids: list[int]) -> list[OfferPlan]:
    """``count`` published offers, about 45% universal, 35% targeted and the rest specialist, the showcase first."""
    universal, targeted = round(count * 0.45), round(count * 0.35)
    specialist = count - universal - targeted
    tiers = [Tier.UNIVERSAL] * universal + [Tier.TARGETED] * targeted + [Tier.SPECIALIST] * specialist
    for tier, _, _ in SHOWCASE:
        tiers.remove(tier)
    seed.rng.shuffle(tiers)
    planned = [_offer(seed, providers, locality_ids, tier, category, ages=ages, area=EAST, need="autism")
               for tier, category, ages in SHOWCASE]
    planned += [_offer(seed, providers, locality_ids, tier) for tier in tiers]
    offers = [plan for plan, _ in planned]
    ids = seed.insert(Offer, [row for _, row in planned], "Offers", returning=True)
    need_rows, feature_rows = [], []
    for offer_id, plan in zip(ids, offers):
        plan.id = offer_id
        need_rows += [dict(offer_id=offer_id, need=need) for need in sorted(plan.needs)]
        feature_rows += [dict(offer_id=offer_id, feature=feature) for feature in _features(seed, plan)]
    seed.insert(offer_needs, need_rows, "Offer needs")
    seed.insert(offer_features, feature_rows, "Offer features")
    return offers


def _offer(seed: Seed, providers: list[ProviderPlan], locality_ids: list[int], tier: Tier,
           category: Category | None = None, ages: tuple[int, int] | None = None, area: int | None = None,
           need: str | None = None) -> tuple[OfferPlan, dict]:
    rng = seed.rng
    suppliers = [p for p in providers if category in KIND_CATEGORIES[p.kind].get(tier, ())
                 or (category is None and tier in KIND_CATEGORIES[p.kind])]
    provider = rng.choices(suppliers, [p.weight for p in suppliers])[0]
    category = category or rng.choice(KIND_CATEGORIES[provider.kind][tier])
    min_age, max_age = ages or rng.choice(AGE_RANGES[category])
    if area is None:
        area = provider.area if rng.random() < 0.8 else pick_area(seed)
    needs = seed.pick(NEED_WEIGHTS, rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0])
    if need:
        needs.add(need)
    price, route = _price(seed, tier, category)
    low, high = CAPACITIES[category]
    slot = rng.choice(SLOTS[category])
    # A holiday scheme runs every weekday of the holiday; clubs meet on one or two days a week.
    weekdays = slot.weekdays if slot.when == HOLIDAYS else tuple(sorted(
        rng.sample(slot.weekdays, min(len(slot.weekdays), rng.choice((1, 1, 2))))))
    plan = OfferPlan(tier=tier, category=category, provider_id=provider.id, area=area, min_age=min_age,
                     max_age=max_age, needs=frozenset(needs), price_pence=price,
                     capacity=rng.randint(low, min(high, 10) if tier is Tier.SPECIALIST else high),
                     slot=slot, weekdays=weekdays, popularity=rng.lognormvariate(0, 0.5))
    place = rng.choice(AREAS[area].places)
    activities = SPECIALIST_ACTIVITIES.get(category, ACTIVITIES[category]) if tier is Tier.SPECIALIST \
        else ACTIVITIES[category]
    activity = rng.choice(activities)
    title = f"{activity} in {place}" if rng.random() < 0.7 else f"{place} {activity}"
    ages_text = f"{min_age} to {max_age}"
    what, more = CATEGORY_COPY[category]
    eligibility = rng.choice(ELIGIBILITY[tier]).format(ages=ages_text)
    if tier is Tier.TARGETED:
        eligibility += CRITERIA_ARE_A_GUIDE
    row = dict(
        provider_id=provider.id,
        title=title,
        summary=f"{activity} for disabled children and young people aged {ages_text}: {what}",
        description=" ".join((more, STAFFING[tier], BOOKING_NOTE)),
        tier=tier,
        category=category,
        min_age=min_age,
        max_age=max_age,
        locality_id=locality_ids[area],
        venue=rng.choice(VENUES[category]).format(
            place=place, surname=rng.choice(SURNAMES).replace("'", ""), tree=rng.choice(TREES),
            locality=AREAS[area].name),
        eligibility=eligibility,
        how_to_get=HOW_TO_GET[route].format(price=f"£{price / 100:.2f}"),
        price_pence=price,
        payment_route=route,
        cancel_cutoff_hours=48 if tier is Tier.SPECIALIST else rng.choice((24, 24, 48)),
        status=OfferStatus.PUBLISHED,
        created_at=seed.days_ago(60, 3 * 365),
    )
    return plan, row


def _price(seed: Seed, tier: Tier, category: Category) -> tuple[int, PaymentRoute]:
    rng = seed.rng
    if tier is Tier.UNIVERSAL:
        if rng.random() < 0.6:
            return 0, PaymentRoute.FREE
        return rng.choice(UNIVERSAL_PRICES), PaymentRoute.PAY_PROVIDER
    if tier is Tier.TARGETED:
        route = PaymentRoute.COUNCIL_FUNDED if rng.random() < 0.7 else PaymentRoute.PAY_PROVIDER
        return rng.randrange(1_500, 4_501, 250), route
    low, high = SPECIALIST_PRICES[category]
    return rng.randrange(low, high + 1, 500), PaymentRoute.PERSONAL_BUDGET


def _features(seed: Seed, offer: OfferPlan) -> list[str]:
    rng = seed.rng
    if offer.category is Category.SITTING:  # in the family's own home
        return ["bsl"] if "hearing" in offer.needs else []
    features = set(rng.sample(list(ACCESSIBILITY), rng.randint(2, 5)))
    if "physical" in offer.needs or offer.tier is Tier.SPECIALIST:
        features |= {"step_free", "accessible_toilet", "hoist"}
    if "autism" in offer.needs:
        features.add("quiet_space")
    if "hearing" in offer.needs:
        features.add(rng.choice(("bsl", "hearing_loop")))
    return sorted(features)
