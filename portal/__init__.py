"""The Short Breaks Portal: find, book and commission short breaks for disabled children."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, render_template, send_from_directory
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import CONFIGS, database_url
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
STATIC = Path(__file__).resolve().parent / "static"


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or str(ROOT / "instance"))
    config_name = config_name or os.environ.get("PORTAL_CONFIG", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    app.config.update(overrides)
    if config_name == "production" and app.config["SECRET_KEY"] == "dev-only-not-secret":
        raise RuntimeError("Set SECRET_KEY before running in production.")
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"timeout": 30}
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
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"

    from budgets import models as _budget_models  # noqa: F401  (register the tables)
    from providers import models as _provider_models  # noqa: F401
    from statements import models as _statement_models  # noqa: F401

    from . import api, auth, bookings, cli, commissioning, families, local_offer, pages
    from .templating import register_filters

    for module in (auth, bookings, commissioning, families, local_offer, pages):
        app.register_blueprint(module.bp)
    from providers import offer_views, organisation_views, session_views

    from . import approvals

    for module in (organisation_views, offer_views, session_views, approvals):
        app.register_blueprint(module.bp)
    from budgets import budget_views, dashboard_views, payment_views

    for module in (budget_views, dashboard_views, payment_views):
        app.register_blueprint(module.bp)
    from statements import i18n, public_views, views as statement_views

    i18n.init_app(app)
    app.register_blueprint(public_views.bp)
    app.register_blueprint(statement_views.bp)

    @app.after_request
    def send_refunds_asked_for(response):
        """A cancellation that asked for card refunds has committed by now: send them to Stripe."""
        if db.session.info.pop("refunds_requested", False):
            from budgets.payments import send_requested_refunds

            send_requested_refunds()
        return response
    api.init_app(app)
    register_filters(app)
    cli.register(app)

    @app.get("/assets/<path:filename>")
    def govuk_assets(filename):
        return send_from_directory(STATIC / "govuk" / "assets", filename, max_age=31536000)

    for code in (400, 403, 404, 405, 500):
        app.register_error_handler(code, _error_page(code))
    return app


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template(f"errors/{code}.html"), code
    return handler


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
