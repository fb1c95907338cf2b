"""Fill and uptake for a financial year: places offered, booked and attended, and no-shows, by locality, tier, need,
age band, month and provider.

- Offered: the places of every session in the year that was not cancelled. A session counts for each need its break
  says it supports, and for each age band its ages reach into.
- Booked: children's places booked and not cancelled (a carer's place is not a child's break, and a place held
  while a card payment is made is not booked yet). A place counts, as its session does, for each need its break
  supports (so that booked and offered compare like with like), and for the child's age band on the day.
- Attended and no-shows: as the provider marked the register.

Worked out from the sessions and bookings of the year (a few hundred thousand rows at Birmingham's size) in a handful
of grouped queries, then kept as the public pages are (``portal.page_cache.remember``): until a session changes (a
booking changes its count of places taken), and for at most PAGE_CACHE_SECONDS, so a register marked shows within
that."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, case, cast, func, literal_column, select

from budgets.dashboard import year_months
from portal import page_cache
from portal.extensions import db
from portal.i18n import N_
from portal.models import Child
from portal.timeutil import london_midnight_utc
from providers.models import (
    Attendance,
    Booking,
    BookingStatus,
    Offer,
    OfferNeed,
    Session,
    SessionStatus,
)


DIMENSIONS = {
    "locality": N_("Locality"),
    "tier": N_("Tier"),
    "need": N_("Need"),
    "age": N_("Age band"),
    "month": N_("Month"),
    "provider": N_("Provider"),
}
# The age bands of the Children and Families Act's 0 to 25: early years, primary, secondary, 16 to 17, young adults.
AGE_BANDS = ((0, 4), (5, 10), (11, 15), (16, 17), (18, 25))


def age_band(age: int) -> str:
    """'5-10': the band an age falls in (ages beyond 25 go in the last)."""
    for low, high in AGE_BANDS:
        if age <= high:
            return f"{low}-{high}"
    return f"{AGE_BANDS[-1][0]}-{AGE_BANDS[-1][1]}"


def bands_reached(min_age: int, max_age: int) -> list[str]:
    return [f"{low}-{high}" for low, high in AGE_BANDS if min_age <= high and max_age >= low]


@dataclass
class Uptake:
    """One line: a locality, tier, need, age band, month or provider (by its key: the page names it)."""

    key: str
    offered: int = 0
    booked: int = 0
    attended: int = 0
    no_shows: int = 0

    @property
    def fill_percent(self) -> int | None:
        """Booked as a share of offered, in whole per cent (None with nothing offered)."""
        return None if not self.offered else round(self.booked * 100 / self.offered)

    @property
    def attendance_percent(self) -> int | None:
        """Attended as a share of the places whose register was marked."""
        marked = self.attended + self.no_shows
        return None if not marked else round(self.attended * 100 / marked)


@dataclass
class YearUptake:
    year: int
    by: dict[str, list[Uptake]] = field(default_factory=dict)
    total: Uptake = field(default_factory=lambda: Uptake("all"))


def year_bounds(year: int):
    return london_midnight_utc(date(year, 4, 1)), london_midnight_utc(date(year + 1, 4, 1))


def uptake(year: int) -> YearUptake:
    return page_cache.remember(f"insight-uptake:{year}", lambda: _work_out(year))


def add_only(lines: dict[str, dict[str, Uptake]], dimension: str, keys: list, count, attended, missed) -> None:
    """Add places to one dimension's lines only (the total counts each place once, from the tiers)."""
    for key in keys:
        line = lines[dimension].get(key)
        if line is None:
            line = lines[dimension][key] = Uptake(key)
        line.booked += int(count)
        line.attended += int(attended or 0)
        line.no_shows += int(missed or 0)


def _years_before(moment, years: int):
    """The day ``years`` years before a session's start (its UTC day: London's, for any session starting after 1 am),
    in SQL: SQLite's date modifiers, or PostgreSQL's intervals."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(moment - literal_column(f"interval '{int(years)} years'"), Date)
    return func.date(moment, f"-{int(years)} years")


def _age_band_on_the_day():
    """The child's age band on the day of the session, in SQL: born after the day ``high + 1`` years before it."""
    return case(*[(Child.date_of_birth > _years_before(Session.starts_at, high + 1), f"{low}-{high}")
                  for low, high in AGE_BANDS], else_=f"{AGE_BANDS[-1][0]}-{AGE_BANDS[-1][1]}")


def _month_of(year: int):
    """The London month (YYYY-MM) a session starts in, worked out in SQL from the months' UTC bounds."""
    months = year_months(year)
    bounds = [london_midnight_utc(date(int(m[:4]), int(m[5:]), 1)) for m in months[1:]] + [year_bounds(year)[1]]
    return case(*[(Session.starts_at < bound, month) for month, bound in zip(months, bounds)], else_=months[-1])


def _work_out(year: int) -> YearUptake:
    starts, ends = year_bounds(year)
    in_year = (Session.starts_at >= starts, Session.starts_at < ends, Session.status != SessionStatus.CANCELLED)
    month_of = _month_of(year)
    offers = {row.id: row for row in db.session.execute(
        select(Offer.id, Offer.tier, Offer.locality_id, Offer.provider_id, Offer.min_age, Offer.max_age)
        .where(Offer.id.in_(select(Session.offer_id).where(*in_year))))}
    needs: dict[int, list[str]] = defaultdict(list)
    for offer_id, need in db.session.execute(select(OfferNeed.offer_id, OfferNeed.need)
                                             .where(OfferNeed.offer_id.in_(list(offers)))):
        needs[offer_id].append(need)
    lines: dict[str, dict[str, Uptake]] = {dimension: {} for dimension in DIMENSIONS}
    total = Uptake("all")

    def add(keys: dict[str, list], column: str, amount: int) -> None:
        for dimension, values in keys.items():
            found = lines[dimension]
            for key in values:
                line = found.get(key)
                if line is None:
                    line = found[key] = Uptake(key)
                setattr(line, column, getattr(line, column) + amount)
        setattr(total, column, getattr(total, column) + amount)

    def offer_keys(offer_id: int, month: str) -> dict[str, list]:
        offer = offers[offer_id]
        return {"locality": [str(offer.locality_id)], "tier": [offer.tier.value], "provider": [str(offer.provider_id)],
                "month": [month]}

    # Places offered: summed in SQL for each break and month.
    for offer_id, month, capacity in db.session.execute(
            select(Session.offer_id, month_of, func.sum(Session.capacity)).where(*in_year)
            .group_by(Session.offer_id, month_of)):
        offer = offers[offer_id]
        add(offer_keys(offer_id, month) | {"need": needs.get(offer_id, []),
                                           "age": bands_reached(offer.min_age, offer.max_age)}, "offered", int(capacity))

    # Places booked, attended and missed: summed in SQL, for each break and month, each set of needs, each age band.
    booked = (Booking.status == BookingStatus.CONFIRMED, Booking.is_carer_place.is_(False))
    figures = (func.count(Booking.id), func.sum(case((Booking.attendance == Attendance.ATTENDED, 1), else_=0)),
               func.sum(case((Booking.attendance == Attendance.DID_NOT_ATTEND, 1), else_=0)))

    def place_rows(*columns):
        """The same places each time (a child's, on a session of the year), grouped by ``columns``."""
        return db.session.execute(
            select(*columns, *figures).join(Session, Session.id == Booking.session_id)
            .join(Child, Child.id == Booking.child_id).where(*in_year, *booked).group_by(*columns))

    def add_places(keys: dict[str, list], count, attended, missed) -> None:
        add(keys, "booked", int(count))
        add(keys, "attended", int(attended or 0))
        add(keys, "no_shows", int(missed or 0))

    for offer_id, month, *counts in place_rows(Session.offer_id, month_of):
        # The total counts each place here, once; by need, the needs its break supports, as offered places count.
        add_places(offer_keys(offer_id, month) | {"need": needs.get(offer_id, [])}, *counts)
    for band, *counts in place_rows(_age_band_on_the_day()):
        add_only(lines, "age", [band], *counts)

    ordered = {dimension: sorted(found.values(), key=lambda line: line.key) for dimension, found in lines.items()}
    # Every month of the year, in order, with nothing in it or not; every age band likewise.
    ordered["month"] = [lines["month"].get(month) or Uptake(month) for month in year_months(year)]
    ordered["age"] = [lines["age"].get(band) or Uptake(band) for band in (f"{lo}-{hi}" for lo, hi in AGE_BANDS)]
    return YearUptake(year, ordered, total)
