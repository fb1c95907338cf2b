"""A family's request for an assessment, followed to a decision: asked, taken by a member of the trust's staff,
decided with reasons and a review date. The family sees each step on their assessments page and is emailed, in their
language, when someone takes the request and when it is decided (with how to challenge the decision).

Services never commit: the view does."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import notify
from .access import can_see_child, family_child_ids
from .contacts import current_contacts
from .errors import DomainError, NotAllowed
from .extensions import db
from .models import Assessment, AssessmentRequest, AssessmentSource, AssessmentStatus, Child, Role, User, record
from .locking import lock_rows
from .timeutil import london_today, utcnow

TRUST_STAFF = (Role.TRUST, Role.ADMIN)


def _check_trust(by: User) -> None:
    if by.role not in TRUST_STAFF:
        raise NotAllowed(_("Only the children's trust can do this."))


def ask(family: User, child: Child, offer_id: int | None, message: str) -> AssessmentRequest:
    """The family asks the trust to assess their child (usually from a specialist break's page)."""
    if not can_see_child(family, child):
        raise NotAllowed(_("You can only ask about children on your account."))
    asked = AssessmentRequest(requested_by_id=family.id, child_id=child.id, offer_id=offer_id,
                              message=message.strip())
    db.session.add(asked)
    db.session.flush()
    record("assessment_requested", asked, by=family, offer_id=offer_id)
    return asked


def take(asked: AssessmentRequest, *, by: User) -> None:
    """A member of the trust's staff takes the request: the family is told who is handling it."""
    _check_trust(by)
    lock_rows(Child, [asked.child_id])  # the same lock as deciding: never "now handling" after the decision
    db.session.refresh(asked)
    if asked.assessment_id is not None:
        raise DomainError(_("This request has already been decided."))
    if asked.handled_by_id == by.id:
        raise DomainError(_("You are already handling this request."))
    before = asked.handled_by_id
    asked.handled_by_id, asked.handled_since = by.id, utcnow()
    record("assessment_request_taken", asked, by=by, before=before, child_id=asked.child_id)
    family = asked.requested_by
    if family.active:
        notify.queue(family, _l("Your request for an assessment of %(name)s", name=asked.child.first_name),
                     "assessment_taken", asked=asked, handler=by.name, link=notify.link("families.assessments"))


def decide(child: Child, status: AssessmentStatus, reason: str, review_on: date | None, *, by: User,
           source: AssessmentSource = AssessmentSource.REQUEST, referred_by: str | None = None,
           referred_on: date | None = None) -> Assessment:
    """Record the outcome of the child's assessment: every open request for the child is answered by it, and each
    family that asked (or the child's family, if nobody asked) is emailed the decision with how to challenge it.

    An assessment that came from a professional's referral (no family asked first) says who referred the child, and
    when; the trust finds such a child with the child search."""
    _check_trust(by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reasons for the decision"))
    if review_on is None and status is AssessmentStatus.APPROVED:
        raise DomainError(_("Enter the date the decision will be reviewed"))
    if review_on is not None and review_on <= london_today():
        raise DomainError(_("The review date must be in the future"))
    referred_by = (referred_by or "").strip() or None
    if source is AssessmentSource.REFERRAL:
        if referred_by is None:
            raise DomainError(_("Enter who referred the child"))
        if referred_on is not None and referred_on > london_today():
            raise DomainError(_("The date of the referral must be today or in the past"))
    else:
        referred_by = referred_on = None  # only a referral has a referrer
    lock_rows(Child, [child.id])  # two decisions at once: one after the other, each answering what is still open
    assessment = Assessment(child_id=child.id, status=status, reason=reason, recorded_by_id=by.id, review_on=review_on,
                            source=source, referred_by=referred_by, referred_on=referred_on)
    db.session.add(assessment)
    db.session.flush()
    answered = db.session.scalars(select(AssessmentRequest).where(AssessmentRequest.child_id == child.id,
                                                                  AssessmentRequest.assessment_id.is_(None))).all()
    for asked in answered:
        asked.assessment_id = assessment.id
    record("assessment_recorded", child, by=by, reason=reason, outcome=status.value,
           review_on=review_on.isoformat() if review_on else None, requests=[a.id for a in answered],
           source=source.value, referred_by=referred_by, referred_on=referred_on.isoformat() if referred_on else None)
    families = {asked.requested_by for asked in answered} or {child.parent}
    contacts = current_contacts()
    for family in sorted(families, key=lambda f: f.id):
        if family.active:
            notify.queue(family, _l("The decision on the assessment of %(name)s", name=child.first_name),
                         "assessment_decided", child=child, assessment=assessment, contacts=contacts,
                         link=notify.link("families.assessments"))
    return assessment


def journey(family: User) -> list[AssessmentRequest]:
    """The family's requests, newest first, each with its child, break, handler and decision."""
    return db.session.scalars(
        select(AssessmentRequest)
        .options(joinedload(AssessmentRequest.child), joinedload(AssessmentRequest.offer),
                 joinedload(AssessmentRequest.handled_by),
                 joinedload(AssessmentRequest.assessment).joinedload(Assessment.recorded_by))
        .where(AssessmentRequest.child_id.in_(sorted(family_child_ids(family))))
        .order_by(AssessmentRequest.created_at.desc(), AssessmentRequest.id.desc())
    ).all()


def decisions_without_request(family: User, shown: list[AssessmentRequest]) -> list[Assessment]:
    """The latest decision about each of the family's children that no request of theirs led to (a referral by a
    professional, or a review): the family sees those too."""
    answered = {asked.assessment_id for asked in shown}
    latest: dict[int, Assessment] = {}
    for assessment in db.session.scalars(
            select(Assessment).join(Child, Child.id == Assessment.child_id).options(joinedload(Assessment.child))
            .where(Child.id.in_(sorted(family_child_ids(family)))).order_by(Assessment.decided_at, Assessment.id)):
        latest[assessment.child_id] = assessment
    return [a for a in latest.values() if a.id not in answered]
