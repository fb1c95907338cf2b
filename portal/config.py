"""Configuration classes. DATABASE_URL selects the database; the default is SQLite in the instance folder."""
import os

from .i18n import N_


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SERVICE_NAME = N_("Short breaks for disabled children")  # translated where shown
    AREA_NAME = os.environ.get("AREA_NAME", "Birmingham")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"  # i18n: not shown (a cookie setting)
    REMEMBER_COOKIE_HTTPONLY = True
    # Processes that lay out the statement's PDFs side by side when it is published (0: one per CPU).
    STATEMENT_PDF_PROCESSES = int(os.environ.get("STATEMENT_PDF_PROCESSES", "0"))
    # Email: with MAIL_SERVER set, mail goes over SMTP; otherwise it is printed to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "short-breaks@example.gov.uk")
    # Background jobs (portal/jobs.py): where the queue is (unset: a SQLite file in the instance folder;
    # redis://host:6379/2 for several machines), and whether app processes also work it (development).
    JOBS_URL = os.environ.get("JOBS_URL")
    JOBS_WORKER_IN_PROCESS = os.environ.get("JOBS_WORKER_IN_PROCESS", "0") == "1"
    JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS", "2"))
    # 0: an app process working the queue (JOBS_WORKER_IN_PROCESS) does not also run the scheduled tasks (the
    # tests' live servers, which share a database with processes whose tasks a test is watching).
    JOBS_SCHEDULE = os.environ.get("JOBS_SCHEDULE", "1") == "1"
    # 1: each job runs at once, in the process that queued it (the benchmarks' seed-demo waits for the statement).
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "0") == "1"
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds: a reset link works for one hour
    # Staff (council, trust, admin, provider) sessions end after this long unused, and this long after signing in.
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "12"))
    WAITING_LIST_OFFER_HOURS = int(os.environ.get("WAITING_LIST_OFFER_HOURS", "24"))
    # How many days before a young person's 18th birthday they and their parent are told what will change.
    ADULTHOOD_NOTICE_DAYS = int(os.environ.get("ADULTHOOD_NOTICE_DAYS", "30"))
    # Switched off only by the race test's control run, to show the race the lock prevents.
    CAPACITY_LOCKING = os.environ.get("CAPACITY_LOCKING", "1") != "0"
    CAPACITY_LOCK_TIMEOUT_SECONDS = 10
    # Only the race test's control turns this off, to show that the checks must be re-run under the lock.
    BOOKING_RECHECK_UNDER_LOCK = os.environ.get("BOOKING_RECHECK_UNDER_LOCK", "1") != "0"
    # The portal's public address (https://shortbreaks.example.gov.uk): every absolute link (emails, Stripe's return
    # addresses, the statement's PDFs) is built from it, never from a request's Host header. Required in production.
    BASE_URL = os.environ.get("BASE_URL", "")
    # Host names the portal answers to (others get 400); in production, BASE_URL's host unless set.
    TRUSTED_HOSTS = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",")] if os.environ.get("TRUSTED_HOSTS") \
        else None
    # Where rate limits are counted: memory:// (one process) or redis://host:6379 (several processes share counts).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    # Behind a TLS-terminating proxy or load balancer: how many proxies set X-Forwarded-For/-Proto/-Host (ProxyFix).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    PAGE_SIZE = 20
    # A break's page shows its average rating and recent comments only once this many families have rated it, so
    # that no comment can be traced to one of a few families.
    FEEDBACK_ANONYMITY_THRESHOLD = int(os.environ.get("FEEDBACK_ANONYMITY_THRESHOLD", "5"))
    # Nights away on short breaks (bookings/nights.py): the trust is told, and the family shown the count, once a
    # child's bookings reach these; set below the law's 17 nights in a row and 75 nights in a year.
    NIGHTS_WARN_RUN = int(os.environ.get("NIGHTS_WARN_RUN", "14"))
    NIGHTS_WARN_YEAR = int(os.environ.get("NIGHTS_WARN_YEAR", "60"))
    # Public pages and the feed kept on the server (portal/page_cache.py): for how long at most (0: not kept), where
    # (redis://... shares them between app processes; otherwise each process keeps its own in memory), and how many.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL")
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES", "1000"))
    PAGE_CACHE_PREFIX = os.environ.get("PAGE_CACHE_PREFIX", "portal-pages:")  # keys in Redis (portals sharing one)
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024  # the largest upload accepted (a session CSV is far smaller)
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    # Where Stripe's API is (tests point it at a local fake of Stripe's HTTP API).
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    # How long a place is held for card payment: Stripe Checkout Sessions last 30 minutes at least.
    PAYMENT_HOLD_MINUTES = int(os.environ.get("PAYMENT_HOLD_MINUTES", "30"))
    # How long families' records are kept (privacy/retention.py; the privacy notice states these numbers). A child
    # ages out at RETENTION_AGE_OUT (no break is for anyone older than 25); their record is anonymised this many
    # years later (6: the Limitation Act 1980's period for claims, and how long financial records are kept).
    RETENTION_AGE_OUT = int(os.environ.get("RETENTION_AGE_OUT", "26"))
    RETENTION_YEARS_AFTER_AGE_OUT = int(os.environ.get("RETENTION_YEARS_AFTER_AGE_OUT", "6"))
    # A family account not used (signed in to, or booked with) for this many years is anonymised.
    RETENTION_INACTIVE_ACCOUNT_YEARS = int(os.environ.get("RETENTION_INACTIVE_ACCOUNT_YEARS", "3"))
    # Growing up (transitions/): the age by which each stage should be done, as years and months ("17y6m": by the
    # day the young person is 17 and a half). Someone still not at a stage on that day is flagged overdue, and the
    # owner and the trust's and adult social care's staff are told, once. "Identified" is done by the portal at 14.
    TRANSITION_DUE = {
        "pfa_review": "14y6m",
        "transition_assessment_asked": "17y",
        "transition_assessment_done": "17y6m",
        "carer_assessment_asked": "17y",
        "carer_assessment_done": "17y6m",
        "adult_package_agreed": "17y9m",
        "handed_over": "18y",
    }
    # From this age with no adult social care budget agreed from the 18th birthday on, everyone responsible is told.
    TRANSITION_NO_ADULT_BUDGET_WARNING = "17y9m"


class DevelopmentConfig(Config):
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: instance/portal.sqlite3
    # The development server works the job queue and the schedule itself: nothing else to start.
    JOBS_WORKER_IN_PROCESS = os.environ.get("JOBS_WORKER_IN_PROCESS", "1") == "1"
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEND_HSTS = True  # Strict-Transport-Security: production only ever runs over HTTPS


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test"
    BASE_URL = "http://localhost"  # the test client's own host
    # Hundreds of sign-ins a minute from one address: tests/test_rate_limits.py turns limits on in an app of its own.
    RATELIMIT_ENABLED = False
    # Fast hashing keeps the suite quick; real deployments keep scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Small test statements: starting processes would cost more than it saves (one test turns it on).
    STATEMENT_PDF_PROCESSES = 1
    # Each job runs at once, in the process that queued it (tests/test_jobs.py runs real queues and workers).
    JOBS_IMMEDIATE = True


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "test": TestConfig}


def database_url(instance_path: str) -> str:
    return _database_url("sqlite:///" + os.path.join(instance_path, "portal.sqlite3"))
