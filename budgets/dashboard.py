"""What the commissioner dashboard shows: an envelope's figures, the breakdowns, the forecast, the pressures,
and the monthly remittance for providers paid outside Stripe.

Spend figures come from ``ledger_rollups`` (sums of ledger lines kept in step as each line is written),
never from the lines themselves, so the page costs a few small GROUP BYs whatever the size of the ledger.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import and_, case, func, literal, or_, select, tuple_, union_all

from portal import page_cache
from portal.extensions import db
from portal.formatting import number
from portal.i18n import N_
from portal.models import Assessment, AssessmentStatus, Child, Locality, User
from portal.timeutil import birthday, london_midnight_utc, to_london, utcnow
from portal.timeutil import (
    london_today as today,  # the module's calendar, as the tests move it
)
from providers.models import (
    ADULT_AGE,
    Body,
    Booking,
    BookingStatus,
    Category,
    Funding,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    Session,
    SessionStatus,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from . import ledger
from .ledger import envelope_account
from .models import (
    Bucket,
    DecisionKind,
    Envelope,
    PanelDecision,
    Payment,
    PersonalBudget,
    Rollup,
    financial_year,
)

TOP_PROVIDERS = 10
PLACES_AHEAD_DAYS = 90
# The waiting lists and places per child that dashboard() keeps are worked out from these tables.
page_cache.watch(Session, Offer, Provider, Locality, WaitingListEntry, Child, Assessment)
# Places an envelope or a personal budget pays for (a direct payment is a personal budget paid by card).
FUNDED_BY_BODY = [funding for funding in Funding if funding.draws_on_a_body]
# Personal budget money is committed to a child, not yet to a provider, locality or kind of break.
NOT_TIED = {"tier": N_("Not tied to a tier"), "provider": N_("Held in personal budgets, not yet spent with a provider"),
            "locality": N_("Held in personal budgets, not yet spent in a locality"),
            "category": N_("Held in personal budgets, not yet spent on a kind of break")}


def month_name(month: str) -> str:
    """'April 2026' (a month as YYYY-MM), in the page's language."""
    year, month_number = month.split("-")
    return format_skeleton("yMMMM", date(int(year), int(month_number), 1), locale=get_locale() or "en_GB")


def year_months(year: int) -> list[str]:
    """The months of a financial year, April to March, as YYYY-MM."""
    return [f"{year + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def envelope_of(body: Body, year: int) -> Envelope | None:
    return db.session.scalar(select(Envelope).where(Envelope.body == body, Envelope.year == year))


# --- figures from the roll-ups ------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One row of a breakdown, in pence."""

    key: str
    name: str
    committed: int
    spent: int

    @property
    def total(self) -> int:
        return self.committed + self.spent


@dataclass(frozen=True)
class MonthLine:
    month: str
    name: str
    spent: int
    # Committed but not yet delivered at the end of the month (commitments net of deliveries and releases).
    committed_at_end: int

    @property
    def committed(self) -> int:
        return self.committed_at_end


# The roll-ups' dimensions the breakdowns sum by, in the order GROUPING() numbers them (the first is its top bit).
DIMENSIONS = (Rollup.tier, Rollup.provider_id, Rollup.locality_id, Rollup.category, Rollup.month)


@dataclass(frozen=True)
class EnvelopeSums:
    """An envelope's roll-ups summed by each dimension at once (one query for the whole dashboard): for each
    dimension's column, {key: [committed, spent]}; and the total in each bucket."""

    by: dict
    totals: dict

    def figures(self, envelope: Envelope) -> ledger.Figures:
        return ledger.Figures(envelope=envelope.amount_pence, committed=self.totals.get(Bucket.COMMITTED, 0),
                              spent=self.totals.get(Bucket.SPENT, 0), available=self.totals.get(Bucket.AVAILABLE, 0))


def _grouping(column) -> int:
    """What GROUPING(tier, provider_id, locality_id, category, month) says for a row summed by ``column`` alone (a
    bit set for each dimension summed over), or by none (the bucket's total) when ``column`` is None."""
    return sum(1 << (len(DIMENSIONS) - 1 - n) for n, other in enumerate(DIMENSIONS) if other is not column)


def envelope_sums(envelope: Envelope) -> EnvelopeSums:
    """Every breakdown's sums and the bucket totals in one query: PostgreSQL's GROUPING SETS (one pass over the
    envelope's roll-ups), SQLite's UNION ALL of the same GROUP BYs."""
    mine = Rollup.envelope_id == envelope.id
    if db.engine.dialect.name == "postgresql":
        statement = (select(Rollup.bucket, *DIMENSIONS, func.grouping(*DIMENSIONS), func.sum(Rollup.amount_pence))
                     .where(mine).group_by(func.grouping_sets(
                         tuple_(Rollup.bucket), *[tuple_(Rollup.bucket, column) for column in DIMENSIONS])))
    else:
        statement = union_all(*[
            select(Rollup.bucket, *[d if d is column else literal(None) for d in DIMENSIONS],
                   literal(_grouping(column)), func.sum(Rollup.amount_pence))
            .where(mine).group_by(Rollup.bucket, *([column] if column is not None else []))
            for column in (None, *DIMENSIONS)])
    which = {_grouping(column): n for n, column in enumerate(DIMENSIONS)}
    total = _grouping(None)
    by: dict = {column: defaultdict(lambda: [0, 0]) for column in DIMENSIONS}
    sums = [by[column] for column in DIMENSIONS]
    totals: dict = {}
    for row in db.session.execute(statement):
        bucket, grouping, amount = Bucket[row[0]] if isinstance(row[0], str) else row[0], row[6], row[7]
        if grouping == total:
            totals[bucket] = int(amount or 0)
        elif bucket in (Bucket.COMMITTED, Bucket.SPENT):
            n = which[grouping]
            sums[n][row[1 + n]][0 if bucket is Bucket.COMMITTED else 1] += int(amount)
    return EnvelopeSums(by, totals)


def _sums(envelope: Envelope, column, sums: EnvelopeSums | None = None) -> dict:
    if sums is not None:
        return sums.by[column]
    found: dict = defaultdict(lambda: [0, 0])
    for key, bucket, amount in db.session.execute(
        select(column, Rollup.bucket, func.sum(Rollup.amount_pence))
        .where(Rollup.envelope_id == envelope.id, Rollup.bucket.in_([Bucket.COMMITTED, Bucket.SPENT]))
        .group_by(column, Rollup.bucket)
    ):
        found[key][0 if bucket is Bucket.COMMITTED else 1] += int(amount)
    return found


def _lines(sums: dict, names: dict, not_tied: str) -> list[Line]:
    lines = [Line(str(key), names.get(key) or gettext(not_tied), committed, spent)
             for key, (committed, spent) in sums.items() if committed or spent]
    return sorted(lines, key=lambda line: (-line.total, line.name))


def by_tier(envelope: Envelope, sums: EnvelopeSums | None = None) -> list[Line]:
    """Every tier the envelope's body pays for, with nothing spent on it or not (a tier left out would look
    forgotten), then any other tier with money."""
    order = {tier.value: n for n, tier in enumerate(Tier)}
    lines = _lines(_sums(envelope, Rollup.tier, sums), {t.value: t.label for t in Tier}, NOT_TIED["tier"])
    shown = {line.key for line in lines}
    lines += [Line(tier.value, tier.label, 0, 0) for tier in envelope.body.funds if tier.value not in shown]
    return sorted(lines, key=lambda line: order.get(line.key, len(order)))


def by_category(envelope: Envelope, sums: EnvelopeSums | None = None) -> list[Line]:
    return _lines(_sums(envelope, Rollup.category, sums), {c.value: c.label for c in Category}, NOT_TIED["category"])


def by_locality(envelope: Envelope, sums: EnvelopeSums | None = None) -> list[Line]:
    # Locality names are words from a data table, translated where they are shown.
    names = {locality_id: gettext(name) for locality_id, name in db.session.execute(select(Locality.id, Locality.name))}
    return _lines(_sums(envelope, Rollup.locality_id, sums), names, NOT_TIED["locality"])


def by_provider(envelope: Envelope) -> list[Line]:
    sums = _sums(envelope, Rollup.provider_id)
    names = dict(db.session.execute(select(Provider.id, Provider.name).where(Provider.id.in_(list(sums)))).all())
    return _lines(sums, names, NOT_TIED["provider"])


@dataclass(frozen=True)
class ProviderSummary:
    """The biggest providers, everyone else as one line, and personal budget money not yet with a provider."""

    top: list[Line]
    others: Line | None
    others_count: int
    not_tied: Line | None
    count: int


def provider_summary(envelope: Envelope, top: int = TOP_PROVIDERS, sums: EnvelopeSums | None = None) -> ProviderSummary:
    found = _sums(envelope, Rollup.provider_id, sums)
    not_tied = _lines({0: found[0]}, {}, NOT_TIED["provider"]) if 0 in found else []
    ranked = sorted(((c + s, key) for key, (c, s) in found.items() if key != 0 and (c or s)), reverse=True)
    # Names break ties between equal totals: only the providers that can be shown are looked up by name.
    shown_from = ranked[top - 1][0] if len(ranked) > top else None
    named = {key: found[key] for total, key in ranked if shown_from is None or total >= shown_from}
    names = dict(db.session.execute(select(Provider.id, Provider.name).where(Provider.id.in_(list(named)))).all())
    top_lines = _lines(named, names, NOT_TIED["provider"])[:top]
    shown = {int(line.key) for line in top_lines}
    rest = [found[key] for _total, key in ranked if key not in shown]
    others = Line("others", ngettext("%(count)s other provider", "%(count)s other providers", len(rest),
                                     count=number(len(rest))),
                  sum(c for c, _s in rest), sum(s for _c, s in rest)) if rest else None
    return ProviderSummary(top=top_lines, others=others, others_count=len(rest),
                           not_tied=not_tied[0] if not_tied else None, count=len(ranked))


def provider_page(envelope: Envelope, page: int, size: int) -> tuple[list[Line], int]:
    """Every provider the envelope has paid or promised money to, biggest first, one page at a time."""
    committed = func.sum(case((Rollup.bucket == Bucket.COMMITTED, Rollup.amount_pence), else_=0))
    spent = func.sum(case((Rollup.bucket == Bucket.SPENT, Rollup.amount_pence), else_=0))
    grouped = (select(Rollup.provider_id, committed.label("committed"), spent.label("spent"))
               .where(Rollup.envelope_id == envelope.id, Rollup.bucket.in_([Bucket.COMMITTED, Bucket.SPENT]),
                      Rollup.provider_id != 0)
               .group_by(Rollup.provider_id)
               .having(or_(committed != 0, spent != 0)))
    total = db.session.scalar(select(func.count()).select_from(grouped.subquery()))
    rows = db.session.execute(
        grouped.order_by((committed + spent).desc(), Rollup.provider_id).limit(size).offset((page - 1) * size)).all()
    names = dict(db.session.execute(
        select(Provider.id, Provider.name).where(Provider.id.in_([r.provider_id for r in rows]))).all())
    return [Line(str(r.provider_id), names.get(r.provider_id) or gettext("Provider %(id)s", id=r.provider_id),
                 int(r.committed),
                 int(r.spent)) for r in rows], total


def by_month(envelope: Envelope, on: date | None = None, sums: EnvelopeSums | None = None) -> list[MonthLine]:
    """Actual spend in each month, and what was committed but not yet delivered at each month's end.

    Months run from the year's first (or the first with any money) to the current month (or the year's last, for a
    past year). Money moves when it happens, so places booked in advance commit money to the year before it starts,
    and a register marked late spends it after the year ends: those months are not months of the year, so each side
    is one line ("Before April 2026", "After March 2027") rather than passed off as part of it."""
    on = on or today()
    month_sums = _sums(envelope, Rollup.month, sums)
    months = year_months(envelope.year)
    first, last, current = months[0], months[-1], f"{on:%Y-%m}"
    before, after = [0, 0], [0, 0]
    in_year: dict[str, list[int]] = {month: [0, 0] for month in months if month <= current}
    for month, (committed, spent) in month_sums.items():
        side = before if month < first else after if month > last else in_year.setdefault(month, [0, 0])
        side[0] += committed
        side[1] += spent
    lines, running = [], before[0]
    if any(before):
        lines.append(MonthLine(f"before {first}", gettext("Before %(month)s (booked in advance)",
                                                          month=month_name(first)), before[1], running))
    for month in sorted(in_year):
        committed, spent = in_year[month]
        running += committed
        lines.append(MonthLine(month, month_name(month), spent, running))
    if any(after):
        running += after[0]
        lines.append(MonthLine(f"after {last}", gettext("After %(month)s (recorded after the year ended)",
                                                        month=month_name(last)), after[1], running))
    return lines


# --- the forecast --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Forecast:
    """What the year's actual spend is forecast to come to, from two figures:

    - the run rate: actual spend so far, carried on at the same daily rate to the end of the financial year;
    - what is already spent and committed: committed money is promised (places booked, personal budgets
      allocated), so the year costs at least that unless some of it is given back.

    The forecast is the larger of the two."""

    spent: int
    committed: int
    days_gone: int
    days_in_year: int
    run_rate: int | None  # None before the year starts
    runs_out_on: date | None  # when spend at the run rate reaches the envelope, if it does within the year
    ends_on: date

    @property
    def amount(self) -> int | None:
        return None if self.run_rate is None else max(self.run_rate, self.spent + self.committed)

    @property
    def from_commitments(self) -> bool:
        """The forecast is what is already spent and committed, more than the run rate comes to."""
        return self.run_rate is not None and self.spent + self.committed > self.run_rate

    @property
    def days_to_spare(self) -> int | None:
        """Days of the year left after the day spend at the run rate reaches the envelope (0: the last day)."""
        return None if self.runs_out_on is None else (self.ends_on - self.runs_out_on).days


def forecast(envelope: Envelope, spent: int, on: date | None = None, committed: int = 0) -> Forecast:
    on = on or today()
    days_in_year = (envelope.ends_on - envelope.starts_on).days + 1
    if on < envelope.starts_on:
        return Forecast(spent, committed, 0, days_in_year, None, None, envelope.ends_on)
    days_gone = (min(on, envelope.ends_on) - envelope.starts_on).days + 1
    # Rounded to the nearest penny, in whole numbers: money is never a float.
    run_rate = (2 * spent * days_in_year + days_gone) // (2 * days_gone) if spent >= 0 else spent
    runs_out_on = None
    if spent > 0 and run_rate > envelope.amount_pence:
        day_number = -(-envelope.amount_pence * days_gone // spent)  # the first day spend reaches the envelope
        runs_out_on = envelope.starts_on + timedelta(days=max(day_number, 1) - 1)
    return Forecast(spent, committed, days_gone, days_in_year, run_rate, runs_out_on, envelope.ends_on)


# --- pressures -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitingOffer:
    offer_id: int
    title: str
    provider: str
    sessions: int
    places: int


@dataclass(frozen=True)
class Waiting:
    sessions: int
    families: int
    places: int
    top: list[WaitingOffer]


def waiting_lists(body: Body, limit: int = 5) -> Waiting:
    """Upcoming sessions in the body's tiers with families waiting for a place."""
    # Waiting-list entries are few: read them first, then only their sessions (joining from sessions, SQLite
    # would walk every upcoming session).
    entries = db.session.execute(
        select(WaitingListEntry.session_id, WaitingListEntry.places)
        .where(WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))).all()
    upcoming, now = {}, utcnow()
    session_ids = sorted({entry.session_id for entry in entries})
    for start in range(0, len(session_ids), 500):
        # Filtered here rather than in SQL, where a condition on the start time tempts SQLite to use that index.
        upcoming.update({row.id: row for row in db.session.execute(
            select(Session.id, Session.starts_at, Session.status, Offer.tier, Offer.id.label("offer_id"), Offer.title,
                   Provider.name.label("provider"))
            .join(Offer, Session.offer_id == Offer.id).join(Provider, Offer.provider_id == Provider.id)
            .where(Session.id.in_(session_ids[start:start + 500])))
            if row.status is SessionStatus.OPEN and row.starts_at > now and row.tier in body.funds})
    families = places = 0
    by_offer: dict[int, list] = {}
    for entry in entries:
        session = upcoming.get(entry.session_id)
        if session is None:
            continue
        families += 1
        places += entry.places
        offer = by_offer.setdefault(session.offer_id, [session, set(), 0])
        offer[1].add(entry.session_id)
        offer[2] += entry.places
    top = sorted(by_offer.values(), key=lambda item: (-item[2], item[0].offer_id))[:limit]
    return Waiting(len({e.session_id for e in entries if e.session_id in upcoming}), families, places,
                   [WaitingOffer(s.offer_id, s.title, s.provider, len(ids), count) for s, ids, count in top])


@dataclass(frozen=True)
class LocalityPlaces:
    locality_id: int
    name: str
    places: int
    children: int

    @property
    def per_child_tenths(self) -> int | None:
        """Places per child in tenths (12 is 1.2), or None when no children live there."""
        return None if not self.children else (self.places * 10) // self.children

    @property
    def per_child(self) -> str:
        tenths = self.per_child_tenths
        if tenths is None:
            return gettext("No children registered")
        # One decimal place, in the page's language: '1.2'.
        return format_decimal(Decimal(tenths).scaleb(-1), format="0.0", locale=get_locale() or "en_GB")


def places_per_child(body: Body, on: datetime | None = None) -> list[LocalityPlaces]:
    """Places on open sessions in the next 90 days, per child living in each locality, fewest first.

    For the trust and adult social care, specialist places per child with an approved assessment (only they can book
    them)."""
    now = on or utcnow()
    places = dict(db.session.execute(
        select(Offer.locality_id, func.sum(Session.capacity))
        .join(Offer, Session.offer_id == Offer.id)
        .where(Session.starts_at > now, Session.starts_at <= now + timedelta(days=PLACES_AHEAD_DAYS),
               Session.status == SessionStatus.OPEN, Offer.status == OfferStatus.PUBLISHED,
               Offer.tier.in_(body.funds))
        .group_by(Offer.locality_id)).all())
    children = select(Child.locality_id, func.count(func.distinct(Child.id))).where(Child.locality_id.is_not(None))
    if body is not Body.COUNCIL:
        children = children.join(Assessment, Assessment.child_id == Child.id).where(
            Assessment.status == AssessmentStatus.APPROVED)
    counts = dict(db.session.execute(children.group_by(Child.locality_id)).all())
    rows = [LocalityPlaces(locality_id, name, int(places.get(locality_id, 0)), int(counts.get(locality_id, 0)))
            for locality_id, name in db.session.execute(select(Locality.id, Locality.name)).all()]
    rows = [row for row in rows if row.places or row.children]
    return sorted(rows, key=lambda row: (row.per_child_tenths is None,
                                         row.places * 1_000_000 // row.children if row.children else 0, row.name))


@dataclass(frozen=True)
class LimitedOffer:
    offer_id: int
    title: str
    provider: str
    funded_pence: int


@dataclass(frozen=True)
class AtLimit:
    available: int
    count: int
    offers: list[LimitedOffer]


def offers_at_limit(envelope: Envelope, limit: int = 10) -> AtLimit:
    """Council-funded offers with sessions still to come this year that the envelope cannot fund another place on.

    The same test as booking (``CouncilFunded.unavailable_reason``): what is left in the envelope is less
    than the council's part of one place."""
    available = ledger.balance(envelope_account(envelope, "available"))
    contribution = case((Offer.family_contribution_pence < Offer.price_pence, Offer.family_contribution_pence),
                        else_=Offer.price_pence)
    funded = Offer.price_pence - contribution
    starts = max(utcnow(), london_midnight_utc(envelope.starts_on))
    ends = london_midnight_utc(envelope.ends_on + timedelta(days=1))
    upcoming = (select(Session.id).where(Session.offer_id == Offer.id, Session.status == SessionStatus.OPEN,
                                         Session.starts_at > starts, Session.starts_at < ends)
                .correlate(Offer).exists())
    at_limit = and_(Offer.payment_route == PaymentRoute.COUNCIL_FUNDED, Offer.tier != Tier.SPECIALIST,
                    Offer.status == OfferStatus.PUBLISHED, funded > available, upcoming)
    # The first few and how many there are, in one query (with no rows there is nothing to count).
    rows = db.session.execute(
        select(Offer.id, Offer.title, Provider.name, funded, func.count().over())
        .join(Provider, Offer.provider_id == Provider.id)
        .where(at_limit).order_by(funded.desc(), Offer.title, Offer.id).limit(limit)).all()
    return AtLimit(available, rows[0][4] if rows else 0, [LimitedOffer(*row[:4]) for row in rows])


@dataclass(frozen=True)
class OverDecision:
    decided_at: datetime
    kind: DecisionKind
    change_pence: int
    decided_by: str


@dataclass(frozen=True)
class OverEnvelope:
    count: int
    total_pence: int
    latest: list[OverDecision]


def decisions_over_envelope(envelope: Envelope, limit: int = 5) -> OverEnvelope:
    """Resource panel decisions recorded when the trust's envelope was already committed: never refused, flagged."""
    over = and_(PersonalBudget.envelope_id == envelope.id, PanelDecision.over_envelope.is_(True))
    count, total = db.session.execute(
        select(func.count(PanelDecision.id), func.coalesce(func.sum(PanelDecision.change_pence), 0))
        .join(PersonalBudget, PanelDecision.budget_id == PersonalBudget.id).where(over)).one()
    latest = db.session.execute(
        select(PanelDecision.decided_at, PanelDecision.kind, PanelDecision.change_pence, User.name)
        .join(PersonalBudget, PanelDecision.budget_id == PersonalBudget.id)
        .join(User, PanelDecision.decided_by_id == User.id)
        .where(over).order_by(PanelDecision.decided_at.desc(), PanelDecision.id.desc()).limit(limit)).all()
    return OverEnvelope(count, int(total), [OverDecision(*row) for row in latest])


# --- the whole page ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    envelope: Envelope
    figures: ledger.Figures
    forecast: Forecast
    tiers: list[Line]
    providers: ProviderSummary
    localities: list[Line]
    categories: list[Line]
    months: list[MonthLine]
    waiting: Waiting
    places: list[LocalityPlaces]
    at_limit: AtLimit | None
    over_envelope: OverEnvelope | None
    adult_places: AdultPlaces | None = None

    @property
    def tiers_without_money(self) -> str:
        """The tiers nothing has been committed to or spent on, in a sentence: 'universal or targeted'."""
        names = [line.name.lower() for line in self.tiers if not line.total]
        return format_list(names, style="or", locale=get_locale() or "en_GB") if names else ""

    @property
    def forecast_percent(self) -> int | None:
        if self.forecast.amount is None or self.envelope.amount_pence <= 0:
            return None
        return self.forecast.amount * 100 // self.envelope.amount_pence


def dashboard(envelope: Envelope, on: date | None = None) -> Dashboard:
    on = on or today()
    sums = envelope_sums(envelope)
    figures = sums.figures(envelope)
    council = envelope.body is Body.COUNCIL
    return Dashboard(
        envelope=envelope, figures=figures, forecast=forecast(envelope, figures.spent, on, figures.committed),
        tiers=by_tier(envelope, sums), providers=provider_summary(envelope, sums=sums),
        localities=by_locality(envelope, sums), categories=by_category(envelope, sums),
        months=by_month(envelope, on, sums),
        # Worked out from thousands of sessions, the same for every commissioner of the body: kept until a commit
        # changes sessions, offers, waiting lists or children (portal.page_cache), and for a minute at most.
        waiting=page_cache.remember(f"waiting-lists:{envelope.body.value}", lambda: waiting_lists(envelope.body)),
        places=page_cache.remember(f"places-per-child:{envelope.body.value}",
                                   lambda: places_per_child(envelope.body)),
        at_limit=offers_at_limit(envelope) if council else None,
        over_envelope=None if council else decisions_over_envelope(envelope),
        adult_places=adult_places_on_childrens_budgets(envelope) if envelope.body is Body.ADULTS else None,
    )


@dataclass(frozen=True)
class AdultPlaces:
    """Places on breaks after a young person's 18th birthday, in the year, that a children's trust budget pays for."""

    places: int
    young_people: int
    funded_pence: int


def adult_places_on_childrens_budgets(envelope: Envelope) -> AdultPlaces:
    """Pressure on adult social care: places on breaks on or after the young person's 18th birthday, in the envelope's
    year, still paid from a children's trust budget (agreed before bodies were told apart, or running past the
    birthday). They stay booked: nothing is cancelled by software. Only young people 17 or over at the start of the year
    can have one, so only their bookings are read."""
    starts, ends = london_midnight_utc(envelope.starts_on), london_midnight_utc(envelope.ends_on + timedelta(days=1))
    rows = db.session.execute(
        select(Booking.child_id, Booking.funded_pence, Session.starts_at, Child.date_of_birth)
        .join(Session, Session.id == Booking.session_id).join(Child, Child.id == Booking.child_id)
        .where(Booking.paid_by == Body.TRUST, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.HELD]),
               Session.starts_at >= starts, Session.starts_at < ends,
               Child.date_of_birth <= birthday(envelope.starts_on, -(ADULT_AGE - 1)))).all()
    adult = [row for row in rows if to_london(row.starts_at).date() >= birthday(row.date_of_birth, ADULT_AGE)]
    return AdultPlaces(len(adult), len({row.child_id for row in adult}), sum(row.funded_pence for row in adult))


# --- the monthly remittance ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RemittanceLine:
    booking_id: int
    provider_id: int
    provider: str
    offer: str
    starts_at: datetime
    funding: str
    amount_pence: int


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC instants a London calendar month (YYYY-MM) starts and ends."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return london_midnight_utc(first), london_midnight_utc(following)


def remitted_places(body: Body, provider_id: int | None = None):
    """The places a body pays for through the remittance, delivered or not: an envelope or personal budget pays for
    them, except a place paid by card from a direct payment straight into the provider's Stripe connected account (a
    destination charge has paid the provider already). Decided by how each place was paid, not by whether the
    provider has a connected account now: a provider that connects one keeps being paid for the council's and the
    trust's places, and for card payments the portal's own account took before it connected. The council's
    remittance and a provider's own money page both start here, so the two never disagree."""
    paid_to_provider = and_(Booking.funding == Funding.DIRECT_PAYMENT, Payment.destination_account.is_not(None),
                            Payment.destination_account != "")
    query = (select(Booking.id, Provider.id, Provider.name, Offer.title, Session.starts_at, Booking.funding,
                    Booking.funded_pence)
             .join(Session, Booking.session_id == Session.id).join(Offer, Session.offer_id == Offer.id)
             .join(Provider, Offer.provider_id == Provider.id)
             .outerjoin(Payment, Payment.id == Booking.payment_id)
             .where(Booking.funding.in_(FUNDED_BY_BODY), Booking.funded_pence > 0, Booking.paid_by == body,
                    ~paid_to_provider))
    return query if provider_id is None else query.where(Provider.id == provider_id)


def remittance(body: Body, month: str, provider_id: int | None = None) -> list[RemittanceLine]:
    """Places delivered on sessions in ``month`` that the body pays for through the remittance (of one provider, or
    all). No child's name: providers have them on their registers."""
    starts, ends = month_bounds(month)
    rows = db.session.execute(
        remitted_places(body, provider_id)
        .where(Session.starts_at >= starts, Session.starts_at < ends, Booking.delivered_at.is_not(None))
        .order_by(Provider.name, Provider.id, Session.starts_at, Booking.id)).all()
    return [RemittanceLine(*row) for row in rows]


def remittance_months(on: date | None = None, count: int = 13) -> list[str]:
    """The months a remittance can be asked for: this month and the twelve before it, newest first."""
    on = on or today()
    months, year, number = [], on.year, on.month
    for _month in range(count):
        months.append(f"{year}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months


def current_year() -> int:
    return financial_year(today())
