"""Two-step sign-in: required for staff who see many children's records and for provider administrators,
optional for families; a wrong code, a replayed code and a used recovery code are refused; administrators can
reset it and sign someone out everywhere. Each step is in the audit trail."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, RecoveryCode, Role, User

from .conftest import TEST_PASSWORD, fresh_code, set_up_two_step, sign_in
from .factories import ProviderFactory, UserFactory

STAFF_HOMES = {Role.COUNCIL: "/approvals/providers", Role.TRUST: "/trust/assessment-requests", Role.ADMIN: "/admin/people"}


def _password(client, user, password: str = TEST_PASSWORD):
    return client.post("/sign-in", data={"email": user.email, "password": password})


def _actions(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id).order_by(AuditEvent.id)))


def _staff(kind: str) -> User:
    if kind == "provider_admin":
        return UserFactory(role=Role.PROVIDER, provider=ProviderFactory(), is_provider_admin=True)
    return UserFactory(role=Role[kind])


def _a_staff_page(user: User) -> str:
    return "/provider/staff" if user.role is Role.PROVIDER else STAFF_HOMES[user.role]


@pytest.mark.parametrize("kind", ["COUNCIL", "TRUST", "ADMIN", "provider_admin"])
def test_staff_need_a_code_as_well_as_the_password(client, kind):
    user = _staff(kind)
    response = _password(client, user)
    assert response.status_code == 302 and response.location == "/sign-in/code"
    # The password alone has not signed them in.
    assert client.get(_a_staff_page(user)).status_code == 302
    wrong = client.post("/sign-in/code", data={"code": "000000" if fresh_code(user) != "000000" else "111111"})
    assert wrong.status_code == 422 and "The code is not right" in wrong.text
    assert client.get(_a_staff_page(user)).status_code == 302
    right = client.post("/sign-in/code", data={"code": fresh_code(user)})
    assert right.status_code == 302
    assert client.get(_a_staff_page(user)).status_code == 200


@pytest.mark.parametrize("kind", ["COUNCIL", "TRUST", "ADMIN", "provider_admin"])
def test_staff_without_it_must_set_it_up_before_going_on(client, kind):
    user = _staff(kind)
    user.totp_secret = user.two_step_since = None
    db.session.commit()
    response = _password(client, user)
    assert response.location == "/two-step/set-up"
    page = client.get("/two-step/set-up")
    assert page.status_code == 200 and "<svg" in page.text and "QR code" in page.text
    with client.session_transaction() as session:
        secret = session["two_step_secret"]
    # The key under the QR code is the same secret, in groups of four for typing.
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page.text
    assert client.get(_a_staff_page(user)).status_code == 302  # not signed in until the app is proved to work
    assert client.post("/two-step/set-up", data={"code": "12345"}).status_code == 422
    done = client.post("/two-step/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", done.text)
    assert len(set(codes)) == 10
    db.session.refresh(user)
    assert user.totp_secret == secret and user.recovery_codes_left() == 10
    # Only hashes are kept.
    assert not any(code.replace("-", "") in h for h in db.session.scalars(select(RecoveryCode.code_hash))
                   for code in codes)
    assert client.get(_a_staff_page(user)).status_code == 200
    assert "two_step_set_up" in _actions(user)


def test_a_code_is_accepted_once(client):
    user = UserFactory(role=Role.COUNCIL)
    code = fresh_code(user)
    _password(client, user)
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    client.post("/sign-out")
    other = client.application.test_client()
    _password(other, user)
    replayed = other.post("/sign-in/code", data={"code": code})
    assert replayed.status_code == 422 and "That code has already been used" in replayed.text
    assert other.get("/approvals/providers").status_code == 302


def test_a_recovery_code_signs_in_once(client):
    user = UserFactory(role=Role.TRUST, totp_secret=None)
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", sign_in(client, user).text)
    client.post("/sign-out")
    other = client.application.test_client()
    _password(other, user)
    used = other.post("/sign-in/code", data={"code": codes[3].lower().replace("-", " ")})  # as someone might type it
    assert used.status_code == 302
    page = other.get("/trust/assessment-requests")
    assert page.status_code == 200 and "You signed in with a recovery code. You have 9 left" in page.text
    other.post("/sign-out")
    third = client.application.test_client()
    _password(third, user)
    again = third.post("/sign-in/code", data={"code": codes[3]})
    assert again.status_code == 422 and "one of your recovery codes" in again.text
    assert "recovery_code_used" in _actions(user)
    assert db.session.get(User, user.id).recovery_codes_left() == 9


def test_the_code_must_follow_the_password_within_ten_minutes(client):
    user = UserFactory(role=Role.ADMIN)
    _password(client, user)
    with client.session_transaction() as session:
        session["two_step"] = dict(session["two_step"], at=int(time.time()) - 11 * 60)
    response = client.post("/sign-in/code", data={"code": fresh_code(user)})
    assert response.status_code == 302 and response.location == "/sign-in"
    assert client.get("/admin/people").status_code == 302


def test_families_may_turn_it_on_and_off(client):
    parent = UserFactory(role=Role.PARENT_CARER)
    sign_in(client, parent)  # no code asked for
    assert "Set up two-step sign-in" in client.get("/account").text
    set_up_two_step(client)
    assert "You have 10 recovery codes left" in client.get("/account").text
    client.post("/sign-out")
    assert _password(client, parent).location == "/sign-in/code"
    assert client.post("/sign-in/code", data={"code": fresh_code(parent)}).status_code == 302
    refused = client.post("/two-step/turn-off", data={"code": "999999" if fresh_code(parent) != "999999" else "1"})
    assert refused.status_code == 422
    assert client.post("/two-step/turn-off", data={"code": fresh_code(parent)}).status_code == 302
    client.post("/sign-out")
    assert _password(client, parent).location == "/bookings"
    assert {"two_step_set_up", "two_step_turned_off"} <= set(_actions(parent))


def test_staff_cannot_turn_it_off_but_can_make_new_recovery_codes(client):
    user = UserFactory(role=Role.COUNCIL)
    sign_in(client, user)
    assert client.post("/two-step/turn-off", data={"code": fresh_code(user)}).status_code == 403
    assert db.session.get(User, user.id).totp_secret is not None
    new = client.post("/two-step/recovery-codes", data={"code": fresh_code(user)})
    assert new.status_code == 200 and "Your old recovery codes no longer work" in new.text
    assert "recovery_codes_replaced" in _actions(user)


def test_an_administrator_resets_it_for_someone_who_lost_their_phone(client):
    admin, staff = UserFactory(role=Role.ADMIN), UserFactory(role=Role.COUNCIL)
    theirs = client.application.test_client()
    sign_in(theirs, staff)
    sign_in(client, admin)
    no_reason = client.post(f"/admin/people/{staff.id}/reset-two-step", data={"reason": " "})
    assert no_reason.status_code == 422 and "Say why you are doing this" in no_reason.text
    done = client.post(f"/admin/people/{staff.id}/reset-two-step",
                       data={"reason": "Lost phone; called back on the number in the staff directory"})
    assert done.status_code == 302
    db.session.refresh(staff)
    assert staff.totp_secret is None and staff.recovery_codes_left() == 0
    assert theirs.get("/approvals/providers").status_code == 302  # their sessions ended too
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "two_step_reset"))
    assert event.actor_id == admin.id and event.subject_id == staff.id and "Lost phone" in event.reason
    assert _password(theirs, staff).location == "/two-step/set-up"


def test_an_administrator_signs_someone_out_everywhere(client):
    admin, parent = UserFactory(role=Role.ADMIN), UserFactory(role=Role.PARENT_CARER)
    phone, laptop = client.application.test_client(), client.application.test_client()
    sign_in(phone, parent)
    sign_in(laptop, parent)
    sign_in(client, admin)
    assert parent.email in client.get("/admin/people", query_string={"q": parent.email[:8].upper()}).text
    response = client.post(f"/admin/people/{parent.id}/sign-out-everywhere",
                           data={"reason": "They rang: a shared computer at the library"})
    assert response.status_code == 302
    assert phone.get("/bookings").status_code == 302 and laptop.get("/bookings").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signed_out_everywhere",
                                                       AuditEvent.subject_id == parent.id))
    assert event.actor_id == admin.id and "library" in event.reason
    sign_in(phone, parent)  # their password still works
    assert phone.get("/bookings").status_code == 200
