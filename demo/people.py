"""The demo's people: the localities, the staff with a demo account, and the families and children, with the social
care assessments the trust has decided."""
from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from werkzeug.security import generate_password_hash

from portal.models import (
    Assessment,
    AssessmentRequest,
    AssessmentSource,
    AssessmentStatus,
    Child,
    Locality,
    Role,
    SupportLevel,
    User,
)
from portal.timeutil import age_on, birthday, to_london
from providers.models import Tier

from .common import RANDOM_SEED, Seed
from .words import (
    APPROVED_REASONS,
    CHILD_NAMES,
    DEMO_REQUEST_MESSAGE,
    EMERGENCY_CONTACTS,
    MEN,
    NEEDS_NOTES,
    PLACES,
    POSTCODE_LETTERS,
    POSTCODES,
    REFERRERS,
    REFUSED_REASON,
    REQUEST_MESSAGES,
    REVIEW_REASON,
    SURNAMES,
    WOMEN,
)

if TYPE_CHECKING:
    from .providers import OfferPlan

DEMO_PASSWORD = "short-breaks-demo"


class Area(NamedTuple):
    name: str
    need_share: int
    places: tuple[str, ...]
    postcodes: tuple[str, ...]


NEED_SHARES = {"North": 13, "East": 40, "South": 22, "West and Central": 25}
AREAS = tuple(Area(name, share, PLACES[name], POSTCODES[name]) for name, share in NEED_SHARES.items())
EAST, SOUTH = 1, 2  # the demo family lives in East, the area with the most need

# Rough shares of need among disabled children, used to weight children's and offers' needs.
NEED_WEIGHTS = {"autism": 30, "learning": 22, "communication": 14, "adhd": 12, "semh": 8, "physical": 8,
                "health": 6, "hearing": 3, "vision": 3}
# Most children the portal serves are of school age.
AGE_WEIGHTS = {age: 8 for age in range(5, 18)} | {0: 1, 1: 1, 2: 2, 3: 2, 4: 3, 18: 4, 19: 3,
                                                   20: 1, 21: 1, 22: 1, 23: 1, 24: 1, 25: 1}
YOUNG_PERSON_SHARE = 0.03  # accounts held by young people aged 16 to 25 themselves
APPROVED_SHARE = 0.12      # children with an approved social care assessment
REFUSED_SHARE = 0.015
# Children on the register of disabled children: being named on it rests on the family's consent.
REGISTER_CONSENT_SHARE = 0.6
# How decided assessments came about (when the family had an account to ask from): the rest were referred.
SOURCE_WEIGHTS = {AssessmentSource.REQUEST: 70, AssessmentSource.REFERRAL: 22, AssessmentSource.REVIEW: 8}
OPEN_REQUEST_SHARE = 0.008  # children with a request for an assessment not yet decided (at least 4)


class ChildPlan(NamedTuple):
    id: int
    parent_id: int
    first_name: str
    born: date
    area: int
    needs: frozenset[str]
    support: SupportLevel
    joined: datetime  # when the child was added to the family's account


@dataclass(frozen=True)
class Staff:
    demo_hash: str  # the demo password, hashed once: scrypt is slow
    trust_id: int


@dataclass(frozen=True)
class Families:
    kids: list[ChildPlan]
    demo_younger: ChildPlan
    demo_older: ChildPlan
    demo_young_person: ChildPlan
    demo_turning_18: ChildPlan
    demo_family_ids: set[int]  # their bookings and assessments are chosen by hand


def pick_area(seed: Seed) -> int:
    """A locality, weighted by its share of need."""
    return seed.rng.choices(range(len(AREAS)), [area.need_share for area in AREAS])[0]


def user(seed: Seed, email: str, name: str, role: Role, password_hash: str, created_at: datetime,
         provider_id: int | None = None) -> dict:
    return dict(email=email, name=name, password_hash=password_hash, role=role, phone=seed.phone(),
                provider_id=provider_id, is_provider_admin=provider_id is not None, active=True,
                created_at=created_at, email_confirmed_at=created_at)


# --- localities and staff ------------------------------------------------------------------------------------

def add_localities(seed: Seed) -> list[int]:
    rows = [dict(name=area.name, need_share=area.need_share) for area in AREAS]
    return seed.insert(Locality, rows, "Localities", returning=True)


def add_staff(seed: Seed) -> Staff:
    demo_hash = generate_password_hash(DEMO_PASSWORD)
    joined = seed.days_ago(400, 700)
    rows = [
        user(seed, "council@example.com", "Helen Carter", Role.COUNCIL, demo_hash, joined),
        user(seed, "trust@example.com", "David Osei", Role.TRUST, demo_hash, joined),
        user(seed, "admin@example.com", "Sam Patel", Role.ADMIN, demo_hash, joined),
        user(seed, "adults@example.com", "Ruth Adeyemi", Role.ADULTS, demo_hash, joined),
    ]
    _, trust_id, _, _ = seed.insert(User, rows, "Staff accounts", returning=True)
    return Staff(demo_hash, trust_id)


def add_provider_user(seed: Seed, staff: Staff, provider_id: int) -> None:
    """The demo provider account, for the provider of the demo family's first find, so its staff see a full session
    and who is coming."""
    seed.insert(User, [user(seed, "provider@example.com", "Grace Mensah", Role.PROVIDER, staff.demo_hash,
                            seed.days_ago(200, 400), provider_id=provider_id)], "Staff accounts")


# --- families and children -----------------------------------------------------------------------------------

def add_families(seed: Seed, children: int, locality_ids: list[int], staff: Staff) -> Families:
    """The demo parent and young person, then generated families until there are ``children`` children."""
    family_hash = generate_password_hash(secrets.token_urlsafe(16))  # nobody signs in as a generated family
    families = [_demo_parent(seed, locality_ids, staff), _demo_young_person(seed, locality_ids, staff),
                _demo_turning_18(seed, locality_ids, staff)]
    count = sum(len(kids) for _, kids in families)
    while count < children:
        user_row, kids = _family(seed, locality_ids, len(families), family_hash)
        families.append((user_row, kids))
        count += len(kids)
    user_ids = seed.insert(User, [user_row for user_row, _ in families], "Families", returning=True)
    rows = [child | {"parent_id": user_id} for user_id, (_, kids) in zip(user_ids, families) for child in kids]
    _add_register_consent(seed, rows)
    child_ids = seed.insert(Child, rows, "Children", returning=True)
    kids = [ChildPlan(child_id, row["parent_id"], row["first_name"], row["date_of_birth"],
                      locality_ids.index(row["locality_id"]), frozenset(row["needs"]), row["support_level"],
                      row["created_at"])
            for child_id, row in zip(child_ids, rows)]
    return Families(kids, *kids[:4], demo_family_ids=set(user_ids[:3]))


def _add_register_consent(seed: Seed, rows: list[dict]) -> None:
    """About 60% of families agreed to their child being named on the register of disabled children, most when
    they added the child, some later. The demo parent agreed for Zain but not (yet) for Layla, so the choice can be
    tried; the demo young person agreed. From a random stream of its own, so the rest of the area is unchanged."""
    rng = random.Random(RANDOM_SEED + 1)
    for number, row in enumerate(rows):
        consent = rng.random() < REGISTER_CONSENT_SHARE
        later = rng.random() < 0.3
        fraction = rng.random()
        if number < 3:  # Zain, Layla, Jordan
            consent = number != 1
        since = seed.now - row["created_at"]
        row["register_consent"] = consent
        row["register_consent_at"] = None if not consent else (
            row["created_at"] + since * fraction if later else row["created_at"] + min(since, timedelta(minutes=3)))


def _demo_parent(seed: Seed, locality_ids: list[int], staff: Staff) -> tuple[dict, list[dict]]:
    parent = user(seed, "parent@example.com", "Amira Khan", Role.PARENT_CARER, staff.demo_hash,
                  seed.days_ago(300, 400))
    younger = _child(seed, locality_ids, "Zain", "Khan", EAST, age=9, created_at=parent["created_at"]) | dict(
        needs=["autism", "communication"], support_level=SupportLevel.GROUP, has_ehc_plan=True,
        needs_notes="Finds loud, busy rooms hard; ear defenders help.",
        date_of_birth=_birthday(seed.today, 9, days_since=100))
    older = _child(seed, locality_ids, "Layla", "Khan", EAST, age=15, created_at=parent["created_at"]) | dict(
        needs=["health", "learning"], support_level=SupportLevel.ONE_TO_ONE, has_ehc_plan=True,
        needs_notes="Has epilepsy; rescue medication (buccal midazolam) is in their bag.",
        date_of_birth=_birthday(seed.today, 15, days_since=200))
    return parent, [younger, older]


def _demo_young_person(seed: Seed, locality_ids: list[int], staff: Staff) -> tuple[dict, list[dict]]:
    young_person = user(seed, "young.person@example.com", "Jordan Clarke", Role.YOUNG_PERSON, staff.demo_hash,
                        seed.days_ago(30, 90))
    me = _child(seed, locality_ids, "Jordan", "Clarke", SOUTH, age=17, created_at=young_person["created_at"]) | dict(
        needs=["autism", "semh"], is_account_holder=True, support_level=SupportLevel.GROUP,
        date_of_birth=_birthday(seed.today, 17, days_since=60))
    return young_person, [me]


def _demo_turning_18(seed: Seed, locality_ids: list[int], staff: Staff) -> tuple[dict, list[dict]]:
    """A parent whose son turns 18 next month (on the 10th): the trust and adult social care agreed his budget
    together, and he has overnight breaks booked on both sides of the birthday (demo/sessions.py, demo/money.py)."""
    parent = user(seed, "okafor@example.com", "Dee Okafor", Role.PARENT_CARER, staff.demo_hash, seed.days_ago(400, 500))
    first_of_next = (seed.today.replace(day=1) + timedelta(days=32)).replace(day=1)
    robin = _child(seed, locality_ids, "Robin", "Okafor", EAST, age=17, created_at=parent["created_at"]) | dict(
        needs=["autism", "learning"], support_level=SupportLevel.ONE_TO_ONE, has_ehc_plan=True,
        date_of_birth=birthday(first_of_next.replace(day=10), -18))
    return parent, [robin]


def _family(seed: Seed, locality_ids: list[int], number: int, password_hash: str) -> tuple[dict, list[dict]]:
    rng = seed.rng
    area = pick_area(seed)
    surname = rng.choice(SURNAMES)
    joined = seed.days_ago(60, 1000)
    if rng.random() < YOUNG_PERSON_SHARE:
        first = rng.choice(CHILD_NAMES)
        young_person = user(seed, _email(first, surname, number), f"{first} {surname}", Role.YOUNG_PERSON,
                            password_hash, joined)
        return young_person, [_child(seed, locality_ids, first, surname, area, rng.randint(16, 25), joined)
                              | {"is_account_holder": True}]
    first = rng.choice(WOMEN if rng.random() < 0.8 else MEN)  # most parent carers who sign up are mothers
    parent = user(seed, _email(first, surname, number), f"{first} {surname}", Role.PARENT_CARER, password_hash,
                  joined)
    names = rng.sample(CHILD_NAMES, rng.choices((1, 2, 3), (75, 21, 4))[0])
    ages = list(AGE_WEIGHTS)
    return parent, [_child(seed, locality_ids, name, surname, area, rng.choices(ages, list(AGE_WEIGHTS.values()))[0],
                           joined)
                    for name in names]


def _child(seed: Seed, locality_ids: list[int], first: str, last: str, area: int, age: int,
           created_at: datetime) -> dict:
    rng = seed.rng
    needs = seed.pick(NEED_WEIGHTS, rng.choices((1, 2, 3), (50, 35, 15))[0])
    complex_needs = bool(needs & {"health", "physical"})
    support = rng.choices(list(SupportLevel), (25, 25, 40, 10) if complex_needs else (60, 25, 14, 1))[0]
    born = _birthday(seed.today, age, days_since=rng.randrange(365))
    contacts, relations = rng.choice(EMERGENCY_CONTACTS)
    return dict(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        needs=sorted(needs),
        needs_notes=rng.choice(NEEDS_NOTES[rng.choice(sorted(needs))]) if rng.random() < 0.4 else None,
        has_ehc_plan=rng.random() < (0.55 if 4 <= age <= 19 else 0.15),
        locality_id=locality_ids[area],
        postcode=_postcode(seed, area),
        support_level=support,
        emergency_contact=f"{rng.choice(contacts)} {rng.choice(SURNAMES)} ({rng.choice(relations)}) {seed.phone()}",
        is_account_holder=False,
        # A baby born after the family joined was added later.
        created_at=max(created_at, datetime.combine(born, time(12), tzinfo=timezone.utc)),
    )


# --- assessments ---------------------------------------------------------------------------------------------

def add_assessments(seed: Seed, families: Families, staff: Staff, offers: list[OfferPlan],
                    also_approve: list[ChildPlan] = ()) -> set[int]:
    """Approve and refuse some children's assessments (``also_approve`` too: the children planned to stay overnight
    often), each saying how it came about, with the families' requests that led to them; and requests still open,
    some received, some taken by the trust's demo account (the demo parent's for Zain among them). Returns the ids of
    the children approved."""
    approved_count = round(len(families.kids) * APPROVED_SHARE)
    refused_count = round(len(families.kids) * REFUSED_SHARE)
    chosen = {kid.id for kid in also_approve}
    others = [kid for kid in families.kids if kid.parent_id not in families.demo_family_ids and kid.id not in chosen]
    # The trust assesses children with the most complex needs first (weighted sampling without replacement).
    ranked = sorted(others, key=lambda kid: seed.rng.random() ** (1 / _assessment_weight(kid)), reverse=True)
    first = max(approved_count - 1 - len(also_approve), 0)
    approved = [families.demo_older, families.demo_turning_18, *also_approve] + ranked[:first - 1]
    refused = ranked[first:first + refused_count]
    rows = []
    for kid, status in [(kid, AssessmentStatus.APPROVED) for kid in approved] + \
                       [(kid, AssessmentStatus.REFUSED) for kid in refused]:
        decided = seed.days_ago(14, 330)
        reason = seed.rng.choice(APPROVED_REASONS) if status is AssessmentStatus.APPROVED else REFUSED_REASON
        rows.append(dict(child_id=kid.id, status=status, reason=reason.format(name=kid.first_name),
                         recorded_by_id=staff.trust_id, decided_at=decided,
                         review_on=to_london(decided).date() + timedelta(days=365)))
    requests = Requests(seed, staff, offers)
    kids = approved + refused
    for kid, row in zip(kids, rows):
        if kid.id in chosen:  # assessed long enough ago for a year of overnight stays
            row["decided_at"] = requests.ago(280, 340)
            row["review_on"] = to_london(row["decided_at"]).date() + timedelta(days=365)
        if kid is families.demo_older and row["decided_at"] - kid.joined < timedelta(days=40):
            row["decided_at"] = kid.joined + timedelta(days=40)  # she asked from the portal, so after joining
            row["review_on"] = to_london(row["decided_at"]).date() + timedelta(days=365)
        requests.source(kid, row, family_asked=kid is families.demo_older)
    ids = seed.insert(Assessment, rows, "Assessments", returning=True)
    for kid, row, assessment_id in zip(kids, rows, ids):
        if row["source"] is AssessmentSource.REQUEST:
            requests.decided(kid, row["decided_at"], assessment_id)
    assessed = {kid.id for kid in kids}
    waiting = [kid for kid in families.kids if kid.parent_id not in families.demo_family_ids
               and kid.id not in assessed]
    opened = requests.rng.sample(waiting, min(len(waiting), max(4, round(len(families.kids) * OPEN_REQUEST_SHARE))))
    for number, kid in enumerate(opened):
        requests.open(kid, taken=number % 2 == 1)
    requests.open(families.demo_younger, taken=True, days=12, message=DEMO_REQUEST_MESSAGE)
    seed.insert(AssessmentRequest, requests.rows, "Assessment requests")
    return {kid.id for kid in approved}


class Requests:
    """How assessments came about, and the families' requests for them. From a random stream of its own, so the rest
    of the area is unchanged."""

    def __init__(self, seed: Seed, staff: Staff, offers: list[OfferPlan]):
        self.seed = seed
        self.rng = random.Random(RANDOM_SEED + 2)
        self.trust_id = staff.trust_id
        self.specialist = [offer for offer in offers if offer.tier is Tier.SPECIALIST]
        self.rows: list[dict] = []

    def ago(self, low: int, high: int) -> datetime:
        return self.seed.now - timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439))

    def source(self, kid: ChildPlan, row: dict, family_asked: bool = False) -> None:
        """The family asked (if they had an account a month before the decision), a professional referred the
        child, or an earlier decision was reviewed."""
        if family_asked:
            source = AssessmentSource.REQUEST
        elif row["decided_at"] - kid.joined < timedelta(days=30):
            source = AssessmentSource.REFERRAL  # the family joined the portal after the trust had the referral
        else:
            source = self.rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
        row.update(source=source, referred_by=None, referred_on=None)
        if source is AssessmentSource.REFERRAL:
            row.update(referred_by=self.rng.choice(REFERRERS),
                       referred_on=to_london(row["decided_at"] - timedelta(days=self.rng.randint(14, 60))).date())
        elif source is AssessmentSource.REVIEW and row["status"] is AssessmentStatus.APPROVED:
            row["reason"] = REVIEW_REASON.format(name=kid.first_name) + " " + row["reason"]

    def _offer_id(self, kid: ChildPlan, on: datetime) -> int | None:
        """Most families ask from a specialist break's page; the others from their assessments page."""
        age = age_on(kid.born, to_london(on).date())
        suitable = [offer for offer in self.specialist if offer.min_age <= age <= offer.max_age]
        return self.rng.choice(suitable).id if suitable and self.rng.random() < 0.75 else None

    def _row(self, kid: ChildPlan, created: datetime, handled: datetime | None, assessment_id: int | None,
             message: str | None = None) -> None:
        self.rows.append(dict(
            requested_by_id=kid.parent_id, child_id=kid.id, offer_id=self._offer_id(kid, created),
            message=message or self.rng.choice(REQUEST_MESSAGES).format(name=kid.first_name), created_at=created,
            assessment_id=assessment_id, handled_by_id=self.trust_id if handled else None, handled_since=handled))

    def decided(self, kid: ChildPlan, decided: datetime, assessment_id: int) -> None:
        created = max(kid.joined + timedelta(days=1), decided - timedelta(days=self.rng.uniform(20, 70)))
        handled = min(created + timedelta(days=self.rng.uniform(1, 8)), decided - timedelta(hours=1))
        self._row(kid, min(created, handled - timedelta(hours=1)), handled, assessment_id)

    def open(self, kid: ChildPlan, taken: bool, days: int | None = None, message: str | None = None) -> None:
        """Still open: received (waiting for someone to take it) or being assessed by the trust's demo account."""
        now = self.seed.now
        if days is not None:
            created = now - timedelta(days=days, hours=3)
        else:
            created = self.ago(10, 60) if taken else self.ago(1, 21)
        created = max(created, kid.joined + timedelta(hours=1))
        handled = min(created + timedelta(days=self.rng.uniform(1, 7)), now - timedelta(hours=1)) if taken else None
        self._row(kid, created, handled, None, message)


def _assessment_weight(kid: ChildPlan) -> float:
    weight = 4.0 if kid.support in (SupportLevel.ONE_TO_ONE, SupportLevel.TWO_TO_ONE) else 1.0
    return weight * (2 if kid.needs & {"health", "physical"} else 1)


def _birthday(today: date, age: int, days_since: int) -> date:
    """A date of birth that makes the child ``age`` today, with their last birthday ``days_since`` days ago."""
    last = today - timedelta(days=days_since)
    try:
        return last.replace(year=last.year - age)
    except ValueError:  # 29 February
        return last.replace(year=last.year - age, day=28)


def _email(first: str, last: str, number: int) -> str:
    return re.sub(r"[^a-z0-9.]", "", f"{first}.{last}{number}".lower()) + "@example.com"


def _postcode(seed: Seed, area: int) -> str:
    rng = seed.rng
    return (f"{rng.choice(AREAS[area].postcodes)} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}"
            f"{rng.choice(POSTCODE_LETTERS)}")
