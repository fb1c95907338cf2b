"""Sessions that end: a cookie copied before sign-out, a new password or a provider's suspension stops working; the
account id alone is never a session; staff are signed out after a while unused and after a day's work."""
from __future__ import annotations

import re
import time
from html import unescape

import pytest

from portal.extensions import db
from portal.models import Role
from providers.models import ProviderStatus
from providers.organisations import suspend_provider

from .conftest import sign_in
from .factories import ProviderFactory, UserFactory


def copy_of(app, client):
    """Another browser holding the same session cookie (as a thief who copied it would)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def signed_in(client, path: str = "/account") -> bool:
    response = client.get(path)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_a_cookie_copied_before_sign_out_stops_working(app, client):
    sign_in(client, UserFactory())
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/sign-out")
    assert not signed_in(thief)
    assert not signed_in(client)


def test_a_new_password_ends_every_session_signed_in_with_the_old_one(app, client, outbox):
    user = UserFactory(email="reset.me@example.com")
    sign_in(client, user)
    thief = copy_of(app, client)
    resetting = app.test_client()
    resetting.post("/reset-password", data={"email": "reset.me@example.com"})
    path = re.search(r"http://localhost(/reset-password/\S+)", outbox[-1].get_content()).group(1)
    assert resetting.post(path, data={"password": "a fresh long secret", "confirm": "a fresh long secret"}) \
        .status_code == 302
    assert not signed_in(thief) and not signed_in(client)
    sign_in(resetting, user, password="a fresh long secret")
    assert signed_in(resetting)


def test_suspending_a_provider_signs_its_staff_out(app, client):
    provider = ProviderFactory(status=ProviderStatus.APPROVED)
    staff = UserFactory(role=Role.PROVIDER, provider=provider)
    sign_in(client, staff)
    assert signed_in(client, "/provider")
    suspend_provider(provider, "Insurance lapsed and not renewed.", by=UserFactory(role=Role.ADMIN))
    db.session.commit()
    assert not signed_in(client, "/provider")
    sign_in(client, staff)  # they can sign in again, and see why
    assert "Insurance lapsed" in client.get("/provider").text


def test_the_account_id_alone_is_not_a_session(client):
    user = UserFactory()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not signed_in(client)


STAFF_PAGE = {Role.COUNCIL: "/commissioning/contacts", Role.PROVIDER: "/provider"}


@pytest.mark.parametrize("role", [Role.COUNCIL, Role.PROVIDER])
@pytest.mark.parametrize("moment, message", [
    ({"seen_at": -31 * 60}, "because you had not used the portal for 30 minutes"),
    ({"signed_in_at": -13 * 3600}, "because you signed in more than 12 hours ago"),
])
def test_staff_are_signed_out_after_a_while_unused_and_after_a_days_work(client, role, moment, message):
    provider = ProviderFactory(status=ProviderStatus.APPROVED) if role is Role.PROVIDER else None
    sign_in(client, UserFactory(role=role, provider=provider))
    page = STAFF_PAGE[role]
    assert signed_in(client, page)
    with client.session_transaction() as session:
        for key, ago in moment.items():
            session[key] = int(time.time()) + ago
    response = client.get(page)
    assert response.status_code == 302 and "/sign-in" in response.location
    assert message in unescape(client.get(response.location).text)
    assert not signed_in(client, page)


def test_a_family_is_not_signed_out_for_a_quiet_half_hour(client):
    sign_in(client, UserFactory(role=Role.PARENT_CARER))
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 3 * 3600
    assert signed_in(client)
