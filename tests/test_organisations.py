"""Provider organisations: signing up, changing details, insurance warnings, staff and invitations, the dashboard."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import AuditEvent, Role, User
from portal.timeutil import utcnow
from providers import organisations
from providers.models import (
    ApiToken,
    Body,
    OfferStatus,
    Provider,
    ProviderStatus,
    Tier,
    WaitingListEntry,
)
from providers.organisations import london_today as today

from .conftest import TEST_PASSWORD, set_up_two_step, sign_in
from .factories import (
    ChildFactory,
    LocalityFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)
from .test_queries import count_queries


def staff(provider, *, admin: bool = False, **kwargs) -> User:
    return UserFactory(role=Role.PROVIDER, provider_id=provider.id, is_provider_admin=admin, **kwargs)


def details(**overrides) -> organisations.OrganisationDetails:
    values = dict(name="Acorn Play", email="Hello@Acorn.org", charity_number="1012345",
                  insurance_expires_on=today() + timedelta(days=200), safeguarding_lead="Sam Lead",
                  dbs_policy_confirmed=True)
    values.update(overrides)
    return organisations.OrganisationDetails(**values)


def sign_up(kinds=(Tier.UNIVERSAL,), **overrides):
    return organisations.sign_up(details(**overrides), set(kinds), admin_name="Ada Admin", admin_email="ada@acorn.org",
                                 password="a long password", today=today())


def sign_up_form(**overrides) -> dict:
    expires = today() + timedelta(days=200)
    form = {"name": "Acorn Play", "email": "hello@acorn.org", "charity_number": "1012345",
            "insurance_expires_on": [str(expires.day), str(expires.month), str(expires.year)],
            "safeguarding_lead": "Sam Lead", "dbs_policy_confirmed": "y", "kinds": ["universal", "targeted"],
            "admin_name": "Ada Admin", "admin_email": "ada@acorn.org", "password": "a long password",
            "confirm": "a long password"}
    form.update(overrides)
    return form


def recipients(outbox) -> list[str]:
    return sorted(m["To"] for m in outbox)


# --- signing up -------------------------------------------------------------------------------------

def test_sign_up_creates_a_pending_provider_and_its_first_admin(app, outbox):
    council = UserFactory(role=Role.COUNCIL, email="council@example.com")
    UserFactory(role=Role.TRUST, email="trust@example.com")
    provider, admin = sign_up(kinds=[Tier.UNIVERSAL, Tier.SPECIALIST])
    db.session.commit()
    assert provider.status is ProviderStatus.PENDING
    assert provider.approving_body is Body.COUNCIL
    assert provider.email == "hello@acorn.org" and provider.dbs_policy_confirmed
    assert (admin.role, admin.provider_id, admin.is_provider_admin) == (Role.PROVIDER, provider.id, True)
    assert recipients(outbox) == ["ada@acorn.org", council.email]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_signed_up"))
    assert event.actor_id == admin.id and event.details["kinds"] == ["specialist", "universal"]


def test_only_specialist_providers_are_approved_by_the_trust(app, outbox):
    UserFactory(role=Role.COUNCIL, email="council@example.com")
    UserFactory(role=Role.TRUST, email="trust@example.com")
    provider, _ = sign_up(kinds=[Tier.SPECIALIST])
    db.session.commit()
    assert provider.approving_body is Body.TRUST
    assert recipients(outbox) == ["ada@acorn.org", "trust@example.com"]


@pytest.mark.parametrize("overrides, message", [
    ({"charity_number": "", "company_number": ""}, "charity number or your company number"),
    ({"insurance_expires_on": None}, "insurance runs out"),
    ({"insurance_expires_on": today()}, "insurance must still be in date"),
    ({"safeguarding_lead": " "}, "safeguarding lead"),
    ({"dbs_policy_confirmed": False}, "DBS"),
])
def test_sign_up_needs_the_safeguarding_and_registration_details(app, overrides, message):
    with pytest.raises(DomainError, match=message):
        sign_up(**overrides)


def test_sign_up_needs_the_kinds_of_break_and_a_new_email(app):
    with pytest.raises(DomainError, match="kinds of break"):
        sign_up(kinds=[])
    UserFactory(email="ada@acorn.org")
    with pytest.raises(DomainError, match="already uses this email"):
        sign_up()


def test_sign_up_confirms_the_address_then_sets_up_two_step_sign_in_then_the_dashboard(app, client, outbox):
    response = client.post("/provider/sign-up", data=sign_up_form())
    assert response.status_code == 200 and "Check your email" in response.text
    admin = db.session.scalar(select(User).where(User.email == "ada@acorn.org"))
    assert admin.provider.status is ProviderStatus.PENDING and admin.is_provider_admin
    assert client.get("/provider").status_code == 302  # not signed in until the address is confirmed
    welcome = next(m for m in outbox if m["To"] == "ada@acorn.org")
    link = re.search(r"http://localhost(/confirm-email/\S+)", welcome.get_content()).group(1)
    # A provider's administrator sets up two-step sign-in first, then goes on to the dashboard.
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.location == "/two-step/set-up"
    assert client.get("/provider").status_code == 302
    codes = set_up_two_step(client)
    assert 'href="/provider"' in codes.text
    page = client.get("/provider")
    assert page.status_code == 200
    assert "waiting for approval by the council" in page.text


def test_sign_up_page_shows_errors_and_keeps_what_was_typed(app, client):
    response = client.post("/provider/sign-up", data=sign_up_form(charity_number="", password="short", kinds=[],
                                                                   insurance_expires_on=["31", "2", "2030"]))
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert "Enter your registered charity number or your company number" in response.text
    assert "Insurance end date must be a real date" in response.text
    assert "Select the kinds of break you will offer" in response.text
    assert 'value="Acorn Play"' in response.text and 'value="31"' in response.text
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_sign_up_with_an_address_in_use_looks_the_same_and_tells_its_owner(app, client, outbox):
    UserFactory(email="ada@acorn.org")
    response = client.post("/provider/sign-up", data=sign_up_form())
    assert response.status_code == 200 and "Check your email" in response.text
    assert "already" not in response.text
    assert [m["To"] for m in outbox] == ["ada@acorn.org"] and "Someone tried" in outbox[0]["Subject"]
    assert db.session.scalar(select(func.count(Provider.id))) == 0


def test_signed_in_people_are_asked_to_sign_out_before_registering_an_organisation(app, login):
    client = login(UserFactory())
    response = client.get("/provider/sign-up")
    assert response.status_code == 200 and "sign out first" in response.text
    assert client.post("/provider/sign-up", data=sign_up_form(admin_email="x@example.org")).status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 1


# --- details ---------------------------------------------------------------------------------------

def test_admin_changes_details_with_before_and_after_recorded(app):
    provider, admin = sign_up()
    provider.status = ProviderStatus.APPROVED
    provider.insurance_warned_on = today()
    db.session.commit()
    new_date = today() + timedelta(days=400)
    organisations.update_details(provider, details(insurance_expires_on=new_date, phone="0121 496 0000"), by=admin,
                                 today=today())
    db.session.commit()
    assert provider.insurance_expires_on == new_date
    assert provider.insurance_warned_on is None  # the new date will be warned about in its turn
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "provider_details_changed"))
    assert event.details["after"] == {"phone": "0121 496 0000", "insurance_expires_on": new_date.isoformat()}
    assert event.details["before"]["phone"] is None


def test_a_returned_application_goes_back_for_approval_when_changed(app, outbox):
    council = UserFactory(role=Role.COUNCIL)
    provider, admin = sign_up()
    organisations.return_provider(provider, "Your insurance certificate is unreadable", by=council)
    db.session.commit()
    outbox.clear()
    organisations.update_details(provider, details(company_number="01234567"), by=admin, today=today())
    db.session.commit()
    assert provider.status is ProviderStatus.PENDING
    assert recipients(outbox) == [council.email]


def test_only_an_admin_of_the_provider_changes_its_details(app, login):
    provider = ProviderFactory()
    colleague = staff(provider)
    with pytest.raises(NotAllowed):
        organisations.update_details(provider, details(), by=colleague, today=today())
    assert login(colleague).get("/provider/organisation/edit").status_code == 403


def test_details_page_changes_details_and_shows_history(app, login):
    provider = ProviderFactory(insurance_expires_on=today() + timedelta(days=100), charity_number="1012345",
                               safeguarding_lead="Sam", dbs_policy_confirmed=True)
    client = login(staff(provider, admin=True))
    form = client.get("/provider/organisation/edit")
    assert form.status_code == 200 and 'value="1012345"' in form.text
    expires = today() + timedelta(days=500)
    response = client.post("/provider/organisation/edit", data={
        "name": provider.name, "email": provider.email, "charity_number": "1012345", "safeguarding_lead": "Robin Lead",
        "insurance_expires_on": [str(expires.day), str(expires.month), str(expires.year)], "dbs_policy_confirmed": "y"})
    assert response.status_code == 302
    page = client.get("/provider/organisation")
    assert "Robin Lead" in page.text and "Details changed" in page.text and "Safeguarding lead: Sam to Robin Lead" in page.text


def test_a_suspended_provider_cannot_change_its_details(app):
    provider = ProviderFactory(status=ProviderStatus.SUSPENDED)
    with pytest.raises(DomainError, match="suspended"):
        organisations.update_details(provider, details(), by=staff(provider, admin=True), today=today())


# --- insurance -----------------------------------------------------------------------------------

def test_insurance_warnings_go_once_to_admins_and_the_approving_commissioners(app, outbox):
    council = UserFactory(role=Role.COUNCIL, email="council@example.com")
    UserFactory(role=Role.TRUST, email="trust@example.com")
    now = today()
    expiring = ProviderFactory(insurance_expires_on=now + timedelta(days=10))
    expired = ProviderFactory(insurance_expires_on=now - timedelta(days=1), status=ProviderStatus.SUSPENDED)
    ProviderFactory(insurance_expires_on=now + timedelta(days=90))
    admin = staff(expiring, admin=True, email="admin@expiring.org")
    staff(expiring, email="staff@expiring.org")
    staff(expired, admin=True, email="admin@expired.org")
    staff(expiring, admin=True, email="gone@expiring.org", active=False)

    warned = organisations.warn_expiring_insurance(now)
    db.session.commit()
    assert {p.id for p in warned} == {expiring.id, expired.id}
    assert recipients(outbox) == ["admin@expired.org", "admin@expiring.org", council.email]
    commissioner_mail = next(m for m in outbox if m["To"] == council.email).get_content()
    assert expiring.name in commissioner_mail and expired.name in commissioner_mail
    expired_mail = next(m for m in outbox if m["To"] == "admin@expired.org").get_content()
    assert "ran out" in expired_mail and "/provider/organisation/edit" in expired_mail  # a link even from the CLI
    assert expiring.insurance_warned_on == now

    outbox.clear()
    assert organisations.warn_expiring_insurance(now + timedelta(days=1)) == []
    db.session.commit()
    assert outbox == []

    # A renewed date is warned about again when it in turn comes near.
    organisations.update_details(expiring, details(name=expiring.name, email=expiring.email,
                                                   insurance_expires_on=now + timedelta(days=365)), by=admin, today=now)
    db.session.commit()
    assert expiring in organisations.warn_expiring_insurance(now + timedelta(days=340))


def test_dashboard_and_commissioner_queue_flag_insurance_running_out(app, login):
    provider = ProviderFactory(insurance_expires_on=today() + timedelta(days=5))
    ProviderFactory(insurance_expires_on=today() + timedelta(days=300))
    page = login(staff(provider, admin=True)).get("/provider")
    assert "Your public liability insurance runs out on" in page.text
    queue = login(UserFactory(role=Role.COUNCIL)).get("/approvals/providers")
    assert "1 provider's insurance has run out or runs out in the next 30 days" in queue.text
    listed = login(UserFactory(role=Role.COUNCIL)).get("/approvals/providers?show=insurance")
    assert provider.name in listed.text and "Insurance running out" in listed.text


# --- invitations and staff ------------------------------------------------------------------------

def test_invite_keeps_only_a_hash_and_the_link_creates_a_staff_account(app, client, smtp_server):
    provider = ProviderFactory()
    admin = staff(provider, admin=True)
    invite, token = organisations.invite_staff(provider, "New.Person@Example.org", by=admin)
    db.session.commit()
    assert invite.token_hash != token and token not in invite.token_hash
    (message,) = smtp_server.messages
    assert message["To"] == "new.person@example.org"
    link = re.search(r"(/provider/invites/\S+)", message.get_content()).group(1)
    assert link.endswith(token)

    form = client.get(link)
    assert form.status_code == 200 and provider.name in form.text
    response = client.post(link, data={"name": "New Person", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD})
    assert response.status_code == 302 and response.location == "/provider"
    member = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert (member.role, member.provider_id, member.is_provider_admin) == (Role.PROVIDER, provider.id, False)
    assert client.get("/provider").status_code == 200
    assert client.get(link).status_code == 404  # used once only


def test_invitation_links_stop_working_when_cancelled_replaced_or_old(app, client):
    provider = ProviderFactory()
    admin = staff(provider, admin=True)
    first, first_token = organisations.invite_staff(provider, "a@example.org", by=admin)
    _, second_token = organisations.invite_staff(provider, "a@example.org", by=admin)
    cancelled, cancelled_token = organisations.invite_staff(provider, "b@example.org", by=admin)
    old, old_token = organisations.invite_staff(provider, "c@example.org", by=admin)
    organisations.revoke_invite(cancelled, by=admin)
    old.created_at = utcnow() - timedelta(days=organisations.INVITE_VALID_DAYS, minutes=1)
    db.session.commit()
    for token in (first_token, cancelled_token, old_token, "made-up"):
        response = client.get(f"/provider/invites/{token}")
        assert response.status_code == 404 and "This invitation link does not work" in response.text
    assert client.get(f"/provider/invites/{second_token}").status_code == 200


def test_an_existing_account_cannot_be_invited(app):
    provider = ProviderFactory()
    UserFactory(email="taken@example.org")
    with pytest.raises(DomainError, match="already uses this email"):
        organisations.invite_staff(provider, "TAKEN@example.org", by=staff(provider, admin=True))


def test_only_admins_invite_and_the_invite_page_says_what_went_wrong(app, login):
    provider = ProviderFactory()
    with pytest.raises(NotAllowed):
        organisations.invite_staff(provider, "x@example.org", by=staff(provider))
    client = login(staff(provider, admin=True))
    UserFactory(email="taken@example.org")
    response = client.post("/provider/staff/invite", data={"email": "taken@example.org"})
    assert response.status_code == 409 and "already uses this email" in response.text
    assert client.post("/provider/staff/invite", data={"email": "not an email"}).status_code == 422
    response = client.post("/provider/staff/invite", data={"email": "friend@example.org"})
    assert response.status_code == 302
    assert "friend@example.org" in client.get("/provider/staff").text


def test_admin_removes_a_colleague_who_then_cannot_sign_in(app, client, login):
    provider = ProviderFactory()
    admin_client = login(staff(provider, admin=True))
    colleague = staff(provider)
    assert admin_client.get(f"/provider/staff/{colleague.id}/remove").status_code == 200
    assert admin_client.post(f"/provider/staff/{colleague.id}/remove").status_code == 302
    assert colleague.active is False
    other = app.test_client()
    response = other.post("/sign-in", data={"email": colleague.email, "password": TEST_PASSWORD})
    assert response.status_code == 422
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_removed")).details["user_id"] == colleague.id


def test_nobody_removes_themselves_or_the_last_admin(app, login):
    provider = ProviderFactory()
    admin = staff(provider, admin=True)
    with pytest.raises(DomainError, match="cannot remove yourself"):
        organisations.remove_staff(admin, by=admin)
    site_admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(DomainError, match="only administrator"):
        organisations.remove_staff(admin, by=site_admin)
    with pytest.raises(DomainError, match="only administrator"):
        organisations.set_admin(admin, False, by=site_admin)
    response = login(admin).post(f"/provider/staff/{admin.id}/remove")
    assert response.status_code == 409 and "You cannot remove yourself" in response.text
    assert admin.active


def test_admin_rights_can_be_shared_and_then_an_admin_removed(app, login):
    provider = ProviderFactory()
    first, second = staff(provider, admin=True), staff(provider)
    client = login(first)
    assert client.post(f"/provider/staff/{second.id}/admin", data={"make_admin": "yes"}).status_code == 302
    assert second.is_provider_admin
    assert client.post(f"/provider/staff/{first.id}/admin", data={"make_admin": "no"}).status_code == 409
    organisations.remove_staff(second, by=first)
    db.session.commit()
    assert not second.active


def test_staff_pages_act_only_on_your_own_organisation(app, login):
    provider, other = ProviderFactory(), ProviderFactory()
    client = login(staff(provider, admin=True))
    stranger = staff(other)
    assert client.get(f"/provider/staff/{stranger.id}/remove").status_code == 404
    assert client.post(f"/provider/staff/{stranger.id}/remove").status_code == 404
    invitation, _ = organisations.invite_staff(other, "x@example.org", by=staff(other, admin=True))
    db.session.commit()
    assert client.post(f"/provider/invites/{invitation.id}/cancel").status_code == 404
    non_admin = login(staff(provider))
    assert non_admin.get("/provider/staff").status_code == 200
    assert non_admin.get("/provider/staff/invite").status_code == 403
    assert non_admin.get("/provider/api-tokens").status_code == 403


def test_provider_accounts_without_an_organisation_see_no_provider_pages(app, login):
    assert login(UserFactory(role=Role.PROVIDER)).get("/provider").status_code == 403


# --- API tokens -------------------------------------------------------------------------------------

def test_api_token_is_shown_once_and_can_be_revoked(app, login):
    provider = ProviderFactory()
    client = login(staff(provider, admin=True))
    response = client.post("/provider/api-tokens", data={"name": "Booking system"})
    assert response.status_code == 200
    shown = re.search(r'<code class="portal-token">([^<]+)</code>', response.text).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash != shown and shown.startswith(token.prefix)
    assert shown not in client.get("/provider/api-tokens").text
    assert client.post("/provider/api-tokens", data={"name": ""}).status_code == 422
    assert client.post(f"/provider/api-tokens/{token.id}/revoke").status_code == 302
    assert token.revoked_at is not None
    assert client.post(f"/provider/api-tokens/{token.id}/revoke").status_code == 409


# --- the dashboard ------------------------------------------------------------------------------------

def _sessions(provider, count: int):
    offer = OfferFactory(provider=provider, locality=LocalityFactory())
    return [SessionFactory(offer=offer, capacity=8, places_taken=2, starts_at=utcnow() + timedelta(days=day + 1))
            for day in range(count)]


def test_dashboard_shows_fill_rates_waiting_lists_and_offers_needing_attention(app, login):
    provider = ProviderFactory()
    first, *_ = _sessions(provider, 3)
    family = UserFactory()
    db.session.add(WaitingListEntry(session=first, family=family, child_ids=[ChildFactory(parent=family).id], places=1))
    OfferFactory(provider=provider, title="Returned club", status=OfferStatus.RETURNED,
                 review_comments="Say who it is for")
    SessionFactory(offer=OfferFactory(), capacity=8)  # another provider's
    db.session.commit()
    page = login(staff(provider)).get("/provider")
    assert page.text.count("2 of 8") == 3 and "25%" in page.text
    assert re.search(r'govuk-table__cell--numeric">1</td>', page.text)
    assert "Returned club" in page.text


def test_dashboard_is_paginated_and_costs_the_same_queries_at_any_size(app, login):
    provider = ProviderFactory()
    client = login(staff(provider))
    _sessions(provider, 3)
    db.session.commit()
    client.get("/provider")
    with count_queries() as small:
        assert client.get("/provider").status_code == 200
    _sessions(provider, 45)
    db.session.commit()
    client.get("/provider")  # as above: the first request after the commit reloads the signed-in user
    with count_queries() as large:
        page = client.get("/provider")
    assert len(small) == len(large)
    assert "page 1 of 3" in page.text
    assert client.get("/provider?page=3").text.count("2 of 8") == 8


# --- whatever is posted, no page fails --------------------------------------------------------------

junk = st.one_of(st.text(max_size=200), st.sampled_from(["", "0", "-1", "99999999999", "abc", "31", "2.5", "£1,000.999",
                                                         "<script>", "\x00", "approve", "return", "suspend", "yes",
                                                         "universal", "specialist", "free", "pay_provider", "sport"]))
posted = st.dictionaries(
    st.sampled_from(["name", "email", "phone", "website", "charity_number", "company_number", "ofsted_number",
                     "insurance_expires_on", "safeguarding_lead", "dbs_policy_confirmed", "kinds", "admin_name",
                     "admin_email", "password", "confirm", "make_admin", "title", "summary", "description", "tier",
                     "category", "min_age", "max_age", "locality_id", "venue", "eligibility", "how_to_get", "price",
                     "payment_route", "support_offered", "needs", "features", "cancel_cutoff_hours",
                     "booking_cutoff_hours", "reason", "decision", "comments"]),
    st.lists(junk, min_size=0, max_size=3),
)


@pytest.fixture
def junk_world(app):
    provider = ProviderFactory(status=ProviderStatus.PENDING, insurance_expires_on=today() + timedelta(days=90))
    admin = staff(provider, admin=True)
    colleague = staff(provider)
    offer = OfferFactory(provider=provider, status=OfferStatus.DRAFT)
    invite, token = organisations.invite_staff(provider, "junk@example.org", by=admin)
    db.session.commit()
    return {"admin": admin, "council": UserFactory(role=Role.COUNCIL), "provider": provider, "colleague": colleague,
            "offer": offer, "token": token}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=posted)
def test_provider_and_approval_forms_never_fail_with_a_server_error(app, junk_world, data):
    w = junk_world
    public = app.test_client()
    for url in ["/provider/sign-up", f"/provider/invites/{w['token']}"]:
        assert public.post(url, data=data).status_code < 500, (url, data)
    provider_client = app.test_client()
    sign_in(provider_client, w["admin"])
    offer_id, colleague_id = w["offer"].id, w["colleague"].id
    for url in ["/provider/organisation/edit", "/provider/staff/invite", f"/provider/staff/{colleague_id}/admin",
                "/provider/api-tokens", "/provider/offers/new", f"/provider/offers/{offer_id}/edit",
                f"/provider/offers/{offer_id}/withdraw", f"/provider/offers/{offer_id}/submit"]:
        assert provider_client.post(url, data=data).status_code < 500, (url, data)
    council_client = app.test_client()
    sign_in(council_client, w["council"])
    for url in [f"/approvals/providers/{w['provider'].id}", f"/approvals/offers/{offer_id}"]:
        assert council_client.post(url, data=data).status_code < 500, (url, data)
    for url in ["/approvals/providers", "/approvals/offers", "/provider", "/provider/offers"]:
        client = council_client if url.startswith("/approvals") else provider_client
        assert client.get(url, query_string={"page": data.get("name", ["x"])[:1], "show": data.get("tier", [""])[:1],
                                             "status": data.get("tier", [""])[:1]}).status_code < 500
    db.session.rollback()


# --- two administrators at once -------------------------------------------------------------------------

def _demote_each_other_at_once(app, monkeypatch, *, locking: bool) -> tuple[list[str], int]:
    """Two administrators each take away the other's rights at the same moment. A barrier after the count
    of administrators left makes both count before either writes, unless the lock makes them take turns."""
    provider = ProviderFactory()
    first, second = staff(provider, admin=True), staff(provider, admin=True)
    barrier = threading.Barrier(2, timeout=1)
    count = organisations._admins_left

    def count_then_wait(*args, **kwargs):
        left = count(*args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other is waiting for the lock, as it should
        return left

    monkeypatch.setattr(organisations, "_admins_left", count_then_wait)
    if not locking:
        monkeypatch.setattr(organisations, "lock", lambda subject: None)
    outcomes = []

    def demote(by_id: int, member_id: int) -> None:
        with app.app_context():
            try:
                organisations.set_admin(db.session.get(User, member_id), False, by=db.session.get(User, by_id))
                db.session.commit()
                outcomes.append("demoted")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(first.id, second.id)),
               threading.Thread(target=demote, args=(second.id, first.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    admins = db.session.scalar(select(func.count(User.id)).where(User.provider_id == provider.id,
                                                                 User.is_provider_admin.is_(True)))
    return sorted(outcomes), admins


def test_control_without_the_lock_two_admins_leave_none(app, monkeypatch):
    outcomes, admins = _demote_each_other_at_once(app, monkeypatch, locking=False)
    assert (outcomes, admins) == (["demoted", "demoted"], 0)


def test_with_the_lock_one_admin_always_remains(app, monkeypatch):
    outcomes, admins = _demote_each_other_at_once(app, monkeypatch, locking=True)
    assert (outcomes, admins) == (["demoted", "refused"], 1)


def test_dashboard_rounds_how_full_to_the_nearest_percent(app, login):
    provider = ProviderFactory()
    offer = OfferFactory(provider=provider, locality=LocalityFactory())
    SessionFactory(offer=offer, capacity=8, places_taken=3, starts_at=utcnow() + timedelta(days=1))
    db.session.commit()
    page = login(staff(provider)).get("/provider")
    assert "3 of 8" in page.text
    assert re.search(r'govuk-table__cell--numeric">38%</td>', page.text)


@pytest.mark.parametrize("taken, capacity, percent", [
    (3, 8, 38), (1, 8, 13), (2, 8, 25), (0, 8, 0), (8, 8, 100), (1, 1000, 1), (199, 200, 99), (1, 0, 0),
])
def test_how_full_is_to_the_nearest_percent_and_only_a_full_session_is_100(taken, capacity, percent):
    assert organisations.how_full(taken, capacity) == percent
