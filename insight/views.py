"""The commissioners' insight pages: fill and uptake, and unmet demand, for a financial year, each with charts, tables
and a CSV of the same figures. Council, trust and administrators see them; no child or family is named on them."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from budgets.dashboard import current_year, month_name, today
from budgets.models import year_label
from feedback.services import CARER_OUTCOMES, CHILD_OUTCOMES
from feedback.services import threshold as anonymity_threshold
from portal import page_cache
from portal.access import commissioner_required
from portal.exports import csv_download
from portal.extensions import db
from portal.formatting import pounds_plain
from portal.i18n import N_, current_language
from portal.pdf import FONTS, pdf_from_html
from portal.models import NEEDS, Locality
from providers.models import Provider, Tier

from . import demand as demand_figures
from . import summary as summary_figures
from . import uptake as uptake_figures
from .disclosure import is_small, people

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


# --- the "So what?" summary ---------------------------------------------------------------------------------------

def _summary_context(year: int) -> dict:
    found = summary_figures.summary(year, today(), year == current_year())
    names = Names()
    enough = max(anonymity_threshold(), 1)
    return {"year": year, "years": _years(), "year_label": year_label, "s": found, "people": people,
            "percent": _percent, "enough": enough, "child_outcomes": CHILD_OUTCOMES, "carer_outcomes": CARER_OUTCOMES,
            "tiers": [(names.of("tier", line.key), line) for line in found.tiers],
            "localities": [(names.of("locality", line.key), line) for line in found.localities]}


@bp.get("/summary")
@commissioner_required
def summary():
    return render_template("insight/summary.html", **_summary_context(_year()))


@bp.get("/summary.pdf")
@commissioner_required
def summary_pdf():
    """The same summary as a tagged PDF, in the page's language, for the Parent Carer Forum (no child named, small
    counts of people shown as "fewer than 5", ratings only where enough families answered)."""
    year, language = _year(), current_language()

    def make() -> bytes:
        return pdf_from_html(render_template("insight/summary_document.html", fonts=FONTS.as_uri(),
                                             language=language, made_on=today(), **_summary_context(year)))

    content = page_cache.remember(f"insight-summary-pdf:{year}:{language.code}:{today().isoformat()}", make)
    response = Response(content, mimetype="application/pdf")
    suffix = "" if language.code == "en" else f"-{language.code}"
    response.headers["Content-Disposition"] = f'inline; filename="so-what-summary-{year}{suffix}.pdf"'  # i18n: not shown (an HTTP header)
    response.cache_control.private = True
    return response


# A column for each of feedback.services' outcomes, in its order.
OUTCOME_COLUMNS = {"enjoyment": N_("child_enjoyment_percent"), "friendships": N_("child_friendships_percent"),
                   "independence": N_("child_independence_percent"), "confidence": N_("child_confidence_percent"),
                   "new_things": N_("child_new_things_percent"), "rest": N_("carer_rest_percent"),
                   "siblings": N_("carer_siblings_percent"), "work": N_("carer_work_percent")}
SUMMARY_CSV_HEADER = [N_("dimension"), N_("key"), N_("name"), N_("spent_pounds"), N_("children_reached"),
                      N_("places_delivered"), N_("hours"), N_("nights_away"), N_("feedback_responses"),
                      N_("average_rating"), *(OUTCOME_COLUMNS[key] for key in [*CHILD_OUTCOMES, *CARER_OUTCOMES]),
                      N_("families_waiting_now"),
                      N_("found_full"), N_("refused"), N_("searches_found_nothing"), N_("council_funding_ran_out"),
                      N_("children_with_no_break_nearby")]


@bp.get("/summary.csv")
@commissioner_required
def summary_csv():
    """The summary's figures, a line for each tier, each locality and the year: as they may be shared (a count of
    children or families below 5 reads "<5"; ratings and outcomes only where enough families answered)."""
    context = _summary_context(_year())
    found, enough = context["s"], context["enough"]

    def people_count(value):
        """Children or families: below 5, "<5" (insight.disclosure)."""
        return "" if value is None else "<5" if is_small(value) else value

    def count(value):
        return "" if value is None else value

    def row(dimension: str, name: str, line: summary_figures.Line) -> list:
        said = line.families_answering >= enough
        average = line.average_tenths

        def percent(value):
            return "" if not said or value is None else value

        return [dimension, line.key, name, pounds_plain(line.spent), people_count(line.children), line.places, line.hours,
                line.nights, line.responses, f"{average / 10:.1f}" if said and average is not None else "",
                *(percent(line.child_percent(key)) for key in CHILD_OUTCOMES),
                *(percent(line.carer_percent(key)) for key in CARER_OUTCOMES),
                people_count(line.waiting), count(line.full), count(line.refused), count(line.searches),
                count(line.funding_exhausted), people_count(line.no_break)]

    def rows():
        yield [_(heading) for heading in SUMMARY_CSV_HEADER]
        for name, line in context["tiers"]:
            yield row("tier", name, line)
        for name, line in context["localities"]:
            yield row("locality", name, line)
        yield row("all", _("All breaks"), found.total)

    return csv_download(f"so-what-summary-{found.year}.csv", rows())
