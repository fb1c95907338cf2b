"""The trust's tools beyond requests: finding a child (audited), assessing a child a professional referred, and
recording the recovery of unspent direct payment money, posted to the ledger so the budget and the envelope show
it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from budgets import ledger
from budgets import services as money
from budgets.ledger import envelope_account
from budgets.models import BudgetKind, DecisionKind, EntryKind, LedgerTransaction, Recovery, financial_year
from portal.audit import VIEWED
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Assessment, AssessmentSource, AssessmentStatus, AuditEvent, Role
from portal.notify import OutboxEmail

from .factories import ChildFactory, UserFactory


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _emails_to(address: str) -> list[OutboxEmail]:
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)
                              .order_by(OutboxEmail.id)).all()


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, name="Tara Trust")


# --- the child search -------------------------------------------------------------------------------------

@pytest.fixture
def children(app):
    return {
        "zara": ChildFactory(first_name="Zara", last_name="Okafor", date_of_birth=date(2015, 3, 2), postcode="B15 2TT",
                             parent=UserFactory(name="Grace Okafor", email="grace.okafor@example.com")),
        "zak": ChildFactory(first_name="Zak", last_name="Okafor", date_of_birth=date(2017, 6, 9), postcode="B152TT"),
        "omar": ChildFactory(first_name="Omar", last_name="Hussain", date_of_birth=date(2015, 3, 2),
                             postcode="B8 1AA"),
        "pct": ChildFactory(first_name="Ann", last_name="100% Smith", date_of_birth=date(2016, 1, 1), postcode=None),
    }


def _found(page) -> list[str]:
    table = page.text.split("<tbody", 1)[1] if "<tbody" in page.text else ""
    return [name for name in ("Zara Okafor", "Zak Okafor", "Omar Hussain", "Ann 100% Smith") if name in table]


def _search(client, **fields):
    return client.post("/trust/children", data=fields)


def test_the_trust_finds_a_child_by_two_of_name_date_of_birth_and_postcode(client_as, trust, children):
    client = client_as(trust)
    assert _found(_search(client, name="okafor", postcode="B15")) == ["Zara Okafor", "Zak Okafor"]
    assert _found(_search(client, name="zar OKA", postcode="b15")) == ["Zara Okafor"]
    by_birth = _search(client, born_on=["2", "3", "2015"], name="o")
    assert by_birth.status_code == 422  # one letter of a name is not a name
    assert _found(_search(client, born_on=["2", "3", "2015"], name="ok")) == ["Zara Okafor"]
    assert _found(_search(client, born_on=["2", "3", "2015"], postcode="B")) == []  # too short: refused, see below
    # However the postcode was typed, on the record or in the search; the start of it is enough.
    assert _found(_search(client, postcode="b15 2tt", name="Okafor")) == ["Zara Okafor", "Zak Okafor"]
    assert _found(_search(client, postcode="B8", born_on=["2", "3", "2015"])) == ["Omar Hussain"]
    # A % in the search is a character to find, not a wildcard.
    assert _found(_search(client, name="100%", born_on=["1", "1", "2016"])) == ["Ann 100% Smith"]
    assert _found(_search(client, name="%%", born_on=["2", "3", "2015"])) == []
    page = _search(client, name="okafor", postcode="B15")
    assert f'href="/trust/children/{children["zara"].id}/assessment"' in page.text
    assert children["zara"].parent.name in page.text
    assert children["zara"].parent.email not in page.text, "contact details are on the child's own pages"

    nobody = _search(client, name="Nobody-by-this-name", postcode="B15")
    assert nobody.status_code == 200 and "No children found" in nobody.text


def test_a_search_needs_two_things_to_search_for_and_is_never_in_the_address(client_as, trust, children):
    client = client_as(trust)
    opened = client.get("/trust/children")
    assert opened.status_code == 200 and "<tbody" not in opened.text and "No children found" not in opened.text
    assert 'method="post"' in opened.text
    for fields in ({}, {"name": "Okafor"}, {"born_on": ["2", "3", "2015"]}, {"postcode": "B15"}, {"name": " "}):
        refused = _search(client, **fields)
        assert refused.status_code == 422, fields
        assert "Enter at least two of: a name, a date of birth, a postcode" in refused.text
    short = _search(client, name="Z", postcode="B15")
    assert short.status_code == 422 and "Enter at least 2 letters of the name" in short.text
    bad_day = _search(client, born_on=["31", "2", "2015"], name="Okafor")
    assert bad_day.status_code == 422 and "<tbody" not in bad_day.text
    assert _events("child_search") == [], "nothing was searched"
    # A GET with the search in its address searches nothing.
    assert "<tbody" not in client.get("/trust/children?name=Okafor&postcode=B15").text


def test_each_search_and_each_child_it_shows_is_audited(client_as, trust, children):
    client = client_as(trust)
    _search(client, name="Okafor", postcode="b15")
    [search] = _events("child_search")
    assert search.actor_id == trust.id and search.reason == "Okafor · B15"
    assert search.details["found"] == 2 and search.details["more"] is False
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == VIEWED)).all()
    assert sorted(v.subject_id for v in viewed) == sorted([children["zara"].id, children["zak"].id])
    assert {v.details["what"] for v in viewed} == {"child_search"}
    _search(client, name="Nobody-by-this-name", postcode="B15")
    assert [e.details["found"] for e in _events("child_search")] == [2, 0]
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == VIEWED)).all()) == 2


def test_a_search_shows_at_most_fifty_children_and_says_there_are_more(client_as, trust, app):
    for n in range(51):
        ChildFactory(first_name=f"Kid{n:02d}", last_name="Samename", postcode="B29 6BD")
    db.session.commit()
    page = _search(client_as(trust), name="samename", postcode="B29")
    rows = page.text.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert rows.count('<tr class="govuk-table__row">') == 50
    assert "More than 50 children match" in page.text and "Kid50" not in page.text
    assert _events("child_search")[0].details == {**_events("child_search")[0].details, "found": 50, "more": True}


# --- assessing a referred child -----------------------------------------------------------------------------

def test_the_trust_assesses_a_child_a_professional_referred_and_the_family_sees_who(client_as, trust, app):
    parent = UserFactory(email="referred.family@example.com")
    child = ChildFactory(parent=parent, first_name="Yusuf", last_name="Ali")
    db.session.commit()
    client = client_as(trust)
    form = client.get(f"/trust/children/{child.id}/assessment")
    assert 'value="request" checked' not in form.text, "nobody asked: the trust says how it came about"
    review = money.today() + timedelta(days=180)
    answers = {"source": "referral", "status": "approved", "reason": "Needs overnight breaks.",
               "review_on": _date(review)}
    missing = client.post(f"/trust/children/{child.id}/assessment", data=answers)
    assert missing.status_code == 422 and "Enter who referred the child" in missing.text
    future = client.post(f"/trust/children/{child.id}/assessment", data={
        **answers, "referred_by": "Dr A Khan, paediatrician", "referred_on": _date(money.today() + timedelta(days=1))})
    assert future.status_code == 422 and "The date of the referral must be today or in the past" in future.text
    assert db.session.scalar(select(Assessment)) is None

    referred_on = money.today() - timedelta(days=10)
    done = client.post(f"/trust/children/{child.id}/assessment", data={
        **answers, "referred_by": "Dr A Khan, paediatrician, <Children's Hospital>", "referred_on": _date(referred_on)})
    assert done.status_code == 302
    assessment = db.session.scalar(select(Assessment))
    assert assessment.source is AssessmentSource.REFERRAL and assessment.referred_on == referred_on
    assert assessment.referred_by == "Dr A Khan, paediatrician, <Children's Hospital>"
    [event] = _events("assessment_recorded")
    assert event.details["source"] == "referral" and event.details["referred_by"].startswith("Dr A Khan")
    assert event.details["requests"] == []
    assert len(_emails_to("referred.family@example.com")) == 1

    family_page = client_as(parent).get("/assessments").text
    assert "Referred by" in family_page and "Dr A Khan, paediatrician, &lt;Children&#39;s Hospital&gt;" in family_page
    assert "Specialist short breaks are needed" in family_page


def test_a_decision_that_was_not_a_referral_keeps_no_referrer(trust, app):
    from portal import assessments

    child = ChildFactory()
    db.session.commit()
    assessment = assessments.decide(child, AssessmentStatus.REFUSED, "Needs are met by targeted breaks.", None,
                                    by=trust, source=AssessmentSource.REVIEW, referred_by="Someone",
                                    referred_on=date(2026, 1, 1))
    assert (assessment.source, assessment.referred_by, assessment.referred_on) == (AssessmentSource.REVIEW, None, None)


# --- recovering unspent direct payments ---------------------------------------------------------------------

@pytest.fixture
def direct_payment(trust, app):
    parent = UserFactory(email="dp.family@example.com")
    child = ChildFactory(parent=parent, first_name="Ruby", last_name="Stone")
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs specialist breaks",
                              recorded_by_id=trust.id))
    today = money.today()
    money.set_envelope(money.Body.TRUST, financial_year(today), 1_000_000, by=trust, reason="The year's budget")
    budget = money.allocate_budget(child, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=60_000, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                   reasons="Agreed at panel", by=trust)
    db.session.commit()
    return budget


def _recover(client, budget, **changes):
    page = client.get(f"/trust/personal-budgets/{budget.id}/recover")
    seen = page.text.split('name="seen" type="hidden" value="', 1)[1].split('"', 1)[0]
    answers = {"amount": "£150.25", "received_on": _date(money.today()), "reference": "FIN-2026-0042",
               "reasons": "Not spent by the end of the period", "seen": seen, **changes}
    return client.post(f"/trust/personal-budgets/{budget.id}/recover", data=answers)


def test_recovering_unspent_money_moves_it_from_the_direct_payment_back_to_the_envelope(client_as, trust,
                                                                                        direct_payment):
    envelope = direct_payment.envelope
    before = ledger.figures(envelope)
    client = client_as(trust)
    done = _recover(client, direct_payment)
    assert done.status_code == 302 and done.location.endswith(f"/trust/personal-budgets/{direct_payment.id}")
    assert "£150.25 recovered from Ruby’s direct payment" in client.get(done.location).text

    assert money.unspent(direct_payment) == 60_000 - 15_025
    assert direct_payment.amount_pence == 60_000, "the panel's allocation is not changed"
    after = ledger.figures(envelope)
    assert after.available - before.available == 15_025 and before.committed - after.committed == 15_025
    assert after.spent == before.spent
    [recovery] = db.session.scalars(select(Recovery)).all()
    assert (recovery.amount_pence, recovery.reference, recovery.recorded_by_id) == (15_025, "FIN-2026-0042", trust.id)
    posting = db.session.get(LedgerTransaction, recovery.transaction_id)
    assert posting.kind is EntryKind.RECOVERY and posting.budget_id == direct_payment.id and posting.by_id == trust.id
    assert {(line.account, line.amount_pence) for line in posting.lines} == {
        (direct_payment.account, -15_025), (envelope_account(envelope, "available"), 15_025)}
    assert ledger.check() == []

    [event] = _events("direct_payment_recovered")
    assert event.actor_id == trust.id and event.reason == "Not spent by the end of the period"
    assert event.details["amount_pence"] == 15_025 and event.details["reference"] == "FIN-2026-0042"
    [email] = [e for e in _emails_to("dp.family@example.com") if "recovered" in e.subject]
    assert "£150.25 of Ruby's direct payment came back to it" in email.body and "FIN-2026-0042" in email.body
    assert "Ruby now has £449.75 left to spend" in email.body

    # Everyone sees it: the trust's direct payments list, the budget's history and the family's page.
    listed = client.get("/trust/direct-payments").text
    row = listed[listed.index("Ruby Stone"):]
    assert "£150.25" in row[:row.index("</tr>")]
    assert "Unspent money recovered by the children’s trust" in client.get(
        f"/trust/personal-budgets/{direct_payment.id}").text
    family = client_as(direct_payment.child.parent).get("/money").text
    assert "Unspent money recovered by the children’s trust" in family and "£449.75" in family


def test_only_unspent_money_not_booked_or_due_to_be_taken_off_can_be_recovered(client_as, trust, direct_payment):
    money.change_budget(direct_payment, DecisionKind.REDUCE, amount_pence=20_000, reasons="Less needed",
                        notice_on=money.today() + timedelta(days=14), by=trust)
    db.session.commit()
    client = client_as(trust)
    too_much = _recover(client, direct_payment, amount="400.01")
    assert too_much.status_code == 409  # a refusal of the service, under the locks
    assert "Only £400.00 of this direct payment is unspent and not already booked or due to be taken off" in \
        too_much.text
    assert _recover(client, direct_payment, amount="400").status_code == 302
    assert money.unspent(direct_payment) == 20_000
    # The waiting reduction still applies on its day.
    [waiting] = money.waiting_decisions(direct_payment)
    assert money.apply_due_change(waiting, waiting.notice_on)
    db.session.commit()
    assert money.unspent(direct_payment) == 0 and ledger.check() == []


def test_a_recovery_is_recorded_once_and_says_plainly_what_is_wrong(client_as, trust, direct_payment):
    client = client_as(trust)
    page = client.get(f"/trust/personal-budgets/{direct_payment.id}/recover")
    seen = page.text.split('name="seen" type="hidden" value="', 1)[1].split('"', 1)[0]
    first = _recover(client, direct_payment, seen=seen)
    assert first.status_code == 302
    # A second click on the old page.
    stale = client.post(f"/trust/personal-budgets/{direct_payment.id}/recover", data={
        "amount": "10", "received_on": _date(money.today()), "reference": "FIN-1", "reasons": "Again", "seen": seen})
    assert stale.status_code == 409
    assert "This direct payment has changed since you opened this page" in stale.text
    again = _recover(client, direct_payment, amount="10")  # a fresh page: a new, deliberate recovery
    assert again.status_code == 302
    assert len(db.session.scalars(select(Recovery)).all()) == 2

    for changes, message in [({"amount": ""}, "Enter how much came back"),
                             ({"amount": "0"}, "Enter an amount more than £0"),
                             ({"amount": "ten pounds"}, "Enter the amount in pounds"),
                             ({"reference": ""}, "Enter the finance reference for the money received"),
                             ({"reasons": " "}, "Give the reasons for the recovery"),
                             ({"received_on": _date(money.today() + timedelta(days=1))},
                              "The date the money came back must be today or in the past"),
                             ({"received_on": ["", "", ""]}, "Enter the date the money came back")]:
        refused = _recover(client, direct_payment, **changes)
        assert refused.status_code == 422 and message in refused.text, (changes, refused.status_code)
    assert len(db.session.scalars(select(Recovery)).all()) == 2 and ledger.check() == []


def test_a_managed_budget_has_nothing_to_recover(client_as, trust, direct_payment):
    child = ChildFactory()
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs", recorded_by_id=trust.id))
    today = money.today()
    managed = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=10_000, starts_on=today,
                                    ends_on=date(financial_year(today) + 1, 3, 31), review_on=today,
                                    reasons="Agreed", by=trust)
    db.session.commit()
    assert client_as(trust).get(f"/trust/personal-budgets/{managed.id}/recover").status_code == 404
    with pytest.raises(DomainError):
        money.recover_direct_payment(managed, amount_pence=100, received_on=today, reference="X", reasons="Y",
                                     by=trust)
