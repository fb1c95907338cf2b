"""A family follows its request for an assessment to a decision: what they asked and when, who at the trust is
handling it, and the decision with its reasons, review date and how to challenge it, on their page and by email in
their language."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import assessments
from portal.extensions import db
from portal.models import AssessmentRequest, AssessmentStatus, AuditEvent, Role
from portal.notify import OutboxEmail
from providers.models import Tier

from .factories import ChildFactory, OfferFactory, ServiceContactsFactory, UserFactory


def _emails_to(address: str) -> list[OutboxEmail]:
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)
                              .order_by(OutboxEmail.id)).all()


def test_a_family_asks_sees_who_is_handling_it_and_reads_the_decision_with_how_to_challenge_it(client_as, app):
    ServiceContactsFactory()
    parent = UserFactory(email="amira@example.com")
    zara = ChildFactory(parent=parent, first_name="Zara", last_name="Khan")
    overnight = OfferFactory(tier=Tier.SPECIALIST, title="Oak House Overnight Breaks")
    db.session.commit()
    family = client_as(parent)
    assert "You have not asked for an assessment" in family.get("/assessments").text
    asked = family.post(f"/local-offer/{overnight.id}/ask-for-assessment",
                        data={"child_id": zara.id, "message": "Zara finds nights away hard. <b>Please</b>"})
    assert asked.status_code == 302 and asked.location.endswith("/assessments")
    page = family.get("/assessments").text
    assert "Zara Khan: asked on" in page and "Oak House Overnight Breaks" in page
    assert "Zara finds nights away hard. &lt;b&gt;Please&lt;/b&gt;" in page and "Received" in page  # as written
    assert "We will tell you who is handling it" in page

    worker = UserFactory(role=Role.TRUST, name="Priya Patel")
    trust = client_as(worker)
    request_id = db.session.scalar(select(AssessmentRequest.id))
    listed = trust.get("/trust/assessment-requests").text
    assert "Nobody yet" in listed and "Take this request" in listed
    assert trust.post(f"/trust/assessment-requests/{request_id}/take").status_code == 302
    assert "Priya Patel" in trust.get("/trust/assessment-requests").text
    taken = _emails_to("amira@example.com")
    assert len(taken) == 1 and "Priya Patel at the children’s trust is now handling your request" in taken[0].body
    page = family.get("/assessments").text
    assert "Being assessed" in page and "Priya Patel, since" in page

    review = date.today() + timedelta(days=180)
    decided = trust.post(f"/trust/children/{zara.id}/assessment", data={
        "source": "request", "status": "approved", "reason": "Zara needs overnight care from two trained staff.",
        "review_on": [str(review.day), str(review.month), str(review.year)]})
    assert decided.status_code == 302
    page = family.get("/assessments").text
    assert "Decided" in page
    assert '<strong class="govuk-tag govuk-tag--green">Specialist short breaks are needed</strong>' in page
    assert "&lt;strong" not in page and "&lt;span" not in page  # the tags are markup, not text shown to the family
    assert "Zara needs overnight care from two trained staff." in page
    assert review.strftime("%-d %B %Y") in page
    assert "If you disagree with the decision" in page and "0121 496 0210" in page and "Birmingham SENDIASS" in page
    decision = _emails_to("amira@example.com")[-1]
    assert decision.subject == "The decision on the assessment of Zara"
    assert "Zara needs overnight care from two trained staff." in decision.body
    assert review.strftime("%-d %B %Y") in decision.body and "shortbreaks@example.org" in decision.body
    assert "complaints procedure" in decision.body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment_recorded"))
    assert (event.actor_id, event.details["requests"], event.details["review_on"]) == (
        worker.id, [request_id], review.isoformat())
    # Decided: nobody can take it any more.
    assert trust.post(f"/trust/assessment-requests/{request_id}/take").status_code == 302
    assert len(_emails_to("amira@example.com")) == 2
    assert db.session.get(AssessmentRequest, request_id).handled_by_id == worker.id


def test_the_decision_is_emailed_in_the_familys_language_and_a_decision_without_a_request_is_shown_too(app):
    parent = UserFactory(email="kasia@example.com", language="pl")
    child = ChildFactory(parent=parent, first_name="Ola")
    worker = UserFactory(role=Role.TRUST)
    assessments.decide(child, AssessmentStatus.REFUSED, "Ola's needs are met by targeted breaks.", None, by=worker)
    db.session.commit()
    [email] = _emails_to("kasia@example.com")
    assert email.language == "pl" and "Ola" in email.subject and "The decision" not in email.subject
    assert "Ola's needs are met by targeted breaks." in email.body
    shown = assessments.decisions_without_request(parent, assessments.journey(parent))
    assert [(a.child_id, a.status) for a in shown] == [(child.id, AssessmentStatus.REFUSED)]


def test_an_agreed_decision_needs_a_review_date_in_the_future(client_as):
    child = ChildFactory()
    trust = client_as(UserFactory(role=Role.TRUST))
    past = date.today() - timedelta(days=1)
    refused = trust.post(f"/trust/children/{child.id}/assessment", data={
        "source": "request", "status": "approved", "reason": "Needs overnight care.",
        "review_on": [str(past.day), str(past.month), str(past.year)]})
    assert refused.status_code == 422 and "The review date must be in the future" in refused.text
    no_date = trust.post(f"/trust/children/{child.id}/assessment", data={"status": "approved", "source": "review",
                                                                       "reason": "Needs overnight care."})
    assert no_date.status_code == 422 and "Enter the date the decision will be reviewed" in no_date.text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment_recorded")) is None
    assert _emails_to(child.parent.email) == []
