"""The commissioner's money pages: envelopes, the dashboard and its CSV, pressures, the remittance, and the
demo money the seed writes."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bookings import funding
from bookings.places import book_places, cancel_booking
from bookings.registers import mark_attendance
from budgets import dashboard as queries
from budgets import ledger
from budgets import services as money
from budgets.dashboard_forms import parse_pounds
from budgets.dashboard_views import CHART_BAR_WIDTH, chart_rows
from budgets.models import (
    Bucket,
    BudgetKind,
    EntryKind,
    Envelope,
    LedgerLine,
    Payment,
    PersonalBudget,
    Rollup,
    financial_year,
)
from demo.money import OfferRow
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, AuditEvent, Role, User
from portal.formatting import pounds
from portal.timeutil import to_london, utcnow
from providers.models import (
    Attendance,
    Body,
    Booking,
    PaymentRoute,
    Tier,
    WaitingListEntry,
    WaitingStatus,
)

from .conftest import sign_in
from .factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .test_budget_views import _paid_direct_payment_booking
from .test_seed import seed_small


@pytest.fixture
def council(app):
    return UserFactory(role=Role.COUNCIL, email="council@example.com")


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com")


def _this_year() -> int:
    return financial_year(to_london(utcnow()).date())


def _soon(**kwargs):
    """A session starting within the hour (``_deliver`` lets it start before marking the register)."""
    return SessionFactory(starts_at=(utcnow() + timedelta(minutes=50)).replace(microsecond=0), **kwargs)


def _council_offer(price=2500, contribution=0, **kwargs):
    kwargs.setdefault("cancel_cutoff_hours", 0)
    return OfferFactory(tier=Tier.TARGETED, price_pence=price, family_contribution_pence=contribution,
                        payment_route=PaymentRoute.COUNCIL_FUNDED, **kwargs)


def _book_council(session, child=None):
    child = child or ChildFactory()
    [booking] = book_places(child.parent, session, [child], "council_funded", declared_meets_criteria=True)
    db.session.commit()
    return booking


def _deliver(booking):
    """Let the session start (the register opens then) and mark the child as attended."""
    staff = UserFactory(role=Role.PROVIDER, provider_id=booking.session.offer.provider_id)
    booking.session.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    mark_attendance(booking.session, {booking.id: Attendance.ATTENDED}, by=staff)
    db.session.commit()


def _budget(child, trust, amount, kind=BudgetKind.MANAGED):
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Meets criteria",
                              recorded_by_id=trust.id))
    db.session.flush()
    today = to_london(utcnow()).date()
    return money.allocate_budget(child, kind=kind, amount_pence=amount, starts_on=today,
                                 ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                 reasons="Panel agreed", by=trust)


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


@pytest.fixture
def council_year(app, council):
    """A council envelope of £1,000 with places booked, one delivered and one cancelled, on two providers."""
    envelope = money.set_envelope(Body.COUNCIL, _this_year(), 100_000, by=council, reason="Budget for the year")
    east, west = LocalityFactory(name="East"), LocalityFactory(name="West")
    first = _soon(offer=_council_offer(price=2500, contribution=500, locality=east))
    second = _soon(offer=_council_offer(price=4000, locality=west))
    delivered = _book_council(first)
    kept = _book_council(second)
    cancelled = _book_council(second)
    cancel_booking(cancelled, by=cancelled.booked_by)
    db.session.commit()
    _deliver(delivered)
    db.session.commit()
    return envelope, delivered, kept


# --- the figures ---------------------------------------------------------------------------------------

def test_the_dashboard_shows_the_ledgers_figures(council_year, login, council):
    envelope, delivered, kept = council_year
    figures = ledger.figures(envelope)
    assert (figures.envelope, figures.committed, figures.spent, figures.available) == (100_000, 4000, 2000, 94_000)
    page = login(council).get("/money/dashboard")
    assert page.status_code == 200
    text = _text(page.text)
    for label, pence in [("Budget for the year", 100_000), ("Actual spend (places delivered)", 2000),
                         ("Left to commit", 94_000)]:
        assert f"{label} {pounds(pence)}" in text
    assert re.search(r"Committed \(places booked, not yet delivered\) £40\.00", text)
    assert "Used (committed and spent) 6%" in text
    assert "Council short breaks budget" in text
    # By tier, by locality (names from the localities), by kind of break, by provider, by month.
    assert "Targeted £20.00 £40.00" in text
    assert "East £20.00 £0.00" in text and "West £0.00 £40.00" in text
    assert f"{delivered.session.offer.provider.name} £20.00 £0.00" in text
    month = to_london(utcnow()).strftime("%B %Y")
    assert f"{month} £20.00 £40.00" in text
    assert ledger.check() == []


def test_one_query_sums_every_breakdown_as_each_breakdown_alone_does(app, council, login):
    """The dashboard sums the roll-ups by every dimension in one query (GROUPING SETS on PostgreSQL, UNION ALL on
    SQLite): the same figures as summing by each dimension on its own; and the biggest providers, with ties broken
    by name, only the ones shown looked up by name."""
    envelope = money.set_envelope(Body.COUNCIL, _this_year(), 100_000, by=council, reason="Budget for the year")
    providers = [ProviderFactory(name=name) for name in ("Cedar", "Birch", "Alder", "Damson")]
    month = f"{to_london(utcnow()):%Y-%m}"
    amounts = [(Bucket.COMMITTED, "universal", providers[0], "play", 700), (Bucket.SPENT, "targeted", providers[1],
               "sport", 500), (Bucket.COMMITTED, "targeted", providers[2], "sport", 500),
               (Bucket.SPENT, "universal", providers[3], "play", 100), (Bucket.COMMITTED, "universal", None, "", 50)]
    for bucket, tier, provider, category, pence in amounts:
        db.session.add(Rollup(envelope_id=envelope.id, bucket=bucket, month=month, tier=tier, category=category,
                              provider_id=provider.id if provider else 0, locality_id=0, amount_pence=pence))
    db.session.commit()
    sums = queries.envelope_sums(envelope)
    for column in queries.DIMENSIONS:
        assert dict(sums.by[column]) == dict(queries._sums(envelope, column)), column
    assert sums.figures(envelope) == ledger.figures(envelope)
    summary = queries.provider_summary(envelope, top=2, sums=sums)
    # Cedar £7, then Alder and Birch tie at £5: Alder comes first by name, Birch joins Damson in the rest.
    assert [(line.name, line.total) for line in summary.top] == [("Cedar", 700), ("Alder", 500)]
    assert (summary.others.committed, summary.others.spent, summary.others_count) == (0, 600, 2)
    assert summary.not_tied.total == 50 and summary.count == 4
    assert summary == queries.provider_summary(envelope, top=2)


def test_by_tier_shows_every_tier_the_council_commissions(council_year, login, council):
    envelope, delivered, kept = council_year
    assert [(line.name, line.spent, line.committed) for line in queries.by_tier(envelope)] == [
        ("Universal", 0, 0), ("Targeted", 2000, 4000)]
    text = _text(login(council).get("/money/dashboard").text)
    assert "Universal £0.00 £0.00" in text
    assert "Nothing from this budget has been committed or spent on universal breaks" in text
    assert "free breaks, which the council block-funds" in text


def test_the_csv_has_the_same_figures(council_year, login, council):
    envelope, delivered, kept = council_year
    response = login(council).get("/money/dashboard.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    year = _this_year()
    assert f'filename="spending-council-{year}-to-{year + 1}-on-' in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["section", "dimension", "name", "committed_pence", "committed_pounds", "spent_pence",
                       "spent_pounds"]
    summary = rows[1]
    assert summary[3:] == ["4000", "40.00", "2000", "20.00"]
    assert ["summary", "amount", "Remaining (not committed or spent)", "94000", "940.00", "", ""] in rows
    tiers = [row for row in rows if row[1] == "tier"]
    assert tiers == [["breakdown", "tier", "Universal", "0", "0.00", "0", "0.00"],
                     ["breakdown", "tier", "Targeted", "4000", "40.00", "2000", "20.00"]]
    providers = {row[2]: row[3:] for row in rows if row[1] == "provider"}
    assert providers[kept.session.offer.provider.name] == ["4000", "40.00", "0", "0.00"]
    localities = {row[2]: row[3] for row in rows if row[1] == "locality"}
    assert localities == {"West": "4000", "East": "0"}


def test_forecast_is_the_run_rate_of_actual_spend_over_the_whole_year():
    envelope = Envelope(body=Body.COUNCIL, year=2026, amount_pence=365_000_00)
    # 100 days gone (1 April to 9 July inclusive), £100,000 spent: £1,000 a day for 365 days.
    forecast = queries.forecast(envelope, 100_000_00, on=date(2026, 7, 9))
    assert (forecast.days_gone, forecast.days_in_year, forecast.amount) == (100, 365, 365_000_00)
    assert forecast.runs_out_on is None
    # Spending faster: £2,000 a day reaches £365,000 on day 183 (30 September).
    faster = queries.forecast(envelope, 200_000_00, on=date(2026, 7, 9))
    assert faster.amount == 730_000_00
    assert faster.runs_out_on == date(2026, 9, 30)
    # Rounded to the nearest penny; before the year starts there is no forecast; after it, what was spent.
    assert queries.forecast(envelope, 1, on=date(2026, 4, 3)).amount == 122  # 1p x 365 / 3 = 121.67p
    assert queries.forecast(envelope, 500, on=date(2026, 3, 31)).amount is None
    assert queries.forecast(envelope, 500, on=date(2027, 6, 1)).amount == 500
    leap = Envelope(body=Body.TRUST, year=2027, amount_pence=1)
    assert queries.forecast(leap, 0, on=date(2027, 4, 1)).days_in_year == 366


def test_the_forecast_is_at_least_what_is_already_spent_and_committed():
    envelope = Envelope(body=Body.TRUST, year=2026, amount_pence=365_000_00)
    # 169 days gone: £100,000 spent runs on to £215,976.33, but £300,000 more is promised, so the year costs at
    # least £400,000.
    forecast = queries.forecast(envelope, 100_000_00, on=date(2026, 9, 16), committed=300_000_00)
    assert (forecast.days_gone, forecast.run_rate, forecast.amount) == (169, 215_976_33, 400_000_00)
    assert forecast.from_commitments
    assert forecast.runs_out_on is None, "the run rate alone does not reach the budget"
    # Spending fast with little promised: the run rate is the forecast.
    fast = queries.forecast(envelope, 300_000_00, on=date(2026, 9, 16), committed=1_000_00)
    assert fast.amount == fast.run_rate == 647_928_99 and not fast.from_commitments
    assert queries.forecast(envelope, 0, on=date(2026, 3, 31), committed=5_00).amount is None


def test_spend_reaching_the_budget_on_the_last_day_is_not_before_the_year_ends():
    envelope = Envelope(body=Body.COUNCIL, year=2026, amount_pence=10_000)
    # £90 of £100 spent in 328 days: at that rate spend reaches £100 on day 365, 31 March 2027, the year's last.
    last_day = queries.forecast(envelope, 9000, on=date(2026, 4, 1) + timedelta(days=327))
    assert (last_day.days_gone, last_day.run_rate) == (328, 10_015)
    assert last_day.runs_out_on == date(2027, 3, 31) and last_day.days_to_spare == 0
    # In 300 days: reached on day 334, 28 February 2027, 31 days before the year ends.
    earlier = queries.forecast(envelope, 9000, on=date(2026, 4, 1) + timedelta(days=299))
    assert earlier.runs_out_on == date(2027, 2, 28) and earlier.days_to_spare == 31


def test_the_dashboard_says_when_spend_reaches_the_budget_on_the_years_last_day(app, council, login, monkeypatch):
    year = _this_year()
    money.set_envelope(Body.COUNCIL, year, 10_000, by=council, reason="Small budget")
    _deliver(_book_council(_soon(offer=_council_offer(price=9000))))
    days_in_year = (date(year + 1, 4, 1) - date(year, 4, 1)).days
    # The day on which £90 spent so far, carried on at the same daily rate, reaches £100 on the year's last day.
    gone = next(days for days in range(1, days_in_year) if -(-10_000 * days // 9000) == days_in_year)
    monkeypatch.setattr(queries, "today", lambda: date(year, 4, 1) + timedelta(days=gone - 1))
    text = _text(login(council).get("/money/dashboard").text)
    assert f"actual spend reaches the budget on {date(year + 1, 3, 31):%A} 31 March {year + 1}, the last day of " \
           "the year, and goes beyond it." in text
    assert "before the year ends" not in text
    monkeypatch.setattr(queries, "today", lambda: date(year, 4, 1) + timedelta(days=gone - 31))
    text = _text(login(council).get("/money/dashboard").text)
    assert re.search(rf"actual spend reaches the budget on \w+ \d+ \w+ {year + 1}, \d+ days before the year ends "
                     rf"on \w+ 31 March {year + 1}\.", text)


def test_months_outside_the_year_are_one_line_each_not_months_of_the_year(app, council):
    year = _this_year()
    envelope = money.set_envelope(Body.COUNCIL, year, 100_000, by=council, reason="Set")
    available, committed, spent = (ledger.envelope_account(envelope, part)
                                   for part in ("available", "committed", "spent"))
    context = dict(envelope_id=envelope.id, dims=ledger.Dims("targeted"), reason="Test", by=council)

    def on(month, day, following=False):
        return datetime(year + following, month, day, 12, tzinfo=timezone.utc)

    # Booked on 20 February for an April place; booked on 30 March for a 31 March place whose register was
    # marked on 2 April.
    ledger.move(EntryKind.COMMITMENT, 1500, available, committed, at=on(2, 20), **context)
    ledger.move(EntryKind.DELIVERY, 1500, committed, spent, at=on(4, 10), **context)
    ledger.move(EntryKind.COMMITMENT, 2000, available, committed, at=on(3, 30, following=True), **context)
    ledger.move(EntryKind.DELIVERY, 2000, committed, spent, at=on(4, 2, following=True), **context)
    db.session.commit()
    months = queries.by_month(envelope, on=date(year + 1, 5, 1))
    assert [(m.name, m.spent, m.committed) for m in (months[0], months[1], months[-2], months[-1])] == [
        (f"Before April {year} (booked in advance)", 0, 1500), (f"April {year}", 1500, 0),
        (f"March {year + 1}", 0, 2000), (f"After March {year + 1} (recorded after the year ended)", 2000, 0)]
    assert [m.name for m in months[1:-1]] == [queries.month_name(m) for m in queries.year_months(year)]
    # Next year's envelope, with a place already booked: one line, before the year.
    following = money.set_envelope(Body.COUNCIL, year + 1, 100_000, by=council, reason="Set")
    ledger.move(EntryKind.COMMITMENT, 700, ledger.envelope_account(following, "available"),
                ledger.envelope_account(following, "committed"), **(context | {"envelope_id": following.id}))
    assert [(m.name, m.spent, m.committed) for m in queries.by_month(following)] == [
        (f"Before April {year + 1} (booked in advance)", 0, 700)]


def test_charts_are_accessible_svg_with_the_tables_figures(council_year, login, council):
    page = login(council).get("/money/dashboard").text
    charts = re.findall(r"<svg[^>]*>.*?</svg>", page, flags=re.S)
    assert len(charts) >= 6
    for chart in charts:
        opening = chart[:chart.index(">")]
        assert 'role="img"' in opening
        labelled = re.search(r'aria-labelledby="([^"]+)"', opening).group(1).split()
        for element_id in labelled:
            assert re.search(rf'<(title|desc) id="{element_id}">[^<]+</\1>', chart), element_id
    tier_chart = next(c for c in charts if 'id="chart-tier"' in c)
    assert re.findall(r"Actual spend: (£[\d,.]+)", tier_chart) == ["£0.00", "£20.00"]
    assert re.findall(r"Committed: (£[\d,.]+)", tier_chart) == ["£0.00", "£40.00"]
    table = page[page.index("By tier</caption>"):]
    table = table[:table.index("</table>")]
    assert "£20.00" in table and "£40.00" in table
    month_chart = next(c for c in charts if 'id="chart-month"' in c)
    month_table = page[page.index("By month</caption>"):]
    month_table = month_table[:month_table.index("</table>")]
    assert sorted(re.findall(r"£[\d,]+\.\d\d", month_chart)) == sorted(re.findall(r"£[\d,]+\.\d\d", month_table))


def test_a_breakdowns_bars_are_scaled_to_its_biggest_amount(app):
    lines = [queries.Line("a", "Biggest", committed=40_000, spent=10_000),
             queries.Line("b", "Half", committed=0, spent=20_000),
             queries.Line("c", "Given back", committed=-500, spent=0)]
    with app.test_request_context():
        rows = chart_rows(lines)
    assert [(r.name, r.spent, r.committed) for r in rows] == [
        ("Biggest", "£100.00", "£400.00"), ("Half", "£200.00", "£0.00"), ("Given back", "£0.00", "-£5.00")]
    assert [(r.spent_width, r.committed_width) for r in rows] == [
        (CHART_BAR_WIDTH / 4, CHART_BAR_WIDTH), (CHART_BAR_WIDTH / 2, 0), (0, 0)]  # nothing drawn below zero
    assert rows[0].committed_label_x == CHART_BAR_WIDTH + 6
    with app.test_request_context():
        assert chart_rows([queries.Line("z", "Nothing", 0, 0)])[0].spent_width == 0  # no division by zero


def test_the_figures_table_and_envelope_chart_agree_when_over_a_threshold(app, council, login):
    envelope = money.set_envelope(Body.COUNCIL, _this_year(), 5000, by=council, reason="Small budget",
                                  warn_first=50, warn_second=80)
    _book_council(_soon(offer=_council_offer(price=4200)))
    page = login(council).get("/money/dashboard").text
    assert "84% of the budget is committed or spent: past the second warning at 80%" in _text(page)
    chart = re.search(r'<svg[^>]*id="chart-envelope".*?</svg>', page, flags=re.S).group(0)
    assert "50% warning" in chart and "80% warning" in chart and "Left: £8.00" in chart
    assert ledger.figures(envelope).available == 800


# --- pressures -----------------------------------------------------------------------------------------

def test_pressures_waiting_lists_places_per_child_and_offers_at_the_limit(app, council, login):
    money.set_envelope(Body.COUNCIL, _this_year(), 3000, by=council, reason="Nearly spent")
    north = LocalityFactory(name="North")
    full = SessionFactory(capacity=1, places_taken=1, offer=OfferFactory(title="Saturday Swim", locality=north))
    waiting = ChildFactory(locality=north)
    ChildFactory(locality=north)
    db.session.add(WaitingListEntry(session=full, family=waiting.parent, child_ids=[waiting.id], places=1,
                                    status=WaitingStatus.WAITING))
    pricey = _soon(offer=_council_offer(price=4000, title="Climbing Club"))
    cheap = _soon(offer=_council_offer(price=2000, title="Drama Club"))
    db.session.commit()
    # The dashboard's test is the booking step's test.
    method = funding.get("council_funded")
    assert method.unavailable_reason(pricey, [waiting]) is not None
    assert method.unavailable_reason(cheap, [waiting]) is None
    text = _text(login(council).get("/money/dashboard").text)
    assert "1 family is waiting for 1 place on 1 upcoming session" in text
    assert "Saturday Swim" in text
    # North: 1 place in the next 90 days for 2 children; the others have the council-funded sessions.
    assert "North 1 2 0.5" in text
    assert "not enough to fund another place on 1 council-funded break" in text
    assert "Climbing Club" in text and "Drama Club" not in text


def test_trust_sees_panel_decisions_recorded_beyond_its_envelope(app, trust, login, outbox):
    money.set_envelope(Body.TRUST, _this_year(), 5000, by=trust, reason="Trust budget")
    _budget(ChildFactory(), trust, 8000)
    db.session.commit()
    text = _text(login(trust).get("/money/dashboard").text)
    assert "Children’s trust short breaks budget" in text
    assert "1 resource panel decision was recorded when the budget was already fully committed, for £80.00" in text
    assert "Budget allocated" in text
    assert "£30.00 over the budget: more is committed or spent than the budget for the year (160% used)" in text
    assert "Council-funded breaks at the budget limit" not in text


def test_a_trust_budget_committed_beyond_its_amount_says_so_plainly_as_pressure(app, trust, login):
    money.set_envelope(Body.TRUST, _this_year(), 5000, by=trust, reason="Trust budget")
    _budget(ChildFactory(), trust, 8000)
    db.session.commit()
    page = login(trust).get("/money/dashboard").text
    text = _text(page)
    assert "-£" not in text and "Left to commit" not in text
    table = page[page.index('<table class="govuk-table" id="figures">'):]
    assert "Over the budget by £30.00" in _text(table[:table.index("</table>")])
    assert "Pressure £30.00 more than the £50.00 budget" in text
    chart = re.search(r'<svg[^>]*id="chart-envelope".*?</svg>', page, flags=re.S).group(0)
    assert "Over the budget by £30.00" in chart and "Left:" not in chart
    assert "£30.00 more than the £50.00 budget is committed or spent (160% used)" in text
    assert "never refused for lack of budget" in text and 'href="#pressures"' in page
    # Allocated budgets are promised money: the year's forecast is at least the £80 committed, not £0.
    assert "Forecast spend for the year, to" in text and "£80.00 (160% of the budget)" in text
    assert "it is what is already spent and committed (£80.00)" in text


def test_no_envelope_shows_an_empty_state_with_a_link_to_set_it(app, council, login):
    page = login(council).get("/money/dashboard")
    assert page.status_code == 200
    assert "No budget has been set for council short breaks" in _text(page.text)
    assert f"/money/envelopes?body=council&amp;year={_this_year()}" in page.text
    assert login(council).get("/money/dashboard.csv").status_code == 404


# --- who sees what -------------------------------------------------------------------------------------

def test_council_sees_the_council_trust_the_trust_and_an_admin_chooses(app, council, trust, login):
    year = _this_year()
    money.set_envelope(Body.COUNCIL, year, 111_100, by=council, reason="Council")
    money.set_envelope(Body.TRUST, year, 222_200, by=trust, reason="Trust")
    db.session.commit()
    client = login(council)
    assert "£1,111.00" in client.get("/money/dashboard").text
    assert client.get("/money/dashboard?body=trust").status_code == 403
    assert client.get("/money/dashboard.csv?body=trust").status_code == 403
    assert client.get("/money/remittance.csv?body=trust").status_code == 403
    client = login(trust)
    assert "£2,222.00" in client.get("/money/dashboard").text
    assert client.get("/money/dashboard?body=council").status_code == 403
    admin = login(UserFactory(role=Role.ADMIN))
    assert "£1,111.00" in admin.get("/money/dashboard?body=council").text
    assert "£2,222.00" in admin.get("/money/dashboard?body=trust").text
    assert admin.get("/money/dashboard?body=nobody").status_code == 404


@pytest.mark.parametrize("role", [Role.PARENT_CARER, Role.YOUNG_PERSON, Role.PROVIDER])
def test_families_and_providers_never_see_the_money_pages(app, login, role):
    client = login(UserFactory(role=role))
    for url in ["/money/dashboard", "/money/dashboard.csv", "/money/envelopes", "/money/providers",
                "/money/remittance.csv"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/money/envelopes", data={"amount": "1", "reason": "x"}).status_code == 403


# --- setting envelopes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, pence", [("£1,632,000", 163_200_000), ("1632000.50", 163_200_050), ("0", 0),
                                          ("£ 12.5", 1250), ("1,000.05", 100_005)])
def test_amounts_in_pounds_become_pence(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed, message", [
    ("", "Enter the budget for the year in pounds"),
    ("-5", "Enter an amount of £0 or more"),
    ("12.345", "no more than 2 numbers after the point"),
    ("1,63,2000", "like £1,632,000 or 1632000.50"),
    ("١٢٣", "like £1,632,000 or 1632000.50"),
    ("1e9", "like £1,632,000 or 1632000.50"),
    ("1000000000", "less than £1,000,000,000"),
])
def test_amounts_that_are_not_money_say_why(typed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_pounds(typed)


def _set(client, **fields):
    data = {"body": "council", "year": str(_this_year()), "amount": "£1,632,000", "warn_first": "75",
            "warn_second": "90", "reason": "Cabinet agreed the budget"} | fields
    return client.post("/money/envelopes", data=data)


def test_setting_an_envelope_is_confirmed_and_audited(app, council, login):
    client = login(council)
    response = _set(client)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "the budget is now £1,632,000.00, with warnings at 75% and 90% used" in _text(page)
    envelope = db.session.scalar(select(Envelope))
    assert (envelope.body, envelope.amount_pence, envelope.updated_by_id) == (Body.COUNCIL, 163_200_000, council.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "envelope_set"))
    assert (event.actor_id, event.reason, event.details["amount_pence"]) == (council.id, "Cabinet agreed the budget",
                                                                             163_200_000)
    assert _set(client, amount="1632000.50", warn_first="60", warn_second="85", reason="Top-up").status_code == 302
    db.session.refresh(envelope)
    assert (envelope.amount_pence, envelope.warn_first, envelope.warn_second) == (163_200_050, 60, 85)
    assert ledger.check() == []


@pytest.mark.parametrize("fields, message", [
    ({"amount": "lots"}, "Enter the budget in pounds, like £1,632,000 or 1632000.50"),
    ({"warn_first": "90", "warn_second": "75"}, "The second warning must be higher than the first"),
    ({"warn_first": "0"}, "Enter the first warning as a whole number from 1 to 100"),
    ({"warn_second": "abc"}, "Enter the second warning as a whole number from 1 to 100"),
    ({"reason": "   "}, "Say why the budget is being set or changed"),
    ({"year": "1999"}, "Select one of the options"),
])
def test_the_envelope_form_says_what_is_wrong(app, council, login, fields, message):
    response = _set(login(council), **fields)
    assert response.status_code == 422
    assert "There is a problem" in response.text and message in unescape(response.text)
    assert db.session.scalar(select(func.count(Envelope.id))) == 0


def test_a_budget_cannot_be_set_below_what_is_already_used(council_year, council, login):
    response = _set(login(council), amount="50")
    assert response.status_code == 409
    assert "£60.00 of this budget is already committed or spent" in unescape(response.text)
    assert ledger.figures(council_year[0]).envelope == 100_000


def test_a_commissioner_cannot_set_the_other_bodys_envelope(app, council, trust, login):
    assert _set(login(council), body="trust").status_code == 403
    assert _set(login(trust), body="council").status_code == 403
    assert db.session.scalar(select(func.count(Envelope.id))) == 0
    admin = login(UserFactory(role=Role.ADMIN))
    assert _set(admin, body="trust").status_code == 302
    assert db.session.scalar(select(Envelope.body)) is Body.TRUST


def test_the_envelope_page_lists_this_year_and_next(app, council, login):
    money.set_envelope(Body.COUNCIL, _this_year(), 100_000, by=council, reason="Set")
    db.session.commit()
    text = _text(login(council).get("/money/envelopes").text)
    year = _this_year()
    assert f"Council {year} to {year + 1} £1,000.00 0% 75% and 90%" in text
    assert f"Council {year + 1} to {year + 2} Not set" in text
    assert "Children’s trust" not in text.split("Set a budget")[0]


# --- the provider table and the remittance -------------------------------------------------------------

def test_the_full_provider_table_is_paginated(app, council, login):
    money.set_envelope(Body.COUNCIL, _this_year(), 1_000_000, by=council, reason="Set")
    for n in range(23):
        _book_council(_soon(offer=_council_offer(price=1000 + n, provider=ProviderFactory(name=f"Club {n:02d}"))))
    client = login(council)
    first = _text(client.get("/money/providers").text)
    assert "23 providers, most money first" in first
    assert first.index("Club 22") < first.index("Club 21")
    second = _text(client.get("/money/providers?page=2").text)
    assert "Club 00" in second and "Club 22" not in second
    dashboard = _text(client.get("/money/dashboard").text)
    assert "13 other providers" in dashboard and "All 23 providers" in dashboard


def test_remittance_lists_the_delivered_places_a_body_pays_for_and_no_place_stripe_paid(app, council, trust, login):
    envelope = money.set_envelope(Body.COUNCIL, _this_year(), 1_000_000, by=council, reason="Set")
    remitted = ProviderFactory(name="Paid By Remittance")
    on_stripe = ProviderFactory(name="Connected To Stripe", stripe_account_id="acct_123")
    child = ChildFactory(first_name="Zebedee")
    first = _book_council(_soon(offer=_council_offer(price=2500, contribution=500, provider=remitted,
                                                     title="Swim")), child)
    second = _book_council(_soon(offer=_council_offer(price=3000, provider=remitted, title="Judo")))
    # Stripe pays a connected provider only what families pay by card: the council still pays its own places.
    elsewhere = _book_council(_soon(offer=_council_offer(price=3000, provider=on_stripe, title="Drama")))
    not_delivered = _book_council(_soon(offer=_council_offer(price=3000, provider=remitted)))
    for booking in (first, second, elsewhere):
        _deliver(booking)
    # Specialist places: the trust's remittance, not the council's. One from a managed budget; two paid by card from
    # a direct payment, one into the portal's own Stripe account (the trust passes it on), one by a destination
    # charge straight into the connected provider's account (already paid: not remitted).
    budget_child = ChildFactory()
    _budget(budget_child, trust, 10_000)
    specialist = _soon(offer=OfferFactory(tier=Tier.SPECIALIST, price_pence=4000, provider=remitted,
                                          payment_route=PaymentRoute.PERSONAL_BUDGET, title="Overnight stay"))
    [placed] = book_places(budget_child.parent, specialist, [budget_child], "personal_budget")
    db.session.commit()
    _deliver(placed)
    dp_child = ChildFactory()
    _budget(dp_child, trust, 20_000, kind=BudgetKind.DIRECT_PAYMENT)
    db.session.commit()
    through_portal = _paid_direct_payment_booking(dp_child, _soon(offer=OfferFactory(
        tier=Tier.SPECIALIST, price_pence=1500, provider=remitted, payment_route=PaymentRoute.PERSONAL_BUDGET,
        title="Climbing")))
    direct_to_provider = _paid_direct_payment_booking(dp_child, _soon(offer=OfferFactory(
        tier=Tier.SPECIALIST, price_pence=1700, provider=on_stripe, payment_route=PaymentRoute.PERSONAL_BUDGET,
        title="Sailing")))
    assert db.session.get(Payment, direct_to_provider.payment_id).destination_account == "acct_123"
    for booking in (through_portal, direct_to_provider):
        _deliver(booking)
    month = to_london(first.session.starts_at).strftime("%Y-%m")
    response = login(council).get(f"/money/remittance.csv?month={month}&body=council")
    assert response.status_code == 200
    assert f'filename="remittance-council-{month}.csv"' in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["booking_id", "provider", "offer", "session_date", "funding", "amount_pence", "amount_pounds"]
    day = to_london(first.session.starts_at).strftime("%Y-%m-%d")
    assert rows[1] == [str(elsewhere.id), "Connected To Stripe", "Drama", day, "Funded by the council", "3000",
                       "30.00"]
    assert rows[2] == ["", "Connected To Stripe", "Total for Connected To Stripe", "", "", "3000", "30.00"]
    assert sorted(rows[3:5]) == sorted([
        [str(first.id), "Paid By Remittance", "Swim", day, "Funded by the council", "2000", "20.00"],
        [str(second.id), "Paid By Remittance", "Judo", day, "Funded by the council", "3000", "30.00"]])
    assert rows[5] == ["", "Paid By Remittance", "Total for Paid By Remittance", "", "", "5000", "50.00"]
    assert rows[6] == ["", "", "Total for all providers", "", "", "8000", "80.00"]
    assert len(rows) == 7
    assert "Zebedee" not in response.text
    assert str(not_delivered.id) not in [row[0] for row in rows]
    trust_rows = _csv_rows(login(trust).get(f"/money/remittance.csv?month={month}"))
    assert sorted(row[0] for row in trust_rows[1:-2] if row[0]) == sorted([str(placed.id), str(through_portal.id)])
    assert trust_rows[-1][-2:] == ["5500", "55.00"]
    assert ledger.figures(envelope).spent == 5000 + 3000


def test_remittance_month_must_be_one_offered(app, council, login):
    client = login(council)
    response = client.get("/money/remittance.csv?month=2001-13")
    assert response.status_code == 302 and "/money/dashboard" in response.location
    default = client.get("/money/remittance.csv")
    last_month = queries.remittance_months()[1]
    assert f"remittance-council-{last_month}.csv" in default.headers["Content-Disposition"]


# --- the demo money ------------------------------------------------------------------------------------

def test_the_small_seed_writes_money_that_reconciles(app):
    seed_small(app)
    assert ledger.check() == []
    assert db.session.scalar(select(func.count(LedgerLine.id))) > 100
    fundings = set(db.session.scalars(select(Booking.funding)))
    assert {"council_funded", "personal_budget"} <= fundings
    council_envelope = db.session.scalar(select(Envelope).where(Envelope.body == Body.COUNCIL,
                                                                Envelope.year == _this_year()))
    figures = ledger.figures(council_envelope)
    assert figures.spent > 0 and figures.available >= 0
    delivered = db.session.scalar(select(func.count(Booking.id)).where(Booking.delivered_at.is_not(None)))
    assert delivered > 0
    parent = db.session.scalar(select(User).where(User.email == "parent@example.com"))
    kinds = {b.kind for child in parent.children for b in db.session.scalars(
        select(PersonalBudget).where(PersonalBudget.child_id == child.id))}
    assert kinds == {BudgetKind.MANAGED, BudgetKind.DIRECT_PAYMENT}
    db.session.remove()


def test_the_seed_funds_council_funded_universal_breaks_from_the_council_as_booking_would():
    def row(tier, route, price=500, contribution=100):
        return OfferRow(1, tier, route, price, contribution, 5, 12, (tier.value, 1, 1, "sport"))

    # Booking offers council funding on any council-funded break that is not specialist; so does the seed.
    assert funding.get("council_funded").available_for(
        SimpleNamespace(tier=Tier.UNIVERSAL, payment_route=PaymentRoute.COUNCIL_FUNDED))
    universal = row(Tier.UNIVERSAL, PaymentRoute.COUNCIL_FUNDED)
    assert universal.body is Body.COUNCIL and universal.funded == 400
    assert row(Tier.TARGETED, PaymentRoute.COUNCIL_FUNDED).body is Body.COUNCIL
    assert row(Tier.UNIVERSAL, PaymentRoute.FREE, price=0).body is None
    assert row(Tier.UNIVERSAL, PaymentRoute.PAY_PROVIDER).body is None
    assert row(Tier.SPECIALIST, PaymentRoute.PERSONAL_BUDGET, price=9000).body is Body.TRUST


def test_the_seeded_dashboard_renders_for_each_commissioner(app, client):
    seed_small(app)
    for email in ("council@example.com", "trust@example.com"):
        signed_in = app.test_client()
        sign_in(signed_in, db.session.scalar(select(User).where(User.email == email)), "short-breaks-demo")
        page = signed_in.get("/money/dashboard")
        assert page.status_code == 200 and "The budget at a glance" in page.text
        assert signed_in.get("/money/dashboard.csv").status_code == 200
