"""The commissioners' insight pages: fill and uptake, and unmet demand, for a financial year, each with charts, tables
and a CSV of the same figures. Council, trust and administrators see them; no child or family is named on them."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from budgets.dashboard import current_year, month_name, today
from budgets.models import year_label
from portal.access import commissioner_required
from portal.exports import csv_download
from portal.extensions import db
from portal.i18n import N_
from portal.models import NEEDS, Locality
from providers.models import Provider, Tier

from . import demand as demand_figures
from . import uptake as uptake_figures

bp = Blueprint("insight", __name__, url_prefix="/insight")

# How wide the longest bar of a chart is, in the chart's own units (insight/_charts.html).
CHART_BAR_WIDTH = 470
# Providers: the busiest this many in the chart (all in the table and the CSV).
CHART_PROVIDERS = 15

REFUSALS = {"age": N_("The child’s age is outside the break’s ages"),
            "no_assessment": N_("No assessment for specialist breaks"),
            "over_budget": N_("Too little left in the child’s budget"),
            "no_budget": N_("No personal budget for the dates")}


def _year() -> int:
    raw, current = request.args.get("year", ""), current_year()
    if raw.isascii() and raw.isdigit() and current - 5 <= int(raw) <= current:
        return int(raw)
    return current


def _years() -> list[int]:
    current = current_year()
    return [current, current - 1, current - 2]


class Names:
    """What each key of a breakdown is called on the page (and in the CSV), in the page's language."""

    def __init__(self):
        self.localities = dict(db.session.execute(select(Locality.id, Locality.name)).all())
        self._providers: dict[int, str] | None = None

    def providers(self, ids) -> dict[int, str]:
        if self._providers is None:
            self._providers = dict(db.session.execute(
                select(Provider.id, Provider.name).where(Provider.id.in_([int(i) for i in ids]))).all())
        return self._providers

    def of(self, dimension: str, key: str, *, providers=()) -> str:
        if dimension == "locality":
            return self.localities.get(int(key), _("Unknown")) if key.isdigit() else _("Unknown")
        if dimension == "tier":
            return Tier(key).label if key in {t.value for t in Tier} else _("Unknown")
        if dimension == "need":
            return _(NEEDS[key]) if key in NEEDS else key
        if dimension == "age":
            low, _dash, high = key.partition("-")
            return _("%(low)s to %(high)s", low=low, high=high)
        if dimension == "month":
            return month_name(key)
        if dimension == "provider":
            return self.providers(providers).get(int(key), _("Unknown"))
        if dimension == "day":
            return _(DAYS[int(key)]) if key.isdigit() and int(key) < len(DAYS) else key
        if dimension == "reason":
            return _(REFUSALS[key]) if key in REFUSALS else key
        return key


# Monday first, as a search's day filter numbers them (local_offer.search).
DAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))


@dataclass(frozen=True)
class Bar:
    name: str
    value: int  # what the bar measures (a percentage, or a count)
    text: str  # the figure as it reads beside the bar
    width: float


def bars(pairs: list[tuple[str, int, str]], *, top: int | None = None) -> list[Bar]:
    """Each (name, value, text) as a bar, scaled to ``top`` (or the biggest value)."""
    biggest = max([1, top or 0, *(value for _name, value, _text in pairs)])
    return [Bar(name, value, text, round(max(value, 0) / biggest * CHART_BAR_WIDTH, 1)) for name, value, text in pairs]


def _percent(value: int | None) -> str:
    return "—" if value is None else _("%(percent)s%%", percent=value)


@bp.get("/uptake")
@commissioner_required
def uptake():
    year = _year()
    by = request.args.get("by", "locality")
    if by not in uptake_figures.DIMENSIONS:
        by = "locality"
    figures = uptake_figures.uptake(year)
    names = Names()
    lines = figures.by[by]
    rows = [(names.of(by, line.key, providers=[ln.key for ln in lines]), line) for line in lines]
    if by in ("locality", "provider", "need"):
        rows.sort(key=lambda row: (-row[1].offered, row[0]))
    charted = rows[:CHART_PROVIDERS] if by == "provider" else rows
    chart = bars([(name, line.fill_percent or 0, _percent(line.fill_percent)) for name, line in charted], top=100)
    return render_template("insight/uptake.html", year=year, years=_years(), year_label=year_label, by=by,
                           dimensions=uptake_figures.DIMENSIONS, rows=rows, chart=chart, total=figures.total,
                           percent=_percent, charted=len(charted))


UPTAKE_CSV_HEADER = [N_("dimension"), N_("key"), N_("name"), N_("places_offered"), N_("places_booked"),
                     N_("attended"), N_("no_shows"), N_("fill_percent"), N_("attendance_percent")]


@bp.get("/uptake.csv")
@commissioner_required
def uptake_csv():
    year = _year()
    figures = uptake_figures.uptake(year)
    names = Names()

    def rows():
        yield [_(heading) for heading in UPTAKE_CSV_HEADER]
        for dimension, lines in figures.by.items():
            for line in lines:
                yield [dimension, line.key, names.of(dimension, line.key, providers=[ln.key for ln in lines]),
                       line.offered, line.booked, line.attended, line.no_shows,
                       "" if line.fill_percent is None else line.fill_percent,
                       "" if line.attendance_percent is None else line.attendance_percent]
        total = figures.total
        yield ["all", "", _("All breaks"), total.offered, total.booked, total.attended, total.no_shows,
               "" if total.fill_percent is None else total.fill_percent,
               "" if total.attendance_percent is None else total.attendance_percent]

    return csv_download(f"fill-and-uptake-{year}.csv", rows())


@bp.get("/demand")
@commissioner_required
def demand():
    year = _year()
    found = demand_figures.unmet_demand(year, today())
    names = Names()

    def named(dimension: str, counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(((names.of(dimension, key), count) for key, count in counts.items()), key=lambda p: (-p[1], p[0]))

    refusals = [(_(REFUSALS[reason]), found.refusals.get(reason, 0)) for reason in REFUSALS]
    searches = {name: named(name, counts) for name, counts in found.searches_by.items()}
    return render_template(
        "insight/demand.html", year=year, years=_years(), year_label=year_label, found=found, names=names,
        waiting_by_tier=[(names.of("tier", w.key), w) for w in found.waiting_by_tier],
        waiting_by_locality=[(names.of("locality", w.key), w) for w in found.waiting_by_locality],
        full_by_tier=named("tier", found.full_by_tier), full_by_locality=named("locality", found.full_by_locality),
        refusals=refusals, refusal_chart=bars([(name, count, f"{count:,}") for name, count in refusals]),
        refusals_by_tier=named("tier", found.refusals_by_tier), searches=searches,
        search_chart=bars([(name, count, f"{count:,}") for name, count in searches.get("need", [])[:12]]),
        exhausted_by_month=[(month_name(month), count) for month, count in found.funding_exhausted_by_month.items()],
        exhausted_by_locality=named("locality", found.funding_exhausted_by_locality),
        no_break=[(names.of("locality", str(gap.locality_id)), names.of("need", gap.need), gap.children)
                  for gap in found.no_break])


DEMAND_CSV_HEADER = [N_("section"), N_("dimension"), N_("key"), N_("name"), N_("count"), N_("places"),
                     N_("median_days_waited"), N_("longest_days_waited")]


@bp.get("/demand.csv")
@commissioner_required
def demand_csv():
    year = _year()
    found = demand_figures.unmet_demand(year, today())
    names = Names()

    def counts(section: str, dimension: str, values: dict[str, int]):
        for key, count in values.items():
            yield [section, dimension, key, names.of(dimension, key), count, "", "", ""]

    def rows():
        yield [_(heading) for heading in DEMAND_CSV_HEADER]
        for dimension, lines in (("tier", found.waiting_by_tier), ("locality", found.waiting_by_locality)):
            for w in lines:
                yield ["waiting_list", dimension, w.key, names.of(dimension, w.key), w.families, w.places,
                       w.median_days, w.longest_days]
        yield from counts("full_at_booking", "tier", found.full_by_tier)
        yield from counts("full_at_booking", "locality", found.full_by_locality)
        for name, values in found.searches_by.items():
            yield from counts("search_found_nothing", name, values)
        yield from counts("refused", "reason", {reason: found.refusals.get(reason, 0) for reason in REFUSALS})
        yield from counts("refused", "tier", found.refusals_by_tier)
        yield from counts("council_funding_exhausted", "month", found.funding_exhausted_by_month)
        yield from counts("council_funding_exhausted", "locality", found.funding_exhausted_by_locality)
        for gap in found.no_break:
            yield ["no_break_nearby", "locality_need", f"{gap.locality_id}:{gap.need}",
                   f"{names.of('locality', str(gap.locality_id))}: {names.of('need', gap.need)}", gap.children,
                   "", "", ""]

    return csv_download(f"unmet-demand-{year}.csv", rows())
