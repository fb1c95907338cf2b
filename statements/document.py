"""The statement as a document: its sections in order, the range generated from the live published offer,
and the HTML and PDF it is rendered to (the same HTML for the page and, through WeasyPrint, the PDF)."""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import format_date, format_number, gettext, ngettext
from markupsafe import Markup
from sqlalchemy import (
    BigInteger,
    Integer,
    case,
    cast,
    extract,
    false,
    func,
    or_,
    select,
)

from budgets.dashboard import month_name
from budgets.ledger import figures
from budgets.models import financial_year
from budgets.services import envelope_for
from insight.demand import unmet_demand
from insight.disclosure import SMALL_NUMBER, is_small, people
from portal.contacts import current_contacts
from portal.extensions import db
from portal.formatting import pounds
from portal.i18n import N_, current_language
from portal.i18n import language as portal_language
from portal.models import NEEDS, Locality
from portal.notify import link
from portal.timeutil import LONDON, london_midnight_utc, to_london, utcnow
from providers.models import (
    Body,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
)

from .i18n import direction, in_language
from .models import FilePart, Statement
from portal.pdf import FONTS, pdf_from_html, timed_pdf_from_html

# WeasyPrint logs every page it lays out and fontTools every table it trims: noise in the server log.
for _chatty in ("weasyprint.progress", "fontTools"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)


DEFAULT_TITLE = N_("Short Breaks Statement")


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str  # fixed text is marked with N_ and translated where it is shown (gettext(spec.title))
    required: bool = True
    hint: str = ""  # for the commissioners writing it, marked with N_ too


SECTIONS: list[SectionSpec] = [
    SectionSpec("introduction", N_("Introduction")),
    SectionSpec("carers_needs", N_("How the range of breaks meets carers' needs"),
                hint=N_("Carers who could not go on caring without breaks, and carers who could care better with time "
                        "to work, study, rest or look after their other children.")),
    SectionSpec("eligibility_universal", N_("Who can use universal breaks")),
    SectionSpec("eligibility_targeted", N_("Who can use targeted breaks")),
    SectionSpec("eligibility_specialist", N_("Who can use specialist breaks"),
                hint=N_("Include how to ask for an assessment and how to ask for an exception.")),
    SectionSpec("how_to_get", N_("How to get each kind of break")),
    SectionSpec("budgets", N_("Personal budgets and direct payments")),
    SectionSpec("consultation", N_("How families were consulted: you said, we did")),
    SectionSpec("comments", N_("How to comment, complain or appeal")),
    SectionSpec("copies", N_("Copies and other formats")),
]
SECTION_KEYS = [s.key for s in SECTIONS]
ELIGIBILITY_KEYS = {Tier.UNIVERSAL: "eligibility_universal", Tier.TARGETED: "eligibility_targeted",
                    Tier.SPECIALIST: "eligibility_specialist"}
# The generated parts sit between the sections commissioners write, in this order.
RANGE_AFTER = "carers_needs"
MONEY_AFTER = "budgets"
HELP_AFTER = "comments"


@dataclass(frozen=True)
class KindOfBreak:
    """A kind of break the Breaks for Carers of Disabled Children Regulations 2011 name (regulation 4)."""

    key: str
    title: str
    short: str  # for the column of each break's kinds


KINDS = [
    KindOfBreak("day_care_home", N_("Day-time care in the child's home"), N_("day care at home")),
    KindOfBreak("day_care_elsewhere", N_("Day-time care away from home"), N_("day care away from home")),
    KindOfBreak("overnight_home", N_("Overnight care in the child's home"), N_("overnight at home")),
    KindOfBreak("overnight_elsewhere", N_("Overnight care away from home"), N_("overnight away from home")),
    KindOfBreak("activities", N_("Educational and leisure activities outside the home"), N_("activities")),
    KindOfBreak("evenings", N_("Breaks in the evenings"), N_("evenings")),
    KindOfBreak("weekends", N_("Breaks at weekends"), N_("weekends")),
    KindOfBreak("school_holidays", N_("Breaks in the school holidays"), N_("school holidays")),
]
KIND_KEYS = [k.key for k in KINDS]
DAY_CARE_AWAY = {Category.DAY_CARE, Category.HOLIDAY, Category.AFTER_SCHOOL}
ACTIVITIES = {Category.AFTER_SCHOOL, Category.HOLIDAY, Category.YOUTH_CLUB, Category.SPORT, Category.ARTS,
              Category.FAMILY, Category.OUTDOOR}
TIER_ORDER = [Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST]
TIER_TITLES = {"universal": N_("Universal breaks"), "targeted": N_("Targeted breaks"),
               "specialist": N_("Specialist breaks")}
HOW_TO_GET = {
    "universal": N_("Book it yourself. No assessment or referral is needed."),
    "targeted": N_("Book it yourself if your child meets the criteria for targeted breaks. No assessment is needed."),
    "specialist": N_("Ask the children's trust for an assessment. If the break is agreed, it is paid from your "
                     "child's personal budget."),
}
HOW_TO_GET_SHORT = {
    "universal": N_("Book it yourself"),
    "targeted": N_("Book it yourself if your child meets the criteria"),
    "specialist": N_("Ask for an assessment"),
}
COMMISSIONED_BY = {"council": N_("The council"), "trust": N_("The children's trust")}
# Why a body's "Left" can be negative, one whole sentence for each body.
OVERSPENT = {
    "council": N_("The council has promised %(over)s more than its short breaks budget for the year, so the money "
                  "left is shown as %(left)s. This is because a break that a child needs is not refused when the "
                  "budget runs low: the council pays the difference from its other budgets and reports it to its "
                  "cabinet."),
    "trust": N_("The children's trust has promised %(over)s more than its short breaks budget for the year, so the "
                "money left is shown as %(left)s. This is because a break that an assessment says a child needs is "
                "never refused when the budget runs low: the trust pays the difference from its other budgets and "
                "reports it to its board."),
}
# The gaps families met: the needs most searched for without finding a break, and the rows of the table of
# localities and needs where children have no break for their need nearby (the biggest; the rest are counted).
SEARCHED_NEEDS = 5
GAP_ROWS = 10
# Why a booking was refused (bookings.demand's reasons), in words for parents; insight.views has the
# commissioners' own.
REFUSED_BECAUSE = {
    "age": N_("The child was outside the ages the break is for"),
    "no_assessment": N_("The break is a specialist break and the child had no assessment for one"),
    "over_budget": N_("There was too little left in the child's personal budget"),
    "no_budget": N_("The child had no personal budget for the dates of the break"),
}
# The ages the range is summarised by (years, inclusive): under school age, primary, secondary, 16 to 17, adults.
AGE_BANDS = [(0, 4), (5, 10), (11, 15), (16, 17), (18, 25)]
EXAMPLES = 3  # breaks named as examples in each row of the summary

# A session is an evening session if it runs past 5pm (London time).
EVENING_STARTS = 17 * 3600
DAY = 86400
# The sessions that describe an offer: the last year's and those planned for the next two.
SESSIONS_BACK, SESSIONS_AHEAD = timedelta(days=365), timedelta(days=730)


# --- the range, from the live published offer ------------------------------------------------------------

def build_range() -> dict:
    """The published offer, as plain data (so a published version can keep it exactly as it was): every offer
    with the kinds of break it gives, and the year's envelopes."""
    now = utcnow()
    offers = db.session.execute(
        select(Offer.id, Offer.title, Offer.tier, Offer.category, Offer.min_age, Offer.max_age, Offer.venue,
               Offer.price_pence, Offer.family_contribution_pence, Offer.payment_route,
               Provider.name.label("provider"), Locality.id.label("locality_id"), Locality.name.label("locality"))
        .join(Provider, Offer.provider_id == Provider.id).join(Locality, Offer.locality_id == Locality.id)
        .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED)
    ).all()
    facts = _session_facts(now)
    rows = []
    for offer in sorted(offers, key=lambda o: (TIER_ORDER.index(o.tier), o.title.casefold(), o.id)):
        fact = facts.get(offer.id)
        rows.append({
            "id": offer.id, "title": offer.title, "provider": offer.provider, "tier": offer.tier.value,
            "category": offer.category.value, "min_age": offer.min_age, "max_age": offer.max_age,
            "locality": offer.locality, "locality_id": offer.locality_id, "venue": offer.venue,
            "price_pence": offer.price_pence, "family_contribution_pence": offer.family_contribution_pence,
            "payment_route": offer.payment_route.value, "sessions": fact["sessions"] if fact else 0,
            "kinds": _kinds(offer.category, fact),
        })
    today = to_london(now).date()
    return {"generated_at": now.isoformat(timespec="seconds"), "year": financial_year(today),
            "offers": rows, "envelopes": _envelopes(today), "contacts": current_contacts(), "demand": _demand(today)}


def _kinds(category: Category, fact: dict | None) -> list[str]:
    fact = fact or {"sessions": 0, "evening": 0, "weekend": 0, "overnight": 0, "holiday": 0}
    daytime = fact["sessions"] - fact["overnight"]
    kinds = {
        "day_care_home": category is Category.SITTING and (daytime > 0 or fact["sessions"] == 0),
        "overnight_home": category is Category.SITTING and fact["overnight"] > 0,
        "day_care_elsewhere": category in DAY_CARE_AWAY,
        "overnight_elsewhere": category is Category.OVERNIGHT
        or (category is not Category.SITTING and fact["overnight"] > 0),
        "activities": category in ACTIVITIES,
        "evenings": fact["evening"] > 0,
        "weekends": fact["weekend"] > 0,
        "school_holidays": category is Category.HOLIDAY or fact["holiday"] > 0,
    }
    return [key for key in KIND_KEYS if kinds[key]]


def _session_facts(now: datetime) -> dict[int, dict]:
    """For each offer, in one grouped query: its open sessions, and how many run into the evening, fall at a
    weekend, run overnight or fall in the school holidays (all in London time)."""
    first, last = now - SESSIONS_BACK, now + SESSIONS_AHEAD
    summer = _ahead_of_utc(first - timedelta(days=2), last + timedelta(days=2))

    def local_seconds(column):
        offset = case(*[((column >= start) & (column < end), seconds) for start, end, seconds in summer],
                      else_=0) if summer else 0
        return cast(extract("epoch", column), BigInteger) + offset

    local = (
        select(Session.offer_id, Session.weekday, local_seconds(Session.starts_at).label("starts"),
               local_seconds(Session.ends_at).label("ends"), case((_in_school_holidays(), 1), else_=0).label("holiday"))
        .where(Session.status == SessionStatus.OPEN, Session.ends_at >= first, Session.starts_at < last)
        .subquery()
    )
    start_day, end_day = local.c.starts // DAY, (local.c.ends - 1) // DAY
    overnight = end_day > start_day
    evening = or_(local.c.starts % DAY >= EVENING_STARTS, local.c.ends % DAY > EVENING_STARTS, overnight)
    # 1 January 1970 was a Thursday (weekday 3, counting Monday as 0).
    weekend = or_(local.c.weekday >= 5, (end_day + 3) % 7 >= 5)

    def count(condition):
        return cast(func.sum(case((condition, 1), else_=0)), Integer)

    rows = db.session.execute(
        select(local.c.offer_id, func.count(), count(evening), count(weekend), count(overnight),
               cast(func.sum(local.c.holiday), Integer))
        .group_by(local.c.offer_id)
    ).all()
    return {offer_id: {"sessions": n, "evening": e, "weekend": w, "overnight": o, "holiday": h}
            for offer_id, n, e, w, o, h in rows}


def _in_school_holidays():
    """Sessions that start in the school holidays, if the area has given its term dates: SCHOOL_HOLIDAYS in the
    config, as (first day, last day) pairs of ISO dates. Without them only holiday schemes count."""
    holidays = current_app.config.get("SCHOOL_HOLIDAYS") or []
    if not holidays:
        return false()
    spans = []
    for first_day, last_day in holidays:
        first, last = date.fromisoformat(str(first_day)), date.fromisoformat(str(last_day))
        spans.append((Session.starts_at >= london_midnight_utc(first))
                     & (Session.starts_at < london_midnight_utc(last + timedelta(days=1))))
    return or_(*spans)


def _ahead_of_utc(first: datetime, last: datetime) -> list[tuple[datetime, datetime, int]]:
    """The spans between first and last in which London clocks are ahead of UTC (summer time), with the
    seconds they are ahead, found from the tz database rather than written in."""
    spans, start, ahead = [], None, 0
    moment = first.replace(minute=0, second=0, microsecond=0)
    step = timedelta(days=1)
    while moment <= last + step:
        offset = int(moment.astimezone(LONDON).utcoffset().total_seconds())
        if offset != ahead:
            # The clocks changed during the last step: find the hour.
            change = moment - step
            while int(change.astimezone(LONDON).utcoffset().total_seconds()) == ahead:
                change += timedelta(hours=1)
            if ahead:
                spans.append((start, change, ahead))
            start, ahead = change, offset
        moment += step
    if ahead:
        spans.append((start, moment, ahead))
    return spans


def _envelopes(today: date) -> list[dict]:
    """The year's envelope for the council and for the trust: amount, committed, spent and left, in pence."""
    summary = []
    for body in (Body.COUNCIL, Body.TRUST):
        envelope = envelope_for(body, today)
        row = {"body": body.value, "year": financial_year(today), "amount": None, "committed": None,
               "spent": None, "available": None}
        if envelope is not None:
            money = figures(envelope)
            row.update(amount=money.envelope, committed=money.committed, spent=money.spent,
                       available=money.available)
        summary.append(row)
    return summary


def _demand(today: date) -> dict:
    """The gaps families met in the financial year so far, from the commissioners' unmet-demand figures
    (insight.demand), as plain data kept with the range: families on a waiting list and their median wait, sessions
    full at booking, searches that found nothing with the needs most searched for, refusals by reason, the council's
    funding run out, and the localities and needs where children have no break for their need nearby, biggest first
    (with the locality's name, as the offers keep theirs, so an old version still reads right after a rename).

    Counts of children and families are kept exact; they are made safe to publish where they are shown
    (insight.disclosure). The biggest gaps are chosen and ordered with every small count as one, so which rows are
    shown, and in what order, says nothing more about a small count than "fewer than 5" does."""
    year = financial_year(today)
    found = unmet_demand(year, today)
    names = dict(db.session.execute(select(Locality.id, Locality.name)).all())
    searched = sorted(((need, count) for need, count in found.searches_by.get("need", {}).items() if need in NEEDS),
                      key=lambda pair: (-pair[1], pair[0]))
    gaps = sorted(found.no_break, key=lambda gap: (-(0 if is_small(gap.children) else gap.children),
                                                   names[gap.locality_id].casefold(), gap.need))
    return {
        "year": year, "waiting_families": found.waiting_families, "waiting_median_days": found.waiting_median_days,
        "full": found.full, "searches": found.searches,
        "searched_needs": [{"need": need, "searches": count} for need, count in searched[:SEARCHED_NEEDS]],
        "refusals": dict(sorted(found.refusals.items())), "funding_exhausted": found.funding_exhausted,
        "funding_exhausted_from": min(found.funding_exhausted_by_month, default=None),
        "no_break": [{"locality_id": gap.locality_id, "locality": names[gap.locality_id], "need": gap.need,
                      "children": gap.children} for gap in gaps[:GAP_ROWS]],
        "no_break_rows": len(gaps),
    }


# --- the document -------------------------------------------------------------------------------------------

def document_html(statement: Statement, language: str = "en", *, for_pdf: bool = False,
                  part: FilePart = FilePart.STATEMENT) -> str:
    """The whole statement (or its annex, every break one by one) as one HTML document in ``language`` (the PDF is
    made from this with for_pdf): one of the languages the statement is written in (statements.models.LANGUAGES)."""
    with in_language(language):
        return render_template("statements/document.html",
                               doc=document_context(statement, language, for_pdf, part=part))


def document_context(statement: Statement, language: str, for_pdf: bool = False,
                     part: FilePart = FilePart.STATEMENT) -> dict:
    """Everything the document template shows, in the reader's language (call inside in_language, or on a page
    in that language). ``language`` is any of the portal's languages (English if it is not one): the fixed words
    come from the catalogs, and each section is in that language if the commissioners have written it in it, in
    English otherwise (marked as not translated yet).

    The statement summarises the range (by kind, tier, locality and age, with examples and links into the live
    local offer); the annex lists every break, so the statement stays a size a parent can read."""
    language = portal_language(language).code
    statement_range = statement.range_snapshot if statement.range_snapshot is not None else build_range()
    offers = statement_range["offers"]
    contacts = statement_range.get("contacts") or current_contacts()
    title, title_fallback = _title(statement, language)
    context = {
        "statement": statement, "language": language, "dir": direction(language), "for_pdf": for_pdf,
        "part": part.value, "title": title, "title_fallback": title_fallback,
        "facts": _facts(statement), "range_day": long_date(_range_day(statement, statement_range)),
        "page_label": _page_label(), "fonts": FONTS.as_uri(), "offer_count": len(offers),
        "annex_href": _annex_href(statement, language),
    }
    if part is FilePart.ANNEX:
        words = _offer_words()
        context["offers_by_tier"] = [
            (gettext(TIER_TITLES[tier.value]), f"tier-{tier.value}",
             [_offer_row(o, words) for o in offers if o["tier"] == tier.value]) for tier in TIER_ORDER]
        return context
    sections = {spec.key: _section(statement, spec, language) for spec in SECTIONS}
    gaps = _gaps(statement_range, context["range_day"])
    parts = []
    for spec in SECTIONS:
        parts.append(("section", sections[spec.key]))
        if spec.key == RANGE_AFTER:
            parts.append(("range", {"id": "range", "title": gettext("The range of short breaks")}))
            if gaps is not None:
                parts.append(("gaps", {"id": "gaps", "title": gettext("Gaps families have met this year")}))
        if spec.key == MONEY_AFTER:
            parts.append(("money", {"id": "money", "title": gettext("The money for short breaks this year")}))
        if spec.key == HELP_AFTER:
            parts.append(("help", {"id": "help", "title": gettext("Help, advice and contacts")}))
    parts.append(("offers", {"id": "every-break", "title": gettext("Every break on offer")}))
    context.update({
        "parts": parts, "kinds": _kind_rows(offers), "tiers": _tier_rows(offers),
        "localities": _locality_rows(offers), "ages": _age_rows(offers),
        "envelopes": _envelope_rows(statement_range), "overspent": _overspent(statement_range),
        "year": _year_label(statement_range.get("year")), "contacts": contacts,
        "local_offer": link("local_offer.search"), "gaps": gaps,
    })
    return context


def _annex_href(statement: Statement, language: str) -> str:
    """Where the annex's PDF in this language is (or will be, for a draft): the version's own address."""
    return link("statement.version_annex_pdf", version=statement.version, lang=language)


def _range_day(statement: Statement, statement_range: dict) -> date:
    if statement_range.get("generated_at"):
        return to_london(datetime.fromisoformat(statement_range["generated_at"])).date()
    return to_london(statement.published_at or utcnow()).date()


def _title(statement: Statement, language: str) -> tuple[str, bool]:
    """The title in the language: entered by the commissioners, or the usual title's translation."""
    if language != "en":
        entered = (statement.text("title", language) or "").strip()
        if entered:
            return entered, False
        if statement.title == DEFAULT_TITLE:
            return gettext(DEFAULT_TITLE), False
        return statement.title, True
    return statement.title, False


def _section(statement: Statement, spec: SectionSpec, language: str) -> dict:
    body = (statement.text(spec.key, language) or "").strip()
    fallback = False
    if not body and language != "en":
        body = (statement.text(spec.key, "en") or "").strip()
        fallback = bool(body)
    return {"id": spec.key.replace("_", "-"), "key": spec.key, "title": gettext(spec.title),
            "blocks": blocks(body), "fallback": fallback, "missing": not body}


def blocks(body: str) -> list[tuple[str, list[str] | str]]:
    """Plain text as paragraphs (a blank line between) and lists (every line starting '- ' or '* ')."""
    blocks = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if all(line[:2] in ("- ", "* ") for line in lines):
            blocks.append(("list", [line[2:].strip() for line in lines]))
        else:
            blocks.append(("paragraph", " ".join(lines)))
    return blocks


def _english(text: str) -> Markup:
    """Text commissioners or providers wrote in English, marked so inside a document in another language (a
    screen reader changes voice; the PDF tags it /Lang en; right to left it keeps its own order)."""
    if current_language().code == "en":
        return Markup.escape(text)
    return Markup('<span lang="en" dir="ltr">{}</span>').format(text)


def _facts(statement: Statement) -> list[tuple[str, str]]:
    """Version, dates and who wrote and approved it, as label and value (names as written, marked English)."""
    not_yet = gettext("Not yet")
    published = to_london(statement.published_at).date() if statement.published_at else None
    approved = _english(statement.approved_by) if statement.approved_by else not_yet
    if statement.published_at is None:
        # A draft is not approved yet, whatever has been typed in for the day it will be.
        approved = not_yet
    elif statement.approved_by and statement.approved_on:
        approved = Markup(gettext("%(who)s, on %(day)s")) % {"who": _english(statement.approved_by),
                                                           "day": long_date(statement.approved_on)}
    return [
        (gettext("Version"), format_number(statement.version)),
        (gettext("Published"), long_date(published) if published else gettext("Not published yet")),
        (gettext("Review date"), long_date(statement.review_on) if statement.review_on else not_yet),
        (gettext("Written by"), _english(statement.written_by) if statement.written_by else not_yet),
        (gettext("Approved by"), approved),
    ]


def _examples(found: list[dict]) -> list[dict]:
    """A few of these breaks, by name, each with its page on the live local offer."""
    return [{"title": o["title"], "href": link("local_offer.offer", offer_id=o["id"])} for o in found[:EXAMPLES]]


def _kind_rows(offers: list[dict]) -> list[dict]:
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for offer in offers:
        for key in offer["kinds"]:
            by_kind[key].append(offer)
    rows = []
    for kind in KINDS:
        found = by_kind[kind.key]
        tiers = [gettext(TIER_TITLES[t.value]) for t in TIER_ORDER if any(o["tier"] == t.value for o in found)]
        rows.append({
            "key": kind.key, "title": gettext(kind.title), "count": format_number(len(found)), "gap": not found,
            "tiers": ", ".join(tiers), "localities": format_number(len({o["locality"] for o in found})),
            "ages": _ages(min(o["min_age"] for o in found), max(o["max_age"] for o in found)) if found else "",
            "examples": _examples(found),
        })
    return rows


def _tier_rows(offers: list[dict]) -> list[dict]:
    rows = []
    for tier in TIER_ORDER:
        found = [o for o in offers if o["tier"] == tier.value]
        body = "trust" if tier is Tier.SPECIALIST else "council"
        rows.append({"id": f"tier-{tier.value}", "title": gettext(TIER_TITLES[tier.value]),
                     "count": format_number(len(found)), "commissioned_by": gettext(COMMISSIONED_BY[body]),
                     "how_to_get": gettext(HOW_TO_GET[tier.value]), "gap": not found,
                     "examples": _examples(found), "href": link("local_offer.search", tier=tier.value)})
    return rows


def _tier_counts(found: list[dict]) -> list[str]:
    return [format_number(sum(1 for o in found if o["tier"] == tier.value)) for tier in TIER_ORDER]


def _locality_rows(offers: list[dict]) -> list[dict]:
    """Each locality with breaks: how many in each tier, and where to find them on the local offer."""
    by_locality: dict[str, list[dict]] = defaultdict(list)
    for offer in offers:
        by_locality[offer["locality"]].append(offer)
    rows = []
    for name in sorted(by_locality, key=str.casefold):
        found = by_locality[name]
        locality_id = found[0].get("locality_id")  # versions published before it was kept have no link
        rows.append({"name": name, "tiers": _tier_counts(found), "count": format_number(len(found)),
                     "href": link("local_offer.search", locality=locality_id) if locality_id else None})
    return rows


def _age_rows(offers: list[dict]) -> list[dict]:
    """Each age band: how many breaks are open to some age in it, in each tier; a band with none is a gap."""
    rows = []
    for low, high in AGE_BANDS:
        found = [o for o in offers if o["min_age"] <= high and o["max_age"] >= low]
        rows.append({"ages": _ages(low, high), "tiers": _tier_counts(found), "count": format_number(len(found)),
                     "gap": not found, "href": link("local_offer.search", age=low)})
    return rows


def _overspent(statement_range: dict) -> list[str]:
    """Why a "Left" figure below zero is negative, for each body whose is."""
    notes = []
    for envelope in statement_range.get("envelopes", []):
        if envelope.get("available") is not None and envelope["available"] < 0:
            notes.append(gettext(OVERSPENT[envelope["body"]], over=money(-envelope["available"]),
                                 left=money(envelope["available"])))
    return notes


def _gaps(statement_range: dict, day: str) -> dict | None:
    """The gaps families met, in the reader's language, from the figures kept with the range (None for a version
    published before the statement reported them). Counts of children and families read "fewer than 5" when small
    (insight.disclosure); counts of searches, full sessions and refusals are of what happened, not of people. With
    nothing to report, ``quiet`` says so in one line instead."""
    demand = statement_range.get("demand")
    if demand is None:
        return None
    waiting, days = demand["waiting_families"], demand["waiting_median_days"]
    full, searches, funding = demand["full"], demand["searches"], demand["funding_exhausted"]
    refusals = demand["refusals"]
    refused = sum(refusals.values())
    rows, gap_rows = demand["no_break"], demand["no_break_rows"]
    gaps = {
        "quiet": not (waiting or full or searches or refused or funding or gap_rows),
        "about": gettext("These figures are for %(year)s, up to %(day)s. They come from the local offer itself: its "
                         "waiting lists, the searches families made and the bookings they could not make. No child or "
                         "family is named, and a number of children or families below %(small)s is shown as "
                         "“fewer than %(small)s”, so that nobody can be recognised.",
                         year=_year_label(demand["year"]), day=day, small=format_number(SMALL_NUMBER)),
    }
    if gaps["quiet"]:
        gaps["none"] = gettext("So far this year no family has met a gap: nobody was on a waiting list on %(day)s, no "
                               "session was full when a family came to book it, every search of the local offer found "
                               "a break, no booking was refused, the council's funding has not run out, and every "
                               "child has a break for their need in their own locality.", day=day)
        return gaps
    if waiting:
        gaps["waiting"] = [ngettext("%(number)s family was on a waiting list for a break on %(day)s.",
                                    "%(number)s families were on a waiting list for a break on %(day)s.",
                                    _agrees_with(waiting), number=people(waiting), day=day)]
        if days:
            gaps["waiting"].append(ngettext("Half of them had waited %(number)s day or more.",
                                            "Half of them had waited %(number)s days or more.", days,
                                            number=format_number(days)))
    else:
        gaps["waiting"] = [gettext("No family was on a waiting list for a break on %(day)s.", day=day)]
    if full:
        gaps["full"] = ngettext("A family found a session full when they came to book it %(number)s time this year.",
                                "Families found a session full when they came to book it %(number)s times this year.",
                                full, number=format_number(full))
    else:
        gaps["full"] = gettext("No family found a session full when they came to book it this year.")
    if searches:
        gaps["searches"] = ngettext("%(number)s search of the local offer found no breaks this year.",
                                    "%(number)s searches of the local offer found no breaks this year.",
                                    searches, number=format_number(searches))
    else:
        gaps["searches"] = gettext("Every search of the local offer found at least one break this year.")
    gaps["searched_needs"] = [ngettext("%(need)s: %(number)s search", "%(need)s: %(number)s searches", row["searches"],
                                       need=gettext(NEEDS[row["need"]]), number=format_number(row["searches"]))
                              for row in demand["searched_needs"] if row["need"] in NEEDS]
    if refused:
        gaps["refused"] = ngettext("%(number)s booking was refused this year. The reason was:",
                                   "%(number)s bookings were refused this year. The reasons were:",
                                   refused, number=format_number(refused))
    else:
        gaps["refused"] = gettext("No booking was refused this year.")
    # In the order families meet them; a reason bookings.demand may note later reads as "another reason".
    reasons = [(gettext(text), refusals.get(key, 0)) for key, text in REFUSED_BECAUSE.items()]
    reasons.append((gettext("Another reason"), sum(n for key, n in refusals.items() if key not in REFUSED_BECAUSE)))
    gaps["reasons"] = [gettext("%(reason)s: %(number)s", reason=reason, number=format_number(count))
                       for reason, count in reasons if count]
    if funding:
        gaps["funding"] = ngettext(
            "The council's short breaks funding for the year ran out in %(month)s. Since then, %(number)s attempt to "
            "book a place the council pays for could not go ahead.",
            "The council's short breaks funding for the year ran out in %(month)s. Since then, %(number)s attempts to "
            "book a place the council pays for could not go ahead.",
            funding, number=format_number(funding), month=month_name(demand["funding_exhausted_from"]))
    else:
        gaps["funding"] = gettext("The council's short breaks funding for the year has not run out.")
    gaps["no_break"] = [{"locality": row["locality"], "need": gettext(NEEDS[row["need"]]),
                         "children": people(row["children"])} for row in rows if row["need"] in NEEDS]
    more = gap_rows - len(rows)
    gaps["more"] = ngettext("There is %(number)s more locality and need with no break nearby, not shown here.",
                            "There are %(number)s more localities and needs with no break nearby, not shown here.",
                            more, number=format_number(more)) if more > 0 else ""
    return gaps


def _agrees_with(count: int) -> int:
    """The number a counted phrase about people agrees with: "fewer than 5 families", never "fewer than 5 family"."""
    return SMALL_NUMBER if is_small(count) else count


def _offer_row(offer: dict, words: dict[str, str]) -> dict:
    kinds = ", ".join(words[key] for key in offer["kinds"])
    return {"title": offer["title"], "provider": offer["provider"], "ages": _ages(offer["min_age"], offer["max_age"]),
            "locality": offer["locality"], "cost": cost_in_words(offer),
            "how_to_get": words[offer["tier"]], "kinds": kinds[:1].upper() + kinds[1:]}


def _offer_words() -> dict[str, str]:
    """The short words of the table of every break, translated once (there can be thousands of rows)."""
    words = {k.key: gettext(k.short) for k in KINDS}
    words.update({tier: gettext(text) for tier, text in HOW_TO_GET_SHORT.items()})
    return words


def _envelope_rows(statement_range: dict) -> list[dict]:
    rows = []
    for envelope in statement_range.get("envelopes", []):
        row = {"body": gettext(COMMISSIONED_BY[envelope["body"]]), "missing": envelope["amount"] is None}
        for key in ("amount", "committed", "spent", "available"):
            row[key] = money(envelope[key]) if envelope[key] is not None else ""
        rows.append(row)
    return rows


def cost_in_words(offer: dict) -> str:
    """What a place costs the family, in plain words in the reader's language."""
    price = money(offer["price_pence"])
    if offer["price_pence"] == 0:
        return gettext("Free")
    route = offer["payment_route"]
    if route == PaymentRoute.COUNCIL_FUNDED.value:
        if offer.get("family_contribution_pence"):
            return gettext("You pay %(contribution)s a session and the council pays the rest of the %(price)s, "
                           "while its short breaks budget lasts.",
                           contribution=money(offer["family_contribution_pence"]), price=price)
        return gettext("Free to you: the council pays %(price)s a session while its short breaks budget lasts.",
                       price=price)
    if route == PaymentRoute.PERSONAL_BUDGET.value:
        return gettext("%(price)s a session, paid from your child's personal budget or direct payment.", price=price)
    return gettext("%(price)s a session, paid by you.", price=price)


def money(pence: int) -> str:
    """Pounds in the reader's language; right to left, a negative amount keeps its minus sign in front."""
    return pounds(pence)


def long_date(day: date) -> str:
    return format_date(day, "long")


def _ages(low: int, high: int) -> str:
    return gettext("%(low)s to %(high)s", low=format_number(low), high=format_number(high))


def _year_label(year: int | None) -> str:
    if year is None:
        return ""
    return gettext("1 April %(first)s to 31 March %(last)s", first=year, last=year + 1)


def _page_label() -> str:
    """'Page X of Y' in the language, as a CSS content value for the page margin."""
    marker = "\x00"
    text = gettext("Page %(page)s of %(pages)s", page=f"{marker}page{marker}", pages=f"{marker}pages{marker}")
    parts = []
    for n, piece in enumerate(text.split(marker)):
        if n % 2:
            parts.append(f"counter({piece})")  # i18n: not shown (CSS)
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts)


def render_pdf(statement: Statement, language: str = "en", part: FilePart = FilePart.STATEMENT) -> bytes:
    """The statement (or its annex) as a tagged PDF/UA-1 in ``language``, with the fonts shipped in
    portal/fonts."""
    return pdf_from_html(document_html(statement, language, for_pdf=True, part=part))


def render_pdfs(statement: Statement, languages: list[str],
                progress: Callable[[int, int], None] | None = None) -> dict[tuple[str, FilePart], tuple[bytes, int]]:
    """The statement and its annex in each language, with the milliseconds each took. WeasyPrint is pure Python,
    so the documents are laid out side by side in separate processes (STATEMENT_PDF_PROCESSES, default one per
    CPU), longest first; the HTML is made here, where the database and the translations are. ``progress(done,
    total)`` is told as each PDF is finished."""
    htmls = {(language, part): document_html(statement, language, for_pdf=True, part=part)
             for part in (FilePart.ANNEX, FilePart.STATEMENT) for language in languages}
    told = progress or (lambda done, total: None)
    told(0, len(htmls))
    processes = min(len(htmls), current_app.config.get("STATEMENT_PDF_PROCESSES") or os.cpu_count() or 1)
    if processes <= 1:
        made = {}
        for key, html in htmls.items():
            made[key] = timed_pdf_from_html(html)
            told(len(made), len(htmls))
        return made
    # spawn, not fork: the caller may be a threaded app server holding database connections.
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(timed_pdf_from_html, html): key for key, html in htmls.items()}
        made = {}
        for future in as_completed(futures):
            made[futures[future]] = future.result()
            told(len(made), len(htmls))
        return {key: made[key] for key in htmls}
