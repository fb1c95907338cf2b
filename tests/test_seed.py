"""The demo data: `flask seed-demo` builds a consistent area with a working account for each role."""
from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Child, Locality, Role, User
from portal.formatting import london_date
from budgets.models import PersonalBudget
from portal.timeutil import age_on, birthday, to_london, utcnow
from providers.models import (
    Body,
    Booking,
    BookingStatus,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Session,
    SessionSeries,
    SessionStatus,
    Tier,
)
from portal.contacts import missing_contacts
from portal.pdf import timed_pdf_from_html
from statements import document
from statements.document import SECTIONS
from statements.models import LANGUAGES, Statement, StatementComment, StatementStatus
from providers.sessions import expand
from statements.services import publication_problems
from transitions import services as transitions
from transitions.models import PfaProgress, PfaReview, Stage, Transition, TransitionStep

from .conftest import planner_rows, sign_in

DEMO_PASSWORD = "short-breaks-demo"
DEMO_ACCOUNTS = {
    "parent@example.com": Role.PARENT_CARER,
    "young.person@example.com": Role.YOUNG_PERSON,
    "provider@example.com": Role.PROVIDER,
    "council@example.com": Role.COUNCIL,
    "trust@example.com": Role.TRUST,
    "admin@example.com": Role.ADMIN,
    "adults@example.com": Role.ADULTS,
    "okafor@example.com": Role.PARENT_CARER,
}


# The demo's statement, laid out by WeasyPrint in every language, is nearly all of a seed's time (8 s of 8.5). Each
# test here seeds afresh, and each seed writes the same HTML but for the moment it was published (dcterms.created):
# WeasyPrint lays each document out once per run, and a seed that writes different HTML (a change to the demo, or a
# test that changes the data first) is laid out afresh.
_PUBLISHED_AT = re.compile(r'<meta name="dcterms.created" content="[^"]*">')
_LAID_OUT: dict[str, tuple[bytes, int]] = {}


def _laid_out_once(html: str) -> tuple[bytes, int]:
    key = hashlib.sha256(_PUBLISHED_AT.sub("", html).encode()).hexdigest()
    if key not in _LAID_OUT:
        _LAID_OUT[key] = timed_pdf_from_html(html)
    return _LAID_OUT[key]


def seed_small(app):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "timed_pdf_from_html", _laid_out_once)
        result = app.test_cli_runner().invoke(args=["seed-demo", "--size", "small"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def seeded(app):
    return seed_small(app)


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def approved_child_ids() -> set[int]:
    return set(db.session.scalars(select(Assessment.child_id).where(Assessment.status == AssessmentStatus.APPROVED)))


def confirmed_bookings():
    return db.session.execute(
        select(Booking, Session, Offer, Child)
        .join(Session, Booking.session_id == Session.id)
        .join(Offer, Session.offer_id == Offer.id)
        .join(Child, Booking.child_id == Child.id)
        .where(Booking.status == BookingStatus.CONFIRMED)
    ).all()


def test_every_role_has_a_demo_account_that_signs_in_with_the_demo_password(seeded):
    for email, role in DEMO_ACCOUNTS.items():
        account = user(email)
        assert account is not None, email
        assert account.role is role
        assert account.active
        assert account.check_password(DEMO_PASSWORD), email
        assert not account.check_password("wrong password")


def test_the_localities_carry_their_share_of_need(seeded):
    shares = {loc.name: loc.need_share for loc in db.session.scalars(select(Locality))}
    assert shares == {"North": 13, "East": 40, "South": 22, "West and Central": 25}


def test_the_demo_parent_has_two_children_and_upcoming_bookings(seeded):
    parent = user("parent@example.com")
    assert parent.name == "Amira Khan"
    today = to_london(utcnow()).date()
    by_age = {child.age_on(today): child for child in parent.children}
    assert sorted(by_age) == [9, 15]
    younger, older = by_age[9], by_age[15]
    assert "autism" in younger.needs and younger.locality.name == "East"
    assert older.id in approved_child_ids()
    upcoming = db.session.scalar(
        select(func.count()).select_from(Booking).join(Session, Booking.session_id == Session.id)
        .where(Booking.booked_by_id == parent.id, Booking.status == BookingStatus.CONFIRMED,
               Session.starts_at > utcnow())
    )
    assert upcoming >= 2


def test_the_young_person_holds_their_own_record_and_the_provider_user_has_offers(seeded):
    young_person = user("young.person@example.com")
    assert len(young_person.children) == 1
    me = young_person.children[0]
    assert me.is_account_holder
    assert me.age_on(to_london(utcnow()).date()) == 17

    provider_user = user("provider@example.com")
    assert provider_user.provider_id is not None
    assert provider_user.provider.status is ProviderStatus.APPROVED
    assert db.session.scalar(select(func.count(Offer.id)).where(Offer.provider_id == provider_user.provider_id,
                                                                Offer.status == OfferStatus.PUBLISHED))


def test_every_tier_is_published_and_only_by_approved_providers(seeded):
    tiers = set(db.session.scalars(select(Offer.tier).where(Offer.status == OfferStatus.PUBLISHED)))
    assert tiers == set(Tier)
    unapproved = db.session.scalar(
        select(func.count(Offer.id)).join(Provider, Offer.provider_id == Provider.id)
        .where(Offer.status == OfferStatus.PUBLISHED, Provider.status != ProviderStatus.APPROVED)
    )
    assert unapproved == 0


def test_places_taken_is_the_number_of_confirmed_bookings_and_within_capacity(seeded):
    confirmed = dict(db.session.execute(
        select(Booking.session_id, func.count()).where(Booking.status == BookingStatus.CONFIRMED)
        .group_by(Booking.session_id)
    ).all())
    sessions = db.session.scalars(select(Session)).all()
    assert sessions and confirmed
    for session in sessions:
        assert session.places_taken == confirmed.get(session.id, 0), session.id
        assert session.places_taken <= session.capacity, session.id
        assert to_london(session.starts_at).weekday() == session.weekday


def expected_funding(offer) -> str:
    """Paid specialist breaks come from the child's personal budget, council-funded targeted places from the
    council's envelope; anything else is free or paid to the provider."""
    if offer.tier is Tier.SPECIALIST and offer.price_pence > 0:
        return "personal_budget"
    if offer.tier is Tier.TARGETED and offer.payment_route is PaymentRoute.COUNCIL_FUNDED:
        return "council_funded"
    return "free" if offer.price_pence == 0 else "pay_provider"


def test_bookings_respect_age_ranges_and_specialist_breaks_need_an_approved_assessment(seeded):
    approved = approved_child_ids()
    rows = confirmed_bookings()
    assert rows
    for booking, session, offer, child in rows:
        age = age_on(child.date_of_birth, to_london(session.starts_at).date())
        assert offer.min_age <= age <= offer.max_age, booking.id
        assert booking.booked_by_id == child.parent_id
        assert booking.funding == expected_funding(offer), booking.id
        if offer.tier is Tier.SPECIALIST:
            assert child.id in approved, booking.id


def test_the_demo_child_can_see_a_full_upcoming_session_and_one_with_places(seeded):
    parent = user("parent@example.com")
    child = next(c for c in parent.children if c.age_on(to_london(utcnow()).date()) == 9)
    already = set(db.session.scalars(select(Booking.session_id).where(Booking.child_id == child.id)))
    bookable = [
        session for session, offer in db.session.execute(
            select(Session, Offer).join(Offer, Session.offer_id == Offer.id)
            .where(Offer.tier == Tier.UNIVERSAL, Offer.status == OfferStatus.PUBLISHED,
                   Session.status == SessionStatus.OPEN, Session.starts_at > utcnow())
        ).all()
        if offer.suits_age(child.age_on(to_london(session.starts_at).date())) and session.id not in already
    ]
    assert any(session.places_taken == session.capacity for session in bookable)
    assert any(session.places_taken < session.capacity for session in bookable)


def test_seeding_again_empties_the_database_and_builds_the_same_area(app):
    def fingerprint():
        return (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalars(select(Offer.title).order_by(Offer.id)).all(),
            db.session.scalars(select(Child.first_name + " " + Child.last_name).order_by(Child.id)).all(),
            db.session.scalar(select(func.count(Booking.id))),
        )

    seed_small(app)
    first = fingerprint()
    db.session.remove()
    seed_small(app)
    assert fingerprint() == first


def test_no_reset_refuses_to_add_a_second_demo_area(seeded, app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--size", "small", "--no-reset"])
    assert result.exit_code != 0
    assert "--reset" in result.output


def test_demo_statement_is_published_with_its_pdfs_and_a_draft_is_out_for_consultation(app, seeded):
    versions = db.session.scalars(select(Statement).order_by(Statement.version)).all()
    assert [(s.version, s.status) for s in versions] == [(1, StatementStatus.PUBLISHED),
                                                         (2, StatementStatus.CONSULTATION)]
    published, draft = versions
    assert sorted((f.language, f.part.value) for f in published.files) == sorted(
        (code, part) for code in LANGUAGES for part in ("statement", "annex"))
    # Every section written in every language, and the contacts it gives filled in.
    assert {(s.key, s.language) for s in published.sections} >= {(spec.key, code) for spec in SECTIONS
                                                                 for code in LANGUAGES}
    assert not missing_contacts(published.range_snapshot["contacts"])
    assert all(f.sha256 == hashlib.sha256(f.content).hexdigest() for f in published.files)
    published_offers = db.session.scalar(select(func.count(Offer.id)).join(Provider).where(
        Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED))
    assert len(published.range_snapshot["offers"]) == published_offers > 0
    assert [p.text for p in publication_problems(draft)] == ["Say who approved the statement."]
    assert draft.based_on_id == published.id
    comment = db.session.scalar(select(StatementComment))
    assert comment.author.email == "parent@example.com" and comment.reply


def test_providers_waiting_for_approval_show_when_they_asked_in_london_time(seeded, client):
    waiting = db.session.scalars(select(Provider).where(Provider.status == ProviderStatus.PENDING)).all()
    assert waiting
    # Demo staff set up two-step sign-in the first time they sign in, as real staff do (the helper does it).
    sign_in(client, db.session.scalar(select(User).where(User.email == "council@example.com")), DEMO_PASSWORD)
    page = client.get("/approvals/providers").text
    for provider in waiting:
        row = page[page.index(f">{escape(provider.name)}</a>"):]
        row = row[:row.index("</tr>")]
        assert f'<td class="govuk-table__cell">{london_date(provider.created_at)}</td>' in row


def test_seeding_analyses_every_table_it_filled(seeded):
    """Straight after seed-demo the query planner knows how big the tables are (it planned search for empty ones
    before)."""
    for model in (Session, Offer, Booking, Child, User):
        assert planner_rows(model.__tablename__) == db.session.scalar(select(func.count()).select_from(model))
    if db.engine.dialect.name == "postgresql":
        # Vacuumed too: every page of the tables searched is marked visible to all, so an index-only scan answers
        # from the index alone instead of visiting each row.
        for model in (Session, Offer):
            pages, visible = db.session.execute(text("SELECT relpages, relallvisible FROM pg_class "
                                                     "WHERE oid = CAST(:t AS regclass)"), {"t": model.__tablename__}).one()
            assert pages > 0 and visible == pages, (model.__tablename__, pages, visible)


def test_weekly_clubs_run_their_next_term_as_a_series_families_can_book_in_one_go(seeded, client):
    """The demo has series as providers make them (the rule and its exceptions give exactly the sessions), so a
    family trying the demo can book several sessions at once."""
    all_series = db.session.scalars(select(SessionSeries)).all()
    assert all_series
    for series in all_series:
        days = sorted(to_london(s.starts_at).date() for s in series.sessions)
        assert len(days) >= 3
        assert days == expand(series.rrule, series.first_day, [date.fromisoformat(d) for d in series.exceptions])
    sign_in(client, user("parent@example.com"), DEMO_PASSWORD)
    page = client.get(f"/series/{all_series[0].id}/book")
    assert page.status_code == 200 and "Which sessions?" in page.text


def test_a_scale_without_a_statement_builds_the_area_without_one(app, monkeypatch):
    from dataclasses import replace

    from demo import build

    monkeypatch.setitem(build.SCALES, "small", replace(build.SCALES["small"], statement=False))
    result = seed_small(app)
    assert "Statement: none at this scale" in result.output
    assert db.session.scalar(select(func.count(Statement.id))) == 0
    assert db.session.scalar(select(func.count(Offer.id))) == build.SCALES["small"].offers


def test_provider_names_are_numbered_once_a_kind_runs_out_of_new_ones(monkeypatch):
    from demo import providers
    from demo.common import Seed

    kind = next(iter(providers.PROVIDER_NAMES))
    monkeypatch.setitem(providers.PROVIDER_NAMES, kind, ["The Only Club"])
    seed, taken = Seed(lambda _line: None), set()
    names = [providers._provider_name(seed, kind, 0, taken) for _ in range(3)]
    assert names == ["The Only Club", "The Only Club 2", "The Only Club 3"]  # and never a wait for a new one


# --- what the charts and the trust's pages need (#13) -------------------------------------------------------------

def test_the_demo_ledger_and_places_reconcile(seeded, app):
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "The ledger reconciles." in result.output


def test_enough_families_rated_some_breaks_for_their_pages_to_show_an_average(seeded, client):
    from feedback.models import Feedback
    from feedback.services import offer_summary, shown_offers

    rated = db.session.scalars(select(Feedback.offer_id).distinct()).all()
    shown = [offer_id for offer_id in rated if offer_summary(offer_id).shown]
    assert len(shown) >= 3
    page = client.get(f"/local-offer/{shown[0]}").text
    assert f"{offer_summary(shown[0]).average}" in page
    # The demo provider can read (and has answered) feedback; replies only where it may read it.
    provider_id = user("provider@example.com").provider_id
    assert shown_offers(provider_id)
    replies = db.session.scalars(select(Feedback).where(Feedback.reply.is_not(None))).all()
    assert replies and all(f.offer_id in shown_offers(f.provider_id) for f in replies)
    hidden = db.session.scalars(select(Feedback).where(Feedback.hidden_at.is_not(None))).all()
    assert hidden and all(f.hidden_reason and f.hidden_by_id and f.comment for f in hidden)
    assert any(db.session.scalars(select(Feedback.carer_outcomes)))  # parent carers say what the break gave them


def test_the_demo_parent_has_rated_one_break_and_has_another_to_rate(seeded, client):
    from feedback.models import Feedback
    from feedback.services import awaiting, why_not

    parent = user("parent@example.com")
    waiting = awaiting(parent)
    assert waiting and all(why_not(booking) is None for booking in waiting)
    assert db.session.scalar(select(func.count(Feedback.id)).where(Feedback.given_by_id == parent.id)) >= 1
    sign_in(client, parent, DEMO_PASSWORD)
    assert client.get(f"/bookings/{waiting[0].id}/feedback").status_code == 200


def test_some_children_stay_away_enough_nights_for_the_trust_to_be_warned(seeded, client, app):
    from bookings.nights import NightsFlag, booked_nights, children_with_nights, count

    flags = db.session.scalars(select(NightsFlag)).all()
    assert any(f.longest_run >= app.config["NIGHTS_WARN_RUN"] for f in flags)
    assert any(f.nights_in_year >= app.config["NIGHTS_WARN_YEAR"] for f in flags)
    for flag in flags:
        assert flag.told == ["trust@example.com"] and flag.told_at <= utcnow()
        assert count(booked_nights(flag.child_id)).reaches_a_warning
        assert db.session.scalar(select(func.count(Booking.id)).where(Booking.group_ref == flag.group_ref,
                                                                      Booking.child_id == flag.child_id))
    listed, total = children_with_nights(1, 50)
    assert total > len(flags)  # others stay overnight too, below the warnings
    assert {c.child.id for c in listed if c.last_flag} == {f.child_id for f in flags}
    sign_in(client, user("trust@example.com"), DEMO_PASSWORD)
    page = client.get("/trust/nights-away")
    assert page.status_code == 200 and flags[0].child.first_name in page.text


def test_most_families_agreed_to_be_on_the_register_of_disabled_children(seeded):
    children = db.session.scalars(select(Child)).all()
    consented = [c for c in children if c.register_consent]
    assert 0.45 <= len(consented) / len(children) <= 0.75
    assert all(c.created_at <= c.register_consent_at <= utcnow() for c in consented)
    assert all(c.register_consent_at is None for c in children if not c.register_consent)


def test_requests_for_assessment_are_at_every_stage_and_some_children_were_referred(seeded, client):
    from portal.models import AssessmentRequest, AssessmentSource

    requests = db.session.scalars(select(AssessmentRequest)).all()
    stages = {stage: [r for r in requests if r.stage == stage] for stage in ("received", "being_assessed", "decided")}
    assert all(stages.values()), {stage: len(rs) for stage, rs in stages.items()}
    trust = user("trust@example.com")
    assert all(r.handled_by_id == trust.id and r.created_at < r.handled_since <= utcnow()
               for r in stages["being_assessed"])
    assert all(r.created_at < r.assessment.decided_at and r.assessment.source is AssessmentSource.REQUEST
               and r.assessment.child_id == r.child_id for r in stages["decided"])
    referrals = db.session.scalars(select(Assessment).where(Assessment.source == AssessmentSource.REFERRAL)).all()
    assert referrals and all(a.referred_by and a.referred_on <= to_london(a.decided_at).date() for a in referrals)
    parent = user("parent@example.com")
    theirs = [r for r in stages["being_assessed"] if r.requested_by_id == parent.id]
    assert [r.child.first_name for r in theirs] == ["Zain"]
    sign_in(client, trust, DEMO_PASSWORD)
    assert "Zain Khan" in client.get("/trust/assessment-requests").text


def test_a_direct_payment_that_has_ended_had_its_unspent_money_recovered(seeded):
    from budgets.models import BudgetKind, Recovery
    from budgets.services import unspent

    [recovery] = db.session.scalars(select(Recovery)).all()
    budget = recovery.budget
    today = to_london(utcnow()).date()
    assert budget.kind is BudgetKind.DIRECT_PAYMENT and budget.ends_on < recovery.received_on <= today
    assert recovery.recorded_by.email == "trust@example.com" and recovery.reference and recovery.reasons
    assert unspent(budget) == budget.amount_pence - recovery.amount_pence > 0


def test_the_insight_pages_have_signs_of_unmet_demand_to_show(seeded, client):
    from insight.demand import unmet_demand
    from budgets.dashboard import current_year, today
    from providers.models import DemandEvent, DemandKind

    kinds = dict(db.session.execute(select(DemandEvent.kind, func.count()).group_by(DemandEvent.kind)).all())
    assert kinds.get(DemandKind.SEARCH_EMPTY, 0) > 0 and kinds.get(DemandKind.REFUSED, 0) > 0
    assert kinds.get(DemandKind.FULL, 0) > 0
    found = unmet_demand(current_year(), today())
    assert found.searches > 0 and found.searches_by["need"] and found.refused > 0 and found.full > 0
    assert set(found.refusals) <= {"age", "no_assessment", "over_budget"} and found.refusals.get("age", 0) > 0
    # Nobody is named: the demo's events say what, where and when, as the real ones do.
    assert all(not row.filters.get("q") for row in db.session.scalars(select(DemandEvent)))
    sign_in(client, db.session.scalar(select(User).where(User.email == "council@example.com")), DEMO_PASSWORD)
    page = client.get("/insight/demand")
    assert page.status_code == 200 and "Every search this year found something." not in page.text


def test_a_young_person_turning_18_next_month_has_a_joint_budget_paying_for_breaks_either_side(seeded, client):
    """Robin turns 18 next month: one joint decision of the trust (who recorded it) and adult social care (who agreed
    it), the trust's budget until the day before the birthday and adult social care's from it, and a break booked on
    each side, each paid by the body that pays at his age that day. Every young adult's budget is adult social
    care's."""
    parent = user("okafor@example.com")
    [robin] = parent.children
    turns_18 = birthday(robin.date_of_birth, 18)
    today = date.today()
    assert turns_18.month == (today.month % 12) + 1 and robin.age_on(today) == 17
    budgets = db.session.scalars(select(PersonalBudget).where(PersonalBudget.child_id == robin.id)
                                 .order_by(PersonalBudget.starts_on)).all()
    assert [(b.body, b.ends_on if b.body is Body.TRUST else b.starts_on) for b in budgets] == [
        (Body.TRUST, turns_18 - timedelta(days=1)), (Body.ADULTS, turns_18)]
    halves = [b.decisions[0] for b in budgets]
    assert [d.joint_with_id for d in halves] == [halves[1].id, halves[0].id]
    assert {d.decided_by.email for d in halves} == {"trust@example.com"}
    assert {d.agreed_by.email for d in halves} == {"adults@example.com"}
    places = db.session.scalars(select(Booking).where(Booking.child_id == robin.id, Booking.status ==
                                                      BookingStatus.CONFIRMED)).all()
    paid = {(to_london(b.session.starts_at).date() >= turns_18, b.paid_by, b.budget_id) for b in places}
    assert paid == {(False, Body.TRUST, budgets[0].id), (True, Body.ADULTS, budgets[1].id)}
    for budget in db.session.scalars(select(PersonalBudget)):
        if budget.body is Body.TRUST:
            assert budget.child.age_on(budget.ends_on) < 18, budget.id
        else:
            assert budget.body is Body.ADULTS and budget.child.age_on(budget.starts_on) >= 18, budget.id
    sign_in(client, parent, DEMO_PASSWORD)
    page = client.get("/money").text
    assert "Adult social care pays for Robin’s specialist breaks from their 18th birthday" in page


def test_young_people_moving_to_adult_services_are_at_every_stage_with_owners_and_a_few_overdue(seeded):
    today = to_london(utcnow()).date()
    assert set(db.session.scalars(select(Transition.stage))) == set(Stage)
    assert db.session.scalar(select(func.count(Transition.id)).where(Transition.owner_id.is_(None))) == 0
    ages = {age_on(born, today) for born in db.session.scalars(
        select(Child.date_of_birth).join(Transition, Transition.child_id == Child.id))}
    assert min(ages) == 14 and max(ages) <= 24
    overdue = db.session.scalar(select(func.count(TransitionStep.id)).where(
        TransitionStep.done_on.is_(None), TransitionStep.overdue_flagged_at.is_not(None)))
    assert 0 < overdue < db.session.scalar(select(func.count(TransitionStep.id))) / 4  # a few, not most
    assert db.session.scalar(select(func.count(PfaProgress.id))) == 4 * db.session.scalar(select(func.count(PfaReview.id))) > 0
    # The demo flagged what the daily task would have: run now, it has nobody to start, flag or warn.
    checked = transitions.check(today)
    assert (checked.started, checked.overdue, checked.warned) == (0, 0, 0)
    db.session.rollback()


def test_young_adults_in_a_parents_account_have_a_recorded_basis_or_their_parents_access_ended(seeded):
    """Every young adult in a parent's account either has a basis for the parent to keep seeing their record
    (consent, a deputyship, an appointee) or the parent's access ended at the birthday; the daily task finds nothing
    left to do."""
    from portal import growing_up
    from portal.access import active_access, is_adult

    adults = [c for c in db.session.scalars(select(Child).where(Child.is_account_holder.is_(False))) if is_adult(c)]
    assert adults
    for child in adults:
        assert bool(active_access(child, child.parent)) != (child.parent_access_ended_at is not None), child.id
    today = to_london(utcnow()).date()
    assert (growing_up.tell_before_18(today), growing_up.record_ended_at_18(today)) == ([], [])
    db.session.rollback()
