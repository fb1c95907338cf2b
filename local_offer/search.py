"""Searching the local offer: filters, the database's full-text search of the offers' words (ranked, stemmed, and
forgiving of a small typo), sorting, and what each result says about its next session and the child picked.

The page costs the same number of queries however big the offer is."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, column, exists, func, literal_column, or_, select, table, union_all
from sqlalchemy.orm import joinedload, selectinload

from bookings.places import Room, staff_needed
from providers import next_sessions
from portal.access import can_see_child
from portal.extensions import db
from portal.i18n import N_
from portal.models import ACCESSIBILITY, NEEDS, Child, Locality, SupportLevel, has_approved_assessment
from portal.timeutil import age_on, london_midnight_utc, to_london, utcnow
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

# The ways results can be ordered; "relevance" only when there are keywords to be relevant to.
SORTS = {
    "relevance": N_("Best match"),
    "soonest": N_("Soonest next session"),
    "nearest": N_("Nearest to your child's area"),
    "title": N_("A to Z"),
}

MOST_WORDS = 8
LONGEST_WORD = 40


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
    sort: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.keywords or self.age is not None or self.needs or self.localities or self.tiers
                    or self.days or self.date_from or self.date_to or self.cost or self.features or self.child)

    @property
    def chosen(self) -> int:
        """How many filters (not counting the keywords, which are always in view) are chosen."""
        return (len(self.needs) + len(self.localities) + len(self.tiers) + len(self.days) + len(self.features)
                + sum(1 for x in (self.age is not None, self.date_from, self.date_to, self.cost, self.child) if x))

    def for_insight(self) -> dict:
        """The filters as the commissioners' insight keeps a search that found nothing: never its words (only that
        there were some) and never the child (only that one was chosen, whose needs and age were used)."""
        kept = {"need": self.needs, "tier": self.tiers, "locality": self.localities, "day": self.days,
                "feature": self.features, "age": self.age, "cost": self.cost,
                "dates": bool(self.date_from or self.date_to), "words": bool(self.keywords),
                "child": self.child is not None}
        return {name: value for name, value in kept.items() if value not in (None, "", [], False)}

    @property
    def sorts(self) -> list[str]:
        """The orders on offer for these filters."""
        searched = bool(words_of(self.keywords))
        near = self.child is not None and self.child.locality_id is not None
        return [s for s in SORTS if (s != "relevance" or searched) and (s != "nearest" or near)]

    @property
    def default_sort(self) -> str:
        """The best match for keywords, else the soonest next session."""
        return "relevance" if "relevance" in self.sorts else "soonest"

    @property
    def sort_by(self) -> str:
        """The order the results come in: the one asked for if it can be used, else the default."""
        return self.sort if self.sort in self.sorts else self.default_sort

    @property
    def sort_options(self) -> list[tuple[str, str]]:
        """(value in the form, order) for each order on offer. The default comes first with an empty value, so a
        new search typed into the same form gets its own default (the best match once there are keywords)."""
        return [("", self.default_sort)] + [(s, s) for s in self.sorts if s != self.default_sort]

    @property
    def sort_chosen(self) -> str:
        return "" if self.sort_by == self.default_sort else self.sort_by

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
        f.localities = [int(x) for x in args.getlist("locality") if x.isascii() and x.isdigit() and len(x) < 10]
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
        if child_id.isascii() and child_id.isdigit() and len(child_id) < 10 and family is not None:
            child = db.session.get(Child, int(child_id))
            if can_see_child(family, child):
                f.child = child
        f.sort = args.get("sort", "") if args.get("sort") in SORTS else ""
        return f


# --- keywords: the database's own full-text search ---------------------------------------------------------------
# The index (tables offer_search and offer_words, kept up to date by triggers) is made by migration 2b3c4d5e6f70.

def words_of(keywords: str) -> list[str]:
    """The words searched for: letters and digits only, lower case, accents removed (as the index stores them)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", keywords) if not unicodedata.combining(c)).casefold()
    return [w[:LONGEST_WORD] for w in re.findall(r"[^\W_]+", plain)][:MOST_WORDS]


def typo_allowance(word: str) -> int:
    """How many letters may be wrong in a word that is not in the vocabulary: none in a short word (too many
    other words are one letter away), one in a word of 5 to 7 letters, two in a longer one."""
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def edit_distance(a: str, b: str, most: int) -> int:
    """Letters added, dropped, changed or swapped with a neighbour to turn a into b (optimal string alignment),
    or ``most + 1`` as soon as it is more than ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before, row = row, current
    return row[-1]


def _vocabulary_near(words: list[str]) -> list[str]:
    """Words in the offers' vocabulary that might be what a word not in it meant: one query for all the words."""
    if db.engine.dialect.name == "postgresql":
        vocabulary = table("offer_words", column("word"))
        near = or_(*[vocabulary.c.word.op("%")(w) for w in words], vocabulary.c.word.in_(words))
        return list(db.session.scalars(select(vocabulary.c.word).where(near)))
    # SQLite: the FTS5 vocabulary of unstemmed words, those starting with the same letter as a searched word (one
    # range per letter, joined by UNION ALL: fts5vocab answers an OR of ranges wrongly).
    vocabulary = table("offer_words_vocab", column("term"))
    starts = sorted({w[0] for w in words})
    return list(db.session.scalars(union_all(
        *[select(vocabulary.c.term).where(vocabulary.c.term >= s, vocabulary.c.term < chr(ord(s) + 1)) for s in starts])))


def spellings(words: list[str]) -> list[list[str]]:
    """For each word, the spellings to search for: the word itself, and when the offers never use it, the words
    they do use that are a small typo away from it (the closest ones)."""
    vocabulary = set(_vocabulary_near(words))
    found = []
    for word in words:
        most = typo_allowance(word)
        if word in vocabulary or most == 0:
            found.append([word])
            continue
        distances = {v: edit_distance(word, v, most) for v in vocabulary}
        close = sorted((d, v) for v, d in distances.items() if d <= most)
        best = [v for d, v in close if d == close[0][0]][:5] if close else []
        found.append([word, *best])
    return found


def keyword_hits(keywords: str):
    """The offers whose words match every keyword (stemmed, accents ignored, a typo forgiven), as a subquery with
    columns offer_id and rank (higher is a better match); None when there are no words to search for."""
    words = words_of(keywords)
    if not words:
        return None
    alternatives = spellings(words)
    if db.engine.dialect.name == "postgresql":
        # Each word also matches longer words it starts (club finds clubs; swim finds swimming), as the old
        # substring search did.
        text = " & ".join("(" + " | ".join(f"{s}:*" if len(s) > 2 else s for s in group) + ")" for group in alternatives)
        query = func.to_tsquery(literal_column("'english'::regconfig"), text)
        index = table("offer_search", column("offer_id"), column("document"))
        return (select(index.c.offer_id.label("offer_id"), func.ts_rank_cd(index.c.document, query).label("rank"))
                .where(index.c.document.op("@@")(query)).subquery("hits"))
    text = " AND ".join("(" + " OR ".join(f'"{s}"*' if len(s) > 2 else f'"{s}"' for s in group) + ")"
                        for group in alternatives)
    index = literal_column("offer_search")
    # bm25 scores a better match lower; the columns weigh title 10, summary 4, description 1, provider 2.
    return (select(literal_column("offer_search.rowid").label("offer_id"),
                   (-func.bm25(index, 10.0, 4.0, 1.0, 2.0)).label("rank"))
            .select_from(table("offer_search")).where(index.op("MATCH")(text)).subquery("hits"))


# --- the offers that match -------------------------------------------------------------------------------------

def _session_conditions(filters: OfferFilters) -> list:
    """What makes a session one the filters ask for: open, to come, and on the days and dates chosen."""
    conditions = [Session.offer_id == Offer.id, Session.status == SessionStatus.OPEN, Session.starts_at > utcnow()]
    if filters.days:
        conditions.append(Session.weekday.in_(filters.days))
    if filters.date_from:
        conditions.append(Session.starts_at >= london_midnight_utc(filters.date_from))
    if filters.date_to:
        conditions.append(Session.starts_at < london_midnight_utc(filters.date_to + timedelta(days=1)))
    return conditions


def _kept_rows_answer(filters: OfferFilters) -> bool:
    """Whether each offer's kept next sessions (providers.next_sessions, one per weekday) answer for these filters:
    not for a range of dates."""
    return not (filters.date_from or filters.date_to)


def _next_start(filters: OfferFilters):
    """SQL for each offer's next session that the filters ask for (NULL: none), from the offer's kept next sessions
    where they answer, else from its sessions."""
    live = select(func.min(Session.starts_at)).where(*_session_conditions(filters)).correlate(Offer).scalar_subquery()
    if not _kept_rows_answer(filters):
        return live
    return next_sessions.next_start(filters.days, utcnow(), live)


def _matching(filters: OfferFilters, sorting: bool = False):
    """(the matching offers as a query, the keyword hits subquery or None). ``sorting``: the query will be sorted
    by next session, so it joins the offers' kept next sessions."""
    stmt = (select(Offer).join(Provider, Offer.provider_id == Provider.id)
            .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED))
    if _kept_rows_answer(filters) and (sorting or filters.days):
        stmt = next_sessions.joined(stmt)
    hits = keyword_hits(filters.keywords)
    if hits is not None:
        stmt = stmt.join(hits, hits.c.offer_id == Offer.id)
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
    if filters.days and _kept_rows_answer(filters):
        stmt = stmt.where(_next_start(filters).is_not(None))
    elif filters.days or filters.date_from or filters.date_to:
        stmt = stmt.where(exists().where(and_(*_session_conditions(filters))))
    return stmt, hits


def matching_offers(filters: OfferFilters):
    """The offers anyone may see (published, by an approved provider) that match the filters, as a query: the
    search page and the Open Referral feed publish the same offers."""
    return _matching(filters)[0]


# --- a page of results -------------------------------------------------------------------------------------------

@dataclass
class Suitability:
    """Whether a break suits the child the family picked, going by the rules booking applies (age on the day,
    an assessment for specialist breaks, staff for the child's support) and the needs the break supports."""

    reasons: list[str]

    @property
    def suits(self) -> bool:
        return not self.reasons


@dataclass
class Result:
    offer: Offer
    next_session: Session | None
    suitability: Suitability | None = None

    @property
    def places_left(self) -> int | None:
        return None if self.next_session is None else self.next_session.places_left


@dataclass
class ResultsPage:
    results: list[Result]
    total: int
    page: int
    pages: int
    asked_for_page: int

    @property
    def past_the_end(self) -> bool:
        """A page after the last was asked for (and the last is shown instead)."""
        return self.asked_for_page > self.pages and self.total > 0


def suitability(offer: Offer, session: Session | None, child: Child, assessed: bool) -> Suitability:
    name = child.first_name
    reasons = []
    day = to_london(session.starts_at).date() if session is not None else date.today()
    age = child.age_on(day)
    if not offer.suits_age(age):
        reasons.append(_("%(name)s will be %(age)s on the day. This break is for ages %(min)s to %(max)s.",
                         name=name, age=age, min=offer.min_age, max=offer.max_age))
    if offer.tier is Tier.SPECIALIST and not assessed:
        reasons.append(_("%(name)s needs an assessment by the children's trust first.", name=name))
    missing = [_(NEEDS[n]) for n in child.needs if n in NEEDS and offer.needs and n not in offer.needs]
    if missing:
        reasons.append(_("It does not say it supports: %(needs)s.", needs=_(", ").join(missing)))
    support = child.support_level
    if session is not None and not Room.on(session, session.places_taken, session.staff_units_taken).fits(
            0, staff_needed([child])):
        reasons.append(_("There are not enough staff left at the next session for the support %(name)s needs.",
                         name=name))
    elif support in (SupportLevel.ONE_TO_ONE, SupportLevel.TWO_TO_ONE) and "one_to_one" not in offer.support_offered:
        reasons.append(_("It does not say it offers 1:1 support."))
    return Suitability(reasons)


def _order(filters: OfferFilters, hits, next_start):
    # NULLS LAST rather than ordering by "is null" first: the next session's start is worked out once per offer.
    soonest = [next_start.asc().nulls_last()]
    by = filters.sort_by
    if by == "relevance":
        return [hits.c.rank.desc(), *soonest, Offer.title, Offer.id]
    if by == "nearest":
        here = filters.child.locality_id
        return [case((Offer.locality_id == here, 0), else_=1), *soonest, Offer.title, Offer.id]
    if by == "title":
        return [Offer.title, Offer.id]
    return [*soonest, Offer.title, Offer.id]


def _next_sessions(filters: OfferFilters, offer_ids: list[int]) -> dict[int, Session]:
    """Each offer's next session that the filters ask for, in one query."""
    if not offer_ids:
        return {}
    ranked = (select(Session.id.label("id"),
                     func.row_number().over(partition_by=Session.offer_id,
                                            order_by=(Session.starts_at, Session.id)).label("n"))
              .join(Offer, Offer.id == Session.offer_id)
              .where(Session.offer_id.in_(offer_ids), *_session_conditions(filters)).subquery())
    sessions = db.session.scalars(select(Session).join(ranked, ranked.c.id == Session.id).where(ranked.c.n == 1))
    return {s.offer_id: s for s in sessions}


def search_offers(filters: OfferFilters, page: int, page_size: int) -> ResultsPage:
    """One page of the offers matching the filters, in the order asked for, each with its next session and (when
    the family picked a child) whether it suits them. A page past the end shows the last page."""
    stmt, hits = _matching(filters, sorting=True)
    next_start = _next_start(filters)
    # The page's offer ids and the number of matches in one query (the matching is the costly part, and sorting
    # needs every match anyway); only a page past the end, which has no rows to carry the count, counts on its own.
    # The query carries ids and sort keys only, not whole offers: thousands of wide rows counted and sorted would
    # spill to disk. The page's 20 offers are loaded afterwards by id.
    paged = (stmt.with_only_columns(Offer.id, func.count().over().label("total"))
             .order_by(*_order(filters, hits, next_start)))

    def page_of(number: int) -> list:
        return db.session.execute(paged.limit(page_size).offset((number - 1) * page_size)).all()

    rows = page_of(page)
    if rows:
        total, shown = rows[0].total, page
    elif page == 1:
        total, shown = 0, 1  # nothing matches
    else:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        shown = max(1, -(-total // page_size))
        rows = page_of(shown) if total else []
    pages = max(1, -(-total // page_size))
    loaded = {offer.id: offer for offer in db.session.scalars(
        select(Offer).where(Offer.id.in_([row.id for row in rows]))
        .options(joinedload(Offer.provider), joinedload(Offer.locality), selectinload(Offer.need_rows)))}
    offers = [loaded[row.id] for row in rows]
    sessions = _next_sessions(filters, [o.id for o in offers])
    results = [Result(o, sessions.get(o.id)) for o in offers]
    if filters.child is not None and results:
        assessed = has_approved_assessment(filters.child)
        for result in results:
            result.suitability = suitability(result.offer, result.next_session, filters.child, assessed)
    return ResultsPage(results, total, shown, pages, page)


def localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))
