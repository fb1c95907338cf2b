"""factory_boy factories for the portal's tables."""
from __future__ import annotations

from datetime import date, timedelta

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory

from portal.contacts import ServiceContacts
from portal.extensions import db
from portal.models import Child, Locality, Role, SupportLevel, User
from portal.timeutil import to_london, utcnow
from providers.models import (
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Safeguard,
    SafeguardCheck,
    Session,
    Tier,
)

from .conftest import TEST_PASSWORD


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class LocalityFactory(Base):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    need_share = 25


class Name(factory.Faker):
    """A name from Faker with a typographic apostrophe (O’Connor, not O'Connor): HTML escapes the plain one
    (O&#39;Connor), so a test looking for the person's name in a page would fail on one name in a few hundred."""

    def evaluate(self, instance, step, extra):
        return super().evaluate(instance, step, extra).replace("'", "\u2019")


GIVEN_NAMES = ("Zephyrin", "Quillon", "Ysolt", "Xavierra", "Wrennet", "Thessaly", "Oriella", "Marisela", "Lucasta",
               "Ignatia")
FAMILY_NAMES = ("Quarrendon", "Vellicombe", "Thistlebrook", "Ravenscarde", "Goldhawke", "Hollindrake", "Pennifold",
                "Marchbanke", "Westerleigh", "Ashcombe-Tyre")
MIDDLE_NAMES = ("Corvinus", "Delphinia", "Evanthe", "Florizel", "Galahine", "Hesperos", "Iolanthe", "Jessamond",
                "Kestrelle", "Lysandre")


def made_up_name(n: int) -> str:
    """The n-th made-up name: 1,100 in a row, none of them a part of another (the first 100 have no middle name)."""
    given, family = GIVEN_NAMES[n % 10], FAMILY_NAMES[n // 10 % 10]
    middle = "" if n % 1100 < 100 else MIDDLE_NAMES[(n % 1100) // 100 - 1] + " "
    return f"{given} {middle}{family}"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    # The signed-in person's name is on every page (the header), so a random name ("Alison Fry") could hold the name
    # a test checks is not on the page ("Ali"). These are made up, and none is a part of another.
    name = factory.Sequence(lambda n: made_up_name(n))
    role = Role.PARENT_CARER
    is_provider_admin = False
    password_hash = "set-below"
    # Staff who must use two-step sign-in have it set up already (tests/conftest.py sign_in gives the code);
    # tests of setting it up pass totp_secret=None.
    totp_secret = factory.LazyAttribute(
        lambda user: pyotp.random_base32() if user.role in (Role.COUNCIL, Role.TRUST, Role.ADULTS, Role.ADMIN)
        or (user.role is Role.PROVIDER and user.is_provider_admin) else None)
    two_step_since = factory.LazyAttribute(lambda user: utcnow() if user.totp_secret else None)
    email_confirmed_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or TEST_PASSWORD)
        if create:
            db.session.commit()


class ChildFactory(Base):
    class Meta:
        model = Child

    parent = factory.SubFactory(UserFactory)
    first_name = Name("first_name", locale="en_GB")
    last_name = Name("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(lambda: date.today().replace(year=date.today().year - 9) - timedelta(days=40))
    needs = factory.LazyFunction(lambda: ["autism"])
    has_ehc_plan = False
    support_level = SupportLevel.GROUP
    locality = factory.SubFactory(LocalityFactory)
    emergency_contact = "Sam Jones 07700 900123"


class ProviderFactory(Base):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Trust")
    email = factory.Sequence(lambda n: f"provider{n}@example.org")
    status = ProviderStatus.APPROVED


class OfferFactory(Base):
    class Meta:
        model = Offer

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Saturday Club {n}")
    summary = "Games, crafts and friends for disabled children."
    description = "A relaxed club with trained staff and a quiet room."
    tier = Tier.UNIVERSAL
    category = Category.SPORT
    min_age = 5
    max_age = 11
    locality = factory.SubFactory(LocalityFactory)
    venue = "Community Centre, High Street"
    eligibility = "Open to any disabled child or young person."
    price_pence = 0
    payment_route = PaymentRoute.FREE
    cancel_cutoff_hours = 48
    status = OfferStatus.PUBLISHED


class SessionFactory(Base):
    class Meta:
        model = Session

    offer = factory.SubFactory(OfferFactory)
    # A week ahead at 10:00 UTC (10:00 or 11:00 in London), whatever the time the tests run: a week from now at 01:30
    # would take the child away at 3am, making every test's session an overnight one (a night away).
    starts_at = factory.LazyFunction(lambda: (utcnow() + timedelta(days=7)).replace(hour=10, minute=0, second=0,
                                                                                   microsecond=0))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    weekday = factory.LazyAttribute(lambda s: to_london(s.starts_at).weekday())
    capacity = 10
    places_taken = 0


# The contacts a statement gives families: every one is needed before a version can be published.
CONTACTS = {
    "trust_phone": "0121 496 0210", "short_breaks_email": "shortbreaks@example.org",
    "sendiass_name": "Birmingham SENDIASS", "sendiass_phone": "0121 496 0345",
    "sendiass_email": "sendiass@example.org", "sendiass_website": "https://sendiass.example.org",
    "forum_name": "Birmingham Parent Carer Forum", "forum_email": "hello@forum.example.org",
    "forum_website": "https://forum.example.org", "local_offer_url": "https://shortbreaks.example.gov.uk/local-offer",
}


class ServiceContactsFactory(Base):
    class Meta:
        model = ServiceContacts

    trust_phone = CONTACTS["trust_phone"]
    short_breaks_email = CONTACTS["short_breaks_email"]
    sendiass_name = CONTACTS["sendiass_name"]
    sendiass_phone = CONTACTS["sendiass_phone"]
    sendiass_email = CONTACTS["sendiass_email"]
    sendiass_website = CONTACTS["sendiass_website"]
    forum_name = CONTACTS["forum_name"]
    forum_email = CONTACTS["forum_email"]
    forum_website = CONTACTS["forum_website"]
    local_offer_url = CONTACTS["local_offer_url"]


def ofsted_verified(provider: Provider) -> Provider:
    """The provider's Ofsted number (given one if it has none) verified as it stands, as a specialist offer needs."""
    provider.ofsted_number = provider.ofsted_number or f"SC{provider.id:06d}"
    db.session.add(SafeguardCheck(provider_id=provider.id, safeguard=Safeguard.OFSTED, verified=provider.ofsted_number,
                                  evidence_ref="Ofsted register"))
    db.session.commit()
    return provider
