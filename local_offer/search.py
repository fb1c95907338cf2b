"""Searching the local offer. The page costs the same number of queries however big the offer is."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import N_
from portal.models import ACCESSIBILITY, NEEDS, Child, Locality
from portal.timeutil import age_on, london_midnight_utc, utcnow
from providers.models import (
    Offer,
    OfferStatus,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
    offer_features,
    offer_needs,
)

# Translated where shown (``| translated``).
DAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")]


def parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class OfferFilters:
    keywords: str = ""
    age: int | None = None
    needs: list[str] = field(default_factory=list)
    localities: list[int] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    cost: str = ""
    features: list[str] = field(default_factory=list)
    child: Child | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.keywords or self.age is not None or self.needs or self.localities or self.tiers
                    or self.days or self.date_from or self.date_to or self.cost or self.features or self.child)

    @classmethod
    def from_args(cls, args, family=None) -> "OfferFilters":
        f = cls()
        f.keywords = args.get("q", "").strip()[:100]
        age_text = args.get("age", "").strip()
        if age_text:
            if age_text.isascii() and age_text.isdigit() and 0 <= int(age_text) <= 25:
                f.age = int(age_text)
            else:
                f.errors["age"] = _("Enter an age from 0 to 25, like 8")
        f.needs = [n for n in args.getlist("need") if n in NEEDS]
        f.localities = [int(x) for x in args.getlist("locality") if x.isascii() and x.isdigit()]
        f.tiers = [t for t in args.getlist("tier") if t in {x.value for x in Tier}]
        f.days = [int(d) for d in args.getlist("day") if d.isascii() and d.isdigit() and int(d) < 7]
        for name, attr in (("from", "date_from"), ("to", "date_to")):
            raw = args.get(name, "").strip()
            if raw:
                parsed = parse_date(raw)
                if parsed is None:
                    f.errors[name] = _("Enter a date like 27/3/2027")
                else:
                    setattr(f, attr, parsed)
        if f.date_from and f.date_to and f.date_to < f.date_from:
            f.errors["to"] = _("The 'to' date must be the same as or after the 'from' date")
        f.cost = args.get("cost", "") if args.get("cost") in ("free", "paid") else ""
        f.features = [x for x in args.getlist("feature") if x in ACCESSIBILITY]
        child_id = args.get("child", "")
        if child_id.isascii() and child_id.isdigit() and family is not None:
            child = db.session.get(Child, int(child_id))
            if child is not None and child.parent_id == family.id:
                f.child = child
        return f


def matching_offers(filters: OfferFilters):
    """The offers anyone may see (published, by an approved provider) that match the filters, as a query: the
    search page and the Open Referral feed publish the same offers."""
    stmt = (select(Offer).join(Provider, Offer.provider_id == Provider.id)
            .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED))
    for word in filters.keywords.split()[:8]:
        pattern = f"%{word}%"
        stmt = stmt.where(or_(Offer.title.ilike(pattern), Offer.summary.ilike(pattern),
                              Offer.description.ilike(pattern), Provider.name.ilike(pattern)))
    age = filters.age
    needs = list(filters.needs)
    if filters.child is not None:
        age = age_on(filters.child.date_of_birth, date.today())
        needs = needs or list(filters.child.needs)
    if age is not None:
        stmt = stmt.where(Offer.min_age <= age, Offer.max_age >= age)
    if needs:
        stmt = stmt.where(Offer.id.in_(select(offer_needs.c.offer_id).where(offer_needs.c.need.in_(needs))))
    if filters.localities:
        stmt = stmt.where(Offer.locality_id.in_(filters.localities))
    if filters.tiers:
        stmt = stmt.where(Offer.tier.in_([Tier(t) for t in filters.tiers]))
    if filters.cost == "free":
        stmt = stmt.where(Offer.price_pence == 0)
    elif filters.cost == "paid":
        stmt = stmt.where(Offer.price_pence > 0)
    for feature in filters.features:
        stmt = stmt.where(exists().where(offer_features.c.offer_id == Offer.id, offer_features.c.feature == feature))
    if filters.days or filters.date_from or filters.date_to:
        conditions = [Session.offer_id == Offer.id, Session.status == SessionStatus.OPEN,
                      Session.starts_at > utcnow()]
        if filters.days:
            conditions.append(Session.weekday.in_(filters.days))
        if filters.date_from:
            conditions.append(Session.starts_at >= london_midnight_utc(filters.date_from))
        if filters.date_to:
            conditions.append(Session.starts_at < london_midnight_utc(filters.date_to + timedelta(days=1)))
        stmt = stmt.where(exists().where(and_(*conditions)))
    return stmt


def search_offers(filters: OfferFilters, page: int, page_size: int):
    """Return (offers on this page, total matching, {offer id: next session start})."""
    stmt = matching_offers(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offers = db.session.scalars(
        stmt.options(joinedload(Offer.provider), joinedload(Offer.locality))
        .order_by(Offer.title, Offer.id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    next_sessions = {}
    if offers:
        rows = db.session.execute(
            select(Session.offer_id, func.min(Session.starts_at))
            .where(Session.offer_id.in_([o.id for o in offers]), Session.status == SessionStatus.OPEN,
                   Session.starts_at > utcnow())
            .group_by(Session.offer_id)
        ).all()
        next_sessions = dict(rows)
    return offers, total, next_sessions


def localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))
