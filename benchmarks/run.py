"""Throughput and latency of the portal under gunicorn, driven over HTTP by several client processes.

    .venv/bin/python benchmarks/run.py [--workers 4] [--duration 10] [--size full|small|national]
                                       [--database-url URL] [--clients N] [--threads N] [--only WORDS]

By default the database is SQLite under benchmarks/.data/ (one file per demo size), migrated with
``flask --app portal db upgrade`` and filled with ``flask --app portal seed-demo --size SIZE`` the first
time. With --database-url (e.g. postgresql://postgres@127.0.0.1:5432/bench) the database is migrated,
and seeded only if it has no demo data yet (or with --reseed).

The demo families' passwords are random, so the script adds its own families (bench-family-N@example.com,
one child aged 10 each) through the app's models before it starts the server, and signs them in over
HTTP. Every booking request is a real booking of a free place: each run first deletes the bookings the
benchmark families made in earlier runs, so the data stays the same from run to run. Besides single bookings it
books series in one go (up to four sessions of a weekly club in one request, POST /series/<id>/book/check), and
after the run it recounts every session the families booked on from its bookings and prints how many are
oversold (there should be none).

As in production, the app processes only write each booking's confirmation email to the outbox and queue it
(JOBS_WORKER_IN_PROCESS=0; set it to 1 to have the server's own threads send them during the run, as the
development server does). After the run, one job worker's work is measured on its own: it sends the waiting
emails, calendar files and all, over SMTP to a local server that keeps nothing, and the emails per second are
printed beside the bookings per second. A client puts back its session cookie after each booking, as a browser
following the redirect to the confirmation would (the page shows the confirmation and takes it out of the cookie).

It also measures the Open Referral UK feed's /services list, an aggregator paging through it.

The portal keeps anonymous public pages (portal/page_cache.py), so the repeated search and feed pages above are
answered from that cache after their first time, as they would be in production. Two more lines measure the work
behind a page that is not kept: thousands of different searches, and different feed pages, none asked twice in a
run. PAGE_CACHE_SECONDS=0 in the environment turns the cache off for the whole run.

It also measures the commissioner dashboard (GET /money/dashboard) signed in as the demo council and trust
commissioners (council@ and trust@example.com, the seed's demo password), whose figures come from the ledger's
roll-ups: the full demo year has over 500,000 ledger lines. The target is a p99 under 300 ms. Booking
requests use free and pay-the-provider places only, so the benchmark never moves money in the ledger.

And the commissioners' insight (#13), signed in as the demo council commissioner: fill and uptake and unmet demand,
each page and its CSV. The target is a median under 300 ms. Their figures are worked out from the year's sessions
and bookings once, then kept (portal.page_cache.remember) until a session changes (or for a minute): the
first request of each pays for the working out, and is in the figures.

It prints figures only: requests/s, p50 and p99 latency, and the throughput relative to /healthz measured
in the same run. Client processes and gunicorn share the machine's CPUs, so treat the figures as relative.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pyotp
import requests

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
sys.path.insert(0, str(ROOT))

from tests.live_server import _free_port as free_port, live_server  # noqa: E402  (no pytest in there)

SEARCH = "/local-offer?age=9&need=autism&tier=universal&day=5"
# The Open Referral UK feed's list of services, as an aggregator pages through it (50 a page).
FEED = "/openreferral/v3/services"
BENCH_EMAIL = "bench-family-{n}@example.com"
BENCH_PASSWORD = "benchmark families only"
DEMO_PASSWORD = "short-breaks-demo"
# The commissioner dashboard, signed in as each body's demo commissioner (target: median under 300 ms).
DASHBOARDS = {"council": "council@example.com", "trust": "trust@example.com"}
# The commissioners' insight pages and their CSVs, signed in as the demo council commissioner (target: median under
# 300 ms).
INSIGHT = ["/insight/uptake", "/insight/uptake.csv", "/insight/demand", "/insight/demand.csv", "/insight/summary",
           "/insight/summary.csv", "/insight/summary.pdf", "/insight/feedback"]
# The trust's own: each child's nights away, and the register of disabled children with its consented export.
TRUST_INSIGHT = ["/trust/nights-away", "/trust/register-of-disabled-children", "/trust/register-of-disabled-children.csv"]
CHILD_AGE = 10
SERIES_SESSIONS = 4
TIMEOUT = 30


def varied_searches() -> list[str]:
    """Different searches, shuffled: enough that none is asked twice in a run, so each is worked out afresh (the
    repeated SEARCH above is answered from the portal's page cache after its first time)."""
    from portal.models import NEEDS

    ages, needs = ["", *map(str, range(4, 19))], ["", *sorted(NEEDS)]
    days, tiers = ["", *map(str, range(7))], ["", "universal", "targeted", "specialist"]
    paths = ["/local-offer?" + "&".join(f"{k}={v}" for k, v in (("age", a), ("need", n), ("day", d), ("tier", t)) if v)
             for a in ages for n in needs for d in days for t in tiers]
    random.Random(11).shuffle(paths)
    return paths


def varied_feed_pages() -> list[str]:
    """Different pages of the feed (ages and pages), shuffled, as several aggregators asking different things."""
    paths = [f"{FEED}?page={page}&minimum_age={low}&maximum_age={high}"
             for page in range(1, 21) for low in range(0, 19) for high in range(low, 26, 3)]
    random.Random(13).shuffle(paths)
    return paths


def say(message: str = "", end: str = "\n") -> None:
    print(message, end=end, flush=True)


# --- the database -------------------------------------------------------------------------------

def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def flask_cli(url: str, *args: str) -> None:
    # JOBS_IMMEDIATE: seed-demo publishes the statement before it returns (the benchmark of the statement needs
    # it, and no job should be making PDFs while the server is measured).
    env = dict(os.environ, DATABASE_URL=url, PORTAL_CONFIG="development", JOBS_IMMEDIATE="1",
               PORTAL_INSTANCE_PATH=str(DATA / "instance"))
    env.pop("MAIL_SERVER", None)
    command = [sys.executable, "-m", "flask", "--app", "portal", *args]
    say(f"$ flask --app portal {' '.join(args)}")
    subprocess.run(command, env=env, cwd=ROOT, check=True)


def make_app(url: str):
    from portal import create_app

    return create_app("development", SQLALCHEMY_DATABASE_URI=sqlalchemy_url(url))


def demo_data_present(url: str) -> bool:
    from sqlalchemy import inspect, select

    from portal.extensions import db
    from portal.models import User

    app = make_app(url)
    with app.app_context():
        try:
            if not inspect(db.engine).has_table("users"):
                return False
            return db.session.scalar(select(User.id).where(User.email == "parent@example.com")) is not None
        finally:
            db.session.remove()
            db.engine.dispose()


def create_postgres_database(url: str) -> None:
    """Create the PostgreSQL database the URL names if the server does not have it yet (a fresh machine)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(sqlalchemy_url(url))
    if not target.drivername.startswith("postgresql"):
        return
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": target.database})
            if not exists:
                say(f"Creating the PostgreSQL database {target.database}...")
                quoted = connection.dialect.identifier_preparer.quote(target.database)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        engine.dispose()


def prepare_database(url: str, size: str, reseed: bool) -> bool:
    """Migrate, and seed unless the demo data is there already; True if it seeded."""
    say("Preparing the database...")
    create_postgres_database(url)
    try:
        flask_cli(url, "db", "upgrade")
    except subprocess.CalledProcessError:
        raise SystemExit("flask db upgrade failed (see above). For the default SQLite database, run again with "
                         "--reseed to build it from nothing.") from None
    if reseed or not demo_data_present(url):
        say(f"Seeding the {size} demo area (the full one takes a few minutes)...")
        flask_cli(url, "seed-demo", "--size", size)
        return True
    say("Demo data already present.")
    return False


def prepare_benchmark_data(url: str, families: int, slots_wanted: int) -> dict:
    """Add the benchmark families, undo their earlier bookings, and plan which sessions each will book."""
    from sqlalchemy import delete, func, select
    from sqlalchemy.orm import joinedload
    from werkzeug.security import generate_password_hash

    from bookings import funding
    from bookings.places import held
    from budgets.models import LedgerLine
    from portal import two_step
    from portal.extensions import db
    from portal.models import AuditEvent, Child, Locality, Role, SupportLevel, User
    from portal.notify import OutboxEmail
    from portal.timeutil import age_on, to_london, utcnow
    from providers.models import (
        STAFF_UNITS,
        Booking,
        BookingSet,
        Offer,
        OfferStatus,
        Provider,
        ProviderStatus,
        Session,
        SessionSeries,
        SessionStatus,
        Tier,
    )

    app = make_app(url)
    with app.app_context():
        # Families: made once, reused by later runs.
        today = date.today()
        born = today.replace(year=today.year - CHILD_AGE) - timedelta(days=30)
        locality_id = db.session.scalar(select(Locality.id).order_by(Locality.id).limit(1))
        password_hash = None
        users = []
        for n in range(families):
            email = BENCH_EMAIL.format(n=n)
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                password_hash = password_hash or generate_password_hash(
                    BENCH_PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
                user = User(email=email, name=f"Bench Family {n}", role=Role.PARENT_CARER, password_hash=password_hash)
                db.session.add(user)
                db.session.flush()
            user.email_confirmed_at = user.email_confirmed_at or utcnow()  # as if they had followed the link
            if not user.children:
                db.session.add(Child(parent_id=user.id, first_name="Bench", last_name=f"Child {n}", date_of_birth=born,
                                     needs=["autism"], support_level=SupportLevel.GROUP, locality_id=locality_id,
                                     emergency_contact="Bench Contact 07700 900000"))
            users.append(user)
        # The demo commissioners set up two-step sign-in afresh each run (sign_in_staff does it as a person would).
        for email in DASHBOARDS.values():
            staff = db.session.scalar(select(User).where(User.email == email))
            if staff.totp_secret is not None:
                two_step.reset_for(staff, by=staff, reason="The benchmark signs in as this demo account")
        db.session.commit()
        say(f"Benchmark families: {families} ready.")

        # Undo earlier runs' bookings, so every run starts from the same data: delete them (and their audit
        # events), then store the service's own recount on the sessions they were on.
        user_ids = [u.id for u in users]
        touched = db.session.scalars(
            select(Booking.session_id).where(Booking.booked_by_id.in_(user_ids)).distinct()).all()
        booking_ids = select(Booking.id).where(Booking.booked_by_id.in_(user_ids))
        db.session.execute(delete(AuditEvent).where(AuditEvent.subject_type == "Booking",
                                                    AuditEvent.subject_id.in_(booking_ids)))
        removed = db.session.execute(delete(Booking).where(Booking.booked_by_id.in_(user_ids))).rowcount
        set_ids = select(BookingSet.id).where(BookingSet.family_id.in_(user_ids))
        db.session.execute(delete(AuditEvent).where(AuditEvent.subject_type == "BookingSet",
                                                    AuditEvent.subject_id.in_(set_ids)))
        db.session.execute(delete(BookingSet).where(BookingSet.family_id.in_(user_ids)))
        db.session.execute(delete(OutboxEmail).where(OutboxEmail.to_address.like(BENCH_EMAIL.format(n="%"))))
        for start in range(0, len(touched), 500):
            for session in db.session.scalars(select(Session).where(Session.id.in_(touched[start:start + 500]))):
                session.places_taken, session.staff_units_taken = held(session)
        db.session.commit()
        if removed:
            say(f"Removed {removed:,} bookings left by earlier benchmark runs.")
        counts = {
            "offers": db.session.scalar(select(func.count()).select_from(Offer)),
            "sessions": db.session.scalar(select(func.count()).select_from(Session)),
            "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
            "ledger lines": db.session.scalar(select(func.count()).select_from(LedgerLine)),
        }
        say(f"Database: {db.engine.dialect.name}, {counts['offers']:,} offers, {counts['sessions']:,} sessions, "
            f"{counts['bookings']:,} bookings, {counts['ledger lines']:,} ledger lines.")

        # Sessions the families may book: open, in the future, with places, for a 10-year-old,
        # universal or targeted (specialist breaks need an assessment).
        now = utcnow()
        candidates = db.session.scalars(
            select(Session).join(Offer).join(Provider).options(joinedload(Session.offer))
            .where(Session.status == SessionStatus.OPEN, Session.starts_at > now + timedelta(hours=2),
                   Session.places_taken < Session.capacity, Offer.status == OfferStatus.PUBLISHED,
                   Provider.status == ProviderStatus.APPROVED, Offer.tier.in_([Tier.UNIVERSAL, Tier.TARGETED]),
                   Offer.min_age <= CHILD_AGE, Offer.max_age >= CHILD_AGE)
            .order_by(Session.starts_at, Session.id)
        ).all()
        children = [(u.id, u.children[0].id) for u in users]
        # Series booked in one go (up to SERIES_SESSIONS sessions each) first; single bookings leave their sessions
        # alone.
        series_plans: list[list[tuple]] = [[] for _ in users]
        series_total, turn = 0, 0
        for series in db.session.scalars(
                select(SessionSeries).join(Offer).join(Provider).options(joinedload(SessionSeries.offer))
                .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED,
                       Offer.tier.in_([Tier.UNIVERSAL, Tier.TARGETED]), Offer.min_age <= CHILD_AGE,
                       Offer.max_age >= CHILD_AGE).order_by(SessionSeries.id)):
            offer = series.offer
            methods = [m for m in funding.methods_for(offer) if m.code in ("free", "pay_provider")]
            chosen = [s for s in sorted(series.sessions, key=lambda s: s.starts_at)
                      if s.status is SessionStatus.OPEN and s.starts_at > now + timedelta(hours=2)
                      and s.places_taken < s.capacity
                      and offer.suits_age(age_on(born, to_london(s.starts_at).date()))][:SERIES_SESSIONS]
            if not methods or len(chosen) < 2:
                continue
            room = min(min(s.capacity - s.places_taken for s in chosen), families)
            for i in range(room):
                f = (turn + i) % families
                series_plans[f].append((series.id, [s.id for s in chosen], children[f][1], methods[0].code,
                                        offer.tier is Tier.TARGETED))
            turn = (turn + room) % families
            series_total += room
            if series_total >= slots_wanted // 4:
                break
        say(f"Series bookings planned: {series_total:,} (up to {SERIES_SESSIONS} sessions each).")
        in_series = {session_id for plan in series_plans for slot in plan for session_id in slot[1]}

        units = STAFF_UNITS[SupportLevel.GROUP]
        per_family: list[list[tuple]] = [[] for _ in users]
        turn = 0
        total = 0
        for session in candidates:
            offer = session.offer
            if session.id in in_series:
                continue
            if not offer.suits_age(age_on(born, to_london(session.starts_at).date())):
                continue
            # Places paid outside the portal, so the benchmark never moves money in the ledger (and can delete
            # its bookings before the next run).
            methods = [m for m in funding.methods_for(offer) if m.code in ("free", "pay_provider")]
            if not methods:
                continue
            free = min(session.capacity - session.places_taken, families)
            if session.staff_units is not None:  # staff time, in the units a child's support level takes
                free = min(free, (session.staff_units - session.staff_units_taken) // units)
            if free <= 0:
                continue
            for i in range(free):
                f = (turn + i) % families
                per_family[f].append((session.id, children[f][1], methods[0].code, offer.tier is Tier.TARGETED))
            turn = (turn + free) % families
            total += free
            if total >= slots_wanted:
                break
        say(f"Bookable places planned: {total:,} on {len({s[0] for p in per_family for s in p}):,} sessions.")


        offer_ids = db.session.scalars(
            select(Offer.id).join(Provider).where(Offer.status == OfferStatus.PUBLISHED,
                                                  Provider.status == ProviderStatus.APPROVED).order_by(Offer.id)
        ).all()
        random.Random(7).shuffle(offer_ids)
        db.session.remove()
        db.engine.dispose()
    return {"counts": counts, "emails": [BENCH_EMAIL.format(n=n) for n in range(families)],
            "plans": per_family, "series_plans": series_plans, "offer_ids": offer_ids[:500]}


def count_oversold(url: str) -> tuple[int, int]:
    """After the run: how many sessions hold more places (or staff time) than they have, recounted from their
    bookings, and how many sessions the benchmark families booked on."""
    from sqlalchemy import select

    from bookings.places import held
    from portal.extensions import db
    from portal.models import User
    from providers.models import Booking, Session

    app = make_app(url)
    with app.app_context():
        families = select(User.id).where(User.email.like(BENCH_EMAIL.format(n="%")))
        touched = db.session.scalars(select(Session).where(Session.id.in_(
            select(Booking.session_id).where(Booking.booked_by_id.in_(families))))).all()
        oversold = 0
        for session in touched:
            places, staff_units = held(session)
            if places > session.capacity or (session.staff_units is not None and staff_units > session.staff_units):
                oversold += 1
        db.session.remove()
        db.engine.dispose()
    return oversold, len(touched)


def count_emails(url: str) -> dict[str, int]:
    """The benchmark families' emails in the outbox, by status, when the server stops: written by each booking,
    and sent during the run only if the server's own threads work the queue (JOBS_WORKER_IN_PROCESS=1)."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.notify import OutboxEmail

    app = make_app(url)
    with app.app_context():
        counts = dict(db.session.execute(
            select(OutboxEmail.status, func.count(OutboxEmail.id))
            .where(OutboxEmail.to_address.like(BENCH_EMAIL.format(n="%"))).group_by(OutboxEmail.status)).all())
        db.session.remove()
        db.engine.dispose()
    return {status.value: count for status, count in counts.items()}


def send_waiting_emails(url: str) -> tuple[int, float, float]:
    """After the run, as one job worker would: send the benchmark families' waiting emails (each booking's
    confirmation, with its calendar file) over SMTP to a local server that keeps nothing. Returns (emails sent,
    seconds, CPU seconds of this process, the SMTP server's thread included)."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.notify import EmailStatus, OutboxEmail, deliver

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's account of every SMTP command
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app("development", SQLALCHEMY_DATABASE_URI=sqlalchemy_url(url), MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USERNAME=None, MAIL_PASSWORD=None,
                     JOBS_WORKER_IN_PROCESS=False)
    try:
        with app.app_context():
            waiting = db.session.scalars(
                select(OutboxEmail.id).where(OutboxEmail.to_address.like(BENCH_EMAIL.format(n="%")),
                                             OutboxEmail.status == EmailStatus.WAITING).order_by(OutboxEmail.id)).all()
            db.session.rollback()
            began, cpu = time.perf_counter(), time.process_time()
            sent = sum(bool(deliver(email_id)) for email_id in waiting)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            db.session.remove()
            db.engine.dispose()
    finally:
        controller.stop()
    return sent, elapsed, cpu


# --- the server ---------------------------------------------------------------------------------

@contextmanager
def server(url: str, workers: int, threads: int, log_path: Path):
    """tests.live_server.live_server, with the server's output going to a log file (every booking
    'sends' an email, which without MAIL_SERVER is written to the log), and gunicorn's --preload, so the
    app is imported once before the workers are forked."""
    env = {"GUNICORN_CMD_ARGS": "--preload", "PORTAL_INSTANCE_PATH": str(DATA / "instance"),
           # As in production, the app processes only queue the emails; a worker sends them (here, after the run).
           "JOBS_WORKER_IN_PROCESS": os.environ.get("JOBS_WORKER_IN_PROCESS", "0"),
           # Public pages kept as the portal keeps them (portal/page_cache.py; live_server turns it off for tests).
           "PAGE_CACHE_SECONDS": os.environ.get("PAGE_CACHE_SECONDS", "60")}
    manager = live_server(url, workers=workers, threads=threads, **env)
    with open(log_path, "wb") as log:
        # gunicorn inherits stdout and stderr when live_server starts it: point them at the log meanwhile.
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            base = manager.__enter__()
        except RuntimeError as exc:
            raise SystemExit(f"{exc}: see {log_path}") from None
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    try:
        yield base
    finally:
        manager.__exit__(None, None, None)


def hidden_input(html: str, name: str) -> str:
    from html.parser import HTMLParser

    found = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") == name:
                found.setdefault(name, attrs.get("value") or "")

    Parser().feed(html)
    if name not in found:
        raise RuntimeError(f"no {name} input on the page")
    return found[name]


def sign_in_staff(base: str, email: str) -> requests.Session:
    """A demo staff account (the seed gives them the demo password)."""
    http = requests.Session()
    page = http.get(base + "/sign-in", timeout=TIMEOUT)
    response = http.post(base + "/sign-in", allow_redirects=False, timeout=TIMEOUT,
                         data={"email": email, "password": DEMO_PASSWORD,
                               "csrf_token": hidden_input(page.text, "csrf_token")})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")
    if response.headers["Location"].endswith("/two-step/set-up"):
        # Staff use two-step sign-in: set it up with the key the page shows, as an authenticator app would.
        page = http.get(base + "/two-step/set-up", timeout=TIMEOUT)
        key = re.search(r'class="portal-secret-key"[^>]*>([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
        done = http.post(base + "/two-step/set-up", timeout=TIMEOUT,
                         data={"code": pyotp.TOTP(key).now(), "csrf_token": hidden_input(page.text, "csrf_token")})
        if done.status_code != 200:
            raise RuntimeError(f"could not set up two-step sign-in for {email}: {done.status_code}")
    return http


def sign_in(base: str, email: str, session_id: int) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(base + "/sign-in", timeout=TIMEOUT)
    response = http.post(base + "/sign-in", allow_redirects=False, timeout=TIMEOUT,
                         data={"email": email, "password": BENCH_PASSWORD,
                               "csrf_token": hidden_input(page.text, "csrf_token")})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")
    page = http.get(f"{base}/sessions/{session_id}/book", timeout=TIMEOUT)
    if page.status_code != 200:
        raise RuntimeError(f"booking page for session {session_id}: {page.status_code}")
    return http, hidden_input(page.text, "csrf_token")


# --- the clients --------------------------------------------------------------------------------

def client(job: dict) -> dict:
    """One client process: a closed loop of requests from start_at to end_at (wall clock)."""
    base, kind = job["base"], job["kind"]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    ran_out = False
    if kind in ("book", "series"):
        families = job["families"]  # [(requests.Session, csrf token)]
        work = iter(job["slots"])   # [(family index, session id or (series id, session ids), child id, funding, targeted)]
    else:
        http = job.get("http") or requests.Session()
        paths = job["paths"]
    time.sleep(max(0.0, job["start_at"] - time.time()))
    n = 0
    while time.time() < job["end_at"]:
        if kind in ("book", "series"):
            try:
                family, session_id, child_id, method, targeted = next(work)
            except StopIteration:
                ran_out = True
                break
            http, token = families[family]
            data = {"children": [child_id], "carer_places": "0", "funding": method, "csrf_token": token}
            if targeted:
                data["declared"] = "y"
            # A browser follows the booking's redirect to a page that shows the confirmation and takes it out of
            # the session cookie again. This client does not follow it, so it puts back the cookie it had (the
            # same session, less that message); otherwise each family's cookie would grow by a message a booking.
            cookies = http.cookies.copy()
            began = time.perf_counter()
            if kind == "series":
                series_id, session_ids = session_id
                data.update(sessions=session_ids, if_some_cannot="available")
                response = http.post(f"{base}/series/{series_id}/book/check", data=data, allow_redirects=False,
                                     timeout=TIMEOUT)
                ok = response.status_code == 302 and "/bookings/sets/" in response.headers.get("Location", "")
            else:
                response = http.post(f"{base}/sessions/{session_id}/book", data=data, allow_redirects=False,
                                     timeout=TIMEOUT)
                ok = response.status_code == 302 and response.headers.get("Location", "").endswith("/bookings")
            http.cookies = cookies
        else:
            path = paths[n % len(paths)]
            began = time.perf_counter()
            response = http.get(base + path, timeout=TIMEOUT)
            ok = response.status_code == 200
        elapsed = time.perf_counter() - began
        n += 1
        if ok:
            latencies.append(elapsed)
        else:
            key = str(response.status_code)
            errors[key] = errors.get(key, 0) + 1
    return {"latencies": latencies, "errors": errors, "finished": time.time(), "ran_out": ran_out}


def run_phase(pool, jobs: list[dict], duration: float) -> dict:
    start_at = time.time() + 0.5
    for job in jobs:
        job["start_at"], job["end_at"] = start_at, start_at + duration
    results = pool.map(client, jobs)
    latencies = sorted(x for r in results for x in r["latencies"])
    errors: dict[str, int] = {}
    for r in results:
        for status, count in r["errors"].items():
            errors[status] = errors.get(status, 0) + count
    elapsed = max(r["finished"] for r in results) - start_at
    return {"ok": len(latencies), "errors": errors, "elapsed": elapsed, "rps": len(latencies) / elapsed,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "ran_out": any(r["ran_out"] for r in results)}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index] * 1000


# --- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per endpoint (default 10)")
    parser.add_argument("--clients", type=int, default=None, help="client processes (default 2 x workers)")
    parser.add_argument("--families", type=int, default=None, help="benchmark families (default 2 x clients)")
    parser.add_argument("--size", choices=["full", "small", "national"], default="full",
                        help="demo data size (default full; national: 50,000 services)")
    parser.add_argument("--database-url", help="default: SQLite in benchmarks/.data/portal-SIZE.sqlite3")
    parser.add_argument("--reseed", action="store_true", help="rebuild the demo data even if present")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured requests per page (default 1)")
    parser.add_argument("--skip-statement", action="store_true",
                        help="do not run benchmarks/statement.py afterwards (the statement's PDF timings)")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="measure only the endpoints whose name contains WORDS (repeatable; /healthz is always "
                             "measured, for the ratios), such as --only book")
    args = parser.parse_args()
    clients = args.clients or 2 * args.workers
    families = args.families or 2 * clients

    DATA.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{DATA / f'portal-{args.size}.sqlite3'}"
    if args.reseed and not args.database_url:
        # Our own file: start it again from nothing, so migrations never have to alter a full database.
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"portal-{args.size}.sqlite3{suffix}").unlink(missing_ok=True)
    seeded = prepare_database(url, args.size, args.reseed)
    # Enough places for 1,000 bookings a second (the plan stops at what the data has).
    plan = prepare_benchmark_data(url, families, slots_wanted=int(1000 * args.duration) + 1000)

    # A fresh job queue: tasks queued by earlier runs (their emails are gone) must not take the CPUs of this one.
    for leftover in (DATA / "instance").glob("jobs.sqlite3*"):
        leftover.unlink()
    log_path = DATA / "server.log"
    say(f"Starting gunicorn: {args.workers} workers x {args.threads} threads (server log: "
        f"{log_path.relative_to(ROOT)})...")
    context = multiprocessing.get_context("spawn")
    with server(url, args.workers, args.threads, log_path) as base, context.Pool(clients) as pool:
        say(f"Signing in {families} benchmark families: ", end="")
        signed = []
        for n, (email, slots) in enumerate(zip(plan["emails"], plan["plans"])):
            if not slots:
                raise SystemExit(f"\nNo bookable sessions left for {email}: try --reseed or fewer --families.")
            signed.append(sign_in(base, email, slots[0][0]))
            say(f"{n + 1}" if n + 1 == families else f"{n + 1} ", end="")
        say()
        offer_paths = [f"/local-offer/{i}" for i in plan["offer_ids"]] or ["/local-offer"]
        gets = {
            "GET /healthz": (["/healthz"], None),
            f"GET {SEARCH}": ([SEARCH], None),
            f"GET /local-offer/<id> ({len(offer_paths)} offers)": (offer_paths, None),
            f"GET {FEED} (pages 1-20)": ([f"{FEED}?page={n}" for n in range(1, 21)], None),
        }
        # Not repeated within the run (the warm-up asks others), so the page cache does not answer them.
        searches, feed_pages = varied_searches(), varied_feed_pages()
        fresh = {
            f"GET /local-offer (varied: {len(searches) - 200:,} different searches)": (searches[200:], searches[:200]),
            f"GET {FEED} (varied: {len(feed_pages) - 100:,} different pages)": (feed_pages[100:], feed_pages[:100]),
        }
        for body, email in DASHBOARDS.items():
            gets[f"GET /money/dashboard ({body})"] = (["/money/dashboard"], sign_in_staff(base, email))
        insight = {f"GET {path} (council)": ([path], sign_in_staff(base, DASHBOARDS["council"])) for path in INSIGHT}
        insight.update({f"GET {path} (trust)": ([path], sign_in_staff(base, DASHBOARDS["trust"])) for path in TRUST_INSIGHT})
        if args.warmup > 0:
            say("Warming up...")
            warm = [*gets.values(), *((others, None) for _paths, others in fresh.values())]
            for paths, http in warm:
                run_phase(pool, [{"base": base, "kind": "get", "paths": paths[c::clients] or paths, "http": http}
                                 for c in range(clients)], args.warmup)
        gets.update({name: (paths, None) for name, (paths, _others) in fresh.items()})
        gets.update(insight)  # after the warm-up: each one's first request works its figures out, measured

        def wanted(name: str) -> bool:
            return name == "GET /healthz" or not args.only or any(words in name for words in args.only)

        results = {}
        for name, (paths, http) in gets.items():
            if not wanted(name):
                continue
            say(f"Measuring {name} for {args.duration:g} s with {clients} clients...")
            results[name] = run_phase(pool, [{"base": base, "kind": "get", "paths": paths[c::clients] or paths,
                                              "http": http} for c in range(clients)], args.duration)
        name = "POST /sessions/<id>/book (real bookings)"
        jobs = []
        for c in range(clients):
            mine = list(range(c, families, clients))
            slots = []
            for turn in range(max(len(plan["plans"][f]) for f in mine)):
                for index, f in enumerate(mine):
                    if turn < len(plan["plans"][f]):
                        slots.append((index, *plan["plans"][f][turn]))
            jobs.append({"base": base, "kind": "book", "families": [signed[f] for f in mine], "slots": slots})
        if wanted(name):
            say(f"Measuring {name} for {args.duration:g} s with {clients} clients...")
            results[name] = run_phase(pool, jobs, args.duration)
        name = f"POST /series/<id>/book/check (up to {SERIES_SESSIONS} sessions)"
        jobs = []
        for c in range(clients):
            mine = list(range(c, families, clients))
            slots = [(index, (series_id, session_ids), child, method, targeted)
                     for index, f in enumerate(mine) for series_id, session_ids, child, method, targeted
                     in plan["series_plans"][f]]
            jobs.append({"base": base, "kind": "series", "families": [signed[f] for f in mine], "slots": slots})
        if not any(job["slots"] for job in jobs):
            say("No series to book in this data: skipped.")
        elif wanted(name):
            say(f"Measuring {name} for {args.duration:g} s with {clients} clients...")
            results[name] = run_phase(pool, jobs, args.duration)
    oversold, touched = count_oversold(url)
    emails = count_emails(url)
    sent = 0
    if emails.get("waiting"):
        say("Sending the emails the bookings wrote, as one job worker would...")
        sent, sending_seconds, sending_cpu = send_waiting_emails(url)

    size = f"{args.size} demo data" if seeded or not args.database_url else "existing demo data"
    counts = plan["counts"]
    say()
    say(f"Portal benchmark: {size} ({counts['offers']:,} offers, {counts['sessions']:,} sessions, "
        f"{counts['bookings']:,} bookings, {counts['ledger lines']:,} ledger lines), "
        f"{sqlalchemy_url(url).split(':')[0].split('+')[0]}; gunicorn {args.workers} workers x "
        f"{args.threads} threads; {clients} client processes; {args.duration:g} s per endpoint; "
        f"{os.cpu_count()} CPUs shared by clients and server.")
    say()
    width = max(len(n) for n in results)
    say(f"{'endpoint':<{width}}  {'ok':>7}  {'errors':>8}  {'req/s':>8}  {'p50 ms':>8}  {'p99 ms':>8}  {'vs healthz':>10}")
    healthz = results["GET /healthz"]["rps"]
    for name, r in results.items():
        errors = ",".join(f"{k}x{v}" for k, v in sorted(r["errors"].items())) or "0"
        ratio = r["rps"] / healthz if healthz else float("nan")
        say(f"{name:<{width}}  {r['ok']:>7,}  {errors:>8}  {r['rps']:>8.1f}  {r['p50']:>8.1f}  {r['p99']:>8.1f}  "
            f"{ratio:>10.2f}")
        if name.startswith("GET /money/dashboard"):
            say(f"  (target: p99 under 300 ms: {'met' if r['p99'] < 300 else 'NOT met'})")
        if name.startswith(("GET /insight", "GET /trust")):
            say(f"  (target: median under 300 ms: {'met' if r['p50'] < 300 else 'NOT met'})")
        if r["ran_out"]:
            say(f"  (some clients ran out of planned places before the end; figures cover {r['elapsed']:.1f} s)")
    say()
    say(f"Oversold sessions after the run: {oversold} of the {touched:,} the benchmark families booked on "
        "(recounted from their bookings).")
    if emails:
        say(f"Benchmark families' emails in the outbox: {sum(emails.values()):,} written by their bookings, of which "
            + ", ".join(f"{count:,} {status}" for status, count in sorted(emails.items()))
            + " when the server stopped.")
    if emails.get("waiting") and sent < emails["waiting"]:
        say(f"{emails['waiting'] - sent:,} of them could not be sent: see benchmarks/.data/server.log.")
    if sent:
        say(f"Then one job worker sent the {sent:,} waiting over SMTP in {sending_seconds:.1f} s: {sent / sending_seconds:.1f} "
            f"emails/s, {1000 * sending_cpu / sent:.1f} ms of CPU each (worker and SMTP server).")

    if not args.skip_statement:
        from benchmarks.statement import main as statement_benchmark

        say()
        statement_benchmark(["--size", args.size] + (["--database-url", args.database_url] if args.database_url else []))


if __name__ == "__main__":
    main()
