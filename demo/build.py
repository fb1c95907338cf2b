"""Demo data: a Birmingham-sized area (or a small one) with a demo account for each role.

Run with ``flask --app portal seed-demo``. Everything comes from a fixed random seed and dates relative
to today, so two runs on the same day build the same area. Rows go in as Core bulk inserts in chunks:
100,000 sessions and bookings added as ORM objects one by one would take many minutes.
"""
from __future__ import annotations

import math
import random
import re
import secrets
import time as clock
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple

import click
from dateutil.easter import easter
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import (
    ACCESSIBILITY,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Child,
    Locality,
    Role,
    SupportLevel,
    User,
)
from portal.timeutil import LONDON, age_on, to_london, utcnow
from providers.models import (
    Body,
    Booking,
    BookingStatus,
    Category,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    ProviderStatus,
    Session,
    SessionStatus,
    Tier,
    offer_features,
    offer_needs,
)

from .common import CLOSED, PAST_DAYS, RANDOM_SEED, bulk_insert
from .money import add_money
from .statement import add_statement

DEMO_PASSWORD = "short-breaks-demo"


@dataclass(frozen=True)
class Scale:
    providers: int
    pending_providers: int
    offers: int
    sessions: int
    children: int
    bookings: int


SCALES = {
    "full": Scale(providers=300, pending_providers=5, offers=2_000, sessions=100_000, children=11_000,
                  bookings=100_000),
    "small": Scale(providers=6, pending_providers=1, offers=30, sessions=300, children=40, bookings=40),
}


# --- the area ---------------------------------------------------------------------------------------

class Area(NamedTuple):
    name: str
    need_share: int
    places: tuple[str, ...]
    postcodes: tuple[str, ...]


AREAS = (
    Area("North", 13,
         ("Erdington", "Kingstanding", "Sutton Coldfield", "Castle Vale", "Stockland Green", "Perry Common",
          "Great Barr", "Oscott"),
         ("B23", "B24", "B35", "B44", "B72", "B73", "B74", "B75", "B76")),
    Area("East", 40,
         ("Hodge Hill", "Ward End", "Alum Rock", "Stechford", "Yardley", "Sheldon", "Small Heath",
          "Bordesley Green", "Shard End", "Washwood Heath", "Acocks Green", "Tyseley", "Kitts Green"),
         ("B8", "B9", "B10", "B25", "B26", "B27", "B33", "B34", "B36")),
    Area("South", 22,
         ("Northfield", "Kings Norton", "Selly Oak", "Bournville", "Longbridge", "Hall Green", "Moseley",
          "Kings Heath", "Weoley Castle", "Billesley", "Stirchley", "Druids Heath"),
         ("B13", "B14", "B28", "B29", "B30", "B31", "B38")),
    Area("West and Central", 25,
         ("Edgbaston", "Ladywood", "Handsworth", "Aston", "Harborne", "Digbeth", "Nechells", "Lozells",
          "Winson Green", "Quinton", "Jewellery Quarter", "Sparkbrook", "Balsall Heath"),
         ("B1", "B4", "B5", "B6", "B7", "B12", "B15", "B16", "B17", "B18", "B19", "B20", "B21", "B32")),
)
EAST, SOUTH = 1, 2  # the demo family lives in East, the area with the most need

WOMEN = (
    "Amina Sarah Fatima Emma Nadia Claire Shazia Rebecca Aisha Gemma Priya Joanne Samina Lisa Michelle "
    "Yasmin Kelly Rukhsana Agnieszka Grace Hannah Sadia Leanne Nasreen Chloe Ruth Tanya Bushra Marcia"
).split()
MEN = "Imran David Tariq Paul Kwame Daniel Asif James Mohammed Lee Craig Bilal Tomasz Winston Gary Hamza".split()
CHILD_NAMES = (
    "Oliver Muhammad Amelia Noah Isla Zain Ava Leo Aaliyah Harry Maryam Jack Ibrahim Poppy Yusuf Freya "
    "Arlo Zara Alfie Hafsa Ethan Lily Musa Grace Theo Ayesha Jacob Mia Kai Eesa Ruby Adam Sofia Reuben "
    "Hannah Oscar Inaya Tyler Jasmine Mason Aisha Riley Safa Callum Nikola Amir Keira Josiah Hollie Ali"
).split()
SURNAMES = (
    "Khan Ahmed Hussain Ali Begum Smith Jones Williams Taylor Brown Davies Evans Patel Singh Kaur Sharma "
    "Mahmood Akhtar Iqbal Rahman Uddin Miah Campbell Clarke Thomas Walker Wright Robinson Green Hall Wood "
    "Morris Nowak Kowalski Mensah Okafor Adeyemi Osei Mohamed Abdi Hassan Farah Yusuf O'Connor Murphy "
    "Johnson Lewis Edwards Bibi Shah Chaudhry Bashir Grant Francis Reid Baker Turner Hughes Dhillon"
).split()
EMERGENCY_CONTACTS = ((WOMEN, ("grandmother", "aunt", "mum", "neighbour", "family friend")),
                      (MEN, ("grandfather", "uncle", "dad", "neighbour", "family friend")))

# Rough shares of need among disabled children, used to weight children's and offers' needs.
NEED_WEIGHTS = {"autism": 30, "learning": 22, "communication": 14, "adhd": 12, "semh": 8, "physical": 8,
                "health": 6, "hearing": 3, "vision": 3}
NEEDS_NOTES = {
    "autism": ("Finds loud, busy rooms hard; ear defenders help.",
               "Needs warning before changes to the routine; a visual timetable helps."),
    "learning": ("Understands short, simple sentences; Makaton helps.",),
    "communication": ("Non-verbal; uses a picture board and some Makaton.",),
    "adhd": ("Very active; needs movement breaks and clear, short instructions.",),
    "semh": ("Can become anxious with new people; a named key worker helps.",),
    "physical": ("Uses a wheelchair and needs a hoist for changing.", "Walks short distances with a frame."),
    "health": ("Has epilepsy; rescue medication (buccal midazolam) is in their bag.",
               "Fed by gastrostomy; staff need training to use the pump."),
    "hearing": ("Profoundly deaf; uses British Sign Language.", "Wears hearing aids; please face them when speaking."),
    "vision": ("Registered blind; uses a cane and needs a guide in new places.",),
}
# Most children the portal serves are of school age.
AGE_WEIGHTS = {age: 8 for age in range(5, 18)} | {0: 1, 1: 1, 2: 2, 3: 2, 4: 3, 18: 4, 19: 3,
                                                   20: 1, 21: 1, 22: 1, 23: 1, 24: 1, 25: 1}
YOUNG_PERSON_SHARE = 0.03  # accounts held by young people aged 16 to 25 themselves
APPROVED_SHARE = 0.12      # children with an approved social care assessment
REFUSED_SHARE = 0.015

APPROVED_REASONS = (
    "Assessment under section 17 completed. {name} needs 1:1 support at all times and the family needs "
    "regular overnight breaks to keep caring. Agreed by the resource panel.",
    "{name}'s needs cannot be met safely in universal or targeted breaks. Specialist day care and a sitting "
    "service agreed; personal budget set by the resource panel.",
    "The parent carer cannot go on caring without regular breaks. Overnight short breaks agreed as part of "
    "the child in need plan.",
)
REFUSED_REASON = ("{name}'s needs can be met through targeted breaks at present. The family has been told how to "
                  "ask for a review and how to complain.")


# --- providers and offers ---------------------------------------------------------------------------

PROVIDER_NAMES = {
    "sport": ("{place} Inclusive Sports Club", "{place} Ability Football Club", "{place} Wheelchair Sports Club",
              "{adjective} {noun} Sports Trust", "{place} Disability Sports Network"),
    "arts": ("{place} Community Arts", "{adjective} {noun} Arts Collective", "{noun} Theatre Company",
             "{place} Inclusive Music Project"),
    "youth": ("{place} Youth Project", "{place} Inclusive Youth Club", "{adjective} {noun} Youth Trust",
              "{place} Young People's Network"),
    "play": ("{adjective} {noun} Play Association", "{place} Adventure Playground", "{adjective} {noun} Family Support",
             "{place} Family Centre", "{adjective} {noun} Children's Charity"),
    "care": ("{tree} House Short Breaks", "{adjective} {noun} Care Services Ltd", "{tree} Lodge Children's Services",
             "{adjective} {noun} Support CIC", "{place} Home Care for Children Ltd"),
}
PROVIDER_KIND_WEIGHTS = {"sport": 20, "arts": 15, "youth": 15, "play": 25, "care": 25}
ADJECTIVES = "Bright Rainbow Little Sunny Open Golden Kind Bold Gentle Shining Happy Brave Together Rising".split()
NOUNS = ("Steps Acorns Stars Sparks Roots Wings Bridges Pathways Lanterns Kites Meadows Harbour Compass "
         "Footprints").split()
TREES = "Oakwood Willow Cedar Birch Rowan Maple Hazel Elm Holly Beech Aspen Larch Linden Alder".split()
EMAIL_BOXES = ("hello", "info", "bookings", "enquiries", "admin")

# What each kind of provider runs, by tier: clubs and charities run universal and targeted breaks,
# care providers run specialist ones.
KIND_CATEGORIES = {
    "sport": {Tier.UNIVERSAL: (Category.SPORT, Category.OUTDOOR), Tier.TARGETED: (Category.SPORT,)},
    "arts": {Tier.UNIVERSAL: (Category.ARTS, Category.FAMILY), Tier.TARGETED: (Category.ARTS,)},
    "youth": {Tier.UNIVERSAL: (Category.YOUTH_CLUB, Category.OUTDOOR, Category.FAMILY),
              Tier.TARGETED: (Category.YOUTH_CLUB, Category.HOLIDAY)},
    "play": {Tier.UNIVERSAL: (Category.FAMILY, Category.HOLIDAY, Category.AFTER_SCHOOL),
             Tier.TARGETED: (Category.AFTER_SCHOOL, Category.HOLIDAY)},
    "care": {Tier.TARGETED: (Category.AFTER_SCHOOL, Category.HOLIDAY, Category.DAY_CARE),
             Tier.SPECIALIST: (Category.OVERNIGHT, Category.SITTING, Category.DAY_CARE, Category.HOLIDAY)},
}

ACTIVITIES = {
    Category.AFTER_SCHOOL: ("After-School Club", "Homework and Play Club", "After-School Sensory Club",
                            "After-School Sports Club"),
    Category.HOLIDAY: ("Holiday Play Scheme", "Holiday Activity Club", "Holiday Sports Camp"),
    Category.YOUTH_CLUB: ("Inclusive Youth Club", "Teen Social", "Gaming Club", "Cooking and Life Skills Club"),
    Category.SPORT: ("Inclusive Football", "Wheelchair Basketball", "Swimming for All", "Sensory Swim", "Trampolining",
                     "Boccia", "Climbing Club", "Multi-sports", "Judo", "Cycling for All", "Frame Football"),
    Category.ARTS: ("Drama Club", "Music Makers", "Street Dance", "Singing and Signing", "Pottery and Clay",
                    "Film Club", "Creative Crafts", "Sensory Music"),
    Category.FAMILY: ("Family Fun Day", "Family Swim", "Stay and Play", "Farm Visit Day", "Family Sensory Session"),
    Category.OUTDOOR: ("Forest School", "Outdoor Adventure Day", "Canoeing Taster", "Gardening Club",
                       "Nature Explorers", "Bushcraft"),
    Category.SITTING: ("Sitting Service", "Home Sitting Service", "Sitting and Befriending"),
    Category.DAY_CARE: ("Inclusive Day Care", "Day Care Club"),
    Category.OVERNIGHT: ("Overnight Short Breaks", "Overnight Stays", "Overnight Stays with Nursing Care"),
}
SPECIALIST_ACTIVITIES = {
    Category.HOLIDAY: ("1:1 Holiday Play Scheme", "Specialist Holiday Club"),
    Category.DAY_CARE: ("1:1 Day Care", "Specialist Day Care", "Day Care with Nursing Support"),
}

AGE_RANGES = {
    Category.AFTER_SCHOOL: ((4, 11), (5, 11), (5, 14), (8, 16), (11, 16)),
    Category.HOLIDAY: ((5, 11), (5, 17), (8, 14), (11, 18), (5, 12)),
    Category.YOUTH_CLUB: ((11, 18), (13, 19), (14, 25), (16, 25), (11, 16)),
    Category.SPORT: ((5, 11), (8, 16), (5, 17), (11, 19), (14, 25), (6, 12)),
    Category.ARTS: ((5, 12), (8, 16), (11, 25), (7, 14), (13, 19)),
    Category.FAMILY: ((0, 17), (0, 25), (0, 11), (2, 11), (0, 5)),
    Category.OUTDOOR: ((8, 17), (11, 19), (5, 14), (10, 16), (16, 25)),
    Category.SITTING: ((0, 17), (2, 17), (5, 18), (0, 11)),
    Category.DAY_CARE: ((2, 11), (5, 17), (11, 19), (16, 25), (0, 5)),
    Category.OVERNIGHT: ((5, 17), (8, 18), (11, 18), (16, 25), (8, 13)),
}
CAPACITIES = {
    Category.AFTER_SCHOOL: (8, 16), Category.HOLIDAY: (10, 20), Category.YOUTH_CLUB: (10, 20),
    Category.SPORT: (8, 20), Category.ARTS: (8, 16), Category.FAMILY: (10, 20), Category.OUTDOOR: (8, 16),
    Category.SITTING: (4, 6), Category.DAY_CARE: (4, 10), Category.OVERNIGHT: (4, 8),
}
SPECIALIST_PRICES = {  # pence per session, paid from the child's personal budget
    Category.SITTING: (6_000, 10_000), Category.DAY_CARE: (9_000, 16_000),
    Category.HOLIDAY: (8_000, 15_000), Category.OVERNIGHT: (18_000, 25_000),
}
UNIVERSAL_PRICES = (200, 250, 300, 400, 500, 600, 750, 1_000)

VENUES = {
    Category.AFTER_SCHOOL: ("{surname} Special School, {place}", "{place} Primary School", "{place} Play Centre"),
    Category.HOLIDAY: ("{surname} Special School, {place}", "{place} Play Centre", "{place} Community Centre"),
    Category.YOUTH_CLUB: ("{place} Youth Centre", "{place} Community Centre"),
    Category.SPORT: ("{place} Leisure Centre", "{place} Wellbeing Centre", "{place} Community Sports Hub"),
    Category.ARTS: ("{place} Arts Centre", "{place} Library", "{place} Community Centre"),
    Category.FAMILY: ("{place} Park", "{place} Community Centre", "{place} City Farm"),
    Category.OUTDOOR: ("{place} Park", "{place} Nature Reserve", "{place} Outdoor Centre"),
    Category.SITTING: ("In your own home, anywhere in {locality}",),
    Category.DAY_CARE: ("{tree} Centre, {place}",),
    Category.OVERNIGHT: ("{tree} House, {place}",),
}
# (what it is, in a clause for the summary; a sentence for the description)
CATEGORY_COPY = {
    Category.AFTER_SCHOOL: ("play, games and a snack after school, with staff who know how to help.",
                            "Children are collected from school or dropped off by their families and spend the "
                            "afternoon playing, making things and winding down."),
    Category.HOLIDAY: ("full days of play, trips and activities in the school holidays.",
                       "Each day has a plan with quiet times built in, and there is a trip out most weeks."),
    Category.YOUTH_CLUB: ("a relaxed evening club to meet friends, play games and try new things.",
                          "Young people choose what happens: games, music, cooking, trips and just hanging out."),
    Category.SPORT: ("sessions led by qualified coaches who adapt every activity so everyone can take part.",
                     "Try a new sport, make friends and get active at your own pace."),
    Category.ARTS: ("creative sessions in a welcoming, accepting space.",
                    "Make, perform and play with others; there is a sharing for families at the end of each term."),
    Category.FAMILY: ("activities the whole family can enjoy together, brothers and sisters too.",
                      "Meet other families, try something new together and let staff help when you need a hand."),
    Category.OUTDOOR: ("time outdoors exploring, building and learning new skills.",
                       "Sessions run in most weathers; waterproofs and wellies are there to borrow."),
    Category.SITTING: ("a trained sitter who comes to your home so you can have time for yourself.",
                       "The same sitter comes each time so your child gets to know them, and your child can stay "
                       "somewhere familiar."),
    Category.DAY_CARE: ("a full day of care and activities with trained staff.",
                        "Staff follow your child's care plan and can give medication, personal care and feeds."),
    Category.OVERNIGHT: ("an overnight stay with trained care staff, so the family can rest.",
                         "Children arrive in the early evening, have tea and activities, and stay until after "
                         "breakfast the next day."),
}
STAFFING = {
    Tier.UNIVERSAL: "Staff work at 1 adult to 4 children, and parents and carers are welcome to stay.",
    Tier.TARGETED: "Staff work at 1 adult to 2 children and are trained in personal care.",
    Tier.SPECIALIST: ("Every child has 1:1 support from trained staff, including help with medication and "
                      "personal care."),
}
ELIGIBILITY = {
    Tier.UNIVERSAL: ("Open to any disabled child or young person aged {ages}. You do not need a diagnosis, "
                     "an EHC plan or an assessment.",),
    Tier.TARGETED: (
        "For children and young people aged {ages} who have an EHC plan or receive Disability Living Allowance "
        "(or Personal Independence Payment from 16).",
        "For children and young people aged {ages} with a diagnosis of autism or a learning disability who need "
        "more support than a universal club can give.",
        "For children and young people aged {ages} with physical or complex health needs who need help with "
        "personal care.",
    ),
    Tier.SPECIALIST: ("Needs an assessment by the children's trust. Places are for children and young people "
                      "aged {ages} whose assessment says they need specialist breaks.",),
}
CRITERIA_ARE_A_GUIDE = (" You do not need a social care assessment. If your child does not meet these criteria, "
                        "you can still ask for an assessment.")
HOW_TO_GET = {
    PaymentRoute.FREE: "Book a place online for each session you would like to come to.",
    PaymentRoute.PAY_PROVIDER: "Book a place online, then pay the provider {price} a session.",
    PaymentRoute.COUNCIL_FUNDED: ("Book a place online and confirm that your child meets the criteria. "
                                  "The council pays the provider for the place."),
    PaymentRoute.PERSONAL_BUDGET: ("Ask the children's trust for an assessment from this page. Once it is approved, "
                                   "book online; the cost comes from your child's personal budget or direct payment."),
}

# The offers the demo family finds first: in East, for ages around 9 and 15, and good for autism.
SHOWCASE = (
    (Tier.UNIVERSAL, Category.SPORT, (5, 12)),
    (Tier.UNIVERSAL, Category.ARTS, (7, 14)),
    (Tier.SPECIALIST, Category.OVERNIGHT, (11, 18)),
)


# --- when sessions happen ---------------------------------------------------------------------------

TERM, HOLIDAYS, ANY = "term", "holidays", "any"
WEEKDAYS, SAT, SUN, FRI = (0, 1, 2, 3, 4), 5, 6, 4


class Slot(NamedTuple):
    weekdays: tuple[int, ...]
    starts: time
    ends: time  # earlier than `starts` means the next morning (an overnight stay)
    when: str


SLOTS = {  # Europe/London times
    Category.AFTER_SCHOOL: (Slot(WEEKDAYS, time(15, 30), time(17, 30), TERM),),
    Category.HOLIDAY: (Slot(WEEKDAYS, time(9), time(15), HOLIDAYS),),
    Category.YOUTH_CLUB: (Slot(WEEKDAYS, time(18), time(20), TERM), Slot(WEEKDAYS, time(18, 30), time(20, 30), ANY)),
    Category.SPORT: (Slot((SAT,), time(10), time(12), ANY), Slot((SAT,), time(9), time(10, 30), ANY),
                     Slot(WEEKDAYS, time(17, 30), time(18, 30), TERM)),
    Category.ARTS: (Slot((SAT,), time(10), time(12), ANY), Slot((SAT,), time(13, 30), time(15, 30), ANY),
                    Slot(WEEKDAYS, time(16), time(17, 30), TERM)),
    Category.FAMILY: (Slot((SAT, SUN), time(10), time(14), ANY), Slot(WEEKDAYS, time(10), time(13), HOLIDAYS)),
    Category.OUTDOOR: (Slot((SAT, SUN), time(10), time(15), ANY), Slot(WEEKDAYS, time(10), time(15), HOLIDAYS)),
    Category.SITTING: (Slot(WEEKDAYS, time(18), time(21), ANY), Slot((SAT,), time(13), time(17), ANY)),
    Category.DAY_CARE: (Slot((SAT,), time(10), time(16), ANY), Slot(WEEKDAYS, time(9, 30), time(15, 30), HOLIDAYS)),
    Category.OVERNIGHT: (Slot((FRI, SAT), time(17), time(10), ANY), Slot(WEEKDAYS[:4], time(17), time(10), ANY)),
}


def _school_holidays(year: int) -> list[tuple[date, date]]:
    """England's school holidays, near enough for a demo (the real dates move a little each year)."""
    easter_sunday = easter(year)
    return [
        (date(year, 1, 1), date(year, 1, 2)),
        (_nth_monday(year, 2, 3), _nth_monday(year, 2, 3) + timedelta(days=4)),
        (easter_sunday - timedelta(days=6), easter_sunday + timedelta(days=5)),
        (_last_monday(year, 5), _last_monday(year, 5) + timedelta(days=4)),
        (date(year, 7, 22), date(year, 9, 1)),
        (_last_monday(year, 10), _last_monday(year, 10) + timedelta(days=4)),
        (date(year, 12, 20), date(year, 12, 31)),
    ]


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


class Calendar:
    """The days in the demo's window, by weekday and by whether schools are open."""

    def __init__(self, first: date, last: date):
        holidays = {start + timedelta(days=n)
                    for year in range(first.year, last.year + 1)
                    for start, end in _school_holidays(year)
                    for n in range((end - start).days + 1)}
        self._days: dict[tuple[int, str], list[date]] = defaultdict(list)
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            if (day.month, day.day) in CLOSED:
                continue
            for when in (ANY, HOLIDAYS if day in holidays else TERM):
                self._days[(day.weekday(), when)].append(day)

    def days(self, weekdays: tuple[int, ...], when: str) -> list[date]:
        return sorted(day for weekday in weekdays for day in self._days[(weekday, when)])


# --- what is planned in memory before it is inserted --------------------------------------------------

class ProviderPlan(NamedTuple):
    id: int
    kind: str
    area: int
    weight: float


@dataclass(eq=False, slots=True)
class OfferPlan:
    tier: Tier
    category: Category
    provider_id: int
    area: int
    min_age: int
    max_age: int
    needs: frozenset[str]
    price_pence: int
    capacity: int
    slot: Slot
    weekdays: tuple[int, ...]
    popularity: float
    id: int = 0


class ChildPlan(NamedTuple):
    id: int
    parent_id: int
    first_name: str
    born: date
    area: int
    needs: frozenset[str]
    support: SupportLevel


@dataclass(eq=False, slots=True)
class SessionPlan:
    offer: OfferPlan
    day: date  # the London date it starts on
    starts_at: datetime
    ends_at: datetime
    capacity: int
    cancelled: bool
    wanted: int = 0
    must_fill: bool = False
    booked: list[ChildPlan] = field(default_factory=list)
    id: int = 0


# --- building ---------------------------------------------------------------------------------------

def build(size: str = "full", reset: bool = True, echo: Callable[[str], None] = print) -> None:
    """Fill the database with a demo area of the given size and commit."""
    started = clock.perf_counter()
    if reset:
        _empty_database()
        echo("Emptied the database.")
    else:
        _check_no_demo_data()
    counts = DemoArea(SCALES[size], echo).build()
    db.session.commit()
    echo(f"Built the {size} demo area in {clock.perf_counter() - started:.0f} seconds: "
         + ", ".join(f"{count:,} {name}" for name, count in counts.items()) + ".")
    echo(f"Sign in as parent@, young.person@, provider@, council@, trust@ or admin@example.com "
         f"with the password {DEMO_PASSWORD}.")


def _empty_database() -> None:
    tables = db.metadata.sorted_tables
    if db.session.get_bind().dialect.name == "postgresql":
        preparer = db.session.get_bind().dialect.identifier_preparer
        names = ", ".join(preparer.format_table(table) for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # A statement version points at the one it started from; SQLite checks that row by row.
        db.session.execute(text("UPDATE statements SET based_on_id = NULL"))
        for table in reversed(tables):
            db.session.execute(table.delete())


def _check_no_demo_data() -> None:
    names = [area.name for area in AREAS]
    if db.session.scalar(select(Locality.id).where(Locality.name.in_(names)).limit(1)):
        raise click.ClickException("The database already has the demo localities; "
                                   "run seed-demo with --reset to rebuild it.")


class DemoArea:
    def __init__(self, scale: Scale, echo: Callable[[str], None]):
        self.scale = scale
        self.echo = echo
        self.rng = random.Random(RANDOM_SEED)
        self.now = utcnow()
        self.today = to_london(self.now).date()
        self.counts: dict[str, int] = {}

    def build(self) -> dict[str, int]:
        self._add_localities()
        self._add_staff()
        self._add_providers()
        self._add_offers()
        self._add_provider_user()
        self._add_families()
        self._add_assessments()
        self._plan_sessions()
        self._plan_bookings()
        self._add_sessions_and_bookings()
        self.counts |= add_money(self.echo)
        self.counts |= add_statement(self.echo)
        return self.counts

    # -- helpers

    def _insert(self, model, rows: list[dict], label: str, returning: bool = False) -> list[int]:
        return bulk_insert(model, rows, label, self.counts, self.echo, returning=returning)

    def _area(self) -> int:
        return self.rng.choices(range(len(AREAS)), [area.need_share for area in AREAS])[0]

    def _pick(self, weights: dict[str, int], k: int) -> set[str]:
        picked: set[str] = set()
        while len(picked) < k:
            picked.add(self.rng.choices(list(weights), list(weights.values()))[0])
        return picked

    def _days_ago(self, low: int, high: int) -> datetime:
        return self.now - timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439))

    def _phone(self, mobile: bool = True) -> str:
        # Ofcom's ranges for drama, so no real person is ever rung.
        return f"07700 900{self.rng.randrange(1000):03d}" if mobile else f"0121 496 0{self.rng.randrange(1000):03d}"

    def _user(self, email: str, name: str, role: Role, password_hash: str, created_at: datetime,
              provider_id: int | None = None) -> dict:
        return dict(email=email, name=name, password_hash=password_hash, role=role, phone=self._phone(),
                    provider_id=provider_id, is_provider_admin=provider_id is not None, active=True,
                    created_at=created_at)

    # -- localities and staff

    def _add_localities(self) -> None:
        rows = [dict(name=area.name, need_share=area.need_share) for area in AREAS]
        self.locality_ids = self._insert(Locality, rows, "Localities", returning=True)

    def _add_staff(self) -> None:
        self.demo_hash = generate_password_hash(DEMO_PASSWORD)  # scrypt is slow: hash once, reuse
        joined = self._days_ago(400, 700)
        rows = [
            self._user("council@example.com", "Helen Carter", Role.COUNCIL, self.demo_hash, joined),
            self._user("trust@example.com", "David Osei", Role.TRUST, self.demo_hash, joined),
            self._user("admin@example.com", "Sam Patel", Role.ADMIN, self.demo_hash, joined),
        ]
        _, self.trust_id, _ = self._insert(User, rows, "Staff accounts", returning=True)

    # -- providers and offers

    def _add_providers(self) -> None:
        kinds = list(KIND_CATEGORIES)  # one of each kind first, so even the small area has every tier
        kinds += self.rng.choices(list(PROVIDER_KIND_WEIGHTS), list(PROVIDER_KIND_WEIGHTS.values()),
                                  k=self.scale.providers - len(kinds))
        names: set[str] = set()
        plans, rows = [], []
        for number, kind in enumerate(kinds):
            area = self._area()
            name = self._provider_name(kind, area, names)
            pending = number >= self.scale.providers - self.scale.pending_providers
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
            rows.append(dict(
                name=name,
                status=ProviderStatus.PENDING if pending else ProviderStatus.APPROVED,
                email=f"{self.rng.choice(EMAIL_BOXES)}@{slug}.example.org",
                phone=self._phone(mobile=self.rng.random() < 0.3),
                website=f"https://www.{slug}.example.org",
                charity_number=str(self.rng.randint(1_000_000, 1_199_999)),
                # Most policies run for months yet; a few lapse within 30 days, so the warning shows.
                insurance_expires_on=self.today + timedelta(days=self.rng.choice([10, 25] + [120] * 3 + [300] * 10)),
                safeguarding_lead=f"{self.rng.choice(WOMEN + MEN)} {self.rng.choice(SURNAMES)}",
                dbs_policy_confirmed=True,
                created_at=self._days_ago(1, 20) if pending else self._days_ago(30, 6 * 365),
            ))
            # Pending providers are waiting for the council's approval, so they publish nothing yet.
            plans.append(None if pending else (kind, area, self.rng.lognormvariate(0, 0.8)))
        ids = self._insert(Provider, rows, "Providers", returning=True)
        self.providers = [ProviderPlan(provider_id, *plan) for provider_id, plan in zip(ids, plans) if plan is not None]
        # The approval queue reads when each provider asked for approval from the audit trail, as sign-up records it.
        self._insert(AuditEvent, [
            dict(at=row["created_at"], actor_id=None, action="provider_signed_up", subject_type="Provider",
                 subject_id=provider_id, reason=None, details={"approving_body": Body.COUNCIL.value})
            for provider_id, row, plan in zip(ids, rows, plans) if plan is None
        ], "Audit events")

    def _provider_name(self, kind: str, area: int, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(PROVIDER_NAMES[kind]).format(
                place=self.rng.choice(AREAS[area].places), adjective=self.rng.choice(ADJECTIVES),
                noun=self.rng.choice(NOUNS), tree=self.rng.choice(TREES))
            if name not in taken:
                taken.add(name)
                return name

    def _add_offers(self) -> None:
        count = self.scale.offers
        universal, targeted = round(count * 0.45), round(count * 0.35)
        specialist = count - universal - targeted
        tiers = [Tier.UNIVERSAL] * universal + [Tier.TARGETED] * targeted + [Tier.SPECIALIST] * specialist
        for tier, _, _ in SHOWCASE:
            tiers.remove(tier)
        self.rng.shuffle(tiers)
        planned = [self._offer(tier, category, ages=ages, area=EAST, need="autism")
                   for tier, category, ages in SHOWCASE]
        planned += [self._offer(tier) for tier in tiers]
        self.offers: list[OfferPlan] = [plan for plan, _ in planned]
        ids = self._insert(Offer, [row for _, row in planned], "Offers", returning=True)
        need_rows, feature_rows = [], []
        for offer_id, plan in zip(ids, self.offers):
            plan.id = offer_id
            need_rows += [dict(offer_id=offer_id, need=need) for need in sorted(plan.needs)]
            feature_rows += [dict(offer_id=offer_id, feature=feature) for feature in self._features(plan)]
        self._insert(offer_needs, need_rows, "Offer needs")
        self._insert(offer_features, feature_rows, "Offer features")

    def _offer(self, tier: Tier, category: Category | None = None, ages: tuple[int, int] | None = None,
               area: int | None = None, need: str | None = None) -> tuple[OfferPlan, dict]:
        rng = self.rng
        providers = [p for p in self.providers if category in KIND_CATEGORIES[p.kind].get(tier, ())
                     or (category is None and tier in KIND_CATEGORIES[p.kind])]
        provider = rng.choices(providers, [p.weight for p in providers])[0]
        category = category or rng.choice(KIND_CATEGORIES[provider.kind][tier])
        min_age, max_age = ages or rng.choice(AGE_RANGES[category])
        if area is None:
            area = provider.area if rng.random() < 0.8 else self._area()
        needs = self._pick(NEED_WEIGHTS, rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0])
        if need:
            needs.add(need)
        price, route = self._price(tier, category)
        low, high = CAPACITIES[category]
        slot = rng.choice(SLOTS[category])
        # A holiday scheme runs every weekday of the holiday; clubs meet on one or two days a week.
        weekdays = slot.weekdays if slot.when == HOLIDAYS else tuple(sorted(
            rng.sample(slot.weekdays, min(len(slot.weekdays), rng.choice((1, 1, 2))))))
        plan = OfferPlan(tier=tier, category=category, provider_id=provider.id, area=area, min_age=min_age,
                         max_age=max_age, needs=frozenset(needs), price_pence=price,
                         capacity=rng.randint(low, min(high, 10) if tier is Tier.SPECIALIST else high),
                         slot=slot, weekdays=weekdays, popularity=rng.lognormvariate(0, 0.5))
        place = rng.choice(AREAS[area].places)
        activities = SPECIALIST_ACTIVITIES.get(category, ACTIVITIES[category]) if tier is Tier.SPECIALIST \
            else ACTIVITIES[category]
        activity = rng.choice(activities)
        title = f"{activity} in {place}" if rng.random() < 0.7 else f"{place} {activity}"
        ages_text = f"{min_age} to {max_age}"
        what, more = CATEGORY_COPY[category]
        eligibility = rng.choice(ELIGIBILITY[tier]).format(ages=ages_text)
        if tier is Tier.TARGETED:
            eligibility += CRITERIA_ARE_A_GUIDE
        row = dict(
            provider_id=provider.id,
            title=title,
            summary=f"{activity} for disabled children and young people aged {ages_text}: {what}",
            description=" ".join((more, STAFFING[tier], "Tell us about your child's needs when you book, "
                                  "so that we can plan their support.")),
            tier=tier,
            category=category,
            min_age=min_age,
            max_age=max_age,
            locality_id=self.locality_ids[area],
            venue=rng.choice(VENUES[category]).format(
                place=place, surname=rng.choice(SURNAMES).replace("'", ""), tree=rng.choice(TREES),
                locality=AREAS[area].name),
            eligibility=eligibility,
            how_to_get=HOW_TO_GET[route].format(price=f"£{price / 100:.2f}"),
            price_pence=price,
            payment_route=route,
            cancel_cutoff_hours=48 if tier is Tier.SPECIALIST else rng.choice((24, 24, 48)),
            status=OfferStatus.PUBLISHED,
            created_at=self._days_ago(60, 3 * 365),
        )
        return plan, row

    def _price(self, tier: Tier, category: Category) -> tuple[int, PaymentRoute]:
        if tier is Tier.UNIVERSAL:
            if self.rng.random() < 0.6:
                return 0, PaymentRoute.FREE
            return self.rng.choice(UNIVERSAL_PRICES), PaymentRoute.PAY_PROVIDER
        if tier is Tier.TARGETED:
            route = PaymentRoute.COUNCIL_FUNDED if self.rng.random() < 0.7 else PaymentRoute.PAY_PROVIDER
            return self.rng.randrange(1_500, 4_501, 250), route
        low, high = SPECIALIST_PRICES[category]
        return self.rng.randrange(low, high + 1, 500), PaymentRoute.PERSONAL_BUDGET

    def _features(self, offer: OfferPlan) -> list[str]:
        if offer.category is Category.SITTING:  # in the family's own home
            return ["bsl"] if "hearing" in offer.needs else []
        features = set(self.rng.sample(list(ACCESSIBILITY), self.rng.randint(2, 5)))
        if "physical" in offer.needs or offer.tier is Tier.SPECIALIST:
            features |= {"step_free", "accessible_toilet", "hoist"}
        if "autism" in offer.needs:
            features.add("quiet_space")
        if "hearing" in offer.needs:
            features.add(self.rng.choice(("bsl", "hearing_loop")))
        return sorted(features)

    # -- families and children

    def _add_families(self) -> None:
        family_hash = generate_password_hash(secrets.token_urlsafe(16))  # nobody signs in as a generated family
        families = [self._demo_parent(), self._demo_young_person()]
        children = sum(len(kids) for _, kids in families)
        while children < self.scale.children:
            user, kids = self._family(len(families), family_hash)
            families.append((user, kids))
            children += len(kids)
        user_ids = self._insert(User, [user for user, _ in families], "Families", returning=True)
        rows = [child | {"parent_id": user_id} for user_id, (_, kids) in zip(user_ids, families) for child in kids]
        child_ids = self._insert(Child, rows, "Children", returning=True)
        self.kids = [ChildPlan(child_id, row["parent_id"], row["first_name"], row["date_of_birth"],
                         self.locality_ids.index(row["locality_id"]), frozenset(row["needs"]), row["support_level"])
                     for child_id, row in zip(child_ids, rows)]
        self.demo_younger, self.demo_older, self.demo_young_person = self.kids[:3]
        self.demo_family_ids = set(user_ids[:2])  # their bookings and assessments are chosen by hand

    def _add_provider_user(self) -> None:
        # The provider of the demo family's first find, so its staff see a full session and who is coming.
        self._insert(User, [self._user("provider@example.com", "Grace Mensah", Role.PROVIDER, self.demo_hash,
                                       self._days_ago(200, 400), provider_id=self.offers[0].provider_id)],
                     "Staff accounts")

    def _demo_parent(self) -> tuple[dict, list[dict]]:
        user = self._user("parent@example.com", "Amira Khan", Role.PARENT_CARER, self.demo_hash,
                          self._days_ago(300, 400))
        younger = self._child("Zain", "Khan", EAST, age=9, created_at=user["created_at"]) | dict(
            needs=["autism", "communication"], support_level=SupportLevel.GROUP, has_ehc_plan=True,
            needs_notes="Finds loud, busy rooms hard; ear defenders help.",
            date_of_birth=_birthday(self.today, 9, days_since=100))
        older = self._child("Layla", "Khan", EAST, age=15, created_at=user["created_at"]) | dict(
            needs=["health", "learning"], support_level=SupportLevel.ONE_TO_ONE, has_ehc_plan=True,
            needs_notes="Has epilepsy; rescue medication (buccal midazolam) is in their bag.",
            date_of_birth=_birthday(self.today, 15, days_since=200))
        return user, [younger, older]

    def _demo_young_person(self) -> tuple[dict, list[dict]]:
        user = self._user("young.person@example.com", "Jordan Clarke", Role.YOUNG_PERSON, self.demo_hash,
                          self._days_ago(30, 90))
        me = self._child("Jordan", "Clarke", SOUTH, age=17, created_at=user["created_at"]) | dict(
            needs=["autism", "semh"], is_account_holder=True, support_level=SupportLevel.GROUP,
            date_of_birth=_birthday(self.today, 17, days_since=60))
        return user, [me]

    def _family(self, number: int, password_hash: str) -> tuple[dict, list[dict]]:
        rng = self.rng
        area = self._area()
        surname = rng.choice(SURNAMES)
        joined = self._days_ago(60, 1000)
        if rng.random() < YOUNG_PERSON_SHARE:
            first = rng.choice(CHILD_NAMES)
            user = self._user(_email(first, surname, number), f"{first} {surname}", Role.YOUNG_PERSON,
                              password_hash, joined)
            return user, [self._child(first, surname, area, rng.randint(16, 25), joined) | {"is_account_holder": True}]
        first = rng.choice(WOMEN if rng.random() < 0.8 else MEN)  # most parent carers who sign up are mothers
        user = self._user(_email(first, surname, number), f"{first} {surname}", Role.PARENT_CARER,
                          password_hash, joined)
        names = rng.sample(CHILD_NAMES, rng.choices((1, 2, 3), (75, 21, 4))[0])
        ages = list(AGE_WEIGHTS)
        return user, [self._child(name, surname, area, rng.choices(ages, list(AGE_WEIGHTS.values()))[0], joined)
                      for name in names]

    def _child(self, first: str, last: str, area: int, age: int, created_at: datetime) -> dict:
        rng = self.rng
        needs = self._pick(NEED_WEIGHTS, rng.choices((1, 2, 3), (50, 35, 15))[0])
        complex_needs = bool(needs & {"health", "physical"})
        support = rng.choices(list(SupportLevel), (25, 25, 40, 10) if complex_needs else (60, 25, 14, 1))[0]
        born = _birthday(self.today, age, days_since=rng.randrange(365))
        contacts, relations = rng.choice(EMERGENCY_CONTACTS)
        return dict(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            needs=sorted(needs),
            needs_notes=rng.choice(NEEDS_NOTES[rng.choice(sorted(needs))]) if rng.random() < 0.4 else None,
            has_ehc_plan=rng.random() < (0.55 if 4 <= age <= 19 else 0.15),
            locality_id=self.locality_ids[area],
            postcode=_postcode(rng, area),
            support_level=support,
            emergency_contact=(f"{rng.choice(contacts)} {rng.choice(SURNAMES)} ({rng.choice(relations)}) "
                               f"{self._phone()}"),
            is_account_holder=False,
            # A baby born after the family joined was added later.
            created_at=max(created_at, datetime.combine(born, time(12), tzinfo=timezone.utc)),
        )

    def _add_assessments(self) -> None:
        approved_count = round(len(self.kids) * APPROVED_SHARE)
        refused_count = round(len(self.kids) * REFUSED_SHARE)
        others = [kid for kid in self.kids if kid.parent_id not in self.demo_family_ids]
        # The trust assesses children with the most complex needs first (weighted sampling without replacement).
        ranked = sorted(others, key=lambda kid: self.rng.random() ** (1 / _assessment_weight(kid)), reverse=True)
        approved = [self.demo_older] + ranked[:approved_count - 1]
        refused = ranked[approved_count - 1:approved_count - 1 + refused_count]
        rows = []
        for kid, status in [(kid, AssessmentStatus.APPROVED) for kid in approved] + \
                           [(kid, AssessmentStatus.REFUSED) for kid in refused]:
            decided = self._days_ago(14, 330)
            reason = self.rng.choice(APPROVED_REASONS) if status is AssessmentStatus.APPROVED else REFUSED_REASON
            rows.append(dict(child_id=kid.id, status=status, reason=reason.format(name=kid.first_name),
                             recorded_by_id=self.trust_id, decided_at=decided,
                             review_on=to_london(decided).date() + timedelta(days=365)))
        self._insert(Assessment, rows, "Assessments")
        self.assessed_ids = {kid.id for kid in approved}

    # -- sessions

    def _plan_sessions(self) -> None:
        self.echo("Planning sessions...")
        calendar = Calendar(self.today - timedelta(days=PAST_DAYS), self.today + timedelta(days=364))
        days = [calendar.days(offer.weekdays, offer.slot.when) for offer in self.offers]
        share = self.scale.sessions / sum(map(len, days))
        quotas = [min(len(d), int(len(d) * share)) for d in days]
        spare = [n for n, d in enumerate(days) if quotas[n] < len(d)]
        for n in self.rng.sample(spare, min(len(spare), self.scale.sessions - sum(quotas))):
            quotas[n] += 1
        self.sessions: list[SessionPlan] = []
        self.sessions_of: dict[OfferPlan, list[SessionPlan]] = {}
        for offer, dates, quota in zip(self.offers, days, quotas):
            # Spread each offer's sessions evenly over the year rather than bunching them at the start.
            planned = [self._session(offer, dates[n * len(dates) // quota]) for n in range(quota)]
            self.sessions_of[offer] = planned
            self.sessions += planned

    def _session(self, offer: OfferPlan, day: date) -> SessionPlan:
        starts = datetime.combine(day, offer.slot.starts, tzinfo=LONDON)
        ends_day = day + timedelta(days=1) if offer.slot.ends <= offer.slot.starts else day
        ends = datetime.combine(ends_day, offer.slot.ends, tzinfo=LONDON)
        return SessionPlan(offer=offer, day=day, starts_at=starts.astimezone(timezone.utc),
                           ends_at=ends.astimezone(timezone.utc), capacity=offer.capacity,
                           cancelled=self.rng.random() < 0.005)

    # -- bookings

    def _plan_bookings(self) -> None:
        self.echo("Planning bookings...")
        self._set_demand()
        self._book_demo_family()
        everyone, assessed = defaultdict(list), defaultdict(list)
        for kid in self.kids:
            if kid.parent_id in self.demo_family_ids:
                continue
            key = (kid.area, age_on(kid.born, self.today))
            everyone[key].append(kid)
            if kid.id in self.assessed_ids:
                assessed[key].append(kid)
        busy: set[tuple[int, date]] = set()  # a child has at most one break a day
        for offer, sessions in self.sessions_of.items():
            index = assessed if offer.tier is Tier.SPECIALIST else everyone
            local = _pool(offer, index, [offer.area])
            for session in sessions:
                if session.must_fill:
                    # A popular session draws families from across the whole area.
                    self._fill(session, _pool(offer, index, range(len(AREAS)), match_needs=False), busy)
                    # A small area may not have enough children of the right age to fill it.
                    session.capacity = len(session.booked)
                elif not session.cancelled:
                    self._fill(session, local, busy)

    def _set_demand(self) -> None:
        """How many places each session should have booked: near sessions fill up, far ones barely start."""
        demand = []
        for session in self.sessions:
            days_ahead = (session.day - self.today).days
            recency = 0.8 if days_ahead < 0 else math.exp(-days_ahead / 30) + 0.02
            demand.append(0.0 if session.cancelled else session.capacity * session.offer.popularity * recency)
        scale = self.scale.bookings / sum(demand)
        for session, wanted in zip(self.sessions, demand):
            session.wanted = min(session.capacity, int(wanted * scale + self.rng.random()))

    def _book_demo_family(self) -> None:
        soon = self.now + timedelta(days=2)

        def upcoming(offer: OfferPlan, kid: ChildPlan) -> list[SessionPlan]:
            return [s for s in self.sessions_of[offer] if s.starts_at > soon and not s.cancelled
                    and offer.min_age <= age_on(kid.born, s.day) <= offer.max_age]

        full, with_places = upcoming(self.offers[0], self.demo_younger)[:2]
        full.must_fill = True  # shows the waiting list
        with_places.wanted = min(with_places.wanted, with_places.capacity - 2)
        for offer, kid in ((self.offers[1], self.demo_younger), (self.offers[2], self.demo_older)):
            session = upcoming(offer, kid)[0]
            session.booked.append(kid)

    def _fill(self, session: SessionPlan, pool: list[ChildPlan], busy: set[tuple[int, date]]) -> None:
        offer = session.offer
        wanted = session.capacity if session.must_fill else session.wanted
        on_it = {kid.id for kid in session.booked}
        for _ in range(10 * wanted):
            if len(session.booked) >= wanted or not pool:
                return
            kid = pool[self.rng.randrange(len(pool))]
            if kid.id in on_it or (kid.id, session.day) in busy \
                    or not offer.min_age <= age_on(kid.born, session.day) <= offer.max_age:
                continue
            session.booked.append(kid)
            on_it.add(kid.id)
            busy.add((kid.id, session.day))

    def _add_sessions_and_bookings(self) -> None:
        rows = [dict(offer_id=s.offer.id, starts_at=s.starts_at, ends_at=s.ends_at, weekday=s.day.weekday(),
                     capacity=s.capacity, places_taken=len(s.booked),
                     status=SessionStatus.CANCELLED if s.cancelled else SessionStatus.OPEN)
                for s in self.sessions]
        for session, session_id in zip(self.sessions, self._insert(Session, rows, "Sessions", returning=True)):
            session.id = session_id
        bookings = []
        for session in self.sessions:
            offer = session.offer
            for kid in session.booked:
                booked_at = min(session.starts_at, self.now) - timedelta(hours=self.rng.uniform(2, 24 * 40))
                bookings.append(dict(
                    session_id=session.id, child_id=kid.id, is_carer_place=False, booked_by_id=kid.parent_id,
                    group_ref=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                    status=BookingStatus.CONFIRMED, funding="free" if offer.price_pence == 0 else "pay_provider",
                    price_pence=offer.price_pence, declared_meets_criteria=offer.tier is Tier.TARGETED,
                    created_at=booked_at, cancelled_at=None, cancel_reason=None,
                ))
        self._insert(Booking, bookings, "Bookings")


def _pool(offer: OfferPlan, index: dict[tuple[int, int], list[ChildPlan]], areas,
          match_needs: bool = True) -> list[ChildPlan]:
    """Children who could go: in the area, about the right age (checked exactly per session), ideally with
    a need the offer supports."""
    # A child a year too young today may have had a birthday by the session.
    kids = [kid for area in areas for age in range(max(offer.min_age - 1, 0), offer.max_age + 1)
            for kid in index[(area, age)]]
    matching = [kid for kid in kids if not offer.needs.isdisjoint(kid.needs)] if match_needs else []
    return matching or kids


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


def _postcode(rng: random.Random, area: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"  # the letters used in the second half of a postcode
    return f"{rng.choice(AREAS[area].postcodes)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
