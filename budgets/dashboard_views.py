"""The commissioner's money pages: envelopes, the dashboard, CSV exports, provider remittance.

A council commissioner sees and sets the council's envelopes, trust staff the trust's; an administrator
chooses either. Asking for the other body's money is refused (403), never quietly swapped.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.access import commissioner_required
from portal.attempts import attempt, form_status
from portal.extensions import db
from portal.formatting import long_date, number, pounds, spreadsheet_cell
from portal.i18n import N_
from portal.paging import page_arg
from portal.timeutil import to_london
from providers.models import Body, Funding

from . import dashboard as queries
from . import ledger
from .dashboard_forms import EnvelopeForm, RemittanceForm, typed_pounds
from .models import Envelope, envelope_label, year_label
from .services import body_of, set_envelope

bp = Blueprint("money", __name__, url_prefix="/money")



def _bodies() -> list[Body]:
    mine = body_of(current_user)
    return [mine] if mine is not None else list(Body)


def _body(raw: str | None) -> Body:
    """The body asked for: the commissioner's own; an administrator's choice (the council by default)."""
    mine = body_of(current_user)
    if not raw:
        return mine or Body.COUNCIL
    try:
        body = Body(raw)
    except ValueError:
        abort(404)
    if mine is not None and body is not mine:
        abort(403)
    return body


def _year(raw: str | None) -> int:
    current = queries.current_year()
    if raw and raw.isascii() and raw.isdigit() and current - 10 <= int(raw) <= current + 1:
        return int(raw)
    return current


def _years() -> list[int]:
    current = queries.current_year()
    return [current, current + 1]


def _year_choice(year: int) -> str:
    current = queries.current_year()
    if year == current:
        return _("%(year)s (this year)", year=year_label(year))
    if year == current + 1:
        return _("%(year)s (next year)", year=year_label(year))
    return year_label(year)


# --- envelopes -----------------------------------------------------------------------------------------

@bp.route("/envelopes", methods=["GET", "POST"])
@commissioner_required
def envelopes():
    bodies = _bodies()
    form = EnvelopeForm()
    form.year.choices = [(str(year), _year_choice(year)) for year in _years()]
    done = None
    if request.method == "POST":
        # A commissioner may only set their own body's budget: say so plainly rather than ignore the choice.
        body = _body(request.form.get("body"))
        if len(bodies) == 1:
            form.body.data = body.value
        if form.validate_on_submit():
            with attempt(form) as done:
                envelope = set_envelope(Body(form.body.data), int(form.year.data), form.amount.pence, by=current_user,
                                        reason=form.reason.data.strip(), warn_first=form.warn_first.percent,
                                        warn_second=form.warn_second.percent)
            if done.ok:
                flash(_("%(envelope)s: the budget is now %(amount)s, with warnings at %(first)s%% and %(second)s%% "
                        "used.", envelope=envelope.label, amount=pounds(envelope.amount_pence),
                        first=number(envelope.warn_first), second=number(envelope.warn_second)), "success")
                return redirect(url_for(".envelopes", body=envelope.body.value, year=envelope.year))
    else:
        body, year = _body(request.args.get("body")), _year(request.args.get("year"))
        if year not in _years():
            year = queries.current_year()
        chosen = queries.envelope_of(body, year)
        form.body.data, form.year.data = body.value, str(year)
        if chosen is not None:
            form.amount.data = typed_pounds(chosen.amount_pence)
            form.warn_first.data, form.warn_second.data = str(chosen.warn_first), str(chosen.warn_second)
    rows = []
    for each in bodies:
        for year in _years():
            envelope = queries.envelope_of(each, year)
            rows.append((each, year, envelope, ledger.figures(envelope) if envelope is not None else None))
    return render_template("money/envelopes.html", form=form, rows=rows, bodies=bodies, year_label=year_label,
                           envelope_label=envelope_label), form_status(form, done)


# --- the dashboard -------------------------------------------------------------------------------------

def _scope() -> tuple[Body, int]:
    return _body(request.args.get("body")), _year(request.args.get("year"))


def _switch_years(body: Body) -> list[int]:
    """Years worth offering: this year, next year and any earlier year with an envelope."""
    known = set(db.session.scalars(select(Envelope.year).where(Envelope.body == body)))
    return sorted(known | set(_years()), reverse=True)


# How wide the longest bar of a breakdown's chart is drawn, in the chart's own units (money/_charts.html).
CHART_BAR_WIDTH = 470


@dataclass(frozen=True)
class ChartRow:
    """One line of a breakdown as its chart and table show it: the amounts as they read, and each bar's width
    (and where its label starts), scaled to the breakdown's biggest amount."""

    name: str
    spent: str
    committed: str
    spent_width: float
    committed_width: float

    @property
    def spent_label_x(self) -> float:
        return round(self.spent_width + 6, 1)

    @property
    def committed_label_x(self) -> float:
        return round(self.committed_width + 6, 1)


def chart_rows(lines) -> list[ChartRow]:
    """A breakdown's lines (``queries.Line`` or ``MonthLine``), worked out once for its chart and its table."""
    top = max([1, *(line.committed for line in lines), *(line.spent for line in lines)])

    def width(amount: int) -> float:
        return round(max(amount, 0) / top * CHART_BAR_WIDTH, 1)

    return [ChartRow(line.name, pounds(line.spent), pounds(line.committed), width(line.spent), width(line.committed))
            for line in lines]


@bp.get("/dashboard")
@commissioner_required
def dashboard():
    body, year = _scope()
    envelope = queries.envelope_of(body, year)
    remittance_form = RemittanceForm(formdata=None)
    months = queries.remittance_months()
    remittance_form.month.choices = [(m, queries.month_name(m)) for m in months]
    remittance_form.month.data = months[1]
    context = dict(body=body, year=year, bodies=_bodies(), years=_switch_years(body),
                   year_label=year_label, remittance_form=remittance_form, chart_rows=chart_rows)
    if envelope is None:
        return render_template("money/dashboard.html", board=None, **context)
    return render_template("money/dashboard.html", board=queries.dashboard(envelope), **context)


@bp.get("/providers")
@commissioner_required
def providers():
    body, year = _scope()
    envelope = queries.envelope_of(body, year)
    if envelope is None:
        abort(404)
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    lines, total = queries.provider_page(envelope, page, size)
    return render_template("money/providers.html", envelope=envelope, lines=lines, total=total, page=page,
                           pages=max(1, math.ceil(total / size)), body=body, year=year, bodies=_bodies())


# --- CSV exports ---------------------------------------------------------------------------------------

def _decimal_pounds(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


def _csv(filename: str, rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# Column headings, translated when a file is asked for: commissioners read them.
DASHBOARD_CSV_HEADER = [N_("section"), N_("dimension"), N_("name"), N_("committed_pence"), N_("committed_pounds"),
                        N_("spent_pence"), N_("spent_pounds")]
REMITTANCE_CSV_HEADER = [N_("booking_id"), N_("provider"), N_("offer"), N_("session_date"), N_("funding"),
                         N_("amount_pence"), N_("amount_pounds")]


@bp.get("/dashboard.csv")
@commissioner_required
def dashboard_csv():
    body, year = _scope()
    envelope = queries.envelope_of(body, year)
    if envelope is None:
        abort(404)
    board = queries.dashboard(envelope)
    figures, forecast = board.figures, board.forecast
    # The section and dimension columns hold codes (a spreadsheet filters on them); the headings and names are words.
    rows: list[list] = [[_(heading) for heading in DASHBOARD_CSV_HEADER]]

    def line(section, dimension, name, committed, spent):
        rows.append([section, dimension, name, committed, _decimal_pounds(committed), spent, _decimal_pounds(spent)])

    line("summary", "envelope", envelope.label, figures.committed, figures.spent)
    rows.append(["summary", "amount", _("Envelope"), envelope.amount_pence, _decimal_pounds(envelope.amount_pence),
                 "", ""])
    rows.append(["summary", "amount", _("Remaining (not committed or spent)"), figures.available,
                 _decimal_pounds(figures.available), "", ""])
    if forecast.amount is not None:
        rows.append(["summary", "amount", _("Forecast spend for the year to %(day)s (the larger of what is spent and "
                                            "committed, and the run rate)", day=long_date(envelope.ends_on)),
                     forecast.amount, _decimal_pounds(forecast.amount), "", ""])
        rows.append(["summary", "amount", ngettext("Run rate: actual spend so far at the same daily rate "
                                                   "(%(gone)s of %(days)s day gone)",
                                                   "Run rate: actual spend so far at the same daily rate "
                                                   "(%(gone)s of %(days)s days gone)", forecast.days_in_year,
                                                   gone=number(forecast.days_gone),
                                                   days=number(forecast.days_in_year)),
                     forecast.run_rate, _decimal_pounds(forecast.run_rate), "", ""])
    for dimension, lines in (("tier", board.tiers), ("locality", board.localities),
                             ("category", board.categories)):
        for each in lines:
            line("breakdown", dimension, each.name, each.committed, each.spent)
    for each in queries.by_provider(envelope):
        line("breakdown", "provider", each.name, each.committed, each.spent)
    for month in board.months:
        line("breakdown", "month", month.month, month.committed_at_end, month.spent)
    filename = f"spending-{body.value}-{year}-to-{year + 1}-on-{queries.today():%Y-%m-%d}.csv"
    return _csv(filename, rows)


@bp.get("/remittance.csv")
@commissioner_required
def remittance_csv():
    body = _body(request.args.get("body"))
    form = RemittanceForm(request.args)
    months = queries.remittance_months()
    form.month.choices = [(m, queries.month_name(m)) for m in months]
    if "month" not in request.args:
        form.month.data = months[1]  # last month: the one to pay for
    elif not form.validate():
        flash(_("Choose a month from the list to download its remittance."), "important")
        return redirect(url_for(".dashboard", body=body.value, _anchor="remittance"))
    month = form.month.data
    lines = queries.remittance(body, month)
    rows: list[list] = [[_(heading) for heading in REMITTANCE_CSV_HEADER]]
    total = provider_total = 0
    for n, each in enumerate(lines):
        rows.append([each.booking_id, each.provider, each.offer, f"{to_london(each.starts_at):%Y-%m-%d}",
                     Funding(each.funding).label, each.amount_pence,
                     _decimal_pounds(each.amount_pence)])
        total += each.amount_pence
        provider_total += each.amount_pence
        if n + 1 == len(lines) or lines[n + 1].provider_id != each.provider_id:
            rows.append(["", each.provider, _("Total for %(provider)s", provider=each.provider), "", "", provider_total,
                         _decimal_pounds(provider_total)])
            provider_total = 0
    rows.append(["", "", _("Total for all providers"), "", "", total, _decimal_pounds(total)])
    return _csv(f"remittance-{body.value}-{month}.csv", rows)
