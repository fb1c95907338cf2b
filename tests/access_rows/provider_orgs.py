"""Access rows for provider organisations, their offers, and the commissioners' approval queues.

The world's provider account becomes the administrator of the organisation that runs the family world's
offer (approved by the council), with a colleague, an open invitation and an API token."""
from portal.extensions import db
from portal.models import Role, User
from providers.models import ApiToken, Offer, ProviderInvite
from providers.organisations import invite_token_hash

from ..factories import UserFactory
from . import DENY, LOGIN, NO_CHILD_RECORD, OK, PUBLIC, ROLES

PROVIDER_STAFF = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "provider": OK}
COMMISSIONERS = {r: DENY for r in ROLES} | {"anonymous": LOGIN, "council": OK, "trust": OK, "admin": OK}
# The world's provider and offer are the council's to decide on, not the trust's.
COUNCIL_DECIDES = dict(COMMISSIONERS, trust=DENY)
# No decision posted: the page is shown again with its errors, and nothing is decided.
COUNCIL_POSTED_NOTHING = dict(COUNCIL_DECIDES, council=422, admin=422)


def staff_answer(code):
    return dict(PROVIDER_STAFF, provider=code)


ROWS = [
    ("GET", "/provider/sign-up", PUBLIC, NO_CHILD_RECORD),
    # Signed in: asked to sign out first, nothing made.
    ("POST", "/provider/sign-up", dict(PUBLIC, anonymous=422), NO_CHILD_RECORD),
    ("GET", "/provider", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/organisation", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/organisation/edit", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/organisation/edit", staff_answer(422), NO_CHILD_RECORD),  # nothing posted
    ("GET", "/provider/staff", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/staff/invite", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/staff/invite", staff_answer(422), NO_CHILD_RECORD),
    ("GET", "/provider/staff/<int:staff_id>/remove", PROVIDER_STAFF, NO_CHILD_RECORD),
    # The button is all this form has, so the colleague is really removed; restore() below brings them back.
    ("POST", "/provider/staff/<int:staff_id>/remove", staff_answer(302), NO_CHILD_RECORD),
    ("POST", "/provider/staff/<int:staff_id>/admin", staff_answer(422), NO_CHILD_RECORD),  # no choice posted
    ("GET", "/provider/invites/<invite_token>", PUBLIC, NO_CHILD_RECORD),
    # Nothing posted: no name or password.
    ("POST", "/provider/invites/<invite_token>", {r: 422 for r in ROLES}, NO_CHILD_RECORD),
    ("POST", "/provider/invites/<int:invite_id>/cancel", staff_answer(302), NO_CHILD_RECORD),
    ("GET", "/provider/api-tokens", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/api-tokens", staff_answer(422), NO_CHILD_RECORD),
    ("POST", "/provider/api-tokens/<int:api_token_id>/revoke", staff_answer(302), NO_CHILD_RECORD),
    ("GET", "/provider/offers", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/offers/new", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/offers/new", staff_answer(422), NO_CHILD_RECORD),
    ("GET", "/provider/offers/<int:offer_id>", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("GET", "/provider/offers/<int:offer_id>/edit", PROVIDER_STAFF, NO_CHILD_RECORD),
    ("POST", "/provider/offers/<int:offer_id>/edit", staff_answer(422), NO_CHILD_RECORD),
    ("POST", "/provider/offers/<int:offer_id>/submit", staff_answer(409), NO_CHILD_RECORD),  # already published
    ("GET", "/provider/offers/<int:offer_id>/withdraw", PROVIDER_STAFF, NO_CHILD_RECORD),
    # A place is booked to come.
    ("POST", "/provider/offers/<int:offer_id>/withdraw", staff_answer(409), NO_CHILD_RECORD),
    ("GET", "/approvals/providers", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/approvals/providers/<int:provider_id>", COUNCIL_DECIDES, NO_CHILD_RECORD),
    ("POST", "/approvals/providers/<int:provider_id>", COUNCIL_POSTED_NOTHING, NO_CHILD_RECORD),
    ("POST", "/approvals/providers/<int:provider_id>/safeguards", COUNCIL_POSTED_NOTHING, NO_CHILD_RECORD),
    ("POST", "/approvals/providers/<int:provider_id>/name", COUNCIL_POSTED_NOTHING, NO_CHILD_RECORD),
    ("GET", "/approvals/offers", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/approvals/offers/<int:offer_id>", COUNCIL_DECIDES, NO_CHILD_RECORD),
    ("POST", "/approvals/offers/<int:offer_id>", COUNCIL_POSTED_NOTHING, NO_CHILD_RECORD),
]


def world(users, values) -> dict:
    provider = db.session.get(Offer, values["offer_id"]).provider
    admin = users["provider"]
    admin.provider_id, admin.is_provider_admin = provider.id, True
    colleague = UserFactory(role=Role.PROVIDER, provider_id=provider.id)
    accept = ProviderInvite(provider_id=provider.id, email="new.colleague@example.org", token_hash=invite_token_hash("access-invite"),
                            invited_by_id=admin.id)
    cancel = ProviderInvite(provider_id=provider.id, email="other.colleague@example.org",
                            token_hash=invite_token_hash("cancel-invite"), invited_by_id=admin.id)
    token = ApiToken(provider_id=provider.id, name="Booking system", prefix="sbp_abcdefgh", token_hash=invite_token_hash("sbp_x"),
                     created_by_id=admin.id)
    db.session.add_all([accept, cancel, token])
    db.session.commit()
    return {"provider_id": provider.id, "staff_id": colleague.id, "invite_token": "access-invite",
            "invite_id": cancel.id, "api_token_id": token.id}


def restore(values) -> None:
    """The remove row really removes the colleague: bring them back."""
    db.session.get(User, values["staff_id"]).active = True
