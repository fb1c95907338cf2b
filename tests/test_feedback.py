"""Feedback after a break: asked for once the register says the child came, given once per place (standard or
easy-read form), replied to by the provider in public, hidden by commissioners with a reason, shown on the offer's
page only once enough families have rated it, and read by commissioners by provider, offer, tier and area."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bookings import registers
from feedback import services
from feedback.models import Feedback
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.notify import OutboxEmail
from portal.timeutil import utcnow
from providers.models import Attendance, Booking, Tier

from .factories import ChildFactory, LocalityFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory


@pytest.fixture
def staff(app):
    return UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id)


@pytest.fixture
def offer(staff):
    return OfferFactory(provider=staff.provider, title="Saturday Splash")


def _past_session(offer, days_ago: float = 2):
    started = (utcnow() - timedelta(days=days_ago)).replace(microsecond=0)
    return SessionFactory(offer=offer, starts_at=started, ends_at=started + timedelta(hours=3))


def _place(session, family, child=None) -> Booking:
    """A confirmed place on a session that has already happened (booked before it started)."""
    child = child or ChildFactory(parent=family)
    booking = Booking(session=session, child=child, booked_by_id=family.id, group_ref=f"g{child.id}", funding="free")
    session.places_taken += 1
    db.session.add(booking)
    db.session.commit()
    return booking


def _attended(offer, staff, family=None, days_ago: float = 2) -> Booking:
    family = family or UserFactory()
    session = _past_session(offer, days_ago)
    booking = _place(session, family)
    registers.mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
    db.session.commit()
    return booking


ANSWERS = {"rating": "5", "child_outcomes": ["enjoyment", "friendships"], "carer_outcomes": ["rest"],
           "comment": "She came home beaming and asleep by eight."}


def _invitations(address: str) -> int:
    return db.session.scalar(select(func.count(OutboxEmail.id)).where(
        OutboxEmail.to_address == address, OutboxEmail.subject.like("How did it go?%")))


def test_marking_a_child_as_attending_asks_their_family_once_and_never_a_family_whose_child_did_not_come(
        staff, offer):
    session = _past_session(offer)
    twins = UserFactory(email="twins@example.com")
    first, second = _place(session, twins), _place(session, twins)
    absent = _place(session, UserFactory(email="absent@example.com"))
    registers.mark_attendance(session, {first.id: Attendance.ATTENDED, second.id: Attendance.ATTENDED,
                                        absent.id: Attendance.DID_NOT_ATTEND}, by=staff)
    db.session.commit()
    assert _invitations("twins@example.com") == 1  # one email for both children
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "twins@example.com"))
    assert f"{first.child.first_name} and {second.child.first_name} went to this break" in email.body
    assert f"/bookings/{first.id}/feedback" in email.body
    assert _invitations("absent@example.com") == 0
    # A correction back to "attended" does not ask again; the absent child corrected to "attended" is asked for
    # the first time, with a link for each child.
    registers.mark_attendance(session, {first.id: Attendance.DID_NOT_ATTEND}, by=staff)
    registers.mark_attendance(session, {first.id: Attendance.ATTENDED, absent.id: Attendance.ATTENDED}, by=staff)
    db.session.commit()
    assert _invitations("twins@example.com") == 1
    assert _invitations("absent@example.com") == 1
    assert f"For {second.child.first_name}: http://localhost/bookings/{second.id}/feedback" in email.body


def test_a_family_says_how_it_went_once_and_it_is_kept_with_the_outcomes_and_audited(client_as, staff, offer):
    family = UserFactory()
    booking = _attended(offer, staff, family)
    client = client_as(family)
    page = client.get("/bookings")
    assert "Say how it went" in page.text and f"/bookings/{booking.id}/feedback" in page.text
    form = client.get(f"/bookings/{booking.id}/feedback")
    assert form.status_code == 200 and f"How did it go for {booking.child.first_name}?" in form.text
    assert "What did it give you, as a parent carer?" in form.text
    nothing = client.post(f"/bookings/{booking.id}/feedback", data={})
    assert nothing.status_code == 422 and "Choose how the break went" in nothing.text
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    sent = client.post(f"/bookings/{booking.id}/feedback", data=ANSWERS)
    assert sent.status_code == 302
    assert "Thank you" in client.get(sent.location).text
    kept = db.session.scalar(select(Feedback))
    assert (kept.rating, kept.child_outcomes, kept.carer_outcomes, kept.comment, kept.easy_read) == (
        5, ["enjoyment", "friendships"], ["rest"], ANSWERS["comment"], False)
    assert (kept.offer_id, kept.provider_id, kept.given_by_id) == (offer.id, offer.provider_id, family.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback_given"))
    assert (event.subject_type, event.subject_id, event.actor_id) == ("Booking", booking.id, family.id)
    # Once only: the form says so, and a second answer is refused.
    again = client.post(f"/bookings/{booking.id}/feedback", data=dict(ANSWERS, rating="1"))
    assert again.status_code == 409 and "already said how this break went" in again.text
    assert db.session.scalar(select(Feedback.rating)) == 5
    assert "Say how it went" not in client.get("/bookings").text


def test_only_an_attended_place_of_ones_own_in_the_last_ninety_days_can_be_rated(client_as, staff, offer):
    family = UserFactory()
    session = _past_session(offer)
    not_marked = _place(session, family)
    absent = _place(session, family)
    registers.mark_attendance(session, {absent.id: Attendance.DID_NOT_ATTEND}, by=staff)
    long_ago = _attended(offer, staff, family, days_ago=services.FEEDBACK_DAYS + 2)
    someone_elses = _attended(offer, staff)
    db.session.commit()
    client = client_as(family)
    for booking in (not_marked, absent):
        refused = client.post(f"/bookings/{booking.id}/feedback", data=ANSWERS)
        assert refused.status_code == 409 and "once the provider has marked your child as attending" in refused.text
    late = client.post(f"/bookings/{long_ago.id}/feedback", data=ANSWERS)
    assert late.status_code == 409 and "too late" in late.text
    assert client.get(f"/bookings/{someone_elses.id}/feedback").status_code == 404
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    assert "Say how it went" not in client.get("/bookings").text


def test_the_easy_read_form_has_pictures_and_a_young_person_is_not_asked_about_a_carer(client_as, staff, offer):
    young = UserFactory(role=Role.YOUNG_PERSON)
    session = _past_session(offer)
    booking = _place(session, young, ChildFactory(parent=young, is_account_holder=True))
    registers.mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
    db.session.commit()
    client = client_as(young)
    page = client.get(f"/bookings/{booking.id}/feedback?version=easy-read")
    assert page.status_code == 200
    assert '<span class="portal-picture" aria-hidden="true">😀</span> Very good' in page.text
    assert '<span class="portal-picture" aria-hidden="true">🎉</span> I had fun' in page.text
    assert "How was it?" in page.text and "&lt;span" not in page.text
    assert "carer" not in page.text.lower()
    assert "What did you get from it?" in client.get(f"/bookings/{booking.id}/feedback").text
    sent = client.post(f"/bookings/{booking.id}/feedback?version=easy-read",
                       data={"rating": "4", "child_outcomes": ["new_things"], "carer_outcomes": ["work"]})
    assert sent.status_code == 302
    kept = db.session.scalar(select(Feedback))
    assert (kept.rating, kept.child_outcomes, kept.carer_outcomes, kept.easy_read, kept.comment) == (
        4, ["new_things"], [], True, None)


def _rated(offer, staff, rating: int, comment: str | None = None, family=None) -> Feedback:
    booking = _attended(offer, staff, family)
    feedback = services.give(booking, by=booking.booked_by, rating=rating, child_outcomes=["enjoyment"],
                             carer_outcomes=[], comment=comment)
    db.session.commit()
    return feedback


def test_an_offer_page_shows_ratings_only_once_enough_families_have_given_them(
        app, client, client_as, staff, offer, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDBACK_ANONYMITY_THRESHOLD", 3)
    busy = UserFactory()
    _rated(offer, staff, 5, "Brilliant day out.", family=busy)
    _rated(offer, staff, 5, "Both of mine loved it.", family=busy)  # a second child (or visit): the same family
    _rated(offer, staff, 4, "Staff knew how to help him.")
    page = client.get(f"/local-offer/{offer.id}").text
    assert "What families say" in page and "once 3 families have given them" in page
    assert "Brilliant day out." not in page and "out of 5" not in page
    provider = client_as(staff).get("/provider/feedback").text  # nor does its provider, who has the registers
    assert "Brilliant day out." not in provider and "3 more responses are kept back" in provider
    _rated(offer, staff, 3)
    page = client.get(f"/local-offer/{offer.id}").text
    assert "Rated 4.2 out of 5 by 3 families" in page  # four places rated, by three families
    assert "Brilliant day out." in page and "Staff knew how to help him." in page
    assert "100% said their child got: Enjoyment" in page
    assert "Brilliant day out." in client_as(staff).get("/provider/feedback").text


def test_the_provider_replies_in_public_and_a_commissioner_hides_a_comment_with_a_reason(
        app, client, client_as, staff, offer, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDBACK_ANONYMITY_THRESHOLD", 1)
    feedback = _rated(offer, staff, 2, "The minibus was late and nobody phoned.")
    no_comment = _rated(offer, staff, 4)
    provider = client_as(staff)
    # Only a comment others can read can have a reply.
    assert provider.get(f"/provider/feedback/{no_comment.id}/reply").status_code == 302
    listed = provider.get("/provider/feedback")
    assert listed.status_code == 200 and "The minibus was late" in listed.text
    # Names no page would hold by chance (the factories' random names can match a member of staff's).
    feedback.booking.child.first_name, feedback.given_by.name = "Zephyrine", "Ottoline Brackenvale"
    db.session.commit()
    listed = provider.get("/provider/feedback")
    assert "Zephyrine" not in listed.text and "Brackenvale" not in listed.text
    assert provider.post(f"/provider/feedback/{feedback.id}/reply", data={"reply": " "}).status_code == 422
    replied = provider.post(f"/provider/feedback/{feedback.id}/reply",
                            data={"reply": "Sorry: we now text families if the bus is running late."})
    assert replied.status_code == 302
    assert "we now text families" in client.get(f"/local-offer/{offer.id}").text
    assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "feedback_replied"))["reply"] \
        == "Sorry: we now text families if the bus is running late."
    # Another provider's staff cannot reply to it.
    other = UserFactory(role=Role.PROVIDER, provider_id=ProviderFactory().id)
    assert client_as(other).get(f"/provider/feedback/{feedback.id}/reply").status_code == 404
    assert "minibus" not in client_as(other).get("/provider/feedback").text

    # The trust does not commission universal breaks: it cannot hide this comment.
    trust = client_as(UserFactory(role=Role.TRUST))
    assert trust.post(f"/insight/feedback/{feedback.id}/hide", data={"reason": "x"}).status_code == 404
    council_user = UserFactory(role=Role.COUNCIL)
    council = client_as(council_user)
    no_reason = council.post(f"/insight/feedback/{feedback.id}/hide", data={"reason": ""})
    assert no_reason.status_code == 422 and "Say why you are hiding this comment" in no_reason.text
    hidden = council.post(f"/insight/feedback/{feedback.id}/hide", data={"reason": "Names a member of staff."})
    assert hidden.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback_hidden"))
    assert (event.actor_id, event.reason or event.details.get("reason")) == (council_user.id,
                                                                               "Names a member of staff.")
    public = client.get(f"/local-offer/{offer.id}").text
    assert "minibus" not in public and "Rated 3.0 out of 5 by 2 families" in public  # the rating still counts
    seen_by_provider = provider.get("/provider/feedback").text
    assert "Names a member of staff." in seen_by_provider and "minibus" not in seen_by_provider
    assert "we now text families" not in public  # the reply went with the comment it answered
    refused = provider.post(f"/provider/feedback/{feedback.id}/reply", data={"reply": "And again"})
    assert refused.status_code == 302 and db.session.get(Feedback, feedback.id).reply.startswith("Sorry")
    # The council cannot hide a comment on a specialist break; the trust can.
    specialist = OfferFactory(provider=staff.provider, tier=Tier.SPECIALIST)
    overnight = _rated(specialist, staff, 1, "Not for us.")
    assert council.get(f"/insight/feedback/{overnight.id}/hide").status_code == 404
    assert trust.post(f"/insight/feedback/{overnight.id}/hide", data={"reason": "Off topic."}).status_code == 302
    assert "minibus" in council.get("/insight/feedback").text  # commissioners still read what was hidden


def test_commissioners_see_ratings_and_outcomes_by_provider_offer_tier_and_area(app, client_as, staff, offer,
                                                                                monkeypatch):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    for rating, area, child, carer in [(5, north, ["enjoyment", "friendships"], ["rest"]),
                                       (4, north, ["enjoyment"], []), (3, south, ["confidence"], ["rest", "work"])]:
        family = UserFactory()
        session = _past_session(offer)
        booking = _place(session, family, ChildFactory(parent=family, locality=area))
        registers.mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
        services.give(booking, by=family, rating=rating, child_outcomes=child, carer_outcomes=carer, comment=None)
    specialist = OfferFactory(provider=staff.provider, tier=Tier.SPECIALIST, title="Overnight stay")
    family = UserFactory()
    session = _past_session(specialist)
    booking = _place(session, family)
    registers.mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
    services.give(booking, by=family, rating=1, child_outcomes=[], carer_outcomes=[], comment="Trust only")
    db.session.commit()

    by_area = {row.name: row for row in services.breakdown([Tier.UNIVERSAL, Tier.TARGETED], "locality")}
    assert set(by_area) == {"North", "South"}
    assert (by_area["North"].count, by_area["North"].average) == (2, 4.5)
    assert by_area["North"].child == {"enjoyment": 100, "friendships": 50, "independence": 0, "confidence": 0,
                                      "new_things": 0}
    assert by_area["North"].carer["rest"] == 50 and by_area["South"].carer == {"rest": 100, "siblings": 0,
                                                                              "work": 100}
    [whole] = services.breakdown([Tier.UNIVERSAL, Tier.TARGETED], "provider")
    assert (whole.name, whole.count, whole.average) == (staff.provider.name, 3, 4.0)
    # Two providers' breaks with the same name are two rows, each named with its provider.
    namesake = OfferFactory(title="Saturday Splash")
    family = UserFactory()
    session = _past_session(namesake)
    booking = _place(session, family)
    registers.mark_attendance(session, {booking.id: Attendance.ATTENDED}, by=staff)
    services.give(booking, by=family, rating=2, child_outcomes=[], carer_outcomes=[], comment=None)
    db.session.commit()
    by_offer = {row.name: (row.count, row.average) for row in services.breakdown([Tier.UNIVERSAL], "offer")}
    assert by_offer == {f"Saturday Splash ({staff.provider.name})": (3, 4.0),
                        f"Saturday Splash ({namesake.provider.name})": (1, 2.0)}

    monkeypatch.setitem(app.config, "FEEDBACK_ANONYMITY_THRESHOLD", 2)
    council = client_as(UserFactory(role=Role.COUNCIL)).get("/insight/feedback?by=offer")
    assert council.status_code == 200 and "Saturday Splash" in council.text and "Overnight stay" not in council.text
    assert "4.0" in council.text and "Trust only" not in council.text
    assert "2.0" not in council.text and "Too few families to show" in council.text  # one family: not shown
    trust = client_as(UserFactory(role=Role.TRUST)).get("/insight/feedback?by=tier")
    assert "Specialist" in trust.text and "Trust only" in trust.text and "Saturday Splash" not in trust.text
