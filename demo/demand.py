"""Demo signs of unmet demand (bookings.demand notes them as families search and book): searches that found nothing,
children who could not go, sessions found full, and the council's funding run out, spread over the financial year so
far, as the insight page would have them. Like the real ones, they name nobody: a break, an area and a day.

What is drawn is what the demo area lacks: searches for the needs and ages its breaks serve least, refusals on breaks
families book most, and the council's funding run out only if the demo's council envelope is nearly all used."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select

from budgets import ledger
from budgets.dashboard import current_year, today
from budgets.models import Envelope
from portal.extensions import db
from portal.models import NEEDS, Locality
from providers.models import Body, DemandEvent, DemandKind, Offer, OfferNeed, OfferStatus, Tier

from .common import bulk_insert

# How many of each, in a full year at Birmingham's size (fewer so far in the year, and at a smaller scale).
YEARLY = {"search": 900, "age": 420, "no_assessment": 260, "over_budget": 70, "full": 520, "funding": 60}


def add_demand(echo: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(2026)
    year_start = date(current_year(), 4, 1)
    days = max(1, (today() - year_start).days)
    offers = db.session.execute(select(Offer.id, Offer.tier, Offer.locality_id, Offer.min_age, Offer.max_age)
                                .where(Offer.status == OfferStatus.PUBLISHED)).all()
    if not offers:
        return {}
    scale = min(1.0, len(offers) / 500) * days / 365
    localities = list(db.session.scalars(select(Locality.id)))
    supported = dict(db.session.execute(select(OfferNeed.need, func.count()).group_by(OfferNeed.need)).all())
    # The needs the area's breaks name least are the ones families most often search for in vain.
    needs = sorted(NEEDS, key=lambda need: supported.get(need, 0))
    rows: list[dict] = []

    def day() -> date:
        return year_start + timedelta(days=rng.randrange(days))

    def on(offer, kind: DemandKind, reason: str = "") -> dict:
        return dict(noted_on=day(), kind=kind, reason=reason, offer_id=offer.id, tier=offer.tier.value,
                    locality_id=offer.locality_id, filters={})

    for _ in range(round(YEARLY["search"] * scale)):
        filters = {"need": [rng.choice(needs[:4])]}
        if rng.random() < 0.5:
            filters["age"] = rng.choice([1, 2, 3, 4, 19, 21, 23, 16, 17])
        if rng.random() < 0.3:
            filters["locality"] = [rng.choice(localities)]
        if rng.random() < 0.25:
            filters["day"] = [rng.choice([5, 6])]  # weekends
        if rng.random() < 0.2:
            filters["words"] = True
        rows.append(dict(noted_on=day(), kind=DemandKind.SEARCH_EMPTY, reason="", offer_id=None, tier="",
                         locality_id=None, filters=filters))
    specialist = [o for o in offers if o.tier is Tier.SPECIALIST] or offers
    popular = rng.sample(offers, min(len(offers), 40))
    for _ in range(round(YEARLY["age"] * scale)):
        rows.append(on(rng.choice(popular), DemandKind.REFUSED, "age"))
    for _ in range(round(YEARLY["no_assessment"] * scale)):
        rows.append(on(rng.choice(specialist), DemandKind.REFUSED, "no_assessment"))
    for _ in range(round(YEARLY["over_budget"] * scale)):
        rows.append(on(rng.choice(specialist), DemandKind.REFUSED, "over_budget"))
    for _ in range(round(YEARLY["full"] * scale)):
        rows.append(on(rng.choice(popular[:15]), DemandKind.FULL))
    council = db.session.scalar(select(Envelope).where(Envelope.body == Body.COUNCIL,
                                                       Envelope.year == current_year()))
    if council is not None and ledger.figures(council).used_percent >= 90:
        funded = [o for o in offers if o.tier is not Tier.SPECIALIST]
        for _ in range(round(YEARLY["funding"] * scale)):
            row = on(rng.choice(funded), DemandKind.FUNDING_EXHAUSTED)
            row["noted_on"] = today() - timedelta(days=rng.randrange(min(days, 60)))  # late in the year so far
            rows.append(row)
    counts: dict[str, int] = {}
    bulk_insert(DemandEvent, rows, "Signs of unmet demand", counts, echo)
    return counts
