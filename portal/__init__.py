"""The Short Breaks Portal: find, book and commission short breaks for disabled children."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, render_template, send_from_directory
from flask_babel import gettext, lazy_gettext
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import CONFIGS, database_url
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
STATIC = Path(__file__).resolve().parent / "static"


def _check_production(app: Flask) -> None:
    """Refuse to start without what production needs; answer only to the portal's own host names."""
    if app.config["SECRET_KEY"] == "dev-only-not-secret":
        raise RuntimeError("Set SECRET_KEY before running in production.")
    base = urlsplit(app.config.get("BASE_URL") or "")
    if base.scheme not in ("http", "https") or not base.hostname:
        raise RuntimeError("Set BASE_URL (for example https://shortbreaks.example.gov.uk) before running in "
                           "production: every link in an email is built from it.")
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [base.hostname]


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or str(ROOT / "instance"))
    config_name = config_name or os.environ.get("PORTAL_CONFIG", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    app.config.update(overrides)
    if config_name == "production":
        _check_production(app)
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"timeout": 30}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No JIT compilation: the portal's queries take milliseconds, but a search over a national-sized offer is
        # costed high enough that PostgreSQL would spend most of a second compiling it first (measured: 945 ms of
        # JIT for 30 ms of work). No parallel workers for one query either: many requests at once already use
        # every CPU, and a search's extra workers only added their start-up to each. Set per connection, so the
        # server's own settings are left alone. The lock timeout too (portal.locking): each lock then costs no round
        # trip of its own to set it.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        app.config["LOCK_TIMEOUT_ON_CONNECT_MS"] = int(app.config["CAPACITY_LOCK_TIMEOUT_SECONDS"] * 1000)
        settings = (f"-c jit=off -c max_parallel_workers_per_gather=0 "  # i18n: not shown (PostgreSQL settings)
                    f"-c lock_timeout={app.config['LOCK_TIMEOUT_ON_CONNECT_MS']}")
        options["connect_args"] = {**options.get("connect_args", {}), "options": settings}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    logging.basicConfig(level=logging.INFO)

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = lazy_gettext("Sign in to continue.")
    login_manager.login_message_category = "info"

    # The composition root plugs in every area's blueprints. Imported here, not at the top: every area imports
    # portal.extensions and the like, which runs this package first, so a top-level import would be a circle.
    from audit import views as audit_views
    from bookings import api, nights_views, payment_views, session_views
    from bookings import views as booking_views
    from budgets import budget_views, dashboard_views, provider_money_views
    from calendars import views as calendar_views
    from feedback import views as feedback_views
    from insight import views as insight_views
    from local_offer import views as local_offer_views
    from open_referral import views as open_referral_views
    from privacy import views as privacy_views
    from providers import approval_views, offer_views, organisation_views
    from providers import session_views as provider_session_views
    from statements import public_views
    from statements import views as statement_views
    from transitions import views as transition_views

    from . import auth, cli, commissioning, contacts, disabled_register, email_views, families, i18n, job_views, jobs
    from . import growing_up_views, pages, people
    from . import two_step
    from . import http_caching, page_cache, rate_limits, request_limits, security_headers, translation_reviews
    from .templating import register_filters

    for module in (auth, booking_views, commissioning, contacts, families, local_offer_views, pages,
                   organisation_views, offer_views, provider_session_views, session_views, approval_views,
                   budget_views, dashboard_views, provider_money_views, payment_views, public_views, statement_views, translation_reviews,
                   two_step, people, audit_views, privacy_views, open_referral_views, calendar_views, email_views, job_views,
                   feedback_views, nights_views, disabled_register, insight_views, transition_views,
                   growing_up_views):
        app.register_blueprint(module.bp)
    i18n.init_app(app)
    request_limits.init_app(app)
    rate_limits.init_app(app)
    security_headers.init_app(app)
    http_caching.init_app(app)
    page_cache.init_app(app)
    jobs.init_app(app)
    app.add_template_global(translation_reviews.footer_note, "translation_note")

    api.init_app(app)
    register_filters(app)
    cli.register(app)

    @app.get("/assets/<path:filename>")
    def govuk_assets(filename):
        return send_from_directory(STATIC / "govuk" / "assets", filename, max_age=31536000)

    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, _error_page(code))
    return app


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        if isinstance(error, SecurityError):
            # A Host header the portal does not answer to (TRUSTED_HOSTS): no link can be built for it, so no page.
            return Response(gettext("This address is not one the portal answers to."), 400, mimetype="text/plain")
        if code == 429:  # with its Retry-After
            headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
            return render_template("errors/429.html", error=error), code, headers
        return render_template(f"errors/{code}.html"), code
    return handler


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3  # only to recognise SQLite connections; PostgreSQL deployments never need it here

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
